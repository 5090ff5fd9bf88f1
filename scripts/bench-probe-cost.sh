#!/usr/bin/env bash
# Measures what a counting uprobe on runtime.newproc1 costs, side by side in one run: untraced,
# at the site gmpwatch chooses, and at the function entry. Needs root (BPF).
# usage: scripts/bench-probe-cost.sh [GOROUTINES] [ROUNDS]     (defaults: 1000000 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
# exec:java alone, without lifecycle phases: exec.args must not reach the bpf build step.
mvn -q -B -pl exporter exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.gmpwatch.exporter.bench.ProbeCostBenchmark \
  -Dexec.args="${1:-1000000} ${2:-3}" -Dgmpwatch.repoRoot="$root"
