#!/usr/bin/env bash
# Issue 17, the notification server scaled out: verified registrations per second through Debian's
# nginx (round robin) with 1 and with 3 `bleagent-server` instances on one private PostgreSQL, each
# request a fresh processing number with 14 keys (register.lua), their ratio, and the bound measured
# in the same run: GET /healthz through the same nginx. Then one export pass of EXPORT_KEYS keys
# (500,000; inserted straight into the database, see insert_keys_directly) timed as keys/s.
# Not run in CI.
#   Benchmarks/server/scaleout.sh [SECONDS]          (default 15 s per measurement)
# Environment:
#   BLEAGENT_SERVER=PATH   the server binary (default: the release build, built if missing)
#   EXPORT_KEYS=N          keys of the export pass (500000)
#   NUMBERS_PER_SECOND=N   processing numbers issued per measured second and instance count (4000; a
#                          run that uses them all up says so: raise it)
#   WRK_THREADS, WRK_CONNECTIONS   wrk's load (2, 32), the same for every measurement
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
seconds=${1:-15}
export_keys=${EXPORT_KEYS:-500000}
rate=${NUMBERS_PER_SECOND:-4000}
threads=${WRK_THREADS:-2}
connections=${WRK_CONNECTIONS:-32}
nginx=${BLEAGENT_NGINX:-/usr/sbin/nginx}
command -v wrk >/dev/null || apt_install wrk
[ -x "$nginx" ] || apt_install nginx
command -v psql >/dev/null || apt_install postgresql

server=${BLEAGENT_SERVER:-$BUILD_DIR/release/release/bleagent-server}
if [ ! -x "$server" ]; then
  swift build -c release --scratch-path "$BUILD_DIR/release" --product bleagent-server 2>&1 | grep -E "error|Compiling|Build" | tail -1
fi
[ -x "$server" ] || { echo "no server binary at $server" >&2; exit 1; }

work=$(mktemp -d /var/tmp/bleagent-scaleout-bench.XXXXXX)
chmod 755 "$work"   # PostgreSQL (as postgres) and nginx's workers (as nobody) when run as root
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  BLEAGENT_BUILD_DIR="$work" "$top/scripts/postgres-test-server.sh" stop
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A private PostgreSQL in this run's folder (not the tests' $BUILD_DIR/postgres).
echo "==> PostgreSQL"
database=$(BLEAGENT_BUILD_DIR="$work" "$top/scripts/postgres-test-server.sh")
echo "    $database"

# Before issue 17 the server has no `init`, no [secrets] and no instance settings: then the
# secrets a's first start made are copied to b and c, and the new settings are left out.
if "$server" --help 2>/dev/null | grep -qE "^ +init( |$)"; then scaled=yes; else scaled=no; fi
echo "    server: $server (issue 17 interface: $scaled)"

declare -A port
for name in a b c; do port[$name]=$(free_port); done
nginx_port=$(free_port)

write_config() {   # NAME DATABASE-URL INTERVAL-MINUTES
  local name=$1 url=$2 interval=$3 new="" secrets=""
  if [ "$scaled" = yes ]; then
    new=$(printf 'instance = "%s"\ntrusted_proxies = ["127.0.0.1"]' "$name")
    secrets=$(printf '[secrets]\nnumber_secret = "%s"\nsigning_key = "%s"\nadmin_token = "%s"' \
      "$work/a/number-secret" "$work/a/signing-key.pem" "$work/a/admin-token")
  fi
  cat > "$work/$name.toml" <<TOML
[server]
listen = "127.0.0.1:${port[$name]}"
data_directory = "$work/$name"
public_url = "http://127.0.0.1:$nginx_port"
$new
[database]
url = "$url"
$secrets
[registration]
attempts_per_client_per_hour = 100000000
failed_attempts_per_hour = 100000000
[export]
interval_minutes = $interval
embargo_minutes = 0
$([ "$scaled" = yes ] && printf 'lease_seconds = 30\nmirror_directory = ""')
TOML
}

start_instance() {   # NAME
  local name=$1
  LOG_LEVEL=warning "$server" serve --config "$work/$name.toml" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  eval "pid_$name=$!"
  for _ in $(seq 600); do grep -q "listening on" "$work/$name.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "instance $name did not start:" >&2; tail -20 "$work/$name.err" >&2; exit 1
}

