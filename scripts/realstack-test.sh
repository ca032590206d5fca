#!/usr/bin/env bash
# The real-stack tests: the real kernel Bluetooth stack and stock bluetoothd 5.66 in QEMU with
# virtual controllers (Harness/realstack), running the built bleagent. Two boots:
#   main   hci0 legacy-only + spec-strict, hci1 extended, hci2 a listener: mutual recording with the
#          set RSSI, address rotation, on-air fraction, a listener hearing us in every window,
#          SCAN_REQ addresses, bluetoothd killed and restarted
#   power  the same radios without strict random-address checks (bumble would keep a legacy advert on
#          air while off): adapters powered off and on
#   field  `radio watch` shows a beacon's adverts live; `radio calibrate` measures a subject against a
#          reference (offsets set by the harness) and a third radio then computes the same attenuation for both
#   story  three `bleagent run` daemons meet; A registers with a processing number on `bleagent-server`, whose export worker
#          signs its keys; B downloads, matches and is notified once; C (3 minutes at −70 dBm, then −90 dBm) is not (`bleagent demo`)
#   systemd the Debian packages under systemd as PID 1 (run-vm.sh --systemd, no Swift toolchain in the guest):
#          dpkg -i, start → READY, STATUS, advertising and scanning in the unit's sandbox, idle memory,
#          StateDirectory, watchdog, a bad config, upgrade, stop, the server (DynamicUser), apt purge
#          (the packages from $BLEAGENT_DEBS, default $BUILD_DIR/deb: scripts/make-deb.sh)
# REALSTACK_ONLY="story" runs only the named boots.
# Usage: scripts/realstack-test.sh BLEAGENT_BINARY
# Skips (exit 0, with a message) only where this machine cannot run QEMU; fails otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
binary=${1:?usage: scripts/realstack-test.sh BLEAGENT_BINARY}
harness="$top/Harness/realstack"
work=${BLEAGENT_REALSTACK_WORK:-$BUILD_DIR/realstack-runs}

# Skipped only where QEMU cannot run (the harness emulates an x86_64 guest); any other failure to
# prepare or boot the VM fails, so a regression in the harness cannot hide as a skip.
if [ "$(uname -m)" != x86_64 ]; then
  echo "SKIP real-stack tests: the harness boots an x86_64 guest under QEMU; this is a $(uname -m) machine"
  exit 0
fi
if ! bash "$harness/build-vm.sh" > "$BUILD_DIR/realstack-build.log" 2>&1; then
  if ! qemu-system-x86_64 -version >/dev/null 2>&1; then
    echo "SKIP real-stack tests: QEMU (qemu-system-x86) cannot be installed or run on this machine (see $BUILD_DIR/realstack-build.log)"
    tail -n 5 "$BUILD_DIR/realstack-build.log"
    exit 0
  fi
  echo "FAIL real-stack tests: the VM could not be prepared (see $BUILD_DIR/realstack-build.log):"
  tail -n 20 "$BUILD_DIR/realstack-build.log" | sed 's/^/    /'
  exit 1
fi

