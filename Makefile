# Thin wrapper around CMake; every build rule lives in CMakeLists.txt.
#   make demo    build, then run tlspolicy on the founding case
#   make check   build with ASan+UBSan (clang) and the fuzzers, run every test;
#                then the peak-heap test, in the build without sanitizers

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
	@# Peak heap is measured without sanitizers (their allocator cannot be counted).
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS) --target smtp_memory_test tlsp-smtp-fixture
	cd $(BUILD_DIR) && ctest --output-on-failure -R '^lab/smtp_memory_test$$'

clean:
	rm -rf $(BUILD_DIR) $(CHECK_DIR)
