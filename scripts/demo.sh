#!/usr/bin/env bash
# The main job on the shipped default: fetch the shipped models (checksummed), then evaluate
# SmolLM2-135M on the smoke suite (SIB-200 eng_Latn + kaz_Cyrl, FLORES kaz↔eng chrF++) and
# write the run record under runs/. Pass another model as $1 (e.g. gemma3-270m).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export KAKUGO_DATA=${KAKUGO_DATA:-$repo/../shared/data}
MODEL=${1:-smollm2-135m}
scripts/fetch-models.sh
cargo build --release
./target/release/kakugo eval --model "$MODEL" --suite suites/smoke.toml --out runs --log-samples
