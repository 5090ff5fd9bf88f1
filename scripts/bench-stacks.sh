#!/usr/bin/env bash
# Measures what reading every goroutine's stack from outside costs: time and bytes read for a
# process with 10k and 100k blocked goroutines (median of rounds). Needs root (reading another
# process's memory).
# usage: scripts/bench-stacks.sh [ROUNDS] [SIZE...]     (defaults: 5 10000 100000)
set -euo pipefail
exec bash "$(dirname "$0")/lib/java-bench.sh" StackCostBenchmark "${@:-5 10000 100000}"
