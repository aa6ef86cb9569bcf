//! Tokenizers: `tokenizer.json` through the `tokenizers` crate, or built from GGUF metadata.
//!
//! A GGUF without a `tokenizer.json` beside it carries its vocabulary in metadata. candle's
//! own conversion guesses the pre-tokenizer and gets SmolLM2 wrong (FINDINGS.md); kakugo keys
//! the pre-tokenizer on `tokenizer.ggml.pre`, as llama.cpp does:
//!
//! | `tokenizer.ggml.model` | `tokenizer.ggml.pre` | built as |
//! |---|---|---|
//! | `gpt2` | `smollm` | Digits(individual) + ByteLevel(no prefix space) + BPE |
//! | `gpt2` | `gpt-2`, `default` | ByteLevel + BPE |
//! | `gpt2` | `llama-bpe`, `llama3` | Llama 3's split regex + ByteLevel + BPE (merges ignored for whole-word hits) |
//! | `gpt2` | `qwen2` | Qwen 2's split regex + ByteLevel + BPE |
//! | `llama` | any | SentencePiece-style BPE: spaces → `▁`, merges ranked by the merged piece's score, byte fallback |
//!
//! Control tokens (`token_type` 3) become special added tokens and user-defined ones (4)
//! added tokens, so chat markup such as `<|im_start|>` is one token, as in llama.cpp.
//!
//! BOS follows the model: `tokenizer.ggml.add_bos_token` in a GGUF, `add_bos_token` in
//! `tokenizer_config.json` (falling back to whether the post-processor inserts it).

use std::path::Path;

use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::byte_level::ByteLevel;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::normalizers::{Prepend, Replace};
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, NormalizerWrapper, PreTokenizerWrapper, SplitDelimiterBehavior};

use super::gguf::GgufFile;
use kakugo_core::{Error, Result};

const LLAMA3_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Tokens that end a chat turn in the families kakugo knows, besides the model's EOS.
const END_OF_TURN: &[&str] = &["<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|endoftext|>"];

pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    bos: Option<u32>,
    add_bos: bool,
    /// Tokens that end generation.
    stop_ids: Vec<u32>,
}

