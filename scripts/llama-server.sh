#!/usr/bin/env bash
# Starts llama.cpp's OpenAI-compatible server (llama-cpp-python 0.3.36, from PyPI) on
# 127.0.0.1, serving a shipped GGUF, in the background; waits until it answers and prints its
# PID on stdout (the log goes to $KAKUGO_CACHE/llama-server.<port>.log).
#
#   scripts/llama-server.sh [PORT] [MODEL.gguf]     default 8089, SmolLM2-135M-Instruct Q4_1
#
# The virtual environment is .venv-llama in the checkout. llama-cpp-python compiles llama.cpp
# (~20+ minutes on 2 cores), so the wheel is built once into $KAKUGO_CACHE/wheels and reused.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${KAKUGO_CACHE:-$repo/.cache}
port=${1:-8089}
model=${2:-$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}
version=0.3.36
venv=$repo/.venv-llama
wheels=$cache/wheels

if [ ! -f "$model" ]; then
  echo "llama-server.sh: $model is missing (run scripts/fetch-models.sh)" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import llama_cpp, uvicorn, fastapi, sse_starlette, pydantic_settings, starlette_context" 2>/dev/null \
   || [ "$("$venv/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)')" != "$version" ]; then
  mkdir -p "$wheels"
  wheel=$(ls "$wheels"/llama_cpp_python-$version-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    echo "llama-server.sh: building llama-cpp-python $version into $wheels (slow: compiles llama.cpp)" >&2
    CMAKE_ARGS="-DLLAVA_BUILD=OFF -DMTMD_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_NATIVE=ON" \
      "$venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps -w "$wheels" "llama-cpp-python==$version" >&2
    wheel=$(ls "$wheels"/llama_cpp_python-$version-*.whl | head -n1)
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${wheel}[server]" >&2
fi

log=$cache/llama-server.$port.log
mkdir -p "$cache"
# setsid: the server outlives this script (and a terminal closing) until killed by PID.
# llama_server_main.py is `python -m llama_cpp.server` without repacked weight buffers (the
# native wheel crashes on multi-token batches otherwise) and with echoed prompt log-probabilities
# aligned (0.3.36 shifts them by one token for models without BOS); see its docstring.
setsid "$venv/bin/python" "$repo/scripts/llama_server_main.py" --model "$model" --host 127.0.0.1 --port "$port" \
  --n_threads 2 --n_ctx 4096 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "llama-server.sh: the server exited; its log ($log):" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  if curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  sleep 1
done
echo "llama-server.sh: no answer on port $port after 120 s; log: $log" >&2
kill "$pid" 2>/dev/null || true
exit 1
