#!/usr/bin/env bash
# The source document's run-queue experiment (its table 2.3), reproducible: one goroutine starts N
# goroutines for N from 100k to 1M, and the packaged exporter (per-event mode, run queues sampled
# 100 times a second) reports, side by side per step, the sampled global and local queue depths,
# local-queue overflows, steals, and the runtime's scheduling-latency p99. Needs root (BPF).
# usage: scripts/bench-runqueue.sh [N...]     (defaults: 100000 250000 500000 1000000)
set -euo pipefail
exec bash "$(dirname "$0")/lib/java-bench.sh" RunQueueExperiment "${@:-100000 250000 500000 1000000}"
