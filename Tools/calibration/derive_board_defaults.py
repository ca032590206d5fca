#!/usr/bin/env python3
"""Derive bleagent's default GAEN calibration figures from public field data.

Usage:
    python3 derive_board_defaults.py [FIELDDATA_DIR]     (default /work/shared/fielddata)

Plain Python 3 standard library only. Reads, never writes, the field data:

  mitll-ua/     MIT Lincoln Lab + Univ. of Arizona phone trials (Android dumpsys logs).
  dublin-tram/  Leith & Farrell tram data set + Google's "EN Calibration June 13th.csv".
  nist-rpi/     NIST: two Raspberry Pi 3 hearing each other at 0.5 m .. 4 m.

GAEN definitions used throughout:
    attenuation A = TX (sender's metadata) - (RSSI measured + receiver's RSSI correction)
so a receiver's RSSI for a given attenuation is  RSSI = TX - C - A.

Sections printed:
  1. A_ref(d) of calibrated phone pairs: A_ref(1 m) and path-loss slope n, from MITLL-UA
     (per packet, static pairs, each phone's own calibration) and from the Dublin tram
     histograms.
  2. Google's calibration table: median TX power and RSSI correction; a few reference models.
  3. Raspberry Pi 3 Pi->Pi RSSI per distance (both directions), fit R(d) = R1 - 10 n log10 d,
     then the Pi defaults (T_pi, C_pi) by splitting the Pi's excess over a phone equally
     between transmit and receive; arithmetic checked in all three directions.
"""

import csv
import glob
import json
import math
import os
import re
import statistics
import sys
from datetime import datetime, timedelta, timezone

FEET = 0.3048  # metres per foot (MITLL positions are in feet)


# --------------------------------------------------------------------------------------
# Small statistics helpers (stdlib only)
# --------------------------------------------------------------------------------------

def quartiles(values):
    """(Q1, median, Q3) with linear interpolation between order statistics."""
    v = sorted(values)
    if len(v) == 1:
        return v[0], v[0], v[0]
    q1, q2, q3 = statistics.quantiles(v, n=4, method="inclusive")
    return q1, q2, q3


def ols(xs, ys):
    """Ordinary least squares y = a + b x. Returns (a, b)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx
    return my - b * mx, b


def theil_sen(xs, ys):
    """Robust line y = a + b x: b = median of pairwise slopes, a = median(y - b x)."""
    slopes = []
    n = len(xs)
    for i in range(n):
        for j in range(i + 1, n):
            dx = xs[j] - xs[i]
            if abs(dx) > 1e-9:
                slopes.append((ys[j] - ys[i]) / dx)
    b = statistics.median(slopes)
    a = statistics.median(y - b * x for x, y in zip(xs, ys))
    return a, b


def hist_quantile(edges, weights, q):
    """Quantile q (0..1) of a histogram, interpolating linearly inside the bin."""
    total = sum(weights)
    target = q * total
    acc = 0.0
    for lo, hi, w in zip(edges[:-1], edges[1:], weights):
        if w > 0 and acc + w >= target:
            return lo + (hi - lo) * (target - acc) / w
        acc += w
    return edges[-1]


def fmt_q(q):
    return "median %6.1f  IQR %6.1f..%6.1f (%4.1f)" % (q[1], q[0], q[2], q[2] - q[0])


# --------------------------------------------------------------------------------------
# 1a. MITLL-UA: per-packet attenuation of static Android->Android pairs
# --------------------------------------------------------------------------------------

TIME_RE = r"(\d{4})-(\d\d?)-(\d\d?)T(\d\d?):(\d\d):(\d\d)([+-]\d\d)(\d\d)?"


def parse_time(s):
    """Parse '2021-02-22T10:09:07-05' or '...-0500' (any Python 3 version)."""
    m = re.match(TIME_RE, s.strip())
    if not m:
        raise ValueError("bad time " + s)
    y, mo, d, h, mi, se, oh, om = m.groups()
    sign = -1 if oh.startswith("-") else 1
    off = timedelta(hours=abs(int(oh)), minutes=int(om or 0)) * sign
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(se), tzinfo=timezone(off))


ADV_RE = re.compile(r"^\s*(\S+)\s+RPI=(\w+)\s+TEK=.*?metadata=(\w+)\s+\(ver=(-?\d+), txPower=(-?\d+)\)")
SIGHT_RPI_RE = re.compile(r"^\s*RPI=(\w+)\s+encryptedMetadata=")
SCAN_RE = re.compile(r"^\s*(\d{4}-\d\d?-\d\d?T[\d:]+[+-]\d+)\s+\((\d+|\?)s\)\s+rssi=\[([^\]]*)\]")
FLAG_RE = re.compile(r"^\s*(rssi_offset|tx_calibration_power|calibration_confidence)\s*=\s*(-?\d+)")


def parse_dumpsys(path):
    """Return dict: flags {name: int}, adv {RPI: (time, txPower, fake)}, sight {RPI: [(t, dur_s, [rssi])]}"""
    flags, adv, sight = {}, {}, {}
    section, cur = None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if "Advertisement records:" in line:
                section = "adv"
                continue
            if "Sighting records:" in line:
                section = "sight"
                continue
            m = FLAG_RE.match(line)
            if m:
                flags[m.group(1)] = int(m.group(2))
                continue
            if section == "adv":
                m = ADV_RE.match(line)
                if m:
                    t, rpi, meta, ver, tx = m.groups()
                    adv[rpi.upper()] = (parse_time(t), int(tx), meta == "fake" or rpi == "fake")
            elif section == "sight":
                m = SIGHT_RPI_RE.match(line)
                if m:
                    cur = m.group(1).upper()
                    sight.setdefault(cur, [])
                    continue
                m = SCAN_RE.match(line)
                if m and cur:
                    t = parse_time(m.group(1))
                    dur = 0 if m.group(2) == "?" else int(m.group(2))
                    rssi = [int(x) for x in m.group(3).split(",") if x.strip()]
                    sight[cur].append((t, dur, rssi))
    return {"flags": flags, "adv": adv, "sight": sight}


def pose_index(agent, minute):
    """Index of the agent's pose at 'minute' since start (last transition <= minute)."""
    idx = 0
    for i, tm in enumerate(agent["transition_mins"]):
        if minute >= tm:
            idx = i
    return idx


