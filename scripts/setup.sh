#!/usr/bin/env bash
# Set-up and run: installs the build dependencies, builds the Debian packages bleagent and
# bleagent-server (release, scripts/make-deb.sh) and installs them with apt (as root; without root only
# the binaries, in ~/.local/bin), runs a self-check that derives Google's published test vector, then
# runs the main job: the service where there is a Bluetooth adapter, otherwise `bleagent demo` on
# virtual radios. Re-running is safe and incremental; an earlier set-up's /usr/local files are replaced.
#   BLEAGENT_SETUP_RUN=no scripts/setup.sh        install only
#   BLEAGENT_SETUP_ROLE=server scripts/setup.sh   the notification server only (its package, enabled)
#   scripts/uninstall.sh                          removes everything set-up installed
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

role=${BLEAGENT_SETUP_ROLE:-all}
case "$role" in all) packages=(bleagent bleagent-server) ;; server) packages=(bleagent-server) ;;
  *) echo "error: BLEAGENT_SETUP_ROLE is all (default) or server, not $role" >&2; exit 64 ;; esac

stage "build the Debian packages (release, the Swift runtime linked in, stripped)"
# scripts/make-deb.sh: swift build -c release --static-swift-stdlib (its progress below), then the
# packages in $BUILD_DIR/deb.
BLEAGENT_BUILD_PROGRESS=1 scripts/make-deb.sh --out "$BUILD_DIR/deb"
version=$("$BUILD_DIR/release-static/release/bleagent" --version)
arch=$(dpkg --print-architecture)

stage "install"
if [ "$(id -u)" -eq 0 ]; then
  dest=/usr/bin
  # An earlier set-up installed under /usr/local and /etc/systemd/system, which would shadow the
  # package's unit: remove those files (configuration in /etc/bleagent is kept, and the package adopts it).
  for old in /usr/local/bin/bleagent /usr/local/bin/bleagent-server /etc/systemd/system/bleagent.service \
             /etc/systemd/system/bleagent-server.service /etc/systemd/user/bleagent-notify.service \
             /etc/sysusers.d/bleagent.conf /etc/dbus-1/system.d/org.bleagent.Agent.conf \
             /usr/local/share/bleagent/guidance.json /usr/local/share/doc/bleagent; do
    [ -e "$old" ] && { echo "    removing $old (an earlier set-up's; the package installs under /usr)"; rm -rf "$old"; }
  done
  debs=()
  for package in "${packages[@]}"; do debs+=("$BUILD_DIR/deb/${package}_${version}_${arch}.deb"); done
  # apt installs what the packages depend on (bluez, dbus, the libraries) and runs their scripts: the
  # user, the D-Bus policy, systemd's reload; a running service is restarted on the new binary.
  apt_get install -y -q --reinstall "${debs[@]}" | grep -vE "^(Reading|Building|Selecting|Preparing|\(Reading)" || true
  for package in "${packages[@]}"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || { echo "error: the $package package did not install (apt's messages are above)" >&2; exit 1; }
  done
  if [ "$role" = all ]; then
    # The real-stack harness for `bleagent demo` (not in the package; mtimes kept: the VM is rebuilt only when it changes).
    rm -rf /usr/local/share/bleagent/realstack && mkdir -p /usr/local/share/bleagent && cp -rp Harness/realstack /usr/local/share/bleagent/realstack
    # Contact days are health information: the daemon shows them to root and the bleagent group only.
    # The desktop user who ran set-up (through sudo) joins the group, and is told so.
    if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] && ! id -nG "$SUDO_USER" | tr ' ' '\n' | grep -qx bleagent; then
      usermod -aG bleagent "$SUDO_USER"
      echo "    added $SUDO_USER to the bleagent group (status, exposures and contact notices); log in again for it to apply"
    fi
  fi
  echo "    installed: ${packages[*]} $version (dpkg -L ${packages[0]} lists the files; scripts/uninstall.sh removes them)"
else
  dest="$HOME/.local/bin"; mkdir -p "$dest"
  for package in "${packages[@]}"; do install -m 0755 "$BUILD_DIR/release-static/release/$package" "$dest/$package"; done
  echo "    installed ${packages[*]} in $dest ($version); run as root to install the packages and the service"
fi

if [ "$role" = server ]; then
  stage "the notification server"
  "$dest/bleagent-server" --version >/dev/null || { echo "self-check failed: $dest/bleagent-server does not run" >&2; exit 1; }
  if [ "${BLEAGENT_SETUP_RUN:-auto}" != no ] && [ -d /run/systemd/system ] && [ "$(id -u)" -eq 0 ]; then
    systemctl enable --now bleagent-server.service
    systemctl status --no-pager --lines=3 bleagent-server.service || true
    echo "Next: put a TLS proxy in front (README, \"Notification server\"); bleagent-server --help"
  else
    echo "Next: configure /etc/bleagent/server.toml, then systemctl enable --now bleagent-server (or bleagent-server serve)"
  fi
  print_stage_times
  exit 0
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
