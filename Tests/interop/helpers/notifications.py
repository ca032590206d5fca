#!/usr/bin/python3
"""Test helpers for the desktop companion (Debian's python3-dbus):

  notifications.py server OUT     owns org.freedesktop.Notifications on $DBUS_SESSION_BUS_ADDRESS and
                                  appends every Notify call as a JSON line to OUT
  notifications.py emit DATE N M  owns org.bleagent.Agent on $DBUS_SYSTEM_BUS_ADDRESS and emits one
                                  ContactDay(DATE, N, M) signal, then waits a moment and exits
"""
import json
import os
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib


def server(out):
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SESSION_BUS_ADDRESS"])

    class Notifications(dbus.service.Object):
        @dbus.service.method("org.freedesktop.Notifications", in_signature="susssasa{sv}i", out_signature="u")
        def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
            with open(out, "a") as f:
                f.write(json.dumps({"app": str(app), "summary": str(summary), "body": str(body)}) + "\n")
            return 1

    name = dbus.service.BusName("org.freedesktop.Notifications", bus)
    Notifications(bus, "/org/freedesktop/Notifications")
    print("ready", flush=True)
    GLib.MainLoop().run()


def emit(date, contacts, minutes):
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])

    class Agent(dbus.service.Object):
        @dbus.service.signal("org.bleagent.Agent1", signature="suu")
        def ContactDay(self, date, contacts, minutes):
            pass

    name = dbus.service.BusName("org.bleagent.Agent", bus)
    agent = Agent(bus, "/org/bleagent/Agent")
    time.sleep(0.5)
    agent.ContactDay(date, dbus.UInt32(contacts), dbus.UInt32(minutes))
    loop = GLib.MainLoop()
    GLib.timeout_add(1000, loop.quit)
    loop.run()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2])
    else:
        emit(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
