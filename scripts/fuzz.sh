#!/usr/bin/env bash
# Builds the export-reader fuzz target with libFuzzer and AddressSanitizer (the core and its
# dependencies only) and runs it for SECONDS (default 120), seeded with the public fixtures.
# A crash, sanitizer report or hang fails the run; the input that caused it is kept in fuzz-artifacts/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"
seconds=${1:-120}
scratch="$BUILD_DIR/fuzz"
swift build -c debug --scratch-path "$scratch" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
  --product bleagent-fuzz-export 2>&1 | grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled; explicitly declare|Cannot export local symbol|^(Fetch|Creating working|Working copy)|xcprivacy" || true
fuzzer="$scratch/debug/bleagent-fuzz-export"
[ -x "$fuzzer" ] || { echo "fuzz build failed" >&2; exit 1; }
corpus="$BUILD_DIR/fuzz-corpus"
mkdir -p "$corpus" fuzz-artifacts
fixtures=${BLEAGENT_FIXTURES:-../shared/fixtures}
seeds=()
[ -d "$fixtures/exports" ] && seeds+=("$fixtures/exports")
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix=fuzz-artifacts/ "$corpus" "${seeds[@]}" 2>&1 | grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|Done|INFO: Running)" | tail -n 12
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "the fuzzer found a problem (exit $status); inputs in fuzz-artifacts/" >&2; exit 1; }
echo "fuzzing: no crash in $seconds s"
