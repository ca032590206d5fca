"""`bleagent field report` as a person sees it: Debian's headless Chromium, cut off from any network,
renders the page to a PNG; the DOM it parsed holds every plot. The report's inputs come from the
independent GAEN implementation (gaen_crypto) and export writer (gaen_export)."""
import json
import os
import random
import shutil
import struct
import subprocess
import unittest

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization

import gaen_crypto
import gaen_export
from agenttest import WorkdirTestCase, run_json

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@unittest.skipIf(CHROMIUM is None and not os.environ.get("CI"), "Debian's chromium is not installed (scripts/test.sh installs it)")
class FieldReportInABrowser(WorkdirTestCase):
    def make_inputs(self):
        rng = random.Random(16)
        tek = bytes(rng.getrandbits(8) for _ in range(16))
        day = 20_400
        key = ec.generate_private_key(ec.SECP256R1())
        public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        header = {"start_timestamp": day * 86400, "end_timestamp": (day + 1) * 86400, "region": "440", "batch_num": 1, "batch_size": 1}
        published = [{"key_data": tek.hex(), "rolling_start_interval_number": day * 144, "rolling_period": 144,
                      "transmission_risk_level": 0}]
        with open(self.path("keys.zip"), "wb") as f:
            f.write(gaen_export.write_signed_zip(header, published, [], key, "440", "v1"))
        lines = []
        t = day * 86400 + 9 * 3600
        for scan in range(12):       # 12 scans 2 minutes apart at 8 − (−42) = 50 dB
            t += 120
            r = gaen_crypto.rpi(tek, t // 600)
            lines.append({"time": t, "rpi": r.hex(), "aem": gaen_crypto.aem(tek, r, bytes([0x40, 8, 0, 0])).hex(),
                          "rssi": -42, "rssi_max": -38, "seconds_since_last_scan": 120})
        for _ in range(200):
            lines.append({"time": day * 86400 + rng.randrange(8 * 3600, 18 * 3600), "aem": "00000000", "rssi": -75,
                          "rpi": bytes(rng.getrandbits(8) for _ in range(16)).hex(), "seconds_since_last_scan": 240})
        with open(self.path("heard.jsonl"), "w") as f:
            f.write("\n".join(json.dumps(line) for line in lines) + "\n")
        with open(self.path("device.toml"), "w") as f:
            f.write("[radio]\ntx_power_dbm = -13\nrssi_correction_db = 0\n")
        with open(self.path("public.pem"), "w") as f:
            f.write(public_pem)
        return self.path("public.pem")

    def chromium(self, *args):
        """Headless Chromium with no network at all (a new, empty network namespace) where this may make one."""
        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + self.path("profile"), *args]
        isolated = subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
        if isolated:
            command = ["unshare", "--net", *command]
        elif os.environ.get("CI"):
            self.fail("CI must render the report with no network (unshare --net failed: run the tests as root)")
        return subprocess.run(command, capture_output=True, text=True, timeout=120), isolated

    def test_the_page_renders_offline_with_every_plot(self):
        public_pem = self.make_inputs()
        summary = run_json("field", "report", "--sightings", self.path("heard.jsonl"), "--keys", self.path("keys.zip"),
                           "--public-key", f"440:v1={public_pem}", "--risk", "cocoa", "--config", self.path("device.toml"),
                           "-o", self.path("report.html"))
        # 12 scans × 120 s at 50 dB (COCOA's 47–60 dB bucket, × 2.5) = 3,600 ≥ 1,350 and 1,440 s ≥ 900 s.
        self.assertEqual(summary["matched_keys"], 1)
        self.assertEqual(summary["contact_days"], ["2025-11-08"])
        self.assertEqual(os.stat(self.path("report.html")).st_mode & 0o777, 0o600)
        dom, isolated = self.chromium("--dump-dom", "file://" + self.path("report.html"))
        self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
        html = dom.stdout
        self.assertEqual(html.count("<svg"), 4, "days, one key's trace, the histogram, continuity")
        self.assertEqual(html.count('class="typical"'), 12)
        self.assertEqual(html.count('class="contact"'), 1)
        self.assertIn("≤ 60 dB × 2.5", html)
        self.assertIn("TX power -13 dBm, RSSI correction 0 dB", html)
        shot, _ = self.chromium("--screenshot=" + self.path("report.png"), "--window-size=1000,1800", "--hide-scrollbars",
                                "file://" + self.path("report.html"))
        self.assertEqual(shot.returncode, 0, shot.stderr[-2000:])
        with open(self.path("report.png"), "rb") as f:
            png = f.read()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        self.assertEqual((width, height), (1000, 1800))
        # A blank page compresses to a few KiB; four plots and their labels do not.
        self.assertGreater(len(png), 40_000, f"{len(png)} bytes: the page looks empty")
        keep = os.environ.get("BLEAGENT_KEEP_REPORT")
        if keep:
            shutil.copy(self.path("report.png"), keep)
            shutil.copy(self.path("report.html"), keep.replace(".png", ".html"))
        print(f"\nfield report rendered by {os.path.basename(CHROMIUM)} {'with no network' if isolated else 'WITH network'}: "
              f"{len(png)} bytes of PNG, {html.count('<svg')} plots, {html.count('<circle')} points, {html.count('<rect')} rectangles")


if __name__ == "__main__":
    unittest.main()
