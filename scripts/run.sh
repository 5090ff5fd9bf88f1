#!/usr/bin/env bash
# Sets up the machine, builds gmpwatch and runs the exporter with its embedded defaults: every Go
# process on the host, metrics on :19467. Arguments go to the exporter (e.g. --pid N, processes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -B -ntp -q -DskipTests package
exec java -jar "$root/exporter/target/gmpwatch-exporter.jar" "$@"
