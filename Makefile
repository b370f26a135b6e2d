# Tanhui — the two commands a newcomer needs, and a few for developers.
#   make run    install what is missing, build dist/tanhui (release, site inside), serve it
#               on http://127.0.0.1:3000
#   make test   install what is missing, run fmt, build with clippy (ssr + wasm), unit,
#               integration, browser; each tier's wall time in the summary
# Builds go to ~/.cache/tanhui/target (or $CARGO_TARGET_DIR), kept between runs.
.PHONY: run test setup build bench fuzz clean-data

run:
	@scripts/run.sh

test:
	@scripts/test.sh

# Only the installs, for both commands.
setup:
	@scripts/setup.sh test

# The one file to deploy: dist/tanhui, the release server with its site inside.
build:
	@scripts/build.sh

# Engine vs SQLite vs DuckDB, page renders, backup and restore on both backends, on 100,000
# households × 4 waves (see README "Benchmark").
bench:
	@scripts/bench.sh

# Fuzzing, not part of `make test`: cargo fuzz on the file readers, the ID-card parser and
# survey validation (FUZZ_SECONDS each, default 60), then schemathesis on the JSON API from its
# OpenAPI description with no 5xx allowed (see README "Security").
fuzz:
	@scripts/fuzz.sh

# Forget the local demo database (it is recreated by the next `make run`).
clean-data:
	rm -f data/tanhui.db data/tanhui.db-wal data/tanhui.db-shm