def phone_position(agent, idx):
    """3-D position (feet) of the phone carried by the agent in pose idx, or None if absent."""
    pp = agent.get("phone_positions")
    if pp and idx < len(pp) and pp[idx]:
        return pp[idx]
    pos = agent["positions"][idx]
    return pos if pos else None


def mitll_packets(root, margin_min=1.0):
    """All usable Android->Android packets with a static setup distance.

    A packet is kept when:
      - the sender's RPI is in the sender's own advertisement records with real metadata
        (iPhone logs carry synthetic 'fake' metadata: no real TX, so iPhones are skipped;
        iPhone logs also have no sighting records, so they are never receivers);
      - the receiver's rssi_offset is known from its own log (Flags); if a log lacks the
        Flags block the same phone's value from its other logs is used (constant per phone);
      - both agents have a position in the setup (not absent, not motion-capture) and
        neither changes pose during the scan or within margin_min minutes of it;
      - the scan lies between the run's startTime and stopTime;
      - RSSI is a plausible value (-127 < rssi < 0).
    Returns a list of dicts and a dict of counters.
    """
    packets = []
    count = {"scenarios": 0, "runs": 0, "logs": 0, "scans_matched": 0, "scans_not_static": 0,
             "scans_outside_run": 0, "flags_fallback_packets": 0, "skipped_mocap": []}
    # pass 1: phone-id -> calibration seen in any log (to check constancy and for fallback)
    calib_by_phone = {}
    for path in glob.glob(os.path.join(root, "*", "*", "*", "*_dumpsys.txt")):
        pid = os.path.basename(path).split("_")[0]
        d = parse_dumpsys(path)
        if "rssi_offset" in d["flags"]:
            calib_by_phone.setdefault(pid, set()).add(
                (d["flags"]["rssi_offset"], d["flags"].get("tx_calibration_power")))
    for scen_dir in sorted(glob.glob(os.path.join(root, "*"))):
        setups = glob.glob(os.path.join(scen_dir, "*_setup.json"))
        if not setups:
            continue
        setup = json.load(open(setups[0]))
        agents = {a["id"]: a for a in setup["agents"]}
        phones = {p["id"]: p for p in setup["phones"]}
        if setup.get("mocap_type") or any("positions" not in a for a in agents.values()):
            count["skipped_mocap"].append(os.path.basename(scen_dir))
            continue
        count["scenarios"] += 1
        for info_path in sorted(glob.glob(os.path.join(scen_dir, "*", "*_info.json"))):
            run_dir = os.path.dirname(info_path)
            info = json.load(open(info_path))
            t0, t1 = parse_time(info["startTime"]), parse_time(info["stopTime"])
            agent_of = {d["phone"]: d["agent"] for d in info["details"]}
            logs = {}
            for path in glob.glob(os.path.join(run_dir, "*", "*_dumpsys.txt")):
                pid = os.path.basename(path).split("_")[0]
                logs[pid] = parse_dumpsys(path)
            count["runs"] += 1
            count["logs"] += len(logs)
            # RPI -> (sender phone, txPower) for real (non-synthetic) advertisements
            rpi_owner = {}
            for pid, d in logs.items():
                if phones.get(pid, {}).get("calconf") == "i":
                    continue  # iPhone: metadata in these logs is synthetic
                for rpi, (_, tx, fake) in d["adv"].items():
                    if not fake:
                        rpi_owner[rpi] = (pid, tx)
            for rx, d in logs.items():
                off = d["flags"].get("rssi_offset")
                fallback = False
                if off is None:
                    known = calib_by_phone.get(rx)
                    if not known or len(known) != 1:
                        continue
                    off = next(iter(known))[0]
                    fallback = True
                off_t = timedelta(seconds=phones.get(rx, {}).get("time_offset", 0) or 0)
                for rpi, scans in d["sight"].items():
                    if rpi not in rpi_owner:
                        continue
                    tx_pid, tx = rpi_owner[rpi]
                    if tx_pid == rx or tx_pid not in agent_of or rx not in agent_of:
                        continue
                    a_tx, a_rx = agents[agent_of[tx_pid]], agents[agent_of[rx]]
                    for t, dur, rssis in scans:
                        count["scans_matched"] += 1
                        t_ref = t - off_t
                        m0 = (t_ref - t0).total_seconds() / 60.0
                        m1 = m0 + dur / 60.0
                        if m0 < 0 or m1 > (t1 - t0).total_seconds() / 60.0:
                            count["scans_outside_run"] += 1
                            continue
                        # static: same pose over [m0 - margin, m1 + margin] for both agents
                        ok = True
                        idx = {}
                        for key, ag in (("tx", a_tx), ("rx", a_rx)):
                            i0 = pose_index(ag, max(0.0, m0 - margin_min))
                            i1 = pose_index(ag, m1 + margin_min)
                            if i0 != i1:
                                ok = False
                            idx[key] = i1
                        p_tx = phone_position(a_tx, idx["tx"]) if ok else None
                        p_rx = phone_position(a_rx, idx["rx"]) if ok else None
                        if not ok or p_tx is None or p_rx is None:
                            count["scans_not_static"] += 1
                            continue
                        dist = math.dist(p_tx, p_rx) * FEET
                        unit = (os.path.basename(run_dir), tx_pid, rx, idx["tx"], idx["rx"])
                        open_ = sum(1 for ag in (a_tx, a_rx)
                                    if ag.get("phone_situation") in ("Hand", "Table"))
                        carriage = ("both carried", "one open", "both open")[open_]
                        for r in rssis:
                            if -127 < r < 0:
                                packets.append({"unit": unit, "d": dist, "att": tx - (r + off),
                                                "rssi": r, "tx": tx, "off": off,
                                                "carriage": carriage,
                                                "scen": os.path.basename(scen_dir)})
                                if fallback:
                                    count["flags_fallback_packets"] += 1
    count["calib_by_phone"] = calib_by_phone
    return packets, count


