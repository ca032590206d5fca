"""A hostile or broken key server against the real daemon: a real dbus-daemon, the real contact store
with a meeting recorded, and key servers on loopback that send what an attacker (or a broken
server) would: many large files, a key repeated thousands of times, a redirect to plain http, an index
with impossible dates. (A trickling server is in test_daemon.) Each test prints its figure."""
import http.server
import json
import os
import random
import socket
import threading
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gaen_crypto
import gaen_export
from agenttest import BLEAGENT, ProcessTestCase, bus_env, key_source_toml, run, start_bus, wait_for

MIB = 1 << 20
# The bound for a round's peak, for any number and size of files.
PEAK_RSS_BOUND = 64 * MIB


def memory(pid, field):
    """A field of /proc/PID/status in bytes: VmHWM (peak resident set), RssFile (mapped files)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field}")


def peak_rss(pid):
    return memory(pid, "VmHWM")


def code_rss(pid):
    """What the process's mapped files (its binary and libraries: code, not data) hold in memory at
    rest. Measured before a round and taken off its peak: a debug build maps ~48 MiB of code where
    a stripped release binary maps a fraction of it, and neither is the round's doing."""
    return memory(pid, "RssFile")


def serve(directory, host="127.0.0.1", handler=None):
    """A threading HTTP server for `directory` (or with `handler`); returns (server, port)."""
    handler = handler or (lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=directory, **k))
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def non_loopback_address():
    """An address of this machine that is not loopback (None if it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


class HostileKeyServer(ProcessTestCase):
    def setUp(self):
        super().setUp()
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.bus = start_bus(self.path("bus"), self.procs)
        self.env = bus_env(self.bus)
        self.www = self.path("www")
        os.makedirs(os.path.join(self.www, "c19r", "440"))
        self.server, port = serve(self.www)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.base = f"http://127.0.0.1:{port}"
        self.signing = ec.generate_private_key(ec.SECP256R1())
        with open(self.path("public.pem"), "wb") as f:
            f.write(self.signing.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        self.state = self.path("state")
        self.now = int(time.time())
        self.day = self.now // 86400
        # A 20-minute meeting today with the key `self.tek`, in the store.
        self.tek = bytes(random.Random(5).getrandbits(8) for _ in range(16))
        start = max(self.day * 86400 + 60, self.now - 7200)
        lines = []
        for scan in range(10):
            t = start + scan * 120
            r = gaen_crypto.rpi(self.tek, t // 600)
            lines.append({"time": t, "rpi": r.hex(), "aem": gaen_crypto.aem(self.tek, r, bytes([0x40, 8, 0, 0])).hex(), "rssi": -42,
                          "seconds_since_last_scan": 120})
        with open(self.path("sightings.jsonl"), "w") as f:
            f.write("\n".join(json.dumps(line) for line in lines) + "\n")
        run("consent", "--accept", "--yes", "--state-dir", self.state, env=self.env)
        run("store", "import", self.path("sightings.jsonl"), "--state-dir", self.state, env=self.env)
        self.entries = []
        with open(os.path.join(self.www, "c19r", "440", "list.json"), "w") as f:
            f.write("[]")

    def header(self, batch):
        return {"start_timestamp": (self.day - 14) * 86400, "end_timestamp": (self.day + 1) * 86400, "region": "440",
                "batch_num": 1, "batch_size": 1} | ({"batch_num": batch, "batch_size": batch} if batch > 1 else {})

    def publish(self, name, data, created=None, url=None):
        with open(os.path.join(self.www, "c19r", "440", name), "wb") as f:
            f.write(data)
        self.entries.append({"region": 440, "url": url or f"{self.base}/c19r/440/{name}",
                             "created": created if created is not None else (self.now - 1000 + len(self.entries)) * 1000})
        with open(os.path.join(self.www, "c19r", "440", "list.json"), "w") as f:
            json.dump(self.entries, f)

    def start_daemon(self, keys=""):
        config = self.path("bleagent.toml")
        with open(config, "w") as f:
            f.write(f'[agent]\nstate_directory = "{self.state}"\nrequire_time_sync = false\n[keys]\ndownload_interval_hours = 100\n{keys}'
                    + key_source_toml("hostile", self.base, self.path("public.pem")))
        journal, notify = self.datagrams("journal.sock"), self.datagrams("notify.sock")
        env = dict(self.env, BLEAGENT_JOURNAL_SOCKET=journal.path, NOTIFY_SOCKET=notify.path)
        daemon = self.spawn([BLEAGENT, "run", "--config", config, "--bus-address", self.bus], env=env)
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "no READY=1")
        # The first round starts on its own at start-up (over an empty index): let it end.
        # (While the daemon starts, status answers from the store: "downloads" is null.)
        self.assertTrue(wait_for(lambda: (json.loads(run("status", "--json", env=self.env, check=False).stdout or "{}")
                                          .get("downloads") or {}).get("last_at") is not None, 60), "no first round")
        return daemon

    def download(self):
        result = run("download", "--json", env=self.env, check=False, timeout=600)
        self.assertIn(result.returncode, (0, 1), result.stderr)
        return json.loads(result.stdout)

    def test_thirty_large_files_are_matched_one_at_a_time(self):
        """30 signed files of 10 MB each (keys of days without sightings, then the met key): the round
        streams each to disk and matches them one per thread, so its peak stays under 64 MiB; it used to
        hold every file in memory at once (340 MB)."""
        daemon = self.start_daemon()
        code = code_rss(daemon.pid)
        rng = random.Random(30)
        old = (self.day - 10) * 144
        records = gaen_export.key_records((rng.randbytes(16), old) for _ in range(375_000))
        started = time.monotonic()
        for number in range(1, 31):
            self.publish(f"{number}.zip", gaen_export.write_raw_zip(self.header(number), records, self.signing))
        self.publish("31.zip", gaen_export.write_raw_zip(self.header(1), gaen_export.key_records([(self.tek, self.day * 144)]), self.signing))
        size = os.path.getsize(os.path.join(self.www, "c19r", "440", "1.zip"))
        print(f"30 files of {size / MIB:.1f} MiB written in {time.monotonic() - started:.1f} s")
        before = peak_rss(daemon.pid)
        started = time.monotonic()
        report = self.download()
        peak = peak_rss(daemon.pid)
        print(f"a round over 30 × {size / MIB:.1f} MiB files took {time.monotonic() - started:.1f} s; peak RSS {peak / MIB:.1f} MiB "
              f"(before the round {before / MIB:.1f} MiB), of which the binary's mapped code {code / MIB:.1f} MiB: "
              f"{(peak - code) / MIB:.1f} MiB against the bound of {PEAK_RSS_BOUND / MIB:.0f} MiB")
        self.assertEqual(report["errors"], [])
        self.assertEqual((report["files"], report["matched_keys"]), (31, 1), report)
        self.assertLessEqual(peak - code, PEAK_RSS_BOUND)
        self.assertEqual([n for n in os.listdir(os.path.join(self.state, "downloads"))], [], "the round's files were left behind")

    def test_a_key_repeated_in_a_file_costs_and_counts_once(self):
        """An unsigned file repeating the met key 100,000 times is refused before a key is derived
        (it used to be matched first, 8 KB per copy: 20,000 copies cost 197 MB); a signed file
        repeating it 1,000 times counts it once."""
        daemon = self.start_daemon()
        code, before = code_rss(daemon.pid), peak_rss(daemon.pid)
        repeated = gaen_export.key_records([(self.tek, self.day * 144)] * 100_000)
        self.publish("1.zip", gaen_export.write_raw_zip(self.header(1), repeated, None, compress=True))
        started = time.monotonic()
        report = self.download()
        took = time.monotonic() - started
        peak = peak_rss(daemon.pid)
        print(f"an unsigned file of 100,000 copies of a met key: refused in {took:.1f} s, peak RSS {peak / MIB:.1f} MiB "
              f"(less {code / MIB:.1f} MiB of mapped code), {(peak - before) / MIB:.1f} MiB above the peak before it: {report['errors']}")
        self.assertTrue(any("1.zip" in e and "signature" in e for e in report["errors"]), report["errors"])
        self.assertEqual(report["matched_keys"], 0)
        self.assertLessEqual(peak - code, PEAK_RSS_BOUND)
        # Refused on one read of a 2.8 MB export.bin, streamed: matching it first cost 35 MiB here.
        self.assertLessEqual(peak - before, 16 * MIB)

        # The server replaces it with a signed file that repeats the key 1,000 times.
        self.entries = []
        os.remove(os.path.join(self.www, "c19r", "440", "1.zip"))
        self.publish("1.zip", gaen_export.write_raw_zip(self.header(1), repeated[:len(repeated) // 100], self.signing, compress=True))
        report = self.download()
        self.assertEqual((report["errors"], report["matched_keys"]), ([], 1), report)
        exposures = json.loads(run("exposures", "--json", env=self.env).stdout)
        minutes = [day["minutes"] for day in exposures]
        print(f"a signed file repeating a met key 1,000 times: {report['matched_keys']} key matched, contact minutes {minutes}")
        self.assertEqual(minutes, [20])

    def test_a_redirect_to_plain_http_is_not_followed(self):
        """The index names a file on the loopback server, which redirects to plain http on another
        interface: the round refuses the hop without contacting it. A redirect that stays on loopback
        is followed."""
        address = non_loopback_address()
        self.assertIsNotNone(address, "this test needs an address that is not loopback")
        hits = []

        class Elsewhere(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        elsewhere, elsewhere_port = serve(None, host="0.0.0.0", handler=Elsewhere)
        self.addCleanup(elsewhere.server_close)
        self.addCleanup(elsewhere.shutdown)
        target = f"http://{address}:{elsewhere_port}/1.zip"
        local = f"{self.base}/c19r/440/2.zip"

        class Redirector(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(302)
                self.send_header("Location", target if self.path == "/away" else local)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        redirector, redirector_port = serve(None, handler=Redirector)
        self.addCleanup(redirector.server_close)
        self.addCleanup(redirector.shutdown)
        signed = gaen_export.write_raw_zip(self.header(1), gaen_export.key_records([(self.tek, self.day * 144)]), self.signing)
        self.start_daemon()
        self.publish("1.zip", signed, url=f"http://127.0.0.1:{redirector_port}/away")
        report = self.download()
        print(f"a redirect to {target}: {report['errors']}; requests that reached it: {len(hits)}")
        self.assertEqual(hits, [])
        self.assertTrue(any("redirected to" in e and "only https" in e for e in report["errors"]), report["errors"])
        self.assertEqual(report["matched_keys"], 0)
        # The server mends its index: the file, behind a redirect that stays on this machine.
        self.entries = []
        self.publish("2.zip", signed, url=f"http://127.0.0.1:{redirector_port}/stay")
        report = self.download()
        self.assertEqual((report["errors"], report["matched_keys"]), ([], 1), report)

    def test_impossible_dates_in_the_index_are_refused_and_downloads_go_on(self):
        """`created` of Int64.max used to stop every later download for good, Int64.min crashed the
        daemon: each is refused with its entry named, the daemon stays up, and the next round, on a
        mended index, matches."""
        daemon = self.start_daemon()
        signed = gaen_export.write_raw_zip(self.header(1), gaen_export.key_records([(self.tek, self.day * 144)]), self.signing)
        self.publish("1.zip", signed, created=2**63 - 1)
        self.publish("2.zip", signed, created=-2**63)
        report = self.download()
        print(f"an index with created = Int64.max and Int64.min: {report['errors']}")
        self.assertIsNone(daemon.poll(), "the daemon died")
        self.assertTrue(report["errors"] and all("created" in e for e in report["errors"]), report["errors"])
        self.entries = []
        self.publish("1.zip", signed, created=self.now * 1000)
        report = self.download()
        self.assertEqual((report["errors"], report["matched_keys"]), ([], 1), report)
