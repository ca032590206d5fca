#!/usr/bin/env bash
# The Debian packages bleagent and bleagent-server, made with dpkg-dev's own tools (dpkg-shlibdeps,
# dpkg-gencontrol, dpkg-deb) from packaging/deb/ and the binaries of a Swift build that links the Swift
# runtime and Foundation statically (no /opt/swift on the target), stripped. Files go under /usr;
# /etc/bleagent/*.toml are conffiles.
#   scripts/make-deb.sh                 release build → $BUILD_DIR/deb/bleagent_VERSION_ARCH.deb, bleagent-server_…
#   scripts/make-deb.sh --debug         a debug build instead (CI: quicker; in $BUILD_DIR/debug-static)
#   --out DIR                           where the .debs go
#   --version V                         the package version (default: the binaries' --version); must start with it
#   --lintian                           run lintian on the result; its errors fail the script
# The architecture is dpkg's: the same command on an arm64 Debian 12 machine with Swift 6.3.1 for
# aarch64 in /opt/swift builds arm64 packages (a Raspberry Pi 4/5 with 64-bit Raspberry Pi OS).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"
umask 022

configuration=release out="$BUILD_DIR/deb" version="" lintian=no
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) configuration=debug; shift ;;
    --out) out=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --lintian) lintian=yes; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-deb: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done
apt_install dpkg-dev chrpath

# A scratch path of its own: objects compiled for --static-swift-stdlib carry autolink entries for the
# static runtime's archives (CoreFoundation, …), so a dynamic build that reuses them fails to link, and
# the other way round ("cannot find -lCoreFoundation"). Never share one with scripts/test.sh's build.
# BLEAGENT_DEB_SCRATCH: another scratch path that has only ever been built with --static-swift-stdlib.
scratch=${BLEAGENT_DEB_SCRATCH:-$BUILD_DIR/$configuration-static}
arch=$(dpkg --print-architecture)
# The package trees are assembled in a folder of this run's own (two runs at once, say set-up's release
# and the tests' debug packages, must not write into each other's), removed at exit.
mkdir -p "$BUILD_DIR" "$out"
work=$(mktemp -d "$BUILD_DIR/deb-work.XXXXXX")
trap 'rm -rf "$work"' EXIT

foundation_archives=(-Xlinker --start-group)
for archive in Foundation FoundationEssentials FoundationInternationalization CoreFoundation _FoundationICU _FoundationCShims _FoundationCollections; do
  foundation_archives+=(-Xlinker "-l$archive")
done
foundation_archives+=(-Xlinker --end-group)

# 1. Build both executables with the Swift runtime inside.
for product in bleagent bleagent-server; do
  # With --static-swift-stdlib, Swift 6.3's SwiftPM does not always pass Foundation's own archives
  # (CoreFoundation, _FoundationICU, …) to the linker: which ones the autolink entries name varies, and
  # the link fails on undefined CF*/swift_udat_* symbols (swiftlang/swift-package-manager#10564). Name
  # them all, as one group (they refer to each other).
  # BLEAGENT_BUILD_PROGRESS=1 (set-up): every 25th [N/M] step of the build (and the first and last) is shown.
  log="$BUILD_DIR/make-deb-$configuration-$product.log"
  set +e
  swift build -c "$configuration" --scratch-path "$scratch" --static-swift-stdlib "${foundation_archives[@]}" \
      --product "$product" 2>&1 | tee "$log" | awk -v show="${BLEAGENT_BUILD_PROGRESS:-0}" '
        show == 1 && match($0, /^\[[0-9]+\/[0-9]+\]/) {
          split(substr($0, 2, RLENGTH - 2), step, "/")
          if (step[1] == 1 || step[1] == step[2] || step[1] % 25 == 0) { print "    " $0; fflush() }
        }'
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    grep -E "error:" "$log" | head -20; tail -n 10 "$log"
    echo "make-deb: swift build of $product failed (exit $rc; log: $log)" >&2; exit 1
  fi
