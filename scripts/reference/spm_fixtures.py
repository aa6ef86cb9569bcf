#!/usr/bin/env python3
"""Reference fixtures for crates/sentencepiece.

Trains a few small SentencePiece models on the FLORES-200 subset in shared/data (dev split
only), then records, with the `sentencepiece` library, how each model segments held-out
FLORES sentences (devtest split, many scripts) and hand-written edge cases. It also records
sacrebleu 2.6's spBLEU (tokenize="flores200" and "flores101") computed with those models, so
the Rust encoder can be checked against what sacrebleu itself feeds to BLEU.

Usage (from the repository root, in a venv with `pip install sentencepiece sacrebleu==2.6.0`):

    python scripts/reference/spm_fixtures.py            # reuse committed models
    python scripts/reference/spm_fixtures.py --retrain  # train the models anew

With `--legacy-python PY`, where PY is a Python with sentencepiece 0.2.1 (or 0.1.98-0.2.0)
installed, it also writes legacy_0_2_1.json: how those releases segment the unigram fixtures
(their tie-breaking differs, see crates/sentencepiece/src/compat.rs).

Training is multithreaded and not bit-reproducible across machines, so the committed .model
files are the source of truth; without --retrain the script only re-derives the JSON from
them.
"""

import argparse
import csv
import hashlib
import json
import os
import random
import sys
import tempfile
from pathlib import Path

import sentencepiece as spm

ROOT = Path(__file__).resolve().parents[2]
FLORES = ROOT.parent.parent / "shared" / "data" / "flores" / "subset"
FIXTURES = ROOT / "crates" / "sentencepiece" / "tests" / "fixtures"

# Where shared/ lives differs between a worktree and the main checkout: try both.
for candidate in (ROOT / "shared" / "data" / "flores" / "subset",
                  Path("/work/shared/data/flores/subset"), FLORES):
    if candidate.is_dir():
        FLORES = candidate
        break

# Languages the models are trained on (dev split), one or more per script.
TRAIN_LANGS = [
    "eng_Latn", "fra_Latn", "deu_Latn", "vie_Latn", "yor_Latn", "hau_Latn", "tur_Latn",
    "rus_Cyrl", "ukr_Cyrl", "arb_Arab", "pes_Arab", "urd_Arab", "hin_Deva", "npi_Deva",
    "amh_Ethi", "tir_Ethi", "zho_Hans", "jpn_Jpan", "kor_Hang", "tha_Thai", "nqo_Nkoo",
    "ell_Grek", "heb_Hebr", "tam_Taml", "ben_Beng",
]

# Held-out sentences come from the devtest split of these languages; the second half of the
# list is absent from training, so their scripts exercise unknown pieces and byte fallback.
HELDOUT_LANGS = TRAIN_LANGS + [
    "spa_Latn", "pol_Latn", "bul_Cyrl", "kaz_Cyrl", "ckb_Arab", "mar_Deva", "zho_Hant",
    "yue_Hant", "khm_Khmr", "mya_Mymr", "bod_Tibt", "kat_Geor", "hye_Armn", "sat_Olck",
    "taq_Tfng", "sin_Sinh", "guj_Gujr", "pan_Guru", "mal_Mlym", "lao_Laoo", "ydd_Hebr",
    "dzo_Tibt", "shn_Mymr", "kan_Knda", "tel_Telu", "ory_Orya", "snd_Arab", "vie_Latn",
]
HELDOUT_PER_LANG = 6  # 4 for the languages absent from training

# name -> trainer options (besides input/model_prefix). Kept small: a few hundred KB each.
MODELS = {
    # Like the real flores200 model: unigram with the nmt_nfkc charsmap; characters below the
    # coverage threshold are <unk>.
    "unigram_nfkc": dict(model_type="unigram", vocab_size=4000, character_coverage=0.9995,
                         normalization_rule_name="nmt_nfkc"),
    # Unigram with byte fallback and user-defined symbols.
    "unigram_bytes": dict(model_type="unigram", vocab_size=3000, character_coverage=0.995,
                          byte_fallback=True, normalization_rule_name="nmt_nfkc",
                          user_defined_symbols=["<mask>", "http://", "@@"]),
    # BPE with the nmt_nfkc charsmap.
    "bpe_nfkc": dict(model_type="bpe", vocab_size=4000, character_coverage=0.995,
                     normalization_rule_name="nmt_nfkc"),
    # BPE, byte fallback, no normalisation at all, whitespace kept as is, no dummy prefix,
    # user-defined symbols (frozen during merges).
    "bpe_bytes_identity": dict(model_type="bpe", vocab_size=2000, character_coverage=0.98,
                               byte_fallback=True, normalization_rule_name="identity",
                               remove_extra_whitespaces=False, add_dummy_prefix=False,
                               user_defined_symbols=["<mask>", "@@"]),
    # Unigram, case-folding NFKC charsmap, whitespace as a suffix.
    "unigram_nfkc_cf_suffix": dict(model_type="unigram", vocab_size=1500,
                                   character_coverage=0.98, normalization_rule_name="nfkc_cf",
                                   treat_whitespace_as_suffix=True),
}

