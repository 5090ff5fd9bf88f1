#!/usr/bin/env bash
# The local stack: Prometheus (with alerts/), Alertmanager (alerts/alertmanager.yml), HAProxy in
# front of two demo Go services, the exporter reading every Go process on the host (and probing the
# two demo services: the per-event mode), and the remediator, all on loopback, with generated
# configuration in a scratch directory. Runs in the
# foreground; Ctrl-C (or SIGTERM) stops every process it started.
#
# Needs the built jars (scripts/run.sh builds them) and root for the exporter. Settings, all
# optional, come from the environment:
#   GMPWATCH_STACK_DIR        scratch directory (default: a new /tmp/gmpwatch-stack.XXXXXX,
#                             removed on a clean stop; a given directory is kept)
#   GMPWATCH_SCRAPE_INTERVAL  Prometheus scrape and rule evaluation interval (default 5s)
#   GMPWATCH_GROUP_WAIT       Alertmanager group_wait (default 2s)
#   GMPWATCH_GROUP_INTERVAL   Alertmanager group_interval (default 5s)
#   GMPWATCH_RESTORE_AFTER    remediator restoreAfter for the demo policy (default 1m)
#   GMPWATCH_PROMETHEUS_PORT, GMPWATCH_ALERTMANAGER_PORT, GMPWATCH_EXPORTER_PORT,
#   GMPWATCH_REMEDIATOR_PORT, GMPWATCH_HAPROXY_PORT, GMPWATCH_HAPROXY_STATS_PORT,
#   GMPWATCH_DEMO_BLUE_PORT, GMPWATCH_DEMO_GREEN_PORT, GMPWATCH_DEMO_BLUE_ADMIN_PORT,
#   GMPWATCH_DEMO_GREEN_ADMIN_PORT
#                             (defaults 19090 19093 19467 19095 18080 18404 18081 18082 18091 18092)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
scrape="${GMPWATCH_SCRAPE_INTERVAL:-5s}"
group_wait="${GMPWATCH_GROUP_WAIT:-2s}"
group_interval="${GMPWATCH_GROUP_INTERVAL:-5s}"
restore_after="${GMPWATCH_RESTORE_AFTER:-1m}"
prometheus_port="${GMPWATCH_PROMETHEUS_PORT:-19090}"
alertmanager_port="${GMPWATCH_ALERTMANAGER_PORT:-19093}"
exporter_port="${GMPWATCH_EXPORTER_PORT:-19467}"
remediator_port="${GMPWATCH_REMEDIATOR_PORT:-19095}"
haproxy_port="${GMPWATCH_HAPROXY_PORT:-18080}"
stats_port="${GMPWATCH_HAPROXY_STATS_PORT:-18404}"
blue_port="${GMPWATCH_DEMO_BLUE_PORT:-18081}"
green_port="${GMPWATCH_DEMO_GREEN_PORT:-18082}"
blue_admin_port="${GMPWATCH_DEMO_BLUE_ADMIN_PORT:-18091}"
green_admin_port="${GMPWATCH_DEMO_GREEN_ADMIN_PORT:-18092}"

fail() { echo "gmpwatch stack: $*" >&2; exit 1; }

# --- preflight: every missing piece is named before anything starts --------------------------
exporter_jar="$root/exporter/target/gmpwatch-exporter.jar"
remediator_jar="$root/remediator/target/gmpwatch-remediator.jar"
[[ -f "$exporter_jar" && -f "$remediator_jar" ]] \
    || fail "the jars are not built; run scripts/run.sh (or mvn -DskipTests package) first"
[[ $EUID -eq 0 ]] || fail "the exporter needs root (CAP_SYS_PTRACE, and CAP_BPF and CAP_PERFMON for the demo services' probes); run as root"
for tool in prometheus prometheus-alertmanager haproxy java curl; do
    command -v "$tool" >/dev/null || fail "$tool is missing; run scripts/setup.sh"
