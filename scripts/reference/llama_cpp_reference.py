"""Reference values from llama.cpp (llama-cpp-python) for the shipped GGUF models.

    python scripts/reference/llama_cpp_reference.py tokens   --gguf M.gguf --out tests/fixtures/llama_cpp_tokens_<model>.jsonl
    python scripts/reference/llama_cpp_reference.py logprobs --gguf M.gguf --pairs tests/fixtures/agreement_pairs.jsonl \
        --out tests/fixtures/llama_cpp_logprobs_<model>.jsonl

tokens: the first 3 sentences of every language in ../shared/data/flores/subset (205
languages, every script FLORES has), tokenized by llama.cpp from the GGUF's own metadata
(no BOS, no special-token parsing).
logprobs: per continuation token, llama.cpp's log-probability, its argmax token and the
top-2 margin, with the context/continuation boundary of lm-evaluation-harness (see
transformers_logprobs.py). 2 threads, default (quantised) matmuls, as users run llama.cpp.
"""
import argparse, csv, json, os, sys

import numpy as np
from llama_cpp import Llama

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["tokens", "logprobs"])
ap.add_argument("--gguf", required=True)
ap.add_argument("--pairs")
ap.add_argument("--out", required=True)
args = ap.parse_args()
DATA = os.environ.get("KAKUGO_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))

llm = Llama(model_path=args.gguf, n_ctx=4096, n_threads=2, logits_all=args.mode == "logprobs", verbose=False)
add_bos = llm.metadata.get("tokenizer.ggml.add_bos_token", "false") == "true"

def tok(text):
    return llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

with open(args.out, "w", encoding="utf-8") as out:
    if args.mode == "tokens":
        subset = os.path.join(DATA, "flores/subset")
        for name in sorted(os.listdir(subset)):
            with open(os.path.join(subset, name), newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f, delimiter="\t"))[:3]
            for r in rows:
                out.write(json.dumps({"language": name[:-4], "index_id": int(r["index_id"]), "ids": tok(r["text"])},
                                     separators=(",", ":")) + "\n")
    else:
        bos = [llm.token_bos()] if add_bos else []
        for line in open(args.pairs, encoding="utf-8"):
            p = json.loads(line)
            ctx, cont = p["context"], p["continuation"]
            n = len(ctx) - len(ctx.rstrip())
            if n:
                cont, ctx = ctx[-n:] + cont, ctx[:-n]
            c = bos + tok(ctx)
            whole = bos + tok(ctx + cont)
            cont_ids = whole[len(c):]
            seq = (c + cont_ids)[:-1]
            llm.reset()
            llm.eval(seq)
            logits = np.array(llm.scores[: len(seq)], dtype=np.float64)
            rows = logits[len(c) - 1:]
            lse = np.log(np.exp(rows - rows.max(axis=1, keepdims=True)).sum(axis=1)) + rows.max(axis=1)
            lp = [float(rows[i, t] - lse[i]) for i, t in enumerate(cont_ids)]
            top2 = np.sort(rows, axis=1)[:, -2:]
            out.write(json.dumps({"language": p["language"], "index_id": p["index_id"], "context_ids": c,
                                  "token_ids": cont_ids, "token_logprobs": lp,
                                  "argmax": [int(a) for a in rows.argmax(axis=1)],
                                  "margin": [float(m) for m in (top2[:, 1] - top2[:, 0])]}, ensure_ascii=False) + "\n")
