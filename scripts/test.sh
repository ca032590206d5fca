#!/usr/bin/env bash
# The test command: installs what the tests need, builds once (debug: tests and every product,
# benchmarks included), runs the Swift tests, the interop tests against independent Python
# implementations, and the export-reader fuzzer for a bounded time. The server's database tests and
# its end-to-end tests run against SQLite and a real PostgreSQL server (Debian's, started privately
# for the run). Prints how long each stage took.
#   scripts/test.sh                 everything
#   FUZZ_SECONDS=0 scripts/test.sh  skip the fuzzer
#   REALSTACK=0 scripts/test.sh     skip the real-stack (QEMU) tests (with the packages under systemd) and the power cuts
#   POWERCUT_CUTS=20 scripts/test.sh   more power cuts (default 4)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"
FUZZ_SECONDS=${FUZZ_SECONDS:-120}

stage "install test dependencies"
# python3-dbus/-gi: a stand-in desktop notification server for `bleagent notify` (Debian's python3).
# chromium: renders `bleagent field report` headless, offline, as a person would see it.
# nginx: the load balancer in front of three servers (Tests/interop/test_scaleout.py).
# dpkg-dev, lintian, chrpath: the Debian packages (scripts/make-deb.sh).
apt_install "${BUILD_PACKAGES[@]}" python3-dbus python3-gi python3-venv postgresql e2fsprogs chromium nginx man-db groff-base libglib2.0-bin \
  dpkg-dev lintian chrpath
# The interop tests' Python packages go into a venv of their own: Debian's Python refuses `pip install`
# system-wide ("externally-managed-environment"). --system-site-packages keeps Debian's python3-dbus
# and python3-gi visible. A failure stops here, with pip's own message.
# Debian's own python3 (not a pyenv or /usr/local one earlier on PATH): its site-packages hold them.
venv="$BUILD_DIR/venv"
system_python=/usr/bin/python3
[ -x "$system_python" ] || system_python=python3
if [ ! -x "$venv/bin/python" ]; then
  "$system_python" -m venv --system-site-packages "$venv" \
    || { echo "error: $system_python -m venv $venv failed (is python3-venv installed?)" >&2; exit 1; }
fi
pip_log=$(mktemp)
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check protobuf cryptography bluezoo >"$pip_log" 2>&1; then
  cat "$pip_log" >&2
  echo "error: pip could not install protobuf, cryptography and bluezoo into $venv (its message is above)" >&2
  exit 1
fi
rm -f "$pip_log"
echo "    python packages in $venv: $("$venv/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | grep -Ei '^(protobuf|cryptography|bluezoo) ' | tr -s ' ' | paste -sd, -)"

if [ ! -f ../shared/fixtures/README.md ] && [ -z "${BLEAGENT_FIXTURES:-}" ]; then
  echo "note: ../shared/fixtures is missing: tests that need the public GAEN fixtures are skipped (set BLEAGENT_FIXTURES)"
  [ -n "${CI:-}" ] && { echo "error: CI must have ../shared/fixtures beside the clone" >&2; exit 1; }
fi

fielddata=${BLEAGENT_FIELDDATA:-../shared/fielddata}
if [ ! -f "$fielddata/README.md" ]; then
  echo "note: $fielddata is missing: the field replays are skipped (set BLEAGENT_FIELDDATA)"
  [ -n "${CI:-}" ] && { echo "error: CI must have ../shared/fielddata beside the clone" >&2; exit 1; }
fi

stage "PostgreSQL for the server tests"
BLEAGENT_TEST_POSTGRES=$(scripts/postgres-test-server.sh)
export BLEAGENT_TEST_POSTGRES
trap 'scripts/postgres-test-server.sh stop' EXIT
echo "    $BLEAGENT_TEST_POSTGRES"

stage "build (debug: tests and all products)"
log_dir=$(mktemp -d)
if ! swift build --scratch-path "$BUILD_DIR/debug" --build-tests >"$log_dir/build.log" 2>&1; then
  grep -E "error:" "$log_dir/build.log" | head -40; tail -n 20 "$log_dir/build.log"; exit 1
fi
grep -E "warning:" "$log_dir/build.log" | grep -v "unhandled; explicitly declare" | sort -u | head -20 || true
bin="$BUILD_DIR/debug/debug"

stage "swift tests"
set +e
swift test --scratch-path "$BUILD_DIR/debug" --skip-build >"$log_dir/swift-test.log" 2>&1
rc=$?
set -e
grep -E "✘|Test run with|error:" "$log_dir/swift-test.log" | head -80 || true
[ "$rc" -eq 0 ] || { echo "swift tests failed (full log: $log_dir/swift-test.log)"; exit 1; }

if [ -f "$fielddata/README.md" ]; then
  stage "field replays (MITLL-UA, Dublin tram, NIST Pi: every preset against the trials' ground truth)"
  "$bin/bleagent" field replay all --data-dir "$fielddata" >"$log_dir/field-replay.txt"
  grep -E "contacts replayed|^risk |^all " "$log_dir/field-replay.txt"
fi

# The packages the real stack's systemd boot installs: a debug build with the Swift runtime linked in
# (its own scratch path; a release build would cost ~15 minutes more), stripped, checked by lintian.
stage "Debian packages (debug build, static Swift runtime) + lintian"
bash scripts/make-deb.sh --debug --lintian --out "$BUILD_DIR/deb"

stage "interop tests (Python protobuf + cryptography + openssl)"
set +e
# The venv's python (and its bin, for the bluezoo command) runs them.
PATH="$venv/bin:$PATH" BLEAGENT="$bin/bleagent" "$venv/bin/python" -m unittest discover -s Tests/interop -p 'test_*.py' -v >"$log_dir/interop.log" 2>&1
rc=$?
set -e
tail -n 40 "$log_dir/interop.log"
[ "$rc" -eq 0 ] || { echo "interop tests failed (full log: $log_dir/interop.log)"; exit 1; }

if [ "${REALSTACK:-1}" != 0 ]; then
  stage "real stack (QEMU: kernel Bluetooth + bluetoothd 5.66 + virtual radios)"
  timeout 1500 scripts/realstack-test.sh "$bin/bleagent"
  # Needs the VM the real-stack stage prepared (and skips where it skipped: no x86_64, no QEMU).
  if [ "$(uname -m)" = x86_64 ] && qemu-system-x86_64 -version >/dev/null 2>&1; then
    stage "power cuts (QEMU, ext4 image: contact store + server SQLite)"
    cuts=${POWERCUT_CUTS:-4}
    # A boot takes 30–60 s here (cuts + the control + the last check); the bound leaves room for a slow host.
    timeout $(( 150 * (cuts + 2) )) bash Harness/powercut/powercut.sh --cuts "$cuts" --bin "$bin" --work "$BUILD_DIR/powercut"
  fi
fi

if [ "$FUZZ_SECONDS" -gt 0 ]; then
  stage "fuzz the export reader (${FUZZ_SECONDS} s, ASan)"
  scripts/fuzz.sh "$FUZZ_SECONDS"
fi
print_stage_times
echo "all tests passed"
