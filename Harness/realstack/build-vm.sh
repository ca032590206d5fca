#!/usr/bin/env bash
# build-vm.sh - prepare everything run-vm.sh needs (idempotent).
#   * host packages (qemu, busybox-static, bluez, dbus, python3 dbus/gi bindings)
#   * a Debian kernel (vmlinuz + the few modules we need, pre-resolved)
#   * a busybox initramfs whose /init is guest-init.sh
#   * a python venv with bumble (created with the system python so the guest,
#     which sees the host's /usr, can run it)
# Env: REALSTACK_CACHE (default ~/.cache/bleagent-realstack), BUMBLE_VERSION (0.0.236),
#      REALSTACK_SKIP_APT=1 to skip apt.
set -euo pipefail
T0=$(date +%s)
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${REALSTACK_CACHE:-$HOME/.cache/bleagent-realstack}
BUMBLE_VERSION=${BUMBLE_VERSION:-0.0.236}
mkdir -p "$CACHE"
log() { echo "[build-vm] $*"; }

# 1. host packages -----------------------------------------------------------
PKGS="qemu-system-x86 busybox-static bluez dbus cpio kmod python3-venv python3-dbus python3-gi"
if [ -z "${REALSTACK_SKIP_APT:-}" ]; then
  missing=$(for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing" ]; then
    log "installing: $missing"
    export DEBIAN_FRONTEND=noninteractive
    # Some images delete downloaded .debs after every dpkg run (a DPkg::Post-Invoke hook); when
    # bluez pulls in a newer systemd/udev, apt runs dpkg several times and the later runs then find
    # their archives gone, leaving systemd half-configured. Clear that hook for these calls.
    noclean=$(mktemp); printf '#clear DPkg::Post-Invoke;\n' > "$noclean"
    apt-get -c "$noclean" update -qq
    # shellcheck disable=SC2086
    apt-get -c "$noclean" install -y -qq $missing >/dev/null || apt-get -c "$noclean" -f install -y -qq >/dev/null
    rm -f "$noclean"
  fi
fi

# 2. kernel --------------------------------------------------------------------
if [ ! -s "$CACHE/vmlinuz" ] || [ ! -s "$CACHE/kernel-version" ]; then
  # REALSTACK_KERNEL: another kernel package, e.g. linux-image-6.12-amd64 (Debian 12's newer LTS
  # kernel, whose mgmt validation matches what current Raspberry Pi OS kernels do); use its own cache.
  meta=${REALSTACK_KERNEL:-linux-image-amd64}
  pkg=$(apt-cache depends "$meta" | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$pkg" ] || pkg=$meta
  log "downloading $pkg"
  rm -rf "$CACHE/kdl" && mkdir -p "$CACHE/kdl"
  (cd "$CACHE/kdl" && apt-get download "$pkg" >/dev/null 2>&1 && dpkg -x ./*.deb root)
  kver=$(ls "$CACHE/kdl/root/lib/modules" | head -1)
  depmod -b "$CACHE/kdl/root" "$kver"
  cp "$CACHE/kdl/root/boot/vmlinuz-$kver" "$CACHE/vmlinuz"
  echo "$kver" > "$CACHE/kernel-version"
fi
KVER=$(cat "$CACHE/kernel-version")

# 3. initramfs -----------------------------------------------------------------
# RNG first (some kernels need drbg/jitterentropy before ECDH works), then
# virtio + 9p (+ virtio_blk/ext4 for --disk, overlay for --systemd), then bluetooth + vhci.  Dependencies come from modules.dep.
MODS="jitterentropy_rng ctr sha512_generic drbg virtio_pci 9pnet_virtio 9p virtio_blk ext4 overlay cmac ccm ecdh_generic hci_vhci"
if [ ! -s "$CACHE/initramfs.gz" ] || [ "$HERE/guest-init.sh" -nt "$CACHE/initramfs.gz" ] || [ "$HERE/build-vm.sh" -nt "$CACHE/initramfs.gz" ]; then
  [ -d "$CACHE/kdl/root/lib/modules/$KVER" ] || { rm -f "$CACHE/vmlinuz"; exec "$0" "$@"; }
  ir=$(mktemp -d)
  mkdir -p "$ir"/{bb,dev,proc,sys,run,tmp,modules,mnt}
  cp /bin/busybox "$ir/bb/busybox"; ln -s busybox "$ir/bb/sh"
  mknod -m 600 "$ir/dev/console" c 5 1
  : > "$ir/modules/order"
  for m in $MODS; do
    modprobe -d "$CACHE/kdl/root" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'
  done | awk '!seen[$0]++' | while read -r ko; do
    b=$(basename "$ko"); cp "$ko" "$ir/modules/$b"; echo "$b" >> "$ir/modules/order"
  done
  cp "$HERE/guest-init.sh" "$ir/init"; chmod +x "$ir/init"
  (cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$CACHE/initramfs.gz.tmp"
  mv "$CACHE/initramfs.gz.tmp" "$CACHE/initramfs.gz"
  log "initramfs: $(tr '\n' ' ' < "$ir/modules/order")"
  rm -rf "$ir"
fi

# 4. bumble venv (system python; guest reaches it through the cache share) ------
if [ ! -x "$CACHE/venv/bin/python" ] || ! "$CACHE/venv/bin/python" -c "import bumble" 2>/dev/null; then
  log "creating venv with bumble==$BUMBLE_VERSION"
  /usr/bin/python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q "bumble==$BUMBLE_VERSION"
fi

log "cache: $CACHE (kernel $KVER)"
log "done in $(( $(date +%s) - T0 )) s"
