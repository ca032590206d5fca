"""Hostile clients against the real notification server (SQLite; the guessing budget under a burst is
tested in test_registration): connections that send half a request and stop, and log uploads, which
need no login, from many addresses. Each test prints its figure."""
import io
import os
import resource
import socket
import subprocess
import time
import urllib.request
import zipfile

from agenttest import SERVER, ProcessTestCase, wait_for
from test_registration import free_port


def log_zip(size):
    """A zip of about `size` bytes (stored, so its size is what it holds)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("log.json", os.urandom(size))
    return buffer.getvalue()


def upload(base, body, source="127.0.0.1"):
    """PUT /v1/logs from the loopback address `source`; returns the status."""
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10, source_address=(source, 0)) as s:
        s.sendall(f"PUT /v1/logs HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/zip\r\nContent-Length: {len(body)}\r\n"
                  f"Connection: close\r\n\r\n".encode() + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


class HostileClients(ProcessTestCase):
    def start(self, extra=""):
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.data = self.path("server")
        config = self.path("server.toml")
        with open(config, "w") as f:
            f.write(f'[server]\nlisten = "127.0.0.1:{port}"\ndata_directory = "{self.data}"\n{extra}')

        def systemd_default_limit():
            # What systemd gives a service unless LimitNOFILE= says otherwise: a soft limit of 1,024
            # (for select()), the hard limit high.
            resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

        subprocess.run([SERVER, "init", "--config", config], check=True, capture_output=True)
        server = self.spawn([SERVER, "serve", "--config", config], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=systemd_default_limit)
        line = server.stdout.readline()
        self.assertTrue(line.startswith("listening on"), f"server did not start: {line}")
        return server

    def healthz_seconds(self):
        started = time.monotonic()
        try:
            urllib.request.urlopen(self.base + "/healthz", timeout=20).read()
        except OSError:
            return None
        return time.monotonic() - started

    def test_half_sent_requests_neither_starve_the_server_nor_stay_open(self):
        """1,100 connections that each send half a request and stop: /healthz still answers at once
        (it timed out at 20 s: the server ran out of descriptors at systemd's soft limit of 1,024), and
        the server closes them after [server] idle_timeout_seconds."""
        self.start("idle_timeout_seconds = 3\n")   # in [server]
        host, port = self.base.split("//")[1].split(":")
        held = []
        for _ in range(1100):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(b"PUT /v3/diagnosis HTTP/1.1\r\nHost: x\r\nContent-Le")
            held.append(s)
        self.addCleanup(lambda: [s.close() for s in held])
        took = self.healthz_seconds()
        print(f"/healthz with 1,100 half-sent requests open: {'%.2f s' % took if took is not None else 'no answer in 20 s'}")
        self.assertIsNotNone(took)
        self.assertLess(took, 5)
        # The server gives up on them after the idle timeout (3 s here).
        started = time.monotonic()

        def closed():
            count = 0
            for s in held:
                s.settimeout(0.001)
                try:
                    count += s.recv(1) == b""
                except (socket.timeout, BlockingIOError):
                    pass
                except OSError:
                    count += 1
            return count
        self.assertTrue(wait_for(lambda: closed() == len(held), 30), f"{closed()} of {len(held)} closed")
        print(f"all 1,100 were closed by the server {time.monotonic() - started:.1f} s after the check (idle timeout 3 s)")

    def test_log_uploads_are_bounded_in_rate_total_and_age(self):
        """Ten addresses upload a log each: the hour's global budget (6 here) holds, the folder never
        holds more than the total allows (3 logs' worth), and a log older than the retention goes."""
        body = log_zip(20_000)
        self.start(f"[logs]\nmax_bytes = 30000\nuploads_per_hour = 6\nmax_total_bytes = {3 * len(body) + 100}\nretention_days = 14\n")
        statuses = [upload(self.base, body, source=f"127.0.0.{n}") for n in range(2, 12)]
        logs = os.path.join(self.data, "logs")
        kept = sorted(os.listdir(logs))
        print(f"10 uploads from 10 addresses: statuses {statuses}; {len(kept)} logs kept, {sum(os.path.getsize(os.path.join(logs, n)) for n in kept)} bytes")
        self.assertEqual(statuses.count(201), 6)
        self.assertEqual(statuses.count(429), 4)
        self.assertEqual(len(kept), 3)
        # One of them is 15 days old: the restart removes it. The hour's budget is spent and stays spent
        # across the restart (the counts live in the database).
        old = os.path.join(logs, kept[0])
        os.utime(old, (time.time() - 15 * 86400,) * 2)
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=30)
        self.start(f"[logs]\nmax_bytes = 30000\nuploads_per_hour = 6\nmax_total_bytes = {10 * len(body)}\nretention_days = 14\n")
        self.assertFalse(os.path.exists(old), "a log past its retention was kept")
        self.assertEqual(upload(self.base, body, source="127.0.0.20"), 429)
        self.assertEqual(len(os.listdir(logs)), 2)
