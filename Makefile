# Thin wrapper around CMake; every build rule lives in CMakeLists.txt.
#   make demo    build, then run tlspolicy on the founding case
#   make check   build with ASan+UBSan (clang) and the fuzzers, run every test

BUILD_DIR ?= build
CHECK_DIR ?= build-check
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build demo check clean

all: build

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS) --target tlspolicy tlsp-smtp-fixture
	@scripts/demo $(BUILD_DIR)/tlspolicy

check: deps
	cmake -S . -B $(CHECK_DIR) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	      -DTLSP_SANITIZE=ON -DTLSP_FUZZ=ON
	cmake --build $(CHECK_DIR) -j $(JOBS)
	cd $(CHECK_DIR) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD_DIR) $(CHECK_DIR)
