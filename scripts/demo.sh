#!/usr/bin/env bash
# The main job on the shipped default (until `kakugo eval` lands): fetch the shipped models and
# score SIB-200 eng_Latn topic classification with SmolLM2-135M through `kakugo loglik`, with
# lm-evaluation-harness's prompt; prints acc and acc_norm (lm-eval: 0.6275 and 0.2941).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
DATA=${KAKUGO_DATA:-$repo/../shared/data}
MODEL=${1:-smollm2-135m}
scripts/fetch-models.sh
cargo build --release
out=${KAKUGO_OUT:-reports/demo}
mkdir -p "$out"
python3 - "$DATA/sib200/eng_Latn" "$out/requests.jsonl" <<'PY'
import csv, json, sys
d, out = sys.argv[1:]
labels = [l for l in open(f"{d}/labels.txt", encoding="utf-8").read().splitlines() if l]
with open(f"{d}/test.tsv", newline="", encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    for r in csv.DictReader(f, delimiter="\t"):
        for l in labels:
            o.write(json.dumps({"context": f"Topic of the following text: {r['text']}\nTopic:", "continuation": " " + l}, ensure_ascii=False) + "\n")
PY
./target/release/kakugo loglik --model "$MODEL" --requests "$out/requests.jsonl" --out "$out/scores.jsonl"
python3 - "$DATA/sib200/eng_Latn" "$out/scores.jsonl" <<'PY'
import csv, json, sys
d, scores = sys.argv[1:]
labels = [l for l in open(f"{d}/labels.txt", encoding="utf-8").read().splitlines() if l]
gold = [r["category"] for r in csv.DictReader(open(f"{d}/test.tsv", newline="", encoding="utf-8"), delimiter="\t")]
s = [json.loads(l)["logprob"] for l in open(scores, encoding="utf-8")]
k = len(labels); acc = accn = 0
for i, g in enumerate(gold):
    row = s[i * k:(i + 1) * k]
    acc += labels[max(range(k), key=lambda c: (row[c], -c))] == g
    accn += labels[max(range(k), key=lambda c: (row[c] / len(labels[c]), -c))] == g
print(f"SIB-200 eng_Latn test, {len(gold)} items: acc {acc / len(gold):.4f} ({acc}/{len(gold)}), acc_norm {accn / len(gold):.4f}")
PY
