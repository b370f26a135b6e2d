#!/usr/bin/env bash
# Builds the browser bundle that `tanhui serve` serves, into $CARGO_TARGET_DIR/site:
#   1. the `frontend` crate for wasm32 in the `wasm-release` profile (cargo);
#   2. wasm-bindgen's JS glue and bindings (`--target web`): pkg/tanhui.js, pkg/tanhui.wasm;
#   3. wasm-opt -Oz (npm `binaryen` 132; Debian's 108 breaks hydration), and the JS glue
#      minified (npm `terser`, as an ES module: its exports keep their names);
#   4. style/main.css as pkg/tanhui.css and the files in public/ at the site root;
#   5. a .gz and a .br beside every file, which the server sends to browsers that accept them.
# Steps 2–3 are skipped when cargo's wasm, this script and the tools are as they last ran.
#
#   scripts/site.sh          build
#   scripts/site.sh --lint   the same, with clippy (-D warnings) on the workspace crates as they
#                            compile: the hydrate lint gate of `make test` at no extra cost
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

lint=0
[ "${1:-}" = --lint ] && lint=1

wrapper=()
if [ "$lint" -eq 1 ]; then
  wrapper=(env RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" CLIPPY_ARGS=-Dwarnings)
fi

say "cargo build -p frontend (wasm32, wasm-release)"
"${wrapper[@]}" env CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo build -p frontend --lib --target wasm32-unknown-unknown \
  --profile wasm-release --locked
wasm="$WASM_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"

pkg="$SITE_DIR/pkg"
mkdir -p "$pkg"
# What steps 2–3 made from: cargo's wasm, this script, and the tools' versions.
digest=$({ sha256sum "$wasm" scripts/site.sh | cut -d' ' -f1; wasm-bindgen --version; wasm-opt --version
  terser --version; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$pkg/.source" 2>/dev/null)" = "$digest" ] && [ -f "$pkg/tanhui.wasm" ] && [ -f "$pkg/tanhui.js" ]; then
  say "wasm, script and tools as for the last bundle: wasm-bindgen, wasm-opt and terser skipped"
else
  rm -f "$pkg/.source"
  say "wasm-bindgen"
  wasm-bindgen --target web --no-typescript --out-name tanhui --out-dir "$pkg" "$wasm"
  mv "$pkg/tanhui_bg.wasm" "$pkg/tanhui.wasm"
  say "wasm-opt -Oz"
  wasm-opt -Oz --enable-bulk-memory "$pkg/tanhui.wasm" -o "$pkg/tanhui.wasm"
  say "terser (JS glue)"
  terser "$pkg/tanhui.js" --module --compress --mangle --output "$pkg/tanhui.js"
  echo "$digest" > "$pkg/.source"
fi

cp -p style/main.css "$pkg/tanhui.css"
cp -Rp public/. "$SITE_DIR/"

say "precompress (gzip, brotli)"
node scripts/precompress.mjs "$SITE_DIR"
wc -c "$pkg/tanhui.wasm" "$pkg/tanhui.wasm.br" "$pkg/tanhui.js" | sed '$d'
