# The two commands of the README: `make demo` and `make test`.  Both install
# missing Debian packages first (as root; otherwise they print the apt-get
# line and stop), configure with CMake, and build.
BUILD ?= build
PREFIX ?= /usr/local
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build test demo install asan bench clean valgrind fuzz fuzz-build

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: build
	bash fixtures/demo.sh $(BUILD)/git-impact

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# asan: the suite under ASan+UBSan, less the tests whose subject is not memory
# (SIGKILL crash safety, rendering in Chromium) and the demo (two minutes under
# ASan; every command it runs is exercised by the other end-to-end tests), which
# the plain run covers.
asan:
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug CMAKE_FLAGS="-DGI_SANITIZE=ON $(CMAKE_FLAGS)" \
		CTEST_ARGS="-E '^e2e_(t0800-crash|t0701-report-html|t0302-demo)'"

bench: build
	bash bench/run.sh $(BUILD)/git-impact

# valgrind: every unit test and fuzz replay under memcheck (ctest -T
# memcheck), then a few end-to-end tests with each git-impact run under
# memcheck (GI_VALGRIND, see tests/e2e/lib.sh).  Any error or leak fails.
VALGRIND_BUILD ?= build-valgrind
VALGRIND_OPTS = --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=1
VALGRIND_E2E ?= t0001-cli|t0200-record|t0400-select-dvc|t0601-sync
valgrind:
	@command -v valgrind >/dev/null || { echo "make valgrind needs valgrind: apt-get install -y valgrind" >&2; exit 1; }
	$(MAKE) build BUILD=$(VALGRIND_BUILD)
	cd $(VALGRIND_BUILD) && ctest -T memcheck -j $(JOBS) --output-on-failure -R '^(unit_|fuzz_replay_)' \
	  --overwrite MemoryCheckCommand=$$(command -v valgrind) \
	  --overwrite "MemoryCheckCommandOptions=$(VALGRIND_OPTS)"
	cd $(VALGRIND_BUILD) && GI_VALGRIND=1 ctest -j $(JOBS) --output-on-failure -R '^e2e_($(VALGRIND_E2E))$$'

# fuzz: the libFuzzer targets of fuzz/ built with clang in FUZZ_BUILD, each
# run for FUZZ_SECONDS by bench/fuzz (FUZZ_JOBS at a time).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
fuzz-build: deps
	@command -v clang >/dev/null || { echo "make fuzz needs clang: apt-get install -y clang" >&2; exit 1; }
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGI_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_JOBS=$(FUZZ_JOBS) bash bench/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-asan
