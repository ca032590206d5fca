#!/usr/bin/env bash
# Removes what scripts/setup.sh installed: the packages with `apt-get purge` (their scripts say what
# they delete: the contact store, the server's database and secrets), files an earlier set-up put
# under /usr/local and /etc/systemd, the binaries in ~/.local/bin, the demo's harness, and the build
# and demo folders in /var/tmp. Asks first; the system account bleagent and /etc/bleagent files you
# added yourself are kept (said at the end).
#   scripts/uninstall.sh            ask, then remove everything
#   scripts/uninstall.sh --yes      do not ask
#   scripts/uninstall.sh --keep-build   keep $BUILD_DIR (a later set-up then builds incrementally)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

yes=no keep_build=no
for arg in "$@"; do
  case "$arg" in
    --yes|-y) yes=yes ;;
    --keep-build) keep_build=yes ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall: unknown option $arg (see --help)" >&2; exit 64 ;;
  esac
done

installed=()
for package in bleagent bleagent-server; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -qE "install ok|config-files" && installed+=("$package")
done
leftovers=()
for path in /usr/local/bin/bleagent /usr/local/bin/bleagent-server /etc/systemd/system/bleagent.service \
            /etc/systemd/system/bleagent-server.service /etc/systemd/user/bleagent-notify.service \
            /etc/sysusers.d/bleagent.conf /etc/dbus-1/system.d/org.bleagent.Agent.conf /usr/local/share/bleagent \
            /usr/local/share/doc/bleagent "$HOME/.local/bin/bleagent" "$HOME/.local/bin/bleagent-server" \
            /var/tmp/bleagent-demo-* /var/cache/bleagent-realstack; do
  [ -e "$path" ] && leftovers+=("$path")
done
for page in /usr/local/share/man/man1/bleagent.1 /usr/local/share/man/man8/bleagent-server.8 \
            /usr/local/share/man/man5/bleagent.toml.5 /usr/local/share/man/man5/server.toml.5 \
            /usr/local/share/bash-completion/completions/bleagent /usr/local/share/bash-completion/completions/bleagent-server \
            /usr/local/share/zsh/site-functions/_bleagent /usr/local/share/zsh/site-functions/_bleagent-server \
            /usr/local/share/fish/vendor_completions.d/bleagent.fish /usr/local/share/fish/vendor_completions.d/bleagent-server.fish \
            /usr/local/share/dbus-1/interfaces/org.bleagent.Agent1.xml; do
  [ -e "$page" ] && leftovers+=("$page")
done
[ "$keep_build" = no ] && [ -e "$BUILD_DIR" ] && leftovers+=("$BUILD_DIR")

if [ ${#installed[@]} -eq 0 ] && [ ${#leftovers[@]} -eq 0 ]; then
  echo "Nothing of bleagent is installed here."
  exit 0
fi
echo "This removes:"
[ ${#installed[@]} -gt 0 ] && echo "  the packages ${installed[*]} (apt-get purge: every contact record, and the server's database and secrets)"
for path in "${leftovers[@]}"; do echo "  $path"; done
if [ "$yes" = no ]; then
  [ -t 0 ] || { echo "uninstall: not asking without a terminal: run with --yes" >&2; exit 64; }
  read -r -p "Remove all of this, unrecoverably? [y/N] " answer
  case "$answer" in y|Y|yes) ;; *) echo "Nothing removed."; exit 0 ;; esac
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
if [ ${#installed[@]} -gt 0 ]; then
  apt_get purge -y -q "${installed[@]}" | grep -vE "^\(?(Reading|Building)" || true
fi
for path in "${leftovers[@]}"; do $sudo rm -rf "$path"; done
if [ -d /run/systemd/system ]; then $sudo systemctl daemon-reload || true; fi
echo "Removed. Kept: the system account bleagent (userdel bleagent removes it) and any file you added to /etc/bleagent."