done
go_bin=/usr/local/go/bin/go
[[ -x "$go_bin" ]] || go_bin="$(command -v go || true)"
[[ -n "$go_bin" ]] || fail "no Go toolchain to build the demo service (neither /usr/local/go nor go on PATH)"
for port in "$prometheus_port" "$alertmanager_port" "$exporter_port" "$remediator_port" \
            "$haproxy_port" "$stats_port" "$blue_port" "$green_port" "$blue_admin_port" "$green_admin_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        fail "127.0.0.1:$port is already in use (another stack running?); stop it or set the GMPWATCH_*_PORT variables"
    fi
done

owns_dir=0
if [[ -n "${GMPWATCH_STACK_DIR:-}" ]]; then
    dir="$GMPWATCH_STACK_DIR"
    mkdir -p "$dir"
else
    dir="$(mktemp -d /tmp/gmpwatch-stack.XXXXXX)"
    owns_dir=1
fi
dir="$(cd "$dir" && pwd)"
mkdir -p "$dir/bin" "$dir/logs" "$dir/prometheus" "$dir/alertmanager"

# --- process bookkeeping: everything started is stopped on exit ------------------------------
pids=()
names=()
stopping=0
failed=0

stop_all() {
    stopping=1
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
    done
    local deadline=$((SECONDS + 15))
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        while kill -0 "${pids[i]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
        if kill -0 "${pids[i]}" 2>/dev/null; then
            echo "gmpwatch stack: ${names[i]} did not stop in 15 s, killing it" >&2
            kill -KILL "${pids[i]}" 2>/dev/null || true
        fi
        wait "${pids[i]}" 2>/dev/null || true
    done
    if ((failed)); then
        echo "gmpwatch stack: logs kept in $dir/logs" >&2
    elif ((owns_dir)); then
        rm -rf "$dir"
    fi
    echo "gmpwatch stack: stopped"
}
trap 'stop_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: runs COMMAND in the background, output in logs/NAME.log
start() {
    local name="$1"
    shift
    "$@" >"$dir/logs/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
    echo "$!" >"$dir/$name.pid"
}

# wait_for NAME URL [CURL ARGS]: until URL answers 2xx, or fail with the end of NAME's log
wait_for() {
    local name="$1" url="$2"
    shift 2
    local deadline=$((SECONDS + 90))
    until curl -sf -o /dev/null "$@" "$url"; do
        local pid
        pid="$(cat "$dir/$name.pid")"
        if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
            failed=1
            echo "gmpwatch stack: $name did not come up at $url; the end of its log:" >&2
            tail -n 20 "$dir/logs/$name.log" >&2
            exit 1
        fi
        sleep 0.3
    done
}

