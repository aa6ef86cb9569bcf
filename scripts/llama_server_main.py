"""Runs `python -m llama_cpp.server` with llama.cpp's extra CPU buffer types switched off.

Why: the llama-cpp-python 0.3.36 wheel built with GGML_NATIVE=ON on a CPU with AMX/AVX-512
puts weights into "extra" (repacked/AMX) buffers, and on this machine any batch of more than one
token then crashes with a segmentation fault in llama_decode (single tokens work, so only
prompts longer than one token fail - i.e. every chat request). `use_extra_bufts = False` (what
llama.cpp's own `--no-repack` does) keeps the weights in plain CPU buffers; results are the
same, prompt processing a little slower. Llama() does not expose the flag, so the default
model parameters are wrapped before the server creates its model.
"""

import runpy

import llama_cpp.llama_cpp as lc

_default = lc.llama_model_default_params


def _without_extra_bufts():
    params = _default()
    params.use_extra_bufts = False
    return params


lc.llama_model_default_params = _without_extra_bufts
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
