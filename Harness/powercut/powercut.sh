#!/usr/bin/env bash
# powercut.sh [--cuts N] [--work DIR] [--bin DIR] [--writer-bin DIR]
# Real power cuts of the contact store and of the notification server's SQLite database: the
# real-stack VM (Harness/realstack) boots with an ext4 disk image; inside it two crash writers
# (bleagent-store-crash-writer: batches an hour apart, and batches that expire old ones) and the
# server (registrations through its HTTP API) write and acknowledge on the host's share; 3–10 s after
# each has acknowledged something in this boot, QEMU is SIGKILLed — the guest's page cache, and
# whatever the disk had not been told to keep, is gone. The next boot checks every acknowledged
# write against the disk (guest.sh), then writes again until the next cut. N cuts, then a control
# cut (writers killed, `sync`, then the cut: the check must find everything), then a last boot that
# only checks.
#   --bin DIR         the built binaries (bleagent-store-crash-writer, bleagent-server): the checkers
#   --writer-bin DIR  binaries for the writers only (default --bin): e.g. an older build, to show
#                     what it loses
# Disk: a raw image on the host, QEMU cache=writeback (see run-vm.sh): the guest sees a volatile write
# cache and must flush; what the guest had not written to the disk when QEMU dies is lost.
# Prints each boot's check lines and a summary; exit 0 only if nothing acknowledged was lost.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUNVM="$HERE/../realstack/run-vm.sh"
CUTS=4; WORK=${TMPDIR:-/tmp}/bleagent-powercut; BIN=; WRITER_BIN=
while [ $# -gt 0 ]; do
  case "$1" in
    --cuts) CUTS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --writer-bin) WRITER_BIN=$2; shift 2 ;;
    *) echo "usage: $0 [--cuts N] [--work DIR] [--bin DIR] [--writer-bin DIR]" >&2; exit 2 ;;
  esac
done
[ -n "$BIN" ] || { echo "powercut: --bin DIR is required" >&2; exit 2; }
for tool in bleagent-store-crash-writer bleagent-server; do
  [ -x "$BIN/$tool" ] || { echo "powercut: no $BIN/$tool" >&2; exit 2; }
done
rm -rf "$WORK"; mkdir -p "$WORK/bin"
cp "$BIN/bleagent-store-crash-writer" "$BIN/bleagent-server" "$WORK/bin/"
cp "$HERE/guest.sh" "$HERE/server_powercut.py" "$WORK/"
if [ -n "$WRITER_BIN" ]; then
  mkdir -p "$WORK/writer-bin"; cp "$WRITER_BIN/bleagent-store-crash-writer" "$WRITER_BIN/bleagent-server" "$WORK/writer-bin/"
fi
disk="$WORK/disk.img"
truncate -s 256M "$disk" && mkfs.ext4 -q -F "$disk" || { echo "powercut: cannot make the ext4 image" >&2; exit 1; }

acks() { local n; n=$(grep -c '^ack ' "$WORK/acks-$1.txt" 2>/dev/null); echo "${n:-0}"; }
started=$(date +%s); failures=0; checked=0
total=$((CUTS + 2))   # N cuts, the control cut, the boot that only checks
for round in $(seq 0 $((total - 1))); do
  mode=cut; [ "$round" -eq "$CUTS" ] && mode=control; [ "$round" -eq $((CUTS + 1)) ] && mode=final
  before_h=$(acks hourly); before_e=$(acks expiring); before_s=$(acks server)
  t0=$(date +%s.%N)
  bash "$RUNVM" --disk "$disk" --radios 1 --share "$WORK" --timeout 300 -- \
    sh "$WORK/guest.sh" "$round" "$mode" ${WRITER_BIN:+"$WORK/writer-bin"} > "$WORK/boot-$round.log" 2>&1 &
  vm=$!
  cut_after=""
  if [ "$mode" != final ]; then
    # Wait until every writer has acknowledged something in this boot (or, for the control, until synced).
    deadline=$(( $(date +%s) + 240 ))
    while kill -0 $vm 2>/dev/null && [ "$(date +%s)" -lt $deadline ]; do
      if [ "$mode" = control ]; then
        grep -q synced "$WORK/phase-$round" 2>/dev/null && break
      elif [ "$(acks hourly)" -gt "$before_h" ] && [ "$(acks expiring)" -gt "$before_e" ] && [ "$(acks server)" -gt "$before_s" ]; then
        break
      fi
      sleep 0.2
    done
    if [ "$mode" = cut ]; then
      cut_after=$(awk -v seed="$RANDOM$round" 'BEGIN { srand(seed); printf "%.2f", 3 + 7 * rand() }')
      sleep "$cut_after"
    fi
    qpid=$(cat "$WORK/.realstack/qemu.pid" 2>/dev/null)
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill -9 "$qpid"; else echo "    round $round: the VM was not running at the cut" ; failures=$((failures + 1)); fi
  fi
  wait $vm
  rc=$?
  if [ -s "$WORK/check-$round.txt" ]; then
    checked=$((checked + 1))
    sed 's/^/    /' "$WORK/check-$round.txt" | grep -v '^    exit '
    bad=$(grep -c '^exit [a-z]* [1-9]' "$WORK/check-$round.txt")
    [ "$bad" -gt 0 ] && failures=$((failures + 1))
  elif [ "$round" -gt 0 ]; then
    echo "    round $round: no check results (the VM failed?); last lines of its log:"; tail -n 15 "$WORK/boot-$round.log" | sed 's/^/      /'
    failures=$((failures + 1))
  fi
  [ "$mode" = final ] && [ "$rc" -ne 0 ] && { echo "    the last boot exited $rc"; failures=$((failures + 1)); }
  printf '  boot %d (%s%s): %.0f s; acknowledged so far: hourly %d, expiring %d, server %d\n' "$round" "$mode" \
    "${cut_after:+, cut ${cut_after} s after the first acks}" "$(echo "$(date +%s.%N) - $t0" | bc)" \
    "$(acks hourly)" "$(acks expiring)" "$(acks server)"
done
[ -s "$WORK/writer-errors.txt" ] && { echo "  writer messages:"; sort "$WORK/writer-errors.txt" | uniq -c | sort -rn | head -5 | sed 's/^/    /'; }
echo "power cuts: $CUTS + 1 control; $checked checks; $failures with a loss or a failure; $(( $(date +%s) - started )) s"
[ "$failures" -eq 0 ]
