#!/usr/bin/env bash
# Measures what reading every goroutine's stack from outside costs: time and bytes read for a
# process with 10k and 100k blocked goroutines (median of rounds). Needs root (reading another
# process's memory).
# usage: scripts/bench-stacks.sh [ROUNDS] [SIZE...]     (defaults: 5 10000 100000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
mvn -q -B -pl exporter exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.gmpwatch.exporter.bench.StackCostBenchmark \
  -Dexec.args="${*:-5 10000 100000}" -Dgmpwatch.repoRoot="$root"
