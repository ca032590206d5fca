"""Sightings files and btmon captures. A btsnoop capture is written here with struct from the format's
public description (header "btsnoop\\0", version 1, datalink 2001 as `btmon -w` writes; records with
flags = index << 16 | opcode, event opcode 3; timestamps in µs since year 0), LE Advertising Reports
legacy and extended laid out by hand; the sightings expected are computed here independently (mean
rounded half away from zero, as the agent rounds). Then `sightings convert`, `store import` of the
CSV and `store export` (its refusals, and what it writes)."""
import csv
import decimal
import json
import os
import struct
import subprocess
import time
import unittest

from agenttest import BLEAGENT, WorkdirTestCase, run, run_json

EPOCH_US = 0x00DCDDB30F2F8000


def capture_header(datalink=2001):
    return b"btsnoop\0" + struct.pack(">II", 1, datalink)


def record(packet, flags, t):
    return struct.pack(">IIIIQ", len(packet), len(packet), flags, 0, EPOCH_US + round(t * 1e6)) + packet


def gaen_ad(rpi, aem):
    return bytes([2, 1, 0x1A, 3, 3, 0x6F, 0xFD, 0x17, 0x16, 0x6F, 0xFD]) + rpi + aem


def legacy_event(data, rssi):
    params = bytes([0x02, 1]) + struct.pack("<BB6sB", 3, 1, b"\x11" * 6, len(data)) + data + struct.pack("b", rssi)
    return bytes([0x3E, len(params)]) + params


def extended_event(data, rssi):
    params = bytes([0x0D, 1]) + struct.pack("<HB6sBBBbbHB6sB", 0x10, 1, b"\x22" * 6, 1, 0, 0xFF, 127, rssi, 0, 0, b"\0" * 6, len(data)) + data
    return bytes([0x3E, len(params)]) + params


def mean(values):
    exact = decimal.Decimal(sum(values)) / decimal.Decimal(len(values))
    return int(exact.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


A, B, C = bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48))
AEM = bytes([0x40, 8, 0, 0])


