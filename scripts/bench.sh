#!/usr/bin/env bash
# `make bench`: the indicator engine against plain SQL on SQLite and on DuckDB, same data,
# same run; page render times; backup and restore on both backends against the databases' own
# tools (PostgreSQL at $TANHUI_BENCH_PG, default postgres://postgres@127.0.0.1:5432). Seeds BENCH_HOUSEHOLDS (default 100,000) households × 4 waves once and keeps it
# under $CARGO_TARGET_DIR/bench/ (~/.cache/tanhui/target/bench). DuckDB comes from PyPI into a local virtualenv. Prints ratios; never
# fails on a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
source scripts/lib.sh
guard_sources
households=${BENCH_HOUSEHOLDS:-100000}
target_dir=$TARGET_DIR
dir="$TARGET_DIR/bench"
mkdir -p "$dir"
db="$dir/bench-$households.db"

cargo build --release -p server --bin tanhui --locked
scripts/site.sh
if [ ! -f "$db" ]; then
  "$target_dir/release/tanhui" seed --db "sqlite://$db" --households "$households" --seed 1
fi
if [ ! -x "$dir/venv/bin/python" ]; then
  python3 -m venv "$dir/venv"
fi
"$dir/venv/bin/python" -c 'import duckdb' 2>/dev/null || "$dir/venv/bin/pip" install -q duckdb==2.0.1

TANHUI_BENCH_DB="sqlite://$db" cargo bench -p server --bench engine > "$dir/engine.json"
echo "== $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $households households × 4 waves (SQLite) =="
"$dir/venv/bin/python" bench/compare.py --db "$db" --engine "$dir/engine.json" --csv-dir "$dir/csv"

echo "== backup and restore (tanhui backup / restore / digest, release), $households households × 4 waves =="
"$dir/venv/bin/python" bench/backup.py --tanhui "$target_dir/release/tanhui" --db "$db" \
  --pg "${TANHUI_BENCH_PG:-postgres://postgres@127.0.0.1:5432}" --out "$dir/backup"

# Page render times on the same data: a release server on a free port, signed in as the
# prefecture's demo official (demo accounts exist because the seeded units are synthetic).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The page timer signs in with the password alone: two-step verification is not what it measures.
TANHUI_SITE_ROOT="$SITE_DIR" TANHUI_LOG=warn TANHUI_TWO_FACTOR_ROLES=none \
  "$target_dir/release/tanhui" serve --db "sqlite://$db" --addr "127.0.0.1:$port" > "$dir/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=2)
        break
    except OSError:
        time.sleep(1)
PY
echo "== page render times (release server, SQLite, $households households) =="
python3 bench/pages.py --url "http://127.0.0.1:$port"
echo "== offline field work: bundle bytes per page, the offline package of ~300 households =="
python3 bench/offline.py --url "http://127.0.0.1:$port" --db "$db" --tanhui "$target_dir/release/tanhui"
