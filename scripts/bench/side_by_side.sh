#!/usr/bin/env bash
# kakugo vs llama.cpp on the same GGUF, 2 threads, alternating runs; prints both and ratios.
# Needs llama-cpp-python (scripts/reference/requirements.txt) in $KAKUGO_LLAMA_PYTHON's env.
# Check the machine is idle first: llama.cpp's OpenMP threads collapse when another process
# holds a core.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${KAKUGO_LLAMA_PYTHON:-python3}
load=$(cut -d' ' -f1 /proc/loadavg)
echo "load average before: $load" >&2
cargo build --release --example throughput >&2
for preset in smollm2-135m:SmolLM2-135M-Instruct.Q4_1.gguf gemma3-270m:gemma-3-270m-q4_k_m.gguf; do
  name=${preset%%:*}; file=${preset##*:}
  for round in 1 2; do
    "$PY" scripts/bench/llama_cpp_throughput.py ".cache/models/$file"
    OMP_NUM_THREADS=2 RAYON_NUM_THREADS=2 CANDLE_NUM_THREADS=1 ./target/release/examples/throughput "$name"
  done
done
