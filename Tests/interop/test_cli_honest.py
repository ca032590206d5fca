"""Issue 18, item 4: a CLI that never misleads. Each case here failed on the CLI before it was fixed:
read-only verbs made a store where none was (and answered "No contact"), a permission problem was
said as something else, `status` reused exit 3 and exited 1 with the daemon down, `--json` was
missing on some verbs and errors were never JSON, help paragraphs broke mid-sentence, there was no
`config check`, and the two binaries gave different versions.

The daemon is kept out of reach by pointing the system bus at a socket that does not exist."""
import json
import os
import re
import subprocess
import unittest

from agenttest import BLEAGENT, SERVER, WorkdirTestCase, bus_env, run

READ_ONLY_VERBS = (["exposures"], ["keys", "own"], ["store", "stats"], ["store", "check"], ["status"])


class CLIHonestTestCase(WorkdirTestCase):
    def setUp(self):
        super().setUp()
        self.env = bus_env("unix:path=" + self.path("no-bus"))

    def cli(self, *args, **kwargs):
        return run(*args, check=False, env=kwargs.pop("env", self.env), timeout=120, **kwargs)

    def as_nobody(self, *args):
        """`bleagent args…` as the unprivileged account `nobody`; skips unless this test runs as root."""
        if os.geteuid() != 0:
            self.skipTest("needs root to run a command as the user nobody")
        os.chmod(self.dir, 0o755)
        return subprocess.run([BLEAGENT, *args], user="nobody", group="nogroup", extra_groups=[], capture_output=True,
                              text=True, env=dict(self.env, HOME="/nonexistent"), cwd="/", timeout=60)

    def make_store(self):
        """A store made the way the agent makes one (consent given with the daemon down), root's, 0700."""
        state = self.path("state")
        result = self.cli("consent", "--accept", "--yes", "--state-dir", state)
        self.assertEqual(result.returncode, 0, result.stderr)
        os.chmod(state, 0o700)
        return state


class ReadOnlyVerbs(CLIHonestTestCase):
    def test_a_missing_store_is_said_as_such_and_not_created(self):
        """Before: `exposures` on a mistyped --state-dir made a fresh store (key files and database)
        and answered "No contact …", exit 0."""
        missing = self.path("mistyped")
        for verb in READ_ONLY_VERBS:
            with self.subTest(verb=verb):
                result = self.cli(*verb, "--state-dir", missing)
                self.assertEqual(result.returncode, 69 if verb == ["status"] else 66, result.stdout + result.stderr)
                self.assertFalse(os.path.exists(missing), f"{' '.join(verb)} created {missing}")
                self.assertIn(f"no contact store in {missing}", result.stdout + result.stderr)
                self.assertNotIn("No contact with", result.stdout)

    def test_a_store_this_user_may_not_read_is_a_permission_problem(self):
        """Before: "the state directory cannot be used: … is not writable" and exit 66, as if nothing were there."""
        state = self.make_store()
        for verb in (["exposures"], ["keys", "own"], ["store", "check"]):
            with self.subTest(verb=verb):
                result = self.as_nobody(*verb, "--state-dir", state)
                self.assertEqual(result.returncode, 77, result.stdout + result.stderr)
                self.assertIn("permission denied", result.stderr)
                self.assertIn(f"cannot read {state}", result.stderr)
        stats = self.as_nobody("store", "stats", "--state-dir", state)
        self.assertEqual(stats.returncode, 77, stats.stdout + stats.stderr)

    def test_forget_as_another_user_is_refused_not_nothing_to_forget(self):
        """Before: `forget --yes` as a plain user on a store inside a folder it may not enter said
        "Nothing to forget", exit 0."""
        os.makedirs(self.path("private"))
        state = os.path.join(self.path("private"), "state")
        self.assertEqual(self.cli("consent", "--accept", "--yes", "--state-dir", state).returncode, 0)
        os.chmod(self.dir, 0o755)
        os.chmod(self.path("private"), 0o700)
        result = self.as_nobody("forget", "--yes", "--state-dir", state)
        self.assertEqual(result.returncode, 77, result.stdout + result.stderr)
        self.assertNotIn("Nothing to forget", result.stdout)
        self.assertIn("permission denied", result.stderr)
        self.assertTrue(os.path.exists(os.path.join(state, "contacts.sqlite")))

    def test_a_store_that_is_there_still_reads(self):
        state = self.make_store()
        self.assertEqual(self.cli("exposures", "--json", "--state-dir", state).stdout.strip(), "[]")
        stats = json.loads(self.cli("store", "stats", "--json", "--state-dir", state).stdout)
        self.assertEqual(stats["sightings"], 0)


