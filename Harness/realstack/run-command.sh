#!/bin/sh
# run-command.sh SHARE: in the guest, once the radios are ready: run the test command (SHARE/.realstack/cmd.sh)
# in SHARE, with its output and exit code in SHARE/.realstack/{cmd.out,cmd.err,rc} and its start and end
# in the status file. Used by guest-init.sh and systemd-guest.sh.
S="$1/.realstack"
cd "$1" || exit 1
echo "cmd-start" >> "$S/status"
sh "$S/cmd.sh" > "$S/cmd.out" 2> "$S/cmd.err" < /dev/null
rc=$?
echo $rc > "$S/rc"
echo "cmd-exit $rc $(cut -d' ' -f1 /proc/uptime)" | tee -a "$S/status"