def section_mitll(root):
    print("=" * 88)
    print("1a. MITLL-UA: attenuation of calibrated Android->Android pairs vs setup distance")
    print("=" * 88)
    packets, c = mitll_packets(os.path.join(root, "mitll-ua"))
    print("scenarios used %d (skipped, motion capture only: %s), runs %d, dumpsys logs %d"
          % (c["scenarios"], ", ".join(c["skipped_mocap"]) or "none", c["runs"], c["logs"]))
    const = all(len(v) == 1 for v in c["calib_by_phone"].values())
    print("each phone's (rssi_offset, tx_calibration_power) is the same in all its logs: %s"
          % ("yes" if const else "NO"))
    print("scans matched to a real sender RPI: %d; dropped not static/absent: %d; outside run: %d"
          % (c["scans_matched"], c["scans_not_static"], c["scans_outside_run"]))
    print("packets kept: %d (of which %d used the phone's rssi_offset from its other logs)"
          % (len(packets), c["flags_fallback_packets"]))

    # one 'unit' = one ordered (sender, receiver) pair in one run in one fixed pose
    units = {}
    for p in packets:
        units.setdefault(p["unit"], []).append(p)
    pairs = {(u[1], u[2]) for u in units}
    print("static pair-configurations (run, sender, receiver, pose): %d; distinct phone pairs %d"
          % (len(units), len(pairs)))

    # distance bins, packet-level quartiles
    bins = [(0.0, 0.8), (0.8, 1.25), (1.25, 2.0), (2.0, 3.0), (3.0, 5.0), (5.0, 8.0), (8.0, 13.0),
            (13.0, 99.0)]
    print("\n  distance bin      packets  configs  attenuation (dB, per packet)")
    for lo, hi in bins:
        sel = [p["att"] for p in packets if lo <= p["d"] < hi]
        nu = len({p["unit"] for p in packets if lo <= p["d"] < hi})
        if sel:
            print("  %5.2f-%5.2f m  %9d %8d   %s" % (lo, hi, len(sel), nu, fmt_q(quartiles(sel))))

    # fit A = A1 + 10 n log10(d) over per-configuration medians (each configuration one point)
    xs, ys, ds = [], [], []
    for u, ps in units.items():
        if len(ps) < 5:
            continue  # too few packets for a stable median
        d = ps[0]["d"]
        xs.append(10 * math.log10(d))
        ys.append(statistics.median(p["att"] for p in ps))
        ds.append(d)
    a_ols, n_ols = ols(xs, ys)
    a_ts, n_ts = theil_sen(xs, ys)
    print("\n  fit over %d configuration medians (>= 5 packets each), %.1f..%.1f m:"
          % (len(xs), min(ds), max(ds)))
    print("    least squares : A(1 m) = %.1f dB, n = %.2f" % (a_ols, n_ols))
    print("    Theil-Sen     : A(1 m) = %.1f dB, n = %.2f" % (a_ts, n_ts))
    # within the 'close contact' range only (<= 3 m), where the default matters most
    sel = [(x, y) for x, y, d in zip(xs, ys, ds) if d <= 3.0]
    a_c, n_c = theil_sen([s[0] for s in sel], [s[1] for s in sel])
    print("    Theil-Sen, configurations <= 3 m only (%d): A(1 m) = %.1f dB, n = %.2f"
          % (len(sel), a_c, n_c))
    near = [p["att"] for p in packets if 0.8 <= p["d"] < 1.25]
    near_units = {p["unit"] for p in packets if 0.8 <= p["d"] < 1.25}
    q_near = quartiles(near) if near else (float("nan"),) * 3
    print("    direct, packets at 0.8-1.25 m: %s  (%d packets, %d configurations)"
          % (fmt_q(q_near), len(near), len(near_units)))
    # residual spread of configuration medians around the Theil-Sen line
    res = [y - (a_ts + n_ts * x) for x, y in zip(xs, ys)]
    rq = quartiles(res)
    print("    configuration medians around Theil-Sen line: IQR %.1f..%.1f dB" % (rq[0], rq[2]))
    raw = [p["rssi"] for p in packets if 0.8 <= p["d"] < 1.25]
    q_raw = quartiles(raw)
    print("    raw Android RSSI at 0.8-1.25 m (no correction): %s dBm" % fmt_q(q_raw))
    # carriage: residual of configuration medians from the line, by how the two phones are
    # carried (open = in hand or on a table; body = pocket, bag, jacket ...)
    print("\n  carriage (residual of configuration medians from the Theil-Sen line, dB):")
    by_c = {}
    for u, ps in units.items():
        if len(ps) < 5:
            continue
        k = ps[0]["carriage"]
        d = ps[0]["d"]
        y = statistics.median(p["att"] for p in ps)
        by_c.setdefault(k, []).append(y - (a_ts + n_ts * 10 * math.log10(d)))
    for k in sorted(by_c):
        q = quartiles(by_c[k])
        print("    %-12s configurations %4d   %s" % (k, len(by_c[k]), fmt_q(q)))
    # the trial phones' own calibration (from their logs), one figure per model
    cal = c["calib_by_phone"]
    print("\n  trial phones' own calibration (Feb-Mar 2021 logs): phone id -> (rssi_offset, TX)")
    print("    " + ", ".join("%s:%s" % (k, tuple(sorted(v))[0]) for k, v in sorted(cal.items())))
    return {"A1": a_ts, "n": n_ts, "A1_ols": a_ols, "n_ols": n_ols, "near": q_near,
            "near_n": len(near), "configs": len(xs), "raw1m": q_raw[1], "calib": cal}


