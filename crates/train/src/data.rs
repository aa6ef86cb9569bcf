//! SFT data: JSONL in the PolyglotTeachers-SFT schema or plain `{"messages": [...]}`, rendered
//! with the model's chat template, tokenised with a mask of the assistant tokens, split into
//! train/validation, and packed into micro-batches.
//!
//! A PolyglotTeachers-SFT row (`id, source, language, strategy, source_id, synth_prompt, model,
//! prompt, response, messages`) trains on its `messages` when present and non-empty, else on
//! `prompt` → `response` as one user/assistant exchange.
//!
//! **Which tokens carry the loss.** For each assistant message `i`, the conversation is
//! rendered up to `i - 1` with the generation prompt, and up to `i` without it; the
//! difference is the assistant's text plus the template's end-of-turn markup (`<|im_end|>`,
//! `<end_of_turn>`), so the model also learns to stop. The text is tokenised piece by piece
//! at those boundaries (they fall on special tokens or newlines, where tokenisers do not merge
//! across), and only assistant pieces are scored. A template whose longer render does not
//! extend the shorter one cannot be split this way and is reported as an error.

use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::forward::Packed;
use kakugo_core::{Error, Result};
use kakugo_model::chat_template::ChatTemplate;
use kakugo_model::tokenizer::Tokenizer;
use kakugo_model::Message;

/// One line of an SFT file; field names as the PolyglotTeachers-SFT schema spells them.
#[derive(Debug, Clone, Deserialize)]
struct SftRecord {
    id: Option<serde_json::Value>,
    prompt: Option<String>,
    response: Option<String>,
    messages: Option<Vec<Message>>,
}

/// One conversation and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SftExample {
    pub id: String,
    pub line: usize,
    pub messages: Vec<Message>,
}

/// Reads an SFT JSONL file. Every conversation must contain an assistant turn with text.
pub fn read_sft(path: &Path) -> Result<Vec<SftExample>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let rec: SftRecord = serde_json::from_str(line)
            .map_err(|e| Error::parse(path, line_no, json_field(&e), e.to_string()))?;
        let messages = match (rec.messages, rec.prompt, rec.response) {
            (Some(m), _, _) if !m.is_empty() => m,
            (_, Some(p), Some(r)) => vec![Message::new("user", p), Message::new("assistant", r)],
            _ => return Err(Error::parse(
                path,
                line_no,
                "messages",
                "no conversation: expected a non-empty `messages` list, or `prompt` and `response`",
            )),
        };
        for (j, m) in messages.iter().enumerate() {
            if !["system", "user", "assistant"].contains(&m.role.as_str()) {
                return Err(Error::parse(
                    path,
                    line_no,
                    format!("messages[{j}].role"),
                    format!(
                        "unknown role `{}` (expected system, user or assistant)",
                        m.role
                    ),
                ));
            }
        }
        if !messages
            .iter()
            .any(|m| m.role == "assistant" && !m.content.is_empty())
        {
            return Err(Error::parse(
                path,
                line_no,
                "messages",
                "no assistant turn: nothing to train on (every example needs a non-empty assistant message)",
            ));
        }
        let id = match rec.id {
            Some(serde_json::Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => format!("line{line_no}"),
        };
        out.push(SftExample {
            id,
            line: line_no,
            messages,
        });
    }
    if out.is_empty() {
        return Err(Error::file(path, "no SFT examples (the file is empty)"));
    }
    Ok(out)
}

fn json_field(e: &serde_json::Error) -> &'static str {
    if e.to_string().contains("role") || e.to_string().contains("content") {
        "messages"
    } else {
        "json"
    }
}

/// What to do with an example longer than `--max-len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TooLong {
    /// Keep the first `max_len` tokens (dropped if no assistant token survives).
    Truncate,
    /// Leave the example out.
    Drop,
}

/// A tokenised example: `loss[t]` says whether token `t` is an assistant token (predicted from
/// position `t - 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub id: String,
    pub line: usize,
    pub tokens: Vec<u32>,
    pub loss: Vec<bool>,
}

impl Encoded {
    /// Number of tokens that carry the loss.
    pub fn loss_tokens(&self) -> usize {
        self.loss.iter().skip(1).filter(|&&b| b).count()
    }
}

/// Counts of what encoding changed, for the log and the lineage record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodeStats {
    pub examples: usize,
    pub truncated: usize,
    pub dropped: usize,
    pub tokens: usize,
    pub loss_tokens: usize,
}

