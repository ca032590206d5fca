"""Issue 17, the notification server scales out: three `bleagent-server` instances (a, b, c) on one
PostgreSQL database behind Debian's nginx (round robin), all on loopback.

Needs $BLEAGENT_TEST_POSTGRES (CI sets it) and nginx (/usr/sbin/nginx, or $BLEAGENT_NGINX); skipped
with a message otherwise. One set-up for the class: a fresh database, the secrets made once by
`bleagent-server init` on instance a and shared by b and c through `[secrets]`, the three instances,
nginx in the foreground with a private configuration. The scenarios run in order and build on each
other (numbered methods); each prints its figures and duration for CI's log.

  1. 2,000 registrations of 14 keys, 24 at a time, with the export workers idle (keys counted in the
     database): plain ones half straight to a/b/c, half through nginx; 30 concurrent retries (same
     idempotency key and body on two instances at once) and 30 races (one number on two instances
     at once, other keys, other idempotency key) straight to the instances. Every key stored once,
     nothing of a race's loser, each number used once (200 + 406 processing_number_used per race), retries 200.
     Per-client limit 20 an hour, requests from 300 source addresses (127.0.1.x/127.0.2.x, at most 12
     attempts each in the whole class): through nginx the client is X-Real-IP, so a server that
     ignored it would see about 1,000 attempts from 127.0.0.1 and answer 429.
  2. a, b, c restarted with their export workers on a 3 s interval: every key published exactly once,
     no file listed twice, `created` strictly increasing, list.json, index.txt and every zip
     byte-identical from a, b, c and nginx, equal ETags, 304 on If-None-Match, no zip on any disk.
  3. The lease holder SIGKILLed in the middle of an export pass (300 more registrations; again with a
     fresh batch if the pass ended first): nothing lost, nothing twice, the export finished within
     lease + interval + 5 s (the pass itself) of the kill; the take-over time is printed.
  4. 900 wrong guesses over the three instances and nginx at once from 300 addresses: no more 406
     answers than the failed-verification budget has left (shared through the database), the rest 429.
"""
import base64
import concurrent.futures
import http.client
import json
import grp
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

import gaen_export
from agenttest import SERVER

POSTGRES = os.environ.get("BLEAGENT_TEST_POSTGRES")
NGINX = os.environ.get("BLEAGENT_NGINX", "/usr/sbin/nginx")

NAMES = ("a", "b", "c")
WORKERS = 24
REGISTRATIONS = 2_000          # numbers used in scenario 1 (of which RETRY_PAIRS + RACE_PAIRS in pairs)
RETRY_PAIRS = 30
RACE_PAIRS = 30
KEYS_PER_REGISTRATION = 14
PER_CLIENT_PER_HOUR = 20
FAILED_PER_HOUR = 100
LEASE_SECONDS = 8
INTERVAL_MINUTES = 0.05        # 3 s
KILL_BATCH = 300
KILL_ATTEMPTS = 4
GUESSES = 900
REGION = "440"
# Scenario 1's clients and scenario 4's: distinct loopback source addresses (Linux routes all of 127/8 to lo).
CLIENTS = [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(300)]
GUESSERS = [f"127.0.{3 + i // 250}.{1 + i % 250}" for i in range(300)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return {}

    def __repr__(self):
        return f"{self.status} {self.body[:200]!r}"


def _connection(port, source, timeout):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None)


def _read(connection):
    response = connection.getresponse()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())


