"""Runs `python -m llama_cpp.server` (llama-cpp-python 0.3.36) with two fixes applied first.

1. llama.cpp's extra CPU buffer types are switched off. Why: the wheel built with
   GGML_NATIVE=ON on a CPU with AMX/AVX-512 puts weights into "extra" (repacked/AMX) buffers,
   and on this machine any batch of more than one token then crashes with a segmentation fault
   in llama_decode (single tokens work, so only prompts longer than one token fail - i.e. every
   chat request). `use_extra_bufts = False` (what llama.cpp's own `--no-repack` does) keeps the
   weights in plain CPU buffers; results are the same, prompt processing a little slower.
   Llama() does not expose the flag, so scripts/llama_cpp_plain_buffers.py wraps the default
   model parameters before the server creates its model.

2. Echoed prompt log-probabilities are aligned. With `echo` + `logprobs`, 0.3.36 pairs prompt
   token i with logit row i - the distribution *after* token i - instead of row i-1, whenever
   the prompt does not start with BOS (models whose tokenizer adds none, such as SmolLM2), so
   every echoed prompt log-probability is the wrong one (upstream issue
   abetlen/llama-cpp-python#1983). kakugo scores multiple choice from exactly these numbers,
   so the one line that slices the rows is rewritten to prepend a placeholder row in that case
   (the first token's entry is reported as null anyway, as in OpenAI's API). Generation,
   non-echo log-probabilities and prompts that start with BOS are unchanged. The rewrite
   checks that the line it replaces is there, so another version fails at start-up instead of
   serving shifted numbers.

The server's `logits_all` setting (needed for prompt log-probabilities) defaults to true.
"""

import __future__
import inspect
import runpy
import textwrap

import llama_cpp.llama as llama_module

import llama_cpp_plain_buffers  # noqa: F401,E402  (plain CPU weight buffers)


def _align_echoed_logprobs():
    source = textwrap.dedent(inspect.getsource(llama_module.Llama._create_completion))
    line = "all_logprobs = Llama.logits_to_logprobs(self._scores)[token_offset:]"
    if source.count(line) != 1:
        raise SystemExit(
            "llama_server_main.py: llama-cpp-python's _create_completion changed; "
            "re-check the echoed log-probability alignment before serving"
        )
    start = source.index(line)
    indent = source[source.rindex("\n", 0, start) + 1 : start]
    fix = (
        f"\n{indent}if echo and prompt_tokens[:1] != [self.token_bos()]:"
        f"\n{indent}    all_logprobs = np.concatenate([np.zeros_like(all_logprobs[:1]), all_logprobs])"
    )
    source = source.replace(line, line + fix)
    namespace = {}
    code = compile(
        source,
        inspect.getsourcefile(llama_module.Llama),
        "exec",
        flags=__future__.annotations.compiler_flag,
        dont_inherit=True,
    )
    exec(code, llama_module.__dict__, namespace)
    llama_module.Llama._create_completion = namespace["_create_completion"]


_align_echoed_logprobs()
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