# The two model types without search, on raw text (identity normalisation keeps them small).
MODELS["char_identity"] = dict(model_type="char", vocab_size=3000, character_coverage=0.9995,
                               normalization_rule_name="identity", hard_vocab_limit=False,
                               user_defined_symbols=["<mask>"])
MODELS["word_identity"] = dict(model_type="word", vocab_size=3000,
                               normalization_rule_name="identity")

# sacrebleu tokenizer name -> model that plays its SentencePiece model.
SPBLEU_MODELS = {"flores200": "unigram_nfkc", "flores101": "bpe_nfkc"}

EDGE_CASES = [
    "", " ", "   ", "\t", "\n", "\r\n", " a", "a ", "a  b", "  a   b  ", "a\tb", "a\nb",
    "a\u00a0b", "\u00a0", "a\u3000b", "\u2009thin\u2009space", "a\u2028b", "a\u0085b",
    "a\u200bb", "\u200d", "\ufeffBOM", "\u00adsoft\u00adhyphen",
    "\x00", "a\x00b", "\x01\x02\x1f", "\x7f",
    "e\u0301", "\u00e9", "a\u0308\u0304", "\u0301", "  \u0301", "Z\u0351\u036b\u0343",
    "\ufb01nance", "\uff28\uff45\uff4c\uff4c\uff4f\uff01", "\uff10\uff11\uff12", "\u2460\u2461",
    "\u00bd \u2153", "\uff76\uff9e\uff77\uff9e", "\u2167 \u216b", "\u338f \u3392", "\ufdfa",
    "\u212b", "\u210c\u2122\u2026", "\u2013\u2014\u201c\u201d\u2018\u2019", "\U0001d518\U0001d52b",
    "\u1100\u1161\u11a8", "\u3131\u314f", "\u0915\u093c", "\u0958", "\u0130stanbul", "stra\u00dfe",
    "\u01c5", "\u00b5\u03bc",
    "\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1ef\U0001f1f5", "I \u2764\ufe0f NY",
    "\ue000", "\U0010ffff", "\ufffd", "\ud7ff", "\uffff",
    "\u2581", "a\u2581", "\u2581a", "a \u2581 b", "\u2581\u2581", "_a_b_",
    "<unk>", "<s>", "</s>", "<pad>", "<0x41>", "<mask>", "a<mask>b", " <mask> ", "<mask><mask>",
    "http://example.org", "@@", "x@@y", "@@@",
    "1234567890", "3.14159", "2024-01-01", "$100,000.00", "50%",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "Hello, World!", "HELLO world", "don't stop", "e-mail", "(a) [b] {c}",
    "The quick brown fox jumps over the lazy dog.",
    "\u0645\u0631\u062d\u0628\u0627 hello \u043f\u0440\u0438\u0432\u0435\u0442 \u0928\u092e\u0938\u094d\u0924\u0947 \u4f60\u597d",
    "\u07d2\u07de\u07cf",
    "\u1230\u120b\u121d",
    "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "\u9f98\u9750\u9f49",
    "\u16a0\u16c7\u16bb",
    "\U00013000\U00013001",
    "\U0001f600 \U0001f600 \U0001f600",
]


