#!/usr/bin/env python3
"""The whole story on virtual radios: three `bleagent run` daemons meet, one tests positive, the
others download, match and are notified (or not). Run in the guest by `bleagent demo` (narrated) and
by scripts/realstack-test.sh (checked).

    story.py            narrate and check; writes verdict-story.json in the share; exit 0 only if
                        every check passed
    STORY_SOAK=600      afterwards restart the three daemons at real speed, keep them idle that many
                        seconds and report their CPU and memory (a benchmark: resources-story.json;
                        run-vm.sh … -- env STORY_SOAK=600 python3 …/story.py)

Lines starting with "» " are the narration `bleagent demo` shows; PASS/FAIL lines are checks.

The people: A (hci0, a legacy-only controller like a Raspberry Pi's) and B (hci1) sit together for
20 minutes at −55 dBm. C (hci2) passes A and B for 3 minutes at −70 dBm, then stays across the room at
−90 dBm. A tests positive: the health centre issues a processing number on the notification server
(`bleagent-server`, on the guest's loopback), A registers with `bleagent register`, the server's export
worker signs A's keys into a padded file the next day and publishes it in COCOA's list.json layout.
B must see one contact day, C none.
The daemons run on an accelerated clock ([agent] clock = "speed=30,origin=T": 20 minutes pass in
50 s), the same code as production with time read from the configured clock.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time

import radios

SHARE = os.environ.get("RS_SHARE", os.getcwd())
BLEAGENT = os.path.join(SHARE, "bleagent")
SERVER = os.path.join(SHARE, "bleagent-server")
SPEED = 30.0
MEETING_MINUTES = 20           # simulated (the daemon issue: 20 minutes at ≈ −55 dBm)
PASS_BY_MINUTES = 3            # simulated: C near A and B
PASS_BY_RSSI = -70             # a few metres: COCOA's "medium" bucket from A (TX −7 dBm: 63 dB). Under
                               # the 30× clock an emulator stall stretches a scan's span; each window
                               # counts at most two periods, so 3 minutes here can never reach 1350.
PORT = 8440
MESSAGE_ID = "3f9a0c2b6e7d4b1a9c5e8f2d7a6b4c13"
PEOPLE = {"A": "hci0", "B": "hci1", "C": "hci2"}
WORK = "/tmp/story"            # SQLite in WAL mode needs a real file system: not the 9p share

checks = []


def say(text):
    print("\n".join("» " + line for line in text.splitlines()), flush=True)


def check(name, ok, detail):
    checks.append({"check": name, "pass": bool(ok), "detail": detail})
    print(("PASS " if ok else "FAIL ") + name + ": " + detail, flush=True)


class Journal:
    """A stand-in for journald's socket: keeps every datagram."""

    def __init__(self, path):
        self.path = path
        self.messages = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            data = self.sock.recv(65536)
            self.messages.append(data.decode(errors="replace"))

    def notices(self):
        return [m for m in self.messages if f"MESSAGE_ID={MESSAGE_ID}" in m]


