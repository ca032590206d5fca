"""Issue 18, item 6: Japanese and English. Each verb a person uses runs under LANG=ja_JP.UTF-8 and
LANG=C: Japanese script appears in the one and not the other, the exit code is the same, and what
scripts read (--json, JSON errors) is byte for byte the same. LC_ALL overrides LANG, LC_MESSAGES
comes between them.

The daemon is kept out of reach (the system bus points at a socket that does not exist) except in
DaemonVerbs, which starts `bleagent run` on a private bus, and Notices, where the desktop helper
stands in for the daemon. `register` talks to a stand-in notification server on loopback that
answers each refusal COCOA's server can give."""
import datetime
import http.server
import json
import os
import re
import subprocess
import threading
import unittest

from agenttest import BLEAGENT, ProcessTestCase, WorkdirTestCase, bus_env, run, start_bus, wait_for

# Kana and kanji (and the ideographic punctuation around them).
JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
JA = {"LANG": "ja_JP.UTF-8"}
C = {"LANG": "C"}
# Names the English guidance quotes in Japanese on purpose (the centres' own name, prefectures).
JAPANESE_NAMES = ("受診・相談センター", "東京都")


def locale_env(base, **variables):
    """`base` without any locale variable, then `variables`."""
    env = {k: v for k, v in base.items() if k not in LOCALE_VARIABLES}
    env.update(variables)
    return env


class LocaleTestCase(WorkdirTestCase):
    def setUp(self):
        super().setUp()
        self.env = bus_env("unix:path=" + self.path("no-bus"))

    def cli(self, *args, env=None, **kwargs):
        return run(*args, check=False, env=env or self.env, timeout=120, stdin=kwargs.pop("stdin", subprocess.DEVNULL),
                   encoding="utf-8", **kwargs)

    def both(self, *args, env=None, allowed=(), **kwargs):
        """`args` under ja_JP.UTF-8 and under C: the same exit code, Japanese in the one only. Returns both results."""
        base = env or self.env
        ja = self.cli(*args, env=locale_env(base, **JA), **kwargs)
        en = self.cli(*args, env=locale_env(base, **C), **kwargs)
        shown = " ".join(args)
        self.assertEqual(ja.returncode, en.returncode, f"{shown}: exit {ja.returncode} in Japanese, {en.returncode} in English\n{ja.stderr}{en.stderr}")
        self.assertRegex(ja.stdout + ja.stderr, JAPANESE, f"{shown}: no Japanese under LANG=ja_JP.UTF-8")
        english = en.stdout + en.stderr
        for name in allowed:
            english = english.replace(name, "")
        self.assertNotRegex(english, JAPANESE, f"{shown}: Japanese under LANG=C")
        return ja, en

    def same_json(self, *args, env=None, ignore=(), allowed=(), **kwargs):
        """`args --json` under ja_JP.UTF-8 and C: the same exit code and the same bytes (stdout and stderr),
        apart from the top-level keys in `ignore` (a clock reading). Returns the English result."""
        base = env or self.env
        ja = self.cli(*args, "--json", env=locale_env(base, **JA), **kwargs)
        en = self.cli(*args, "--json", env=locale_env(base, **C), **kwargs)
        self.assertEqual(ja.returncode, en.returncode)
        if ignore:
            strip = lambda text: {k: v for k, v in json.loads(text).items() if k not in ignore}
            self.assertEqual(strip(ja.stdout), strip(en.stdout))
        else:
            self.assertEqual(ja.stdout, en.stdout, " ".join(args))
        self.assertEqual(ja.stderr, en.stderr, " ".join(args))
        stderr = en.stderr
        for name in allowed:
            stderr = stderr.replace(name, "")
        self.assertNotRegex(stderr, JAPANESE)
        return en

    def make_store(self, name="state"):
        state = self.path(name)
        result = self.cli("consent", "--accept", "--yes", "--state-dir", state)
        self.assertEqual(result.returncode, 0, result.stderr)
        return state


