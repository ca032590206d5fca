"""Positive registration end to end over loopback, with the real `bleagent-server` process (SQLite,
and PostgreSQL too when $BLEAGENT_TEST_POSTGRES is set: CI sets it): a health centre issues a
processing number, agent A registers its daemon's own keys with `bleagent register`, the export
worker signs them into a file (run "tomorrow": keys still valid today are embargoed until 2 h
after their day), and agent B's daemon downloads the list, verifies the file and matches it.
Files are also read by an independent parser (Python protobuf + cryptography)."""
import base64
import json
import os
import random
import signal
import socket
import subprocess
import time
import unittest
import urllib.request
import uuid
import zipfile

import gaen_crypto
import gaen_export
from agenttest import BLEAGENT, SERVER, ProcessTestCase, bus_env, key_source_toml, run, run_json, start_bus, wait_for

TOMORROW = 26 * 3600  # the export runs this much later: after today's keys end + their 2 h embargo


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start_server(case, config):
    """`bleagent-server init` (once: it keeps what exists) and `serve --config CONFIG`, one of `case`'s
    processes, up (it said it listens)."""
    subprocess.run([SERVER, "init", "--config", config], check=True, capture_output=True)
    server = case.spawn([SERVER, "serve", "--config", config], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    case.assertTrue(line.startswith("listening on"), f"server did not start: {line} {server.stderr.read() if server.poll() is not None else ''}")
    return server


class ServerTestCase(ProcessTestCase):
    database = None  # None: SQLite; a postgres:// URL for the PostgreSQL variant

    def setUp(self):
        super().setUp()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data = os.path.join(self.dir, "server")
        self.config = self.server_config("server.toml")
        self.tomorrow = self.server_config("tomorrow.toml", clock=f"offset={TOMORROW}")
        self.server = start_server(self, self.config)
        with open(os.path.join(self.data, "admin-token")) as f:
            self.token = f.read().strip()

    def server_config(self, name, clock=None):
        path = os.path.join(self.dir, name)
        database = self.database
        if database:
            # A database of its own per test.
            db = "bleagent_e2e_" + uuid.uuid4().hex
            subprocess.run(["psql", database, "-q", "-c", f"CREATE DATABASE {db}"], check=True, capture_output=True) if name == "server.toml" else None
            self.pg = getattr(self, "pg", None) or database.rsplit("/", 1)[0] + "/" + db
            database = self.pg
        with open(path, "w") as f:
            f.write(f"""[server]
listen = "127.0.0.1:{self.port}"
data_directory = "{self.data}"
{f'clock = "{clock}"' if clock else ''}
[database]
url = "{database or 'sqlite'}"
[export]
minimum_keys = 20
# A killed export pass holds the lease this long.
lease_seconds = 5
[registration]
attempts_per_client_per_hour = 1000
""")
        return path

    def issue(self):
        status, body = http("POST", f"{self.base}/v1/admin/cases", headers={"Authorization": f"Bearer {self.token}"})
        self.assertEqual(status, 201, body)
        return json.loads(body)

    def cli(self, env, *args, check=True):
        return run(*args, check=check, env=env, timeout=120, stdin=subprocess.DEVNULL)

    def agent(self, name, extra="", clock=None):
        """A consented agent with its own bus and daemon (no radio: keys are still made at consent);
        `clock` as in [agent] clock (an agent living "tomorrow" with the server that exports then)."""
        state = os.path.join(self.dir, name)
        bus = start_bus(self.path(f"bus-{name}"), self.procs)
        env = bus_env(bus, BLEAGENT_JOURNAL_SOCKET=self.path(f"journal-{name}"))
        config = os.path.join(self.dir, f"{name}.toml")
        with open(config, "w") as f:
            f.write(f"""[agent]
state_directory = "{state}"
require_time_sync = false
{f'clock = "{clock}"' if clock else ''}
[registration]
server = "{self.base}"
region = "440"
{extra}""")
        self.cli(env, "consent", "--accept", "--yes", "--state-dir", state)
        log = os.path.join(self.dir, f"daemon-{name}.log")
        daemon = self.spawn([BLEAGENT, "run", "--config", config, "--bus-address", bus], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        # Up when it answers on the bus (until then the CLI would read the store itself).
        up = wait_for(lambda: "consent" in json.loads(self.cli(env, "status", "--json", check=False).stdout or "{}"), 30)
        if not up:
            daemon.kill()
            self.fail(f"agent {name}'s daemon did not come up: {open(log).read()[:3000]}")
        return state, config, env

    def published(self):
        """{key hex: count} over every file list.json names, each verified by the independent parser."""
        status, body = http("GET", f"{self.base}/c19r/440/list.json")
        self.assertEqual(status, 200)
        with open(os.path.join(self.data, "signing-key.pub.pem"), "rb") as f:
            public = f.read()
        counts, entries = {}, json.loads(body)
        for entry in entries:
            status, zipped = http("GET", entry["url"])
            self.assertEqual(status, 200, entry["url"])
            bin_, sig = gaen_export.read_zip(zipped)
            signature = gaen_export.parse_signatures(sig).signatures[0]
            self.assertTrue(gaen_export.verify(bin_, signature.signature, public), "signature does not verify")
            self.assertEqual((signature.signature_info.verification_key_id, signature.signature_info.verification_key_version), ("440", "v1"))
            export = gaen_export.parse_export(bin_)
            self.assertEqual(export.region, "440")
            self.assertGreaterEqual(len(export.keys), 20)   # padded
            for key in export.keys:
                counts[key.key_data.hex()] = counts.get(key.key_data.hex(), 0) + 1
        return counts, entries


class RegistrationEndToEnd(ServerTestCase):
    def test_register_export_download_and_match(self):
        state_a, config_a, env_a = self.agent("A")
        own = wait_for(lambda: json.loads(self.cli(env_a, "keys", "own", "--json").stdout or "[]"), 30)
        self.assertTrue(own, "agent A has no keys")
        today = time.strftime("%Y-%m-%d", time.gmtime())
        register = ["register", "--config", config_a, "--state-dir", state_a, "--symptoms", "yes", "--onset-date", today, "--consent"]

        # A wrong number: refused with what to do, exit code 3, nothing stored.
        wrong = self.cli(env_a, *register, "--processing-number", "00000000", check=False)
        self.assertEqual(wrong.returncode, 3, wrong.stderr)
        self.assertIn("does not know this processing number", wrong.stderr)
        # No consent and no terminal: nothing sent.
        issued = self.issue()
        unasked = self.cli(env_a, *[a for a in register if a != "--consent"], "--processing-number", issued["processing_number"], check=False)
        self.assertEqual(unasked.returncode, 1)
        self.assertIn("consent", unasked.stderr)

        done = self.cli(env_a, *register, "--processing-number", issued["processing_number"], "--json")
        result = json.loads(done.stdout)
        self.assertEqual((result["status"], result["keys_accepted"]), ("registered", len(own)))
        # The same number again: used (exit 3), with the explanation.
        again = self.cli(env_a, *register, "--processing-number", issued["processing_number"], check=False)
        self.assertEqual(again.returncode, 3)
        self.assertIn("already used", again.stderr)

        # Today's keys are embargoed: an export now publishes nothing.
        now = run_json("export", "--config", self.config, binary=SERVER)
        self.assertEqual(now["files_written"], 0)
        later = run_json("export", "--config", self.tomorrow, binary=SERVER)
        self.assertEqual((later["files_written"], later["keys_published"]), (1, len(own)))
        counts, entries = self.published()
        self.assertEqual({k["key_data"]: counts.get(k["key_data"]) for k in own}, {k["key_data"]: 1 for k in own})
        # The agent's own reader: the published file verifies against the server's key; a flipped bit does not.
        status, zipped = http("GET", entries[0]["url"])
        good, bad = os.path.join(self.dir, "good.zip"), os.path.join(self.dir, "tampered.zip")
        with open(good, "wb") as f:
            f.write(zipped)
        bin_, sig = gaen_export.read_zip(zipped)
        flipped = bytearray(bin_)
        flipped[-5] ^= 0x01
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr("export.bin", bytes(flipped))
            z.writestr("export.sig", sig)
        trusted = f"440:v1={self.data}/signing-key.pub.pem"
        self.assertEqual(self.cli(env_a, "keys", "inspect", good, "--public-key", trusted, check=False).returncode, 0)
        tampered = self.cli(env_a, "keys", "inspect", bad, "--public-key", trusted, check=False)
        self.assertEqual(tampered.returncode, 3, tampered.stdout + tampered.stderr)

        # Agent B met A for 20 minutes (sightings of A's RPIs at 50 dB), downloads, verifies, matches.
        tek = bytes.fromhex(own[-1]["key_data"])
        start = own[-1]["rolling_start_interval_number"] * 600 + 60
        lines = []
        for scan in range(10):
            t = min(start + scan * 120, int(time.time()) - 60)
            r = gaen_crypto.rpi(tek, t // 600)
            lines.append({"time": t, "rpi": r.hex(), "aem": gaen_crypto.aem(tek, r, bytes([0x40, 8, 0, 0])).hex(), "rssi": -42,
                          "seconds_since_last_scan": 120})
        state_b = os.path.join(self.dir, "B")
        sightings = os.path.join(self.dir, "sightings-b.jsonl")
        with open(sightings, "w") as f:
            f.write("\n".join(json.dumps(line) for line in lines) + "\n")
        env_plain = dict(os.environ, BLEAGENT_BUS_ADDRESS="unix:path=/nonexistent")
        self.cli(env_plain, "consent", "--accept", "--yes", "--state-dir", state_b)
        self.cli(env_plain, "store", "import", sightings, "--state-dir", state_b)
        # B downloads when the file is published ("tomorrow"): an index listing files created more than a
        # day after the agent's now is refused (a file "from the future" would hold its position there).
        _, _, env_b = self.agent("B", key_source_toml("test server", self.base, f"{self.data}/signing-key.pub.pem"),
                                 clock=f"offset={TOMORROW}")
        exposures = wait_for(lambda: json.loads(self.cli(env_b, "exposures", "--json").stdout), 60)
        self.assertEqual(len(exposures), 1, exposures)
        self.assertEqual(exposures[0]["contacts"], 1)

    def test_a_lost_reply_is_retried_with_the_same_idempotency_key_and_stored_once(self):
        issued = self.issue()
        day = int(time.time()) // 86400
        keys = [{"keyData": base64.b64encode(os.urandom(16)).decode(), "rollingStartNumber": (day - d) * 144, "rollingPeriod": 144, "reportType": 1}
                for d in range(3)]
        request = {"hasSymptom": False, "onsetOfSymptomOrTestDate": time.strftime("%Y-%m-%dT00:00:00.000+09:00", time.gmtime()),
                   "keys": keys, "regions": ["440"], "platform": "linux", "deviceVerificationPayload": "", "appPackageName": "test",
                   "verificationPayload": issued["processing_number"], "idempotency_key": str(uuid.uuid4()),
                   "padding": base64.b64encode(os.urandom(1000)).decode()}
        body = json.dumps(request).encode()
        first = http("PUT", f"{self.base}/v3/diagnosis", body, {"Content-Type": "application/json"})
        replay = http("PUT", f"{self.base}/v3/diagnosis", body, {"Content-Type": "application/json"})
        self.assertEqual((first[0], replay[0]), (200, 200))
        self.assertEqual(json.loads(replay[1])["status"], "registered")
        request["idempotency_key"] = str(uuid.uuid4())
        other = http("PUT", f"{self.base}/v3/diagnosis", json.dumps(request).encode(), {"Content-Type": "application/json"})
        self.assertEqual((other[0], json.loads(other[1])["error"]), (406, "processing_number_used"))
        status = run_json("status", "--config", self.config, binary=SERVER)
        self.assertEqual(status["pending_keys"], 3)

    def test_an_expired_number_is_explained_and_a_reissued_one_works(self):
        earlier = self.server_config("earlier.toml", clock="offset=-7200")
        issued = run_json("number", "issue", "--config", earlier, binary=SERVER)
        state_a, config_a, env_a = self.agent("A")
        wait_for(lambda: json.loads(self.cli(env_a, "keys", "own", "--json").stdout or "[]"), 30)
        register = ["register", "--config", config_a, "--state-dir", state_a, "--symptoms", "no", "--test-date",
                    time.strftime("%Y-%m-%d", time.gmtime()), "--consent"]
        expired = self.cli(env_a, *register, "--processing-number", issued["processing_number"], check=False)
        self.assertEqual(expired.returncode, 3)
        self.assertIn("expired", expired.stderr)
        self.assertIn("reissue", expired.stderr)
        fresh = run_json("number", "reissue", issued["case_id"], "--config", self.config, binary=SERVER)
        self.assertEqual(fresh["reissues_left"], 3)
        self.cli(env_a, *register, "--processing-number", fresh["processing_number"])

    def test_the_server_unreachable_is_exit_69_and_nothing_is_lost(self):
        state_a, config_a, env_a = self.agent("A")
        wait_for(lambda: json.loads(self.cli(env_a, "keys", "own", "--json").stdout or "[]"), 30)
        issued = self.issue()
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait(timeout=30), 0)
        register = ["register", "--config", config_a, "--state-dir", state_a, "--symptoms", "yes", "--onset-date",
                    time.strftime("%Y-%m-%d", time.gmtime()), "--consent", "--processing-number", issued["processing_number"]]
        down = self.cli(env_a, *register, check=False)
        self.assertEqual(down.returncode, 69, down.stderr)
        self.assertIn("will not register twice", down.stderr)
        pending = json.load(open(os.path.join(state_a, "registration-pending.json")))
        # Back up: the same command registers, with the idempotency key of the failed attempt.
        self.server = start_server(self, self.config)
        self.cli(env_a, *register)
        self.assertFalse(os.path.exists(os.path.join(state_a, "registration-pending.json")))
        self.assertEqual(len(pending["idempotencyKey"]), 36)

    def test_killing_the_export_at_any_moment_loses_no_key_and_publishes_none_twice(self):
        rng = random.Random(11)
        day = int(time.time()) // 86400
        registered = set()
        onset = time.strftime("%Y-%m-%dT00:00:00.000+09:00", time.gmtime(time.time() - 4 * 86400))
        for person in range(6):
            issued = self.issue()
            keys = [os.urandom(16) for _ in range(5)]
            registered.update(k.hex() for k in keys)
            request = {"hasSymptom": True, "onsetOfSymptomOrTestDate": onset,
                       "keys": [{"keyData": base64.b64encode(k).decode(), "rollingStartNumber": (day - d) * 144, "rollingPeriod": 144}
                                for d, k in enumerate(keys)],
                       "regions": ["440"], "verificationPayload": issued["processing_number"], "idempotency_key": str(uuid.uuid4())}
            status, body = http("PUT", f"{self.base}/v3/diagnosis", json.dumps(request).encode())
            self.assertEqual(status, 200, body)
        kills = 0
        for _ in range(12):
            export = subprocess.Popen([SERVER, "export", "--config", self.tomorrow], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 0.4))
            if export.poll() is None:
                export.send_signal(signal.SIGKILL)
                kills += 1
            export.wait()
        # The last killed pass still holds the export lease until it runs out (exit 75 meanwhile).
        deadline = time.time() + 30
        while (final := run("export", "--config", self.tomorrow, binary=SERVER, check=False)).returncode == 75 and time.time() < deadline:
            time.sleep(0.5)
        self.assertEqual(final.returncode, 0, final.stderr)
        counts, entries = self.published()
        self.assertEqual({k: counts.get(k, 0) for k in registered}, {k: 1 for k in registered}, f"after {kills} kills")
        self.assertEqual(len(entries), 5)   # one file per key day
        status = run_json("status", "--config", self.config, binary=SERVER)
        self.assertEqual(status["pending_keys"], 0)
        print(f"\n    {kills} of 12 export runs killed; {len(registered)} keys published once each", end=" ")


class AutomaticReissue(ProcessTestCase):
    """`serve` with [registration] delivery_command: a number that expires unused is replaced by
    itself and handed to the command, four times at most (the server's clock runs 60× fast here:
    a one-minute number lasts a second)."""

    def test_an_unused_number_is_reissued_and_delivered_four_times(self):
        port = free_port()
        data = os.path.join(self.dir, "server")
        delivered = os.path.join(self.dir, "delivered.txt")
        config = os.path.join(self.dir, "server.toml")
        with open(config, "w") as f:
            f.write(f"""[server]
listen = "127.0.0.1:{port}"
data_directory = "{data}"
clock = "speed=60"
[registration]
number_lifetime_minutes = 1
delivery_command = "echo $BLEAGENT_CASE_ID $BLEAGENT_PROCESSING_NUMBER $BLEAGENT_REISSUES_LEFT >> {delivered}"
""")
        server = start_server(self, config)
        with open(os.path.join(data, "admin-token")) as f:
            token = f.read().strip()
        status, body = http("POST", f"http://127.0.0.1:{port}/v1/admin/cases", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(status, 201, body)
        issued = json.loads(body)

        def lines():
            if not os.path.exists(delivered):
                return []
            with open(delivered) as f:
                return [line.split() for line in f if line.strip()]
        self.assertTrue(wait_for(lambda: len(lines()) >= 4, 60), f"delivered: {lines()}")
        time.sleep(4)   # several more expiries: no fifth number
        got = lines()
        self.assertEqual([line[0] for line in got], [issued["case_id"]] * 4)
        self.assertEqual([line[2] for line in got], ["3", "2", "1", "0"])
        numbers = [issued["processing_number"]] + [line[1] for line in got]
        self.assertEqual(len(set(numbers)), 5, numbers)
        self.assertTrue(all(len(n) == 8 and n.isdigit() for n in numbers))
        server.send_signal(signal.SIGTERM)
        self.assertEqual(server.wait(timeout=30), 0)
        self.assertNotIn(got[0][1], server.stderr.read(), "a processing number was logged")


class OperationLogs(ServerTestCase):
    def test_preview_shows_what_send_uploads_and_nothing_identifying(self):
        env = dict(os.environ, BLEAGENT_BUS_ADDRESS="unix:path=/nonexistent")
        preview = self.cli(env, "logs", "preview")
        document = json.loads(preview.stdout)
        self.assertEqual(set(document["environment"]), {"bleagent", "os", "kernel", "architecture", "board", "bluez"})
        self.assertEqual(document["daemon"], {"state": "not running"})
        host = socket.gethostname().split(".")[0]
        if len(host) >= 2:
            self.assertNotIn(host.lower(), preview.stdout.lower())
        refused = self.cli(env, "logs", "send", "--server", self.base, check=False)
        self.assertEqual(refused.returncode, 1)
        sent = json.loads(self.cli(env, "logs", "send", "--server", self.base, "--consent", "--json").stdout)
        with zipfile.ZipFile(os.path.join(self.data, "logs", sent["log_id"] + ".zip")) as z:
            uploaded = json.loads(z.read("operation-log.json"))
        self.assertEqual(uploaded["environment"], document["environment"])
        self.assertEqual(uploaded["format"], "bleagent-operation-log/1")
        # Byte for byte what was read: preview --out, then send --file.
        saved = os.path.join(self.data, "previewed.json")
        self.cli(env, "logs", "preview", "--out", saved)
        with open(saved, "rb") as f:
            previewed = f.read()
        sent = json.loads(self.cli(env, "logs", "send", "--server", self.base, "--consent", "--file", saved, "--json").stdout)
        with zipfile.ZipFile(os.path.join(self.data, "logs", sent["log_id"] + ".zip")) as z:
            self.assertEqual(z.read("operation-log.json"), previewed)
        with open(os.path.join(self.data, "not-a-log.json"), "w") as f:
            f.write('{"format": "something else"}')
        bad = self.cli(env, "logs", "send", "--server", self.base, "--consent", "--file", os.path.join(self.data, "not-a-log.json"), check=False)
        self.assertEqual(bad.returncode, 65, bad.stderr)


@unittest.skipUnless(os.environ.get("BLEAGENT_TEST_POSTGRES"), "PostgreSQL variant: set BLEAGENT_TEST_POSTGRES (CI does)")
class RegistrationEndToEndOnPostgreSQL(RegistrationEndToEnd):
    database = os.environ.get("BLEAGENT_TEST_POSTGRES")


if __name__ == "__main__":
    unittest.main()
