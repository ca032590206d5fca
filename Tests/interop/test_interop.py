"""Interop tests: bleagent's CLI against independent Python implementations (protobuf, cryptography,
zipfile) and the openssl command. Run by scripts/test.sh with BLEAGENT set to the built binary."""
import json
import os
import random
import subprocess
import unittest
import zipfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gaen_crypto
import gaen_export
from agenttest import FIXTURES, REPO, WorkdirTestCase, run, run_json


class Workdir(WorkdirTestCase):
    def signing_key(self, fmt="pkcs8"):
        key = ec.generate_private_key(ec.SECP256R1())
        encoding = serialization.PrivateFormat.PKCS8 if fmt == "pkcs8" else serialization.PrivateFormat.TraditionalOpenSSL
        with open(self.path(f"signing-{fmt}.pem"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, encoding, serialization.NoEncryption()))
        with open(self.path("public.pem"), "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        return key, self.path(f"signing-{fmt}.pem"), self.path("public.pem")


class CryptoAgreesWithIndependentGAEN(unittest.TestCase):
    def test_random_teks_every_interval_of_their_day(self):
        rng = random.Random(2026)
        for _ in range(12):
            tek = bytes(rng.getrandbits(8) for _ in range(16))
            start = rng.randrange(2_600_000, 2_900_000) // 144 * 144
            metadata = bytes([rng.choice([0x40, 0x50, 0x54, 0x5C]), rng.randrange(256), 0, 0])
            rows = run_json("crypto", "rpi", "--tek", tek.hex(), "--interval", str(start), "--count", "144",
                            "--metadata", metadata.hex())
            self.assertEqual(len(rows), 144)
            for offset, row in enumerate(rows):
                expected_rpi = gaen_crypto.rpi(tek, start + offset)
                self.assertEqual(row["interval"], start + offset)
                self.assertEqual(row["rpi"], expected_rpi.hex())
                self.assertEqual(row["aem"], gaen_crypto.aem(tek, expected_rpi, metadata).hex())

    def test_google_vector_through_the_cli(self):
        with open(os.path.join(FIXTURES, "gaen-test-vectors.json")) as f:
            vectors = json.load(f)
        rows = run_json("crypto", "rpi", "--tek", vectors["tek"], "--interval", str(vectors["rolling_start_interval_number"]),
                        "--count", "144", "--metadata", vectors["metadata"])
        self.assertEqual([(r["rpi"], r["aem"]) for r in rows], [(a["rpi"], a["aem"]) for a in vectors["advertised"]])


def random_keys(rng, count, start_day=19_000):
    keys = []
    for index in range(count):
        key = {"key_data": bytes(rng.getrandbits(8) for _ in range(16)).hex(),
               "rolling_start_interval_number": (start_day + index % 14) * 144,
               "rolling_period": 1 + rng.randrange(144)}
        if index % 2 == 0:
            key["transmission_risk_level"] = rng.randrange(9)
        if index % 3 == 0:
            key["report_type"] = rng.randrange(1, 6)
        if index % 4 != 0:
            key["days_since_onset_of_symptoms"] = rng.randrange(-14, 15)
        key["revised"] = index % 10 == 9
        keys.append(key)
    return keys


class ExportFilesReadByIndependentParser(Workdir):
    def export(self, keys, fmt="pkcs8"):
        key, private_pem, public_pem = self.signing_key(fmt)
        with open(self.path("keys.json"), "w") as f:
            json.dump(keys, f)
        out = self.path("out.zip")
        report = run_json("keys", "export", "--keys", self.path("keys.json"), "--signing-key", private_pem,
                          "--key-id", "440", "--key-version", "v1", "--region", "440", "--out", out)
        self.assertEqual(report["keys"] + report["revised_keys"], len(keys))
        return out, public_pem

    def test_fields_and_signature(self):
        keys = random_keys(random.Random(7), 200)
        for fmt in ("pkcs8", "sec1"):
            out, public_pem = self.export(keys, fmt)
            with open(out, "rb") as f:
                bin_, sig = gaen_export.read_zip(f.read())
            export = gaen_export.parse_export(bin_)
            self.assertEqual(export.region, "440")
            got = [gaen_export.key_dict(k) for k in export.keys] + [gaen_export.key_dict(k, True) for k in export.revised_keys]
            expected = [k for k in keys if not k["revised"]] + [k for k in keys if k["revised"]]
            self.assertEqual(got, expected)
            signatures = gaen_export.parse_signatures(sig)
            self.assertEqual(len(signatures.signatures), 1)
            entry = signatures.signatures[0]
            self.assertEqual(entry.signature_info.verification_key_id, "440")
            self.assertEqual(entry.signature_info.verification_key_version, "v1")
            self.assertEqual(entry.signature_info.signature_algorithm, gaen_export.ECDSA_OID)
            with open(public_pem, "rb") as f:
                pem = f.read()
            self.assertTrue(gaen_export.verify(bin_, entry.signature, pem))
            # And with the openssl command line.
            with open(self.path("export.bin"), "wb") as f:
                f.write(bin_)
            with open(self.path("sig.der"), "wb") as f:
                f.write(entry.signature)
            result = subprocess.run(["openssl", "dgst", "-sha256", "-verify", public_pem, "-signature", self.path("sig.der"),
                                     self.path("export.bin")], capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn("Verified OK", result.stdout)
            # Python's zipfile reads the container and checks its CRCs.
            with zipfile.ZipFile(out) as z:
                self.assertIsNone(z.testzip())


class FilesFromAnIndependentWriter(Workdir):
    def write(self, keys, revised):
        key, _, public_pem = self.signing_key()
        header = {"start_timestamp": 1_700_000_000, "end_timestamp": 1_700_086_400, "region": "JP",
                  "batch_num": 1, "batch_size": 1}
        data = gaen_export.write_signed_zip(header, keys, revised, key, "jp-test", "v3")
        out = self.path("python.zip")
        with open(out, "wb") as f:
            f.write(data)
        return out, public_pem, data

    def test_report_type_onset_and_revised_keys(self):
        rng = random.Random(11)
        keys = random_keys(rng, 60)
        regular = [k for k in keys if not k["revised"]]
        revised = [k for k in keys if k["revised"]]
        # Some keys without rolling_period: the default 144 applies.
        for k in regular[:5]:
            del k["rolling_period"]
        out, public_pem, _ = self.write(regular, revised)
        report = run_json("keys", "inspect", out, "--public-key", f"jp-test:v3={public_pem}")
        self.assertEqual(report["region"], "JP")
        self.assertEqual(report["signature"]["status"], "valid")
        self.assertEqual(report["signature"]["key_id"], "jp-test")
        self.assertEqual(report["signature"]["key_version"], "v3")
        expected = []
        for k in regular + revised:
            e = dict(k)
            e.setdefault("rolling_period", 144)
            expected.append(e)
        self.assertEqual(report["keys"], expected)
        self.assertEqual(report["warnings"], [])

    def test_tampered_file_is_invalid_with_exit_code_3(self):
        keys = random_keys(random.Random(12), 10)
        out, public_pem, data = self.write([k for k in keys if not k["revised"]], [])
        bin_, sig = gaen_export.read_zip(data)
        tampered = bytearray(bin_)
        tampered[-3] ^= 0x01
        with open(self.path("export.bin"), "wb") as f:
            f.write(bytes(tampered))
        with open(self.path("export.sig"), "wb") as f:
            f.write(sig)
        result = run("keys", "inspect", self.path("export.bin"), "--public-key", public_pem, "--json", check=False)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertEqual(json.loads(result.stdout)["signature"]["status"], "invalid")
        self.assertIn("does not verify", result.stderr)


class MatchEndToEnd(Workdir):
    """A key published by an independent writer, sightings computed by an independent GAEN implementation."""

    def scenario(self, minutes, rssi):
        rng = random.Random(minutes * 1000 + rssi)
        tek = bytes(rng.getrandbits(8) for _ in range(16))
        day = 20_300
        start = day * 144
        out, public_pem = None, None
        key, _, public_pem = self.signing_key()
        header = {"start_timestamp": day * 86400, "end_timestamp": (day + 1) * 86400, "region": "440",
                  "batch_num": 1, "batch_size": 1}
        published = [{"key_data": tek.hex(), "rolling_start_interval_number": start, "rolling_period": 144,
                      "transmission_risk_level": 0}]
        published += [{"key_data": bytes(rng.getrandbits(8) for _ in range(16)).hex(),
                       "rolling_start_interval_number": start, "rolling_period": 144} for _ in range(50)]
        with open(self.path("keys.zip"), "wb") as f:
            f.write(gaen_export.write_signed_zip(header, published, [], key, "440", "v1"))
        lines = []
        t = day * 86400 + 10 * 3600
        for scan in range(minutes // 2):
            t += 120
            interval = t // 600
            r = gaen_crypto.rpi(tek, interval)
            a = gaen_crypto.aem(tek, r, bytes([0x40, 8, 0, 0]))  # TX power 8 dBm
            lines.append({"time": t, "rpi": r.hex(), "aem": a.hex(), "rssi": rssi, "seconds_since_last_scan": 120})
        for _ in range(300):
            lines.append({"time": day * 86400 + rng.randrange(86400), "rpi": bytes(rng.getrandbits(8) for _ in range(16)).hex(),
                          "aem": "00000000", "rssi": -70, "seconds_since_last_scan": 240})
        with open(self.path("sightings.jsonl"), "w") as f:
            f.write("\n".join(json.dumps(line) for line in lines) + "\n")
        today = "2025-08-01"  # day 20_300 is 2025-07-31
        return run_json("match", "--sightings", self.path("sightings.jsonl"), "--keys", self.path("keys.zip"),
                        "--public-key", f"440:v1={public_pem}", "--today", today)

    def test_twenty_minutes_at_fifty_db_is_a_contact_day(self):
        report = self.scenario(20, 8 - 50)
        self.assertEqual(report["files"][0]["status"], "matched")
        self.assertEqual(report["files"][0]["signature"], "valid")
        self.assertEqual(len(report["matches"]), 1)
        self.assertEqual(len(report["matches"][0]["scan_instances"]), 10)
        self.assertEqual(report["days"], [{"date": "2025-07-31", "contact": True, "minutes": 20, "score": 3000, "windows": 1}])

    def test_five_minutes_is_not(self):
        report = self.scenario(6, 8 - 50)
        self.assertEqual([d["contact"] for d in report["days"]], [False])

    def test_thirty_minutes_at_eighty_db_is_not(self):
        report = self.scenario(30, 8 - 80)
        self.assertEqual([d["contact"] for d in report["days"]], [False])
        # Out of range (past 65 dB): no minutes and no contact counted, only its weighted score.
        self.assertEqual((report["days"][0]["minutes"], report["days"][0]["windows"]), (0, 0))


class ClearErrors(Workdir):
    def test_exit_codes_and_messages(self):
        result = run("keys", "inspect", self.path("missing.zip"), check=False)
        self.assertEqual(result.returncode, 66)
        self.assertIn("missing.zip", result.stderr)
        with open(self.path("junk.zip"), "wb") as f:
            f.write(b"PK\x03\x04 not really a zip")
        result = run("keys", "inspect", self.path("junk.zip"), check=False)
        self.assertEqual(result.returncode, 65)
        self.assertIn("zip", result.stderr)
        result = run("crypto", "rpi", "--tek", "abc", "--interval", "1", check=False)
        self.assertEqual(result.returncode, 64)
        self.assertIn("--tek", result.stderr)
        with open(self.path("s.jsonl"), "w") as f:
            f.write('{"time": 1, "rpi": "00", "aem": "00000000", "rssi": -50, "seconds_since_last_scan": 1}\n')
        result = run("match", "--sightings", self.path("s.jsonl"), "--keys", self.path("junk.zip"), check=False)
        self.assertEqual(result.returncode, 65)
        self.assertIn("s.jsonl:1", result.stderr)
        # A good sightings file (Windows line endings too) against a malformed, a missing and an unsigned-by-us file.
        line = '{"time": 1596369600, "rpi": "' + "ab" * 16 + '", "aem": "00000000", "rssi": -50, "seconds_since_last_scan": 240}'
        with open(self.path("good.jsonl"), "w", newline="") as f:
            f.write(line + "\r\n" + line + "\r\n")
        result = run("match", "--sightings", self.path("good.jsonl"), "--keys", self.path("junk.zip"), check=False)
        self.assertEqual(result.returncode, 65, result.stderr)
        self.assertIn("refused", result.stderr)
        result = run("match", "--sightings", self.path("good.jsonl"), "--keys", self.path("missing.zip"), check=False)
        self.assertEqual(result.returncode, 66, result.stderr)
        with open(self.path("keys.json"), "w") as f:
            json.dump([{"key_data": "00" * 16, "rolling_start_interval_number": 2661120, "report_type": 1.5}], f)
        with open(self.path("signing.pem"), "wb") as f:
            f.write(ec.generate_private_key(ec.SECP256R1()).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                                          serialization.NoEncryption()))
        result = run("keys", "export", "--keys", self.path("keys.json"), "--signing-key", self.path("signing.pem"), "--key-id", "1",
                     "--key-version", "v1", "--region", "440", "--out", self.path("x.zip"), check=False)
        self.assertEqual(result.returncode, 65, result.stderr)
        self.assertIn("report_type must be a whole number", result.stderr)


GUIDANCE = os.path.join(REPO, "share", "guidance.json")


class Guidance(Workdir):
    def test_advice_and_contact_for_a_prefecture(self):
        answer = run_json("guidance", "--file", GUIDANCE, "--prefecture", "東京都", "--symptoms", "yes")
        self.assertEqual(list(answer["advice"]), ["symptoms"])
        self.assertEqual(answer["prefecture"]["name"], "Tokyo")
        self.assertTrue(answer["national"]["url"].startswith("https://www.mhlw.go.jp/"))
        text = run("guidance", "--file", GUIDANCE, "--prefecture", "Tokyo", "--symptoms", "no", "--close-contact", "yes").stdout
        self.assertIn("Get tested", text)
        self.assertIn("mhlw.go.jp", text)   # no contact of its own recorded: the national list
        with open(GUIDANCE) as f:
            self.assertEqual(len(json.load(f)["prefectures"]), 47)

    def test_bad_input_is_named(self):
        result = run("guidance", "--file", GUIDANCE, "--prefecture", "Atlantis", check=False)
        self.assertEqual(result.returncode, 65)
        self.assertIn("Atlantis", result.stderr)
        result = run("guidance", "--file", GUIDANCE, "--symptoms", "maybe", check=False)
        self.assertEqual(result.returncode, 64)
        result = run("guidance", "--config", self.path("missing.toml"), check=False)
        self.assertEqual(result.returncode, 78)   # a configuration problem, as in every verb
        self.assertIn("missing.toml", result.stderr)


class StoreVerbs(Workdir):
    def test_stats_and_forget_without_a_store(self):
        state = self.path("state")
        # Nothing is created where there is no store, and that is said (it used to be an empty report, exit 0).
        stats = run("store", "stats", "--state-dir", state, "--json", check=False)
        self.assertEqual(stats.returncode, 66)
        self.assertIn("no contact store", json.loads(stats.stderr)["message"])
        self.assertFalse(os.path.exists(state))
        result = run("forget", "--state-dir", state, "--yes")
        self.assertIn("Nothing to forget", result.stdout)
        result = run("store", "check", "--state-dir", state, check=False)
        self.assertEqual(result.returncode, 66)
        self.assertIn("no contact store", result.stderr)

    def test_forget_asks_before_deleting(self):
        state = self.path("state")
        os.makedirs(state)
        with open(os.path.join(state, "contacts.sqlite"), "wb") as f:
            f.write(b"")
        result = run("forget", "--state-dir", state, check=False, stdin=subprocess.DEVNULL)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--yes", result.stderr)
        self.assertTrue(os.path.exists(os.path.join(state, "contacts.sqlite")))
        run("forget", "--state-dir", state, "--yes")
        self.assertFalse(os.path.exists(os.path.join(state, "contacts.sqlite")))


if __name__ == "__main__":
    unittest.main()
