"""llama.cpp's side of side_by_side.sh: prompt processing (256 tokens, logits at all
positions; and with logits for the last position only, as llama-bench's pp) and greedy decode
tokens/s on the same GGUF, 2 threads. Prints one JSON line."""
import json, pathlib, sys, time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import llama_cpp_plain_buffers  # noqa: F401,E402  (plain CPU weight buffers)
from llama_cpp import Llama  # noqa: E402

gguf = sys.argv[1]
llm = Llama(model_path=gguf, n_ctx=2048, n_threads=2, n_threads_batch=2, n_batch=512, logits_all=True, verbose=False)
text = "The quick brown fox jumps over the lazy dog while the villagers watch from the hill. " * 40
ids = llm.tokenize(text.encode(), add_bos=False)[:256]

def best(f):
    return min(f() for _ in range(3))

def prompt():
    llm.reset(); t = time.perf_counter(); llm.eval(ids); return time.perf_counter() - t

prompt_all_s = best(prompt)
del llm
llm = Llama(model_path=gguf, n_ctx=2048, n_threads=2, n_threads_batch=2, n_batch=512, logits_all=False, verbose=False)
prompt_last_s = best(prompt)

def decode():
    llm.reset(); p = llm.tokenize(b"Once upon a time", add_bos=False); llm.eval(p)
    t = time.perf_counter()
    for _ in range(64):
        tok = llm.sample(temp=0.0); llm.eval([tok])
    return time.perf_counter() - t

print(json.dumps({"engine": "llama.cpp", "model": gguf, "prompt_tok_s": round(256 / prompt_all_s, 1),
                  "prompt_last_tok_s": round(256 / prompt_last_s, 1),
                  "decode_tok_s": round(64 / best(decode), 1)}))
