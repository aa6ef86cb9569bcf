//! Naming a model: the one place a model spec is parsed.
//!
//! | written | meaning |
//! |---|---|
//! | `smollm2-135m`, `gemma3-270m` | a [`Preset`]: a model shipped with kakugo (`scripts/fetch-models.sh`) |
//! | `path/to/model.gguf`, `path/to/dir` | a GGUF file, or a directory in Hugging Face layout (or holding one `.gguf`) |
//! | `hf:ORG/NAME[@REVISION]` | a Hugging Face model, from the hub cache first |
//! | `openai:MODEL[@URL]` | a model on an OpenAI-compatible server; without `@URL`, `$OPENAI_BASE_URL` |
//!
//! A [`ModelSpec`] is parsed once, where the user wrote it (a flag, an experiment file), and
//! passed on as this type; what the files are is the model crate's business
//! (`kakugo_model::resolve`). Credentials never live in a spec: a server's key comes from
//! `$OPENAI_API_KEY`, and a URL with user info is refused.
//!
//! ```
//! use kakugo_core::spec::ModelSpec;
//! let s: ModelSpec = "openai:gemma-3-27b-it@http://10.0.0.5:8000/v1".parse().unwrap();
//! assert!(s.is_server());
//! assert_eq!(s.to_string(), "openai:gemma-3-27b-it@http://10.0.0.5:8000/v1");
//! assert!(matches!("hf:HuggingFaceTB/SmolLM2-135M@main".parse().unwrap(), ModelSpec::Hub { .. }));
//! assert!("hf:no-slash".parse::<ModelSpec>().is_err());
//! ```

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A model shipped with kakugo: fetched by `scripts/fetch-models.sh` into
/// `$KAKUGO_CACHE/models` ([`crate::paths::models_dir`]).
#[derive(Debug, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    pub gguf: &'static str,
    pub tokenizer: Option<&'static str>,
    pub tokenizer_config: Option<&'static str>,
    pub description: &'static str,
}

/// The shipped models.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "smollm2-135m",
        gguf: "SmolLM2-135M-Instruct.Q4_1.gguf",
        tokenizer: None,
        tokenizer_config: None,
        description:
            "SmolLM2-135M-Instruct, Q4_1 GGUF (llama architecture, tokenizer from GGUF metadata)",
    },
    Preset {
        name: "gemma3-270m",
        gguf: "gemma-3-270m-q4_k_m.gguf",
        tokenizer: Some("gemma-3-270m-tokenizer.json"),
        tokenizer_config: Some("gemma-3-270m-tokenizer_config.json"),
        description: "Gemma 3 270M base, Q4_K_M GGUF with its tokenizer.json",
    },
];

/// A parsed model spec (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSpec {
    Preset(&'static Preset),
    /// A GGUF file or a model directory (whether it exists is checked when it is resolved).
    Path(PathBuf),
    Hub {
        /// `ORG/NAME`.
        repo: String,
        /// A branch, tag or commit; `None` is `main`.
        revision: Option<String>,
    },
    Server {
        model: String,
        /// The API base URL (`http://HOST:PORT/v1`); `None`: `$OPENAI_BASE_URL`.
        url: Option<String>,
    },
}

impl ModelSpec {
    /// Whether the model runs on a server (it can be evaluated, not fine-tuned).
    pub fn is_server(&self) -> bool {
        matches!(self, ModelSpec::Server { .. })
    }

    /// What Hugging Face tools (PEFT's `base_model_name_or_path`, TRL, axolotl) call this
    /// model: the repository id for a hub model (they take no revision there), else the spec.
    pub fn hf_name(&self) -> String {
        match self {
            ModelSpec::Hub { repo, .. } => repo.clone(),
            other => other.to_string(),
        }
    }

    /// The server's base URL: the spec's own, else `$OPENAI_BASE_URL`.
    pub fn server_url(&self) -> Result<Option<String>> {
        let ModelSpec::Server { url, .. } = self else {
            return Ok(None);
        };
        match url {
            Some(u) => Ok(Some(u.clone())),
            None => match std::env::var("OPENAI_BASE_URL") {
                Ok(u) => check_url(&u, "OPENAI_BASE_URL").map(|()| Some(u)),
                Err(_) => Err(Error::usage_hint(
                    format!("model {self}: no server URL"),
                    "write openai:MODEL@http://HOST:PORT/v1 or set OPENAI_BASE_URL",
                )),
            },
        }
    }
}

