#!/usr/bin/env bash
# Measures one goroutine walk of a process with 10k, 100k and 1M live goroutines, without and with
# the stuck history, walks interleaved, and prints each per goroutine and their ratio. Needs root.
# usage: scripts/bench-walk.sh [ROUNDS]     (default: 7)
set -euo pipefail
exec bash "$(dirname "$0")/bench-exporter.sh" 0 "${1:-7}" walk
