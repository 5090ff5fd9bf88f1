#!/usr/bin/env bash
# Builds the real Kubernetes control plane the tests run on loopback: kube-apiserver and
# kube-controller-manager from k8s.io/kubernetes, and a small embedded etcd, once, into
# .gmpwatch-cache/kube-VERSION/. Versions and checksums are pinned by the go.mod and go.sum files
# beside this script. Prints the directory. Idempotent: with the binaries there it only checks.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$here/tools/go.mod")"
out="$root/.gmpwatch-cache/kube-$version"
say() { echo "setup: $*" >&2; }

if [ -x "$out/kube-apiserver" ] && [ -x "$out/kube-controller-manager" ] && [ -x "$out/etcd" ] \
   && [ "$(cat "$out/.sources" 2>/dev/null)" = "$(cat "$here"/tools/go.sum "$here"/etcd/go.sum "$here"/etcd/main.go | sha256sum)" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$out"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
start=$(date +%s)
say "building etcd (go.etcd.io/etcd/server/v3) into $out"
(cd "$here/etcd" && go build -trimpath -o "$out/etcd" .)
say "building kube-apiserver and kube-controller-manager $version into $out (about 10 minutes on 2 cores)"
(cd "$here/tools" && go build -trimpath -o "$out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
cat "$here"/tools/go.sum "$here"/etcd/go.sum "$here"/etcd/main.go | sha256sum > "$out/.sources"
say "Kubernetes control plane built in $(( $(date +%s) - start )) s"
echo "$out"
