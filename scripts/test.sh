#!/usr/bin/env bash
# The test command: fetches the shipped models (checksummed, cached), starts a llama.cpp server
# for the HTTP-teacher tests, then runs every test in release mode against the real data in
# ../shared/data (override with KAKUGO_DATA).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export KAKUGO_DATA=${KAKUGO_DATA:-$repo/../shared/data}
export KAKUGO_REFERENCE=${KAKUGO_REFERENCE:-$repo/../shared/reference}
if [ ! -d "$KAKUGO_DATA" ]; then
  echo "test.sh: KAKUGO_DATA=$KAKUGO_DATA does not exist (the shared data must sit beside the checkout)" >&2
  exit 1
fi
scripts/fetch-models.sh
# tests/synth_http.rs and tests/eval_http.rs talk to a real llama.cpp server (llama-cpp-python,
# installed into .venv-llama on first use) serving the shipped SmolLM2 GGUF on 127.0.0.1.
if [ -z "${KAKUGO_LLAMA_SERVER:-}" ]; then
  exec scripts/with-llama-server.sh cargo test --release "$@"
fi
cargo test --release "$@"
