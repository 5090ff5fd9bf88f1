#!/usr/bin/env bash
# Measures what --kernel.runqueue's sched tracepoints cost a program that does nothing but switch
# threads (a ping-pong across two locked threads), in interleaved rounds: no tracepoints, attached
# with the process not watched, attached and watched. Needs root (BPF).
# usage: scripts/bench-kernel-runqueue.sh [ROUNDS] [ROUND_TRIPS]     (defaults: 7 50000)
set -euo pipefail
exec bash "$(dirname "$0")/lib/java-bench.sh" KernelRunQueueBenchmark "${1:-7}" "${2:-50000}"
