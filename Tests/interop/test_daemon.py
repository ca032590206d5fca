"""The daemon end to end, without radios: a real dbus-daemon, a real HTTP key server on loopback in
COCOA's list.json layout, sightings imported into the real contact store, and the systemd manager's
side played by this test (NOTIFY_SOCKET, a journal socket). Radio behaviour is tested on the real
stack (scripts/realstack-test.sh)."""
import http.server
import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
import unittest

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gaen_crypto
import gaen_export
from agenttest import BLEAGENT, ProcessTestCase, WorkdirTestCase, bus_env, key_source_toml, run, start_bus, wait_for

MESSAGE_ID = "3f9a0c2b6e7d4b1a9c5e8f2d7a6b4c13"


class DaemonEndToEnd(ProcessTestCase):
    def setUp(self):
        super().setUp()
        self.bus = start_bus(self.path("bus"), self.procs)
        self.env = bus_env(self.bus)
        # The key server.
        self.www = os.path.join(self.dir, "www")
        os.makedirs(os.path.join(self.www, "c19r", "440"))
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=self.www, **k)
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        super().tearDown()

    def cli(self, *args, check=True):
        return run(*args, check=check, env=self.env, timeout=120)

    def start_daemon(self, config, journal, notify):
        env = dict(self.env, BLEAGENT_JOURNAL_SOCKET=journal, NOTIFY_SOCKET=notify, WATCHDOG_USEC="1000000")
        return self.spawn([BLEAGENT, "run", "--config", config, "--bus-address", self.bus], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def prepare(self, decoys=0):
        """A consented store holding 20 minutes with a key's RPIs; the key, signed, on the key server
        (after `decoys` files of random keys); the daemon's configuration. Returns (state, config, hook_out, start)."""
        state = os.path.join(self.dir, "state")
        rng = random.Random(7)
        tek = bytes(rng.getrandbits(8) for _ in range(16))
        now = int(time.time())
        day = now // 86400
        # 20 minutes, 2 hours ago (or early today), at 50 dB attenuation (TX 8 dBm, RSSI −42).
        start = max(day * 86400 + 60, now - 7200)
        lines = []
        for scan in range(10):
            t = start + scan * 120
            r = gaen_crypto.rpi(tek, t // 600)
            lines.append({"time": t, "rpi": r.hex(), "aem": gaen_crypto.aem(tek, r, bytes([0x40, 8, 0, 0])).hex(), "rssi": -42,
                          "seconds_since_last_scan": 120})
        with open(os.path.join(self.dir, "sightings.jsonl"), "w") as f:
            f.write("\n".join(json.dumps(line) for line in lines) + "\n")
        self.cli("consent", "--accept", "--yes", "--state-dir", state)
        imported = json.loads(self.cli("store", "import", os.path.join(self.dir, "sightings.jsonl"), "--state-dir", state, "--json").stdout)
        self.assertEqual(imported["stored"], 10)

        key = ec.generate_private_key(ec.SECP256R1())
        with open(os.path.join(self.dir, "public.pem"), "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        published = [{"key_data": tek.hex(), "rolling_start_interval_number": day * 144, "rolling_period": 144, "transmission_risk_level": 0}]
        zipped = gaen_export.write_signed_zip({"start_timestamp": day * 86400, "end_timestamp": (day + 1) * 86400, "region": "440",
                                              "batch_num": 1, "batch_size": 1}, published, [], key, "440", "v1")
        entries = []
        for number in range(1, decoys + 1):
            noise = [{"key_data": bytes(rng.getrandbits(8) for _ in range(16)).hex(), "rolling_start_interval_number": (day - number % 7) * 144,
                      "rolling_period": 144} for _ in range(20000)]
            with open(os.path.join(self.www, "c19r", "440", f"{number}.zip"), "wb") as f:
                f.write(gaen_export.write_signed_zip({"start_timestamp": (day - 7) * 86400, "end_timestamp": (day + 1) * 86400, "region": "440",
                                                      "batch_num": 1, "batch_size": 1}, noise, [], key, "440", "v1"))
            entries.append({"region": 440, "url": f"{self.base}/c19r/440/{number}.zip", "created": (now - 100 + number) * 1000})
        with open(os.path.join(self.www, "c19r", "440", f"{decoys + 1}.zip"), "wb") as f:
            f.write(zipped)
        entries.append({"region": 440, "url": f"{self.base}/c19r/440/{decoys + 1}.zip", "created": now * 1000})
        with open(os.path.join(self.www, "c19r", "440", "list.json"), "w") as f:
            json.dump(entries, f)
        hook_out = os.path.join(self.dir, "hook.txt")
        config = os.path.join(self.dir, "bleagent.toml")
        with open(config, "w") as f:
            f.write(f"""[agent]
state_directory = "{state}"
require_time_sync = false
[keys]
download_interval_hours = 4
{key_source_toml("cocoa", self.base, f"{self.dir}/public.pem")}[notify]
hook = "echo $BLEAGENT_DATE $BLEAGENT_MINUTES >> {hook_out}"
""")
        return state, config, hook_out, start

    def test_download_match_notify_once_restart_and_withdraw(self):
        state, config, hook_out, start = self.prepare()
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        daemon = self.start_daemon(config, journal.path, notify.path)
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "no READY=1")
        # A contact day is stored (and marked notified) a moment before its notice goes out: wait for the mark.
        listed = lambda: json.loads(self.cli("exposures", "--json").stdout)
        exposures = wait_for(lambda: (lambda e: e if e and all(x["notified"] for x in e) else None)(listed()))
        today = time.strftime("%Y-%m-%d", time.gmtime(start))
        self.assertEqual(exposures, [{"date": today, "contacts": 1, "minutes": 20, "notified": True}])
        notices = lambda: [m for m in journal.messages if f"MESSAGE_ID={MESSAGE_ID}" in m]
        self.assertTrue(wait_for(lambda: len(notices()) == 1, 10))
        # The journal outlives the 14 days and more accounts read it: it says a notice exists, not when.
        self.assertNotIn(today, notices()[0])
        self.assertNotIn("BLEAGENT_DATE", notices()[0])
        self.assertIn("bleagent exposures", notices()[0])
        self.assertTrue(wait_for(lambda: os.path.exists(hook_out), 10))
        with open(hook_out) as f:
            self.assertEqual(f.read().split(), [today, "20"])
        # The round ends (files counted, download state saved) a moment after the notice: wait for it.
        status_now = lambda: json.loads(self.cli("status", "--json", check=False).stdout)
        status = wait_for(lambda: (lambda st: st if st["downloads"].get("last_at") else None)(status_now()), 30)
        self.assertTrue(status["consent"]["accepted"])
        self.assertEqual(status["downloads"]["files_processed"], 1)
        self.assertEqual(status["contact_days"], 1)
        self.assertTrue(wait_for(lambda: any("WATCHDOG=1" in m for m in notify.messages), 10), "no WATCHDOG=1")
        self.assertTrue(any(m.startswith("STATUS=") or "\nSTATUS=" in m for m in notify.messages))

        # The daemon's own keys (GetOwnKeys): today's, made at consent, already on air; none from the future.
        own = json.loads(self.cli("keys", "own", "--json").stdout)
        self.assertTrue(own and all(len(k["key_data"]) == 32 and k["rolling_start_interval_number"] * 600 <= time.time() for k in own), own)
        # An explicit download finds nothing new and notifies nothing again.
        again = json.loads(self.cli("download", "--json").stdout)
        self.assertEqual((again["files"], again["new_contact_days"], again["errors"]), (0, [], []))

        # kill -9 and restart: nothing is notified twice, nothing is lost.
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
        daemon = self.start_daemon(config, journal.path, notify.path)
        self.assertTrue(wait_for(lambda: (json.loads(self.cli("status", "--json", check=False).stdout or "{}").get("downloads") or {}).get("last_at"), 30))
        time.sleep(1)
        self.assertEqual(len(notices()), 1, "notified the same day twice")
        self.assertEqual(json.loads(self.cli("exposures", "--json").stdout)[0]["date"], today)

        # `forget` with the daemon running: the daemon deletes everything, the pending registration
        # (a processing number) too; no contact date is left in the state folder or the journal.
        pending = os.path.join(state, "registration-pending.json")
        with open(pending, "w") as f:
            json.dump({"processing_number": "12345678", "idempotency_key": "k", "created_at": time.time()}, f)
        forgotten = self.cli("forget", "--yes")
        self.assertIn("the daemon deleted every record", forgotten.stdout)
        self.assertEqual(json.loads(self.cli("exposures", "--json").stdout), [])
        self.assertFalse(os.path.exists(pending), "the processing number survived forget")
        date_forms = [today, today.replace("-", "/"), today.replace("-", "")]
        def holds_date(path):
            with open(path, "rb") as f:
                data = f.read()
            return any(form.encode() in data for form in date_forms)
        held = [name for root, _, files in os.walk(state) for name in files if holds_date(os.path.join(root, name))]
        logged = [m for m in journal.messages if any(form in m for form in date_forms)]
        print(f"after forget: {len(held)} files and {len(logged)} journal entries hold the contact date")
        self.assertEqual((held, logged), ([], []))
        # Withdrawing consent is the same wipe.
        self.cli("consent", "--withdraw", "--yes")
        self.assertEqual(json.loads(self.cli("exposures", "--json").stdout), [])
        status = json.loads(self.cli("status", "--json", check=False).stdout)
        self.assertFalse(status["consent"]["accepted"])
        daemon.send_signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(timeout=30), 0)
        self.assertIn("bleagent demo", daemon.stderr.read())
        # The daemon is down: `keys own` reads the store itself (the daemon's wipe left a fresh one without keys), `download` needs the daemon.
        self.assertEqual(json.loads(self.cli("keys", "own", "--json", "--state-dir", state).stdout), [])
        self.assertEqual(self.cli("download", check=False).returncode, 69)

    def test_kill_9_at_any_moment_loses_nothing_and_never_notifies_twice(self):
        """SIGKILL at random moments while the daemon starts, downloads 4 files (60,000 keys) and matches;
        then a clean run: the day is there once with its exact minutes, the files are processed once,
        and no day was notified twice."""
        state, config, hook_out, start = self.prepare(decoys=3)
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        rng = random.Random(11)
        kills = 0
        for _ in range(12):
            daemon = self.start_daemon(config, journal.path, notify.path)
            time.sleep(rng.uniform(0.2, 2.5))
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            kills += 1
        daemon = self.start_daemon(config, journal.path, notify.path)
        listed = lambda: json.loads(self.cli("exposures", "--json", check=False).stdout or "[]")
        exposures = wait_for(lambda: (lambda e: e if e and all(x["notified"] for x in e) else None)(listed()))
        today = time.strftime("%Y-%m-%d", time.gmtime(start))
        self.assertEqual(exposures, [{"date": today, "contacts": 1, "minutes": 20, "notified": True}], f"after {kills} kills")
        status = json.loads(self.cli("status", "--json", check=False).stdout)
        self.assertTrue(wait_for(lambda: json.loads(self.cli("status", "--json", check=False).stdout)["downloads"].get("last_at"), 30))
        again = json.loads(self.cli("download", "--json").stdout)
        self.assertEqual(again["files"], 0, "a file processed before a kill was fetched again after the restart")
        notices = [m for m in journal.messages if f"MESSAGE_ID={MESSAGE_ID}" in m]
        self.assertLessEqual(len(notices), 1, "the same day was notified twice")
        daemon.send_signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(timeout=30), 0)

    def test_a_refused_file_is_reported_and_fetched_again_until_it_verifies(self):
        """A file whose signature does not verify is not used, shows in status, and does not move the
        download position: once the key server serves it signed right, the next round matches it."""
        state, config, hook_out, start = self.prepare()
        good = os.path.join(self.www, "c19r", "440", "1.zip")
        with open(good, "rb") as f:
            signed = f.read()
        forger = ec.generate_private_key(ec.SECP256R1())
        day = start // 86400
        with open(good, "wb") as f:
            f.write(gaen_export.write_signed_zip({"start_timestamp": day * 86400, "end_timestamp": (day + 1) * 86400, "region": "440",
                                                  "batch_num": 1, "batch_size": 1},
                                                 [{"key_data": os.urandom(16).hex(), "rolling_start_interval_number": day * 144, "rolling_period": 144}],
                                                 [], forger, "440", "v1"))
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        self.start_daemon(config, journal.path, notify.path)
        status_now = lambda: json.loads(self.cli("status", "--json", check=False).stdout or "{}")
        status = wait_for(lambda: (lambda st: st if (st.get("downloads") or {}).get("last_at") else None)(status_now()), 30)
        self.assertIn("refused", status["downloads"].get("last_error") or "", status)
        self.assertIn("signature", status["downloads"].get("last_error", ""), status)
        self.assertEqual(status["downloads"]["files_processed"], 0)
        self.assertEqual(json.loads(self.cli("exposures", "--json").stdout), [])
        # The key server mends the file: the next round fetches it again and matches it.
        with open(good, "wb") as f:
            f.write(signed)
        report = json.loads(self.cli("download", "--json").stdout)
        today = time.strftime("%Y-%m-%d", time.gmtime(start))
        self.assertEqual((report["files"], report["new_contact_days"], report["errors"]), (1, [today], []), report)
        self.assertIsNone(status_now()["downloads"].get("last_error"))

    @unittest.skipUnless(shutil.which("bluezoo"), "bluezoo (pip install bluezoo) is not installed")
    def test_nothing_is_advertised_scanned_or_stored_before_consent(self):
        """Against bluezoo (a BlueZ mock) on the daemon's bus: no advertisement registered and no
        discovery before consent; both once consent is given over D-Bus; none after it is withdrawn."""
        self.spawn(["bluezoo", "--auto-enable", "-q", "-a", "00:11:22:33:44:55"], env=self.env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def prop(interface, name):
            result = subprocess.run(["dbus-send", f"--bus={self.bus}", "--print-reply", "--dest=org.bluez", "/org/bluez/hci0",
                                     "org.freedesktop.DBus.Properties.Get", f"string:{interface}", f"string:{name}"],
                                    capture_output=True, text=True, timeout=10)
            return result.stdout.split()[-1] if result.returncode == 0 and result.stdout.split() else None

        self.assertTrue(wait_for(lambda: prop("org.bluez.Adapter1", "Powered") == "true", 30), "bluezoo offered no powered adapter")
        state = os.path.join(self.dir, "state")
        config = os.path.join(self.dir, "bleagent.toml")
        with open(config, "w") as f:
            f.write(f'[agent]\nstate_directory = "{state}"\nrequire_time_sync = false\n[radio]\nscan_window_seconds = 2\nscan_period_seconds = 10\n')
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        self.start_daemon(config, journal.path, notify.path)
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "no READY=1")
        deadline = time.time() + 12   # more than a scan period
        while time.time() < deadline:
            self.assertEqual(prop("org.bluez.LEAdvertisingManager1", "ActiveInstances"), "0", "advertised before consent")
            self.assertEqual(prop("org.bluez.Adapter1", "Discovering"), "false", "scanned before consent")
            time.sleep(0.5)
        self.assertEqual(json.loads(self.cli("keys", "own", "--json").stdout), [], "a key was made before consent")
        self.cli("consent", "--accept", "--yes")
        self.assertTrue(wait_for(lambda: prop("org.bluez.LEAdvertisingManager1", "ActiveInstances") == "1", 20), "no advert after consent")
        self.assertTrue(wait_for(lambda: prop("org.bluez.Adapter1", "Discovering") == "true", 20), "no scan after consent")
        self.cli("consent", "--withdraw", "--yes")
        self.assertTrue(wait_for(lambda: prop("org.bluez.LEAdvertisingManager1", "ActiveInstances") == "0", 10),
                        "still advertising after consent was withdrawn")
        self.assertTrue(wait_for(lambda: prop("org.bluez.Adapter1", "Discovering") == "false", 10), "still scanning after consent was withdrawn")

    def test_bad_configuration_names_the_key_and_does_not_start(self):
        config = os.path.join(self.dir, "bad.toml")
        with open(config, "w") as f:
            f.write("[radio]\nscan_window_seconds = \"long\"\n")
        result = run("run", "--config", config, "--bus-address", self.bus, check=False, timeout=30)
        self.assertEqual(result.returncode, 78)
        self.assertIn("[radio] scan_window_seconds", result.stderr)

    def test_a_trickling_key_server_ends_the_round_within_its_limit(self):
        """A key server that sends a file's headers and then a byte a second (or nothing): the round
        gives up on that file at [keys] file_timeout_seconds and says which file stalled."""
        class Trickle(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    for _ in range(60):
                        self.wfile.write(b"P")
                        self.wfile.flush()
                        time.sleep(1)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        trickle = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
        trickle.daemon_threads = True
        threading.Thread(target=trickle.serve_forever, daemon=True).start()
        self.addCleanup(trickle.server_close)
        self.addCleanup(trickle.shutdown)
        stalled_url = f"http://127.0.0.1:{trickle.server_address[1]}/c19r/440/1.zip"
        with open(os.path.join(self.www, "c19r", "440", "list.json"), "w") as f:
            json.dump([{"region": 440, "url": stalled_url, "created": int(time.time()) * 1000}], f)
        config = os.path.join(self.dir, "bleagent.toml")
        with open(config, "w") as f:
            f.write(f"""[agent]
state_directory = "{os.path.join(self.dir, "state")}"
require_time_sync = false
[keys]
allow_unverified_files = true
file_timeout_seconds = 3
round_timeout_seconds = 30
[[keys.source]]
name = "trickle"
base = "{self.base}"
region = "440"
""")
        self.cli("consent", "--accept", "--yes", "--state-dir", os.path.join(self.dir, "state"))
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        self.start_daemon(config, journal.path, notify.path)
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "no READY=1")
        started = time.monotonic()
        result = self.cli("download", "--json", check=False)
        took = time.monotonic() - started
        self.assertEqual(result.returncode, 1, result.stderr)   # the round had errors
        report = json.loads(result.stdout)
        print(f"a round against a trickling server ended after {took:.1f} s (file limit 3 s): {report['errors']}")
        self.assertLess(took, 12)
        self.assertEqual(report["files"], 0)
        self.assertTrue(any(stalled_url in e and "stalled" in e for e in report["errors"]), report["errors"])

    def test_losing_the_bus_ends_the_daemon_with_a_clear_message(self):
        """Without its bus the daemon has no radio and no API: it must not run on (petting the
        watchdog) but exit with an error, so that systemd starts it again on a fresh connection."""
        config = os.path.join(self.dir, "bleagent.toml")
        with open(config, "w") as f:
            f.write(f'[agent]\nstate_directory = "{os.path.join(self.dir, "state")}"\nrequire_time_sync = false\n')
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        daemon = self.start_daemon(config, journal.path, notify.path)
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "no READY=1")
        bus_daemon = self.procs[0]
        bus_daemon.kill()
        bus_daemon.wait()
        lost_at = time.monotonic()
        try:
            _, stderr = daemon.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("the daemon kept running for 20 s without its bus")
        print(f"daemon exited {time.monotonic() - lost_at:.1f} s after its bus went away, status {daemon.returncode}")
        self.assertEqual(daemon.returncode, 1)
        self.assertIn("lost the D-Bus connection", stderr)

    def test_status_without_a_daemon(self):
        result = self.cli("status", "--state-dir", os.path.join(self.dir, "none"), check=False)
        self.assertEqual(result.returncode, 69)   # unavailable, as in every verb (it used to be 1)
        self.assertIn("not running", result.stdout)
        self.assertIn("no contact store in", result.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "none")))


