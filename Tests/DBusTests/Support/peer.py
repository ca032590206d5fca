#!/usr/bin/python3
"""Test peers on a private system bus (uses Debian's python3-dbus, like bluetoothd's own tests).

  peer.py sleeper NAME        owns NAME and never answers anything (for timeouts and cancellation)
  peer.py holder NAME         owns NAME; any method call on any path is held unanswered, and
                              "called" is printed when one arrives (a call known to be pending)
  peer.py callback NAME       owns NAME; method test.CallBack.Ping(o path) first calls
                              org.freedesktop.DBus.Properties.GetAll("test.Iface") on the caller's
                              object at `path`, then replies with what it got — as bluetoothd does
                              for RegisterAdvertisement
Prints "ready" once the name is owned.
"""
import sys
import time

import dbus
import dbus.lowlevel
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib


def main():
    mode, name = sys.argv[1], sys.argv[2]
    if mode == "sleeper":
        bus = dbus.SystemBus()
        bus.request_name(name)
        print("ready", flush=True)
        time.sleep(600)
        return
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()

    class Peer(dbus.service.Object):
        @dbus.service.method("test.CallBack", in_signature="o", out_signature="a{sv}", sender_keyword="sender",
                             async_callbacks=("reply", "error"))
        def Ping(self, path, sender=None, reply=None, error=None):
            obj = bus.get_object(sender, path)
            props = dbus.Interface(obj, "org.freedesktop.DBus.Properties")
            props.GetAll("test.Iface", reply_handler=lambda values: reply(values),
                         error_handler=lambda e: error(e), timeout=10)

    if mode == "holder":
        held = []

        def hold(connection, message):
            if message.get_type() != dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL:
                return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
            held.append(message)   # kept, never answered
            print("called", flush=True)
            return dbus.lowlevel.HANDLER_RESULT_HANDLED

        bus.add_message_filter(hold)
        bus.request_name(name)
        print("ready", flush=True)
        GLib.MainLoop().run()
        return

    Peer(bus, "/test/peer")
    bus.request_name(name)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
