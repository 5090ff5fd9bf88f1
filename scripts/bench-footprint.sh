#!/usr/bin/env bash
# Measures the exporter's own footprint side by side for JVM settings: start-up to the first
# scrape showing all 50 watched Go processes, resident memory (median of the last half) and CPU
# while they are scraped every second, and the resident peak during a 1,000,000-goroutine walk.
# "shipped" is deploy/bin/gmpwatch-exporter's defaults. Needs root (reading other processes).
# DISTINCT=1 runs the 50 processes from 50 copies of the binary (50 analyses, as on a real host).
# KUBE_PODS=N starts a real kube-apiserver with N pods on the node (50 of them the fixtures', in
# their cgroups) and measures each setting without and with --kubernetes, side by side.
# usage: [DISTINCT=1] [KUBE_PODS=110] scripts/bench-footprint.sh [SECONDS] [SETTING...]   (defaults: 60 shipped "-Xmx256m")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install
seconds=${1:-60}
shift || true
settings=("$@")
[ ${#settings[@]} -gt 0 ] || settings=(shipped "-Xmx256m")
args="$seconds"
for s in "${settings[@]}"; do args="$args '$s'"; done
mvn -q -B -pl exporter exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.gmpwatch.exporter.bench.FootprintBenchmark \
  -Dexec.args="$args" -Dgmpwatch.repoRoot="$root" -Dgmpwatch.distinctBinaries="${DISTINCT:+true}" -Dgmpwatch.kubernetesPods="${KUBE_PODS:-0}" \
  -Dgmpwatch.exporterJar="$root/exporter/target/gmpwatch-exporter.jar"
