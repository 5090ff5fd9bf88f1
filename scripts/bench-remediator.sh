#!/usr/bin/env bash
# Drives the remediator's webhook with wrk (200 connections, a realistic v4 payload) while its
# action target hangs, and prints throughput, p50/p99 latency and errors. With a baseline git
# revision it builds that version in a scratch worktree and runs both, interleaved, ROUNDS times,
# then prints the medians and their ratio (this tree / baseline).
# usage: scripts/bench-remediator.sh [SECONDS] [BASELINE_REV] [ROUNDS]   (defaults: 15, none, 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-15}"
baseline="${2:-}"
rounds="${3:-3}"
bash "$root/scripts/setup.sh"
cd "$root"
mvn -q -B -DskipTests install

# run TREE: one benchmark of the remediator built in TREE; prints wrk's report.
run() {
    # exec:java alone, without lifecycle phases.
    (cd "$1" && mvn -q -B -Dstyle.color=never -pl remediator exec:java -Dexec.classpathScope=test \
        -Dexec.mainClass=dev.gmpwatch.remediator.bench.WebhookBenchmark \
        -Dexec.args="$seconds" -Dgmpwatch.remediatorJar="$1/remediator/target/gmpwatch-remediator.jar")
}

if [[ -z "$baseline" ]]; then
    run "$root"
    exit 0
fi

base_dir="$(mktemp -d /tmp/gmpwatch-bench-base.XXXXXX)"
trap 'git -C "$root" worktree remove --force "$base_dir" >/dev/null 2>&1 || rm -rf "$base_dir"' EXIT
git -C "$root" worktree add --detach "$base_dir" "$baseline" >/dev/null
(cd "$base_dir" && mvn -q -B -DskipTests -pl remediator -am package)

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ours=()
theirs=()
for ((i = 1; i <= rounds; i++)); do
    for side in ours baseline; do
        tree="$root"
        [[ "$side" == baseline ]] && tree="$base_dir"
        report="$(run "$tree")"
        rps="$(awk '/Requests\/sec/ {print $2}' <<<"$report")"
        p99="$(awk '$1 == "99%" {print $2}' <<<"$report")"
        echo "round $i $side: $rps requests/s, p99 $p99"
        if [[ "$side" == ours ]]; then ours+=("$rps"); else theirs+=("$rps"); fi
    done
done
m_ours="$(printf '%s\n' "${ours[@]}" | median)"
m_base="$(printf '%s\n' "${theirs[@]}" | median)"
awk -v o="$m_ours" -v b="$m_base" -v rev="$baseline" 'BEGIN {
    printf "median requests/s: this tree %.0f, %s %.0f, ratio %.2f\n", o, rev, b, o / b }'
