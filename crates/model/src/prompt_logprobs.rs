//! Scoring a continuation from a server's prompt log-probabilities.
//!
//! An OpenAI-compatible server scores text it is given when asked to echo the prompt with
//! log-probabilities: `POST /completions` with `prompt = context + continuation`, `echo: true`,
//! `logprobs: 1`, `max_tokens: 1` (llama-cpp-python reads `max_tokens: 0` as "no limit", so
//! one token is generated and ignored), temperature 0. Two response shapes carry them:
//!
//! - **OpenAI's** `choices[0].logprobs = {tokens, token_logprobs, text_offset, top_logprobs}`,
//!   one entry per prompt token (the first has a null log-probability: nothing predicts it)
//!   followed by the generated token. vLLM, llama-cpp-python and OpenAI's legacy models answer
//!   this way. A server that prepends BOS may echo it as the first token and count its text
//!   (`<s>`) in the offsets (vLLM does): when the first token is not the start of the prompt,
//!   offsets are taken relative to the second.
//! - **vLLM's** `choices[0].prompt_logprobs`: per prompt token `null` (the first) or a map
//!   `{"<token id>": {"logprob", "rank", "decoded_token"}}` holding the prompt token and the
//!   top-k. With k = 1 (what we ask) the prompt token is the entry of larger rank (or the only
//!   one); it is greedy when its rank is 1. There are no offsets: token starts are counted back
//!   from the end of the prompt by the decoded tokens' lengths. Used when `logprobs` is absent.
//!
//! ## Where the continuation starts
//! The server tokenizes, so kakugo cannot split token ids at the context's own token length as
//! lm-evaluation-harness does with a local tokenizer (its `local-completions` sends token ids;
//! a remote model here has no tokenizer on this side). It splits by characters instead:
//! offsets are characters of the prompt, and the continuation's tokens are those that start at
//! or after the end of the context — after trailing whitespace has moved to the continuation
//! ([`super::move_trailing_whitespace`]), which is where byte-level BPE and SentencePiece
//! tokenizers put a token boundary, so the split normally equals lm-eval's (the 70 SIB-200
//! pairs of `tests/eval_http.rs` get the in-process token counts). If a token does span the
//! boundary, it is counted in the continuation: it holds continuation text and is predicted
//! from the context alone (lm-eval's own split is ill-defined there: it may give the
//! continuation no token at all).
//!
//! ## What cannot be scored
//! A response without either shape, a continuation token without a log-probability (an empty
//! context: the first token has none), or entries that do not line up is [`Unscorable::Missing`]
//! with a description; the caller turns it into "cannot score multiple choice". `is_greedy`
//! needs the top log-probabilities; a server that sends none gets `is_greedy = false`, and
//! [`Scored::greedy_known`] says so.

use std::collections::HashMap;

use serde::Deserialize;

use super::Loglikelihood;

/// Why a response could not be scored.
#[derive(Debug, Clone, PartialEq)]
pub enum Unscorable {
    /// Not a completion object at all (cut off mid-body, garbage): worth retrying.
    NotJson(String),
    /// A completion, but without usable prompt log-probabilities: retrying cannot help.
    Missing(String),
}

/// The score of one continuation and whether `is_greedy` could be decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub score: Loglikelihood,
    /// False when the server sent no top log-probabilities for some continuation token, so
    /// `score.is_greedy` is false for want of evidence.
    pub greedy_known: bool,
}

#[derive(Deserialize)]
struct Body {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    logprobs: Option<EchoLogprobs>,
    prompt_logprobs: Option<Vec<Option<HashMap<String, PromptLogprob>>>>,
}

#[derive(Deserialize)]
struct EchoLogprobs {
    tokens: Option<Vec<String>>,
    token_logprobs: Option<Vec<Option<f64>>>,
    text_offset: Option<Vec<usize>>,
    top_logprobs: Option<Vec<Option<HashMap<String, f64>>>>,
}

#[derive(Deserialize)]
struct PromptLogprob {
    logprob: f64,
    rank: Option<u64>,
    decoded_token: Option<String>,
}

/// One prompt token as the server scored it.
#[derive(Debug, Clone, PartialEq)]
struct PromptToken {
    /// Character offset of the token's start in the prompt.
    start: usize,
    logprob: Option<f64>,
    /// Whether it is the argmax at its position; `None` when the server did not say.
    greedy: Option<bool>,
}