# --------------------------------------------------------------------------------------
# 1b. Dublin tram: GAEN's own attenuation histograms per handset pair and distance
# --------------------------------------------------------------------------------------

DUBLIN_EDGES = [48, 50, 52, 54, 56, 58, 60, 62, 64, 66, 68, 70, 72, 74, 76, 78, 80, 85, 90, 100]


def read_numbers(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rows.append([float(x) for x in line.split()])
    return rows


def section_dublin(root):
    print()
    print("=" * 88)
    print("1b. Dublin tram: medians of GAEN attenuation histograms (minutes per 2 dB bin)")
    print("=" * 88)
    base = os.path.join(root, "dublin-tram")
    hists = read_numbers(os.path.join(base, "dublintram_dataset_attenuations.txt"))
    dists = [r[0] for r in read_numbers(os.path.join(base, "dublintram_dataset_distances.txt"))]
    pairs = read_numbers(os.path.join(base, "dublintram_dataset_pairs.txt"))
    assert len(hists) == len(dists) == len(pairs)
    rows = [(d, h, p) for d, h, p in zip(dists, hists, pairs) if sum(h) > 0]
    print("rows (pair x distance) %d, with data %d, total minutes %.0f, handsets %d"
          % (len(hists), len(rows), sum(sum(h) for _, h, _ in rows),
             len({int(x) for _, _, p in rows for x in p})))
    # pool rows per distance (rounded to 0.1 m)
    by_d = {}
    for d, h, _ in rows:
        acc = by_d.setdefault(round(d, 1), [0.0] * len(h))
        for i, w in enumerate(h):
            acc[i] += w
    print("\n  distance  minutes  rows   attenuation (dB, minute-weighted, pooled)")
    for d in sorted(by_d):
        h = by_d[d]
        q = [hist_quantile(DUBLIN_EDGES, h, x) for x in (0.25, 0.5, 0.75)]
        nrows = sum(1 for dd, hh, _ in rows if round(dd, 1) == d)
        print("  %5.1f m  %7.0f  %4d   %s" % (d, sum(h), nrows, fmt_q(q)))
    xs = [10 * math.log10(d) for d, _, _ in rows]
    ys = [hist_quantile(DUBLIN_EDGES, h, 0.5) for _, h, _ in rows]
    a_ols, n_ols = ols(xs, ys)
    a_ts, n_ts = theil_sen(xs, ys)
    print("\n  fit over %d row medians, %.1f..%.1f m:" % (len(xs), min(dists), max(dists)))
    print("    least squares : A(1 m) = %.1f dB, n = %.2f" % (a_ols, n_ols))
    print("    Theil-Sen     : A(1 m) = %.1f dB, n = %.2f" % (a_ts, n_ts))
    # nearest measured distances to 1 m: 0.5 m and 1.6-1.8 m
    allq = [hist_quantile(DUBLIN_EDGES, [sum(c) for c in zip(*[h for _, h, _ in rows])], x)
            for x in (0.25, 0.5, 0.75)]
    print("    all rows pooled (any distance): %s" % fmt_q(allq))
    return {"A1": a_ts, "n": n_ts, "A1_ols": a_ols, "n_ols": n_ols}


# --------------------------------------------------------------------------------------
# 2. Google's calibration table (June 13th 2020)
# --------------------------------------------------------------------------------------

# MITLL setup model names -> model names in Google's table (same hardware)
MITLL_TO_TABLE = {"03": "SM-G900V", "04": "SM-G900V", "01": "SM-A505U1", "02": "SM-A505U1",
                  "05": "SM-G920V", "06": "SM-G920V", "07": "SM-G930V", "08": "SM-G930V",
                  "09": "Pixel 3a", "10": "Pixel 3a", "11": "moto e6", "12": "moto e6",
                  "13": "moto g(7)", "14": "moto g(7)", "15": "Pixel 2", "16": "Pixel 2"}


def section_table(root, mitll_calib):
    print()
    print("=" * 88)
    print("2. Google's GAEN calibration table (EN Calibration June 13th.csv)")
    print("=" * 88)
    path = os.path.join(root, "dublin-tram", "EN Calibration June 13th.csv")
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], [r for r in rows[1:] if len(r) >= 5]
    print("columns: %s" % " | ".join(head))
    corr = [int(r[2]) for r in rows]
    tx = [int(r[3]) for r in rows]
    meas = [r for r in rows if r[4].strip().lower() == "yes"]
    print("models %d (directly measured: %d, OEMs %d)" % (len(rows), len(meas),
                                                       len({r[0] for r in rows})))
    for label, rs in (("all models", rows), ("measured only", meas)):
        c = [int(r[2]) for r in rs]
        t = [int(r[3]) for r in rs]
        qc, qt = quartiles(c), quartiles(t)
        print("  %-14s TX: median %4.0f dBm (IQR %.0f..%.0f)   RSSI correction: median %4.0f dB"
              " (IQR %.0f..%.0f)" % (label, qt[1], qt[0], qt[2], qc[1], qc[0], qc[2]))
    # the most common (TX, correction) defaults: many unmeasured models share a fallback
    combo = {}
    for r in rows:
        combo[(int(r[3]), int(r[2]))] = combo.get((int(r[3]), int(r[2])), 0) + 1
    top = sorted(combo.items(), key=lambda kv: -kv[1])[:4]
    print("  most common (TX, correction) pairs: " +
          ", ".join("(%d, %d) x%d" % (k[0], k[1], v) for k, v in top))
    print("  reference models present:")
    wanted = ["Pixel 4", "Pixel 4 XL", "Pixel 5", "Pixel 4a", "Pixel 3", "Pixel 3a", "Pixel 2",
              "SM-G973F", "SM-G991B", "SM-A505F"]
    for w in wanted:
        hit = [r for r in rows if r[1].strip() == w]
        if hit:
            r = hit[0]
            print("    %-10s %-10s TX %4s dBm  correction %3s dB  measured: %s"
                  % (r[0], r[1], r[3], r[2], r[4]))
        else:
            print("    %-21s not in table" % w)
    # The trial phones logged their own calibration in Feb-Mar 2021. Compare per model.
    print("  trial phones (2021 logs) vs the June 2020 table, per model:")
    print("    %-10s  table (TX, C)  T-C   | own 2021 (TX, C)  T-C  | shift of T-C" % "model")
    shifts, own_t, own_c = [], [], []
    seen = set()
    for pid in sorted(mitll_calib):
        model = MITLL_TO_TABLE.get(pid)
        if model is None or model in seen:
            continue
        seen.add(model)
        off, txc = sorted(mitll_calib[pid])[0]
        r = [r for r in rows if r[1].strip() == model][0]
        tt, tc = int(r[3]), int(r[2])
        shifts.append((txc - off) - (tt - tc))
        own_t.append(txc)
        own_c.append(off)
        print("    %-10s  (%4d, %3d)    %4d  | (%4d, %3d)        %4d  | %+d dB"
              % (model, tt, tc, tt - tc, txc, off, txc - off, shifts[-1]))
    print("    median shift of T-C: %+.1f dB (negative = 2021 phones report lower attenuation)"
          % statistics.median(shifts))
    print("    trial fleet (%d models, 2021): median TX %.1f dBm, median correction %+.1f dB"
          % (len(own_t), statistics.median(own_t), statistics.median(own_c)))
    t_med, c_med = statistics.median(tx), statistics.median(corr)
    return {"T": t_med, "C": c_med, "T_fleet": statistics.median(own_t),
            "C_fleet": statistics.median(own_c)}