class Person:
    def __init__(self, name, adapter, origin, shift):
        self.name, self.adapter = name, adapter
        self.dir = os.path.join(WORK, name)
        os.makedirs(self.dir, exist_ok=True)
        self.bus_path = os.path.join(self.dir, "bus.socket")
        self.bus = subprocess.Popen(["dbus-daemon", "--session", f"--address=unix:path={self.bus_path}", "--nofork", "--nopidfile"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.env = dict(os.environ, BLEAGENT_BUS_ADDRESS=f"unix:path={self.bus_path}",
                        BLEAGENT_JOURNAL_SOCKET=os.path.join(self.dir, "journal.socket"))
        self.journal = Journal(self.env["BLEAGENT_JOURNAL_SOCKET"])
        self.hook_out = os.path.join(self.dir, "hook.txt")
        self.config = os.path.join(self.dir, "bleagent.toml")
        self.origin = origin
        self.shift = shift
        self.write_config()
        for _ in range(100):
            if os.path.exists(self.bus_path):
                break
            time.sleep(0.05)
        self.daemon = None

    def write_config(self, offset=0):
        # Rounds 48 (simulated) hours apart: the daemons download once at start, and the story's
        # explicit downloads are the only ones after that (also after the next-day restart).
        with open(self.config, "w") as f:
            f.write(f"""[agent]
state_directory = "{self.dir}/state"
require_time_sync = false
clock = "speed={SPEED},origin={self.origin},offset={self.shift + offset}"
[radio]
adapter = "{self.adapter}"
# The story's RSSI figures were chosen for this calibration (the virtual controllers' own +5 dBm).
tx_power_dbm = 5
rssi_correction_db = 0
scan_window_seconds = 3
scan_period_seconds = {int(6 * SPEED)}
[keys]
download_interval_hours = 48
risk = "cocoa"
[[keys.source]]
name = "health-authority"
base = "http://127.0.0.1:{PORT}"
region = "440"
[[keys.public_key]]
id = "440"
version = "v1"
pem = "{WORK}/server/signing-key.pub.pem"
[notify]
hook = "echo $BLEAGENT_DATE $BLEAGENT_CONTACTS $BLEAGENT_MINUTES >> {self.hook_out}"
""")

    def next_day(self, offset):
        """The daemon restarted `offset` seconds later on its clock: the day the server's file is published."""
        if self.daemon and self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(timeout=20)
        self.write_config(offset)
        self.launch()

    def cli(self, *args, check=True):
        result = subprocess.run([BLEAGENT, *args], env=self.env, capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise RuntimeError(f"{self.name}: bleagent {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
        return result

    def json(self, *args):
        return json.loads(self.cli(*args, "--json").stdout)

    def start(self):
        self.cli("consent", "--accept", "--yes", "--state-dir", os.path.join(self.dir, "state"))
        self.launch()

    def launch(self):
        log = os.path.join(SHARE, f"daemon-{self.name}.log")
        self.daemon = subprocess.Popen([BLEAGENT, "run", "--config", self.config, "--service-bus-address", f"unix:path={self.bus_path}"],
                                       env=self.env, stdout=subprocess.DEVNULL,
                                       stderr=open(log, "a"))

    def running(self):
        try:
            return self.json("status")
        except (RuntimeError, ValueError):
            return None

    def stop(self):
        for process in (self.daemon, self.bus):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def set_rssi(a, b, value):
    radios.set_rssi(PEOPLE[a], PEOPLE[b], value)
    radios.set_rssi(PEOPLE[b], PEOPLE[a], value)


# "The next day": after today's keys end and their 2 h embargo, whatever the time of day now.
NEXT_DAY = 26 * 3600


def wait_until(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    return condition()


def proc_figures(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return cpu, rss / 1024


def main():
    started = time.time()
    origin = int(time.time())
    # The story must not cross midnight UTC on its clock: a meeting split over two days is two
    # shorter contact days and two export files. Late in the day, the clock is set back 4 hours.
    shift = -4 * 3600 if origin % 86400 > 86400 - 3 * 3600 else 0
    server_dir = os.path.join(WORK, "server")
    os.makedirs(server_dir, exist_ok=True)
    clock = f"speed={SPEED},origin={origin}"
    if shift:
        say(f"It is late in the UTC day: the story's clock starts {-shift // 3600} hours earlier, so the story stays inside one day.")

    def server_config(name, clock_spec):
        path = os.path.join(WORK, name)
        with open(path, "w") as f:
            f.write(f"""[server]
listen = "127.0.0.1:{PORT}"
data_directory = "{server_dir}"
clock = "{clock_spec}"
[export]
minimum_keys = 50
""")
        return path
    server_config_path = server_config("server.toml", f"{clock},offset={shift}")
    # The same server's export worker "the next day": keys still valid today are embargoed until 2 h after their day.
    next_day_config = server_config("server-next-day.toml", f"{clock},offset={shift + NEXT_DAY}")
    subprocess.run([SERVER, "init", "--config", server_config_path], check=True, capture_output=True)
    http = subprocess.Popen([SERVER, "serve", "--config", server_config_path], stdout=subprocess.PIPE,
                            stderr=open(os.path.join(SHARE, "server.log"), "w"), text=True)
    listening = http.stdout.readline()
    if not listening.startswith("listening on"):
        raise RuntimeError(f"bleagent-server did not start: {listening!r} (see server.log)")
    say(f"Three people carry a Linux device running `bleagent run` (A on {PEOPLE['A']}, a legacy-only controller like a "
        f"Raspberry Pi's; B on {PEOPLE['B']}; C on {PEOPLE['C']}). The clock runs {SPEED:.0f}× fast: a minute passes in 2 s.")
    # Out of range of each other until every daemon is up: the meeting starts at a known moment.
    set_rssi("A", "B", radios.OUT_OF_RANGE)
    set_rssi("A", "C", radios.OUT_OF_RANGE)
    set_rssi("B", "C", radios.OUT_OF_RANGE)
    people = {name: Person(name, adapter, origin, shift) for name, adapter in PEOPLE.items()}
    try:
        for person in people.values():
            person.start()
        ready = {name: wait_until(person.running, 60) for name, person in people.items()}
        check("every daemon answers on its D-Bus interface", all(ready.values()), ", ".join(f"{n}: {'up' if r else 'down'}" for n, r in ready.items()))
        advertising = {name: wait_until(lambda p=person: (p.running() or {}).get("radio", {}).get("advertising"), 60)
                       for name, person in people.items()}
        check("every daemon advertises after consent", all(advertising.values()), json.dumps({n: bool(a) for n, a in advertising.items()}))
        say(f"Consent given on all three; they advertise rotating identifiers and scan. A and B sit together "
            f"(−55 dBm); C walks past them for {PASS_BY_MINUTES} minutes, a few metres away ({PASS_BY_RSSI} dBm).")
        set_rssi("A", "B", -55)
        set_rssi("A", "C", PASS_BY_RSSI)
        set_rssi("B", "C", PASS_BY_RSSI)
        meeting_start = time.time()
        time.sleep(PASS_BY_MINUTES * 60 / SPEED)
        set_rssi("A", "C", -90)
        set_rssi("B", "C", -90)
        say(f"C moves across the room (−90 dBm). A and B stay together for {MEETING_MINUTES} minutes in all.")
        meeting_end = meeting_start + MEETING_MINUTES * 60 / SPEED
        while time.time() < meeting_end - 0.5:
            time.sleep(min(10, max(0, meeting_end - time.time())))
            minutes = (time.time() - meeting_start) * SPEED / 60
            seen = {name: (person.running() or {}).get("sightings_today", 0) for name, person in people.items()}
            say(f"  {min(minutes, MEETING_MINUTES):4.1f} simulated minutes; sightings stored: " + ", ".join(f"{n} {s}" for n, s in seen.items()))
        set_rssi("A", "B", radios.OUT_OF_RANGE)
        set_rssi("A", "C", radios.OUT_OF_RANGE)
        set_rssi("B", "C", radios.OUT_OF_RANGE)
        met_minutes = (time.time() - meeting_start) * SPEED / 60
        say(f"Everyone goes home (out of range) after {met_minutes:.1f} simulated minutes.")

        # A tests positive: the health centre issues a processing number; A registers with it.
        keys = people["A"].json("keys", "own")
        check("A's daemon hands over its own keys", len(keys) >= 1 and all(len(k["key_data"]) == 32 for k in keys),
              f"{len(keys)} day(s) of keys")
        issued = json.loads(subprocess.run([SERVER, "number", "issue", "--config", server_config_path, "--json"],
                                           capture_output=True, text=True, check=True).stdout)
        today = time.strftime("%Y-%m-%d", time.gmtime(origin + (time.time() - origin) * SPEED + shift))
        registered = people["A"].cli("register", "--config", people["A"].config, "--server", f"http://127.0.0.1:{PORT}",
                                     "--symptoms", "yes", "--onset-date", today, "--processing-number", issued["processing_number"],
                                     "--consent", "--json", check=False)
        answer = json.loads(registered.stdout) if registered.returncode == 0 else {}
        check("A registers with the processing number: the server verifies it and accepts the keys",
              answer.get("status") == "registered" and answer.get("keys_accepted") == len(keys),
              json.dumps(answer) if answer else registered.stderr.strip()[-200:])
        exported = subprocess.run([SERVER, "export", "--config", next_day_config, "--json"], capture_output=True, text=True)
        report = json.loads(exported.stdout) if exported.returncode == 0 else {}
        check("the server's export worker signs them into a padded file the next day",
              report.get("files_written") == 1 and report.get("keys_published") == len(keys), json.dumps(report) or exported.stderr[-200:])
        say(f"A tests positive. The health centre issues processing number {issued['processing_number'][:2]}…; "
            f"`bleagent register` shares A's {len(keys)} day(s) of keys after showing them; the next day the server signs them "
            f"into a file padded with random keys and publishes c19r/440/list.json.")

        # The next day for everyone: an agent refuses an index whose files are dated more than a day
        # after its own clock (a file "from the future" would hold its position there for good).
        for person in people.values():
            person.next_day(NEXT_DAY)
        back = {name: wait_until(person.running, 60) for name, person in people.items()}
        check("the daemons start again the next day", all(back.values()), ", ".join(n for n, up in back.items() if not up))

        # Watch B's D-Bus interface for the ContactDay signal (what `bleagent notify --follow` turns into a desktop notification).
        monitor = subprocess.Popen(["dbus-monitor", "--address", f"unix:path={people['B'].bus_path}",
                                    "type='signal',interface='org.bleagent.Agent1',member='ContactDay'"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        signals = []
        threading.Thread(target=lambda: signals.extend(monitor.stdout), daemon=True).start()
        time.sleep(1)
        # Everyone downloads and matches now (the daemons would on their own within download_interval_hours).
        reports = {}
        for name in ("B", "C", "A"):
            result = people[name].cli("download", "--json", check=False)
            reports[name] = json.loads(result.stdout) if result.stdout.strip() else {"errors": [result.stderr.strip()]}
            say(f"{name} downloads the key list: {reports[name].get('files', 0)} new file, "
                f"{reports[name].get('matched_keys', 0)} key(s) matched, new contact days: {reports[name].get('new_contact_days') or 'none'}")
        for name in ("A", "B", "C"):
            check(f"{name} downloads and verifies the file without error", not reports[name].get("errors") and reports[name].get("files") == 1,
                  json.dumps(reports[name]))

        exposures = {name: people[name].json("exposures") for name in people}
        b = exposures["B"]
        # Each scan counts the time since the previous one (3 simulated minutes, at most 6 when the
        # emulator stalls): the spans add up to the meeting, plus the first window's span before it
        # (≤ 6) and the last window's lag after it (≤ 3), minus a scan missed at either end.
        period = 6 * SPEED / 60
        check(f"B: one contact day of about {met_minutes:.0f} minutes", len(b) == 1 and b[0]["contacts"] == 1
              and met_minutes - 2 * period <= b[0]["minutes"] <= met_minutes + 3 * period + 1,
              json.dumps(b))
        check(f"C ({PASS_BY_MINUTES} minutes at {PASS_BY_RSSI} dBm, then −90 dBm): no contact day", exposures["C"] == [], json.dumps(exposures["C"]))
        check("A (whose own keys these are): no contact day", exposures["A"] == [], json.dumps(exposures["A"]))
        for name in ("B", "C"):
            shown = people[name].cli("exposures").stdout.strip()
            say(f"`bleagent exposures` on {name}:\n" + "\n".join("    " + line for line in shown.splitlines()))

        notices = wait_until(lambda: people["B"].journal.notices(), 10)
        check("B's notice goes to the journal once, with its MESSAGE_ID and without the date",
              len(notices) == 1 and bool(b) and b[0]["date"] not in notices[0] and "bleagent exposures" in notices[0],
              f"{len(notices)} journal notice(s)")
        hooked = wait_until(lambda: os.path.exists(people["B"].hook_out) and open(people["B"].hook_out).read().split(), 10)
        check("B's hook command runs once for the day", bool(b) and hooked == [b[0]["date"], str(b[0]["contacts"]), str(b[0]["minutes"])],
              f"hook saw {hooked}")
        def contact_day_dates():
            dates, inside = [], False
            for line in list(signals):
                if line.startswith("signal "):
                    inside = "member=ContactDay" in line
                elif inside and line.strip().startswith("string"):
                    dates.append(line.split('"')[1])
                    inside = False
            return dates
        wait_until(contact_day_dates, 5)
        monitor.terminate()
        dates = contact_day_dates()
        check("B's daemon emits one ContactDay D-Bus signal for the day", bool(b) and dates == [b[0]["date"]], f"signal dates {dates}")
        check("C gets no notice", people["C"].journal.notices() == [] and not os.path.exists(people["C"].hook_out), "")
        again = people["B"].json("download")
        check("a second download brings nothing new and notifies nothing again",
              again.get("files") == 0 and not again.get("new_contact_days") and len(people["B"].journal.notices()) == 1, json.dumps(again))
        say("B got the notice (journal entry with MESSAGE_ID, D-Bus ContactDay signal, hook); C and A did not.")

        figures = {}
        for name, person in people.items():
            cpu, rss = proc_figures(person.daemon.pid)
            figures[name] = {"cpu_seconds": round(cpu, 2), "rss_mib": round(rss, 1)}
        say("Daemon resources so far: " + ", ".join(f"{n} {f['rss_mib']} MiB RSS, {f['cpu_seconds']} s CPU" for n, f in figures.items())
            + " (the guest's CPU is emulated: upper bounds).")
        soak = float(os.environ.get("STORY_SOAK", "0"))
        if soak > 0:
            soak_figures(people, soak)
    finally:
        for person in people.values() if "people" in locals() else []:
            person.stop()
        http.terminate()
    say(f"The story took {time.time() - started:.0f} s.")


def soak_figures(people, seconds):
    """The three daemons restarted at real speed (production duty cycle: a 4 s scan every 240 s) and
    left idle for `seconds`; their CPU and memory sampled every 5 s after a 30 s warm-up."""
    for person in people.values():
        person.daemon.terminate()
        person.daemon.wait(timeout=30)
        with open(person.config) as f:
            text = f.read()
        with open(person.config, "w") as f:
            f.write("\n".join(line for line in text.splitlines() if not line.startswith(("clock", "scan_window", "scan_period"))) + "\n")
        person.daemon = subprocess.Popen([BLEAGENT, "run", "--config", person.config, "--service-bus-address", f"unix:path={person.bus_path}"],
                                         env=person.env, stdout=subprocess.DEVNULL,
                                         stderr=open(os.path.join(SHARE, f"daemon-{person.name}-soak.log"), "w"))
    say(f"Soak: the daemons run at real speed for {seconds:.0f} s (after 30 s of warm-up).")
    time.sleep(30)
    samples = {name: [] for name in people}
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        for name, person in people.items():
            try:
                cpu, rss = proc_figures(person.daemon.pid)
                with open(f"/proc/{person.daemon.pid}/smaps_rollup") as f:
                    rollup = {line.split(":")[0]: int(line.split()[1]) for line in f if line.split(":")[0] in ("Pss", "Private_Dirty")}
                samples[name].append((time.monotonic() - start, cpu, rss, rollup.get("Private_Dirty", 0) / 1024, rollup.get("Pss", 0) / 1024))
            except (OSError, StopIteration, ValueError):
                pass
        time.sleep(5)
    result = {}
    for name, rows in samples.items():
        if len(rows) > 1:
            result[name] = {"seconds": round(rows[-1][0] - rows[0][0]), "cpu_percent_average": round(100 * (rows[-1][1] - rows[0][1]) / (rows[-1][0] - rows[0][0]), 2),
                            "rss_mib_max": round(max(r[2] for r in rows), 1), "rss_mib_last": round(rows[-1][2], 1),
                            "private_dirty_mib_max": round(max(r[3] for r in rows), 1), "pss_mib_last": round(rows[-1][4], 1)}
    with open(os.path.join(SHARE, "resources-story.json"), "w") as f:
        json.dump(result, f, indent=1)
    say("Idle for " + f"{seconds:.0f} s: " + json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # a broken step is a failed check, with its reason
        check("the story runs to its end", False, f"{type(error).__name__}: {error}")
    with open(os.path.join(SHARE, "verdict-story.json"), "w") as f:
        json.dump(checks, f, indent=1)
    failed = [c for c in checks if not c["pass"]]
    print(f"story: {len(checks) - len(failed)}/{len(checks)} checks passed", flush=True)
    sys.exit(1 if failed or not checks else 0)
