#!/usr/bin/env python3
"""Compares two `kakugo eval --log-samples` files item by item (e.g. f32 vs bf16 scoring):
per language, how many predictions agree and how far the log-likelihoods moved.

    scripts/bench/compare_samples.py A.samples.jsonl B.samples.jsonl
"""
import json
import sys
from collections import defaultdict


def read(path):
    with open(path, encoding="utf-8") as f:
        return {(r["task"], r["language"], r["id"]): r for r in map(json.loads, f)}


a, b = read(sys.argv[1]), read(sys.argv[2])
common = sorted(set(a) & set(b))
by_lang = defaultdict(lambda: {"n": 0, "same": 0, "deltas": [], "correct_a": 0, "correct_b": 0})
for key in common:
    ra, rb = a[key], b[key]
    s = by_lang[(key[0], key[1])]
    s["n"] += 1
    s["same"] += ra["prediction"] == rb["prediction"]
    s["correct_a"] += ra["prediction"] == ra["gold"]
    s["correct_b"] += rb["prediction"] == rb["gold"]
    s["deltas"] += [abs(x - y) for x, y in zip(ra["logprobs"], rb["logprobs"])]
print("| task | language | items | same prediction | correct A / B | mean \\|Δ\\| | max \\|Δ\\| (nats per request) |")
print("|---|---|---|---|---|---|---|")
for (task, lang), s in sorted(by_lang.items()):
    d = s["deltas"]
    print(f"| {task} | {lang} | {s['n']} | {s['same']} | {s['correct_a']} / {s['correct_b']} "
          f"| {sum(d) / len(d):.4f} | {max(d):.4f} |")
print(f"items only in A: {len(set(a) - set(b))}, only in B: {len(set(b) - set(a))}")
