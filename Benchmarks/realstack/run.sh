#!/usr/bin/env bash
# CPU and memory on the real stack (a benchmark, not run in CI), each over SECONDS (default 600):
#   radio   two `bleagent radio test` agents (hci0 legacy-only, hci1 extended) advertising and scanning
#           at the production duty cycle; the hci0 agent's /proc sampled every 5 s (scenarios/resources.py)
#   daemon  the story's three `bleagent run` daemons, then restarted at real speed and left idle
#           (STORY_SOAK): CPU and RSS of each, against the 24 MiB idle goal
# The guest's CPU is emulated (TCG, 5–10× slower than the host): CPU figures are upper bounds.
#   Benchmarks/realstack/run.sh [SECONDS]        (release binaries from $BUILD_DIR/release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
seconds=${1:-600}
harness="$top/Harness/realstack"
swift build -c release --scratch-path "$BUILD_DIR/release" --product bleagent 2>&1 | grep -E "error|Build" | tail -1
swift build -c release --scratch-path "$BUILD_DIR/release" --product bleagent-server 2>&1 | grep -E "error|Build" | tail -1
bash "$harness/build-vm.sh" > "$BUILD_DIR/realstack-build.log" 2>&1 || { tail -n 20 "$BUILD_DIR/realstack-build.log"; exit 1; }
work="$BUILD_DIR/realstack-bench"
for run in radio daemon; do
  dir="$work/$run"; rm -rf "$dir"; mkdir -p "$dir"
  cp "$BUILD_DIR/release/release/bleagent" "$BUILD_DIR/release/release/bleagent-server" "$dir/"
  case $run in
    radio) echo '{"legacy": ["hci0"], "strict_random_address": true}' > "$dir/radio-config.json"
           command=(python3 "$harness/scenarios/resources.py" "$seconds") ;;
    daemon) command=(env STORY_SOAK="$seconds" python3 "$harness/scenarios/story.py") ;;
  esac
  started=$(date +%s)
  bash "$harness/run-vm.sh" --radios 3 --share "$dir" --keep-radio-state --timeout $(( seconds + 600 )) -- "${command[@]}" \
    > "$dir/output.txt" 2>&1 || { echo "$run: the VM run failed (see $dir/output.txt)"; tail -n 20 "$dir/output.txt"; exit 1; }
  echo "$run: $(( $(date +%s) - started )) s in the VM"
done
python3 - "$work" "$seconds" <<'PY'
import json, sys
work, seconds = sys.argv[1], sys.argv[2]
radio = json.load(open(f"{work}/radio/resources.json"))
print(f"radio agent (hci0, legacy controller), {seconds} s: CPU {radio['cpu_percent_average']:.2f} % average "
      f"({radio['cpu_percent_after_first_30s']:.2f} % after the first 30 s), RSS max {radio['rss_mib_max']:.1f} MiB, last {radio['rss_mib_last']:.1f} MiB")
daemons = json.load(open(f"{work}/daemon/resources-story.json"))
for name, d in sorted(daemons.items()):
    print(f"daemon {name} idle {d['seconds']} s: CPU {d['cpu_percent_average']:.2f} % average, RSS max {d['rss_mib_max']:.1f} MiB "
          f"(goal 24 MiB: ratio {24 / d['rss_mib_max']:.2f}), private dirty max {d['private_dirty_mib_max']:.1f} MiB, PSS {d['pss_mib_last']:.1f} MiB")
PY