/// Renders and tokenises every example.
pub fn encode_all(
    path: &Path,
    examples: &[SftExample],
    tokenizer: &Tokenizer,
    template: &ChatTemplate,
    max_len: usize,
    too_long: TooLong,
) -> Result<(Vec<Encoded>, EncodeStats)> {
    let mut out = Vec::with_capacity(examples.len());
    let mut stats = EncodeStats::default();
    for ex in examples {
        let mut enc = encode_one(path, ex, tokenizer, template)?;
        if enc.tokens.len() > max_len {
            match too_long {
                TooLong::Drop => {
                    stats.dropped += 1;
                    tracing::debug!(id = %ex.id, line = ex.line, tokens = enc.tokens.len(), "dropped: longer than --max-len");
                    continue;
                }
                TooLong::Truncate => {
                    enc.tokens.truncate(max_len);
                    enc.loss.truncate(max_len);
                    if enc.loss_tokens() == 0 {
                        stats.dropped += 1;
                        continue;
                    }
                    stats.truncated += 1;
                }
            }
        }
        stats.tokens += enc.tokens.len();
        stats.loss_tokens += enc.loss_tokens();
        out.push(enc);
    }
    stats.examples = out.len();
    if out.is_empty() {
        return Err(Error::file(
            path,
            format!(
                "no example left to train on ({} dropped as longer than --max-len {max_len})",
                stats.dropped
            ),
        ));
    }
    Ok((out, stats))
}

/// Renders one conversation and marks its assistant tokens.
pub fn encode_one(
    path: &Path,
    ex: &SftExample,
    tokenizer: &Tokenizer,
    template: &ChatTemplate,
) -> Result<Encoded> {
    let at = |e: Error| Error::parse(path, ex.line, "messages", e.to_string());
    // Pieces of the rendered text with whether they are assistant output.
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut done = String::new();
    for (i, m) in ex.messages.iter().enumerate() {
        if m.role != "assistant" {
            continue;
        }
        let before = template.render(&ex.messages[..i], true).map_err(at)?;
        let after = template.render(&ex.messages[..=i], false).map_err(at)?;
        let (Some(prompt), Some(answer)) = (
            before.strip_prefix(done.as_str()),
            after.strip_prefix(before.as_str()),
        ) else {
            return Err(Error::parse(
                path,
                ex.line,
                format!("messages[{i}]"),
                "the chat template's rendering of this conversation is not incremental (a longer conversation does not extend the shorter one), so assistant tokens cannot be located",
            ));
        };
        pieces.push((prompt.to_string(), false));
        pieces.push((answer.to_string(), true));
        done = after;
    }
    let full = template.render(&ex.messages, false).map_err(at)?;
    if let Some(rest) = full.strip_prefix(done.as_str()) {
        pieces.push((rest.to_string(), false));
    }
    let mut tokens = Vec::new();
    let mut loss = Vec::new();
    // Templates that write `{{ bos_token }}` themselves (Gemma) must not get a second BOS.
    if let Some(bos) = tokenizer.bos_to_add() {
        let bos_text = tokenizer.decode(&[bos])?;
        if bos_text.is_empty() || !full.starts_with(&bos_text) {
            tokens.push(bos);
            loss.push(false);
        }
    }
    for (text, is_answer) in pieces {
        if text.is_empty() {
            continue;
        }
        let ids = tokenizer.encode(&text)?;
        loss.extend(std::iter::repeat_n(is_answer, ids.len()));
        tokens.extend(ids);
    }
    Ok(Encoded {
        id: ex.id.clone(),
        line: ex.line,
        tokens,
        loss,
    })
}

/// Splits examples into (train, validation) with a seeded shuffle. At least one validation
/// example when `val_frac > 0` and there are two or more examples.
pub fn split<T>(mut all: Vec<T>, val_frac: f64, seed: u64) -> (Vec<T>, Vec<T>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5a11);
    all.shuffle(&mut rng);
    let n_val = if val_frac > 0.0 && all.len() >= 2 {
        ((all.len() as f64 * val_frac).round() as usize).clamp(1, all.len() - 1)
    } else {
        0
    };
    let train = all.split_off(n_val);
    (train, all)
}

/// One micro-batch: a packed sequence and, per row of its hidden states that predicts an
/// assistant token, the row index and the target token.
#[derive(Debug, Clone)]
pub struct MicroBatch {
    pub packed: Packed,
    pub rows: Vec<u32>,
    pub targets: Vec<u32>,
}

/// Packs examples (in the given order) into micro-batches of at most `batch_tokens` tokens; an
/// example longer than that gets a micro-batch of its own.
pub fn pack(examples: &[&Encoded], batch_tokens: usize) -> Vec<MicroBatch> {
    let mut out = Vec::new();
    let mut cur = MicroBatch {
        packed: Packed {
            tokens: Vec::new(),
            segments: Vec::new(),
        },
        rows: Vec::new(),
        targets: Vec::new(),
    };
    for ex in examples {
        if !cur.packed.tokens.is_empty() && cur.packed.tokens.len() + ex.tokens.len() > batch_tokens
        {
            out.push(std::mem::replace(
                &mut cur,
                MicroBatch {
                    packed: Packed {
                        tokens: Vec::new(),
                        segments: Vec::new(),
                    },
                    rows: Vec::new(),
                    targets: Vec::new(),
                },
            ));
        }
        let start = cur.packed.tokens.len();
        for t in 1..ex.tokens.len() {
            if ex.loss[t] {
                cur.rows.push((start + t - 1) as u32);
                cur.targets.push(ex.tokens[t]);
            }
        }
        cur.packed.tokens.extend_from_slice(&ex.tokens);
        cur.packed.segments.push((start, ex.tokens.len()));
    }
    if !cur.packed.tokens.is_empty() {
        out.push(cur);
    }
    out
}

