#!/usr/bin/env python3
"""The notification server's half of the power-cut test, run inside the real-stack guest.

    server_powercut.py --server BIN --data DIR --acks FILE [--check] [--write]

--check  after a cut: SQLite's integrity check on the server's database; every registration the
         server had answered 200 (an "ack" line in FILE) has all its keys stored, once; every case
         whose creation was answered 201 exists; and the reserve number of the last boot (issued,
         acknowledged, never sent) registers now (so the number secret and its case survived). Prints
         one line of figures; exit 1 if anything acknowledged is missing.
--write  starts `bleagent-server serve` on the disk, issues a reserve number ("reserve CASE NUMBER"),
         then registers one case after another (a number issued, then 14 keys sent with it),
         appending a line to FILE after each answer — "issued CASE NUMBER" after a 201, "ack NUMBER
         KEYHEX…" after a 200 — until the power is cut.
FILE lives on the host's share: a line written there has left the guest before the cut."""
import argparse
import base64
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile

PORT = 18480
BASE = f"http://127.0.0.1:{PORT}"


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def config(data):
    path = os.path.join(data, "..", "server.toml")
    with open(path, "w") as f:
        f.write(f"""[server]
listen = "127.0.0.1:{PORT}"
data_directory = "{data}"
serve_exports = false
[database]
url = "sqlite"
[registration]
attempts_per_client_per_hour = 100000000
failed_attempts_per_hour = 100000000
[export]
interval_minutes = 1440
""")
    return path


def start(server, data):
    os.makedirs(data, exist_ok=True)
    # The secrets, once (init keeps what exists: later boots reuse them).
    subprocess.run([server, "init", "--config", config(data)], check=True, capture_output=True)
    process = subprocess.Popen([server, "serve", "--config", config(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("listening on"):
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        sys.exit(f"server did not start: {line.strip()} {process.stderr.read().strip()}")
    with open(os.path.join(data, "admin-token")) as f:
        return process, f.read().strip()


def register(number, keys):
    day = int(time.time()) // 86400
    onset = time.strftime("%Y-%m-%dT00:00:00.000+09:00", time.gmtime(time.time() - 12 * 86400))
    request = {"hasSymptom": True, "onsetOfSymptomOrTestDate": onset,
               "keys": [{"keyData": base64.b64encode(k).decode(), "rollingStartNumber": (day - d) * 144, "rollingPeriod": 144}
                        for d, k in enumerate(keys)],
               "regions": ["440"], "verificationPayload": number, "idempotency_key": str(uuid.uuid4())}
    return http("PUT", f"{BASE}/v3/diagnosis", json.dumps(request).encode(), {"Content-Type": "application/json"})


def varint(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def fields(data):
    """(field number, wire type, value) of one protobuf message, without the protobuf package."""
    i = 0
    while i < len(data):
        tag, i = varint(data, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def published_keys(data):
    """Key data (hex) in every export file the server wrote (TemporaryExposureKeyExport field 7, key field 1)."""
    keys = {}
    folder = os.path.join(data, "exports")
    for root, _, names in os.walk(folder):
        for name in names:
            if not name.endswith(".zip"):
                continue
            with zipfile.ZipFile(os.path.join(root, name)) as archive:
                body = archive.read("export.bin")[16:]
            for number, _, value in fields(body):
                if number == 7:
                    for inner, _, key in fields(value):
                        if inner == 1:
                            keys[key.hex()] = keys.get(key.hex(), 0) + 1
    return keys


def read_acks(path):
    issued, registered, reserve = {}, {}, None
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] in ("issued", "reserve"):
                    issued[parts[2]] = parts[1]
                    if parts[0] == "reserve":
                        reserve = parts[2]
                elif len(parts) > 2 and parts[0] == "ack":
                    registered[parts[1]] = parts[2:]
    return issued, registered, reserve


def check(args):
    issued, registered, reserve = read_acks(args.acks)
    database = os.path.join(args.data, "server.sqlite")
    if not os.path.exists(database):
        print(f"server: no database at {database}; {len(registered)} registrations acknowledged")
        return 1 if registered or issued else 0
    db = sqlite3.connect(database)
    integrity = "; ".join(row[0] for row in db.execute("PRAGMA integrity_check"))
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    stored, cases = {}, set()
    if {"diagnosis_keys", "cases"} <= tables:
        for (key,) in db.execute("SELECT key_data FROM diagnosis_keys"):
            stored[bytes(key).hex()] = stored.get(bytes(key).hex(), 0) + 1
        cases = {row[0] for row in db.execute("SELECT id FROM cases")}
    else:
        integrity += f" (but the schema is gone: tables {sorted(tables)})"
    db.close()
    # The export worker (serve runs a pass at start) moves keys past their embargo into signed files.
    published = published_keys(args.data)
    missing_keys = [k for keys in registered.values() for k in keys if stored.get(k, 0) + published.get(k, 0) != 1]
    missing_cases = [c for c in issued.values() if c not in cases]
    reuse, reuse_ok = "no reserve number", True
    if reserve:
        process, _ = start(args.server, args.data)
        try:
            status, body = register(reserve, [os.urandom(16) for _ in range(14)])
            reuse_ok = status == 200
            reuse = "the reserve number registers" if reuse_ok else f"the reserve number was refused: {status} {body[:200]!r}"
        finally:
            process.terminate()
            process.wait()
    good = integrity == "ok" and not missing_keys and not missing_cases and reuse_ok
    print(f"server: acked {len(registered)} registrations ({sum(len(k) for k in registered.values())} keys; "
          f"{len(stored)} keys in the database, {len(published)} in export files), "
          f"{len(issued)} cases issued; keys not found exactly once {len(missing_keys)}, missing cases {len(missing_cases)}, "
          f"integrity {integrity}; {reuse}")
    return 0 if good else 1


def write(args):
    process, token = start(args.server, args.data)

    def issue():
        status, body = http("POST", f"{BASE}/v1/admin/cases", headers={"Authorization": f"Bearer {token}"})
        if status != 201:
            sys.exit(f"issue: {status} {body[:200]!r}")
        return json.loads(body)

    with open(args.acks, "a", buffering=1) as acks:
        case = issue()
        acks.write(f"reserve {case['case_id']} {case['processing_number']}\n")
        while process.poll() is None:
            case = issue()
            acks.write(f"issued {case['case_id']} {case['processing_number']}\n")
            keys = [os.urandom(16) for _ in range(14)]
            status, body = register(case["processing_number"], keys)
            if status != 200:
                sys.exit(f"register: {status} {body[:200]!r}")
            answer = json.loads(body)
            if answer.get("keys_accepted") != len(keys):
                sys.exit(f"register: not every key accepted: {answer}")
            acks.write(f"ack {case['processing_number']} {' '.join(k.hex() for k in keys)}\n")
    return 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--acks", required=True)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--write", action="store_true")
    arguments = parser.parse_args()
    code = check(arguments) if arguments.check else 0
    if arguments.write:
        code = write(arguments) or code
    sys.exit(code)
