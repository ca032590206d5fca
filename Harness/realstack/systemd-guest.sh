#!/bin/sh
# systemd-guest.sh - the test command's unit (rs-test.service) in a `run-vm.sh --systemd` boot, where
# systemd is PID 1 (guest-init.sh set up the root and the units). Starts bluetoothd as Debian's
# bluetooth.service does, powers the adapters, runs the command as root, saves the journal, powers off.
S="$RS_SHARE/.realstack"
st() { echo "$1" >> "$S/status"; echo "[rs] $1" > /dev/console; }
finish() {
  journalctl -b --no-pager -o short-monotonic > "$S/journal.txt" 2>&1
  sync; systemctl poweroff --force --force; sleep 10
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
st "systemd up $(uptime_s) ($(systemctl is-system-running 2>/dev/null))"
systemctl start bluetooth.service || { st "FAIL bluetooth.service did not start"; finish; }
sh "$RS_DIR/power-adapters.sh" "$RS_RADIOS" || { st "FAIL adapters not powered"; finish; }
st "ready $(uptime_s)"
sh "$RS_DIR/run-command.sh" "$RS_SHARE" > /dev/console
finish
