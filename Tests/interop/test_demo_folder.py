"""`bleagent demo` keeps its logs in one folder per user under /var/tmp, replaced at each run. The
path is predictable and /var/tmp is everyone's: a link or a folder someone else made there must be
refused, never followed or emptied."""
import os
import subprocess
import tempfile
import unittest

from agenttest import BLEAGENT, REPO


class DemoFolder(unittest.TestCase):
    def setUp(self):
        self.folder = f"/var/tmp/bleagent-demo-{os.getuid()}"
        if os.path.lexists(self.folder):
            self.skipTest(f"{self.folder} exists (a real demo's logs): not touching it")
        self.target = tempfile.mkdtemp(prefix="bleagent-demo-target-")
        with open(os.path.join(self.target, "keep"), "w") as f:
            f.write("someone else's file\n")

    def tearDown(self):
        if os.path.islink(self.folder):
            os.remove(self.folder)

    def test_a_link_in_its_place_is_refused(self):
        os.symlink(self.target, self.folder)
        env = dict(os.environ, BLEAGENT_HARNESS=os.path.join(REPO, "Harness", "realstack"), LANG="C")
        result = subprocess.run([BLEAGENT, "demo"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(result.returncode, 77, result.stdout + result.stderr)
        self.assertIn("not your own folder", result.stderr)
        self.assertEqual(os.listdir(self.target), ["keep"])
        self.assertTrue(os.path.islink(self.folder))


if __name__ == "__main__":
    unittest.main()