# --------------------------------------------------------------------------------------
# 3. NIST Raspberry Pi 3 pair
# --------------------------------------------------------------------------------------

def section_pi(root):
    print()
    print("=" * 88)
    print("3a. NIST Raspberry Pi 3 <-> Raspberry Pi 3: RSSI vs distance (line of sight, indoor)")
    print("=" * 88)
    base = os.path.join(root, "nist-rpi")
    per = {}  # (cm, receiving device) -> [rssi]
    dropped = 0
    for path in sorted(glob.glob(os.path.join(base, "ContactTracingData_*cm_Device_*.csv"))):
        m = re.search(r"_(\d+)cm_Device_(\w)\.csv$", path)
        cm, dev = int(m.group(1)), m.group(2)
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        # keep only well-formed EN packets carrying the peer's steady RPI (the modal one);
        # the file's few garbage rows have other UUIDs/RPIs and RSSI like -4294967234
        good = [r for r in rows if r["UUID"].lower() == "fd6f"]
        rpis = {}
        for r in good:
            rpis[r["RPI"]] = rpis.get(r["RPI"], 0) + 1
        mode = max(rpis, key=rpis.get)
        vals = [int(r["RSSI"]) for r in good
                if r["RPI"] == mode and r["TX_Power"].lower() == "0c" and -127 < int(r["RSSI"]) < 0]
        dropped += len(rows) - len(vals)
        per[(cm, dev)] = vals
    print("packets kept %d, dropped as malformed %d; metadata TX byte 0x0c = +12 dBm"
          % (sum(len(v) for v in per.values()), dropped))
    print("(file Device_A = packets heard by A from B; Device_B = heard by B from A)")
    print("\n  dist    B->A: n  median  IQR          A->B: n  median  IQR        both: median")
    xs, ys = [], []
    meds = {}
    for cm in sorted({k[0] for k in per}):
        a, b = per[(cm, "A")], per[(cm, "B")]
        qa, qb, qab = quartiles(a), quartiles(b), quartiles(a + b)
        meds[cm] = qab[1]
        print("  %4.1f m  %6d  %6.1f  %5.1f..%5.1f   %6d  %6.1f  %5.1f..%5.1f   %6.1f"
              % (cm / 100, len(a), qa[1], qa[0], qa[2], len(b), qb[1], qb[0], qb[2], qab[1]))
        for med in (qa[1], qb[1]):
            xs.append(10 * math.log10(cm / 100))
            ys.append(med)
    a_ols, b_ols = ols(xs, ys)
    a_ts, b_ts = theil_sen(xs, ys)
    # R(d) = R1 - 10 n log10 d  ->  slope b = -n
    print("\n  fit of the 16 direction medians, R(d) = R1 - 10 n log10(d / 1 m):")
    print("    least squares : R1 = %.1f dBm, n = %.2f" % (a_ols, -b_ols))
    print("    Theil-Sen     : R1 = %.1f dBm, n = %.2f" % (a_ts, -b_ts))
    sel = [(x, y) for x, y in zip(xs, ys) if x >= 0]   # 1 m .. 4 m only
    a_13, b_13 = ols([p[0] for p in sel], [p[1] for p in sel])
    print("    least squares, 1-4 m only (0.5 m reads weaker than 1 m): R1 = %.1f dBm, n = %.2f"
          % (a_13, -b_13))
    print("    measured median at 1.0 m (both directions): %.1f dBm" % meds[100])
    return {"R1": a_ts, "n": -b_ts, "R1_ols": a_ols, "n_ols": -b_ols, "R1_meas": meds[100]}


