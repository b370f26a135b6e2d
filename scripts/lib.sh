# Shared by the scripts in this folder (sourced, not run): where builds go, and the guard that
# keeps one build directory correct across several checkouts.

export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

# One build directory for `make run`, `make test`, `make bench` and CI, kept between runs on a
# machine, so a second run rebuilds only what changed. A developer's own `cargo build` in the
# checkout still uses ./target.
TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tanhui/target}
mkdir -p "$TARGET_DIR"
TARGET_DIR=$(cd "$TARGET_DIR" && pwd)
export CARGO_TARGET_DIR=$TARGET_DIR
# The wasm build has a directory of its own inside it, so that it can run beside the server's
# build without waiting for cargo's lock (it shares no compiled unit with it anyway).
WASM_TARGET_DIR="$TARGET_DIR/wasm"
# The processed browser bundle (wasm, JS, CSS, public assets) that `tanhui serve` serves.
SITE_DIR="$TARGET_DIR/site"

say() { printf '\033[1;32m==> %s\033[0m\n' "$*"; }

# Cargo decides that a path crate is up to date by comparing file times with its last build.
# With one build directory and several checkouts (a developer's, CI's fresh clone) that can be
# wrong in one direction: a file whose content differs from what was last built, but whose
# time is older than that build, would be taken as built. So before building, compare every
# file's content with the list written by the last build into this directory, and give each
# file that differs the current time. A checkout in another folder gets all its files touched:
# the build embeds the checkout's path (CARGO_MANIFEST_DIR), which cargo does not compare.
guard_sources() {
  local stamp="$TARGET_DIR/.sources" now changed
  if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    say "not a git checkout: cannot compare sources with the last build; cleaning path crates"
    cargo clean -q -p domain -p app -p frontend -p server 2>/dev/null || true
    return 0
  fi
  now=$(mktemp)
  {
    echo "checkout $PWD"
    git ls-files -z --cached --others --exclude-standard \
      | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
      | xargs -0 -r sha1sum
  } > "$now"
  if [ -f "$stamp" ]; then
    if [ "$(head -n 1 "$stamp")" != "$(head -n 1 "$now")" ]; then
      say "build directory last used by $(head -n 1 "$stamp" | cut -d' ' -f2-): rebuilding this checkout's crates"
      tail -n +2 "$now" | cut -c43- | tr '\n' '\0' | xargs -0 -r touch
    else
      changed=$(comm -13 <(tail -n +2 "$stamp" | sort) <(tail -n +2 "$now" | sort) | cut -c43-)
      if [ -n "$changed" ]; then printf '%s\n' "$changed" | tr '\n' '\0' | xargs -0 -r touch; fi
    fi
  fi
  mv "$now" "$stamp"
}

# Seconds since the epoch, and a duration as "4m 07s".
now_s() { date +%s; }
took() {
  local s=$(( $(now_s) - $1 ))
  printf '%dm %02ds' $((s / 60)) $((s % 60))
}
