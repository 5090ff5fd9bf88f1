#!/usr/bin/env bash
# Installs everything gmpwatch needs to build and test on a Debian machine. Idempotent: when all
# is present it only checks. Run as root (or with sudo available).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
say() { echo "setup: $*" >&2; }

# Debian packages: build (clang, libbpf), kernel tooling (bpftool, bpftrace), test ground truth
# (binutils objdump, Debian's Go 1.19, Debian's stripped Prometheus and node exporter), arm64 targets run
# under qemu-user (qemu-user-static, the aarch64 loader and libc for PIEs, binutils' aarch64 objdump), wrk for benchmarks,
# and the real servers the remediator's tests start on loopback (HAProxy, Alertmanager, PostgreSQL).
packages=(clang llvm libbpf-dev libbpf1 bpftool bpftrace binutils golang-1.19-go prometheus prometheus-node-exporter wrk
          qemu-user-static libc6-arm64-cross binutils-aarch64-linux-gnu
          haproxy prometheus-alertmanager postgresql
          ca-certificates curl)
command -v mvn >/dev/null || packages+=(maven)
command -v javac >/dev/null || packages+=(openjdk-17-jdk-headless)
command -v npm >/dev/null || packages+=(nodejs npm)
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || packages+=(golang-go)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# The newest Go: the machine's /usr/local/go, else Debian's.
export PATH="/usr/local/go/bin:$PATH"
go version >/dev/null || { say "no Go toolchain found"; exit 1; }

# Real third-party Go binaries for the analysis tests: esbuild (Go 1.26, stripped) for amd64 and
# arm64, and buf (Go 1.27) from npm. --force installs the arm64 package on an x86 host, where it
# runs under qemu-user; nothing is run at install (--ignore-scripts).
npm_dir="$root/exporter/src/test/npm"
if [ ! -x "$npm_dir/node_modules/@esbuild/linux-x64/bin/esbuild" ] || [ ! -x "$npm_dir/node_modules/@esbuild/linux-arm64/bin/esbuild" ] \
   || [ ! -x "$npm_dir/node_modules/@bufbuild/buf-linux-x64/bin/buf" ]; then
  say "installing npm test fixtures"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --ignore-scripts --force >/dev/null 2>&1) \
    || { say "npm ci failed in $npm_dir"; exit 1; }
fi

# Older and newer Go toolchains through the module proxy (cached in the module cache).
while read -r v; do
  case "$v" in ''|\#*) continue ;; esac
  # GOFLAGS is reset: a machine-wide -buildvcs flag is unknown to Go 1.17.
  if ! GOFLAGS=-mod=mod GOTOOLCHAIN="$v" go version >/dev/null 2>&1; then
    say "warning: could not fetch Go toolchain $v; the tests will report it as unavailable"
  fi
done < "$root/exporter/src/test/resources/toolchains.txt"
# Manifest validation (deploy/kubernetes): kubernetes-validate from PyPI, which carries the
# Kubernetes schemas, in a private virtualenv; prometheus-operator's CRD schemas come from its Go
# module (scripts/validate-manifests.py fetches them through the module proxy).
venv="$root/.gmpwatch-cache/venv"
kv_version=1.37.0
if ! "$venv/bin/python" -c "import kubernetes_validate, sys; sys.exit(kubernetes_validate.__version__ != '$kv_version')" 2>/dev/null; then
  say "installing kubernetes-validate $kv_version"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$kv_version" >/dev/null
fi
# A real Kubernetes control plane for the Kubernetes tests: kube-apiserver, kube-controller-manager
# and etcd built from the Go module proxy once into .gmpwatch-cache/kube-VERSION (about 12 minutes
# on 2 cores the first time, seconds after).
bash "$root/scripts/kube/build.sh" >/dev/null
say "ok"
