#!/usr/bin/env bash
# Measures the exporter's overhead side by side in one run: the 1,000,000-goroutine program and a
# net/http server's requests/s under wrk, each untraced, in the default mode (runtime state,
# scraped every second) and in the per-event mode (--probes); then the scrape cost for a process
# with 10k, 100k and 1M live goroutines. Needs root (reading other processes' memory, BPF).
# usage: scripts/bench-exporter.sh [GOROUTINES] [ROUNDS] [walk]     (defaults: 1000000 5; walk: only the
# walk's cost, stuck history off and on, as scripts/bench-walk.sh runs it)
set -euo pipefail
exec bash "$(dirname "$0")/lib/java-bench.sh" ExporterOverheadBenchmark "${1:-1000000}" "${2:-5}" "${3:-}"
