# kensa: the targets people type. CMake does the building; this file only
# names the jobs. Every target first runs scripts/deps, which installs any
# missing Debian package (and does nothing when all are present).
#
#   make            build (build/)
#   make demo       run the main job on generated data and print findings
#   make check      build and run the whole suite, plain and with ASan+UBSan
#   make bench      benchmarks against the peer tools (bench/)
#   make fuzz       open-ended libFuzzer runs (FUZZ_SECONDS each, clang)
#   make install    install to PREFIX (default /usr/local)

PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
WERROR := $(if $(CI),ON,OFF)
CMAKE_FLAGS := -DKENSA_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

.PHONY: all deps build build-asan demo check check-plain check-asan bench fuzz install clean

all: build

deps:
	@bash scripts/deps all

build: deps
	@cmake -S . -B build $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan $(CMAKE_FLAGS) -DKENSA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-asan -j $(JOBS)

demo: build
	@bash scripts/demo build/kensa

check-plain: build
	@cd build && ctest --output-on-failure -j $(JOBS)

check-asan: build-asan
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS) -LE nosan

# The sanitizer run goes first so that ctest's summary of the plain run is
# the last line printed.
check: build
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-plain

bench: build
	@bash bench/run build/kensa

fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DKENSA_FUZZ=ON -DKENSA_SANITIZE=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@bash scripts/fuzz build-fuzz $(FUZZ_SECONDS)

install: build
	@cmake --install build --prefix $(PREFIX)

clean:
	rm -rf build build-asan build-fuzz