/// A server URL must be http(s) and carry no credentials (keys come from the environment,
/// and specs end up in records and unit files).
fn check_url(url: &str, what: &str) -> Result<()> {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return Err(Error::usage_hint(
            format!("{what}: `{url}` is not an http(s) URL"),
            "write openai:MODEL@http://HOST:PORT/v1",
        ));
    };
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err(Error::usage_hint(
            format!("{what}: the URL carries credentials (user info before `@`)"),
            "put the key in OPENAI_API_KEY and write the URL without it",
        ));
    }
    if authority.is_empty() {
        return Err(Error::usage(format!("{what}: `{url}` has no host")));
    }
    Ok(())
}

impl FromStr for ModelSpec {
    type Err = Error;
    fn from_str(text: &str) -> Result<ModelSpec> {
        if text.trim().is_empty() {
            return Err(Error::usage_hint(
                "empty model spec",
                "name a preset (smollm2-135m, gemma3-270m), a .gguf file, a directory, hf:ORG/NAME or openai:MODEL@URL",
            ));
        }
        if let Some(rest) = text.strip_prefix("openai:") {
            // A model id may itself contain `@`; the URL starts at the last `@http`.
            let (model, url) = match rest.rfind("@http") {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            if model.is_empty() {
                return Err(Error::usage_hint(
                    format!("model `{text}`: no model id"),
                    "openai:MODEL@http://HOST:PORT/v1, e.g. openai:gemma-3-27b-it@http://127.0.0.1:8000/v1",
                ));
            }
            if let Some(u) = url {
                check_url(u, &format!("model `openai:{model}@…`"))?;
            }
            return Ok(ModelSpec::Server {
                model: model.to_string(),
                url: url.map(str::to_string),
            });
        }
        if let Some(rest) = text.strip_prefix("hf:") {
            let (repo, revision) = match rest.split_once('@') {
                Some((r, rev)) => (r, Some(rev)),
                None => (rest, None),
            };
            let parts: Vec<&str> = repo.split('/').collect();
            if parts.len() != 2
                || parts.iter().any(|p| p.is_empty() || p.starts_with('.'))
                || revision.is_some_and(str::is_empty)
            {
                return Err(Error::usage_hint(
                    format!("`{text}` is not of the form hf:ORG/NAME[@REVISION]"),
                    "for example hf:HuggingFaceTB/SmolLM2-135M-Instruct",
                ));
            }
            return Ok(ModelSpec::Hub {
                repo: repo.to_string(),
                revision: revision.map(str::to_string),
            });
        }
        if let Some(p) = PRESETS.iter().find(|p| p.name == text) {
            return Ok(ModelSpec::Preset(p));
        }
        Ok(ModelSpec::Path(PathBuf::from(text)))
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSpec::Preset(p) => f.write_str(p.name),
            ModelSpec::Path(p) => write!(f, "{}", p.display()),
            ModelSpec::Hub { repo, revision } => match revision {
                Some(r) => write!(f, "hf:{repo}@{r}"),
                None => write!(f, "hf:{repo}"),
            },
            ModelSpec::Server { model, url } => match url {
                Some(u) => write!(f, "openai:{model}@{u}"),
                None => write!(f, "openai:{model}"),
            },
        }
    }
}

impl Serialize for ModelSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ModelSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<ModelSpec, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_prints_back() {
        for text in [
            "smollm2-135m",
            "gemma3-270m",
            "models/x.gguf",
            "hf:org/name",
            "hf:org/name@v1.0",
            "openai:m",
            "openai:Qwen/Qwen2.5-72B@https://api.example.com/v1",
        ] {
            let spec: ModelSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "openai:org/m@v2@http://127.0.0.1:8080/v1"
                .parse::<ModelSpec>()
                .unwrap(),
            ModelSpec::Server {
                model: "org/m@v2".into(),
                url: Some("http://127.0.0.1:8080/v1".into())
            }
        );
        assert!(matches!(
            "smollm2-135m".parse::<ModelSpec>().unwrap(),
            ModelSpec::Preset(p) if p.gguf.ends_with(".gguf")
        ));
    }

    #[test]
    fn malformed_specs_fail_with_a_hint() {
        for bad in [
            "",
            "hf:",
            "hf:org",
            "hf:org/",
            "hf:/name",
            "hf:org/name@",
            "hf:a/b/c",
            "openai:",
            "openai:@http://x/v1",
            "openai:m@http://user:pw@host/v1",
            "openai:m@http:///v1",
        ] {
            let err = bad.parse::<ModelSpec>().unwrap_err().to_string();
            assert!(!err.is_empty(), "{bad}");
        }
        let err = "openai:m@http://user:pw@host/v1"
            .parse::<ModelSpec>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("credentials") && err.contains("OPENAI_API_KEY"),
            "{err}"
        );
    }
}
