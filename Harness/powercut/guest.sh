#!/bin/sh
# The guest half of the power-cut test (run by powercut.sh through run-vm.sh --disk; cwd = the share).
#   guest.sh ROUND MODE [WRITER_BIN]   MODE: cut | control | final; WRITER_BIN: the writers' binaries (default ./bin)
# 1. Checks what the previous boot left on /disk against what it had acknowledged (acks-*.txt on the
#    share, written before the cut): two contact stores (batches an hour apart; batches 42 h apart,
#    so every batch expires old hour keys and checkpoints the WAL) and the server's SQLite database.
#    Results: check-ROUND.txt (one line each, then "exit CODE" lines).
# 2. cut/control: starts the three writers and says "writing" in phase-ROUND; control then lets
#    them write a few seconds, SIGKILLs them, runs sync and says "synced" (the host cuts after that:
#    what is found then is what the disk held, whatever the writers did).
#    final: stops after the checks.
set -u
round=$1; mode=$2
bin=$PWD/bin
base=1772366400; size=40
log() { echo "[guest] $*" >&2; }
acked() { n=$(grep -c '^ack ' "$1" 2>/dev/null); echo "${n:-0}"; }
last_ack() { sed -n 's/^ack //p' "$1" 2>/dev/null | sort -n | tail -n 1; }

if [ -d /disk/hourly ] || [ -s acks-server.txt ]; then
  : > check-$round.txt
  for store in hourly:3600 expiring:151200; do
    name=${store%%:*}; step=${store##*:}
    out=$("$bin/bleagent-store-crash-writer" check /disk/$name $base $step $size acks-$name.txt /disk/$name-state 2>&1); rc=$?
    echo "$name: $out" >> check-$round.txt; echo "exit $name $rc" >> check-$round.txt
  done
  out=$(python3 "$PWD/server_powercut.py" --server "$bin/bleagent-server" --data /disk/server/data --acks acks-server.txt --check 2>&1); rc=$?
  echo "$out" >> check-$round.txt; echo "exit server $rc" >> check-$round.txt
  cat check-$round.txt >&2
fi
[ "$mode" = final ] && exit 0

writer_bin=${3:-$bin}
pids=""
for store in hourly:3600 expiring:151200; do
  name=${store%%:*}; step=${store##*:}
  last=$(last_ack acks-$name.txt); next=$(( ${last:--1} + 1 ))
  "$writer_bin/bleagent-store-crash-writer" /disk/$name $next $base $step $size 100000 /disk/$name-state \
    >> acks-$name.txt 2>> writer-errors.txt &
  pids="$pids $!"
done
mkdir -p /disk/server
python3 "$PWD/server_powercut.py" --server "$writer_bin/bleagent-server" --data /disk/server/data \
  --acks acks-server.txt --write >> writer-errors.txt 2>&1 &
pids="$pids $!"
echo writing > phase-$round
if [ "$mode" = control ]; then
  start_h=$(acked acks-hourly.txt); start_e=$(acked acks-expiring.txt); start_s=$(acked acks-server.txt)
  i=0
  while [ $i -lt 600 ]; do
    [ "$(acked acks-hourly.txt)" -gt "$start_h" ] && [ "$(acked acks-expiring.txt)" -gt "$start_e" ] \
      && [ "$(acked acks-server.txt)" -gt "$start_s" ] && break
    i=$((i + 1)); sleep 0.2
  done
  sleep 3
  # The writers first (the server's would otherwise report the refused connection), then the server.
  kill -9 $pids 2>/dev/null
  pkill -9 -f "bleagent-server serve" 2>/dev/null
  sleep 0.5
  sync
  echo synced > phase-$round
fi
sleep 100000
