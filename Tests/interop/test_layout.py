"""The README's module picture is true: Package.swift and the sources' import lines agree with it."""

import json
import os
import re
import shutil
import subprocess
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SYSTEM = {"Foundation", "FoundationEssentials", "Glibc", "Darwin", "Dispatch", "Synchronization"}
# Modules that come with a declared product rather than being one (ZIPFoundation's zlib).
COMES_WITH = {"CZlib": "ZIPFoundation"}
IMPORT = re.compile(r"^(?:@\w+ |internal |public |private |fileprivate |package )*import (?:\w+ )?(\w+)", re.M)


def picture():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("### Modules and what each may import", 1)[1]
    block = section.split("```json", 1)[1].split("```", 1)[0]
    return {name: set(imports) for name, imports in json.loads(block).items()}


def source_imports(module):
    found = set()
    for directory, _, files in os.walk(os.path.join(ROOT, "Sources", module)):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(directory, name), encoding="utf-8") as f:
                    found |= set(IMPORT.findall(f.read()))
    return found - SYSTEM


class ModulePicture(unittest.TestCase):
    def test_every_swift_module_of_sources_is_in_the_picture(self):
        modules = {name for name in os.listdir(os.path.join(ROOT, "Sources"))
                   if not os.path.exists(os.path.join(ROOT, "Sources", name, "module.modulemap"))}
        self.assertEqual(set(picture()), modules)

    def test_imports_match_the_picture_both_ways(self):
        for module, allowed in picture().items():
            with self.subTest(module=module):
                self.assertEqual(source_imports(module), allowed,
                                 f"{module}: the sources import what the README's picture does not say, or the reverse")

    @unittest.skipUnless(shutil.which("swift"), "needs swift on PATH")
    def test_package_declares_what_the_picture_says(self):
        dump = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                                         capture_output=True, text=True).stdout)
        declared = {}
        for target in dump["targets"]:
            names = set()
            for dependency in target["dependencies"]:
                (_, value), = dependency.items()
                names.add(value[0])
            declared[target["name"]] = names
        for module, allowed in picture().items():
            with self.subTest(module=module):
                expected = {name for name in allowed if name not in COMES_WITH}
                self.assertEqual(declared[module], expected)
                for name in allowed & set(COMES_WITH):
                    self.assertIn(COMES_WITH[name], declared[module])


if __name__ == "__main__":
    unittest.main()
