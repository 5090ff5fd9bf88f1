#!/usr/bin/env bash
# Measures the whole exporter's overhead side by side in one run: the 1,000,000-goroutine program
# untraced / traced / with a probe at the function entry, and a net/http server's requests/s under
# wrk, untraced and traced. Needs root (BPF).
# usage: scripts/bench-exporter.sh [GOROUTINES] [ROUNDS]     (defaults: 1000000 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
# exec:java alone, without lifecycle phases: exec.args must not reach the bpf build step.
mvn -q -B -pl exporter exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.gmpwatch.exporter.bench.ExporterOverheadBenchmark \
  -Dexec.args="${1:-1000000} ${2:-3}" -Dgmpwatch.repoRoot="$root" \
  -Dgmpwatch.exporterJar="$root/exporter/target/gmpwatch-exporter.jar"
