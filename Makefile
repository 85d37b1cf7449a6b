# The commands the README names. Everything installs what it needs through scripts/setup.
SHELL := /bin/bash
ROOT := $(abspath .)
BUN := $(ROOT)/.tools/bun/node_modules/.bin/bun
PKG := packages/temporal-bun-sdk
EXAMPLE := examples/temporal-bun-sdk-example
BIOME := $(ROOT)/$(PKG)/node_modules/.bin/biome

.PHONY: setup build demo test lint format check-ffi test-rust test-bun test-example test-consumer test-conformance typecheck package bench-channel bench bench-packaged bench-setup clean

setup:
	@bash scripts/setup

# The bridge library for this machine's release target (on Linux through cargo-zigbuild, linked
# against the glibc floor; see scripts/cargo-bridge), in target/<rust target>/release.
build: setup
	scripts/cargo-bridge build --release --locked -p temporal-bun-bridge

# The example end to end: a local dev server, the example's worker and client, the result.
demo: build
	cd $(EXAMPLE) && $(BUN) run src/demo.ts

test: build lint check-ffi test-rust typecheck test-bun test-example test-consumer test-conformance

# The FFI surface is declared once, by the Rust exports: src/native/symbols.ts and the signatures in
# crates/bridge/README.md are generated from them (scripts/ffi-surface.ts), rpc_methods.rs from
# @temporalio/proto's services (scripts/rpc-methods.ts), and the worker's protobuf subset
# src/common/worker-protos.json from @temporalio/proto (scripts/worker-protos.ts). Fails when a
# committed copy is stale; each script's --write regenerates it.
check-ffi: setup
	$(BUN) scripts/ffi-surface.ts
	$(BUN) scripts/rpc-methods.ts
	$(BUN) scripts/worker-protos.ts

test-rust: setup
	scripts/cargo-bridge test --release --locked -p temporal-bun-bridge

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

# The npm tarballs, from this machine's build: dist/npm/temporal-bun-sdk-<version>.tgz and
# dist/npm/temporal-bun-sdk-<platform>-<version>.tgz (scripts/package.ts).
package: build
	$(BUN) scripts/package.ts --out dist/npm

# What a user gets: the tarballs installed into a fresh project outside the repository, a worker
# and a client end to end, a compiled single-file worker, a scaffolded project's test.
test-consumer: package
	cd tests/consumer && TEMPORAL_CLI_PATH=$(ROOT)/.tools/venv/bin/temporal TEMPORAL_BUN_DIST=$(ROOT)/dist/npm $(BUN) test --timeout 600000

# Cross-runtime replay, beside bench/ where the official SDK is installed (never in the product's
# dependencies): histories recorded by @temporalio/worker on Node replay on ours, and ours on its
# replayer. bench/conformance/record-histories.ts regenerates them. Only bench/'s dependencies are
# installed: the Rust worker (in BENCH_WORKERS' default) is for `make bench`.
test-conformance: build setup
	@BENCH_WORKERS=ours,official bash bench/setup
	cd bench && $(BUN) test conformance
	cd bench && node conformance/official-replay.mjs

# Rust: rustfmt and clippy (warnings are errors, same target as the build so nothing is built twice).
# TypeScript and JavaScript (the package, the example, bench/, tests/, scripts/): Biome's formatter and
# linter (biome.json), warnings as errors. `make format` applies the formatter.
lint: setup
	cargo fmt --all -- --check
	scripts/cargo-bridge clippy --release --locked -p temporal-bun-bridge -- -D warnings
	$(BIOME) ci --error-on-warnings .

format: setup
	cargo fmt --all
	$(BIOME) check --write .

bench-channel: build
	cd bench/ffi-channel && $(BUN) run channel.bench.ts

# Our worker beside the official SDK (installed under bench/ only) on the same Bun, then the FFI
# channel micro-benchmark; parameters (BENCH_RUNS, BENCH_WORKFLOWS, ...) in bench/README.md.
bench: build bench-setup
	cd bench && $(BUN) run run.ts

# The npm tarballs' sizes, and spawn -> first poll of workers installed from them (bun worker.ts,
# a prebuilt bundle, a compiled single-file worker); figures in bench/README.md.
bench-packaged: package bench-setup
	cd bench && $(BUN) run packaged.ts

bench-setup: setup
	@bash bench/setup

clean:
	cargo clean
	rm -rf .tools dist $(PKG)/node_modules $(EXAMPLE)/node_modules
