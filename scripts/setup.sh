#!/usr/bin/env bash
# Set-up and run: installs the build dependencies, builds bleagent (release), installs it as
# /usr/local/bin/bleagent with its systemd unit, user, D-Bus policy and configuration (or only the
# binary in ~/.local/bin without root), runs a self-check that derives Google's published test
# vector, then runs the main job: the service where there is a Bluetooth adapter, otherwise
# `bleagent demo` on virtual radios. Re-running is safe and incremental.
#   BLEAGENT_SETUP_RUN=no scripts/setup.sh    install only
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"

stage "install build dependencies"
apt_install "${BUILD_PACKAGES[@]}"

# The toolchain: Swift 6.3.1 (lib.sh puts /opt/swift/usr/bin first on PATH).
swift_needed=6.3.1
if ! command -v swift >/dev/null 2>&1; then
  cat >&2 <<EOF_SWIFT
error: Swift $swift_needed is needed and there is no swift on PATH (nor in /opt/swift/usr/bin).
  Get it from https://www.swift.org/install/linux/ (the swift-$swift_needed-RELEASE tarball for this
  distribution and architecture) and unpack it so that /opt/swift/usr/bin/swift exists, e.g.:
    sudo mkdir -p /opt/swift && sudo tar -xzf swift-$swift_needed-RELEASE-*.tar.gz -C /opt/swift --strip-components=1
  then run scripts/setup.sh again.
EOF_SWIFT
  exit 1
fi
swift_version=$(swift --version 2>/dev/null | grep -oE 'Swift version [0-9.]+' | head -1 | cut -d' ' -f3)
echo "    Swift ${swift_version:-unknown} at $(command -v swift) (this project needs $swift_needed)"
[ "$swift_version" = "$swift_needed" ] || echo "    warning: not Swift $swift_needed: the build may fail; get $swift_needed from https://www.swift.org/install/linux/ into /opt/swift" >&2

stage "build bleagent and bleagent-server (release)"
for product in bleagent bleagent-server; do
  # The build's own status decides (a binary left by an earlier build must not be installed). Its
  # progress shows as every 25th step (and the first and last) of its [N/M] lines; everything else it says passes through.
  set +e
  swift build -c release --scratch-path "$BUILD_DIR/release" --product "$product" 2>&1 \
    | awk '/unhandled; explicitly declare/ { next }
           match($0, /^\[[0-9]+\/[0-9]+\]/) {
             split(substr($0, 2, RLENGTH - 2), step, "/")
             if (step[1] == 1 || step[1] == step[2] || step[1] % 25 == 0) { print "    " $0; fflush() }
             next
           }
           { print; fflush() }'
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] && [ -x "$BUILD_DIR/release/release/$product" ] || { echo "build of $product failed (swift build exit $rc)" >&2; exit 1; }
done
built="$BUILD_DIR/release/release/bleagent"