def random_strings(n, seed=7):
    """Random strings over a pool that mixes the training scripts with everything that
    normalisation or segmentation treats specially."""
    rng = random.Random(seed)
    pools = [
        " " * 8 + "\t\n\r",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789" * 3 + ".,;:!?'\"()-_/@#%&*+=<>[]{}|~^$",
        "\u00e9\u00e8\u00fc\u00df\u00e7\u00f1\u0131\u0130\u01c5\u00b5",
        "".join(chr(c) for c in range(0x0300, 0x0370)),          # combining marks
        "".join(chr(c) for c in range(0x0410, 0x0450)),          # Cyrillic
        "".join(chr(c) for c in range(0x0621, 0x064b)),          # Arabic
        "".join(chr(c) for c in range(0x0905, 0x0970)),          # Devanagari
        "".join(chr(c) for c in range(0x1200, 0x1260)),          # Ethiopic
        "\u7684\u662f\u5728\u4e0d\u4e86\u6709\u548c\u4eba\u8fd9\u4e2d\u5927\u4e3a\u4e0a",
        "".join(chr(c) for c in range(0x3041, 0x3097)),          # Hiragana
        "".join(chr(c) for c in range(0x0e01, 0x0e3b)),          # Thai
        "".join(chr(c) for c in range(0x07c0, 0x07fb)),          # N'Ko
        "".join(chr(c) for c in range(0xff01, 0xff9f)),          # full/halfwidth forms
        "".join(chr(c) for c in range(0x1100, 0x1200)),          # Hangul jamo (NFKC composes)
        "\ufb01\ufb02\u2460\u338f\u00bd\u2153\u2167\u210c\u2122\u2026\ufdfa\u212b\u3131",
        "\u00a0\u3000\u2009\u200b\u200d\ufeff\u00ad\u2028\u0085\u2581\u2581",
        "\x00\x01\x07\x1b\x1f\x7f\x80\x9f\ufffd\ue000\uffff",
        "\U0001f600\U0001f44d\U0001f3fd\u2764\ufe0f\U0001f1ef\U0001f1f5",
        "<>\u2581mask@/:",  # pieces of user-defined symbols
    ]
    out = []
    for _ in range(n):
        length = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 34])
        chars = []
        for _ in range(length):
            if rng.random() < 0.05:  # any scalar value outside the surrogates
                c = rng.randrange(0x110000 - 0x800)
                chars.append(chr(c + 0x800 if c >= 0xd800 else c))
            else:
                chars.append(rng.choice(rng.choice(pools)))
        if rng.random() < 0.1:
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(["<mask>", "@@", "http://"]))
        out.append("".join(chars))
    return out


def fnv1a64(text):
    h = 0xcbf29ce484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return f"{h:016x}"


def lcg_digits(n_tokens):
    """Digit runs full of ties ("0"+"00" vs "00"+"0"), from a 64-bit LCG the Rust test
    reimplements."""
    x, tokens = 1, []
    for _ in range(n_tokens):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        n = (x >> 33) % 11 + 1
        token = ""
        for _ in range(n):
            x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
            token += "0000123"[(x >> 33) % 7]
        tokens.append(token)
    return " ".join(tokens)


def long_inputs(texts):
    """Inputs long enough for path scores to pass sentencepiece's +-100,000 reset threshold,
    built from the fixture's own short cases (so the JSON need not store them)."""
    return [
        ("long:joined", " ".join(texts)),
        ("long:joined_nospace", "".join(texts)),
        ("long:digits", lcg_digits(20000)),
    ]


def read_flores(lang):
    with open(FLORES / f"{lang}.tsv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def train(name, opts, outdir):
    lines = []
    for lang in TRAIN_LANGS:
        lines.extend(r["text"] for r in read_flores(lang) if r["split"] == "dev")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "train.txt"
        corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(Path(tmp) / name), num_threads=2,
            input_sentence_size=0, shuffle_input_sentence=False, minloglevel=2,
            **opts)
        (outdir / f"{name}.model").write_bytes((Path(tmp) / f"{name}.model").read_bytes())


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def heldout_sentences():
    out = []
    seen = set()
    for lang in HELDOUT_LANGS:
        if lang in seen:
            continue
        seen.add(lang)
        rows = [r for r in read_flores(lang) if r["split"] == "devtest"]
        rng = random.Random(lang)
        for r in rng.sample(rows, HELDOUT_PER_LANG if lang in TRAIN_LANGS else 4):
            out.append((f"{lang}:{r['index_id']}", r["text"]))
    return out


