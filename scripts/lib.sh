# Shared by the project's scripts: build folder, apt without the image's cache-deleting hook, timing.
# shellcheck shell=bash

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Outside the clone, so a second run on the same machine builds incrementally.
BUILD_DIR=${BLEAGENT_BUILD_DIR:-/var/tmp/bleagent-build}
export PATH="/opt/swift/usr/bin:$PATH"

stage_started=0
stage() {
  stage_end
  stage_name=$1
  stage_started=$(date +%s)
  echo "==> $stage_name"
}
stage_end() {
  if [ "$stage_started" -ne 0 ]; then
    echo "    ($stage_name: $(( $(date +%s) - stage_started )) s)"
    stage_times+=("$(printf '%-34s %5d s' "$stage_name" $(( $(date +%s) - stage_started )))")
  fi
  stage_started=0
}
stage_times=()
print_stage_times() {
  stage_end
  echo "==> stage times"
  printf '    %s\n' "${stage_times[@]}"
}

# apt-get ARGS…, as root (sudo when not), never asking. Some images delete downloaded .debs after
# every dpkg run (a DPkg::Post-Invoke hook), which breaks installs that upgrade systemd/OpenSSL: the hook
# is cleared for our calls.
apt_get() {
  local sudo="" noclean rc=0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  noclean=$(mktemp)
  printf '#clear DPkg::Post-Invoke;\n' > "$noclean"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -c "$noclean" -o DPkg::Lock::Timeout=300 "$@" || rc=$?
  rm -f "$noclean"
  return $rc
}

# apt-get install PKGS… if any is missing.
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "    installing: ${missing[*]}"
  apt_get update -qq
  apt_get install -y -qq "${missing[@]}" >/dev/null || apt_get -f install -y -qq >/dev/null
}

# Build dependencies of the package (C headers the system-library targets use).
BUILD_PACKAGES=(libssl-dev zlib1g-dev libsqlite3-dev libdbus-1-dev libbluetooth-dev pkg-config openssl dbus)
