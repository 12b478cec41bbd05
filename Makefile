# The two entry points: `make run` and `make test` (see README.md). Both install what is missing.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
GATEHOUSE := $(BUILD_DIR)/bin/gatehouse

.PHONY: all deps deps-run deps-test configure configure-run build build-run test unit-test integration-test \
	fuzz-test run bench clean

all: build

# `make run` installs only what building and running needs; testing needs more (GoogleTest, Node.js
# and the oracles, PyTorch, clang, wrk). `make deps` installs everything.
deps: deps-test

deps-run:
	@scripts/install_deps.sh run

deps-test:
	@scripts/install_deps.sh test

# The run build leaves the unit tests out (GoogleTest may be missing) and builds the binary only;
# the test build puts them back. Both share BUILD_DIR: switching reconfigures, and rebuilds nothing.
configure-run: deps-run
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DGATEHOUSE_TESTS=OFF >/dev/null

build-run: configure-run
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target gatehouse

configure: deps-test
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DGATEHOUSE_TESTS=ON >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

integration-test: build
	GATEHOUSE_BIN=$(abspath $(GATEHOUSE)) node --test --test-concurrency=1 tests/integration/

# libFuzzer targets (clang, ASan+UBSan), each run briefly; FUZZ_SECONDS sets how long.
fuzz-test: deps-test
	scripts/run_fuzzers.sh

test: build
	@$(MAKE) --no-print-directory unit-test integration-test fuzz-test

# The main job: the control plane on its embedded defaults (docs/control.md). A built-in Hub mirror
# serves a generated tiny model as the gated repo meta-llama/Llama-3.2-1B-Instruct, secret hf-secret
# holds the mirror's token, and the seed's Blueprints recipe deploys it. Ctrl-C stops it; state stays
# in $(RUN_DATA) (delete it to start over). UP_ARGS adds flags, e.g. UP_ARGS="--port 9000".
RUN_DATA ?= $(BUILD_DIR)/run-data
run: build-run
	@$(GATEHOUSE) up --demo --data-dir $(RUN_DATA) $(UP_ARGS)

bench: build
	node bench/tokenizer/run.mjs --bin $(abspath $(GATEHOUSE))
	node bench/hub/run.mjs --bin $(abspath $(GATEHOUSE))
	node bench/engine/run.mjs --bin $(abspath $(GATEHOUSE))
	node bench/serve/run.mjs --bin $(abspath $(GATEHOUSE))
	node bench/control/e2e.mjs --bin $(abspath $(GATEHOUSE))
	node bench/gateway/run.mjs --bin $(abspath $(GATEHOUSE)) --responder $(abspath $(BUILD_DIR))/bench/gateway_stream_responder

clean:
	rm -rf $(BUILD_DIR)
