#!/usr/bin/env python3
"""The Debian packages under a real systemd (run in the guest by scripts/realstack-test.sh, boot
`systemd`: `run-vm.sh --systemd`, systemd as PID 1, no Swift toolchain in the guest).

The share holds the packages: bleagent_V_ARCH.deb, bleagent-server_V_ARCH.deb and, in upgrade/, a
bleagent package of a newer version (the same files: a new inode for the running binary to be replaced by). A user's steps, each checked:

 1. `dpkg -i` both: the user and group exist; every file the install added under /usr and /etc (the
    overlays' upper layers) is in `dpkg -L` or is the account databases.
 2. `systemctl start bleagent` returns once the daemon said READY; `systemctl status` shows its STATUS line.
 3. Consent, then inside the unit's sandbox: a listener on hci1 hears its 0xFD6F adverts from a
    random address, and it records a beacon's identifier (the SightingsToday property over D-Bus).
 3b. The installed D-Bus policy, under the real dbus-daemon: a member of the bleagent group reads
    status but not the device's keys (GetOwnKeys is root's); another account reads neither.
 4. Idle memory as a user sees it: `systemctl status` Memory, VmRSS and Pss from /proc.
 5. /var/lib/bleagent is bleagent:bleagent 0700, and so is what the daemon wrote in it.
 6. SIGSTOP: the watchdog (WatchdogSec=10s in a drop-in, to bound the test) kills and restarts it.
 7. A bad value in bleagent.toml: the unit stays failed (exit 78, no restart) and `systemctl status`
    names the key.
 8. Upgrade with `dpkg -i` of the newer package: the running service is restarted on the new file,
    consent and the edited conffile are kept.
 9. `systemctl stop` is clean (no SIGKILL, result success) and quick.
10. bleagent-server: starts (DynamicUser, ExecStartPre= init), answers /metrics, its watchdog
    restarts a SIGSTOPped server, its state is 0700 in /var/lib/private, `systemctl stop` is clean.
11. `apt-get purge` of both: purge says what it deletes; no file of theirs is left in /usr, /etc or /var.

Writes verdict-systemd.json in the share; exits 0 only if every check passed.
"""
import glob
import json
import os
import pwd
import re
import secrets
import stat
import subprocess
import sys
import time
import urllib.request

import radios

SHARE = os.environ.get("RS_SHARE", os.getcwd())
OVERLAY = "/run/rs-overlay"
checks = []


def check(name, ok, detail):
    checks.append({"check": name, "pass": bool(ok), "detail": detail})
    print(("PASS " if ok else "FAIL ") + name + ": " + detail, flush=True)
    return ok


def sh(*args, check_rc=False, timeout=120):
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive", SYSTEMD_COLORS="0", LANG="C.UTF-8"))
    if check_rc and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {result.returncode}: {result.stderr.strip()[-400:]}")
    return result


def show(unit, *props):
    out = sh("systemctl", "show", unit, "-p", ",".join(props)).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def wait_for(predicate, seconds, step=0.5):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


MOUNTED_AT = {"usr": "/usr", "etc": "/etc", "dpkg": "/var/lib/dpkg"}


def upper_entries(layer, directories=False):
    """What the overlay over /usr, /etc or /var/lib/dpkg holds that the host's does not (or holds
    changed): files, and with `directories` folders too. Whiteouts (character devices 0:0, the marks
    of a deleted lower file) are left out: they are deletions, not things added."""
    root = os.path.join(OVERLAY, layer, "upper")
    found = set()
    for directory, folders, files in os.walk(root):
        for name in files + (folders if directories else []):
            path = os.path.join(directory, name)
            if stat.S_ISCHR(os.lstat(path).st_mode):
                continue
            found.add(MOUNTED_AT[layer] + "/" + os.path.relpath(path, root))
    return found


def named_bleagent():
    """Paths named *bleagent* that the guest added under /usr, /etc and /var. For the overlays that is
    their upper layers: whatever dpkg writes lands there, and walking the host's whole /usr through 9p
    took over 120 s on a slower machine. /var is the guest's own tmpfs, walked whole except /var/tmp
    (this share), /var/log (apt's own log) and /var/lib/dpkg (an overlay, counted above)."""
    names = {path for layer in MOUNTED_AT for path in upper_entries(layer, directories=True)
             if "bleagent" in os.path.basename(path)}
    names |= set(sh("find", "/var", "-xdev", "(", "-path", "/var/tmp", "-o", "-path", "/var/log", "-o", "-path", "/var/lib/dpkg", ")",
                    "-prune", "-o", "-name", "*bleagent*", "-print").stdout.split())
    return names


