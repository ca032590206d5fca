#!/bin/sh
# power-adapters.sh N: power hci0…hci(N-1) on through bluetoothd and wait until each says so (30 s at
# most). Run in the guest by guest-init.sh and by systemd-guest.sh. Exit 1 if they are not powered.
last=$(($1 - 1)); i=0
while :; do
  ok=1; n=0
  while [ $n -le $last ]; do
    dbus-send --system --print-reply --dest=org.bluez /org/bluez/hci$n \
      org.freedesktop.DBus.Properties.Set string:org.bluez.Adapter1 string:Powered variant:boolean:true >/dev/null 2>&1
    dbus-send --system --print-reply --dest=org.bluez /org/bluez/hci$n \
      org.freedesktop.DBus.Properties.Get string:org.bluez.Adapter1 string:Powered 2>/dev/null | grep -q "boolean true" || ok=0
    n=$((n + 1))
  done
  [ $ok = 1 ] && exit 0
  i=$((i + 1)); [ $i -gt 120 ] && exit 1; sleep 0.25
done
