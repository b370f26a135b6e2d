#!/usr/bin/env bash
# `make fuzz` (not part of `make test`): robust parsing, two ways.
#   1. cargo fuzz (libFuzzer, nightly toolchain, no sanitizer: the code forbids unsafe) on the CSV reader, the XLSX reader, the
#      ID-card parser and survey validation, FUZZ_SECONDS each (default 60), starting from the
#      seeds in fuzz/seeds/ and the corpus kept from earlier runs; prints each target's
#      executions. A crash stops the run and leaves its input in fuzz/artifacts/<target>/:
#      turn it into a regression test, fix, run again.
#   2. schemathesis (PyPI, a local virtualenv) against the running `ci` server's OpenAPI
#      description, as an administrator with an API token, on a throw-away demo database:
#      every operation with generated inputs, and no answer may be a 5xx.
# Needs what `make test` builds (the `ci` binary and the site); builds them when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
source scripts/lib.sh
guard_sources
seconds=${FUZZ_SECONDS:-60}
targets=(csv_reader xlsx_reader id_card survey_validation)
work="$TARGET_DIR/fuzz-work"
mkdir -p "$work"

# --- 1. cargo fuzz -------------------------------------------------------------------------
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# The fuzz crate is outside the workspace; its lock file starts from the workspace's, so the
# code fuzzed is built with the versions the server ships with.
[ -f fuzz/Cargo.lock ] || cp Cargo.lock fuzz/Cargo.lock
export CARGO_TARGET_DIR="$TARGET_DIR/fuzz"
# No sanitizer: the code fuzzed forbids `unsafe`, so what is sought is panics, overflows
# (debug assertions on), aborts and runaway memory, which libFuzzer catches without one.
say "building the fuzz targets (nightly, coverage-guided, debug assertions)"
cargo +nightly fuzz build --fuzz-dir fuzz -O --debug-assertions --sanitizer none
declare -a runs=()
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  say "fuzzing $target for $seconds s"
  log="$work/$target.log"
  # -rss_limit_mb: a reader that tries to hold an inflated bomb in memory is a crash.
  if ! cargo +nightly fuzz run --fuzz-dir fuzz -O --debug-assertions --sanitizer none "$target" "$corpus" "fuzz/seeds/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1; then
    tail -40 "$log"
    echo "FUZZ CRASH in $target: input in fuzz/artifacts/$target/ (log $log)" >&2
    exit 1
  fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo '?')
  runs+=("$(printf '%-18s %10s executions in %s s, %s coverage points, no crash' "$target" "$execs" "$seconds" "$cov")")
done

# --- 2. schemathesis -----------------------------------------------------------------------
export CARGO_TARGET_DIR=$TARGET_DIR
say "building the ci server and the site"
cargo build --profile ci -p server --bin tanhui --locked
[ -f "$SITE_DIR/pkg/tanhui.wasm" ] || scripts/site.sh
venv="$work/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import schemathesis' 2>/dev/null || "$venv/bin/pip" install -q 'schemathesis==4.*'
db_dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TANHUI_DB="sqlite://$db_dir/fuzz.db" TANHUI_ADDR="127.0.0.1:$port" TANHUI_DEMO=true TANHUI_DEMO_HOUSEHOLDS=300 \
  TANHUI_SITE_ROOT="$SITE_DIR" TANHUI_LOG=warn TANHUI_TWO_FACTOR_ROLES=none TANHUI_COOKIE_SECURE=false \
  "$TARGET_DIR/ci/tanhui" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$db_dir"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
token=$("$venv/bin/python" bench/api_token.py --url "$url" --username admin --password tanhui-demo-2026)
say "schemathesis against $url/api/v1/openapi.json"
# The document's paths carry /api/v1 themselves: the base URL is the server's root.
"$venv/bin/schemathesis" run "$url/api/v1/openapi.json" \
  --url "$url" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-50}" \
  --seed 2026 --generation-database none --no-color \
  --report junit --report-dir "$work/schemathesis" \
  | tee "$work/schemathesis.log"
if grep -q ' 500 \|panicked' "$work/server.log"; then
  echo "the server logged a 500 or a panic: $work/server.log" >&2
  exit 1
fi

echo
say "fuzzing summary"
printf '%s\n' "${runs[@]}"
grep -E '^(Summary|[0-9]+ passed|.*operations|.*test cases)' "$work/schemathesis.log" | tail -5 || true
