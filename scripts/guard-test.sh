#!/usr/bin/env bash
# Checks scripts/lib.sh's guard_sources on a throw-away crate in two checkouts sharing one
# build folder: without the guard cargo runs a stale build in both cases below, with it the
# build matches the checkout. Exits non-zero, naming the case, when it does not.
set -euo pipefail
lib="$(cd "$(dirname "$0")" && pwd)/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$work/target" CARGO_TERM_COLOR=never

git init -q "$work/a"
cd "$work/a"
printf '[package]\nname = "guardcheck"\nversion = "0.1.0"\nedition = "2021"\n' > Cargo.toml
mkdir src
program() { printf 'fn main() { println!("%s"); }\n' "$1" > src/main.rs; }
program committed
git add -A
git -c user.email=ci@tanhui -c user.name=ci commit -qm one
git clone -q "$work/a" "$work/b"

# Builds and runs the checkout in the current folder through the guard.
guarded() { (source "$lib" >/dev/null && guard_sources >/dev/null && cargo run -q 2>/dev/null); }
expect() {
  if [ "$2" != "$3" ]; then echo "guard: $1: ran '$2', wanted '$3'" >&2; exit 1; fi
  echo "guard: $1: ok"
}

# 1. An edit in checkout a, older than a later build from checkout b.
program edited
touch -d '-1 hour' src/main.rs
expect "own edit" "$(guarded)" edited
(cd "$work/b" && expect "other checkout" "$(guarded)" committed)
expect "stale without the guard" "$(cargo run -q 2>/dev/null)" committed
expect "back in the first checkout" "$(guarded)" edited

# 2. Same checkout: new content under a file time older than the last build.
program older
touch -d '-2 hour' src/main.rs
expect "stale without the guard" "$(cargo run -q 2>/dev/null)" edited
expect "content changed, time older" "$(guarded)" older