done
bin="$scratch/$configuration"
for product in bleagent bleagent-server; do
  # Nothing may come from the toolchain's folder: no libswift*/libFoundation* (the RUNPATH $ORIGIN
  # SwiftPM adds is removed from the packaged copy).
  if readelf -d "$bin/$product" | grep -E "NEEDED.*(libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libXCTest)"; then
    echo "make-deb: $bin/$product still needs the Swift toolchain's libraries (above)" >&2; exit 1
  fi
done

binary_version=$("$bin/bleagent" --version)
[ "$("$bin/bleagent-server" --version)" = "$binary_version" ] || { echo "make-deb: bleagent and bleagent-server report different versions" >&2; exit 1; }
version=${version:-$binary_version}
case "$version" in "$binary_version"|"$binary_version"[+~.-]*) ;; *)
  echo "make-deb: package version $version does not start with the binaries' version $binary_version" >&2; exit 64 ;; esac

# 2. Man pages and completions from these binaries.
scripts/make-docs.sh "$work/docs" "$bin" >/dev/null

# dpkg-shlibdeps and dpkg-gencontrol read debian/control and debian/changelog.
mkdir -p "$work/src/debian"
cp packaging/deb/control packaging/deb/changelog "$work/src/debian/"

stage_common() {  # stage_common PACKAGE ROOT
  local package=$1 root=$2
  install -D -m 0644 packaging/deb/copyright "$root/usr/share/doc/$package/copyright"
  gzip -9n < packaging/deb/changelog > "$work/changelog.gz"
  install -D -m 0644 "$work/changelog.gz" "$root/usr/share/doc/$package/changelog.gz"
  # The units' Documentation= names README.md as a file: kept uncompressed.
  install -D -m 0644 README.md "$root/usr/share/doc/$package/README.md"
  mkdir -p "$root/DEBIAN"
  local script
  for script in postinst prerm postrm; do
    [ -f "packaging/deb/$package.$script" ] && install -m 0755 "packaging/deb/$package.$script" "$root/DEBIAN/$script"
  done
}
install_page() {  # install_page SECTION NAME ROOT
  install -d "$3/usr/share/man/man$1"
  gzip -9n < "$work/docs/man/man$1/$2.$1" > "$3/usr/share/man/man$1/$2.$1.gz"
  chmod 0644 "$3/usr/share/man/man$1/$2.$1.gz"
}
install_completions() {  # install_completions TOOL ROOT
  # A completion is sourced, not run: without the generator's #! line.
  install -d "$2/usr/share/bash-completion/completions"
  sed '1{/^#!/d}' "$work/docs/completions/bash/$1" > "$2/usr/share/bash-completion/completions/$1"
  chmod 0644 "$2/usr/share/bash-completion/completions/$1"
  install -D -m 0644 "$work/docs/completions/zsh/_$1" "$2/usr/share/zsh/vendor-completions/_$1"
  install -D -m 0644 "$work/docs/completions/fish/$1.fish" "$2/usr/share/fish/vendor_completions.d/$1.fish"
}
install_binary() {  # install_binary NAME ROOT: stripped as dh_strip does
  install -D -m 0755 "$bin/$1" "$2/usr/bin/$1"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$2/usr/bin/$1"
  chrpath --delete "$2/usr/bin/$1" >/dev/null
}

