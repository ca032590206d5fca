#!/usr/bin/env bash
# Man pages and shell completions, into a folder; optionally installed.
#   scripts/make-docs.sh OUT BIN_DIR                 build into OUT from the binaries in BIN_DIR
#   scripts/make-docs.sh --install OUT PREFIX        install OUT under PREFIX (e.g. /usr/local)
# OUT/man/man1/bleagent.1, man8/bleagent-server.8: swift-argument-parser's generate-manual (the tool
#   behind its GenerateManual plugin), over each binary's --experimental-dump-help.
# OUT/man/man5/bleagent.toml.5, server.toml.5: Tools/man/config-man.py over the documented
#   systemd/bleagent.toml and systemd/server.toml.
# OUT/completions/{bash,zsh,fish}/: each binary's --generate-completion-script.
# BLEAGENT_DOCS_SCRATCH: swift's scratch path for building generate-manual (default $BUILD_DIR/docs-tool:
#   its own, as `swift package plugin` rewrites the scratch path's build description, and a
#   `swift build --static-swift-stdlib` that follows in the same scratch path then links without the
#   static runtime's folder: "cannot find -lCoreFoundation", seen in scripts/make-deb.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"

if [ "${1:-}" = --install ]; then
  out=$2 prefix=$3
  for page in "$out"/man/man*/*; do
    install -D -m 0644 "$page" "$prefix/share/man/$(basename "$(dirname "$page")")/$(basename "$page")"
  done
  for tool in bleagent bleagent-server; do
    install -D -m 0644 "$out/completions/bash/$tool" "$prefix/share/bash-completion/completions/$tool"
    install -D -m 0644 "$out/completions/zsh/_$tool" "$prefix/share/zsh/site-functions/_$tool"
    install -D -m 0644 "$out/completions/fish/$tool.fish" "$prefix/share/fish/vendor_completions.d/$tool.fish"
  done
  install -D -m 0644 share/dbus-1/interfaces/org.bleagent.Agent1.xml "$prefix/share/dbus-1/interfaces/org.bleagent.Agent1.xml"
  command -v mandb >/dev/null && mandb -q "$prefix/share/man" 2>/dev/null || true
  exit 0
fi

out=${1:?usage: make-docs.sh OUT BIN_DIR | --install OUT PREFIX}
bin=${2:?usage: make-docs.sh OUT BIN_DIR | --install OUT PREFIX}
scratch=${BLEAGENT_DOCS_SCRATCH:-$BUILD_DIR/docs-tool}
rm -rf "$out"
mkdir -p "$out/man/man1" "$out/man/man5" "$out/man/man8" "$out/completions/bash" "$out/completions/zsh" "$out/completions/fish"

# generate-manual: the tool swift-argument-parser's GenerateManual plugin runs. `plugin generate-manual
# --help` builds just the tool (from the package's checkout: no network); we then run it over the
# binaries given, as the plugin does, but with each page's own section (the plugin passes one
# --section to every tool) and without the plugin's rebuild of every product of the package.
swift package --scratch-path "$scratch" plugin generate-manual --help 2>&1 \
  | grep -E "error|warning: .*generate-manual" >&2 || true
generator=$(ls -t "$scratch"/*/debug/generate-manual-tool 2>/dev/null | head -1)
[ -n "$generator" ] && [ -x "$generator" ] || { echo "make-docs: generate-manual was not built in $scratch" >&2; exit 1; }
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)
"$generator" "$bin/bleagent" --section 1 --date "$date" --output-directory "$out/man/man1"
"$generator" "$bin/bleagent-server" --section 8 --date "$date" --output-directory "$out/man/man8"
# A blank line inside a command's discussion (its paragraphs) is passed through as is, which mdoc
# warns about: make each a paragraph break.
sed -i 's/^$/.Pp/' "$out/man/man1/bleagent.1" "$out/man/man8/bleagent-server.8"

python3 Tools/man/config-man.py systemd/bleagent.toml bleagent.toml 5 "configuration of the bleagent daemon" "bleagent run" \
  > "$out/man/man5/bleagent.toml.5"
python3 Tools/man/config-man.py systemd/server.toml server.toml 5 "configuration of the notification server" "bleagent-server" \
  > "$out/man/man5/server.toml.5"

for tool in bleagent bleagent-server; do
  "$bin/$tool" --generate-completion-script bash > "$out/completions/bash/$tool"
  "$bin/$tool" --generate-completion-script zsh > "$out/completions/zsh/_$tool"
  "$bin/$tool" --generate-completion-script fish > "$out/completions/fish/$tool.fish"
done
echo "make-docs: $(find "$out" -type f | wc -l) files in $out"
