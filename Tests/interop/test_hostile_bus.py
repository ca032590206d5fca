"""Another local account on the system bus. A private dbus-daemon runs Debian's own system.conf with
only the project's policy file included (systemd/org.bleagent.Agent.conf), the daemon and the desktop
companion run as root (whom the policy trusts), the attacker as `nobody`. Each test prints its figure."""
import os
import re
import shutil
import subprocess
import time
import unittest

from agenttest import BLEAGENT, REPO, ProcessTestCase, bus_env, run, wait_for

SYSTEM_CONF = "/usr/share/dbus-1/system.conf"

# Sends `ContactDay` signals addressed to every peer on the bus (the companion among them), as an
# account the policy does not trust can: Debian's system.conf lets anyone send signals.
FORGER = r"""
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
for name in bus.list_names():
    if not name.startswith(":") or name == bus.get_unique_name():
        continue
    for date, contacts, minutes in [(sys.argv[2], 3, 42), ("URGENT: call +81-3-0000-0000", 1, 20)]:
        signal = dbus.lowlevel.SignalMessage("/org/bleagent/Agent", "org.bleagent.Agent1", "ContactDay")
        signal.append(dbus.String(date), dbus.UInt32(contacts), dbus.UInt32(minutes))
        signal.set_destination(name)
        bus.send_message(signal)
bus.flush()
print("sent")
"""


