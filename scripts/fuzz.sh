#!/usr/bin/env bash
# Builds the export-reader fuzz target with libFuzzer and AddressSanitizer (the core and its
# dependencies only) and runs it for SECONDS (default 120), seeded with the public fixtures.
# A crash, sanitizer report or hang fails the run; the input that caused it is kept in fuzz-artifacts/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"
seconds=${1:-120}
scratch="$BUILD_DIR/fuzz"
log=$(mktemp)
# A failed build fails the run (an old binary in the persistent build folder must not be fuzzed instead).
if ! swift build -c debug --scratch-path "$scratch" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
  --product bleagent-fuzz-export >"$log" 2>&1; then
  grep -E "error:" "$log" | head -20; tail -n 20 "$log"; echo "fuzz build failed" >&2; exit 1
fi
grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled; explicitly declare|Cannot export local symbol|^(Fetch|Creating working|Working copy)|xcprivacy|^Build|^Compiling|^Planning|^Write" "$log" | grep -E "warning|error" | head -10 || true
rm -f "$log"
fuzzer="$scratch/debug/bleagent-fuzz-export"
[ -x "$fuzzer" ] || { echo "fuzz build produced no binary" >&2; exit 1; }
corpus="$BUILD_DIR/fuzz-corpus"
mkdir -p "$corpus" fuzz-artifacts
fixtures=${BLEAGENT_FIXTURES:-../shared/fixtures}
seeds=()
[ -d "$fixtures/exports" ] && seeds+=("$fixtures/exports")
set +e
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix=fuzz-artifacts/ "$corpus" "${seeds[@]}" > "$BUILD_DIR/fuzz.log" 2>&1
status=$?
set -e
grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|Done|INFO: Running)" "$BUILD_DIR/fuzz.log" | tail -n 12 || true
if [ "$status" -ne 0 ]; then
  grep -E "ERROR|SUMMARY|Test unit written|artifact" "$BUILD_DIR/fuzz.log" | head -20 || true
  echo "the fuzzer found a problem (exit $status); the input is in fuzz-artifacts/, the whole log in $BUILD_DIR/fuzz.log" >&2
  exit 1
fi
echo "fuzzing: no crash in $seconds s"