# 3. bleagent
root="$work/bleagent"
install_binary bleagent "$root"
install -D -m 0644 systemd/bleagent.service "$root/usr/lib/systemd/system/bleagent.service"
install -D -m 0644 systemd/bleagent-notify.service "$root/usr/lib/systemd/user/bleagent-notify.service"
install -D -m 0644 systemd/bleagent.sysusers "$root/usr/lib/sysusers.d/bleagent.conf"
install -D -m 0644 systemd/org.bleagent.Agent.conf "$root/usr/share/dbus-1/system.d/org.bleagent.Agent.conf"
install -D -m 0644 share/dbus-1/interfaces/org.bleagent.Agent1.xml "$root/usr/share/dbus-1/interfaces/org.bleagent.Agent1.xml"
install -D -m 0644 share/guidance.json "$root/usr/share/bleagent/guidance.json"
install -D -m 0644 systemd/bleagent.toml "$root/etc/bleagent/bleagent.toml"
install -D -m 0644 doc/org.bleagent.Agent1.md "$root/usr/share/doc/bleagent/org.bleagent.Agent1.md"
install_page 1 bleagent "$root"
install_page 5 bleagent.toml "$root"
install_completions bleagent "$root"
stage_common bleagent "$root"
echo /etc/bleagent/bleagent.toml > "$root/DEBIAN/conffiles"

# 4. bleagent-server
root="$work/bleagent-server"
install_binary bleagent-server "$root"
install -D -m 0644 systemd/bleagent-server.service "$root/usr/lib/systemd/system/bleagent-server.service"
install -D -m 0644 systemd/bleagent-server.sysusers "$root/usr/lib/sysusers.d/bleagent-server.conf"
# 0640: postinst gives it to the bleagent-server group (it may come to hold the database password).
install -D -m 0640 systemd/server.toml "$root/etc/bleagent/server.toml"
install_page 8 bleagent-server "$root"
install_page 5 server.toml "$root"
install_completions bleagent-server "$root"
stage_common bleagent-server "$root"
echo /etc/bleagent/server.toml > "$root/DEBIAN/conffiles"

# 5. Control files (dependencies from the libraries the binaries need) and the archives.
for package in bleagent bleagent-server; do
  root="$work/$package"
  [ -f "packaging/deb/$package.lintian-overrides" ] && \
    install -D -m 0644 "packaging/deb/$package.lintian-overrides" "$root/usr/share/lintian/overrides/$package"
  (cd "$work/src" && dpkg-shlibdeps -T"$work/$package.substvars" "$root/usr/bin/$package" 2>&1 | grep -v "^dpkg-shlibdeps: warning: package could avoid a useless dependency" || true)
  (cd "$work/src" && dpkg-gencontrol -p"$package" -P"$root" -T"$work/$package.substvars" -f"$work/files" -v"$version")
  (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
  chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control" "$root/DEBIAN/conffiles"
  deb="$out/${package}_${version}_${arch}.deb"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
  echo "make-deb: $deb: $(du -k "$deb" | cut -f1) KiB, installed $(sed -n 's/^Installed-Size: //p' "$root/DEBIAN/control") KiB, depends: $(sed -n 's/^Depends: //p' "$root/DEBIAN/control")"
done

if [ "$lintian" = yes ]; then
  command -v lintian >/dev/null || apt_install lintian
  # Every tag but the informational spelling guesses in the strings of the statically linked
  # dependencies (hundreds, not ours), overridden ones shown with their reasons.
  # (lintian counts shown overrides as failures: --fail-on none, and the verdict is read from its tags.)
  report="$out/lintian.txt"
  lintian --display-info --show-overrides --fail-on none \
    "$out/bleagent_${version}_${arch}.deb" "$out/bleagent-server_${version}_${arch}.deb" >"$report" 2>&1 \
    || { cat "$report"; echo "make-deb: lintian could not check the packages" >&2; exit 1; }
  grep -v -e "spelling-error-in-binary" -e "^N: *$" -e "running with root privileges" "$report" | sed 's/^/    lintian: /' || true
  echo "    lintian: $(grep -c "spelling-error-in-binary" "$report" || true) spelling guesses in dependencies' strings not shown (all: $report)"
  ! grep -qE "^(E|W): " "$report" || { echo "make-deb: lintian found errors or warnings (above)" >&2; exit 1; }
  echo "make-deb: lintian: no error or warning"
fi
