# Tanhui — the two commands a newcomer needs, and a few for developers.
#   make run    install what is missing, build (release), serve http://127.0.0.1:3000
#   make test   install what is missing, run fmt, clippy (ssr + wasm), unit, integration, browser
.PHONY: run test setup build bench clean-data

run:
	@scripts/run.sh

test:
	@scripts/test.sh

# Only the installs, for both commands.
setup:
	@scripts/setup.sh test

# Release build of the server and the wasm bundle, without serving.
build:
	@scripts/setup.sh build
	@PATH="$$HOME/.cargo/bin:$$PWD/node_modules/.bin:$$PATH" cargo leptos build --release --precompress

# Engine vs SQLite vs DuckDB on 100,000 households × 4 waves (see README "Benchmark").
bench:
	@scripts/bench.sh

# Forget the local demo database (it is recreated by the next `make run`).
clean-data:
	rm -f data/tanhui.db data/tanhui.db-wal data/tanhui.db-shm
