#!/usr/bin/env bash
# The test command: fetches the shipped models (checksummed, cached), then runs every test in
# release mode against the real data in ../shared/data (override with KAKUGO_DATA).
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
cargo test --release "$@"
