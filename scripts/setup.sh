#!/usr/bin/env bash
# Installs what Tanhui needs and is missing, from package registries only (crates.io, npm,
# Debian). Every step checks first, so a second run installs nothing and takes seconds.
#
#   scripts/setup.sh build          wasm target, Node and npm, wasm-opt (npm binaryen), wasm-bindgen CLI
#   scripts/setup.sh test           all of the above, plus Chromium, CJK fonts and the Playwright package
#   scripts/setup.sh base           wasm target, Node and npm, wasm-opt
#   scripts/setup.sh wasm-bindgen   the wasm-bindgen CLI alone (`make test` installs it beside a build)
#   scripts/setup.sh browser        Chromium, CJK fonts and the Playwright package alone
#
# No cargo-leptos: scripts/site.sh does its work for this project (see README "Building").
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf '\033[1;32m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    as_root apt-get update -q
    APT_UPDATED=1
  fi
  say "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

require_rust() {
  if ! command -v cargo >/dev/null || ! command -v rustup >/dev/null; then
    echo "Tanhui needs a Rust toolchain installed with rustup (Rust 1.95 or newer)." >&2
    exit 1
  fi
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return 0
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ -z "$want" ]; then echo "no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return 0; fi
  say "cargo install wasm-bindgen-cli $want"
  # --locked can fail when a locked dependency was yanked; then let cargo resolve afresh.
  # The CLI runs for seconds on our bundle: build it the cheap way (no LTO, 16 codegen units,
  # opt-level 1) rather than as its release profile says.
  local cheap=(env CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1)
  "${cheap[@]}" cargo install wasm-bindgen-cli --version "$want" --locked \
    || "${cheap[@]}" cargo install wasm-bindgen-cli --version "$want"
}

ensure_node() {
  command -v npm >/dev/null && command -v node >/dev/null && return 0
  apt_install nodejs npm
}

# npm install in DIR unless node_modules already matches package-lock.json.
ensure_npm_packages() {
  local dir=$1
  if [ -f "$dir/node_modules/.package-lock.json" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    return 0
  fi
  say "npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund)
}

# Release builds run wasm-opt. Debian's binaryen (v108) breaks hydration, so use npm's.
ensure_wasm_opt() {
  ensure_npm_packages .
  node_modules/.bin/wasm-opt --version | grep -q 'version 132' || { echo "wrong wasm-opt" >&2; exit 1; }
  [ -x node_modules/.bin/terser ] || { echo "no terser in node_modules" >&2; exit 1; }
}

ensure_browser() {
  # CJK fonts so that screenshots show Chinese text as users see it.
  apt_install chromium fonts-wqy-zenhei
  ensure_npm_packages end2end
}

base() {
  require_rust
  ensure_wasm_target
  ensure_node
  ensure_wasm_opt
}

main() {
  case ${1:-build} in
    base) base ;;
    build) base; ensure_wasm_bindgen ;;
    test) base; ensure_wasm_bindgen; ensure_browser ;;
    wasm-bindgen) require_rust; ensure_wasm_bindgen ;;
    browser) ensure_node; ensure_browser ;;
    *) echo "usage: scripts/setup.sh [build|test|base|wasm-bindgen|browser]" >&2; exit 2 ;;
  esac
}

main "$@"
