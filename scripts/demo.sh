#!/usr/bin/env bash
# The main job on the shipped default: the quickstart experiment (examples/quickstart.toml).
# Fetches the shipped models (checksummed), builds kakugo, then runs the whole loop — SmolLM2
# synthesises Kazakh instruction data, a LoRA candidate is trained, base and candidate are
# evaluated on the smoke suite's Kazakh tasks — and writes experiments/quickstart/report/.
# A rerun skips what is finished. Pass another experiment file as $1.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export KAKUGO_DATA=${KAKUGO_DATA:-$repo/../shared/data}
EXPERIMENT=${1:-examples/quickstart.toml}
scripts/fetch-models.sh
cargo build --release
./target/release/kakugo run "$EXPERIMENT"
./target/release/kakugo status "$EXPERIMENT"