impl Tokenizer {
    /// Loads a `tokenizer.json`, reading BOS settings from `tokenizer_config.json` when given.
    pub fn from_file(path: &Path, config: Option<&Path>) -> Result<Tokenizer> {
        let inner = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| Error::file(path, format!("not a readable tokenizer.json: {e}")))?;
        let cfg: serde_json::Value = match config {
            Some(c) => {
                let text = std::fs::read_to_string(c).map_err(|e| Error::io(c, e))?;
                serde_json::from_str(&text)
                    .map_err(|e| Error::parse(c, e.line(), "tokenizer_config", e.to_string()))?
            }
            None => serde_json::Value::Null,
        };
        let token_of = |field: &str| -> Option<u32> {
            let v = cfg.get(field)?;
            let s = v
                .as_str()
                .or_else(|| v.get("content").and_then(|c| c.as_str()))?;
            inner.token_to_id(s)
        };
        let bos = token_of("bos_token")
            .or_else(|| inner.token_to_id("<bos>"))
            .or_else(|| inner.token_to_id("<s>"));
        let add_bos = match cfg.get("add_bos_token").and_then(|v| v.as_bool()) {
            Some(b) => b,
            None => {
                // No config: trust the post-processor (what `encode(text, true)` would add).
                let with = inner.encode("a", true).map(|e| e.get_ids().to_vec());
                let without = inner.encode("a", false).map(|e| e.get_ids().to_vec());
                matches!((with, without, bos), (Ok(w), Ok(wo), Some(b)) if w.len() > wo.len() && w[0] == b)
            }
        };
        let mut stop_ids: Vec<u32> = token_of("eos_token").into_iter().collect();
        Self::add_end_of_turn(&inner, &mut stop_ids);
        Ok(Tokenizer {
            inner,
            bos,
            add_bos,
            stop_ids,
        })
    }

    /// Builds the tokenizer stored in a GGUF file's metadata.
    pub fn from_gguf(gguf: &GgufFile) -> Result<Tokenizer> {
        let model = gguf.string("tokenizer.ggml.model")?;
        let tokens = gguf.string_array("tokenizer.ggml.tokens")?;
        let types = gguf
            .i32_array("tokenizer.ggml.token_type")
            .unwrap_or_else(|_| vec![1; tokens.len()]);
        let vocab: Vocab = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let path = gguf.path();
        let mut inner = match model.as_str() {
            "gpt2" => {
                let pre = gguf.opt_string("tokenizer.ggml.pre")?.unwrap_or_else(|| "default".into());
                let merges = gguf
                    .string_array("tokenizer.ggml.merges")?
                    .into_iter()
                    .map(|m| match m.split_once(' ') {
                        Some((a, b)) => Ok((a.to_string(), b.to_string())),
                        None => Err(Error::file(path, format!("malformed merge `{m}` in tokenizer.ggml.merges"))),
                    })
                    .collect::<Result<Vec<_>>>()?;
                let ignore_merges = matches!(pre.as_str(), "llama-bpe" | "llama3");
                let bpe = BPE::builder()
                    .vocab_and_merges(vocab, merges)
                    .ignore_merges(ignore_merges)
                    .build()
                    .map_err(|e| Error::file(path, format!("building the BPE tokenizer: {e}")))?;
                let mut tok = tokenizers::Tokenizer::new(bpe);
                let byte_level = ByteLevel::new(false, true, true);
                let split = |re: &str| -> Result<PreTokenizerWrapper> {
                    Split::new(SplitPattern::Regex(re.into()), SplitDelimiterBehavior::Isolated, false)
                        .map(Into::into)
                        .map_err(|e| Error::model(format!("pre-tokenizer regex: {e}")))
                };
                let pre_tokenizer: PreTokenizerWrapper = match pre.as_str() {
                    "smollm" => Sequence::new(vec![Digits::new(true).into(), byte_level.into()]).into(),
                    "gpt-2" | "gpt2" | "default" => byte_level.into(),
                    "llama-bpe" | "llama3" => Sequence::new(vec![
                        split(LLAMA3_SPLIT)?,
                        ByteLevel::new(false, true, false).into(),
                    ])
                    .into(),
                    "qwen2" => Sequence::new(vec![
                        split(QWEN2_SPLIT)?,
                        ByteLevel::new(false, true, false).into(),
                    ])
                    .into(),
                    other => {
                        return Err(Error::file(
                            path,
                            format!("unsupported tokenizer.ggml.pre `{other}`: put the model's tokenizer.json beside the GGUF"),
                        ))
                    }
                };
                tok.with_pre_tokenizer(Some(pre_tokenizer));
                tok.with_decoder(Some(ByteLevel::default()));
                tok
            }
            "llama" => {
                let scores = gguf.f32_array("tokenizer.ggml.scores")?;
                let add_space_prefix = gguf.opt_bool("tokenizer.ggml.add_space_prefix")?.unwrap_or(true);
                build_sentencepiece_bpe(&tokens, &scores, &types, add_space_prefix)
                    .map_err(|e| Error::file(path, format!("building the SentencePiece tokenizer: {e}")))?
            }
            other => {
                return Err(Error::file(
                    path,
                    format!("unsupported tokenizer.ggml.model `{other}` (kakugo builds gpt2 and llama tokenizers): put a tokenizer.json beside the GGUF"),
                ))
            }
        };
        let special: Vec<AddedToken> = tokens
            .iter()
            .zip(&types)
            .filter(|(_, &t)| t == 3)
            .map(|(s, _)| AddedToken::from(s.clone(), true))
            .collect();
        let user: Vec<AddedToken> = tokens
            .iter()
            .zip(&types)
            .filter(|(_, &t)| t == 4)
            .map(|(s, _)| AddedToken::from(s.clone(), false))
            .collect();
        inner
            .add_special_tokens(special)
            .map_err(|e| Error::file(path, format!("adding control tokens: {e}")))?;
        inner
            .add_tokens(user)
            .map_err(|e| Error::file(path, format!("adding user-defined tokens: {e}")))?;
        let bos = gguf
            .opt_u64("tokenizer.ggml.bos_token_id")?
            .map(|v| v as u32);
        let add_bos = gguf
            .opt_bool("tokenizer.ggml.add_bos_token")?
            .unwrap_or(model == "llama");
        let mut stop_ids: Vec<u32> = gguf
            .opt_u64("tokenizer.ggml.eos_token_id")?
            .map(|v| v as u32)
            .into_iter()
            .collect();
        Self::add_end_of_turn(&inner, &mut stop_ids);
        Ok(Tokenizer {
            inner,
            bos,
            add_bos,
            stop_ids,
        })
    }

    fn add_end_of_turn(inner: &tokenizers::Tokenizer, stop_ids: &mut Vec<u32>) {
        for t in END_OF_TURN {
            if let Some(id) = inner.token_to_id(t) {
                if !stop_ids.contains(&id) {
                    stop_ids.push(id);
                }
            }
        }
    }

    /// Encodes text without BOS/EOS (special-token markup in the text is still recognised).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        self.inner
            .encode_fast(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| Error::model(format!("tokenizing: {e}")))
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.inner
            .decode(ids, false)
            .map_err(|e| Error::model(format!("detokenizing: {e}")))
    }

    /// The BOS id when the model expects one at the start of every sequence.
    pub fn bos_to_add(&self) -> Option<u32> {
        if self.add_bos {
            self.bos
        } else {
            None
        }
    }

    pub fn bos(&self) -> Option<u32> {
        self.bos
    }

    /// Token ids that end generation (EOS and end-of-turn markers).
    pub fn stop_ids(&self) -> &[u32] {
        &self.stop_ids
    }

    /// Size of the base vocabulary (without added tokens, which may lie beyond the
    /// embedding: Gemma 3's tokenizer.json adds an image token at id 262,144).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(false)
    }

    /// Writes the tokenizer as a `tokenizer.json`.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.inner
            .save(path, false)
            .map_err(|e| Error::file(path, format!("writing tokenizer.json: {e}")))
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }
}