/// The whole run's schedule: `steps[s]` lists the micro-batches accumulated into step `s`.
/// Epoch `e` visits the training examples in a ChaCha8 shuffle seeded by `(seed, e)`, so the
/// schedule is a pure function of the data and the seed — which is what lets a resumed run
/// continue exactly from a step number.
pub fn schedule(
    train: &[Encoded],
    epochs: usize,
    batch_tokens: usize,
    grad_accum: usize,
    seed: u64,
) -> Vec<Vec<MicroBatch>> {
    let mut steps = Vec::new();
    for epoch in 0..epochs {
        let mut order: Vec<&Encoded> = train.iter().collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(epoch as u64 * 0x9e37_79b9));
        order.shuffle(&mut rng);
        let micro = pack(&order, batch_tokens);
        for group in micro.chunks(grad_accum.max(1)) {
            steps.push(group.to_vec());
        }
    }
    steps
}

/// sha256 of the data file, and of its manifest (`<file>.manifest.json` or `manifest.json`
/// beside it) when there is one.
pub fn data_identity(path: &Path) -> Result<(String, Option<PathBuf>, Option<serde_json::Value>)> {
    let sha = kakugo_core::store::hash::sha256_file(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for cand in [
        dir.join(format!("{name}.manifest.json")),
        dir.join("manifest.json"),
    ] {
        if cand.is_file() {
            let text = std::fs::read_to_string(&cand).map_err(|e| Error::io(&cand, e))?;
            let json = serde_json::from_str(&text)
                .map_err(|e| Error::parse(&cand, e.line(), "manifest", e.to_string()))?;
            return Ok((sha, Some(cand), Some(json)));
        }
    }
    Ok((sha, None, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(n: usize, loss_from: usize) -> Encoded {
        Encoded {
            id: format!("e{n}"),
            line: 1,
            tokens: (0..n as u32).collect(),
            loss: (0..n).map(|t| t >= loss_from).collect(),
        }
    }

    #[test]
    fn packing_keeps_examples_whole_and_targets_aligned() {
        let a = enc(5, 3);
        let b = enc(4, 1);
        let c = enc(6, 5);
        let mb = pack(&[&a, &b, &c], 10);
        assert_eq!(mb.len(), 2);
        assert_eq!(mb[0].packed.segments, vec![(0, 5), (5, 4)]);
        // a: tokens 3,4 predicted from rows 2,3; b: tokens 1,2,3 from rows 5,6,7.
        assert_eq!(mb[0].rows, vec![2, 3, 5, 6, 7]);
        assert_eq!(mb[0].targets, vec![3, 4, 1, 2, 3]);
        assert_eq!(mb[1].rows, vec![4]);
        assert_eq!(mb[1].targets, vec![5]);
    }

    #[test]
    fn split_is_seeded_and_keeps_one_for_validation() {
        let all: Vec<Encoded> = (2..12).map(|n| enc(n, 1)).collect();
        let (t1, v1) = split(all.clone(), 0.05, 3);
        let (t2, v2) = split(all, 0.05, 3);
        assert_eq!(v1.len(), 1);
        assert_eq!(t1.len(), 9);
        assert_eq!((t1, v1), (t2, v2));
    }

    #[test]
    fn example_without_assistant_turn_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sft.jsonl");
        std::fs::write(
            &p,
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]}\n{\"messages\":[{\"role\":\"user\",\"content\":\"only a question\"}]}\n",
        )
        .unwrap();
        let err = read_sft(&p).unwrap_err().to_string();
        assert!(err.contains("sft.jsonl: line 2: field `messages`"), "{err}");
        assert!(err.contains("no assistant turn"), "{err}");
    }

    #[test]
    fn polyglot_schema_uses_prompt_and_response() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pt.jsonl");
        std::fs::write(&p, "{\"id\":\"x1\",\"source\":\"s\",\"language\":\"kaz_Cyrl\",\"strategy\":\"generate\",\"source_id\":null,\"synth_prompt\":\"…\",\"model\":\"t\",\"prompt\":\"Сәлем\",\"response\":\"Қалың қалай?\",\"messages\":[]}\n").unwrap();
        let ex = read_sft(&p).unwrap();
        assert_eq!(ex[0].id, "x1");
        assert_eq!(
            ex[0].messages,
            vec![
                Message::new("user", "Сәлем"),
                Message::new("assistant", "Қалың қалай?")
            ]
        );
    }
}
