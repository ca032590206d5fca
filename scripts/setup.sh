#!/usr/bin/env bash
# Set-up and run: installs the build dependencies, builds bleagent (release), installs it as
# /usr/local/bin/bleagent (or ~/.local/bin without root), and runs a self-check that derives
# Google's published test vector. Re-running is safe and incremental.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"

stage "install build dependencies"
apt_install "${BUILD_PACKAGES[@]}"

stage "build bleagent (release)"
swift build -c release --scratch-path "$BUILD_DIR/release" --product bleagent 2>&1 \
  | grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled; explicitly declare" || true
built="$BUILD_DIR/release/release/bleagent"
[ -x "$built" ] || { echo "build failed" >&2; exit 1; }

stage "install"
if [ "$(id -u)" -eq 0 ]; then dest=/usr/local/bin; else dest="$HOME/.local/bin"; mkdir -p "$dest"; fi
install -m 0755 "$built" "$dest/bleagent"
echo "    installed $dest/bleagent ($("$dest/bleagent" --version))"

stage "self-check: Google's GAEN test vector"
"$dest/bleagent" crypto rpi --tek 75c734c6dd1a782de7a965da5eb93125 --interval 2642976 --count 3 --metadata 40080000
expected=8be6cd371c5c891604bfbe49df845096
got=$("$dest/bleagent" crypto rpi --tek 75c734c6dd1a782de7a965da5eb93125 --interval 2642976 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["rpi"])')
[ "$got" = "$expected" ] || { echo "self-check failed: got $got, expected $expected" >&2; exit 1; }
echo "    self-check passed"
print_stage_times
echo "Next: bleagent --help"
