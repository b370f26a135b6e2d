#!/usr/bin/env bash
# `make test`: install what is missing, then run every tier in order and stop at the first
# that fails or runs no test:
#   fmt → clippy (ssr) → clippy (hydrate, wasm32) → unit → integration → browser
# PostgreSQL cases run when TANHUI_TEST_PG_URL is set; otherwise they are skipped, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
target_dir=${CARGO_TARGET_DIR:-target}
logs="$target_dir/test-logs"
mkdir -p "$logs"

declare -a SUMMARY=()
TOTAL_PASSED=0

banner() { printf '\n\033[1;34m━━━ %s ━━━\033[0m\n' "$*"; }

fail() {
  printf '\n\033[1;31mFAILED: %s\033[0m\n' "$*" >&2
  print_summary
  echo "tests: $TOTAL_PASSED passed, 1 failed"
  exit 1
}

print_summary() {
  banner "summary"
  printf '%s\n' "${SUMMARY[@]}"
}

# gate NAME CMD… — a check with no test count (formatting, lints).
gate() {
  local name=$1; shift
  banner "$name"
  if "$@" 2>&1 | tee "$logs/$name.log"; then
    SUMMARY+=("$(printf '%-12s ok' "$name")")
  else
    fail "$name"
  fi
}

# cargo_tier NAME CMD… — a cargo test run; counts the tests and refuses zero.
cargo_tier() {
  local name=$1; shift
  banner "$name"
  set +e
  "$@" 2>&1 | tee "$logs/$name.log"
  local status=${PIPESTATUS[0]}
  set -e
  local passed failed ignored
  # "test result: ok. 7 passed; 0 failed; 1 ignored; …" — one line per test binary.
  read -r passed failed ignored < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) {
      if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) g += $i } }
    END { print p+0, f+0, g+0 }' "$logs/$name.log")
  [ "$status" -eq 0 ] || fail "$name ($failed failed)"
  [ "$passed" -gt 0 ] || fail "$name ran no test"
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  SUMMARY+=("$(printf '%-12s %4d passed, %d failed, %d ignored' "$name" "$passed" "$failed" "$ignored")")
}

pg_skip=()
if [ -n "${TANHUI_TEST_PG_URL:-}" ]; then
  PG_NOTE="PostgreSQL: tested at ${TANHUI_TEST_PG_URL%%\?*}"
else
  pg_skip=(--skip ::postgres)
  PG_NOTE="PostgreSQL: SKIPPED — set TANHUI_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres to test it"
  printf '\n\033[1;33m!!! TANHUI_TEST_PG_URL is not set: the PostgreSQL half of the integration tests is SKIPPED !!!\033[0m\n'
fi

gate fmt cargo fmt --all --check
gate clippy-ssr cargo clippy -p domain -p app -p server --features app/ssr --all-targets --locked -- -D warnings
gate clippy-wasm cargo clippy -p domain -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown --locked -- -D warnings
cargo_tier unit cargo test -p domain -p app -p server --features app/ssr --lib --locked
cargo_tier integration cargo test -p server --test integration --locked -- "${pg_skip[@]}"

banner "browser (release build)"
cargo leptos build --release --precompress 2>&1 | tee "$logs/build.log" || fail "release build"
bin="$(cd "$target_dir" && pwd)/release/tanhui"
set +e
(cd end2end && TANHUI_BIN="$bin" TANHUI_SITE_ROOT="$PWD/../target/site" npx playwright test) 2>&1 | tee "$logs/browser.log"
status=${PIPESTATUS[0]}
set -e
b_passed=$(awk '/^ +[0-9]+ passed/ {s+=$1} END {print s+0}' "$logs/browser.log")
b_failed=$(awk '/^ +[0-9]+ failed/ {s+=$1} END {print s+0}' "$logs/browser.log")
[ "$status" -eq 0 ] || fail "browser ($b_failed failed; screenshots in end2end/test-results)"
[ "$b_passed" -gt 0 ] || fail "browser ran no test"
TOTAL_PASSED=$((TOTAL_PASSED + b_passed))
SUMMARY+=("$(printf '%-12s %4d passed, %d failed' browser "$b_passed" "$b_failed")")

print_summary
echo "$PG_NOTE"
echo "tests: $TOTAL_PASSED passed, 0 failed"