def section_defaults(a_ref, table, pi):
    print()
    print("=" * 88)
    print("3b. Pi defaults: split the Pi's excess over a phone equally between TX and RX")
    print("=" * 88)
    T_ph, C_ph = table["T"], table["C"]
    A1 = round(a_ref)
    R_pp = T_ph - C_ph - A1            # RSSI a median phone reads from a median phone at 1 m
    R_pipi = round(pi["R1"])           # RSSI a Pi 3 reads from a Pi 3 at 1 m (fit)
    g = (R_pipi - R_pp) / 2.0
    g_r = int(math.floor(g + 0.5))     # round half up, whole dB
    T_pi, C_pi = int(T_ph + g_r), int(C_ph - g_r)
    print("  median phone: T_phone = %d dBm, C_phone = %d dB;  A_ref(1 m) = %d dB"
          % (T_ph, C_ph, A1))
    print("  R_phonephone(1 m) = T_phone - C_phone - A_ref(1 m) = %d - (%d) - %d = %d dBm"
          % (T_ph, C_ph, A1, R_pp))
    print("  R_PiPi(1 m) = %d dBm (fit, rounded)" % R_pipi)
    print("  g = (R_PiPi - R_phonephone) / 2 = (%d - (%d)) / 2 = %.1f dB -> %d dB"
          % (R_pipi, R_pp, g, g_r))
    print("  T_pi = T_phone + g = %d dBm;  C_pi = C_phone - g = %d dB" % (T_pi, C_pi))
    # checks: every direction must give A_ref(1 m) at 1 m (within rounding of g)
    r_phone_hears_pi = R_pp + g_r      # the Pi transmits g dB stronger than a phone
    r_pi_hears_phone = R_pp + g_r      # the Pi receives g dB stronger than a phone
    checks = [
        ("Pi -> Pi      ", T_pi - (R_pipi + C_pi)),
        ("Pi -> phone   ", T_pi - (r_phone_hears_pi + C_ph)),
        ("phone -> Pi   ", T_ph - (r_pi_hears_phone + C_pi)),
        ("phone -> phone", T_ph - (R_pp + C_ph)),
    ]
    print("  check at 1 m (attenuation = T_sender - (RSSI + C_receiver)):")
    for name, att in checks:
        print("    %s  %5.1f dB   (target %d)" % (name, att, A1))
    # Closed form: T_pi - C_pi = R_PiPi + A_ref (only the Pi data), and
    # T_pi = (T_phone + C_phone + R_PiPi + A_ref) / 2 (the split depends on the phone figures).
    print("  invariant: T_pi - C_pi = R_PiPi + A_ref(1 m) = %d" % (R_pipi + A1))
    print("  sensitivity (T_pi, C_pi) = ((T+C+R+A)/2, (T+C+R+A)/2 - (R+A)):")
    for label, t, cc, r in (("table medians, R1 Theil-Sen", T_ph, C_ph, R_pipi),
                            ("table medians, R1 least squares", T_ph, C_ph, round(pi["R1_ols"])),
                            ("trial fleet 2021, R1 Theil-Sen", table["T_fleet"], table["C_fleet"],
                             R_pipi),
                            ("trial fleet 2021, R1 least squares", table["T_fleet"],
                             table["C_fleet"], round(pi["R1_ols"]))):
        tp = (t + cc + r + A1) / 2.0
        print("    %-36s T_pi %6.1f  C_pi %6.1f" % (label, tp, tp - (r + A1)))
    return {"T_pi": T_pi, "C_pi": C_pi, "g": g, "R_pp": R_pp}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/fielddata"
    if not os.path.isdir(root):
        sys.exit("no field data at %s" % root)
    mit = section_mitll(root)
    dub = section_dublin(root)
    table = section_table(root, mit["calib"])
    pi = section_pi(root)
    a_ref = mit["A1"]
    dflt = section_defaults(a_ref, table, pi)
    print()
    print("=" * 88)
    print("Summary (whole dB)")
    print("=" * 88)
    print("  A_ref(1 m) = %d dB, n = %.1f   (MITLL-UA, Theil-Sen over static configurations)"
          % (round(mit["A1"]), mit["n"]))
    print("  Dublin tram for comparison: A(1 m) = %d dB, n = %.1f" % (round(dub["A1"]), dub["n"]))
    print("  median phone (Google table): TX %d dBm, RSSI correction %d dB"
          % (table["T"], table["C"]))
    print("  Raspberry Pi 3 pair: R(1 m) = %d dBm, n = %.1f" % (round(pi["R1"]), pi["n"]))
    print("  Raspberry Pi default: tx_power_dbm = %d, rssi_correction_db = %d"
          % (dflt["T_pi"], dflt["C_pi"]))
    print("  generic USB adapter (no data, a guess): tx_power_dbm = %d, rssi_correction_db = %d"
          % (table["T"], table["C"]))


if __name__ == "__main__":
    main()
