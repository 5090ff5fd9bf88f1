#!/usr/bin/env bash
# Measures what sampling the run queues between scrapes costs: the run-queue read beside the
# scrape's scheduler-wide read (CPU per read, interleaved rounds), and the sampler's CPU on 50 idle
# processes at 10, 25 (the default), 50 and 100 samples a second. Needs root (reading another
# process's memory).
# usage: scripts/bench-runqueue-sampling.sh [ROUNDS] [PROCESSES] [SECONDS]     (defaults: 9 50 15)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
mvn -q -B -pl exporter exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.gmpwatch.exporter.bench.RunQueueSamplingBenchmark \
  -Dexec.args="${*:-9 50 15}" -Dgmpwatch.repoRoot="$root"
