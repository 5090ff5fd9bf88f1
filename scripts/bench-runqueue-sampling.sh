#!/usr/bin/env bash
# Measures what sampling the run queues between scrapes costs: the run-queue read beside the
# scrape's scheduler-wide read (CPU per read, interleaved rounds), and the sampler's CPU on 50 idle
# processes at 10, 25 (the default), 50 and 100 samples a second. Needs root (reading another
# process's memory).
# usage: scripts/bench-runqueue-sampling.sh [ROUNDS] [PROCESSES] [SECONDS]     (defaults: 9 50 15)
set -euo pipefail
exec bash "$(dirname "$0")/lib/java-bench.sh" RunQueueSamplingBenchmark "${1:-9}" "${2:-50}" "${3:-15}"
