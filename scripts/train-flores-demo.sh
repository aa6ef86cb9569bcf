#!/usr/bin/env bash
# Real-data check of `kakugo train` (issue 6): ~500 SFT examples from FLORES dev sentences
# (English→Kazakh "Translate to Kazakh: …" and Kazakh→English "Translate to English: …"),
# a short LoRA run on SmolLM2-135M, then the held-out loss and the chrF++ delta of the
# candidate against its base on FLORES *devtest* (never trained on) via `kakugo eval` and
# `kakugo compare` (paired bootstrap interval).
#
#   scripts/train-flores-demo.sh [MODEL] [MAX_STEPS] [OUT]
#
# Defaults: smollm2-135m, 40 steps, runs/train-demo. The step cap keeps it to a few minutes on
# 2 CPU cores; drop it (MAX_STEPS=0) for the full epoch.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export KAKUGO_DATA=${KAKUGO_DATA:-$repo/../shared/data}
MODEL=${1:-smollm2-135m}
MAX_STEPS=${2:-40}
OUT=${3:-runs/train-demo}
BIN=${KAKUGO_BIN:-${CARGO_TARGET_DIR:-target}/release/kakugo}
[ -x "$BIN" ] || cargo build --release
mkdir -p "$OUT"

# 1. SFT data: the first 250 dev sentences in both directions (500 examples).
python3 - "$KAKUGO_DATA/flores/subset" "$OUT/flores-sft.jsonl" <<'PY'
import csv, json, sys
src, out = sys.argv[1], sys.argv[2]
def read(lang):
    with open(f"{src}/{lang}.tsv", newline="", encoding="utf-8") as f:
        return {r["index_id"]: r for r in csv.DictReader(f, delimiter="\t")}
eng, kaz = read("eng_Latn"), read("kaz_Cyrl")
ids = [i for i in eng if eng[i]["split"] == "dev" and i in kaz][:250]
with open(out, "w", encoding="utf-8") as f:
    for i in ids:
        for (a, b, to) in [(eng, kaz, "Kazakh"), (kaz, eng, "English")]:
            f.write(json.dumps({
                "id": f"flores-dev-{i}-{to.lower()}", "source": "flores-200 dev",
                "language": "kaz_Cyrl", "strategy": "translate", "source_id": i,
                "synth_prompt": None, "model": None,
                "prompt": f"Translate to {to}: {a[i]['text']}", "response": b[i]["text"],
                "messages": [{"role": "user", "content": f"Translate to {to}: {a[i]['text']}"},
                             {"role": "assistant", "content": b[i]["text"]}],
            }, ensure_ascii=False) + "\n")
print(f"{2 * len(ids)} SFT examples -> {out}", file=sys.stderr)
PY

# 2. Train (checkpoints every 10 steps; the validation loss is measured at each).
steps=()
[ "$MAX_STEPS" != 0 ] && steps=(--max-steps "$MAX_STEPS")
rm -rf "$OUT/candidate"
/usr/bin/time -v "$BIN" train --base "$MODEL" --data "$OUT/flores-sft.jsonl" --out "$OUT/candidate" \
  --rank 8 --alpha 16 --targets q,k,v,o --lr 1e-3 --batch-tokens 512 --max-len 256 \
  --warmup 0.1 --val-frac 0.1 --checkpoint-every 10 --seed 0 --export-gguf q8_0 "${steps[@]}" \
  2> >(tee "$OUT/train.log" >&2)

# 3. chrF++ on FLORES devtest (smoke suite: 16 sentences per direction), base vs candidate.
"$BIN" eval --model "$MODEL" --suite suites/smoke.toml --out "$OUT/runs-base"
"$BIN" eval --model "$OUT/candidate/merged" --suite suites/smoke.toml --out "$OUT/runs-candidate"
base_rec=$(ls "$OUT"/runs-base/*.json | head -1)
cand_rec=$(ls "$OUT"/runs-candidate/*.json | head -1)
"$BIN" compare --baseline "$base_rec" --candidate "$cand_rec" --max-drop 100 | tee "$OUT/compare.md" || true
python3 - "$OUT/candidate/lineage.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["result"]
print(f"steps {r['steps']}: train loss {r['first_train_loss']:.4f} -> {r['final_train_loss']:.4f}; "
      f"val loss {r['initial_val_loss']:.4f} -> {r['final_val_loss']:.4f}; "
      f"{r['tokens_per_second']:.1f} training tokens/s")
PY
