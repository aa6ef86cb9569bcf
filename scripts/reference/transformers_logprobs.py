"""Reference per-token log-probabilities from transformers (GGUF dequantised to float32).

    python scripts/reference/transformers_logprobs.py --gguf M.gguf [--tokenizer-dir D] \
        --pairs pairs.jsonl --out tests/fixtures/transformers_<model>.jsonl

Follows lm-evaluation-harness's boundary: trailing whitespace of the context moves to the
continuation; context+continuation are encoded together and split at the context's own token
length; BOS is prepended when the tokenizer adds it. Needs torch, transformers, gguf (see
scripts/reference/requirements.txt). Writes one JSON object per pair: context and
continuation token ids, per-token log-probabilities, their sum, and the greedy flag.
"""
import argparse, json, os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ap = argparse.ArgumentParser()
ap.add_argument("--gguf", required=True)
ap.add_argument("--tokenizer-dir", help="directory with tokenizer.json (default: the GGUF's own tokenizer)")
ap.add_argument("--pairs", required=True)
ap.add_argument("--out", required=True)
args = ap.parse_args()

torch.set_num_threads(2)
d, f = os.path.split(os.path.abspath(args.gguf))
model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32).eval()
tok = AutoTokenizer.from_pretrained(args.tokenizer_dir) if args.tokenizer_dir else AutoTokenizer.from_pretrained(d, gguf_file=f)
# BOS when the tokenizer's own post-processor adds it (Gemma: yes; SmolLM2: no).
add_bos = tok.bos_token_id is not None and tok("a")["input_ids"][:1] == [tok.bos_token_id]

def enc(s):
    ids = tok(s, add_special_tokens=False)["input_ids"]
    return ([tok.bos_token_id] if add_bos else []) + ids

with open(args.pairs, encoding="utf-8") as fin, open(args.out, "w", encoding="utf-8") as fout:
    for line in fin:
        p = json.loads(line)
        ctx, cont = p["context"], p["continuation"]
        n = len(ctx) - len(ctx.rstrip())
        if n:
            cont, ctx = ctx[-n:] + cont, ctx[:-n]
        whole, c = enc(ctx + cont), enc(ctx)
        cont_ids = whole[len(c):]
        inp = torch.tensor([(c + cont_ids)[:-1]])
        with torch.no_grad():
            logits = model(inp).logits[0].float()
        lp = torch.log_softmax(logits, dim=-1)[len(c) - 1:]
        tl = [lp[i, t].item() for i, t in enumerate(cont_ids)]
        greedy = all(lp[i].argmax().item() == t for i, t in enumerate(cont_ids))
        fout.write(json.dumps({**p, "context_ids": c, "token_ids": cont_ids, "token_logprobs": tl,
                               "logprob": sum(tl), "is_greedy": greedy}, ensure_ascii=False) + "\n")
