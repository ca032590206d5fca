#!/usr/bin/env python3
"""CPU and memory of a bleagent radio agent over a long real-stack run (a benchmark, not a test).

    resources.py SECONDS     two agents (hci0 legacy, hci1 extended) at real-time speed; samples the
                             hci0 agent's /proc every 5 s; writes resources.json in the share.
Guest CPU is 5–10× slower than the host under TCG: CPU figures are upper bounds; memory holds.
"""
import json
import os
import subprocess
import sys
import time

import radios

SHARE = os.environ.get("RS_SHARE", os.getcwd())
seconds = float(sys.argv[1])
radios.set_rssi("hci0", "hci1", -55)
radios.set_rssi("hci1", "hci0", -65)
ticks = os.sysconf("SC_CLK_TCK")
agents = {}
for adapter in ("hci0", "hci1"):
    agents[adapter] = subprocess.Popen([os.path.join(SHARE, "bleagent"), "radio", "test", "--adapter", adapter, "--duration", str(seconds),
                                        "--sightings-out", os.path.join(SHARE, f"long-{adapter}.jsonl"), "--json"],
                                       stdout=open(os.path.join(SHARE, f"long-{adapter}.json"), "w"), stderr=subprocess.DEVNULL)
pid = agents["hci0"].pid
samples = []
start = time.monotonic()
while agents["hci0"].poll() is None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        samples.append({"t": time.monotonic() - start, "cpu_seconds": cpu, "rss_kib": rss})
    except (OSError, StopIteration):
        pass
    time.sleep(5)
for agent in agents.values():
    agent.wait()
steady = [s for s in samples if s["t"] >= 30]
result = {
    "seconds": seconds,
    "samples": len(samples),
    "cpu_percent_average": 100 * (samples[-1]["cpu_seconds"] - samples[0]["cpu_seconds"]) / (samples[-1]["t"] - samples[0]["t"]),
    "cpu_percent_after_first_30s": 100 * (steady[-1]["cpu_seconds"] - steady[0]["cpu_seconds"]) / max(1, steady[-1]["t"] - steady[0]["t"]) if len(steady) > 1 else None,
    "rss_mib_max": max(s["rss_kib"] for s in samples) / 1024,
    "rss_mib_last": samples[-1]["rss_kib"] / 1024,
}
with open(os.path.join(SHARE, "resources.json"), "w") as f:
    json.dump(result, f, indent=1)
print(json.dumps(result))