def segmentation_fixture(name, path):
    sp = spm.SentencePieceProcessor(model_file=str(path))
    cases = [(f"edge:{i}", t) for i, t in enumerate(EDGE_CASES)]
    cases += heldout_sentences()
    # A few synthetic long inputs: many sentences glued, and a sentence with extra spaces.
    eng = [r["text"] for r in read_flores("eng_Latn") if r["split"] == "devtest"][:20]
    cases.append(("long:eng20", " ".join(eng)))
    cases.append(("spaces:eng", "  " + "   ".join(eng[0].split(" ")) + " \t "))
    cases += [(f"random:{i}", t) for i, t in enumerate(random_strings(400))]
    records = []
    for label, text in cases:
        pieces = sp.encode(text, out_type=str)
        ids = sp.encode(text)
        records.append({"label": label, "text": text, "normalized": sp.normalize(text),
                        "pieces": pieces, "ids": ids})
    # Long inputs are recorded by digest: FNV-1a 64 of "piece<TAB>id" lines joined by "\n",
    # and of the normalised text.
    for label, text in long_inputs([r["text"] for r in records]):
        pieces = sp.encode(text, out_type=str)
        ids = sp.encode(text)
        records.append({
            "label": label, "n_pieces": len(pieces),
            "normalized_fnv1a64": fnv1a64(sp.normalize(text)),
            "pieces_fnv1a64": fnv1a64("\n".join(f"{p}\t{i}" for p, i in zip(pieces, ids))),
            "first_pieces": pieces[:20]})
    m = sp
    return {
        "model": f"{name}.model",
        "sha256": sha256(path),
        "sentencepiece_version": spm.__version__,
        "trainer": {k: v for k, v in MODELS[name].items()},
        "vocab_size": m.get_piece_size(),
        "unk_id": m.unk_id(),
        "cases": records,
    }


# ---------------------------------------------------------------------------------------
# spBLEU


