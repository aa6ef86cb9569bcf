//! What a run record says about the model that produced it: identity (weights and tokenizer
//! hashes), where it ran ([`Backend`], device), and how its log-likelihoods were computed
//! ([`Scoring`]). The scoring method is part of every response-cache key, so a fast-mode or
//! server answer never stands in for an exact one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// In-process, kakugo's own decoders on candle tensors.
    Candle,
    /// An OpenAI-compatible server (vLLM, llama.cpp, TGI, a hosted API).
    Openai,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Candle => "candle",
            Backend::Openai => "openai",
        })
    }
}

/// How log-likelihoods were computed. Records write it as a short stable token (absent for
/// [`Scoring::Exact`], so exact records keep the bytes they had before the field existed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scoring {
    /// f32 in-process with batch-invariant kernels: agrees with transformers to ~1e-5 nats.
    #[default]
    Exact,
    /// bf16 products with f32 accumulation on AMX tiles.
    Bf16Amx,
    /// bf16 products with f32 accumulation in AVX-512 BF16 dot products (`vdpbf16ps`).
    Bf16Avx512,
    /// bf16-rounded operands, f32 FMA products and accumulation (no bf16 hardware).
    Bf16Fma,
    /// int8 products (weights quantised per block, activations per row), i32 accumulation.
    Int8,
    /// A server's prompt log-probabilities (`echo` + `logprobs`, or vLLM's `prompt_logprobs`):
    /// exact only as far as the server's arithmetic is.
    ServerPromptLogprobs,
}

impl Scoring {
    /// The token records and cache keys use.
    pub fn token(self) -> &'static str {
        match self {
            Scoring::Exact => "exact",
            Scoring::Bf16Amx => "bf16-amx",
            Scoring::Bf16Avx512 => "bf16-avx512",
            Scoring::Bf16Fma => "bf16-fma",
            Scoring::Int8 => "int8",
            Scoring::ServerPromptLogprobs => "server-prompt-logprobs",
        }
    }

    /// What a reader of a report is told.
    pub fn description(self) -> &'static str {
        match self {
            Scoring::Exact => "exact f32",
            Scoring::Bf16Amx => "bf16 products, f32 accumulation (AMX tiles)",
            Scoring::Bf16Avx512 => "bf16 products, f32 accumulation (AVX-512 BF16)",
            Scoring::Bf16Fma => "bf16 operands, f32 products and accumulation (FMA)",
            Scoring::Int8 => "int8 products, i32 accumulation",
            Scoring::ServerPromptLogprobs => "the server's prompt log-probabilities",
        }
    }

    pub fn is_exact(&self) -> bool {
        *self == Scoring::Exact
    }

    const ALL: [Scoring; 6] = [
        Scoring::Exact,
        Scoring::Bf16Amx,
        Scoring::Bf16Avx512,
        Scoring::Bf16Fma,
        Scoring::Int8,
        Scoring::ServerPromptLogprobs,
    ];
}

impl fmt::Display for Scoring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

impl FromStr for Scoring {
    type Err = String;
    fn from_str(s: &str) -> Result<Scoring, String> {
        if let Some(v) = Scoring::ALL.into_iter().find(|v| v.token() == s) {
            return Ok(v);
        }
        // Records written before the field was typed held prose.
        match s {
            "" => Ok(Scoring::Exact),
            "bf16 products, f32 accumulation (AMX tiles)" => Ok(Scoring::Bf16Amx),
            "bf16 products, f32 accumulation (f32 FMA)" => Ok(Scoring::Bf16Fma),
            p if p.starts_with("server prompt log-probabilities") => {
                Ok(Scoring::ServerPromptLogprobs)
            }
            other => Err(format!("unknown scoring method `{other}`")),
        }
    }
}

impl Serialize for Scoring {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.token())
    }
}

impl<'de> Deserialize<'de> for Scoring {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scoring, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What a run record says about the model that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Display name (a preset name, a file stem, or `ORG/NAME`).
    pub name: String,
    /// How the user named it (path, `hf:ORG/NAME@REV`, preset).
    pub spec: String,
    /// sha256 of the weights (for sharded checkpoints, of the sorted list of shard hashes);
    /// for remote models, the endpoint and model id instead.
    pub sha256: String,
    /// sha256 of the tokenizer file, or of the GGUF when the tokenizer comes from its metadata.
    pub tokenizer_sha256: String,
    pub backend: Backend,
    /// `cpu`, `cuda:0`, or the remote endpoint.
    pub device: String,
    /// Storage type of the weights and how they are computed (`q4_1 (computed in f32)`).
    pub dtype: String,
    /// Architecture (`llama`, `gemma3`) when known.
    pub architecture: String,
    /// Context window in tokens.
    pub context_length: usize,
    /// How log-likelihoods were computed.
    #[serde(default, skip_serializing_if = "Scoring::is_exact")]
    pub scoring: Scoring,
}

impl ModelInfo {
    /// What response-cache keys are built from: the weights, and how they were scored when
    /// not exactly, so a fast-mode answer never stands in for an exact one.
    pub fn cache_identity(&self) -> String {
        match self.scoring {
            Scoring::Exact => self.sha256.clone(),
            other => format!("{}+{}", self.sha256, other.token()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_old_prose_still_reads() {
        for v in Scoring::ALL {
            assert_eq!(v.token().parse::<Scoring>().unwrap(), v);
        }
        assert_eq!(
            "server prompt log-probabilities (POST http://x/v1/completions, echo + logprobs)"
                .parse::<Scoring>()
                .unwrap(),
            Scoring::ServerPromptLogprobs
        );
        assert!("fp8".parse::<Scoring>().is_err());
    }
}
