"""Prompt tokens of SIB-200 test in every language, with SmolLM2's tokenizer (or any GGUF's).

    .venv-ref/bin/python scripts/bench/sib200_tokens.py [MODEL.gguf] [DATA_ROOT] > tokens.tsv

Uses the tokenizer transformers builds from the GGUF metadata (token ids identical to
kakugo's and llama.cpp's: README, "Measured"). Boundary as lm-evaluation-harness: context and
context+continuation are encoded, the continuation is the difference. Prints per language:
items, context tokens, continuation tokens (all 7 labels), kakugo's tokens (each context once
plus the 7 continuations: one packed pass) and lm-eval's (7 × (context + continuation)), then
the totals over all languages.
"""
import csv, os, sys

from transformers import AutoTokenizer

model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("KAKUGO_CACHE", ".cache"), "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
root = os.path.join(sys.argv[2] if len(sys.argv) > 2 else "../shared/data", "sib200")
d, f = os.path.split(os.path.abspath(model))
tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
add_bos = tok.bos_token_id is not None and tok("a")["input_ids"][:1] == [tok.bos_token_id]
bos = int(add_bos)

print("language\titems\tcontext_tokens\tcontinuation_tokens\tkakugo_tokens\tlm_eval_tokens\tmax_request")
tot = [0] * 5
for lang in sorted(os.listdir(root)):
    with open(os.path.join(root, lang, "labels.txt"), encoding="utf-8") as fh:
        labels = [x.rstrip("\n") for x in fh if x.strip()]
    with open(os.path.join(root, lang, "test.tsv"), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))[1:]
    ctxs = [f"Topic of the following text: {r[2]}\nTopic:" for r in rows]
    n_ctx = [len(x) + bos for x in tok(ctxs, add_special_tokens=False)["input_ids"]]
    ctx_tok = sum(n_ctx)
    cont_tok, lm_tok, longest = 0, 0, 0
    for label in labels:
        whole = tok([c + " " + label for c in ctxs], add_special_tokens=False)["input_ids"]
        for w, c in zip(whole, n_ctx):
            k = len(w) + bos - c
            cont_tok += k
            lm_tok += c + k
            longest = max(longest, c + k)
    row = [len(rows), ctx_tok, cont_tok, ctx_tok + cont_tok, lm_tok]
    tot = [a + b for a, b in zip(tot, row)]
    print(lang, *row, longest, sep="\t", flush=True)
print("TOTAL", *tot, "", sep="\t")
