# The two commands (README.md): `make demo` and `make test`. Both install missing
# Debian packages first (scripts/bootstrap.sh), then build with a CMake preset.
PRESET ?= release
JOBS ?= $(shell nproc)
BIN := build/$(PRESET)/app/dingwatch
DEMO_ARGS ?=

.PHONY: all bootstrap build demo test bench clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	$(BIN) demo $(DEMO_ARGS)

test: build
	ctest --preset $(PRESET) -j $(JOBS)

bench: build
	build/$(PRESET)/bench/decode/decode_bench --benchmark_min_time=1 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@if [ -x build/$(PRESET)/bench/ingest/ingest_bench ]; then build/$(PRESET)/bench/ingest/ingest_bench; fi

clean:
	rm -rf build
