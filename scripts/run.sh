#!/usr/bin/env bash
# `make run`: install what is missing, build the release server and the browser bundle (only
# what changed), then serve on http://127.0.0.1:3000 with the embedded SQLite default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
source scripts/lib.sh
guard_sources
say "cargo build --release -p server"
cargo build --release -p server --bin tanhui --locked
scripts/site.sh
export TANHUI_SITE_ROOT=${TANHUI_SITE_ROOT:-$SITE_DIR}
say "tanhui serve --demo: an empty database gets the demo data set and demo accounts (a real one never does)"
# exec: Ctrl-C and SIGTERM go straight to the server, which shuts down gracefully.
exec "$TARGET_DIR/release/tanhui" serve --demo "$@"
