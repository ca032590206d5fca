#!/usr/bin/python3
"""Test helpers for the desktop companion (Debian's python3-dbus):

  notifications.py server OUT     owns org.freedesktop.Notifications on $DBUS_SESSION_BUS_ADDRESS and
                                  appends every Notify call as a JSON line to OUT
  notifications.py emit DATE N M  owns org.bleagent.Agent on $DBUS_SYSTEM_BUS_ADDRESS and emits one
                                  ContactDay(DATE, N, M) signal, then waits a moment and exits
  notifications.py agent DATE N M owns org.bleagent.Agent; GetExposures lists DATE (N contacts, M
                                  minutes) as notified already; prints "ready"; on SIGUSR1 emits
                                  ContactDay for DATE again and for the day after it
"""
import datetime
import signal
import json
import os
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib


def connect(variable):
    """The bus whose address is in $`variable`, on GLib's main loop."""
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    return dbus.bus.BusConnection(os.environ[variable])


class Agent(dbus.service.Object):
    """org.bleagent.Agent's ContactDay signal."""

    @dbus.service.signal("org.bleagent.Agent1", signature="suu")
    def ContactDay(self, date, contacts, minutes):
        pass

    def contact_day(self, date, contacts, minutes):
        self.ContactDay(date, dbus.UInt32(contacts), dbus.UInt32(minutes))

    @dbus.service.signal("org.bleagent.Agent1", signature="")
    def Forgotten(self):
        pass


def server(out):
    bus = connect("DBUS_SESSION_BUS_ADDRESS")

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
    bus = connect("DBUS_SYSTEM_BUS_ADDRESS")
    name = dbus.service.BusName("org.bleagent.Agent", bus)
    agent = Agent(bus, "/org/bleagent/Agent")
    time.sleep(0.5)
    agent.contact_day(date, contacts, minutes)
    loop = GLib.MainLoop()
    GLib.timeout_add(1000, loop.quit)
    loop.run()


def agent(date, contacts, minutes):
    bus = connect("DBUS_SYSTEM_BUS_ADDRESS")

    class Notified(Agent):
        @dbus.service.method("org.bleagent.Agent1", in_signature="", out_signature="s")
        def GetExposures(self):
            return json.dumps([{"date": date, "contacts": contacts, "minutes": minutes, "notified": True}])

    name = dbus.service.BusName("org.bleagent.Agent", bus)
    service = Notified(bus, "/org/bleagent/Agent")
    later = (datetime.date.fromisoformat(date) + datetime.timedelta(days=1)).isoformat()

    def emit_both():
        service.contact_day(date, contacts, minutes)
        service.contact_day(later, 1, 17)
        return False

    signal.signal(signal.SIGUSR1, lambda *_: GLib.idle_add(emit_both))
    signal.signal(signal.SIGUSR2, lambda *_: GLib.idle_add(lambda: service.Forgotten() and False))
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2])
    elif sys.argv[1] == "agent":
        agent(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        emit(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
