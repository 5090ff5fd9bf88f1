#!/usr/bin/env bash
# Measures what a counting uprobe on runtime.newproc1 costs, side by side in one run: untraced,
# at the site gmpwatch chooses, and at the function entry. Needs root (BPF).
# usage: scripts/bench-probe-cost.sh [GOROUTINES] [ROUNDS]     (defaults: 1000000 3)
set -euo pipefail
exec bash "$(dirname "$0")/lib/java-bench.sh" ProbeCostBenchmark "${1:-1000000}" "${2:-3}"