/// The request body that asks for prompt log-probabilities of `context + continuation`.
pub fn request_body(model: &str, context: &str, continuation: &str) -> serde_json::Value {
    serde_json::json!({
        "model": model,
        "prompt": format!("{context}{continuation}"),
        "max_tokens": 1,
        "temperature": 0.0,
        "echo": true,
        "logprobs": 1,
    })
}

/// Scores `continuation` after `context` (whitespace already moved, as sent by
/// [`request_body`]) from a `/completions` response body.
pub fn score(body: &str, context: &str, continuation: &str) -> Result<Scored, Unscorable> {
    let parsed: Body = serde_json::from_str(body)
        .map_err(|e| Unscorable::NotJson(format!("response is not a completion object ({e})")))?;
    let choice = parsed
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| Unscorable::Missing("the response has no choices".into()))?;
    let prompt = format!("{context}{continuation}");
    let prompt_chars = prompt.chars().count();
    let tokens = match (choice.logprobs, choice.prompt_logprobs) {
        (Some(echo), _) if echo.tokens.is_some() => from_echo(echo, &prompt, prompt_chars)?,
        (_, Some(entries)) => from_prompt_logprobs(entries, prompt_chars)?,
        (Some(_), None) => {
            return Err(Unscorable::Missing(
                "`logprobs` has no `tokens`: log-probabilities of generated tokens only, none for the prompt".into(),
            ))
        }
        (None, None) => {
            return Err(Unscorable::Missing(
                "the completion has neither `logprobs` nor `prompt_logprobs`: the server ignored `echo` + `logprobs`".into(),
            ))
        }
    };
    split(&tokens, context.chars().count())
}

/// Prompt tokens from OpenAI's shape (generated tokens and an echoed BOS left out).
fn from_echo(
    echo: EchoLogprobs,
    prompt: &str,
    prompt_chars: usize,
) -> Result<Vec<PromptToken>, Unscorable> {
    let missing = |what: &str| Unscorable::Missing(format!("`logprobs` has no `{what}`"));
    let tokens = echo.tokens.ok_or_else(|| missing("tokens"))?;
    let logprobs = echo
        .token_logprobs
        .ok_or_else(|| missing("token_logprobs"))?;
    let offsets = echo.text_offset.ok_or_else(|| missing("text_offset"))?;
    let n = tokens.len();
    if logprobs.len() != n
        || offsets.len() != n
        || echo.top_logprobs.as_ref().is_some_and(|t| t.len() != n)
    {
        return Err(Unscorable::Missing(format!(
            "`logprobs` lists do not line up ({n} tokens, {} log-probabilities, {} offsets)",
            logprobs.len(),
            offsets.len()
        )));
    }
    let shift = match tokens.first() {
        Some(first) if n > 1 && !prompt.starts_with(first.as_str()) => offsets[1],
        _ => 0,
    };
    let mut out = Vec::new();
    for i in 0..n {
        let Some(start) = offsets[i].checked_sub(shift) else {
            continue; // the echoed BOS
        };
        if start >= prompt_chars {
            break; // generated
        }
        let top = echo.top_logprobs.as_ref().and_then(|t| t[i].as_ref());
        let greedy = match (logprobs[i], top) {
            // As lm-eval: greedy when no top alternative beats the token's own log-probability.
            (Some(lp), Some(top)) => Some(top.values().all(|&v| v <= lp)),
            _ => None,
        };
        out.push(PromptToken {
            start,
            logprob: logprobs[i],
            greedy,
        });
    }
    if out.is_empty() {
        return Err(Unscorable::Missing(
            "`logprobs` covers generated tokens only, none of the prompt".into(),
        ));
    }
    Ok(out)
}

/// Prompt tokens from vLLM's `prompt_logprobs`.
fn from_prompt_logprobs(
    entries: Vec<Option<HashMap<String, PromptLogprob>>>,
    prompt_chars: usize,
) -> Result<Vec<PromptToken>, Unscorable> {
    let mut out = Vec::with_capacity(entries.len());
    // Walk back from the end of the prompt: only the first token (never scored) lacks a text.
    let mut end = prompt_chars;
    for (i, entry) in entries.into_iter().enumerate().rev() {
        let Some(map) = entry else {
            out.push(PromptToken {
                start: if i == 0 { 0 } else { end },
                logprob: None,
                greedy: None,
            });
            continue;
        };
        let own = match map.len() {
            1 => map.into_values().next(),
            // The prompt token and the top-1: the prompt token is the one ranked lower.
            2 => map.into_values().max_by_key(|p| p.rank.unwrap_or(0)),
            k => {
                return Err(Unscorable::Missing(format!(
                    "`prompt_logprobs` entry {i} has {k} candidates: cannot tell the prompt token from the top-k (ask for at most 1)"
                )))
            }
        }
        .expect("one or two entries");
        let text = own.decoded_token.ok_or_else(|| {
            Unscorable::Missing(format!(
                "`prompt_logprobs` entry {i} has no `decoded_token`"
            ))
        })?;
        end = end.saturating_sub(text.chars().count());
        out.push(PromptToken {
            start: end,
            logprob: Some(own.logprob),
            greedy: own.rank.map(|r| r == 1),
        });
    }
    out.reverse();
    Ok(out)
}

