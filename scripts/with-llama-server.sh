#!/usr/bin/env bash
# Runs a command with a llama.cpp server up: starts scripts/llama-server.sh on a free port,
# exports KAKUGO_LLAMA_SERVER=http://127.0.0.1:PORT/v1 (what tests/synth_http.rs and
# tests/eval_http.rs read), runs the command, stops the server and exits with its status.
#
#   scripts/with-llama-server.sh scripts/test.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
port=${KAKUGO_LLAMA_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
pid=$("$repo/scripts/llama-server.sh" "$port")
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
export KAKUGO_LLAMA_SERVER=http://127.0.0.1:$port/v1
export KAKUGO_LLAMA_PORT=$port
"$@"
