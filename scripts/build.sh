#!/usr/bin/env bash
# `make build`: the one file to deploy, dist/tanhui — the release server with the browser
# bundle inside it (`tanhui bundle`). Builds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
source scripts/lib.sh
guard_sources
say "cargo build --release -p server"
cargo build --release -p server --bin tanhui --locked
scripts/site.sh
mkdir -p dist
say "tanhui bundle: the server and its site in one file"
"$TARGET_DIR/release/tanhui" bundle --site "$SITE_DIR" --out dist/tanhui
