#!/usr/bin/env bash
# Runs one of the exporter's benchmark classes (exporter/src/test/java/.../bench) after setting
# up the machine and building: the part every scripts/bench-*.sh shares.
# usage: scripts/lib/java-bench.sh CLASS [ARGS...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
class="${1:?usage: java-bench.sh CLASS [ARGS...]}"
shift
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
# exec:java alone, without lifecycle phases: exec.args must not reach the bpf build step.
mvn -q -B -pl exporter exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass="dev.gmpwatch.exporter.bench.$class" \
  -Dexec.args="$*" -Dgmpwatch.repoRoot="$root" \
  -Dgmpwatch.exporterJar="$root/exporter/target/gmpwatch-exporter.jar"
