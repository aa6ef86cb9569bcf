#!/usr/bin/env bash
# lm-evaluation-harness 0.4.13 (from PyPI) beside kakugo on SIB-200 test in one language:
# per-request log-likelihoods, predictions, acc / acc_norm, wall and CPU times, both on
# $THREADS (default 2) threads.
#
#   scripts/reference/lm_eval_side_by_side.sh LANG [MODEL.gguf]
#
# MODEL defaults to SmolLM2-135M-Instruct Q4_1 in ${KAKUGO_CACHE:-.cache}/models
# (scripts/fetch-models.sh). lm-eval runs the HF backend, transformers dequantising the GGUF
# to float32, batch size 1, zero-shot, prompt `Topic of the following text: {text}\nTopic:`,
# continuations " " + label; kakugo runs `kakugo eval` with suites/sib200.toml's task on LANG
# (fresh response cache). Creates or reuses the venv .venv-ref (git-ignored). Data from
# $KAKUGO_DATA (default ../shared/data). Work files go to $OUT (default a new temp dir).
# LIMIT=N runs both on the first N test rows only (for a quick look on a busy machine).
# Check the machine is idle: both wall times count, the load average is printed beside them.
set -euo pipefail
cd "$(dirname "$0")/../.."
LANG_CODE=${1:?usage: $0 LANG [MODEL.gguf]}
CACHE=${KAKUGO_CACHE:-$PWD/.cache}
MODEL=$(realpath "${2:-$CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf}")
DATA=$(realpath "${KAKUGO_DATA:-../shared/data}")
THREADS=${THREADS:-2}
OUT=${OUT:-$(mktemp -d /tmp/lm_eval_side_by_side.XXXXXX)}
TARGET=${CARGO_TARGET_DIR:-target}
HELPER=scripts/reference/lm_eval_side_by_side.py
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

if [ ! -x .venv-ref/bin/lm_eval ]; then
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install lm-eval==0.4.13 transformers==5.23.0 torch gguf accelerate >&2
fi
# a private copy: a shared CARGO_TARGET_DIR may be rebuilt from another checkout meanwhile
# (KAKUGO_BIN=path skips the build and uses that binary)
if [ -n "${KAKUGO_BIN:-}" ]; then
  cp "$KAKUGO_BIN" "$OUT/kakugo-bin"
else
  cargo build --release --bin kakugo >&2
  cp "$TARGET/release/kakugo" "$OUT/kakugo-bin"
fi
KAKUGO=$OUT/kakugo-bin

.venv-ref/bin/python "$HELPER" task "$LANG_CODE" "$DATA" "$OUT/task" "${LIMIT:-}"
[ -z "${LIMIT:-}" ] || DATA=$OUT/task/data
# the same task as a kakugo suite: suites/sib200.toml with only LANG
sed "s/^languages = .*/languages = [\"$LANG_CODE\"]/" suites/sib200.toml > "$OUT/sib200.toml"

export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS RAYON_NUM_THREADS=$THREADS THREADS
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before" >&2
TIME_FMT="%e %U %S %M"
/usr/bin/time -f "$TIME_FMT" -o "$OUT/lm_eval.time" \
  .venv-ref/bin/python "$HELPER" lm-eval --model hf \
  --model_args "pretrained=$(dirname "$MODEL"),gguf_file=$(basename "$MODEL"),dtype=float32" \
  --device cpu --batch_size 1 --num_fewshot 0 --include_path "$OUT/task" \
  --tasks sib200_kakugo --log_samples --output_path "$OUT/lm_eval" >"$OUT/lm_eval.log" 2>&1 \
  || { tail -30 "$OUT/lm_eval.log" >&2; exit 1; }
load_mid=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -f "$TIME_FMT" -o "$OUT/kakugo.time" \
  "$KAKUGO" eval --model "$MODEL" --suite "$OUT/sib200.toml" --languages "$LANG_CODE" \
  --data "$DATA" --out "$OUT/kakugo" --log-samples >"$OUT/kakugo.log" 2>&1 \
  || { tail -30 "$OUT/kakugo.log" >&2; exit 1; }
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
  for k in lm_eval kakugo; do
    read -r wall user sys rss < "$OUT/$k.time"
    echo "${k/_/-} $wall $(echo "$user + $sys" | bc) $rss"
  done
  echo "load $load_before|$load_mid|$load_after"
} > "$OUT/times.tsv"
echo "work files: $OUT" >&2
.venv-ref/bin/python "$HELPER" compare "$LANG_CODE" "$OUT/lm_eval" \
  "$(ls "$OUT"/kakugo/*.samples.jsonl)" "$OUT/times.tsv"
