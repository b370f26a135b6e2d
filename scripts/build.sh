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
# The symbol table is half the executable and no use on a server (binutils' strip, installed
# with gcc; skipped where it is missing). The stripped copy then bundles itself with the site.
server="$TARGET_DIR/release/tanhui"
if command -v strip >/dev/null; then
  strip -o "$TARGET_DIR/release/tanhui.stripped" "$server"
  server="$TARGET_DIR/release/tanhui.stripped"
fi
say "tanhui bundle: the server and its site in one file"
"$server" bundle --site "$SITE_DIR" --out dist/tanhui
