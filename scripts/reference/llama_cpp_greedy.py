"""Greedy completions from llama.cpp (llama-cpp-python) for a GGUF: the check that a GGUF
exported by `kakugo train --export-gguf` is what llama.cpp loads and runs.

    .venv-llama/bin/python scripts/reference/llama_cpp_greedy.py MODEL.gguf PROMPTS.json MAX_TOKENS

PROMPTS.json is a JSON list of strings; prints one JSON list of completions (text). Weights stay
in plain CPU buffers (see scripts/llama_cpp_plain_buffers.py for why).
"""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import llama_cpp_plain_buffers  # noqa: F401,E402  (plain CPU weight buffers)

from llama_cpp import Llama  # noqa: E402

path, prompts_path, max_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
prompts = json.load(open(prompts_path, encoding="utf-8"))
llm = Llama(model_path=path, n_ctx=512, n_threads=2, verbose=False, seed=0)
out = []
for p in prompts:
    r = llm.create_completion(p, max_tokens=max_tokens, temperature=0.0, top_k=1)
    out.append(r["choices"][0]["text"])
print(json.dumps(out, ensure_ascii=False))
