"""What the interop tests (test_*.py) share, in one place; standard library only. helpers/notifications.py
is not a user: it runs alone under Debian's /usr/bin/python3 (for python3-dbus) as the tests' child.

Where things are (set by scripts/test.sh, or left to their defaults):
  BLEAGENT   the CLI: $BLEAGENT, else `bleagent` on PATH
  SERVER     the notification server: $BLEAGENT_SERVER, else bleagent-server beside BLEAGENT
  REPO       this checkout's root (systemd/, share/)
  FIXTURES   $BLEAGENT_FIXTURES, else shared/fixtures beside the checkout

Running things:
  run(*args, check=True, binary=BLEAGENT, **kwargs)  runs `binary args…` (subprocess.run with output
                                     captured as text; kwargs: env, timeout, stdin, cwd…); with check, a
                                     non-zero exit fails the test with the command and its stderr
  run_json(*args, **kwargs)          run(*args, "--json") and its stdout parsed
  wait_for(condition, seconds=60, interval=0.3)
                                     polls condition() until it returns something true (returned), else
                                     returns its last value once `seconds` have passed
  start_bus(directory, procs, bus_type="system")
                                     a private dbus-daemon listening in `directory` (created), open to
                                     everyone, its process appended to `procs`; returns its address
  bus_env(bus, **more)               os.environ with the agent's and libdbus's system bus set to `bus`
  key_source_toml(name, base, pem)   bleagent.toml's tables for a key server at `base` (COCOA's layout,
                                     region 440) whose files are signed with key 440/v1 (`pem`)
  Datagrams(path)                    a bound datagram socket collecting what is sent to it in
                                     .messages: journald's and systemd's notify socket as the daemon
                                     sees them

Test cases:
  WorkdirTestCase                    self.dir, a temporary directory removed afterwards; self.path(name)
  ProcessTestCase(WorkdirTestCase)   also self.procs, killed (and their pipes closed) afterwards;
                                     self.spawn(argv, **popen_kwargs) starts one of them;
                                     self.datagrams(name) a Datagrams in self.dir, closed afterwards
"""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BLEAGENT = os.environ.get("BLEAGENT", "bleagent")
SERVER = os.environ.get("BLEAGENT_SERVER") or os.path.join(os.path.dirname(BLEAGENT), "bleagent-server")
FIXTURES = os.environ.get("BLEAGENT_FIXTURES", os.path.join(REPO, "..", "shared", "fixtures"))


def run(*args, check=True, binary=BLEAGENT, **kwargs):
    """`binary args…` run to its end, output captured as text; with `check`, fails unless it exits 0."""
    result = subprocess.run([binary, *args], capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{os.path.basename(binary)} {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def run_json(*args, **kwargs):
    """run(*args, "--json", …)'s stdout, parsed."""
    return json.loads(run(*args, "--json", **kwargs).stdout)


def wait_for(condition, seconds=60, interval=0.3):
    """Polls `condition` until it returns something true (returned) or `seconds` pass (then its last value)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return condition()


def start_bus(directory, procs, bus_type="system"):
    """A private dbus-daemon listening in `directory`, open to everyone; returns its address."""
    os.makedirs(directory)
    conf = os.path.join(directory, "bus.conf")
    # The one private-bus configuration, shared with the Swift tests (TestSupport/PrivateBus.swift).
    with open(os.path.join(REPO, "Tests", "TestSupport", "private-bus.conf"), encoding="utf-8") as f:
        template = f.read()
    with open(conf, "w") as f:
        f.write(template.replace("@TYPE@", bus_type).replace("@SOCKET@", os.path.join(directory, "socket")))
    procs.append(subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_for(lambda: os.path.exists(os.path.join(directory, "socket")), 5, 0.05)
    return f"unix:path={directory}/socket"


def bus_env(bus, **more):
    """The environment with `bus` as the system bus, for bleagent ($BLEAGENT_BUS_ADDRESS) and libdbus."""
    return dict(os.environ, BLEAGENT_BUS_ADDRESS=bus, DBUS_SYSTEM_BUS_ADDRESS=bus, **more)


def key_source_toml(name, base, pem):
    """bleagent.toml's [[keys.source]] `name` at `base` (region 440) and [[keys.public_key]] 440/v1 in `pem`."""
    return f"""[[keys.source]]
name = "{name}"
base = "{base}"
region = "440"
[[keys.public_key]]
id = "440"
version = "v1"
pem = "{pem}"
"""


class Datagrams:
    """A bound datagram socket collecting what is sent to it (journal entries, sd_notify states)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                self.messages.append(self.sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                pass
            except OSError:
                return

    def close(self):
        self.stop = True
        self.thread.join(timeout=2)
        self.sock.close()


class WorkdirTestCase(unittest.TestCase):
    """A temporary directory (`self.dir`), removed after the test."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self._tmp.cleanup)
        self.dir = self._tmp.name

    def path(self, name):
        return os.path.join(self.dir, name)


class ProcessTestCase(WorkdirTestCase):
    """Also the processes a test starts (`self.procs`), killed and closed after it (before the directory goes)."""

    def setUp(self):
        super().setUp()
        self.procs = []
        self.addCleanup(self._stop_processes)

    def _stop_processes(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            for stream in (p.stdout, p.stderr):
                if stream:
                    stream.close()

    def spawn(self, argv, **kwargs):
        """subprocess.Popen(argv, **kwargs), stopped after the test."""
        process = subprocess.Popen(argv, **kwargs)
        self.procs.append(process)
        return process

    def datagrams(self, name):
        """A Datagrams socket at self.path(name), closed after the test."""
        sock = Datagrams(self.path(name))
        self.addCleanup(sock.close)
        return sock
