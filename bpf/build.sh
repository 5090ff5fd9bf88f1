#!/usr/bin/env bash
# Compiles every *.bpf.c of SRCDIR (default bpf/, the probes the exporter ships) into
# OUTDIR/NAME.bpf.o. Called by the exporter's Maven build, once more for bpf/testing (test-only).
set -euo pipefail
out="${1:?usage: build.sh OUTDIR [SRCDIR]}"
src="$(cd "${2:-$(dirname "$0")}" && pwd)"
command -v clang >/dev/null || { echo "build.sh: clang is missing; run scripts/setup.sh" >&2; exit 1; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build.sh: libbpf headers are missing; run scripts/setup.sh" >&2; exit 1; }
mkdir -p "$out"
for c in "$src"/*.bpf.c; do
  name="$(basename "$c" .c)"
  clang -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
    -I"$src" -I/usr/include/x86_64-linux-gnu \
    -c "$c" -o "$out/$name.o"
done