failed=0
run() {  # run NAME RADIO-CONFIG [SCRIPT ARGS…] (default: radio_scenarios.py NAME)
  local name=$1 config=$2 dir="$work/$1"
  if [ -n "${REALSTACK_ONLY:-}" ] && [[ " $REALSTACK_ONLY " != *" $name "* ]]; then return; fi
  shift 2
  local command=("$@")
  [ ${#command[@]} -gt 0 ] || command=("$harness/scenarios/radio_scenarios.py" "$name")
  rm -rf "$dir"; mkdir -p "$dir"
  cp "$binary" "$dir/bleagent"
  echo "$config" > "$dir/radio-config.json"
  local started=$(date +%s) rc=0
  bash "$harness/run-vm.sh" --radios 3 --share "$dir" --keep-radio-state --timeout 480 -- \
    python3 "${command[@]}" > "$dir/output.txt" 2>&1 || rc=$?
  grep -a -E "^(PASS|FAIL) |checks passed|run-vm:" "$dir/output.txt" | sed 's/^/    /' || true
  echo "    ($name: $(( $(date +%s) - started )) s, exit $rc; logs in $dir)"
  [ "$rc" -eq 0 ] || { echo "    --- last lines:"; tail -n 30 "$dir/output.txt" | tr -cd '\11\12\40-\176\200-\377' | sed 's/^/    /'; }
  [ "$rc" -eq 0 ] || failed=1
}
# The packages under a real systemd. The upgrade's package is the first one repacked with a newer
# version: the same files, so dpkg replaces the running binary by a new inode, as an upgrade does.
if [ -z "${REALSTACK_ONLY:-}" ] || [[ " $REALSTACK_ONLY " == *" systemd "* ]]; then
  debs=${BLEAGENT_DEBS:-$BUILD_DIR/deb}
  dir="$work/systemd"; rm -rf "$dir"; mkdir -p "$dir/upgrade"
  if ! cp "$debs"/bleagent_*.deb "$debs"/bleagent-server_*.deb "$dir/" 2>/dev/null; then
    echo "FAIL systemd: no packages in $debs (make them: scripts/make-deb.sh, or --debug)"; failed=1
  else
    unpacked=$(mktemp -d)
    dpkg-deb -R "$dir"/bleagent_*.deb "$unpacked/root"
    version=$(dpkg-deb -f "$dir"/bleagent_*.deb Version)+upgrade1
    sed -i "s/^Version: .*/Version: $version/" "$unpacked/root/DEBIAN/control"
    dpkg-deb --root-owner-group -Zgzip -z1 --build "$unpacked/root" "$dir/upgrade/bleagent_${version}_$(dpkg --print-architecture).deb" >/dev/null
    rm -rf "$unpacked"
    started=$(date +%s) rc=0
    bash "$harness/run-vm.sh" --systemd --radios 2 --share "$dir" --timeout 600 -- \
      python3 "$harness/scenarios/systemd_scenarios.py" > "$dir/output.txt" 2>&1 || rc=$?
    grep -a -E "^(PASS|FAIL) |checks passed|run-vm:" "$dir/output.txt" | sed 's/^/    /' || true
    echo "    (systemd: $(( $(date +%s) - started )) s, exit $rc; logs in $dir, the guest's journal in $dir/.realstack/journal.txt)"
    if [ "$rc" -ne 0 ]; then
      failed=1
      echo "    --- last lines:"; tail -n 30 "$dir/output.txt" | tr -cd '\11\12\40-\176\200-\377' | sed 's/^/    /'
    fi
  fi
fi
run main '{"legacy": ["hci0"], "strict_random_address": true}'
run power '{"legacy": ["hci0"], "strict_random_address": false}'
run field '{"legacy": ["hci0"], "strict_random_address": false}' "$harness/scenarios/field_scenarios.py"
# The story, through `bleagent demo` itself (the verb a newcomer runs), with every check shown.
if [ -z "${REALSTACK_ONLY:-}" ] || [[ " $REALSTACK_ONLY " == *" story "* ]]; then
  dir="$work/story"; rm -rf "$dir"; mkdir -p "$work"; started=$(date +%s); rc=0
  BLEAGENT_HARNESS="$harness" timeout 900 "$binary" demo --verbose --work-dir "$dir" > "$work/story-output.txt" 2>&1 || rc=$?
  # -a: the guest's console lines the demo relays can hold bytes that make grep call the file binary.
  grep -a -E "^  [✓✗] |^Done in|demo failed" "$work/story-output.txt" | sed 's/^/    /' || true
  echo "    (story via bleagent demo: $(( $(date +%s) - started )) s, exit $rc; logs in $dir, output in $work/story-output.txt)"
  if [ "$rc" -ne 0 ]; then
    failed=1
    echo "    --- the demo's last lines:"; tail -n 40 "$work/story-output.txt" | tr -cd '\11\12\40-\176\200-\377' | sed 's/^/    /'
    for log in "$dir"/daemon-*.log; do
      [ -f "$log" ] && { echo "    --- $(basename "$log") (last lines):"; tail -n 15 "$log" | sed 's/^/    /'; }
    done
  fi
fi
exit $failed
