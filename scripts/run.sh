#!/usr/bin/env bash
# The main command: sets up the machine, builds gmpwatch and runs the local stack
# (deploy/local/stack.sh): Prometheus with alerts/, Alertmanager, HAProxy in front of a demo Go
# service that can be told to leak, the exporter watching every Go process on the host, and the
# remediator. Prints the URLs; Ctrl-C stops everything.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
echo "run: building gmpwatch" >&2
mvn -B -ntp -q -DskipTests package
exec bash "$root/deploy/local/stack.sh"