def perturb(text, rng, how):
    words = text.split(" ")
    if how == "drop":
        keep = [w for w in words if rng.random() > 0.25]
        return " ".join(keep) if keep else words[0]
    if how == "swap" and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    if how == "truncate":
        return " ".join(words[: max(1, len(words) // 2)])
    if how == "typo":
        chars = list(text)
        for _ in range(max(1, len(chars) // 20)):
            j = rng.randrange(len(chars))
            chars[j] = rng.choice("aeiouxyz")
        return "".join(chars)
    if how == "repeat":
        return text + " " + " ".join(words[: len(words) // 3])
    if how == "spaces":
        return "  " + "  ".join(words) + "  \t"
    return text


def spbleu_sets():
    """(name, hypotheses, [reference streams]) triples built from FLORES devtest sentences."""
    def dt(lang):
        return {r["index_id"]: r["text"] for r in read_flores(lang) if r["split"] == "devtest"}

    rng = random.Random(20240601)
    langs = ["eng_Latn", "spa_Latn", "glg_Latn", "por_Latn", "dan_Latn", "nob_Latn",
             "rus_Cyrl", "ukr_Cyrl", "bel_Cyrl", "hin_Deva", "mai_Deva", "bho_Deva",
             "zho_Hans", "zho_Hant", "yue_Hant", "amh_Ethi", "tir_Ethi", "arb_Arab",
             "ary_Arab", "nqo_Nkoo", "tha_Thai", "jpn_Jpan", "khm_Khmr"]
    data = {lang: dt(lang) for lang in langs}
    ids = sorted(data["eng_Latn"], key=int)
    pick = rng.sample(ids, 24)
    sets = []
    # Real cross-language "translations": a close language scored against another.
    for hyp_lang, ref_lang in [("glg_Latn", "spa_Latn"), ("nob_Latn", "dan_Latn"),
                               ("ukr_Cyrl", "rus_Cyrl"), ("mai_Deva", "hin_Deva"),
                               ("zho_Hant", "zho_Hans"), ("yue_Hant", "zho_Hant"),
                               ("tir_Ethi", "amh_Ethi"), ("ary_Arab", "arb_Arab"),
                               ("por_Latn", "eng_Latn")]:
        sets.append((f"{hyp_lang}->{ref_lang}", [data[hyp_lang][i] for i in pick],
                     [[data[ref_lang][i] for i in pick]]))
    # Perturbed hypotheses against the original, per script.
    for lang in ["eng_Latn", "rus_Cyrl", "hin_Deva", "zho_Hans", "amh_Ethi", "nqo_Nkoo",
                 "tha_Thai", "jpn_Jpan", "khm_Khmr"]:
        hyps = []
        for k, i in enumerate(pick):
            how = ["drop", "swap", "truncate", "typo", "repeat", "spaces", "same"][k % 7]
            hyps.append(perturb(data[lang][i], rng, how))
        sets.append((f"perturbed:{lang}", hyps, [[data[lang][i] for i in pick]]))
    # Identical, empty, and two references.
    sets.append(("identical:eng_Latn", [data["eng_Latn"][i] for i in pick],
                 [[data["eng_Latn"][i] for i in pick]]))
    sets.append(("empty:eng_Latn", ["" for _ in pick], [[data["eng_Latn"][i] for i in pick]]))
    sets.append(("mixed-empty:spa_Latn",
                 ["" if k % 3 == 0 else data["glg_Latn"][i] for k, i in enumerate(pick)],
                 [[data["spa_Latn"][i] for i in pick]]))
    sets.append(("two-refs:glg_Latn", [data["glg_Latn"][i] for i in pick],
                 [[data["spa_Latn"][i] for i in pick], [data["por_Latn"][i] for i in pick]]))
    return sets


def score_record(score, signature=None):
    rec = {"score": score.score, "counts": list(score.counts), "totals": list(score.totals),
           "precisions": list(score.precisions), "bp": score.bp, "sys_len": score.sys_len,
           "ref_len": score.ref_len}
    if signature is not None:
        rec["signature"] = signature
    return rec


def spbleu_fixture():
    # sacrebleu reads ~/.sacrebleu (or $SACREBLEU) when it is imported: point both at a
    # temporary home before the import, so nothing global changes.
    home = tempfile.mkdtemp(prefix="spbleu-home-")
    os.environ["HOME"] = home
    os.environ.pop("SACREBLEU", None)
    assert "sacrebleu" not in sys.modules
    import sacrebleu
    from sacrebleu import utils
    from sacrebleu.metrics import BLEU
    from sacrebleu.tokenizers import tokenizer_spm

    def no_download(url, path):  # there is no internet here; fail loudly, never fetch
        raise RuntimeError(f"sacrebleu tried to download {url} to {path}")

    tokenizer_spm.download_file = no_download
    assert utils.SACREBLEU_DIR == os.path.join(home, ".sacrebleu"), utils.SACREBLEU_DIR

    out = {"sacrebleu_version": sacrebleu.__version__, "sentencepiece_version": spm.__version__,
           "tokenizers": {}}
    sets = spbleu_sets()
    for tok, model_name in SPBLEU_MODELS.items():
        url = tokenizer_spm.SPM_MODELS[tok]["url"]
        model_path = Path(utils.SACREBLEU_DIR) / "models" / os.path.basename(url)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        src = FIXTURES / f"{model_name}.model"
        model_path.write_bytes(src.read_bytes())
        corpus = BLEU(tokenize=tok)
        sentence = BLEU(tokenize=tok, effective_order=True)
        tokenizer = corpus.tokenizer
        sets_out = []
        for name, hyps, refs in sets:
            segs = []
            for k, hyp in enumerate(hyps):
                seg_refs = [r[k] for r in refs]
                s = sentence.sentence_score(hyp, seg_refs)
                segs.append({
                    "hyp": hyp, "refs": seg_refs,
                    # Exactly what BLEU matches n-grams over: _preprocess_segment (rstrip,
                    # then the SentencePiece tokenizer).
                    "hyp_tok": corpus._preprocess_segment(hyp),
                    "refs_tok": [corpus._preprocess_segment(r) for r in seg_refs],
                    "sentence_bleu": score_record(s),
                })
            c = corpus.corpus_score(hyps, refs)
            sets_out.append({"name": name, "segments": segs,
                             "corpus_bleu": score_record(c, str(corpus.get_signature())),
                             "sentence_signature": str(sentence.get_signature())})
        # Sanity: the tokenizer really is our model.
        probe = "Hello world"
        sp = spm.SentencePieceProcessor(model_file=str(src))
        assert tokenizer(probe) == " ".join(sp.encode(probe, out_type=str))
        out["tokenizers"][tok] = {
            "model": src.name,
            "sha256": sha256(model_path),
            "sacrebleu_model_path": str(Path("~/.sacrebleu/models") / os.path.basename(url)),
            "url_in_sacrebleu": url,
            "sets": sets_out,
        }
    return out


LEGACY_MODELS = ["unigram_nfkc", "unigram_bytes", "unigram_nfkc_cf_suffix"]

# Run under the legacy interpreter: encode texts with its sentencepiece.
LEGACY_ENCODER = r"""
import json, sys, sentencepiece as spm
job = json.load(sys.stdin)
sp = spm.SentencePieceProcessor(model_file=job["model"])
out = [[sp.encode(t, out_type=str), sp.encode(t)] for t in job["texts"]]
json.dump({"version": spm.__version__, "out": out}, sys.stdout)
"""


def encode_with(python, model, texts):
    import subprocess
    job = json.dumps({"model": str(model), "texts": texts})
    res = subprocess.run([python, "-c", LEGACY_ENCODER], input=job, capture_output=True,
                         text=True, check=True)
    r = json.loads(res.stdout)
    return r["version"], r["out"]


def case_lines(results):
    """One digestible string for many encodings: per text, "piece<TAB>id" joined by U+001F;
    texts joined by "\n"."""
    return "\n".join("\x1f".join(f"{p}\t{i}" for p, i in zip(pieces, ids))
                     for pieces, ids in results)


def legacy_fixture(python):
    out = {"models": {}}
    for name in LEGACY_MODELS:
        fx = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        short = [c for c in fx["cases"] if "text" in c]
        texts = [c["text"] for c in short]
        version, res = encode_with(python, FIXTURES / f"{name}.model", texts)
        differing = [{"label": c["label"], "text": c["text"], "pieces": p, "ids": i}
                     for c, (p, i) in zip(short, res) if p != c["pieces"] or i != c["ids"]]
        longs = long_inputs(texts)
        _, long_res = encode_with(python, FIXTURES / f"{name}.model", [t for _, t in longs])
        out["sentencepiece_version"] = version
        out["models"][name] = {
            "n_cases": len(short),
            "cases_fnv1a64": fnv1a64(case_lines(res)),
            "differing": differing,
            "long": [{"label": label, "n_pieces": len(p),
                      "pieces_fnv1a64": fnv1a64("\n".join(f"{x}\t{y}" for x, y in zip(p, i)))}
                     for (label, _), (p, i) in zip(longs, long_res)],
        }
    # The spBLEU strings sacrebleu would have produced with that release.
    ref = json.loads((FIXTURES / "spbleu_reference.json").read_text(encoding="utf-8"))
    out["spbleu"] = {}
    for tok, entry in ref["tokenizers"].items():
        segs = [s for st in entry["sets"] for s in st["segments"]]
        texts = [t.rstrip() for s in segs for t in [s["hyp"]] + s["refs"]]
        _, res = encode_with(python, FIXTURES / entry["model"], texts)
        toks = [" ".join(p) for p, _ in res]
        want = [t for s in segs for t in [s["hyp_tok"]] + s["refs_tok"]]
        out["spbleu"][tok] = {
            "n_strings": len(toks), "tokenized_fnv1a64": fnv1a64("\n".join(toks)),
            "differing": [{"text": x, "tokenized": t} for x, t, w in zip(texts, toks, want)
                          if t != w]}
    return out


def dump_nested(obj, depth, indent=0):
    """JSON pretty-printed for `depth` levels of nesting, compact (one line) below that."""
    pad = " " * indent
    if depth == 0 or not isinstance(obj, (dict, list)) or not obj:
        return json.dumps(obj, ensure_ascii=False)
    if isinstance(obj, dict):
        items = [f'{pad} {json.dumps(k, ensure_ascii=False)}: '
                 f'{dump_nested(v, depth - 1, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    items = [f"{pad} {dump_nested(v, depth - 1, indent + 1)}" for v in obj]
    return "[\n" + ",\n".join(items) + f"\n{pad}]"


def dump(obj, list_key):
    """JSON with one element of obj[list_key] per line: compact, yet diffs stay readable."""
    head = {k: v for k, v in obj.items() if k != list_key}
    text = json.dumps(head, ensure_ascii=False)[:-1]
    items = ",\n".join(json.dumps(x, ensure_ascii=False) for x in obj[list_key])
    return f'{text}, "{list_key}": [\n{items}\n]}}\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--retrain", action="store_true", help="train the models anew")
    ap.add_argument("--legacy-python", help="a Python with sentencepiece 0.2.1 installed")
    args = ap.parse_args()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, opts in MODELS.items():
        path = FIXTURES / f"{name}.model"
        if args.retrain or not path.exists():
            print(f"training {name}", file=sys.stderr)
            train(name, opts, FIXTURES)
        fx = segmentation_fixture(name, path)
        (FIXTURES / f"{name}.json").write_text(dump(fx, "cases"), encoding="utf-8")
        print(f"{name}: {path.stat().st_size} bytes, {len(fx['cases'])} cases", file=sys.stderr)
    ref = spbleu_fixture()
    (FIXTURES / "spbleu_reference.json").write_text(
        dump_nested(ref, 6) + "\n", encoding="utf-8")
    if args.legacy_python:
        legacy = legacy_fixture(args.legacy_python)
        (FIXTURES / "legacy_0_2_1.json").write_text(
            dump_nested(legacy, 5) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
