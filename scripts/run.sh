#!/usr/bin/env bash
# `make run`: install what is missing, build the one-file release (dist/tanhui, only what
# changed), then serve it on http://127.0.0.1:3000 with the embedded SQLite default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
source scripts/lib.sh
say "dist/tanhui serve --demo: an empty database gets the demo data set and demo accounts (a real one never does)"
# exec: Ctrl-C and SIGTERM go straight to the server, which shuts down gracefully. The site
# comes from inside the binary unless TANHUI_SITE_ROOT says otherwise.
exec dist/tanhui serve --demo "$@"
