# The two commands (README.md): `make demo` and `make test`. Both install missing
# Debian packages first (scripts/bootstrap.sh), then build with a CMake preset.
PRESET ?= release
JOBS ?= $(shell nproc)
BIN := build/$(PRESET)/app/dingwatch
DEMO_ARGS ?=

.PHONY: all bootstrap build demo test test-release test-asan test-fuzz bench clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	$(BIN) demo $(DEMO_ARGS)

# What CI runs (.ci/run = `make test`), in this order, stopping at the first failure:
#  1. test-fuzz: every libFuzzer target (fuzz/, clang 16, ASan + UBSan) for FUZZ_SECONDS
#     with -seed=1, so a finding reproduces with the same command;
#  2. test-release: the release suite, last, so the output ends with its ctest summary.
# `make test-asan` (the whole suite under ASan + UBSan at -O1) is not part of it: on a
# fresh clone with 2 loaded cores fuzz + ASan + release took ~99 min (ASan's build alone
# 52), too close to CI's 90-min limit. Run it before merging engine or pipeline changes;
# README.md, "Tests", has the measurements.
test:
	@$(MAKE) --no-print-directory test-fuzz
	@$(MAKE) --no-print-directory test-release

test-release: build
	ctest --preset $(PRESET) -j $(JOBS)

# The whole test suite built with -fsanitize=address,undefined (halts on the first report).
test-asan: bootstrap
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# libFuzzer targets (fuzz/, clang 16): each runs FUZZ_SECONDS over its seed corpus.
FUZZ_SECONDS ?= 30
test-fuzz: bootstrap
	@cmake --preset fuzz -DDINGWATCH_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	ctest --preset fuzz -j $(JOBS)

# Issue #9's table first (`dingwatch bench`), then the Google Benchmark breakdowns.
bench: build
	build/$(PRESET)/app/dingwatch bench
	build/$(PRESET)/bench/decode/decode_bench --benchmark_min_time=1 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@if [ -x build/$(PRESET)/bench/ingest/ingest_bench ]; then build/$(PRESET)/bench/ingest/ingest_bench; fi
	build/$(PRESET)/bench/detect/detect_bench --benchmark_min_time=1 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	build/$(PRESET)/bench/detect/pattern_bench --benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	build/$(PRESET)/bench/detect/footprint_bench

clean:
	rm -rf build
