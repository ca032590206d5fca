#!/usr/bin/env bash
# Registrations per second the notification server sustains on loopback (wrk, 2 threads, 16
# connections), each a fresh processing number with 14 keys; the bound, in the same run: the same
# server's GET /healthz rate (its HTTP floor). Not run in CI.
#   Benchmarks/server/run.sh [SECONDS] [DATABASE-URL]      (needs wrk: apt-get install wrk)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
seconds=${1:-15}
database=${2:-sqlite}
command -v wrk >/dev/null || apt_install wrk
swift build -c release --scratch-path "$BUILD_DIR/release" --product bleagent-server 2>&1 | grep -E "error|Compiling|Build" | tail -1
server="$BUILD_DIR/release/release/bleagent-server"
work=$(mktemp -d); trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/server.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
data_directory = "$work/data"
[database]
url = "$database"
[registration]
attempts_per_client_per_hour = 100000000
failed_attempts_per_hour = 100000000
TOML
"$server" init --config "$work/server.toml" >/dev/null
LOG_LEVEL=warning "$server" serve --config "$work/server.toml" > "$work/out" 2>"$work/err" & pid=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$work/out" || { cat "$work/err"; exit 1; }
count=$(( seconds * 3000 ))
python3 - "$port" "$work/data/admin-token" "$count" > "$work/numbers.txt" <<'PY'
import http.client, json, sys
port, token, count = int(sys.argv[1]), open(sys.argv[2]).read().strip(), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(count):
    c.request("POST", "/v1/admin/cases", headers={"Authorization": "Bearer " + token})
    print(json.loads(c.getresponse().read())["processing_number"])
PY
echo "registrations: wrk -t2 -c16 -d${seconds}s, $(wc -l < "$work/numbers.txt") numbers issued, database $database"
THREADS=2 NUMBERS="$work/numbers.txt" wrk -t2 -c16 -d"${seconds}s" -s "$here/register.lua" "http://127.0.0.1:$port" | tee "$work/register.txt"
echo "bound: GET /healthz, same settings"
wrk -t2 -c16 -d"${seconds}s" "http://127.0.0.1:$port/healthz" | tee "$work/health.txt"
"$server" status --config "$work/server.toml"
python3 - "$work/register.txt" "$work/health.txt" "$seconds" <<'PY'
import re, sys
reg, health, seconds = open(sys.argv[1]).read(), open(sys.argv[2]).read(), float(sys.argv[3])
ok = int(re.search(r"answers: (\d+) registered", reg).group(1))
hz = float(re.search(r"Requests/sec:\s+([0-9.]+)", health).group(1))
print(f"registrations/s (verified, stored): {ok / seconds:.0f}; healthz/s: {hz:.0f}; ratio {ok / seconds / hz:.3f}")
PY