class LanguageChoice(LocaleTestCase):
    def test_lc_all_then_lc_messages_then_lang(self):
        missing = self.path("missing")
        cases = [
            ({"LANG": "ja_JP.UTF-8"}, True),
            ({"LANG": "ja_JP"}, True),
            ({"LANG": "C"}, False),
            ({"LANG": "en_US.UTF-8"}, False),
            ({}, False),
            ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, False),
            ({"LC_ALL": "ja_JP.UTF-8", "LANG": "C"}, True),
            ({"LC_ALL": "", "LC_MESSAGES": "ja_JP.UTF-8", "LANG": "C"}, True),
            ({"LC_MESSAGES": "C", "LANG": "ja_JP.UTF-8"}, False),
            ({"LANGUAGE": "ja", "LANG": "C"}, False),
        ]
        for variables, japanese in cases:
            with self.subTest(**variables):
                result = self.cli("exposures", "--state-dir", missing, env=locale_env(self.env, **variables))
                self.assertEqual(result.returncode, 66)
                (self.assertRegex if japanese else self.assertNotRegex)(result.stderr, JAPANESE)


class VerbsWithoutDaemon(LocaleTestCase):
    def test_consent(self):
        ja, en = self.both("consent")
        self.assertIn("同意", ja.stdout)
        self.assertIn("privacy terms", en.stdout)
        self.same_json("consent")
        # Without a terminal and without --yes: refused, in both, with the same code.
        ja, en = self.both("consent", "--accept", "--state-dir", self.path("state"))
        self.assertEqual(en.returncode, 1)
        self.same_json("consent", "--accept", "--state-dir", self.path("state"))
        self.assertFalse(os.path.exists(self.path("state")))
        # Accepting and withdrawing (the daemon down: done on the store itself).
        for variables, name in ((JA, "ja"), (C, "en")):
            state = self.path(f"consent-{name}")
            accepted = self.cli("consent", "--accept", "--yes", "--state-dir", state, env=locale_env(self.env, **variables))
            withdrawn = self.cli("consent", "--withdraw", "--yes", "--state-dir", state, env=locale_env(self.env, **variables))
            self.assertEqual((accepted.returncode, withdrawn.returncode), (0, 0))
            check = self.assertRegex if name == "ja" else self.assertNotRegex
            check(accepted.stdout.splitlines()[-1], JAPANESE)
            check(withdrawn.stdout.splitlines()[-1], JAPANESE)

    def test_status_exposures_keys_own_with_a_store(self):
        state = self.make_store()
        ja, en = self.both("status", "--state-dir", state)
        self.assertEqual(en.returncode, 69)
        self.assertIn("デーモン", ja.stdout)
        self.same_json("status", "--state-dir", state, ignore=("now",))
        ja, en = self.both("exposures", "--state-dir", state)
        self.assertEqual((en.returncode, en.stdout.strip()), (0, "No contact with a person who tested positive in the last 14 days."))
        self.same_json("exposures", "--state-dir", state)
        ja, en = self.both("keys", "own", "--state-dir", state)
        self.assertEqual(en.returncode, 0)
        self.same_json("keys", "own", "--state-dir", state)

    def test_a_missing_store_and_other_common_errors(self):
        missing = self.path("mistyped")
        for verb in (["exposures"], ["keys", "own"], ["status"], ["store", "stats"]):
            with self.subTest(verb=verb):
                ja, en = self.both(*verb, "--state-dir", missing)
                self.assertIn(missing, ja.stdout + ja.stderr)
                self.same_json(*verb, "--state-dir", missing, ignore=("now",) if verb == ["status"] else ())
        # The daemon down, where only the daemon can do it.
        ja, en = self.both("download")
        self.assertEqual(en.returncode, 69)
        # A configuration refused (78), or missing.
        bad = self.path("bad.toml")
        with open(bad, "w") as f:
            f.write("[radio]\nscan_window_seconds = 500\n")
        ja, en = self.both("guidance", "--config", bad)
        self.assertEqual(en.returncode, 78)
        self.assertIn("scan_window_seconds", ja.stderr)
        self.same_json("guidance", "--config", bad)
        ja, en = self.both("register", "--config", self.path("none.toml"), "--symptoms", "yes")
        self.assertEqual(en.returncode, 78)

    def test_forget(self):
        missing = self.path("none")
        ja, en = self.both("forget", "--yes", "--state-dir", missing)
        self.assertEqual(en.returncode, 0)
        self.same_json("forget", "--yes", "--state-dir", missing)
        state = self.make_store()
        ja, en = self.both("forget", "--state-dir", state)   # no terminal, no --yes: refused
        self.assertEqual(en.returncode, 1)
        self.assertTrue(os.path.exists(state))
        ja = self.cli("forget", "--yes", "--state-dir", state, env=locale_env(self.env, **JA))
        self.assertEqual(ja.returncode, 0, ja.stderr)
        self.assertRegex(ja.stdout, JAPANESE)
        state = self.make_store("again")
        en = self.cli("forget", "--yes", "--state-dir", state, env=locale_env(self.env, **C))
        self.assertEqual(en.returncode, 0, en.stderr)
        self.assertNotRegex(en.stdout, JAPANESE)

    def test_guidance(self):
        guidance = os.path.join(os.path.dirname(__file__), "..", "..", "share", "guidance.json")
        for answers in ([], ["--symptoms", "yes"], ["--symptoms", "no", "--close-contact", "yes"], ["--symptoms", "no", "--close-contact", "no"]):
            with self.subTest(answers=answers):
                ja, en = self.both("guidance", "--file", guidance, "--prefecture", "Tokyo", *answers, allowed=JAPANESE_NAMES)
                self.assertIn("mhlw.go.jp", ja.stdout)
                self.assertIn("0120-565653", ja.stdout)   # the national line: no contact of Tokyo's own recorded
                self.same_json("guidance", "--file", guidance, "--prefecture", "Tokyo", *answers)
        ja, en = self.both("guidance", "--file", guidance, "--prefecture", "Atlantis", allowed=JAPANESE_NAMES)
        self.assertEqual(en.returncode, 65)
        self.same_json("guidance", "--file", guidance, "--prefecture", "Atlantis", allowed=JAPANESE_NAMES)
        # A data file without Japanese texts (older, or local) still reads: its English is shown.
        with open(guidance, encoding="utf-8") as f:
            data = json.load(f)
        for question in data["questions"]:
            question.pop("text_ja", None)
        data.pop("advice_ja", None)
        plain = self.path("plain.json")
        with open(plain, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        ja = self.cli("guidance", "--file", plain, "--symptoms", "yes", env=locale_env(self.env, **JA))
        self.assertEqual(ja.returncode, 0, ja.stderr)
        self.assertIn("outpatient clinic", ja.stdout)


class StandInServer(http.server.BaseHTTPRequestHandler):
    """PUT /v3/diagnosis answered as `self.server.answer` says: (status, body or None, headers)."""

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body, headers = self.server.answer
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class DaemonVerbs(ProcessTestCase, LocaleTestCase):
    """With the daemon running (no radio): status, exposures and keys own through it, register
    with its keys against a stand-in server."""

    def setUp(self):
        super().setUp()
        self.state = self.path("state")
        self.bus = start_bus(self.path("bus"), self.procs)
        self.env = bus_env(self.bus, BLEAGENT_JOURNAL_SOCKET=self.path("journal"))
        self.config = self.path("agent.toml")
        with open(self.config, "w") as f:
            f.write(f'[agent]\nstate_directory = "{self.state}"\nrequire_time_sync = false\n')
        self.assertEqual(self.cli("consent", "--accept", "--yes", "--state-dir", self.state).returncode, 0)
        log = self.path("daemon.log")
        with open(log, "w") as err:
            self.spawn([BLEAGENT, "run", "--config", self.config, "--bus-address", self.bus], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=err)
        up = wait_for(lambda: json.loads(self.cli("status", "--json").stdout or "{}").get("daemon_running"), 30)
        if not up:
            with open(log) as f:
                self.fail(f"the daemon did not come up: {f.read()[:3000]}")

    def test_status_exposures_keys_own(self):
        ja, en = self.both("status")
        self.assertIn("同意済み", ja.stdout)
        self.same_json("status", ignore=("now", "radio", "downloads"))
        self.both("exposures")
        self.same_json("exposures")
        ja, en = self.both("keys", "own")
        self.assertIn("日次鍵", ja.stdout)
        self.same_json("keys", "own")

    def test_register_explains_each_refusal_in_both(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandInServer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        register = ["register", "--config", self.config, "--server", url, "--symptoms", "yes", "--onset-date", today,
                    "--processing-number", "12345678", "--consent"]
        refusals = [
            ((406, {"error": "processing_number_unknown", "message": "unknown"}, {}), 3, "保健所"),
            ((406, {"error": "processing_number_expired", "message": "expired"}, {}), 3, "再発行"),
            ((406, {"error": "processing_number_used", "message": "used"}, {}), 3, "1回だけ"),
            ((406, None, {}), 3, "正しくない"),   # COCOA's bare 406
            ((429, {"message": "slow down"}, {"Retry-After": "3600"}), 69, "制限"),
            ((429, {}, {"Retry-After": "inf"}), 69, "制限"),   # a wait no Int holds: said, not a crash
            ((400, {"error": "bad_request", "message": "keys malformed"}, {}), 65, "keys malformed"),
        ]
        for answer, code, phrase in refusals:
            with self.subTest(status=answer[0], body=answer[1]):
                server.answer = answer
                ja, en = self.both(*register)
                self.assertEqual(en.returncode, code, en.stderr)
                self.assertIn(phrase, ja.stderr)
                self.same_json(*register)
        # Input refused before anything is sent.
        ja, en = self.both(*register[:-3], "--processing-number", "1234", "--consent")
        self.assertEqual(en.returncode, 65)
        ja, en = self.both(*[a for a in register if a != "--consent"])
        self.assertEqual(en.returncode, 1)
        # Registered.
        server.answer = (200, {"status": "registered", "keys_accepted": 1, "keys_dropped": 0}, {})
        ja, en = self.both(*register)
        self.assertEqual(en.returncode, 0, en.stderr)
        self.assertIn("登録しました", ja.stdout)
        self.same_json(*register)


class Notices(ProcessTestCase, LocaleTestCase):
    """`bleagent notify --follow` and `exposures` with a day notified: the helper stands in for the
    daemon (GetExposures lists the day), and a notification server for the desktop."""

    def test_notice_and_exposures_in_both(self):
        system = start_bus(self.path("system"), self.procs, "session")
        session = start_bus(self.path("session"), self.procs, "session")
        helper = os.path.join(os.path.dirname(__file__), "helpers", "notifications.py")
        day = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)).date().isoformat()
        env = bus_env(system, DBUS_SESSION_BUS_ADDRESS=session)
        agent = self.spawn(["/usr/bin/python3", helper, "agent", day, "2", "21"], env=env, stdout=subprocess.PIPE, text=True)
        self.assertEqual(agent.stdout.readline().strip(), "ready")
        ja, en = self.both("exposures", env=env)
        self.assertIn("陽性", ja.stdout)
        self.assertIn(day.replace("-", "/"), ja.stdout)
        self.same_json("exposures", env=env)
        out = self.path("notified.jsonl")
        server = self.spawn(["/usr/bin/python3", helper, "server", out], env=env, stdout=subprocess.PIPE, text=True)
        self.assertEqual(server.stdout.readline().strip(), "ready")
        lines = {}
        for name, variables in (("ja", JA), ("en", C)):
            # A state folder of its own each time, so the day is shown again.
            companion_env = locale_env(dict(env, XDG_STATE_HOME=self.path(f"xdg-{name}")), **variables)
            companion = self.spawn([BLEAGENT, "notify", "--follow"], env=companion_env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, encoding="utf-8")
            lines[name] = [companion.stdout.readline(), companion.stdout.readline()]
            companion.kill()
            companion.wait()
        def calls():
            if not os.path.exists(out):
                return []
            with open(out, encoding="utf-8") as f:
                return [json.loads(line) for line in f]
        self.assertTrue(wait_for(lambda: len(calls()) == 2, 10), calls())
        calls = calls()
        self.assertRegex(calls[0]["summary"] + calls[0]["body"], JAPANESE)
        self.assertNotRegex(calls[1]["summary"] + calls[1]["body"], JAPANESE)
        self.assertTrue(all(day in call["body"] for call in calls))
        self.assertRegex("".join(lines["ja"]), JAPANESE)
        self.assertNotRegex("".join(lines["en"]), JAPANESE)
        # The notice the companion prints is the same in --json whatever the language.
        self.assertIn(day, lines["en"][1])
        agent.kill()


if __name__ == "__main__":
    unittest.main()
