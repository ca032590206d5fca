"""Man pages and completions as scripts/make-docs.sh builds them from the binaries under test: each
page renders without a warning (`man --warnings`), the command pages list every verb, the
configuration pages every key of the documented TOML files, and the completion scripts are there."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from agenttest import BLEAGENT, REPO

PAGES = {"man1/bleagent.1": "bleagent", "man8/bleagent-server.8": "bleagent-server",
         "man5/bleagent.toml.5": "bleagent.toml", "man5/server.toml.5": "server.toml"}


@unittest.skipUnless(shutil.which("man") and shutil.which("groff"), "needs man-db and groff-base")
class ManPagesAndCompletions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bleagent-docs-")
        cls.out = os.path.join(cls.tmp, "docs")
        bin_dir = os.path.dirname(os.path.abspath(BLEAGENT))
        # generate-manual is built in make-docs.sh's own scratch path.
        result = subprocess.run([os.path.join(REPO, "scripts", "make-docs.sh"), cls.out, bin_dir],
                                capture_output=True, text=True, timeout=1800)
        if result.returncode != 0:
            raise AssertionError(f"make-docs.sh exited {result.returncode}: {result.stdout}{result.stderr}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def render(self, page):
        result = subprocess.run(["man", "--warnings", "-l", os.path.join(self.out, "man", page)], capture_output=True, text=True,
                                env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"), timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def test_every_page_renders_without_warnings(self):
        for page, name in PAGES.items():
            result = self.render(page)
            print(f"{page}: {len(result.stdout.splitlines())} lines, warnings: {result.stderr.strip() or 'none'}")
            self.assertEqual(result.stderr.strip(), "", page)
            self.assertIn("NAME", result.stdout)
            self.assertIn(name, result.stdout.splitlines()[0].lower().replace("\u2010", "-"))

    def test_command_pages_list_every_verb(self):
        text = self.render("man1/bleagent.1").stdout
        for verb in ("run", "status", "consent", "exposures", "download", "forget", "register", "notify", "demo"):
            self.assertRegex(text, rf"\b{verb}\b", verb)
        server = self.render("man8/bleagent-server.8").stdout
        self.assertRegex(server.splitlines()[0], r"\(8\)")

    def test_config_pages_hold_every_key_of_the_documented_files(self):
        for toml, page in (("bleagent.toml", "man5/bleagent.toml.5"), ("server.toml", "man5/server.toml.5")):
            with open(os.path.join(REPO, "systemd", toml), encoding="utf-8") as f:
                keys = set(re.findall(r"^#?\s*([a-z_]+)\s*=", f.read(), re.M))
            text = self.render(page).stdout
            missing = sorted(key for key in keys if key not in text)
            print(f"{toml}: {len(keys)} keys, missing from {page}: {missing or 'none'}")
            self.assertEqual(missing, [])

    def test_completions_for_bash_zsh_and_fish(self):
        for path in ("bash/bleagent", "zsh/_bleagent", "fish/bleagent.fish", "bash/bleagent-server", "zsh/_bleagent-server",
                     "fish/bleagent-server.fish"):
            with open(os.path.join(self.out, "completions", path), encoding="utf-8") as f:
                text = f.read()
            self.assertIn("consent" if "server" not in path else "init", text, path)
        check = subprocess.run(["bash", "-n", os.path.join(self.out, "completions", "bash", "bleagent")], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stderr)

    def test_the_units_point_to_the_pages(self):
        """Every man: page a unit names is one make-docs.sh builds (`man -w` finds it there)."""
        named = []
        for unit in sorted(os.listdir(os.path.join(REPO, "systemd"))):
            if unit.endswith(".service"):
                with open(os.path.join(REPO, "systemd", unit), encoding="utf-8") as f:
                    named += re.findall(r"\bman:([A-Za-z0-9_.-]+)\(([0-9])\)", f.read())
        self.assertIn(("bleagent", "1"), named)
        self.assertIn(("bleagent.toml", "5"), named)
        for page, section in named:
            found = subprocess.run(["man", "-w", section, page], capture_output=True, text=True,
                                   env=dict(os.environ, MANPATH=os.path.join(self.out, "man")))
            self.assertEqual(found.returncode, 0, f"man:{page}({section}) is not built: {found.stderr}")


if __name__ == "__main__":
    unittest.main()
