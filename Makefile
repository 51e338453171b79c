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
#  1. test-fuzz: every libFuzzer target (fuzz/) for FUZZ_SECONDS with -seed=1, so a
#     finding reproduces with the same command;
#  2. test-asan: the whole test suite under ASan + UBSan;
#  3. test-release: the release suite, last, so the output ends with its ctest summary.
# A failed step ends with scripts/failure-digest.sh: the failed assertions, so that the
# tail of a CI log says what broke.
# Steps 1 and 2 share one tree (preset asan: clang 16, -O1, -fsanitize=address,undefined,
# every library also instrumented for libFuzzer): the libraries are compiled once, step 1
# builds them and the fuzz targets, step 2 only adds the test executables and the app.
# Measured times are in README.md, "Tests".
test:
	@$(MAKE) --no-print-directory test-fuzz
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-release

test-release: build
	@ctest --preset $(PRESET) -j $(JOBS) || { scripts/failure-digest.sh build/$(PRESET); exit 1; }

# The whole test suite built with -fsanitize=address,undefined (halts on the first report);
# the fuzz targets' ctest entries are left out (test-fuzz runs them).
test-asan: bootstrap
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS) || { scripts/failure-digest.sh build/asan; exit 1; }

# libFuzzer targets (fuzz/): each runs FUZZ_SECONDS over its seed corpus. Builds only the
# libraries and the fuzz targets of the asan tree.
FUZZ_SECONDS ?= 30
test-fuzz: bootstrap
	@cmake --preset asan -DDINGWATCH_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@ctest --preset fuzz -j $(JOBS) || { scripts/failure-digest.sh build/asan; exit 1; }

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
