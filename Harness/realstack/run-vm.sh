#!/usr/bin/env bash
# run-vm.sh [--radios N] [--share DIR] [--timeout SECS] [--mem MB] [--keep-radio-state] [--disk IMG] [--systemd] -- CMD ARGS...
# Boot the realstack VM (QEMU/TCG, Debian kernel, real dbus + bluetoothd,
# N bumble controllers on /dev/vhci), run CMD in the guest with cwd = DIR,
# power off, exit with CMD's exit code.
#   DIR (default: $PWD) is mounted read-write at the same path in the guest;
#   the host's /usr, /etc, /opt (read-only) and this directory + the cache too.
#   DIR/rssi.json and DIR/beacons.json (see radios.py) are reset at start
#   unless --keep-radio-state (use it to pre-set them from the host).
#   --disk IMG: a raw ext4 image (mkfs.ext4 -F IMG) attached as a virtio disk and mounted at /disk
#   in the guest; SIGKILL of the pid in DIR/.realstack/qemu.pid is a power cut for what the guest
#   had not flushed (boot again with the same IMG: ext4 replays its journal).
#   --systemd: systemd (the host's) boots as PID 1 on a writable root: overlays over the host's /usr, /etc
#   and /var/lib/dpkg with their upper layers in memory (seen in the guest at /run/rs-overlay/{usr,etc,dpkg}:
#   exactly what changed), no /opt (no Swift toolchain). The radios and bluetooth.service are started
#   first; CMD runs as root from a unit (systemd-guest.sh); the journal is copied to DIR/.realstack/journal.txt.
#   Logs: DIR/.realstack/{console,bluetoothd,radios,dbus}.log, status, cmd.out/err
# Exit: CMD's code; 124 on timeout; 125 if the VM failed before CMD ran.
# Env: REALSTACK_CACHE (default ~/.cache/bleagent-realstack), REALSTACK_SMP (2),
#      REALSTACK_BTD_DEBUG=1 (bluetoothd -d).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${REALSTACK_CACHE:-$HOME/.cache/bleagent-realstack}
RADIOS=2; SHARE=$PWD; TIMEOUT=300; MEM=1024; KEEP=; DISK=; SYSTEMD=
while [ $# -gt 0 ]; do
  case "$1" in
    --radios) RADIOS=$2; shift 2 ;;
    --share) SHARE=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --keep-radio-state) KEEP=1; shift ;;
    --disk) DISK=$2; shift 2 ;;
    --systemd) SYSTEMD=1; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
case "$RADIOS" in ''|*[!0-9]*|0) echo "run-vm: --radios must be >= 1" >&2; exit 2 ;; esac
[ $# -gt 0 ] || { echo "usage: $0 [--radios N] [--share DIR] [--timeout S] -- CMD ARGS..." >&2; exit 2; }
[ -s "$CACHE/initramfs.gz" ] && [ -s "$CACHE/vmlinuz" ] || { echo "run-vm: no VM in $CACHE; run build-vm.sh" >&2; exit 125; }
mkdir -p "$SHARE"; SHARE=$(cd "$SHARE" && pwd)
case "$SHARE" in /usr|/usr/*|/etc|/etc/*|/opt|/opt/*|/proc*|/sys*|/dev*|/run*)
  echo "run-vm: share must not live under /usr /etc /opt /proc /sys /dev /run" >&2; exit 2 ;; esac
case "$SHARE$CACHE$HERE" in *" "*) echo "run-vm: paths with spaces are not supported" >&2; exit 2 ;; esac

S="$SHARE/.realstack"
rm -rf "$S"; mkdir -p "$S"
# CMD is stored as a quoted shell command line in the share.
{ echo '#!/bin/sh'; printf 'exec'; printf ' %q' "$@"; echo; } > "$S/cmd.sh"
if [ -z "$KEEP" ]; then rm -f "$SHARE/beacons.json"; echo '{"default": -60}' > "$SHARE/rssi.json"; fi

V() { echo "-virtfs local,path=$1,mount_tag=$2,security_model=none${3:+,readonly=on}"; }
SHARES="$(V /usr usr ro) $(V /etc etc ro) $(V "$CACHE" rscache ro) $(V "$HERE" rsdir ro) $(V "$SHARE" share)"
APPEND="console=ttyS0 loglevel=4 panic=-1 rs_share=$SHARE rs_cache=$CACHE rs_dir=$HERE rs_radios=$RADIOS"
if [ -n "$SYSTEMD" ]; then
  # Without /opt: what runs there must not need the Swift toolchain.
  SHARES="$SHARES $(V /var/lib/dpkg dpkg ro)"; APPEND="$APPEND rs_systemd=1"
else
  [ -d /opt ] && SHARES="$SHARES $(V /opt opt ro)"
fi
[ -n "${REALSTACK_BTD_DEBUG:-}" ] && APPEND="$APPEND rs_btd_debug=1"
if [ -n "$DISK" ]; then
  [ -f "$DISK" ] || { echo "run-vm: no disk image $DISK (make one: mkfs.ext4 -F IMG after truncate -s 256M IMG)" >&2; exit 2; }
  SHARES="$SHARES -drive file=$DISK,if=virtio,format=raw,cache=writeback"; APPEND="$APPEND rs_disk=1"
fi

T0=$(date +%s.%N)
# shellcheck disable=SC2086
qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "${REALSTACK_SMP:-2}" -m "$MEM" \
  -display none -monitor none -no-reboot -serial "file:$S/console.log" \
  -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initramfs.gz" -append "$APPEND" \
  $SHARES > "$S/qemu.log" 2>&1 &
QPID=$!
echo $QPID > "$S/qemu.pid"

# Stream CMD's output while it runs (files written by the guest through 9p).
tail -n +1 -s 0.2 -F "$S/cmd.out" 2>/dev/null &
TO=$!
tail -n +1 -s 0.2 -F "$S/cmd.err" 1>&2 2>/dev/null &
TE=$!

timed_out=0
end=$(( $(date +%s) + TIMEOUT ))
while kill -0 $QPID 2>/dev/null; do
  if [ "$(date +%s)" -ge $end ]; then timed_out=1; kill $QPID; sleep 1; kill -9 $QPID 2>/dev/null; break; fi
  sleep 0.2
done
wait $QPID 2>/dev/null
sleep 0.5; kill $TO $TE 2>/dev/null; wait $TO $TE 2>/dev/null
ELAPSED=$(echo "$(date +%s.%N) - $T0" | bc 2>/dev/null || echo "?")

if [ $timed_out = 1 ]; then
  echo "run-vm: TIMEOUT after ${TIMEOUT}s (status: $(tr '\n' ';' < "$S/status" 2>/dev/null)); see $S/console.log" >&2
  exit 124
fi
if [ ! -s "$S/rc" ]; then
  echo "run-vm: VM FAILED before the command finished (status: $(tr '\n' ';' < "$S/status" 2>/dev/null))" >&2
  echo "--- tail of $S/console.log" >&2; tail -n 25 "$S/console.log" >&2
  [ -s "$S/qemu.log" ] && { echo "--- qemu.log" >&2; tail -n 10 "$S/qemu.log" >&2; }
  exit 125
fi
rc=$(cat "$S/rc")
echo "run-vm: done in ${ELAPSED}s, exit $rc ($(grep ready "$S/status" | head -1))" >&2
exit "$rc"
