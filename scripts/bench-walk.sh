#!/usr/bin/env bash
# Measures one goroutine walk of a process with 10k, 100k and 1M live goroutines, without and with
# the stuck history, walks interleaved, and prints each per goroutine and their ratio. Needs root.
# usage: scripts/bench-walk.sh [ROUNDS]     (default: 7)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
mvn -q -B -pl exporter exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.gmpwatch.exporter.bench.ExporterOverheadBenchmark \
  -Dexec.args="0 ${1:-7} walk" -Dgmpwatch.repoRoot="$root" \
  -Dgmpwatch.exporterJar="$root/exporter/target/gmpwatch-exporter.jar"