def get_property(name):
    out = sh("busctl", "--system", "get-property", "org.bleagent.Agent", "/org/bleagent/Agent", "org.bleagent.Agent1", name).stdout.split()
    return out[1] if len(out) >= 2 else None


def watchdog_restarts(unit):
    """SIGSTOP the unit's main process: its watchdog (WatchdogSec=10s in a runtime drop-in, to bound the
    test) must kill it and Restart= start a new one."""
    dropin = f"/run/systemd/system/{unit}.service.d/watchdog.conf"
    os.makedirs(os.path.dirname(dropin), exist_ok=True)
    with open(dropin, "w") as f:
        f.write("[Service]\nWatchdogSec=10s\n")
    sh("systemctl", "daemon-reload")
    sh("systemctl", "restart", unit, timeout=180)
    stopped = main_pid(unit)
    restarts = int(show(unit, "NRestarts").get("NRestarts", "0") or 0)
    if stopped:
        os.kill(stopped, 19)  # SIGSTOP
    t0 = time.monotonic()
    back = wait_for(lambda: (main_pid(unit) not in (0, stopped) and show(unit, "ActiveState")["ActiveState"] == "active"), 120, 1)
    journal = sh("journalctl", "-u", unit, "--no-pager", "-o", "cat", "--since", "-4min").stdout
    check(f"{unit}: a SIGSTOPped daemon is killed by the watchdog and restarted", bool(stopped) and bool(back) and
          "Watchdog timeout" in journal and int(show(unit, "NRestarts")["NRestarts"]) > restarts,
          f"new pid {main_pid(unit)} after {time.monotonic() - t0:.0f} s (was {stopped}); watchdog in journal: {'Watchdog timeout' in journal}")
    os.remove(dropin)
    sh("systemctl", "daemon-reload")