start_nginx() {   # INSTANCE-NAMES…: nginx in the foreground, round robin over them
  local prefix="$work/nginx" user="" servers=""
  rm -rf "$prefix"; mkdir -p "$prefix"
  [ "$(id -u)" -eq 0 ] && user="user nobody $(id -gn nobody);"
  for name in "$@"; do servers+="        server 127.0.0.1:${port[$name]};"$'\n'; done
  cat > "$prefix/nginx.conf" <<NGINX
$user
worker_processes auto;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $prefix/client_body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    client_body_buffer_size 64k;
    upstream bleagent {
$servers        keepalive 64;
    }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            proxy_pass http://bleagent;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
NGINX
  "$nginx" -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" -g 'daemon off;' &
  nginx_pid=$!
  pids+=("$nginx_pid")
  for _ in $(seq 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$nginx_port/healthz', timeout=2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nginx did not come up:" >&2; cat "$prefix/error.log" >&2; exit 1
}

stop_nginx() { kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; }

issue_numbers() {   # COUNT FILE: processing numbers from POST /v1/admin/cases (straight to a; 8 connections)
  python3 - "${port[a]}" "$work/a/admin-token" "$1" > "$2" <<'PY'
import concurrent.futures, http.client, json, sys
port, token, count = int(sys.argv[1]), open(sys.argv[2]).read().strip(), int(sys.argv[3])
def issue(n):
    c, out = http.client.HTTPConnection("127.0.0.1", port, timeout=60), []
    for _ in range(n):
        c.request("POST", "/v1/admin/cases", headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        body = r.read()
        if r.status != 201:
            sys.exit(f"issuing a number: {r.status} {body[:200]}")
        out.append(json.loads(body)["processing_number"])
    return out
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    for numbers in pool.map(issue, [count // 8 + (1 if i < count % 8 else 0) for i in range(8)]):
        print("\n".join(numbers))
PY
}

measure() {   # LABEL: registrations, then GET /healthz, through nginx
  local label=$1 count=$(( seconds * rate ))
  issue_numbers "$count" "$work/numbers-$label.txt"
  echo "--> $label: registrations through nginx, wrk -t$threads -c$connections -d${seconds}s, $count numbers issued"
  THREADS=$threads NUMBERS="$work/numbers-$label.txt" wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$here/register.lua" \
    "http://127.0.0.1:$nginx_port" | tee "$work/register-$label.txt"
  echo "--> $label: bound, GET /healthz through nginx, same settings"
  wrk -t"$threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$nginx_port/healthz" | tee "$work/health-$label.txt"
  if grep -q "answers: $count registered" "$work/register-$label.txt"; then
    echo "warning: $label used every number issued: the figure is a floor (raise NUMBERS_PER_SECOND)" >&2
  fi
}

# The secrets once, shared by the three instances. All three start now, on the empty database (their
# export workers' first pass has nothing to do, the next is a day away); the 1-instance run sends
# nothing to b and c.
for name in a b c; do write_config "$name" "$database" 1440; done
if [ "$scaled" = yes ]; then
  "$server" init --config "$work/a.toml" >/dev/null
  start_instance a
else
  start_instance a
  for name in b c; do
    mkdir -p -m 700 "$work/$name"
    cp "$work/a/number-secret" "$work/a/signing-key.pem" "$work/a/signing-key.pub.pem" "$work/a/admin-token" "$work/$name/"
  done
fi
start_instance b
start_instance c

echo "==> 1 instance behind nginx"
start_nginx a
measure one
stop_nginx

echo "==> 3 instances behind nginx"
start_nginx a b c
measure three
stop_nginx
"$server" status --config "$work/a.toml"
for name in a b c; do eval "kill \$pid_$name"; eval "wait \$pid_$name" 2>/dev/null || true; done

# ---------------------------------------------------------------------------------------------------
# The export pass. Keys go straight into diagnosis_keys (registering 500,000 keys through the API
# would take longer than the benchmark): THE ONE PLACE THAT KNOWS THE KEY TABLE'S SCHEMA
# (Sources/NotificationServer/Database/ServerSchema.swift): change it here when columns change.
insert_keys_directly() {   # DATABASE-URL COUNT: random keys spread over the 14 days before today, region 440
  python3 - "$2" <<'PY' | psql "$1" -X -q -v ON_ERROR_STOP=1 \
    -c "\\copy diagnosis_keys (id, key_data, rolling_start, rolling_period, report_type, days_since_onset, region, day, received_at) FROM pstdin"
import os, sys, time
count = int(sys.argv[1])
now = int(time.time())
today = now // 86400
out = sys.stdout
for i in range(count):
    day = today - 1 - i % 14
    out.write(f"\\\\x{os.urandom(32).hex()}\t\\\\x{os.urandom(16).hex()}\t{day * 144}\t144\t1\t{11 - i % 14}\t440\t{day}\t{now}\n")
PY
}

echo "==> export pass of $export_keys keys"
export_db="${database%/*}/bleagent_export"
psql "$database" -X -q -c "CREATE DATABASE bleagent_export"
write_config a "$export_db" 1440
"$server" status --config "$work/a.toml" >/dev/null   # creates the tables
started=$(date +%s.%N)
insert_keys_directly "$export_db" "$export_keys"
inserted=$(psql "$export_db" -X -A -t -c "SELECT count(*) FROM diagnosis_keys WHERE export_id IS NULL")
echo "    $inserted keys inserted in $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s"
started=$(date +%s.%N)
"$server" export --config "$work/a.toml" --json | tee "$work/export.json"
ended=$(date +%s.%N)
left=$(psql "$export_db" -X -A -t -c "SELECT count(*) FROM diagnosis_keys WHERE export_id IS NULL")

python3 - "$work" "$seconds" "$started" "$ended" "$inserted" "$left" <<'PY'
import json, re, sys
work, seconds, started, ended, inserted, left = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
def figures(label):
    reg = open(f"{work}/register-{label}.txt").read()
    health = open(f"{work}/health-{label}.txt").read()
    ok = int(re.search(r"answers: (\d+) registered", reg).group(1))
    hz = float(re.search(r"Requests/sec:\s+([0-9.]+)", health).group(1))
    return ok / seconds, hz
one, one_hz = figures("one")
three, three_hz = figures("three")
report = json.load(open(f"{work}/export.json"))
took = ended - started
print(f"1 instance:  {one:.0f} registrations/s (verified, stored); healthz/s through nginx {one_hz:.0f}; ratio {one / one_hz:.3f}")
print(f"3 instances: {three:.0f} registrations/s (verified, stored); healthz/s through nginx {three_hz:.0f}; ratio {three / three_hz:.3f}")
print(f"3 instances / 1 instance: {three / one:.2f}x")
published = report.get("keys_published", 0)
print(f"export pass: {published} of {inserted} keys published in {report.get('files_written', '?')} files, {took:.2f} s: "
      f"{published / took:.0f} keys/s; {left} keys left unexported")
PY