class ExitCodesAndJSON(CLIHonestTestCase):
    def test_status_with_the_daemon_down_is_69_and_its_json_has_numbers(self):
        """Before: exit 1, and `"sightings": "0"` (strings) in place of the daemon's numbers."""
        state = self.make_store()
        result = self.cli("status", "--json", "--state-dir", state)
        self.assertEqual(result.returncode, 69, result.stderr)
        status = json.loads(result.stdout)
        self.assertFalse(status["daemon_running"])
        self.assertIsInstance(status["sightings_today"], int)
        self.assertIsInstance(status["dropped_today"], int)
        self.assertIsInstance(status["contact_days"], int)
        self.assertTrue(status["consent"]["accepted"])

    def test_errors_under_json_are_one_json_object_on_stderr(self):
        """Before: `bleagent: …` text on stderr whatever --json said."""
        missing = self.path("missing")
        result = self.cli("exposures", "--json", "--state-dir", missing)
        self.assertEqual(result.returncode, 66)
        self.assertEqual(result.stdout, "")
        error = json.loads(result.stderr)
        self.assertEqual(error["exit_code"], 66)
        self.assertEqual(error["error"], "no_input")
        self.assertIn("no contact store", error["message"])
        usage = self.cli("keys", "inspect", "--json")
        self.assertEqual(usage.returncode, 64)
        self.assertEqual(json.loads(usage.stderr)["error"], "usage")

    def test_every_verb_takes_json(self):
        """Before: consent, forget, notify, demo and run had no --json."""
        def leaves(path):
            text = self.cli(*path, "--help").stdout
            section = text.split("SUBCOMMANDS:", 1)
            if len(section) == 1:
                return [path]
            names = re.findall(r"^  ([a-z][a-z-]*)\b", section[1], re.M)
            return [leaf for name in names if name != "help" for leaf in leaves([*path, name])]
        verbs = leaves([])
        self.assertGreater(len(verbs), 25)
        without = [" ".join(verb) for verb in verbs if "--json" not in self.cli(*verb, "--help").stdout]
        self.assertEqual(without, [])


class HelpConfigVersion(CLIHonestTestCase):
    def test_help_paragraphs_do_not_break_mid_sentence(self):
        """Before: discussions carried the source's line breaks ("…the store's\\ncounts are shown…")."""
        wide = dict(self.env, COLUMNS="10000")
        broken = []
        for verb in (["register"], ["status"], ["forget"], ["keys", "own"], ["store", "stats"], []):
            text = self.cli(*verb, "--help", env=wide).stdout.split("USAGE:")[0]   # the overview and discussion
            for before, after in re.findall(r"(\S.{0,40})\n([a-z]\S*)", text):
                if not after.startswith("-"):
                    broken.append(f"{' '.join(verb) or 'bleagent'}: …{before}⏎{after}…")
        self.assertEqual(broken, [])
        narrow = self.cli("register", "--help", env=dict(self.env, COLUMNS="60")).stdout.split("USAGE:")[0]
        self.assertTrue(all(len(line) <= 60 for line in narrow.splitlines()), narrow)

    def test_config_check(self):
        """Before: no such verb (exit 64)."""
        good = self.path("good.toml")
        with open(good, "w") as f:
            f.write('[agent]\nstate_directory = "/srv/bleagent"\n[radio]\nscan_window_seconds = 5\n')
        result = self.cli("config", "check", "--config", good, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        settings = json.loads(result.stdout)
        self.assertEqual(settings["state_directory"], "/srv/bleagent")
        self.assertEqual(settings["radio"]["scan_window_seconds"], 5)
        bad = self.path("bad.toml")
        with open(bad, "w") as f:
            f.write("[radio]\nscan_window_seconds = 500\n")
        refused = self.cli("config", "check", "--config", bad)
        self.assertEqual(refused.returncode, 78, refused.stderr)
        self.assertIn("scan_window_seconds", refused.stderr)

    def test_one_version_for_both_binaries(self):
        """Before: bleagent 0.1.0, bleagent-server 0.8.0."""
        agent = run("--version").stdout.strip()
        server = run("--version", binary=SERVER).stdout.strip()
        self.assertRegex(agent, r"^\d+\.\d+\.\d+")
        self.assertEqual(agent, server)


if __name__ == "__main__":
    unittest.main()
