#!/usr/bin/env bash
# `make run`: install what is missing, build the release server and wasm bundle (only what
# changed), then serve on http://127.0.0.1:3000 with the embedded SQLite default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
cargo leptos build --release --precompress
target_dir=${CARGO_TARGET_DIR:-target}
# exec: Ctrl-C and SIGTERM go straight to the server, which shuts down gracefully.
exec "$target_dir/release/tanhui" serve "$@"