/// SentencePiece BPE as llama.cpp runs it: merge the adjacent pair whose concatenation is the
/// highest-scoring vocabulary piece, until none applies; unknown bytes fall back to `<0xXX>`.
/// Expressed for the `tokenizers` crate as a BPE whose merge ranks follow those scores.
fn build_sentencepiece_bpe(
    tokens: &[String],
    scores: &[f32],
    types: &[i32],
    add_space_prefix: bool,
) -> std::result::Result<tokenizers::Tokenizer, String> {
    let vocab: Vocab = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();
    // Candidate merges: every split of a normal piece into two pieces of the vocabulary,
    // ranked by the merged piece's score (ties: lower id first).
    let mut merges: Vec<(f32, u32, String, String)> = Vec::new();
    for (id, piece) in tokens.iter().enumerate() {
        if types.get(id).copied().unwrap_or(1) != 1 {
            continue;
        }
        let bounds: Vec<usize> = piece.char_indices().map(|(i, _)| i).skip(1).collect();
        for b in bounds {
            let (l, r) = piece.split_at(b);
            if vocab.contains_key(l) && vocab.contains_key(r) {
                merges.push((
                    scores.get(id).copied().unwrap_or(0.0),
                    id as u32,
                    l.into(),
                    r.into(),
                ));
            }
        }
    }
    merges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let merges: Vec<(String, String)> = merges.into_iter().map(|(_, _, l, r)| (l, r)).collect();
    let unk = tokens
        .iter()
        .position(|t| t == "<unk>")
        .map(|_| "<unk>".to_string());
    let mut builder = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .byte_fallback(true)
        .fuse_unk(true);
    if let Some(u) = unk {
        builder = builder.unk_token(u);
    }
    let bpe = builder.build().map_err(|e| e.to_string())?;
    let mut tok = tokenizers::Tokenizer::new(bpe);
    let replace = Replace::new(" ", "▁").map_err(|e| e.to_string())?;
    let normalizer: NormalizerWrapper = if add_space_prefix {
        tokenizers::normalizers::Sequence::new(vec![
            Prepend::new("▁".into()).into(),
            replace.into(),
        ])
        .into()
    } else {
        replace.into()
    };
    tok.with_normalizer(Some(normalizer))
        .map_err(|e| e.to_string())?;
    tok.with_decoder(Some(DecoderSequence::new(vec![
        Replace::new("▁", " ").map_err(|e| e.to_string())?.into(),
        ByteFallback::new().into(),
        Fuse::new().into(),
    ])));
    Ok(tok)
}
