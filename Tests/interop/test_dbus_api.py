"""The daemon's D-Bus API in BlueZ's conventions, as stock tools see it: `busctl get-property` and
`GetAll` read typed properties, `set-property` is refused, `gdbus monitor` sees `PropertiesChanged`
when consent changes, an unknown terms version is `InvalidArgs`, and the introspection data matches
the installed interface file. The daemon runs on a private bus (no radio)."""
import os
import re
import subprocess
import time
import unittest

from agenttest import BLEAGENT, REPO, ProcessTestCase, bus_env, start_bus, wait_for

NAME, PATH, INTERFACE = "org.bleagent.Agent", "/org/bleagent/Agent", "org.bleagent.Agent1"
INTERFACE_FILE = os.path.join(REPO, "share", "dbus-1", "interfaces", "org.bleagent.Agent1.xml")


class PropertiesWithStockTools(ProcessTestCase):
    def setUp(self):
        super().setUp()
        self.bus = start_bus(self.path("bus"), self.procs)
        self.env = bus_env(self.bus)
        with open(self.path("bleagent.toml"), "w") as f:
            f.write(f'[agent]\nstate_directory = "{self.path("state")}"\nrequire_time_sync = false\n')
        notify = self.datagrams("notify.sock")
        self.spawn([BLEAGENT, "run", "--config", self.path("bleagent.toml"), "--bus-address", self.bus],
                   env=dict(self.env, NOTIFY_SOCKET=notify.path, BLEAGENT_JOURNAL_SOCKET=self.path("none")),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "the daemon did not start")

    def busctl(self, *args, check=True):
        result = subprocess.run(["busctl", f"--address={self.bus}", *args], capture_output=True, text=True, timeout=30)
        if check:
            self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def test_busctl_reads_typed_properties(self):
        got = {name: self.busctl("get-property", NAME, PATH, INTERFACE, name).stdout.strip()
               for name in ("Consent", "TermsVersion", "ContactDays", "SightingsToday", "LastDownload", "Advertising")}
        print(f"busctl get-property: {got}")
        self.assertEqual(got, {"Consent": "b false", "TermsVersion": 's "1"', "ContactDays": "u 0", "SightingsToday": "u 0",
                               "LastDownload": "x 0", "Advertising": "b false"})
        every = self.busctl("call", NAME, PATH, "org.freedesktop.DBus.Properties", "GetAll", "s", INTERFACE).stdout
        self.assertTrue(every.startswith("a{sv} 12 "), every)
        for name in ("Version", "ConsentDecidedAt", "ClockSynchronised", "Scanning", "NextDownload", "StoreError"):
            self.assertIn(f'"{name}"', every)
        refused = self.busctl("set-property", NAME, PATH, INTERFACE, "Consent", "b", "true", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("read-only", refused.stderr)
        unknown = self.busctl("get-property", NAME, PATH, INTERFACE, "Keys", check=False)
        self.assertNotEqual(unknown.returncode, 0)
        self.assertIn("no property", unknown.stderr)

    def test_an_unknown_terms_version_is_invalid_args_and_records_nothing(self):
        result = self.busctl("call", NAME, PATH, INTERFACE, "AcceptConsent", "s", "2", check=False)
        print(f"AcceptConsent 2: {result.stderr.strip()}")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("unknown terms version", result.stderr)
        wrong = self.busctl("call", NAME, PATH, INTERFACE, "AcceptConsent", "u", "1", check=False)
        self.assertIn("AcceptConsent takes (s terms_version)", wrong.stderr)
        extra = self.busctl("call", NAME, PATH, INTERFACE, "GetStatus", "s", "x", check=False)
        self.assertIn("GetStatus takes no arguments", extra.stderr)
        self.assertEqual(self.busctl("get-property", NAME, PATH, INTERFACE, "Consent").stdout.strip(), "b false")

    def test_consent_is_announced_with_properties_changed(self):
        monitor = self.spawn(["stdbuf", "-oL", "gdbus", "monitor", "--address", self.bus, "--dest", NAME, "--object-path", PATH],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(1)   # subscribed by then
        self.busctl("call", NAME, PATH, INTERFACE, "AcceptConsent", "s", "1")
        self.assertEqual(self.busctl("get-property", NAME, PATH, INTERFACE, "Consent").stdout.strip(), "b true")
        self.busctl("call", NAME, PATH, INTERFACE, "WithdrawConsent")
        time.sleep(1)
        monitor.terminate()
        out, _ = monitor.communicate(timeout=10)
        changes = [line for line in out.splitlines() if "PropertiesChanged" in line]
        print("\n".join(changes))
        self.assertTrue(any("'Consent': <true>" in line and "ConsentDecidedAt" in line for line in changes), out)
        self.assertTrue(any("'Consent': <false>" in line for line in changes), out)
        self.assertTrue(any(".Forgotten" in line for line in out.splitlines()), out)

    def test_introspection_matches_the_installed_interface_file(self):
        xml = self.busctl("introspect", "--xml-interface", NAME, PATH).stdout
        with open(INTERFACE_FILE, encoding="utf-8") as f:
            installed = f.read()
        block = re.search(r"  <interface name=\"org\.bleagent\.Agent1\">.*?</interface>", installed, re.S).group(0)
        self.assertIn(block, xml)
        self.assertIn('<interface name="org.freedesktop.DBus.Properties">', xml)
        self.assertIn('name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"', block)
        # What busctl makes of it: the properties with their types and flags.
        table = self.busctl("introspect", NAME, PATH, INTERFACE).stdout
        self.assertRegex(table, r"\.ContactDays\s+property\s+u\s+0\s+emits-change")


if __name__ == "__main__":
    unittest.main()