class SightingsFromACapture(WorkdirTestCase):
    def setUp(self):
        super().setUp()
        self.t0 = int(time.time()) - 7200 + 0.25
        t0 = self.t0
        # (time offset, controller, event): two scan windows of hci0 240 s apart, one of hci1, noise.
        events = [
            (0.0, 0, legacy_event(gaen_ad(A, AEM), -50)),
            (0.1, 0, legacy_event(bytes([2, 1, 6, 5, 0xFF, 0x4C, 0, 2, 0x15]), -30)),   # an iBeacon-ish advert
            (0.9, 0, legacy_event(gaen_ad(A, AEM), -61)),
            (1.7, 0, extended_event(gaen_ad(B, AEM), -80)),
            (3.8, 0, legacy_event(gaen_ad(A, AEM), -60)),
            (100.0, 1, legacy_event(gaen_ad(C, AEM), -45)),
            (240.0, 0, legacy_event(gaen_ad(A, AEM), -70)),
            (240.6, 0, legacy_event(gaen_ad(A, AEM), -71)),
        ]
        data = capture_header() + record(b"\0" * 16, 0, t0)                       # New Index
        data += record(bytes([0x0C, 0x20, 2, 1, 0]), 2, t0)                       # a command: skipped
        for offset, index, event in events:
            data += record(event, index << 16 | 3, t0 + offset)
        self.capture = self.path("capture.btsnoop")
        with open(self.capture, "wb") as f:
            f.write(data)
        self.expected = [   # (time, rpi, rssi, rssi_max, seconds, packets) for hci0
            (int(t0), A, mean([-50, -61, -60]), -50, 240, [-50, -61, -60]),
            (int(t0), B, -80, -80, 240, [-80]),
            (int(t0 + 240), A, mean([-70, -71]), -70, 240, [-70, -71]),
        ]

    def test_capture_to_csv_matches_an_independent_grouping(self):
        report = run_json("sightings", "convert", self.capture, "-o", self.path("heard.csv"), "--controller", "hci0", "--keep-packets")
        self.assertEqual((report["gaen_reports"], report["scan_instances"], report["sightings"], report["rpis"]), (7, 2, 3, 2))
        self.assertEqual(report["controllers"], ["hci0", "hci1"])
        self.assertEqual(os.stat(self.path("heard.csv")).st_mode & 0o777, 0o600)
        with open(self.path("heard.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(list(rows[0].keys()), ["time", "rpi", "aem", "rssi", "rssi_max", "seconds_since_last_scan", "rssi_packets"])
        got = [(int(r["time"]), bytes.fromhex(r["rpi"]), int(r["rssi"]), int(r["rssi_max"]), int(r["seconds_since_last_scan"]),
                [int(p) for p in r["rssi_packets"].split(";")]) for r in rows]
        self.assertEqual(got, self.expected)
        self.assertEqual(self.expected[2][2], -71)   # −70.5 rounds away from zero, as the agent rounds
        self.assertTrue(all(r["aem"] == AEM.hex() for r in rows))
        print(f"capture → {len(rows)} sightings, mean RSSI {[g[2] for g in got]}")

    def test_capture_to_jsonl_keeps_each_controller(self):
        run("sightings", "convert", self.capture, "-o", self.path("heard.jsonl"))
        with open(self.path("heard.jsonl")) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 4)
        self.assertEqual([(line["rpi"], line["adapter"]) for line in lines][2], (C.hex(), 1))
        self.assertNotIn("rssi_packets", lines[0])
        # Human output says what was written, and what it holds.
        text = run("sightings", "convert", self.capture, "-o", self.path("again.csv")).stdout
        self.assertIn("4 sightings of 3 RPIs", text)
        self.assertIn("people nearby", text)

    def test_damaged_captures_are_refused_with_the_record(self):
        with open(self.capture, "rb") as f:
            data = f.read()
        with open(self.path("cut.btsnoop"), "wb") as f:
            f.write(data[:-4])
        result = run("sightings", "convert", self.path("cut.btsnoop"), "-o", self.path("out.csv"), check=False)
        self.assertEqual(result.returncode, 65)
        self.assertIn("record 10: the file ends early", result.stderr)
        self.assertFalse(os.path.exists(self.path("out.csv")))
        with open(self.path("huge.btsnoop"), "wb") as f:
            f.write(capture_header() + struct.pack(">IIIIQ", 0xFFFFFFFF, 0xFFFFFFFF, 3, 0, EPOCH_US) + b"\x3e\x00")
        result = run("match", "--sightings", self.path("huge.btsnoop"), "--keys", self.path("none.zip"), check=False)
        self.assertEqual(result.returncode, 65)
        self.assertIn("record 1", result.stderr)

    def test_store_import_reads_csv_and_store_export_refuses_then_writes(self):
        if os.geteuid() != 0:
            self.skipTest("store export is for root")
        state = self.path("state")
        run("sightings", "convert", self.capture, "-o", self.path("heard.csv"), "--controller", "0")
        stored = run_json("store", "import", self.path("heard.csv"), "--state-dir", state)
        self.assertEqual(stored["stored"], 3)
        out = self.path("export.csv")
        refused = run("store", "export", "-o", out, "--state-dir", state, check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("Would write", refused.stdout)
        self.assertIn("3 sightings of 2 RPIs", refused.stdout)
        self.assertIn("your responsibility", refused.stdout)
        self.assertIn("--yes", refused.stderr)
        self.assertFalse(os.path.exists(out))
        report = run_json("store", "export", "-o", out, "--state-dir", state, "--yes")
        self.assertEqual((report["sightings"], report["rpis"], report["written"]), (3, 2, True))
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        with open(out) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(sorted((int(r["time"]), r["rpi"], int(r["rssi"]), int(r["rssi_max"])) for r in rows),
                         sorted((e[0], e[1].hex(), e[2], e[3]) for e in self.expected))
        # Another account: refused with exit 77 before anything is read.
        os.chmod(self.dir, 0o755)
        other = subprocess.run([BLEAGENT, "store", "export", "--yes", "-o", "/tmp/nobody-export.csv", "--state-dir", state],
                               user="nobody", group="nogroup", extra_groups=[], capture_output=True, text=True, cwd="/", timeout=60)
        self.assertEqual(other.returncode, 77, other.stderr)
        self.assertIn("root only", other.stderr)
        self.assertFalse(os.path.exists("/tmp/nobody-export.csv"))
        print(f"store export: refused without --yes and to nobody; wrote {len(rows)} sightings with --yes")


if __name__ == "__main__":
    unittest.main()
