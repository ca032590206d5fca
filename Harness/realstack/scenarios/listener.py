#!/usr/bin/env python3
"""A listening controller (run in the guest): discovers on one adapter through bluetoothd with
DuplicateData and writes every 0xFD6F report as a JSON line: real time, monotonic time, the
sender's address and address type, the service data (RPI + AEM) and RSSI.

    listener.py ADAPTER OUT.jsonl SECONDS
"""
import json
import sys
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

FD6F = "0000fd6f-0000-1000-8000-00805f9b34fb"


def main():
    adapter, out_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    path = "/org/bluez/" + adapter
    obj = bus.get_object("org.bluez", path)
    adapter_iface = dbus.Interface(obj, "org.bluez.Adapter1")
    adapter_iface.SetDiscoveryFilter({"Transport": "le", "UUIDs": dbus.Array([FD6F], signature="s"),
                                      "DuplicateData": True, "RSSI": dbus.Int16(-127)})
    out = open(out_path, "a")
    data_by_dev = {}
    addr_by_dev = {}

    def record(dev_path, props):
        if not dev_path.startswith(path + "/"):
            return
        if "Address" in props:
            addr_by_dev[dev_path] = (str(props["Address"]), str(props.get("AddressType", "")))
        sd = props.get("ServiceData")
        if sd is not None:
            for key, value in sd.items():
                if str(key).lower() in (FD6F, "fd6f"):
                    data_by_dev[dev_path] = bytes(value)
        if "RSSI" in props and dev_path in data_by_dev:
            address, kind = addr_by_dev.get(dev_path, (dev_path.split("dev_")[-1].replace("_", ":"), ""))
            data = data_by_dev[dev_path]
            out.write(json.dumps({"t": time.time(), "mono": time.monotonic(), "address": address, "address_type": kind,
                                  "rpi": data[:16].hex(), "aem": data[16:20].hex(), "rssi": int(props["RSSI"])}) + "\n")
            out.flush()

    def added(dev_path, interfaces):
        if "org.bluez.Device1" in interfaces:
            record(str(dev_path), interfaces["org.bluez.Device1"])

    def changed(interface, props, invalidated, path=None):
        if interface == "org.bluez.Device1":
            record(str(path), props)

    bus.add_signal_receiver(added, dbus_interface="org.freedesktop.DBus.ObjectManager", signal_name="InterfacesAdded")
    bus.add_signal_receiver(changed, dbus_interface="org.freedesktop.DBus.Properties", signal_name="PropertiesChanged",
                            path_keyword="path")
    adapter_iface.StartDiscovery()
    loop = GLib.MainLoop()
    GLib.timeout_add(int(seconds * 1000), loop.quit)
    loop.run()
    try:
        adapter_iface.StopDiscovery()
    except dbus.DBusException:
        pass


if __name__ == "__main__":
    main()
