#!/usr/bin/env bash
# `make test`: install what is missing, then run every tier and stop at the first that fails or
# runs no test. Each dependency is compiled once per target:
#   fmt
#   guard       scripts/guard-test.sh: the build folder's source guard (scripts/lib.sh) on a
#               throw-away crate in two checkouts
#   ssr build   every test target and the `tanhui` binary in the `ci` profile, clippy
#               (-D warnings) on the workspace crates as they compile
#   unit        the library tests of domain, app and server, from that build
#   integration server/tests/integration on SQLite and PostgreSQL, from that build
#   docs        cargo doc of domain and app with warnings denied (missing docs, broken links)
#   site        (in the background from the start, in its own cargo target directory)
#               the wasm-bindgen CLI if missing, then scripts/site.sh --lint: the release wasm
#               with clippy on the hydrate build, wasm-bindgen, wasm-opt, CSS, precompression
#   browser     Playwright driving Chromium against the `ci` binary serving that site
# PostgreSQL cases run when TANHUI_TEST_PG_URL is set; otherwise they are skipped, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
source scripts/lib.sh
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
logs="$TARGET_DIR/test-logs"
mkdir -p "$logs"

declare -a SUMMARY=()
TOTAL_PASSED=0
site_pid=

banner() { printf '\n\033[1;34m━━━ %s ━━━\033[0m\n' "$*"; }

print_summary() {
  banner "summary"
  printf '%s\n' "${SUMMARY[@]}"
  printf '%-12s %s\n' total "$(took "$started")"
}

fail() {
  printf '\n\033[1;31mFAILED: %s\033[0m\n' "$*" >&2
  SUMMARY+=("FAILED: $*")
  if [ -n "$site_pid" ]; then kill -- "-$site_pid" 2>/dev/null || kill "$site_pid" 2>/dev/null || true; fi
  print_summary
  echo "tests: $TOTAL_PASSED passed, 1 failed"
  exit 1
}

# step NAME CMD… — a check with no test count (installs, formatting, builds with lints).
step() {
  local name=$1 t0
  shift
  banner "$name"
  t0=$(now_s)
  if "$@" 2>&1 | tee "$logs/$name.log"; then
    SUMMARY+=("$(printf '%-12s ok                              %s' "$name" "$(took "$t0")")")
  else
    fail "$name (log: $logs/$name.log)"
  fi
}

# cargo_tier NAME CMD… — a cargo test run; counts the tests and refuses zero.
cargo_tier() {
  local name=$1 t0 status passed failed ignored
  shift
  banner "$name"
  t0=$(now_s)
  set +e
  "$@" 2>&1 | tee "$logs/$name.log"
  status=${PIPESTATUS[0]}
  set -e
  # "test result: ok. 7 passed; 0 failed; 1 ignored; …" — one line per test binary.
  read -r passed failed ignored < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) {
      if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) g += $i } }
    END { print p+0, f+0, g+0 }' "$logs/$name.log")
  [ "$status" -eq 0 ] || fail "$name ($failed failed)"
  [ "$passed" -gt 0 ] || fail "$name ran no test"
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  SUMMARY+=("$(printf '%-12s %4d passed, %d failed, %d ignored  %s' "$name" "$passed" "$failed" "$ignored" "$(took "$t0")")")
}

pg_skip=()
if [ -n "${TANHUI_TEST_PG_URL:-}" ]; then
  PG_NOTE="PostgreSQL: tested at ${TANHUI_TEST_PG_URL%%\?*}"
else
  pg_skip=(--skip ::postgres)
  PG_NOTE="PostgreSQL: SKIPPED — set TANHUI_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres to test it"
  printf '\n\033[1;33m!!! TANHUI_TEST_PG_URL is not set: the PostgreSQL half of the integration tests is SKIPPED !!!\033[0m\n'
fi

step setup scripts/setup.sh base
guard_sources

# The site builds beside the server, in its own target directory ($WASM_TARGET_DIR) so that
# neither cargo waits for the other's lock. Much of it runs on one core (the app crate in one
# codegen unit, then LTO), which leaves the other to the server build. Its log is printed when
# the browser tier needs it.
site_t0=$(now_s)
set -m
rm -f "$logs/site.end"
( bash -c 'scripts/setup.sh wasm-bindgen && scripts/site.sh --lint && date +%s > "$0"' \
    "$logs/site.end" > "$logs/site.log" 2>&1 ) &
site_pid=$!
set +m

step fmt cargo fmt --all --check
step guard scripts/guard-test.sh
# The wrapper is part of each workspace crate's fingerprint: the test runs below set it too, or
# cargo would compile domain, app and server again without it.
ssr=(env RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" CLIPPY_ARGS=-Dwarnings
  cargo test -p domain -p app -p server --features app/ssr --profile ci --locked)
step ssr-build "${ssr[@]}" --all-targets --no-run
cargo_tier unit "${ssr[@]}" --lib
cargo_tier integration "${ssr[@]}" --test integration -- "${pg_skip[@]}"
# The API documentation of the shared crates, with every public item documented
# (`#![warn(missing_docs)]`) and every intra-doc link resolving: warnings fail the tier.
step docs env RUSTDOCFLAGS=-Dwarnings cargo doc -p domain -p app --features app/ssr --no-deps --locked
step browser-deps scripts/setup.sh browser

banner "site (built in the background since the start)"
set +e
wait "$site_pid"
site_status=$?
set -e
site_pid=
cat "$logs/site.log"
[ "$site_status" -eq 0 ] || fail "site (wasm build, clippy on hydrate, wasm-bindgen or wasm-opt; log: $logs/site.log)"
site_s=$(( $(cat "$logs/site.end") - site_t0 ))
SUMMARY+=("$(printf '%-12s ok, beside the tiers above       %dm %02ds' site $((site_s / 60)) $((site_s % 60)))")

banner "browser"
b_t0=$(now_s)
bin="$TARGET_DIR/ci/tanhui"
set +e
(cd end2end && TANHUI_BIN="$bin" TANHUI_SITE_ROOT="$SITE_DIR" npx playwright test) 2>&1 | tee "$logs/browser.log"
status=${PIPESTATUS[0]}
set -e
b_passed=$(awk '/^ +[0-9]+ passed/ {s+=$1} END {print s+0}' "$logs/browser.log")
b_failed=$(awk '/^ +[0-9]+ failed/ {s+=$1} END {print s+0}' "$logs/browser.log")
[ "$status" -eq 0 ] || fail "browser ($b_failed failed; screenshots in end2end/test-results)"
[ "$b_passed" -gt 0 ] || fail "browser ran no test"
TOTAL_PASSED=$((TOTAL_PASSED + b_passed))
SUMMARY+=("$(printf '%-12s %4d passed, %d failed             %s' browser "$b_passed" "$b_failed" "$(took "$b_t0")")")

print_summary
echo "$PG_NOTE"
echo "tests: $TOTAL_PASSED passed, 0 failed"
