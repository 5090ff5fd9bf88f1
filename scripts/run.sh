#!/usr/bin/env bash
# Sets up the machine, builds gmpwatch and shows every running Go process with the probe sites
# gmpwatch chooses for it. Extra arguments go to the exporter (default: "processes").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -B -ntp -q -DskipTests package
if [ $# -eq 0 ]; then set -- processes; fi
exec java -jar "$root/exporter/target/gmpwatch-exporter.jar" "$@"
