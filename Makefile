# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: deps configure build run test bench clean cluster cluster-stop

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json
	@$(MAKE) --no-print-directory deps
	cmake --preset $(PRESET)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	mkdir -p var
	$(BUILD_DIR)/paddock serve --listen 127.0.0.1:8080 --data-dir var

# Test peers we did not write (npm's ws, ocpp-rpc, and playwright-core driving Debian's
# chromium), pinned by the committed package-lock.json.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

test: build node_modules/.package-lock.json
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

bench: build
	cmake --build $(BUILD_DIR) -j $(JOBS) --target paddock_fanout_client paddock_microbench
	$(BUILD_DIR)/paddock_microbench --benchmark_filter='GroupCommit|Vehicle'
	bench/http_bench.sh
	bench/fanout_bench.sh
	/usr/bin/python3 bench/issuance_bench.py

# Three nodes on one PostgreSQL behind HAProxy, on loopback (scripts/cluster.sh; README).
cluster: build
	scripts/cluster.sh start

cluster-stop:
	scripts/cluster.sh stop

clean:
	rm -rf build
