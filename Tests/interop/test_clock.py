"""A wrong clock against the real daemon. The kernel of the machine running the tests says whether
its clock is synchronised (adjtimex); a machine without an NTP client (these test machines, a
Raspberry Pi just booted without network) says it is not. The daemon's own time is then moved two
days back or fifteen days ahead with `[agent] clock` (as a Pi's clock or a step by hand would be),
and sped up so that its 10-minute housekeeping (expiry, key roll) runs every two seconds."""
import ctypes
import json
import os
import time
import unittest

from agenttest import BLEAGENT, ProcessTestCase, bus_env, run, start_bus, wait_for

DAY = 86400
STA_UNSYNC = 0x40
TIME_ERROR = 5


class Timex(ctypes.Structure):
    """struct timex of <sys/timex.h> on 64-bit Linux: the fields up to `status`, then room for the rest."""
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long), ("maxerror", ctypes.c_long),
                ("esterror", ctypes.c_long), ("status", ctypes.c_int), ("rest", ctypes.c_byte * 256)]


def clock_synchronised():
    """What the kernel says (adjtimex, reading only): what timedatectl shows as "System clock synchronized"."""
    request = Timex()
    state = ctypes.CDLL(None, use_errno=True).adjtimex(ctypes.byref(request))
    return state >= 0 and state != TIME_ERROR and not request.status & STA_UNSYNC


@unittest.skipIf(clock_synchronised(), "this machine's clock is synchronised by NTP: the daemon would trust it")
class UnsynchronisedClock(ProcessTestCase):
    def setUp(self):
        super().setUp()
        self.bus = start_bus(self.path("bus"), self.procs)
        self.env = bus_env(self.bus)
        self.state = self.path("state")
        now = int(time.time())
        with open(self.path("sightings.jsonl"), "w") as f:
            for i in range(20):
                f.write(json.dumps({"time": now - 120 * i, "rpi": f"{i:032x}", "aem": "00000000", "rssi": -50,
                                    "seconds_since_last_scan": 120}) + "\n")
        run("consent", "--accept", "--yes", "--state-dir", self.state, env=self.env)
        stored = json.loads(run("store", "import", self.path("sightings.jsonl"), "--state-dir", self.state, "--json", env=self.env).stdout)
        self.assertEqual(stored["stored"], 20)

    def held(self):
        return json.loads(run("store", "stats", "--state-dir", self.state, "--json", env=self.env).stdout)["sightings"]

    def run_daemon_with_clock(self, offset):
        """The daemon with its time `offset` seconds off, for 8 s of real time (housekeeping every 2 s);
        returns its status as it ran."""
        now = int(time.time())
        config = self.path("bleagent.toml")
        with open(config, "w") as f:
            f.write(f'[agent]\nstate_directory = "{self.state}"\nclock = "speed=300,origin={now},offset={offset}"\n')
        notify = self.datagrams(f"notify{offset}.sock")
        daemon = self.spawn([BLEAGENT, "run", "--config", config, "--bus-address", self.bus],
                            env=dict(self.env, NOTIFY_SOCKET=notify.path, BLEAGENT_JOURNAL_SOCKET=self.path("journal.sock")))
        self.assertTrue(wait_for(lambda: any("READY=1" in m for m in notify.messages), 30), "no READY=1")
        time.sleep(8)
        status = json.loads(run("status", "--json", env=self.env, check=False).stdout)
        daemon.terminate()
        daemon.wait(timeout=30)
        return status

    def test_a_clock_two_days_back_or_fifteen_days_ahead_destroys_nothing(self):
        for offset, name in ((-2 * DAY, "two days back"), (15 * DAY, "fifteen days ahead")):
            status = self.run_daemon_with_clock(offset)
            held = self.held()
            print(f"a clock {name}, not synchronised: {20 - held} of 20 records lost; status: {status.get('clock')}")
            self.assertEqual(held, 20)
            self.assertIn("waiting for the system clock to be synchronised", status.get("clock") or "")
            self.assertEqual(status["downloads"].get("next_at"), None)
