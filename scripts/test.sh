#!/usr/bin/env bash
# Sets up the machine and runs every test: unit tests, binary analysis against the Go toolchains'
# own tools, and the real-kernel BPF tests (which need root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
exec mvn -B -ntp verify