/// The continuation's tokens: those starting at or after `boundary` characters, plus a token
/// that spans the boundary (see the module docs).
fn split(tokens: &[PromptToken], boundary: usize) -> Result<Scored, Unscorable> {
    let mut first = tokens
        .iter()
        .position(|t| t.start >= boundary)
        .unwrap_or(tokens.len());
    let starts_exactly = tokens.get(first).is_some_and(|t| t.start == boundary);
    if first > 0 && !starts_exactly {
        first -= 1;
    }
    let cont = &tokens[first..];
    if cont.is_empty() {
        return Err(Unscorable::Missing(
            "no prompt token covers the continuation".into(),
        ));
    }
    let mut token_logprobs = Vec::with_capacity(cont.len());
    for (k, t) in cont.iter().enumerate() {
        let lp = t.logprob.ok_or_else(|| {
            Unscorable::Missing(format!(
                "continuation token {k} (prompt token {}) has no log-probability{}",
                first + k,
                if first + k == 0 {
                    " (an empty context: the first prompt token is never scored)"
                } else {
                    ""
                }
            ))
        })?;
        token_logprobs.push(lp);
    }
    let greedy_known = cont.iter().all(|t| t.greedy.is_some());
    Ok(Scored {
        score: Loglikelihood {
            logprob: token_logprobs.iter().sum(),
            n_tokens: cont.len(),
            is_greedy: cont.iter().all(|t| t.greedy == Some(true)),
            token_ids: Vec::new(),
            token_logprobs,
            truncated_tokens: 0,
        },
        greedy_known,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// llama-cpp-python 0.3.36 (aligned by scripts/llama_server_main.py), SmolLM2, prompt
    /// "Topic: science": no BOS echoed, the generated token (",") last.
    const LLAMA_CPP: &str = r#"{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"text":"Topic: science,","index":0,"logprobs":{"text_offset":[0,5,6,14],"token_logprobs":[null,-6.2757463455200195,-9.604292869567871,-0.8739509582519531],"tokens":["Topic",":"," science",","],"top_logprobs":[null,{"-":-0.9826173782348633,":":-6.2757463455200195},{"\n":-1.6194555759429932," science":-9.604292869567871},{",":-0.8739509582519531}]},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#;

    /// vLLM's shape for a Llama tokenizer: BOS echoed as `<s>` and counted in the offsets,
    /// `prompt_logprobs` beside `logprobs` (vLLM fills both for echo + logprobs).
    const VLLM: &str = r#"{"id":"cmpl-2","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"Topic: science and","logprobs":{"text_offset":[0,3,8,9,17],"token_logprobs":[null,-7.5,-2.25,-3.0,-0.5],"tokens":["<s>","Topic",":"," science"," and"],"top_logprobs":[null,{"Topic":-7.5,"The":-2.0},{":":-2.25},{" science":-3.0," the":-1.5},{" and":-0.5}]},"finish_reason":"length","stop_reason":null,"prompt_logprobs":[null,{"7":{"logprob":-7.5,"rank":40,"decoded_token":"Topic"},"1":{"logprob":-2.0,"rank":1,"decoded_token":"The"}},{"29":{"logprob":-2.25,"rank":1,"decoded_token":":"}},{"301":{"logprob":-3.0,"rank":4,"decoded_token":" science"},"278":{"logprob":-1.5,"rank":1,"decoded_token":" the"}}]}],"usage":{"prompt_tokens":4,"total_tokens":5,"completion_tokens":1}}"#;

    #[test]
    fn scores_llama_cpp_echo() {
        let s = score(LLAMA_CPP, "Topic:", " science").unwrap();
        assert_eq!(s.score.n_tokens, 1);
        assert_eq!(s.score.logprob, -9.604292869567871);
        assert!(!s.score.is_greedy && s.greedy_known);
        // Both prompt tokens after the first; ":" is not greedy ("-" beats it).
        let s = score(LLAMA_CPP, "Topic", ": science").unwrap();
        assert_eq!(
            s.score.token_logprobs,
            vec![-6.2757463455200195, -9.604292869567871]
        );
        assert!(!s.score.is_greedy);
    }

    #[test]
    fn scores_vllm_echo_with_bos_in_the_offsets() {
        let s = score(VLLM, "Topic:", " science").unwrap();
        assert_eq!((s.score.n_tokens, s.score.logprob), (1, -3.0));
        assert!(!s.score.is_greedy);
        let s = score(VLLM, "Topic", ": science").unwrap();
        assert_eq!(s.score.token_logprobs, vec![-2.25, -3.0]);
    }

    #[test]
    fn scores_vllm_prompt_logprobs_alone() {
        // The same response without OpenAI's object: the vLLM list is used.
        let mut v: serde_json::Value = serde_json::from_str(VLLM).unwrap();
        v["choices"][0]["logprobs"] = serde_json::Value::Null;
        let body = v.to_string();
        let s = score(&body, "Topic:", " science").unwrap();
        assert_eq!((s.score.n_tokens, s.score.logprob), (1, -3.0));
        assert!(!s.score.is_greedy && s.greedy_known);
        let s = score(&body, "Topic", ": science").unwrap();
        assert_eq!(s.score.token_logprobs, vec![-2.25, -3.0]);
        assert!(!s.score.is_greedy);
        // ":" alone is greedy (rank 1).
        let greedy_colon = r#"{"choices":[{"prompt_logprobs":[null,{"29":{"logprob":-2.25,"rank":1,"decoded_token":":"}}]}]}"#;
        let s = score(greedy_colon, "Topic", ":").unwrap();
        assert!(s.score.is_greedy);
    }

    #[test]
    fn a_token_across_the_boundary_belongs_to_the_continuation() {
        // "ab" + "cd" tokenized as "a" | "bc" | "d": "bc" holds continuation text.
        let body = r#"{"choices":[{"logprobs":{"tokens":["a","bc","d"],"token_logprobs":[null,-1.0,-2.0],"text_offset":[0,1,3],"top_logprobs":null}}]}"#;
        let s = score(body, "ab", "cd").unwrap();
        assert_eq!(s.score.token_logprobs, vec![-1.0, -2.0]);
        assert!(!s.greedy_known && !s.score.is_greedy);
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        // "Тақырып:" is 8 characters, 15 bytes.
        let body = r#"{"choices":[{"logprobs":{"tokens":["Тақ","ырып",":"," ғылым","."],"token_logprobs":[null,-1.0,-0.5,-4.0,-0.1],"text_offset":[0,3,7,8,14],"top_logprobs":[null,{"x":-0.5},{":":-0.5},{" ғылым":-4.0},{".":-0.1}]}}]}"#;
        let s = score(body, "Тақырып:", " ғылым").unwrap();
        assert_eq!(s.score.token_logprobs, vec![-4.0]);
        assert!(s.score.is_greedy);
    }

    #[test]
    fn responses_without_prompt_logprobs_are_missing_not_retried() {
        let plain = r#"{"choices":[{"text":"Topic: science,","finish_reason":"length"}]}"#;
        let generated_only = r#"{"choices":[{"text":",","logprobs":{"tokens":[","],"token_logprobs":[-0.9],"text_offset":[14],"top_logprobs":[{",":-0.9}]}}]}"#;
        let no_tokens =
            r#"{"choices":[{"text":",","logprobs":{"content":[{"token":",","logprob":-0.9}]}}]}"#;
        for body in [plain, generated_only, no_tokens, r#"{"choices":[]}"#] {
            match score(body, "Topic:", " science") {
                Err(Unscorable::Missing(m)) => assert!(!m.is_empty()),
                other => panic!("{body}: {other:?}"),
            }
        }
        // The first prompt token has no log-probability: an empty context cannot be scored.
        assert!(matches!(
            score(LLAMA_CPP, "", "Topic: science"),
            Err(Unscorable::Missing(m)) if m.contains("empty context")
        ));
        assert!(matches!(
            score(&LLAMA_CPP[..60], "Topic:", " science"),
            Err(Unscorable::NotJson(_))
        ));
    }
}