def system_bus_config(directory):
    """Debian's system.conf, listening in `directory`, without the user switch, fork, pid file and
    syslog, including the project's policy file and nothing else."""
    with open(SYSTEM_CONF, encoding="utf-8") as f:
        text = f.read()
    policy_dir = os.path.join(directory, "system.d")
    os.makedirs(policy_dir)
    shutil.copy(os.path.join(REPO, "systemd", "org.bleagent.Agent.conf"), policy_dir)
    text = re.sub(r"<listen>.*?</listen>", f"<listen>unix:path={directory}/socket</listen>", text)
    for pattern in (r"<user>.*?</user>", r"<fork/>", r"<pidfile>.*?</pidfile>", r"<syslog/>", r"<includedir>.*?</includedir>",
                    r"<include [^>]*>.*?</include>"):
        text = re.sub(pattern, "", text)
    text = text.replace("</busconfig>", f"<includedir>{policy_dir}</includedir>\n</busconfig>")
    path = os.path.join(directory, "system.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


@unittest.skipUnless(os.geteuid() == 0 and os.path.exists(SYSTEM_CONF) and os.path.exists("/usr/bin/python3"),
                     "needs root (to run the attacker as nobody) and Debian's dbus")
class AnotherAccountOnTheSystemBus(ProcessTestCase):
    def setUp(self):
        super().setUp()
        os.chmod(self.dir, 0o755)   # nobody must reach the bus socket
        bus_dir = self.path("bus")
        os.makedirs(bus_dir, mode=0o755)
        config = system_bus_config(bus_dir)
        self.spawn(["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.assertTrue(wait_for(lambda: os.path.exists(os.path.join(bus_dir, "socket")), 5, 0.05), "the bus did not start")
        self.bus = f"unix:path={bus_dir}/socket"
        self.env = bus_env(self.bus)
        with open(self.path("bleagent.toml"), "w") as f:
            f.write(f'[agent]\nstate_directory = "{self.path("state")}"\nrequire_time_sync = false\n')
        notify = self.datagrams("notify.sock")
        self.daemon = self.spawn([BLEAGENT, "run", "--config", self.path("bleagent.toml"), "--bus-address", self.bus],
                                 env=dict(self.env, NOTIFY_SOCKET=notify.path, BLEAGENT_JOURNAL_SOCKET=self.path("none")),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "the daemon did not start")

    def as_nobody(self, argv, **kwargs):
        return subprocess.run(argv, user="nobody", group="nogroup", extra_groups=[], capture_output=True, text=True,
                              env=dict(self.env, HOME="/nonexistent"), cwd="/", timeout=60, **kwargs)

    def test_another_account_reads_no_contact_day(self):
        # Root (and the bleagent group) may: the same verbs work for them.
        run("exposures", "--json", env=self.env)
        self.assertIn("contact_days", run("status", "--json", env=self.env, check=False).stdout)
        refused = []
        for verb in (["exposures", "--json"], ["status", "--json"]):
            result = self.as_nobody([BLEAGENT, *verb])
            # A permission problem, with the exit code every verb gives one (77), not a failure (1).
            self.assertEqual(result.returncode, 77, f"{verb}: {result.stdout}{result.stderr}")
            self.assertIn("bleagent group", result.stderr)
            self.assertNotIn("contact_days", result.stdout)
            refused.append(verb[0])
        # This device's own keys are root's alone: said as such, not as the group's health information.
        result = self.as_nobody([BLEAGENT, "keys", "own", "--json"])
        self.assertEqual(result.returncode, 77, result.stdout + result.stderr)
        self.assertIn("only root", result.stderr)
        self.assertNotIn("key_data", result.stdout)
        refused.append("keys own")
        print(f"refused to nobody: {', '.join(refused)}")

    def test_another_account_reads_no_property_and_hears_no_signal(self):
        """The properties (they count contact days) and the signals: root reads and hears them,
        another account neither: Get and GetAll are refused, PropertiesChanged and Forgotten do not
        reach its subscription."""
        agent = ["org.bleagent.Agent", "/org/bleagent/Agent"]
        get = ["busctl", f"--address={self.bus}", "get-property", *agent, "org.bleagent.Agent1", "ContactDays"]
        get_all = ["busctl", f"--address={self.bus}", "call", *agent, "org.freedesktop.DBus.Properties", "GetAll", "s", "org.bleagent.Agent1"]
        self.assertEqual(subprocess.run(get, capture_output=True, text=True, timeout=30).stdout.strip(), "u 0")
        monitor = ["stdbuf", "-oL", "gdbus", "monitor", "--address", self.bus, "--dest", "org.bleagent.Agent"]
        listeners = {"root": self.spawn(monitor, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True),
                     "nobody": self.spawn(monitor, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                          user="nobody", group="nogroup", extra_groups=[], cwd="/", env=dict(self.env, HOME="/nonexistent"))}
        refused = {}
        for name, argv in (("Get", get), ("GetAll", get_all)):
            result = self.as_nobody(argv)
            self.assertNotEqual(result.returncode, 0, result.stdout)
            self.assertNotIn("ContactDays", result.stdout)
            self.assertNotEqual(result.stdout.strip(), "u 0")
            refused[name] = result.stderr.strip()
        time.sleep(1)   # both subscribed
        run("consent", "--accept", "--yes", env=self.env)
        run("consent", "--withdraw", "--yes", env=self.env)
        time.sleep(1)
        heard = {}
        for who, listener in listeners.items():
            listener.terminate()
            out, _ = listener.communicate(timeout=10)
            heard[who] = [line for line in out.splitlines() if "PropertiesChanged" in line or "Forgotten" in line]
        print(f"as nobody: {refused}; signals heard by root: {len(heard['root'])}, by nobody: {len(heard['nobody'])}")
        for reason in refused.values():
            self.assertRegex(reason, "[Aa]ccess denied|AccessDenied")
        self.assertTrue(any("'Consent': <true>" in line for line in heard["root"]), heard["root"])
        self.assertEqual(heard["nobody"], [])

    def test_another_account_cannot_forget_and_is_told_so(self):
        """`forget` as another account: refused with exit 77 and the reason, with the daemon running
        (the bus policy) and with it stopped (the state folder is the service's). It used to say
        "Nothing to forget" and exit 0."""
        run("store", "stats", "--state-dir", self.path("state"), env=self.env)   # the store is there
        running = self.as_nobody([BLEAGENT, "forget", "--yes", "--state-dir", self.path("state")])
        self.daemon.terminate()
        self.daemon.wait(timeout=30)
        os.chmod(self.path("state"), 0o700)
        stopped = self.as_nobody([BLEAGENT, "forget", "--yes", "--state-dir", self.path("state")])
        print(f"forget as nobody: daemon running → {running.returncode} ({running.stderr.strip()}); "
              f"daemon stopped → {stopped.returncode} ({stopped.stderr.strip()})")
        for result in (running, stopped):
            self.assertEqual(result.returncode, 77, result.stdout + result.stderr)
            self.assertIn("not permitted", result.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.path("state"), "contacts.sqlite")))

    def test_a_forged_contact_notice_is_not_shown(self):
        home = self.path("home")
        os.makedirs(home)
        companion = self.spawn([BLEAGENT, "notify", "--follow"],
                               env={k: v for k, v in dict(self.env, HOME=home).items() if k != "DBUS_SESSION_BUS_ADDRESS"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)   # subscribed by then (its first line says so; reading it here would block)
        self.assertIsNone(companion.poll(), "the companion stopped")
        today = time.strftime("%Y-%m-%d", time.gmtime())
        forger = self.as_nobody(["/usr/bin/python3", "-c", FORGER, self.bus, today])
        self.assertEqual(forger.returncode, 0, forger.stderr)
        time.sleep(2)
        companion.terminate()
        out, _ = companion.communicate(timeout=10)
        shown_file = os.path.join(home, ".local", "state", "bleagent", "notices-shown")
        shown = open(shown_file).read().split() if os.path.exists(shown_file) else []
        notices = [line for line in out.splitlines() if "Possible contact" in line]
        print(f"forged contact notices shown: {len(notices)}; dates recorded as shown: {len(shown)}")
        self.assertIn("Listening for contact notices", out)
        self.assertEqual(notices, [])
        self.assertEqual(shown, [])


if __name__ == "__main__":
    unittest.main()