# --- configuration --------------------------------------------------------------------------
token_file="$dir/remediator.token"
(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$token_file")

cat >"$dir/haproxy.cfg" <<EOF
global
    stats socket $dir/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend demo
    bind 127.0.0.1:$haproxy_port
    default_backend demo
backend demo
    balance roundrobin
    option httpchk GET /
    server demo-blue 127.0.0.1:$blue_port check inter 1s
    server demo-green 127.0.0.1:$green_port check inter 1s
listen stats
    bind 127.0.0.1:$stats_port
    stats enable
    stats uri /
    stats refresh 2s
EOF

cat >"$dir/remediator.yml" <<EOF
listen: 127.0.0.1:$remediator_port
auth:
  bearerTokenFile: $token_file
store:
  url: jdbc:sqlite:$dir/remediator.db
haproxy:
  local:
    socket: $dir/haproxy.sock
    timeout: 2s
policies:
  # A leaking demo service leaves the demo backend; its HAProxy server is named after the
  # executable (demo-blue, demo-green), which the exporter reports in the exe label.
  - name: goroutine-leak
    matchRe: {alertname: "GoroutineLeak|GoroutineLeakByCreator", exe: "demo-.*"}
    action:
      type: haproxy
      haproxy: local
      backend: demo
      server: "{{ labels.exe }}"
      state: maint
    restoreAfter: $restore_after
    minOpen: 1s
    caps: {maxOpenPerBackend: 1}
  # A demo service whose Ps sit idle gets one fewer, one whose Ps are all busy one more, within
  # ceil(NumCPU/2)..NumCPU. The alert carries only pid and exe: the remediator finds the admin
  # endpoint (deploy/gomaxprocs, mounted by the demo on its -admin port) among the PID's
  # loopback listeners, and checks that the PID still runs that executable.
  - name: gomaxprocs-idle
    match: {alertname: GoProcessorsIdle}
    matchRe: {exe: "demo-.*"}
    action: {type: gomaxprocs, direction: down, minInterval: 30s, flipGuard: {maxFlips: 6, within: 10m}}
    rateLimit: {perTarget: 2/1m}
  - name: gomaxprocs-saturated
    match: {alertname: GoProcessorsSaturated}
    matchRe: {exe: "demo-.*"}
    action: {type: gomaxprocs, direction: up, minInterval: 30s, flipGuard: {maxFlips: 6, within: 10m}}
    rateLimit: {perTarget: 2/1m}
EOF

# The shipped Alertmanager configuration, pointed at this stack's remediator and token, with
# short grouping so that a demo reacts in seconds.
sed -e "s#http://127.0.0.1:9095/webhook/alertmanager#http://127.0.0.1:$remediator_port/webhook/alertmanager#" \
    -e "s#credentials_file: /etc/gmpwatch/remediator.token#credentials_file: $token_file#" \
    -e "s#group_wait: .*#group_wait: $group_wait#" \
    -e "s#group_interval: [0-9a-z]*#group_interval: $group_interval#" \
    "$root/alerts/alertmanager.yml" >"$dir/alertmanager.yml"
grep -q "$token_file" "$dir/alertmanager.yml" && grep -q ":$remediator_port/webhook" "$dir/alertmanager.yml" \
    || fail "alerts/alertmanager.yml no longer has the remediator receiver this script rewrites"

cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: $scrape
  evaluation_interval: $scrape
rule_files:
  - $root/alerts/*.rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:$alertmanager_port"]
scrape_configs:
  - job_name: gmpwatch-exporter
    static_configs:
      - targets: ["127.0.0.1:$exporter_port"]
  - job_name: gmpwatch-remediator
    static_configs:
      - targets: ["127.0.0.1:$remediator_port"]
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:$prometheus_port"]
EOF

# --- start -----------------------------------------------------------------------------------
echo "gmpwatch stack: building the demo service in $dir"
(cd "$root/deploy/local/demo" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false "$go_bin" build -o "$dir/bin/demo-blue" .) \
    || fail "building the demo service failed"
cp "$dir/bin/demo-blue" "$dir/bin/demo-green"

start demo-blue "$dir/bin/demo-blue" -listen "127.0.0.1:$blue_port" -admin "127.0.0.1:$blue_admin_port"
start demo-green "$dir/bin/demo-green" -listen "127.0.0.1:$green_port" -admin "127.0.0.1:$green_admin_port"
start haproxy haproxy -db -f "$dir/haproxy.cfg"
start exporter env GMPWATCH_JAR="$exporter_jar" "$root/deploy/bin/gmpwatch-exporter" --discover --discover.interval 2s \
    --probes.match "/demo-(blue|green)$" --kernel.runqueue --walk.min-interval 2s \
    --web.listen-address "127.0.0.1:$exporter_port"
start remediator java -Xmx256m -jar "$remediator_jar" --config "$dir/remediator.yml"
start alertmanager prometheus-alertmanager --config.file "$dir/alertmanager.yml" \
    --storage.path "$dir/alertmanager" --web.listen-address "127.0.0.1:$alertmanager_port" \
    --cluster.listen-address= --web.external-url "http://127.0.0.1:$alertmanager_port/"
start prometheus prometheus --config.file "$dir/prometheus.yml" --storage.tsdb.path "$dir/prometheus" \
    --web.listen-address "127.0.0.1:$prometheus_port" --web.external-url "http://127.0.0.1:$prometheus_port/"

wait_for demo-blue "http://127.0.0.1:$blue_port/leak"
wait_for demo-green "http://127.0.0.1:$green_port/leak"
wait_for demo-blue "http://127.0.0.1:$blue_admin_port/debug/gomaxprocs"
wait_for demo-green "http://127.0.0.1:$green_admin_port/debug/gomaxprocs"
wait_for haproxy "http://127.0.0.1:$haproxy_port/"
wait_for exporter "http://127.0.0.1:$exporter_port/healthz"
wait_for remediator "http://127.0.0.1:$remediator_port/readyz"
wait_for alertmanager "http://127.0.0.1:$alertmanager_port/-/ready"
wait_for prometheus "http://127.0.0.1:$prometheus_port/-/ready"
# Debian's Prometheus serves only the classic web UI, under /classic/.
ui="http://127.0.0.1:$prometheus_port"
if curl -sf -o /dev/null "$ui/classic/alerts"; then ui="$ui/classic"; fi

cat <<EOF

gmpwatch local stack is up (scratch directory $dir, logs in $dir/logs)

  Prometheus     $ui/graph?g0.expr=gmpwatch_goroutines_created_total&g0.tab=0
                 alerts: $ui/alerts
  Alertmanager   http://127.0.0.1:$alertmanager_port/
  exporter       http://127.0.0.1:$exporter_port/metrics   (every Go process on this host)
  remediator     http://127.0.0.1:$remediator_port/metrics
                 audit log: curl -H "Authorization: Bearer \$(cat $token_file)" http://127.0.0.1:$remediator_port/api/v1/actions
  demo service   http://127.0.0.1:$haproxy_port/ through HAProxy (servers demo-blue :$blue_port, demo-green :$green_port)
                 HAProxy status page: http://127.0.0.1:$stats_port/

Make demo-blue leak goroutines:  curl -X POST http://127.0.0.1:$blue_port/leak/start
  GoroutineLeak fires after about 45 s (net growth over 100/s for 30 s), and the remediator
  puts demo-blue into MAINT (see the HAProxy status page).
Stop the leak:                   curl -X POST http://127.0.0.1:$blue_port/leak/stop
  The leaked goroutines exit, the alert resolves within seconds, and demo-blue is back in
  rotation $restore_after later (the remediator's restoreAfter).

GOMAXPROCS follows the load (both demo services start idle at GOMAXPROCS = NumCPU):
  Watch it:                      curl http://127.0.0.1:$green_admin_port/debug/gomaxprocs
                                 or gmpwatch_gomaxprocs{exe="demo-green"} in Prometheus
  Idle: GoProcessorsIdle fires after about 40 s of idle Ps (over 70% idle for 30 s), and the
  remediator steps GOMAXPROCS down by one, at most every 30 s, to ceil(NumCPU/2).
Make demo-green busy:            curl -X POST http://127.0.0.1:$green_port/busy/start
  All Ps busy: GoProcessorsSaturated fires, and GOMAXPROCS goes up by one, up to NumCPU.
Make it idle again:              curl -X POST http://127.0.0.1:$green_port/busy/stop
  Each step is in the audit log above (action gomaxprocs).

Ctrl-C stops everything.
EOF

# Run until a signal arrives or a process dies on its own.
set +e
wait -n "${pids[@]}"
if ((!stopping)); then
    for i in "${!pids[@]}"; do
        if ! kill -0 "${pids[i]}" 2>/dev/null; then
            failed=1
            echo "gmpwatch stack: ${names[i]} exited on its own; the end of its log:" >&2
            tail -n 20 "$dir/logs/${names[i]}.log" >&2
        fi
    done
    exit 1
fi
