# The commands the README names. Everything installs what it needs through scripts/setup.
SHELL := /bin/bash
ROOT := $(abspath .)
BUN := $(ROOT)/.tools/bun/node_modules/.bin/bun
PKG := packages/temporal-bun-sdk
EXAMPLE := examples/temporal-bun-sdk-example

.PHONY: setup build demo test test-rust test-bun test-example typecheck lint bench-channel bench bench-setup clean

setup:
	@bash scripts/setup

build: setup
	cargo build --release --locked -p temporal-bun-bridge

# The example end to end: a local dev server, the example's worker and client, the result.
demo: build
	cd $(EXAMPLE) && $(BUN) run src/demo.ts

test: build test-rust typecheck test-bun test-example

test-rust:
	cargo test --release --locked -p temporal-bun-bridge

typecheck: setup
	cd $(PKG) && $(BUN) x tsc --noEmit -p .
	cd $(EXAMPLE) && $(BUN) x tsc --noEmit -p .

# The workflow suites run in the default mode (one context shared by all runs) with the rest, then
# again with a context per run (reuseV8Context: false).
test-bun: build
	cd $(PKG) && $(BUN) test --timeout 120000
	cd $(PKG) && TEMPORAL_TEST_REUSE_V8_CONTEXT=0 $(BUN) test --timeout 120000 tests/workflow

test-example: build
	cd $(EXAMPLE) && $(BUN) test --timeout 120000

lint:
	cargo fmt --all -- --check
	cargo clippy --release --locked -p temporal-bun-bridge -- -D warnings

bench-channel: build
	cd bench/ffi-channel && $(BUN) run channel.bench.ts

# Our worker beside the official SDK (installed under bench/ only) on the same Bun, then the FFI
# channel micro-benchmark; parameters (BENCH_RUNS, BENCH_WORKFLOWS, ...) in bench/README.md.
bench: build bench-setup
	cd bench && $(BUN) run run.ts

bench-setup: setup
	@bash bench/setup

clean:
	cargo clean
	rm -rf .tools $(PKG)/node_modules $(EXAMPLE)/node_modules
