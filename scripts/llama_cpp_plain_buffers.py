"""Makes llama-cpp-python load weights into plain CPU buffers (llama.cpp's --no-repack).

On AVX-512/AMX CPUs the natively built wheel's repacked ("extra") weight buffers crash on
multi-token batches, so every script that runs llama.cpp imports this before creating a model:

    import llama_cpp_plain_buffers  # noqa: F401  (scripts/ must be on sys.path)
"""

import llama_cpp.llama_cpp as lc

_default = lc.llama_model_default_params


def _without_extra_bufts():
    params = _default()
    params.use_extra_bufts = False
    return params


lc.llama_model_default_params = _without_extra_bufts