def request(port, method, path, body=None, headers=None, source=None, timeout=60):
    """One request on its own connection (from `source`, a loopback address, if given)."""
    connection = _connection(port, source, timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        return _read(connection)
    finally:
        connection.close()


def together(requests, timeout=60):
    """Several requests (port, method, path, body, headers, source) at the same moment: every
    connection is opened first, then every request is sent, then the answers are read."""
    connections = [_connection(port, source, timeout) for port, _, _, _, _, source in requests]
    try:
        for connection in connections:
            connection.connect()
        for connection, (_, method, path, body, headers, _) in zip(connections, requests):
            connection.request(method, path, body=body, headers=headers or {})
        return [_read(connection) for connection in connections]
    finally:
        for connection in connections:
            connection.close()


def random_keys():
    """14 fresh keys, one for each of the last 14 days (today excluded: exportable at once with no embargo)."""
    today = int(time.time()) // 86400
    return [(os.urandom(16), (today - d) * 144) for d in range(1, KEYS_PER_REGISTRATION + 1)]


def submission(number, keys, idempotency_key=None):
    """COCOA's PUT /v3/diagnosis body; onset 12 days ago, so every key of the last 14 days is shared."""
    onset = time.strftime("%Y-%m-%dT00:00:00.000+09:00", time.gmtime(time.time() - 12 * 86400))
    return json.dumps({
        "hasSymptom": True, "onsetOfSymptomOrTestDate": onset,
        "keys": [{"keyData": base64.b64encode(data).decode(), "rollingStartNumber": start, "rollingPeriod": 144, "reportType": 1}
                 for data, start in keys],
        "regions": [REGION], "platform": "linux", "deviceVerificationPayload": "", "appPackageName": "scaleout-test",
        "verificationPayload": number, "idempotency_key": idempotency_key or str(uuid.uuid4()),
        "padding": base64.b64encode(os.urandom(random.randint(100, 700))).decode()}).encode()


JSON = {"Content-Type": "application/json"}


@unittest.skipUnless(POSTGRES, "scale-out test: set BLEAGENT_TEST_POSTGRES to a PostgreSQL URL (CI does; "
                               "scripts/postgres-test-server.sh starts one)")
@unittest.skipUnless(os.access(NGINX, os.X_OK), f"scale-out test: no nginx at {NGINX} (apt-get install nginx, or set BLEAGENT_NGINX)")
class ScaleOut(unittest.TestCase):
    """Three instances on one PostgreSQL behind nginx; the numbered scenarios share them."""

    # ---- set-up and tear-down -------------------------------------------------------------------

    @classmethod
    def setUpClass(cls):
        cls.started = time.monotonic()
        try:
            cls._set_up()
        except BaseException:
            cls._tear_down()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._tear_down()
        print(f"\n    scale-out: {time.monotonic() - cls.started:.1f} s in all", flush=True)

    @classmethod
    def _set_up(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="bleagent-scaleout-")
        cls.dir = cls._tmp.name
        cls.procs = {}                 # name → Popen: instances and nginx
        cls.issued = set()             # every processing number issued in this class
        cls.registered = set()         # hex of every key a 200 answer stored
        cls.failed_verifications = 0   # 406 answers seen so far (each spends the shared budget)
        cls.database = None
        cls.exporting = False          # scenario 1 runs with idle export workers
        db = "bleagent_scaleout_" + uuid.uuid4().hex[:16]
        cls.psql_admin(f"CREATE DATABASE {db}")
        cls.database = db
        cls.url = POSTGRES.rsplit("/", 1)[0] + "/" + db
        cls.ports = {name: free_port() for name in NAMES}
        cls.nginx_port = free_port()
        cls.data = {name: os.path.join(cls.dir, name) for name in NAMES}
        secrets_dir = cls.data["a"]
        cls.secrets = {"number_secret": os.path.join(secrets_dir, "number-secret"),
                       "signing_key": os.path.join(secrets_dir, "signing-key.pem"),
                       "admin_token": os.path.join(secrets_dir, "admin-token")}
        cls.public_key_file = os.path.join(secrets_dir, "signing-key.pub.pem")
        # Scenario 1 runs with the export workers idle (a day's interval; their first pass finds an
        # empty database), so the keys can be counted in the database; scenario 2 restarts them exporting.
        for name in NAMES:
            cls.write_config(name, exporting=False)
        init = subprocess.run([SERVER, "init", "--config", cls.config_path("a")], capture_output=True, text=True, timeout=120)
        if init.returncode != 0:
            raise AssertionError(f"bleagent-server init exited {init.returncode}: {init.stderr[-2000:]}")
        cls.start_instance("a")
        cls.start_instance("b")
        cls.start_instance("c")
        with open(cls.secrets["admin_token"]) as f:
            cls.token = f.read().strip()
        cls.start_nginx()
        print(f"\n    scale-out set-up: instances a, b, c on ports {[cls.ports[n] for n in NAMES]}, nginx on {cls.nginx_port}, "
              f"database {db}: {time.monotonic() - cls.started:.1f} s", flush=True)

    @classmethod
    def _tear_down(cls):
        for name, process in list(getattr(cls, "procs", {}).items()):
            if process.poll() is None:
                # nginx's workers outlive a SIGKILLed master: TERM (its fast shutdown) first.
                process.send_signal(signal.SIGTERM if name == "nginx" else signal.SIGKILL)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if getattr(cls, "database", None):
            cls.psql_admin(f"DROP DATABASE IF EXISTS {cls.database} WITH (FORCE)", check=False)
            cls.database = None
        if getattr(cls, "_nginx_dir", None):
            shutil.rmtree(cls._nginx_dir, ignore_errors=True)
            cls._nginx_dir = None
        if getattr(cls, "_tmp", None):
            cls._tmp.cleanup()
            cls._tmp = None

    # ---- the processes --------------------------------------------------------------------------

    @classmethod
    def config_path(cls, name):
        return os.path.join(cls.dir, f"{name}.toml")

    @classmethod
    def write_config(cls, name, exporting):
        secrets = "\n".join(f'{key} = "{path}"' for key, path in cls.secrets.items())
        text = f"""[server]
listen = "127.0.0.1:{cls.ports[name]}"
data_directory = "{cls.data[name]}"
instance = "{name}"
trusted_proxies = ["127.0.0.1"]
public_url = "http://127.0.0.1:{cls.nginx_port}"
[database]
url = "{cls.url}"
[secrets]
{secrets}
[registration]
attempts_per_client_per_hour = {PER_CLIENT_PER_HOUR}
failed_attempts_per_hour = {FAILED_PER_HOUR}
[export]
interval_minutes = {INTERVAL_MINUTES if exporting else 1440}
lease_seconds = {LEASE_SECONDS}
mirror_directory = ""
minimum_keys = 20
embargo_minutes = 0
"""
        with open(cls.config_path(name), "w") as f:
            f.write(text)

    @classmethod
    def start_instance(cls, name):
        """`bleagent-server serve` for instance `name`, up when it printed `listening on` (60 s at most)."""
        out, err = os.path.join(cls.dir, f"{name}.out"), os.path.join(cls.dir, f"{name}.err")
        with open(out, "ab") as stdout, open(err, "ab") as stderr:
            offset = os.path.getsize(out)
            process = subprocess.Popen([SERVER, "serve", "--config", cls.config_path(name)], stdout=stdout, stderr=stderr,
                                       stdin=subprocess.DEVNULL)
        cls.procs[name] = process
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(out, "rb") as f:
                f.seek(offset)
                if b"listening on http://" in f.read():
                    return process
            if process.poll() is not None:
                break
            time.sleep(0.05)
        with open(err, "rb") as f:
            tail = f.read()[-3000:].decode("utf-8", "replace")
        raise AssertionError(f"instance {name} did not start (exit {process.poll()}): {tail}")

    @classmethod
    def stop_instance(cls, name, sig=signal.SIGTERM):
        process = cls.procs[name]
        if process.poll() is None:
            process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @classmethod
    def start_nginx(cls):
        # Its own folder, readable by the workers (when run as root they run as nobody).
        cls._nginx_dir = tempfile.mkdtemp(prefix="bleagent-scaleout-nginx-")
        os.chmod(cls._nginx_dir, 0o755)
        prefix = cls._nginx_dir
        user = ""
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
        servers = "\n".join(f"        server 127.0.0.1:{cls.ports[name]};" for name in NAMES)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""{user}
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_body_buffer_size 64k;
    upstream bleagent {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{cls.nginx_port};
        location / {{
            proxy_pass http://bleagent;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""")
        process = subprocess.Popen([NGINX, "-p", prefix, "-e", f"{prefix}/error.log", "-c", conf, "-g", "daemon off;"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        cls.procs["nginx"] = process
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if request(cls.nginx_port, "GET", "/healthz", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        log = open(f"{prefix}/error.log", errors="replace").read()[-3000:] if os.path.exists(f"{prefix}/error.log") else ""
        raise AssertionError(f"nginx did not come up (exit {process.poll()}): {log}")

    # ---- PostgreSQL -----------------------------------------------------------------------------

    @staticmethod
    def psql_admin(sql, check=True):
        result = subprocess.run(["psql", POSTGRES, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"psql {sql!r}: {result.stderr}")

    @classmethod
    def sql(cls, query):
        """The rows of `query` in the test's database, as tuples of strings."""
        result = subprocess.run(["psql", cls.url, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"psql {query!r}: {result.stderr.strip()}")
        return [tuple(line.split("\t")) for line in result.stdout.splitlines() if line]

    @classmethod
    def scalar(cls, query):
        return int(cls.sql(query)[0][0])

    @classmethod
    def pending(cls):
        """(keys not yet in an export, exports not yet published)."""
        row = cls.sql("SELECT (SELECT count(*) FROM diagnosis_keys WHERE export_id IS NULL), (SELECT count(*) FROM exports WHERE published = 0)")[0]
        return int(row[0]), int(row[1])

    # ---- HTTP -----------------------------------------------------------------------------------

    @classmethod
    def port(cls, target):
        return cls.nginx_port if target == "nginx" else cls.ports[target]

    @classmethod
    def issue(cls, count, pool):
        """`count` processing numbers from POST /v1/admin/cases, spread over the instances and nginx."""
        targets = NAMES + ("nginx",)

        def one(i):
            answer = request(cls.port(targets[i % 4]), "POST", "/v1/admin/cases", headers={"Authorization": f"Bearer {cls.token}"})
            if answer.status != 201:
                raise AssertionError(f"issuing a number through {targets[i % 4]}: {answer}")
            return answer.json()["processing_number"]
        numbers = list(pool.map(one, range(count)))
        cls.issued.update(numbers)
        return numbers

    @staticmethod
    def target(i):
        """Half the requests through nginx, the other half straight to a, b, c in turn."""
        return "nginx" if i % 2 == 0 else NAMES[(i // 2) % 3]

    def register_batch(self, count, pool, clients=CLIENTS):
        """`count` plain registrations (fresh number, 14 fresh keys each); returns the keys stored and
        the answers that were not 200 with 14 keys accepted."""
        numbers = self.issue(count, pool)

        def one(i):
            keys = random_keys()
            answer = request(self.port(self.target(i)), "PUT", "/v3/diagnosis", submission(numbers[i], keys), JSON,
                             source=clients[i % len(clients)])
            return keys, answer
        stored, wrong = set(), []
        for keys, answer in pool.map(one, range(count)):
            if answer.status == 200 and answer.json().get("keys_accepted") == KEYS_PER_REGISTRATION:
                stored.update(data.hex() for data, _ in keys)
            else:
                wrong.append(answer)
        type(self).registered.update(stored)
        type(self).failed_verifications += sum(1 for a in wrong if a.status == 406)
        return stored, wrong

    def published(self, target="nginx"):
        """{key hex: times published} over every file of list.json as `target` serves it, each
        signature checked, and the list itself."""
        answer = request(self.port(target), "GET", f"/c19r/{REGION}/list.json")
        self.assertEqual(answer.status, 200, answer)
        entries = json.loads(answer.body)
        with open(self.public_key_file, "rb") as f:
            public = f.read()
        counts = {}
        for entry in entries:
            path = "/" + entry["url"].split("://", 1)[1].split("/", 1)[1]
            zipped = request(self.port(target), "GET", path)
            self.assertEqual(zipped.status, 200, f"{target} {path}: {zipped}")
            bin_, sig = gaen_export.read_zip(zipped.body)
            signature = gaen_export.parse_signatures(sig).signatures[0]
            self.assertTrue(gaen_export.verify(bin_, signature.signature, public), f"{path}: the signature does not verify")
            for key in gaen_export.parse_export(bin_).keys:
                counts[key.key_data.hex()] = counts.get(key.key_data.hex(), 0) + 1
        return counts, entries

    @classmethod
    def start_exporting(cls):
        """Restarts a, b and c with their export workers on the short interval (once)."""
        if cls.exporting:
            return
        for name in NAMES:
            cls.write_config(name, exporting=True)
            cls.stop_instance(name)
            cls.start_instance(name)
        cls.exporting = True

    @classmethod
    def revive(cls):
        """Starts again every instance that is not running (after a SIGKILL)."""
        for name in NAMES:
            if cls.procs[name].poll() is not None:
                cls.start_instance(name)

    def kill_the_exporter(self, deadline):
        """Polls PostgreSQL until an export is unpublished (a pass in progress) and SIGKILLs the lease
        holder at once: {"export", "holder", "at"}; None if every key went out between two looks."""
        while time.monotonic() < deadline:
            export, holder, keys_left = self.sql(
                "SELECT (SELECT min(id) FROM exports WHERE published = 0), "
                "(SELECT holder FROM export_lease ORDER BY expires_ms DESC LIMIT 1), "
                "(SELECT count(*) FROM diagnosis_keys WHERE export_id IS NULL)")[0]
            if export and holder in NAMES:
                self.procs[holder].send_signal(signal.SIGKILL)
                return {"export": export, "holder": holder, "at": time.monotonic()}
            if not export and keys_left == "0":
                return None
            time.sleep(0.01)
        self.fail(f"no export began within the time allowed; pending (keys, exports): {self.pending()}")

    def listed_everything(self):
        """Whether list.json (as nginx serves it) names every published export: a pass stores the
        lists after its last file, so keys leave the database a moment before the list shows them."""
        published = int(self.sql("SELECT count(*) FROM exports WHERE published = 1")[0][0])
        answer = request(self.port("nginx"), "GET", f"/c19r/{REGION}/list.json")
        return answer.status == 200 and len(json.loads(answer.body)) == published

    def wait_until_exported(self, seconds):
        """Polls until no key waits for an export, no export is unpublished and the list names every
        published one; returns the time it took."""
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            if self.pending() == (0, 0) and self.listed_everything():
                return time.monotonic() - start
            time.sleep(0.2)
        self.fail(f"still pending after {seconds} s (keys, exports): {self.pending()}")

    def assert_published_once(self, keys, counts, what):
        wrong = {k: counts.get(k, 0) for k in keys if counts.get(k, 0) != 1}
        self.assertEqual(len(wrong), 0, f"{what}: {len(wrong)} of {len(keys)} keys not published exactly once "
                                f"(e.g. {dict(list(wrong.items())[:5])})")

    def assert_every_answer(self, answers, status, what):
        wrong = [a for a in answers if a.status != status]
        self.assertEqual(len(wrong), 0, f"{what}: {len(wrong)} of {len(answers)} answers not {status}: "
                                f"{sorted({a.status for a in wrong})}, e.g. {wrong[:3]}")

    # ---- the scenarios --------------------------------------------------------------------------

    def test_0_secrets_are_made_once_by_init_and_serve_needs_them(self):
        """`init` makes the secrets once (a second run changes nothing); `serve` without them refuses."""
        before = {}
        for path in list(self.secrets.values()) + [self.public_key_file]:
            self.assertTrue(os.path.isfile(path), f"init did not make {path}")
            with open(path, "rb") as f:
                before[path] = f.read()
        again = subprocess.run([SERVER, "init", "--config", self.config_path("a")], capture_output=True, text=True, timeout=120)
        for path, content in before.items():
            with open(path, "rb") as f:
                self.assertEqual(f.read(), content, f"a second init (exit {again.returncode}) changed {path}")
        # An instance whose [secrets] name files that do not exist: serve refuses to start.
        lonely = os.path.join(self.dir, "lonely")
        config = os.path.join(self.dir, "lonely.toml")
        with open(self.config_path("a")) as f:
            text = f.read().replace(self.data["a"], lonely).replace(str(self.ports["a"]), str(free_port()))
        with open(config, "w") as f:
            f.write(text.replace('instance = "a"', 'instance = "lonely"'))
        try:
            refused = subprocess.run([SERVER, "serve", "--config", config], capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired as timeout:
            self.fail(f"serve without secrets did not refuse (still running after 30 s): {timeout.stdout!r}")
        self.assertNotEqual(refused.returncode, 0, "serve without secrets exited 0")
        self.assertNotIn("listening on", refused.stdout)
        self.assertFalse(os.path.exists(os.path.join(lonely, "number-secret")), "serve made a number secret by itself")

    def test_1_concurrent_registrations_store_every_key_once_and_use_every_number_once(self):
        started = time.monotonic()
        cls = type(self)
        plain = REGISTRATIONS - RETRY_PAIRS - RACE_PAIRS
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            numbers = self.issue(REGISTRATIONS, pool)
            issued_at = time.monotonic()
            # Jobs: ("plain", i) one request; ("retry", i) the same body twice at once on two instances;
            # ("race", i) the same number with other keys and another idempotency key, twice at once.
            jobs = [("plain", i) for i in range(plain)] + [("retry", plain + i) for i in range(RETRY_PAIRS)] \
                + [("race", plain + RETRY_PAIRS + i) for i in range(RACE_PAIRS)]
            random.Random(17).shuffle(jobs)

            def run(job):
                kind, i = job
                source = CLIENTS[i % len(CLIENTS)]
                if kind == "plain":
                    keys = random_keys()
                    return kind, [keys], [request(self.port(self.target(i)), "PUT", "/v3/diagnosis", submission(numbers[i], keys), JSON,
                                                  source=source)]
                # Pairs go straight to two different instances (through nginx both might reach the same one).
                first, second = NAMES[i % 3], NAMES[(i + 1) % 3]
                if kind == "retry":
                    keys = random_keys()
                    body = submission(numbers[i], keys)
                    return kind, [keys], together([(self.port(first), "PUT", "/v3/diagnosis", body, JSON, source),
                                                   (self.port(second), "PUT", "/v3/diagnosis", body, JSON, source)])
                keys = [random_keys(), random_keys()]
                return kind, keys, together([(self.port(first), "PUT", "/v3/diagnosis", submission(numbers[i], keys[0]), JSON, source),
                                             (self.port(second), "PUT", "/v3/diagnosis", submission(numbers[i], keys[1]), JSON, source)])
            results = list(pool.map(run, jobs))
        elapsed = time.monotonic() - issued_at

        answers = [a for _, _, pair in results for a in pair]
        statuses = {}
        for a in answers:
            statuses[a.status] = statuses.get(a.status, 0) + 1
        cls.failed_verifications += statuses.get(406, 0)
        print(f"\n    scenario 1: {REGISTRATIONS} numbers issued in {issued_at - started:.1f} s; {len(answers)} requests "
              f"({plain} plain, {RETRY_PAIRS} retry pairs, {RACE_PAIRS} race pairs) in {elapsed:.1f} s "
              f"({len(answers) / elapsed:.0f}/s, {WORKERS} at a time); answers {dict(sorted(statuses.items()))}", flush=True)

        # What the answers say was stored: the keys of every request answered 200 (once per retry pair).
        expected, losers, numbers_used = set(), set(), 0
        for kind, keys, pair in results:
            winners = [k for k, a in zip(keys if kind == "race" else keys * len(pair), pair) if a.status == 200]
            numbers_used += 1 if winners else 0
            for k, a in zip(keys if kind == "race" else keys * len(pair), pair):
                (expected if a.status == 200 else losers).update(data.hex() for data, _ in k)
        losers -= expected
        cls.registered.update(expected)

        # The database first: every key stored once, nothing of a refused request, each number used once.
        rows, distinct = self.sql("SELECT count(*), count(DISTINCT key_data) FROM diagnosis_keys")[0]
        stored = {row[0] for row in self.sql("SELECT encode(key_data, 'hex') FROM diagnosis_keys")}
        registered_cases = self.scalar("SELECT count(*) FROM cases WHERE registered_at IS NOT NULL")
        print(f"    scenario 1: database: {rows} key rows, {distinct} distinct; {registered_cases} cases registered; "
              f"{len(expected)} keys answered 200 for, of {numbers_used} numbers", flush=True)
        self.assertEqual((int(rows), int(distinct)), (len(expected), len(expected)), "every key stored exactly once")
        self.assertEqual(stored, expected, f"{len(stored - expected)} stored that no 200 answered for "
                                           f"({len(stored & losers)} of them a refused request's), {len(expected - stored)} missing")
        self.assertEqual(registered_cases, numbers_used, "cases registered in the database vs numbers answered 200")

        # Then the answers: no throttling, plain and retried requests 200, one winner per race.
        self.assertEqual(statuses.get(429, 0), 0,
                         "throttled: the per-client limit counted nginx (127.0.0.1) instead of X-Real-IP, or the budget was spent")
        self.assert_every_answer([pair[0] for kind, _, pair in results if kind == "plain"], 200, "plain registrations")
        self.assert_every_answer([a for kind, _, pair in results if kind == "retry" for a in pair], 200,
                                 "concurrent retries (same idempotency key and body)")
        accepted = {a.json().get("keys_accepted") for _, _, pair in results for a in pair if a.status == 200}
        self.assertEqual(accepted, {KEYS_PER_REGISTRATION}, "keys_accepted of the 200 answers")
        races = [pair for kind, _, pair in results if kind == "race"]
        self.assertEqual(sum(1 for pair in races if sorted(a.status for a in pair)[0] == 200
                             and sum(a.status == 200 for a in pair) == 1), RACE_PAIRS,
                         f"races of one number on two instances: exactly one 200 each; outcomes "
                         f"{sorted({tuple(sorted(a.status for a in pair)) for pair in races})}")
        self.assertEqual(numbers_used, REGISTRATIONS, "each number used once")
        refusals = [a for pair in races for a in pair if a.status != 200]
        self.assertEqual({(a.status, a.json().get("error")) for a in refusals}, {(406, "processing_number_used")},
                         "the race's loser: 406 processing_number_used")
        print(f"    scenario 1: {time.monotonic() - started:.1f} s", flush=True)

    def test_2_every_instance_exports_and_serves_the_same_files(self):
        started = time.monotonic()
        cls = type(self)
        if not cls.registered:   # run alone
            with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                _, wrong = self.register_batch(200, pool)
            self.assertEqual(len(wrong), 0, f"registrations refused, e.g. {wrong[:3]}")
        self.start_exporting()
        restarted = time.monotonic()
        took = self.wait_until_exported(60)
        print(f"\n    scenario 2: restarted a, b, c exporting every {INTERVAL_MINUTES * 60:.0f} s in {restarted - started:.1f} s; "
              f"{len(cls.registered)} keys exported {took:.1f} s later", flush=True)

        counts, entries = self.published()
        self.assert_published_once(cls.registered, counts, "after the export")
        urls = [e["url"] for e in entries]
        self.assertEqual(len(urls), len(set(urls)), "a file is listed twice")
        created = [e["created"] for e in entries]
        self.assertTrue(all(a < b for a, b in zip(created, created[1:])), f"created is not strictly increasing: {created}")
        self.assertTrue(all(e["region"] == int(REGION) for e in entries))
        self.assertEqual(len(entries), self.scalar("SELECT count(*) FROM exports WHERE published = 1"))

        # Byte for byte the same from every instance and through nginx, with ETag and Cache-Control.
        paths = [f"/c19r/{REGION}/list.json", f"/c19r/{REGION}/index.txt"] + ["/" + u.split("://", 1)[1].split("/", 1)[1] for u in urls]
        for path in paths:
            seen = {}
            for target in NAMES + ("nginx",):
                answer = request(self.port(target), "GET", path)
                self.assertEqual(answer.status, 200, f"{target} {path}: {answer}")
                self.assertIn("etag", answer.headers, f"{target} {path}: no ETag")
                self.assertIn("cache-control", answer.headers, f"{target} {path}: no Cache-Control")
                seen[target] = (answer.body, answer.headers["etag"])
                if path.endswith((".json", ".txt")) or path == paths[-1]:
                    again = request(self.port(target), "GET", path, headers={"If-None-Match": answer.headers["etag"]})
                    self.assertEqual(again.status, 304, f"{target} {path} with If-None-Match: {again}")
                    self.assertEqual(again.body, b"")
            bodies = {t: body for t, (body, _) in seen.items()}
            etags = {t: etag for t, (_, etag) in seen.items()}
            self.assertEqual(len(set(bodies.values())), 1, f"{path} differs between {sorted(bodies)}: sizes "
                                                           f"{ {t: len(b) for t, b in bodies.items()} }")
            self.assertEqual(len(set(etags.values())), 1, f"{path}: ETags differ {etags}")
        index = request(self.nginx_port, "GET", f"/c19r/{REGION}/index.txt").body.decode().split()
        self.assertEqual(index, [u.split("/c19r/", 1)[1] for u in urls], "index.txt names other files than list.json")
        on_disk = [os.path.join(root, f) for name in NAMES for root, _, files in os.walk(self.data[name]) for f in files if f.endswith(".zip")]
        self.assertEqual(len(on_disk), 0, f"mirror_directory is empty, yet files were written to disk: {on_disk[:3]}")
        print(f"    scenario 2: {len(entries)} files, {sum(counts.values())} keys with padding, {len(paths)} paths × 4 endpoints identical; "
              f"{time.monotonic() - started:.1f} s", flush=True)

    def test_3_the_lease_holder_killed_in_the_middle_of_an_export(self):
        started = time.monotonic()
        cls = type(self)
        interval = INTERVAL_MINUTES * 60
        self.start_exporting()
        self.wait_until_exported(60)
        batch, killed = set(), None
        try:
            with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                for attempt in range(1, KILL_ATTEMPTS + 1):
                    stored, wrong = self.register_batch(KILL_BATCH, pool)
                    self.assertEqual(len(wrong), 0, f"registrations refused, e.g. {wrong[:3]}")
                    batch |= stored
                    found = self.kill_the_exporter(deadline=time.monotonic() + 2 * interval + LEASE_SECONDS + 10)
                    if not found:
                        print(f"\n    scenario 3: attempt {attempt}: the batch went out between two looks", flush=True)
                        continue
                    cls.procs[found["holder"]].wait()
                    keys_left, unpublished = self.pending()
                    print(f"\n    scenario 3: attempt {attempt}: SIGKILLed {found['holder']} (the lease holder) during export "
                          f"{found['export']}: {keys_left} keys and {unpublished} exports left pending", flush=True)
                    if (keys_left, unpublished) != (0, 0):
                        killed = found
                        break
                    self.revive()   # the pass ended before the kill landed: again, with a fresh batch
            self.assertIsNotNone(killed, f"no kill landed in the middle of an export pass in {KILL_ATTEMPTS} attempts")
            self.wait_until_exported(LEASE_SECONDS + 3 * interval + 60)
            took_over = time.monotonic() - killed["at"]
            bound = LEASE_SECONDS + interval + 5
            # Finished while the holder is dead: another instance took over (the lease row now, for the log).
            lease = self.sql("SELECT name, holder, expires_ms FROM export_lease")
            print(f"    scenario 3: the export was finished {took_over:.1f} s after the kill (bound: lease {LEASE_SECONDS} s "
                  f"+ interval {interval:.0f} s + 5 s for the pass); lease now {lease}; {attempt} attempt(s)", flush=True)
            self.assertLessEqual(took_over, bound, "the take-over was slower than the lease allows")
        finally:
            self.revive()
        counts, entries = self.published()
        self.assert_published_once(batch, counts, f"the batches of scenario 3 ({attempt} attempt(s))")
        self.assert_published_once(cls.registered, counts, "every key registered so far")
        urls = [e["url"] for e in entries]
        self.assertEqual(len(urls), len(set(urls)), "a file is listed twice")
        lists = {target: request(self.port(target), "GET", f"/c19r/{REGION}/list.json").body for target in NAMES + ("nginx",)}
        self.assertEqual(len(set(lists.values())), 1, f"list.json differs after {killed['holder']}'s restart")
        print(f"    scenario 3: {len(batch)} keys, each published once; {killed['holder']} restarted; "
              f"{time.monotonic() - started:.1f} s", flush=True)

    def test_4_a_burst_of_wrong_guesses_stays_within_the_shared_budget(self):
        started = time.monotonic()
        cls = type(self)
        rng = random.Random()
        guesses = set()
        while len(guesses) < GUESSES:
            number = f"{rng.randrange(10 ** 8):08d}"
            if number not in cls.issued:
                guesses.add(number)
        guesses = sorted(guesses)
        left = FAILED_PER_HOUR - cls.failed_verifications
        targets = NAMES + ("nginx",)
        keys = random_keys()

        def guess(i):
            return request(self.port(targets[i % 4]), "PUT", "/v3/diagnosis", submission(guesses[i], keys), JSON,
                           source=GUESSERS[i % len(GUESSERS)])
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            answers = list(pool.map(guess, range(GUESSES)))
        elapsed = time.monotonic() - started
        statuses = {}
        for a in answers:
            statuses[a.status] = statuses.get(a.status, 0) + 1
        admitted = [a for a in answers if a.status == 406]
        throttled = [a for a in answers if a.status == 429]
        cls.failed_verifications += len(admitted)
        print(f"\n    scenario 4: {GUESSES} wrong guesses in {elapsed:.1f} s: {len(admitted)} verified and refused (406), "
              f"{len(throttled)} throttled (429), answers {dict(sorted(statuses.items()))}; budget {FAILED_PER_HOUR}/h, "
              f"{left} left before the burst", flush=True)
        self.assertEqual(len(admitted) + len(throttled), GUESSES, f"answers other than 406 and 429: {statuses}")
        self.assertEqual({a.json().get("error") for a in admitted}, {"processing_number_unknown"} if admitted else set())
        self.assertTrue(all(a.headers.get("retry-after", "").isdigit() for a in throttled), "a 429 without Retry-After")
        self.assertLessEqual(len(admitted), left, f"{cls.failed_verifications} failed verifications (406) admitted in this "
                                                  f"class within the hour: more than the shared budget of {FAILED_PER_HOUR}")
        self.assertGreater(len(admitted), 0, "the budget was not spent at all")
        print(f"    scenario 4: {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    unittest.main()
