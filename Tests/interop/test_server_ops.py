"""`bleagent-server` as systemd runs it: READY=1 and STATUS= once it listens, the watchdog petted while
the database answers, STOPPING=1 at SIGTERM, log entries in the journal with priorities and the
identifier bleagent-server (never a processing number), /metrics, exit 69 in bounded time when
PostgreSQL is down, exit 78 for configuration errors, `config check`, and PostgreSQL over its Unix
socket and over TLS (when $BLEAGENT_TEST_POSTGRES names the test server)."""
import base64
import datetime
import json
import os
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request
import uuid

from agenttest import SERVER, ProcessTestCase, wait_for

POSTGRES = os.environ.get("BLEAGENT_TEST_POSTGRES")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, method="GET", body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def fields(entry):
    """A journal entry's FIELD=value lines as a dict (our entries hold no multi-line values here)."""
    return dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)


class ServerCase(ProcessTestCase):
    """Helpers: a configuration file, an environment without a journal, a running `serve`."""

    def config(self, database="sqlite", extra_server="", extra_database="", name="server.toml", mode=0o600):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        path = self.path(name)
        with open(path, "w") as f:
            f.write(f'[server]\nlisten = "127.0.0.1:{self.port}"\ndata_directory = "{self.path("data")}"\n{extra_server}\n'
                    f'[database]\nurl = "{database}"\n{extra_database}\n')
        os.chmod(path, mode)
        return path

    def env(self, **more):
        # No journal unless a test binds one: lines go to stderr.
        return {**os.environ, "BLEAGENT_JOURNAL_SOCKET": self.path("no-journal"), **more}

    def serve(self, config, env):
        subprocess.run([SERVER, "init", "--config", config], check=True, capture_output=True, env=env)
        server = self.spawn([SERVER, "serve", "--config", config], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = server.stdout.readline()
        self.assertTrue(line.startswith("listening on"), f"server did not start: {line} {server.stderr.read() if server.poll() is not None else ''}")
        return server


def submission(number):
    """COCOA's registration body with one of today's keys (valid, so the number is looked at)."""
    now = int(time.time())
    today = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%d")
    key = {"keyData": base64.b64encode(os.urandom(16)).decode(), "rollingStartNumber": now // 86400 * 144, "rollingPeriod": 144, "reportType": 1}
    return json.dumps({"keys": [key], "regions": ["440"], "verificationPayload": number, "hasSymptom": True,
                       "onsetOfSymptomOrTestDate": f"{today}T00:00:00.000+00:00", "idempotency_key": str(uuid.uuid4()),
                       "padding": "", "platform": "linux", "deviceVerificationPayload": "", "appPackageName": "org.bleagent.agent"}).encode()


class ServerOps(ServerCase):
    def test_notify_watchdog_journal_and_metrics(self):
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        env = self.env(NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="1000000", BLEAGENT_JOURNAL_SOCKET=journal.path)
        server = self.serve(self.config(), env)
        self.assertTrue(wait_for(lambda: any(m.startswith("READY=1") for m in notify.messages), 10), notify.messages)
        ready = next(m for m in notify.messages if m.startswith("READY=1"))
        self.assertIn(f"STATUS=serving on 127.0.0.1:{self.port}, SQLite", ready)
        # Petted every half period (0.5 s) while SQLite answers.
        self.assertTrue(wait_for(lambda: notify.messages.count("WATCHDOG=1") >= 3, 10), notify.messages)

        with open(self.path("data/admin-token")) as f:
            token = f.read().strip()
        status, body = get(f"{self.base}/v1/admin/cases", "POST", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(status, 201, body)
        number = json.loads(body)["processing_number"]
        wrong = "00000000" if number != "00000000" else "00000001"
        self.assertEqual(get(f"{self.base}/v3/diagnosis", "PUT", body=submission(wrong))[0], 406)
        self.assertEqual(get(f"{self.base}/v3/diagnosis", "PUT", body=submission(number))[0], 200)

        status, text = get(f"{self.base}/metrics")
        self.assertEqual(status, 200)
        for series in ('bleagent_registrations_total{outcome="registered"} 1', 'bleagent_registrations_total{outcome="unknown_number"} 1', 'bleagent_export_passes_total{result="succeeded"} 1',
                       'bleagent_throttle_refusals_total{budget="registration"} 0', "bleagent_keys_published_total 0"):
            self.assertIn(series, text)
        self.assertIn('bleagent_http_request_duration_seconds_count{route="/v1/admin/cases",status="2xx"} 1', text)
        self.assertNotIn(number, text)

        server.send_signal(signal.SIGTERM)
        self.assertEqual(server.wait(timeout=30), 0)
        self.assertIn("STOPPING=1", notify.messages)
        entries = [fields(m) for m in journal.messages]
        self.assertTrue(entries, "nothing reached the journal")
        self.assertTrue(all(e.get("SYSLOG_IDENTIFIER") == "bleagent-server" for e in entries), entries)
        serving = [e for e in entries if e.get("MESSAGE", "").startswith("serving as ")]
        self.assertEqual([e["PRIORITY"] for e in serving], ["5"], entries)   # notice
        refused = [e for e in entries if e.get("MESSAGE") == "registration refused"]
        self.assertEqual([e.get("PRIORITY") for e in refused], ["5"], entries)
        for message in journal.messages:
            self.assertNotIn(number, message)
            self.assertNotIn(wrong, message)
            self.assertNotIn(token, message)
        self.assertEqual(server.stderr.read(), "", "with a journal nothing goes to stderr")

    def test_metrics_can_be_turned_off(self):
        self.serve(self.config(extra_server="metrics = false"), self.env())
        self.assertEqual(get(f"{self.base}/metrics")[0], 404)
        self.assertEqual(get(f"{self.base}/healthz")[0], 200)

    def test_every_verb_gives_up_on_an_unreachable_postgresql_with_exit_69(self):
        closed = free_port()   # bound and closed again: nothing listens there
        config = self.config(f"postgres://bleagent@127.0.0.1:{closed}/bleagent", extra_database="connect_timeout_seconds = 5")
        # The secrets first (init makes them, then cannot reach the database either: 69 too).
        for verb in (["init"], ["serve"], ["export"], ["status"], ["number", "issue"]):
            with self.subTest(verb=verb):
                started = time.monotonic()
                result = subprocess.run([SERVER, *verb, "--config", config], capture_output=True, text=True, timeout=60, env=self.env())
                elapsed = time.monotonic() - started
                self.assertEqual(result.returncode, 69, result.stderr)
                self.assertLess(elapsed, 15)
                lines = result.stderr.strip().splitlines()
                self.assertLessEqual(len(lines), 3, result.stderr)
                self.assertIn(f"cannot reach PostgreSQL at 127.0.0.1:{closed}: connection refused — is it running?", result.stderr)

    def test_configuration_errors_exit_78(self):
        with open(self.path("bad.toml"), "w") as f:
            f.write("[server]\nlisten = \"nowhere\"\n")
        result = subprocess.run([SERVER, "status", "--config", self.path("bad.toml")], capture_output=True, text=True, env=self.env())
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn("[server] listen", result.stderr)
        result = subprocess.run([SERVER, "serve", "--config", self.config(), "--listen", "nowhere"], capture_output=True, text=True, env=self.env())
        self.assertEqual(result.returncode, 78, result.stderr)
        # A password file that is named but missing: a configuration error too, before any connection.
        config = self.config("postgres://bleagent@127.0.0.1:5432/bleagent", extra_database=f'password_file = "{self.path("missing")}"', name="pw.toml")
        result = subprocess.run([SERVER, "status", "--config", config], capture_output=True, text=True, env=self.env(), timeout=60)
        self.assertEqual(result.returncode, 78, result.stderr)

    def test_config_check(self):
        good = self.config()
        result = subprocess.run([SERVER, "config", "check", "--config", good], capture_output=True, text=True, env=self.env())
        self.assertEqual(result.returncode, 78, result.stdout + result.stderr)
        self.assertIn("bleagent-server init", result.stdout)
        subprocess.run([SERVER, "init", "--config", good], check=True, capture_output=True, env=self.env())
        result = subprocess.run([SERVER, "config", "check", "--config", good, "--connect"], capture_output=True, text=True, env=self.env())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("[server] metrics = true", result.stdout)
        self.assertTrue(result.stdout.strip().endswith("ok"), result.stdout)

        # A password in the URL of a file everyone may read: refused, and the password never printed.
        exposed = self.config("postgres://bleagent:hunter2@127.0.0.1:5432/bleagent", name="exposed.toml", mode=0o644)
        result = subprocess.run([SERVER, "config", "check", "--config", exposed, "--json"], capture_output=True, text=True, env=self.env())
        self.assertEqual(result.returncode, 78, result.stdout + result.stderr)
        report = json.loads(result.stdout)
        self.assertFalse(report["passed"])
        self.assertEqual(report["settings"]["[database] url"], "postgres://bleagent:***@127.0.0.1:5432/bleagent")
        self.assertTrue(any("everyone may read it" in p for p in report["problems"]), report)
        self.assertNotIn("hunter2", result.stdout + result.stderr)

        # The password as a credential (LoadCredential=): private, so fine; --connect says the server is down.
        os.makedirs(self.path("credentials"))
        with open(self.path("credentials/postgres-password"), "w") as f:
            f.write("hunter2\n")
        os.chmod(self.path("credentials/postgres-password"), 0o400)
        closed = free_port()
        credential = self.config(f"postgres://bleagent@127.0.0.1:{closed}/bleagent", name="credential.toml", mode=0o640,
                                 extra_database='password_file = "credential:postgres-password"\nconnect_timeout_seconds = 3')
        env = self.env(CREDENTIALS_DIRECTORY=self.path("credentials"))
        result = subprocess.run([SERVER, "config", "check", "--config", credential], capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        result = subprocess.run([SERVER, "config", "check", "--config", credential, "--connect"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(result.returncode, 69, result.stdout + result.stderr)
        self.assertIn("connection refused", result.stdout)
        os.chmod(self.path("credentials/postgres-password"), 0o644)
        result = subprocess.run([SERVER, "config", "check", "--config", credential], capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, 78, result.stdout + result.stderr)
        self.assertNotIn("hunter2", result.stdout + result.stderr)


@unittest.skipUnless(POSTGRES, "set BLEAGENT_TEST_POSTGRES (CI does)")
class PostgresConnections(ServerCase):
    """The test server over its Unix socket (`-k` folder) and over TCP with TLS required."""

    def setting(self, name):
        return subprocess.run(["psql", POSTGRES, "-At", "-c", f"SHOW {name}"], check=True, capture_output=True, text=True).stdout.strip()

    def own_database(self):
        """A database of this test's own (it records this test's secrets)."""
        name = "bleagent_ops_" + uuid.uuid4().hex[:16]
        subprocess.run(["psql", POSTGRES, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["psql", POSTGRES, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)
        return name

    def serve_and_query(self, database, extra_database=""):
        config = self.config(database, extra_database=extra_database, name=f"{uuid.uuid4().hex}.toml")
        server = self.serve(config, self.env())
        status = subprocess.run([SERVER, "status", "--config", config, "--json"], capture_output=True, text=True, timeout=60, env=self.env())
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("open_cases", json.loads(status.stdout))
        server.send_signal(signal.SIGTERM)
        self.assertEqual(server.wait(timeout=30), 0)

    def test_a_missing_database_is_a_configuration_error(self):
        config = self.config(POSTGRES.rsplit("/", 1)[0] + "/no_such_database")
        result = subprocess.run([SERVER, "status", "--config", config], capture_output=True, text=True, timeout=60, env=self.env())
        self.assertEqual(result.returncode, 78, result.stderr)
        self.assertIn("refused the connection", result.stderr)
        self.assertIn("no_such_database", result.stderr)

    def test_unix_socket(self):
        folder = self.setting("unix_socket_directories").split(",")[0].strip()
        port = POSTGRES.rsplit(":", 1)[1].split("/")[0]
        self.serve_and_query(f"postgres://postgres@/{self.own_database()}?host={folder}&port={port}")

    def test_tls_required(self):
        if self.setting("ssl") != "on":
            self.skipTest("the test server runs without ssl (scripts/postgres-test-server.sh turns it on)")
        url = POSTGRES.rsplit("/", 1)[0] + "/" + self.own_database()
        self.serve_and_query(url, 'tls = "require"')
        # verify-full against the server's own (self-signed, CN=localhost) certificate as the CA.
        certificate = self.setting("ssl_cert_file")
        self.serve_and_query(url.replace("127.0.0.1", "localhost"), f'tls = "verify-full"\nca_file = "{certificate}"')


if __name__ == "__main__":
    unittest.main()
