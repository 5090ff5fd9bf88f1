#!/usr/bin/env bash
# Drives the remediator's webhook with wrk (200 connections, a realistic v4 payload) while its
# action target hangs, and prints throughput, p50/p99 latency and errors.
# usage: scripts/bench-remediator.sh [SECONDS]     (default: 15)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
# exec:java alone, without lifecycle phases.
mvn -q -B -pl remediator exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.gmpwatch.remediator.bench.WebhookBenchmark \
  -Dexec.args="${1:-15}" -Dgmpwatch.remediatorJar="$root/remediator/target/gmpwatch-remediator.jar"