stage "install"
if [ "$(id -u)" -eq 0 ]; then
  dest=/usr/local/bin
  install -m 0755 "$built" "$dest/bleagent"
  install -m 0755 "$BUILD_DIR/release/release/bleagent-server" "$dest/bleagent-server"
  # The notification server: unit (not enabled: `systemctl enable --now bleagent-server`) and a documented configuration.
  install -D -m 0644 systemd/bleagent-server.service /etc/systemd/system/bleagent-server.service
  # The daemon: unit, its user, its D-Bus policy, a documented configuration (kept if present).
  install -D -m 0644 systemd/bleagent.service /etc/systemd/system/bleagent.service
  install -D -m 0644 systemd/bleagent-notify.service /etc/systemd/user/bleagent-notify.service
  install -D -m 0644 systemd/bleagent.sysusers /etc/sysusers.d/bleagent.conf
  install -D -m 0644 systemd/org.bleagent.Agent.conf /etc/dbus-1/system.d/org.bleagent.Agent.conf
  [ -f /etc/bleagent/bleagent.toml ] || install -D -m 0644 systemd/bleagent.toml /etc/bleagent/bleagent.toml
  install -D -m 0644 share/guidance.json /usr/local/share/bleagent/guidance.json
  install -D -m 0644 README.md /usr/local/share/doc/bleagent/README.md
  install -D -m 0644 doc/org.bleagent.Agent1.md /usr/local/share/doc/bleagent/org.bleagent.Agent1.md
  # Man pages, shell completions and the D-Bus interface file (scripts/make-docs.sh); not fatal.
  BLEAGENT_DOCS_SCRATCH="$BUILD_DIR/release" scripts/make-docs.sh "$BUILD_DIR/docs" "$BUILD_DIR/release/release" \
    && scripts/make-docs.sh --install "$BUILD_DIR/docs" /usr/local || echo "    man pages and completions were not built (see above)"
  # The real-stack harness for `bleagent demo` (mtimes kept: the VM is rebuilt only when it changes).
  rm -rf /usr/local/share/bleagent/realstack && mkdir -p /usr/local/share/bleagent && cp -rp Harness/realstack /usr/local/share/bleagent/realstack
  if command -v systemd-sysusers >/dev/null; then systemd-sysusers /etc/sysusers.d/bleagent.conf
  elif ! id bleagent >/dev/null 2>&1; then useradd --system --home-dir /var/lib/bleagent --shell /usr/sbin/nologin bleagent; fi
  if ! getent group bleagent-server >/dev/null; then groupadd --system bleagent-server; fi
  # The server's configuration, 0640 root:bleagent-server (the unit's group): it may come to hold the
  # database password (better: [database] password_file).
  [ -f /etc/bleagent/server.toml ] || install -D -m 0640 -g bleagent-server systemd/server.toml /etc/bleagent/server.toml
  # Contact days are health information: the daemon shows them to root and the bleagent group only.
  # The desktop user who ran set-up (through sudo) joins the group, and is told so.
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] && ! id -nG "$SUDO_USER" | tr ' ' '\n' | grep -qx bleagent; then
    usermod -aG bleagent "$SUDO_USER"
    echo "    added $SUDO_USER to the bleagent group (status, exposures and contact notices); log in again for it to apply"
  fi
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl reload dbus 2>/dev/null || true
  fi
  echo "    installed /usr/local/bin/bleagent ($("$dest/bleagent" --version)), bleagent.service, its user and D-Bus policy,"
  echo "    /usr/local/bin/bleagent-server with bleagent-server.service (not enabled) and /etc/bleagent/server.toml,"
  echo "    /etc/bleagent/bleagent.toml, /usr/local/share/bleagent/{guidance.json,realstack}"
else
  dest="$HOME/.local/bin"; mkdir -p "$dest"
  install -m 0755 "$built" "$dest/bleagent"
  install -m 0755 "$BUILD_DIR/release/release/bleagent-server" "$dest/bleagent-server"
  echo "    installed $dest/bleagent and bleagent-server ($("$dest/bleagent" --version)); run as root to install the service"
fi

stage "self-check: Google's GAEN test vector"
"$dest/bleagent" crypto rpi --tek 75c734c6dd1a782de7a965da5eb93125 --interval 2642976 --count 3 --metadata 40080000
expected=8be6cd371c5c891604bfbe49df845096
got=$("$dest/bleagent" crypto rpi --tek 75c734c6dd1a782de7a965da5eb93125 --interval 2642976 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["rpi"])')
[ "$got" = "$expected" ] || { echo "self-check failed: got $got, expected $expected" >&2; exit 1; }
echo "    self-check passed"

# The main job. With a Bluetooth adapter and systemd: the service (it waits for consent). Without an
# adapter (a VM, a server, CI): the demo, the same daemons on virtual radios in QEMU.
has_adapter=no; ls /sys/class/bluetooth/hci* >/dev/null 2>&1 && has_adapter=yes
if [ "${BLEAGENT_SETUP_RUN:-auto}" = no ]; then
  :
elif [ "$has_adapter" = yes ] && [ -d /run/systemd/system ] && [ "$(id -u)" -eq 0 ]; then
  stage "start the service"
  systemctl enable --now bleagent.service
  "$dest/bleagent" status || true
  echo "Next: read the terms and give consent: sudo bleagent consent --accept"
elif [ "$(uname -m)" = x86_64 ]; then
  stage "the demo (no Bluetooth adapter here): three agents on virtual radios"
  if [ "$(id -u)" -eq 0 ]; then export REALSTACK_CACHE=/var/cache/bleagent-realstack; fi
  echo "    preparing the virtual machine (QEMU, a Debian kernel, bumble; the first time only)"
  bash Harness/realstack/build-vm.sh > "$BUILD_DIR/realstack-build.log" 2>&1 \
    || { tail -n 20 "$BUILD_DIR/realstack-build.log"; echo "preparing the VM failed (log: $BUILD_DIR/realstack-build.log)" >&2; exit 1; }
  BLEAGENT_HARNESS="$top/Harness/realstack" "$dest/bleagent" demo
else
  echo "No Bluetooth adapter and no x86_64 QEMU for the demo here: plug in an adapter, then systemctl enable --now bleagent."
fi
print_stage_times
echo "Next: bleagent --help"