def as_account(name, groups, argv):
    """Runs argv as a fresh login account `name` with the supplementary `groups` (made if missing)."""
    if sh("getent", "passwd", name).returncode != 0:
        sh("useradd", "--create-home", "--shell", "/bin/sh", *(["--groups", ",".join(groups)] if groups else []), name, check_rc=True)
    account = pwd.getpwnam(name)
    return subprocess.run(argv, user=name, group=account.pw_gid, extra_groups=groups or [], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": account.pw_dir, "LANG": "C.UTF-8"}, cwd=account.pw_dir, timeout=60)


def main_pid(unit):
    return int(show(unit, "MainPID").get("MainPID", "0") or 0)


def package_path(name, folder=SHARE):
    found = sorted(glob.glob(os.path.join(folder, f"{name}_*.deb")))
    if len(found) != 1:
        raise RuntimeError(f"want one {name}_*.deb in {folder}, found {found}")
    return found[0]


def memory_figures(pid):
    """VmRSS, Pss, and the RSS split into anonymous (the agent's own data) and its mapped files: the
    binary's pages count as RssShmem here, as dpkg wrote it to the overlay's tmpfs layer (RssFile on a disk)."""
    status = open(f"/proc/{pid}/status").read()
    field = lambda name: int(re.search(rf"{name}:\s+(\d+) kB", status).group(1))
    pss = int(re.search(r"^Pss:\s+(\d+) kB", open(f"/proc/{pid}/smaps_rollup").read(), re.M).group(1))
    return field("VmRSS"), pss, field("RssAnon"), field("RssFile") + field("RssShmem")


def main():
    started = time.monotonic()
    first, newer = package_path("bleagent"), package_path("bleagent", os.path.join(SHARE, "upgrade"))
    server = package_path("bleagent-server")

    # 1. Install.
    before_usr, before_etc = upper_entries("usr"), upper_entries("etc")
    before_names = named_bleagent()
    result = sh("dpkg", "-i", first, server, timeout=300)
    if not check("dpkg -i installs both packages", result.returncode == 0, (result.stdout + result.stderr).strip()[-300:]):
        return
    listed = set(sh("dpkg", "-L", "bleagent", "bleagent-server").stdout.split())
    added = (upper_entries("usr") - before_usr) | (upper_entries("etc") - before_etc)
    # dpkg keeps its database in /var/lib/dpkg; sysusers writes the account files (and their backups).
    accounts = {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/passwd-", "/etc/group-", "/etc/shadow-", "/etc/gshadow-"}
    stray = sorted(path for path in added if path not in listed and path not in accounts)
    check("every file the packages added is in dpkg -L", not stray and len(added) > 10,
          f"{len(added)} files added, outside dpkg -L: {stray[:10]}")
    try:
        user = pwd.getpwnam("bleagent")
        check("postinst created the bleagent system user", user.pw_uid < 1000 and user.pw_shell.endswith("nologin"),
              f"uid {user.pw_uid}, shell {user.pw_shell}")
    except KeyError:
        check("postinst created the bleagent system user", False, "no user bleagent")
    check("postinst created the bleagent-server group", sh("getent", "group", "bleagent-server").returncode == 0, "getent group bleagent-server")
    server_toml = os.stat("/etc/bleagent/server.toml")
    check("server.toml is 0640 root:bleagent-server", stat.S_IMODE(server_toml.st_mode) == 0o640 and
          sh("stat", "-c", "%U:%G", "/etc/bleagent/server.toml").stdout.strip() == "root:bleagent-server",
          sh("stat", "-c", "%a %U:%G", "/etc/bleagent/server.toml").stdout.strip())
    no_toolchain = not os.path.exists("/opt/swift")
    check("the binaries run without the Swift toolchain", no_toolchain and sh("bleagent", "--version").returncode == 0,
          f"/opt/swift absent: {no_toolchain}; bleagent --version: {sh('bleagent', '--version').stdout.strip()}")

    # The virtual machine's clock is not NTP-synchronised: let the agent record anyway (an edit of the
    # conffile, which the upgrade must keep). hci0 is the agent's; hci1 listens.
    with open("/etc/bleagent/bleagent.toml") as f:
        shipped = f.read()
    edited = shipped.replace("[agent]\n", "[agent]\nrequire_time_sync = false\n", 1) \
                    .replace("[radio]\n", '[radio]\nadapter = "hci0"\n', 1) \
                    .replace("scan_period_seconds = 240", "scan_period_seconds = 12")
    with open("/etc/bleagent/bleagent.toml", "w") as f:
        f.write(edited)

    # 2. Start, as the README says (enabled: an upgrade restarts an enabled service).
    t0 = time.monotonic()
    result = sh("systemctl", "enable", "--now", "bleagent", timeout=120)
    state = show("bleagent", "ActiveState", "SubState", "StatusText", "MainPID", "Type")
    check("systemctl start bleagent returns once READY", result.returncode == 0 and state.get("ActiveState") == "active",
          f"{time.monotonic() - t0:.1f} s, {state}, {result.stderr.strip()[-200:]}")
    status = sh("systemctl", "status", "--no-pager", "--lines=5", "bleagent").stdout
    status_line = next((line.strip() for line in status.splitlines() if line.strip().startswith("Status:")), "")
    check("systemctl status shows the daemon's STATUS line", bool(status_line) and status_line.strip('Status: "') != "",
          status_line or status[:300])

    # 3. Consent, advertising and scanning inside the sandbox.
    result = sh("bleagent", "consent", "--accept", "--yes")
    check("bleagent consent --accept (as root, over D-Bus)", result.returncode == 0, (result.stdout + result.stderr).strip()[-200:])
    heard = os.path.join(SHARE, "listener.jsonl")
    if os.path.exists(heard):
        os.remove(heard)
    radios.add_beacon("beacon", radios.gaen_adv(secrets.token_bytes(16), bytes(4)), share=SHARE)
    sh("python3", os.path.join(os.environ["RS_DIR"], "scenarios", "listener.py"), "hci1", heard, "10", timeout=60)
    lines = [json.loads(line) for line in open(heard)] if os.path.exists(heard) else []
    # The beacon's static address starts with C0; the agent's resolvable private addresses with 4–7.
    ours = [line for line in lines if not line["address"].upper().startswith("C0:")]
    check("the unit advertises 0xFD6F from a random address (heard on hci1)",
          bool(ours) and all(line["address_type"] == "random" for line in ours),
          f"{len(ours)} reports, address types {sorted({line['address_type'] for line in ours})}")
    sightings = wait_for(lambda: (get_property("SightingsToday") or "0") not in ("0", None) and get_property("SightingsToday"), 60, 2)
    check("the unit scans and records a beacon (SightingsToday over D-Bus)", bool(sightings),
          f"SightingsToday={get_property('SightingsToday')}, Advertising={get_property('Advertising')}, Scanning={get_property('Scanning')}")
    radios.remove_beacon("beacon", share=SHARE)

    # 3b. The installed D-Bus policy: a member of the bleagent group reads status (health information)
    # but not this device's keys; another account reads neither.
    member = as_account("rs-member", ["bleagent"], ["bleagent", "status", "--json"])
    try:
        member_days = json.loads(member.stdout).get("contact_days")
    except ValueError:
        member_days = None
    member_keys = as_account("rs-member", ["bleagent"], ["bleagent", "keys", "own", "--json"])
    outsider = as_account("rs-outsider", [], ["bleagent", "status", "--json"])
    check("the installed policy: the bleagent group reads status, not the device's keys; another account neither",
          member.returncode in (0, 1) and member_days is not None and member_keys.returncode == 77 and "only root" in member_keys.stderr and "key_data" not in member_keys.stdout
          and outsider.returncode == 77 and "contact_days" not in outsider.stdout and "bleagent group" in outsider.stderr,
          f"member status exit {member.returncode} (contact_days {member_days}); member keys own exit {member_keys.returncode}: "
          f"{member_keys.stderr.strip()[:120]}; outsider status exit {outsider.returncode}: {outsider.stderr.strip()[:120]}")

    # 4. Idle memory.
    time.sleep(10)
    pid = main_pid("bleagent")
    memory = show("bleagent", "MemoryCurrent")
    rss, pss, anonymous, file_backed = memory_figures(pid)
    status_memory = next((line.strip() for line in sh("systemctl", "status", "--no-pager", "--lines=0", "bleagent").stdout.splitlines()
                          if line.strip().startswith("Memory:")), "")
    figures = {"systemctl_status": status_memory, "memory_current_bytes": int(memory.get("MemoryCurrent", "0") or 0),
               "vm_rss_kib": rss, "pss_kib": pss, "rss_anon_kib": anonymous, "rss_file_kib": file_backed}
    with open(os.path.join(SHARE, "memory-systemd.json"), "w") as f:
        json.dump(figures, f)
    check("idle memory measured (goal 24 MiB)", rss > 0,
          f"{status_memory}; VmRSS {rss / 1024:.1f} MiB (anonymous {anonymous / 1024:.1f}, mapped files {file_backed / 1024:.1f}), "
          f"Pss {pss / 1024:.1f} MiB, MemoryCurrent {figures['memory_current_bytes'] / 1048576:.1f} MiB")

    # 5. StateDirectory.
    owner = sh("stat", "-c", "%U:%G %a", "/var/lib/bleagent").stdout.strip()
    inside = sh("find", "/var/lib/bleagent", "-mindepth", "1", "(", "!", "-user", "bleagent", "-o", "-perm", "/077", ")").stdout.split()
    check("/var/lib/bleagent is bleagent:bleagent 0700 and so is what is in it", owner == "bleagent:bleagent 700" and not inside,
          f"{owner}; other owners or group/other bits: {inside[:5]}")

    # 6. Watchdog.
    watchdog_restarts("bleagent")

    # 7. A bad configuration.
    with open("/etc/bleagent/bleagent.toml", "w") as f:
        f.write(edited.replace("scan_window_seconds = 4", "scan_window_seconds = 400"))
    sh("systemctl", "restart", "bleagent", timeout=120)
    failed = wait_for(lambda: show("bleagent", "ActiveState")["ActiveState"] == "failed", 30)
    restarts = int(show("bleagent", "NRestarts")["NRestarts"])
    time.sleep(7)  # longer than RestartSec=5: no restart may follow
    state = show("bleagent", "ActiveState", "Result", "ExecMainStatus", "NRestarts")
    status = sh("systemctl", "status", "--no-pager", "--lines=10", "bleagent").stdout
    check("a bad value keeps the unit failed with exit 78 and the key named in systemctl status",
          bool(failed) and state["ActiveState"] == "failed" and state["ExecMainStatus"] == "78" and
          int(state["NRestarts"]) == restarts and "scan_window_seconds" in status,
          f"{state}; named: {'scan_window_seconds' in status}")
    with open("/etc/bleagent/bleagent.toml", "w") as f:
        f.write(edited)
    sh("systemctl", "reset-failed", "bleagent")
    sh("systemctl", "start", "bleagent", timeout=120)

    # 8. Upgrade.
    before = main_pid("bleagent")
    result = sh("dpkg", "-i", newer, timeout=300)
    after = main_pid("bleagent")
    exe = os.readlink(f"/proc/{after}/exe") if after else ""
    version = sh("dpkg-query", "-W", "-f", "${Version}", "bleagent").stdout
    with open("/etc/bleagent/bleagent.toml") as f:
        kept = f.read() == edited
    check("an upgrade restarts the running service on the new binary", result.returncode == 0 and after not in (0, before)
          and exe == "/usr/bin/bleagent" and show("bleagent", "ActiveState")["ActiveState"] == "active",
          f"{os.path.basename(first)} → {version}: pid {before} → {after}, exe {exe}; {result.stderr.strip()[-200:]}")
    check("the upgrade keeps consent and the edited conffile", get_property("Consent") == "true" and kept,
          f"Consent={get_property('Consent')}, bleagent.toml kept: {kept}")

    # 9. Stop.
    t0 = time.monotonic()
    sh("systemctl", "stop", "bleagent", timeout=60)
    took = time.monotonic() - t0
    state = show("bleagent", "ActiveState", "Result")
    journal = sh("journalctl", "-u", "bleagent", "--no-pager", "-o", "cat", "--since", "-1min").stdout
    check("systemctl stop bleagent is clean", state == {"ActiveState": "inactive", "Result": "success"} and took < 10 and
          "SIGKILL" not in journal and "timed out" not in journal, f"{took:.1f} s, {state}")

    # 10. The server.
    t0 = time.monotonic()
    result = sh("systemctl", "enable", "--now", "bleagent-server", timeout=180)
    state = show("bleagent-server", "ActiveState", "StatusText", "DynamicUser", "User")
    if not check("systemctl start bleagent-server returns once READY", result.returncode == 0 and state["ActiveState"] == "active",
                 f"{time.monotonic() - t0:.1f} s, {state}, {result.stderr.strip()[-200:]}"):
        print(sh("journalctl", "-u", "bleagent-server", "--no-pager", "-n", "15").stdout)
    try:
        with urllib.request.urlopen("http://127.0.0.1:8080/metrics", timeout=10) as response:
            metrics = response.status == 200 and b"bleagent" in response.read()
    except OSError as error:
        metrics = False
        print(f"    /metrics: {error}")
    check("the server answers /metrics", metrics, "GET http://127.0.0.1:8080/metrics")
    watchdog_restarts("bleagent-server")
    private = sh("stat", "-c", "%a", "/var/lib/private/bleagent-server").stdout.strip()
    secrets_made = sorted(os.listdir("/var/lib/private/bleagent-server")) if os.path.isdir("/var/lib/private/bleagent-server") else []
    check("the server's state is 0700 in /var/lib/private with its secrets", private == "700" and "signing-key.pem" in secrets_made,
          f"mode {private}, holds {secrets_made}")
    t0 = time.monotonic()
    sh("systemctl", "stop", "bleagent-server", timeout=60)
    state = show("bleagent-server", "ActiveState", "Result")
    check("systemctl stop bleagent-server is clean", state == {"ActiveState": "inactive", "Result": "success"},
          f"{time.monotonic() - t0:.1f} s, {state}")

    # 11. Purge.
    result = sh("apt-get", "purge", "-y", "bleagent", "bleagent-server", timeout=300)
    said = result.stdout + result.stderr
    check("apt-get purge says what it deletes", result.returncode == 0 and "deleting /var/lib/bleagent" in said and
          "deleting /var/lib/private/bleagent-server" in said, said.strip()[-400:])
    # (What was there before the install is the host's: a machine where set-up installed bleagent.)
    left = sorted(named_bleagent() - before_names)
    check("nothing of the packages is left after purge", not left and sh("dpkg", "-s", "bleagent").returncode != 0,
          f"left: {sorted(set(left))[:10]}")

    print(f"systemd scenarios took {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the verdict says what broke; the exit code fails the boot
        check("the scenario ran to its end", False, f"{type(error).__name__}: {error}")
    with open(os.path.join(SHARE, "verdict-systemd.json"), "w") as f:
        json.dump(checks, f, indent=1)
    passed = sum(1 for c in checks if c["pass"])
    print(f"{passed}/{len(checks)} checks passed", flush=True)
    sys.exit(0 if checks and passed == len(checks) else 1)