class Demo(WorkdirTestCase):
    def test_demo_without_the_harness_says_how_to_get_it(self):
        if any(os.path.exists(f"{d}/share/bleagent/realstack/run-vm.sh") for d in ("/usr/local", "/usr")):
            self.skipTest("the harness is installed on this machine (scripts/setup.sh ran here)")
        env = dict(os.environ, BLEAGENT_HARNESS=self.path("none"))
        result = run("demo", check=False, cwd=self.dir, env=env, timeout=60)
        self.assertEqual(result.returncode, 69)
        self.assertIn("scripts/setup.sh", result.stderr)


def days_ago(days):
    """The UTC date `days` before today, as the daemon names days (contact notices are accepted for
    the last 14 days only, so the tests' dates follow the calendar)."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - days * 86400))


class DesktopCompanion(ProcessTestCase):
    """`bleagent notify --follow` turns the daemon's ContactDay signal into a desktop notification."""

    def buses_and_notification_server(self):
        """A system and a session bus, a stand-in notification server on the session bus; returns
        (environment, the helper script, the file the server appends Notify calls to)."""
        system = start_bus(self.path("system"), self.procs, "session")
        session = start_bus(self.path("session"), self.procs, "session")
        env = bus_env(system, DBUS_SESSION_BUS_ADDRESS=session, XDG_STATE_HOME=self.path("state"))
        helper = os.path.join(os.path.dirname(__file__), "helpers", "notifications.py")
        out = self.path("notified.jsonl")
        server = self.spawn(["/usr/bin/python3", helper, "server", out], env=env, stdout=subprocess.PIPE, text=True)
        self.assertEqual(server.stdout.readline().strip(), "ready")
        return env, helper, out

    def test_contact_day_becomes_a_desktop_notification(self):
        env, helper, out = self.buses_and_notification_server()
        companion = self.spawn([BLEAGENT, "notify", "--follow"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertIn("Listening", companion.stdout.readline())
        subprocess.run(["/usr/bin/python3", helper, "emit", days_ago(2), "2", "21"], env=env, check=True, timeout=30)
        wait_for(lambda: os.path.exists(out), 10, 0.1)
        with open(out) as f:
            calls = [json.loads(line) for line in f]
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["app"], "bleagent")
        self.assertIn(days_ago(2), calls[0]["body"])
        self.assertIn("21 minutes", calls[0]["body"])

    def test_a_notice_sent_while_the_companion_was_away_is_shown_when_it_starts_and_none_twice(self):
        env, helper, out = self.buses_and_notification_server()
        # The daemon notified a day two days ago before the companion ran.
        agent = self.spawn(["/usr/bin/python3", helper, "agent", days_ago(2), "2", "21"], env=env, stdout=subprocess.PIPE, text=True)
        self.assertEqual(agent.stdout.readline().strip(), "ready")

        def calls():
            if not os.path.exists(out):
                return []
            with open(out) as f:
                return [json.loads(line) for line in f]

        def companion():
            process = self.spawn([BLEAGENT, "notify", "--follow"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertIn("Listening", process.stdout.readline())
            return process

        first = companion()
        self.assertTrue(wait_for(lambda: len(calls()) == 1, 10), calls())
        self.assertIn(days_ago(2), calls()[0]["body"])
        # The same day signalled again and a new one: only the new one is shown.
        agent.send_signal(signal.SIGUSR1)
        self.assertTrue(wait_for(lambda: len(calls()) == 2, 10), calls())
        time.sleep(1)
        self.assertEqual([(days_ago(2) in c["body"], days_ago(1) in c["body"]) for c in calls()], [(True, False), (False, True)])
        # A restarted companion shows nothing again.
        first.kill()
        first.wait()
        second = companion()
        time.sleep(2)
        self.assertEqual(len(calls()), 2)
        # The daemon forgets everything (consent withdrawn, `bleagent forget`): so does the companion.
        shown = self.path("state/bleagent/notices-shown")
        self.assertTrue(os.path.exists(shown))
        agent.send_signal(signal.SIGUSR2)
        self.assertTrue(wait_for(lambda: not os.path.exists(shown), 10), "the companion kept the dates it showed")
        held = [line for root, _, files in os.walk(self.path("state")) for name in files for line in open(os.path.join(root, name))]
        print(f"after Forgotten the companion's state holds {len(held)} lines")
        self.assertFalse([line for line in held if days_ago(2) in line or days_ago(1) in line])
        second.terminate()


if __name__ == "__main__":
    unittest.main()
