"""The systemd and D-Bus files in systemd/: the unit's hardening (systemd-analyze security, offline),
its syntax, the sysusers entry and the bus policy."""
import os
import re
import shutil
import subprocess
import unittest
import xml.etree.ElementTree as ET

from agenttest import REPO

SYSTEMD = os.path.join(REPO, "systemd")


@unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed")
class SystemdFiles(unittest.TestCase):
    def test_exposure_is_at_most_two(self):
        for name in ("bleagent.service", "bleagent-server.service"):
            result = subprocess.run(["systemd-analyze", "security", "--offline=true", os.path.join(SYSTEMD, name)],
                                    capture_output=True, text=True)
            match = re.search(rf"Overall exposure level for {re.escape(name)}: ([0-9.]+)", result.stdout)
            self.assertIsNotNone(match, result.stdout + result.stderr)
            exposure = float(match.group(1))
            print(f"\n    systemd-analyze security --offline=true systemd/{name}: exposure {exposure}", flush=True)
            self.assertLessEqual(exposure, 2.0, name)

    def test_unit_is_valid(self):
        for name, lines in (("bleagent.service", ("Type=notify", "WatchdogSec=", "StateDirectory=bleagent", "User=bleagent", "RestartPreventExitStatus=78")),
                            ("bleagent-server.service", ("StateDirectory=bleagent-server", "DynamicUser=yes", "Type=notify", "NotifyAccess=main",
                                                        "WatchdogSec=30s", "RestartPreventExitStatus=78", "User=bleagent-serverd", "SupplementaryGroups=bleagent-server"))):
            # --man=no: the pages its Documentation= names are built by make-docs.sh, not installed here (test_docs resolves them).
            result = subprocess.run(["systemd-analyze", "verify", "--man=no", os.path.join(SYSTEMD, name)], capture_output=True, text=True)
            problems = [line for line in (result.stdout + result.stderr).splitlines()
                        if line.strip() and "is not executable" not in line and "No such file" not in line]
            self.assertEqual(problems, [], name)
            with open(os.path.join(SYSTEMD, name)) as f:
                unit = f.read()
            for line in lines:
                self.assertIn(line, unit)

    def test_sysusers_entry(self):
        for name in ("bleagent.sysusers", "bleagent-server.sysusers"):
            result = subprocess.run(["systemd-sysusers", "--dry-run", os.path.join(SYSTEMD, name)], capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertNotIn("Failed", result.stdout + result.stderr)

    def test_dynamic_user_does_not_share_a_static_groups_name(self):
        # systemd refuses to start a DynamicUser= unit whose user name is a static group's
        # ("User or group with specified name already exists", 217/USER: found by the package test).
        with open(os.path.join(SYSTEMD, "bleagent-server.service")) as f:
            unit = f.read()
        with open(os.path.join(SYSTEMD, "bleagent-server.sysusers")) as f:
            static_groups = {line.split()[1] for line in f if line.startswith("g ")}
        user = re.search(r"^User=(.+)$", unit, re.M).group(1)
        self.assertNotIn(user, static_groups)
        self.assertIsNone(re.search(r"^Group=", unit, re.M))
        self.assertIn(f"SupplementaryGroups={' '.join(sorted(static_groups))}", unit)

    def test_units_run_the_packaged_binaries(self):
        for name in ("bleagent.service", "bleagent-server.service", "bleagent-notify.service"):
            with open(os.path.join(SYSTEMD, name)) as f:
                commands = re.findall(r"^Exec\w+=(\S+)", f.read(), re.M)
            self.assertTrue(commands, name)
            self.assertTrue(all(c.startswith("/usr/bin/bleagent") for c in commands), (name, commands))

    def test_maintainer_scripts_parse(self):
        folder = os.path.join(REPO, "packaging", "deb")
        scripts = [n for n in os.listdir(folder) if n.rsplit(".", 1)[-1] in ("postinst", "prerm", "postrm")]
        self.assertEqual(len(scripts), 6)
        for name in scripts:
            path = os.path.join(folder, name)
            self.assertTrue(os.access(path, os.X_OK), name)
            result = subprocess.run(["sh", "-n", path], capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, name + result.stderr)

    def test_bus_policy_is_well_formed(self):
        tree = ET.parse(os.path.join(SYSTEMD, "org.bleagent.Agent.conf"))
        owners = [allow.get("own") for allow in tree.iter("allow") if allow.get("own")]
        self.assertIn("org.bleagent.Agent", owners)
        # Any account may introspect; status, exposures and ContactDay are the group's and root's.
        default = [p for p in tree.iter("policy") if p.get("context") == "default"][0]
        self.assertEqual([a.attrib for a in default.iter("allow")],
                         [{"send_destination": "org.bleagent.Agent", "send_interface": "org.freedesktop.DBus.Introspectable"}])
        group = [p for p in tree.iter("policy") if p.get("group") == "bleagent"][0]
        self.assertIn({"receive_sender": "org.bleagent.Agent"}, [a.attrib for a in group.iter("allow")])


if __name__ == "__main__":
    unittest.main()
