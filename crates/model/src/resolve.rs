//! Naming models: a local path, `hf:ORG/NAME[@REVISION]`, or a preset for a shipped model.
//!
//! - A `.gguf` file. Its tokenizer comes from `<stem>.tokenizer.json` or `tokenizer.json`
//!   beside it when present (with `tokenizer_config.json` for BOS settings), else from the
//!   GGUF's own metadata.
//! - A directory: Hugging Face layout (`config.json`, `model.safetensors` or
//!   `model.safetensors.index.json` with its shards, `tokenizer.json`,
//!   `tokenizer_config.json`), or a directory holding exactly one `.gguf`.
//! - `hf:ORG/NAME[@REVISION]`: resolved through `hf-hub`, from the local hub cache first
//!   (`$HF_HOME/hub`, default `~/.cache/huggingface/hub`), so a cached model works offline;
//!   files missing from the cache are downloaded.
//! - Presets: `smollm2-135m` (SmolLM2-135M-Instruct, Q4_1 GGUF) and `gemma3-270m` (Gemma 3
//!   270M base, Q4_K_M GGUF + tokenizer.json), fetched by `scripts/fetch-models.sh` into
//!   `$KAKUGO_CACHE/models` (default `.cache/models` in the kakugo checkout).

use std::path::{Path, PathBuf};

use hf_hub::{Repo, RepoType};

use kakugo_core::spec::ModelSpec;
use kakugo_core::{Error, Result};

/// The files that make up a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// Display name.
    pub name: String,
    /// The spec the user gave.
    pub spec: String,
    pub weights: WeightFiles,
    /// `config.json` (safetensors checkpoints).
    pub config: Option<PathBuf>,
    pub tokenizer: Option<PathBuf>,
    pub tokenizer_config: Option<PathBuf>,
}

impl ModelFiles {
    /// sha256 of the weights: of the GGUF file, or of a single safetensors file, or of the
    /// newline-joined list of shard hashes for a sharded checkpoint. This is the model's
    /// identity in manifests, cache keys and experiment unit hashes.
    pub fn weights_sha256(&self) -> Result<String> {
        use kakugo_core::store::hash::{sha256_bytes, sha256_file};
        match &self.weights {
            WeightFiles::Gguf(path) => sha256_file(path),
            WeightFiles::Safetensors(shards) => {
                let hashes = shards
                    .iter()
                    .map(|s| sha256_file(s))
                    .collect::<Result<Vec<_>>>()?;
                Ok(if hashes.len() == 1 {
                    hashes.into_iter().next().unwrap_or_default()
                } else {
                    sha256_bytes(hashes.join("\n").as_bytes())
                })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightFiles {
    Gguf(PathBuf),
    Safetensors(Vec<PathBuf>),
}

pub use kakugo_core::spec::{Preset, PRESETS};

pub use kakugo_core::paths::{cache_dir, models_dir};

/// Resolves a model spec to its files. A server spec has none: asking is a usage error.
pub fn resolve(spec: &ModelSpec) -> Result<ModelFiles> {
    let text = spec.to_string();
    match spec {
        ModelSpec::Hub { repo, revision } => {
            resolve_hf(&text, repo, revision.as_deref(), &hf_cache_dir())
        }
        ModelSpec::Preset(preset) => {
            let dir = models_dir();
            let gguf = dir.join(preset.gguf);
            if !gguf.exists() {
                return Err(Error::usage_hint(
                    format!(
                        "preset model `{text}` is not downloaded ({} is missing)",
                        gguf.display()
                    ),
                    "run scripts/fetch-models.sh",
                ));
            }
            Ok(ModelFiles {
                name: text.clone(),
                spec: text,
                weights: WeightFiles::Gguf(gguf),
                config: None,
                tokenizer: preset.tokenizer.map(|t| dir.join(t)),
                tokenizer_config: preset.tokenizer_config.map(|t| dir.join(t)),
            })
        }
        ModelSpec::Path(path) if path.is_file() => resolve_gguf_file(&text, path),
        ModelSpec::Path(path) if path.is_dir() => resolve_dir(&text, path),
        ModelSpec::Path(_) => {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            Err(Error::usage_hint(
                format!(
                    "model `{text}` is neither a file, a directory, `hf:ORG/NAME`, `openai:MODEL@URL`, nor a preset"
                ),
                format!("presets: {} (kakugo list models)", names.join(", ")),
            ))
        }
        ModelSpec::Server { .. } => Err(Error::usage(format!(
            "model `{text}` runs on a server: it has no local files (it can be evaluated, not trained or exported)"
        ))),
    }
}

fn resolve_gguf_file(spec: &str, path: &Path) -> Result<ModelFiles> {
    if path.extension().and_then(|e| e.to_str()) != Some("gguf") {
        return Err(Error::file(
            path,
            "expected a .gguf file or a model directory",
        ));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("model");
    let beside = [
        dir.join(format!("{stem}.tokenizer.json")),
        dir.join("tokenizer.json"),
    ];
    let tokenizer = beside.into_iter().find(|p| p.is_file());
    let tokenizer_config =
        Some(dir.join("tokenizer_config.json")).filter(|p| p.is_file() && tokenizer.is_some());
    Ok(ModelFiles {
        name: stem.to_string(),
        spec: spec.to_string(),
        weights: WeightFiles::Gguf(path.to_path_buf()),
        config: None,
        tokenizer,
        tokenizer_config,
    })
}

fn resolve_dir(spec: &str, dir: &Path) -> Result<ModelFiles> {
    let name = dir
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string();
    let config = dir.join("config.json");
    if !config.is_file() {
        let ggufs: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("gguf"))
            .collect();
        return match ggufs.as_slice() {
            [one] => resolve_gguf_file(spec, one),
            _ => Err(Error::file(
                dir,
                "expected config.json with safetensors weights, or exactly one .gguf file",
            )),
        };
    }
    let weights = safetensors_files(dir, |f| {
        let p = dir.join(f);
        p.is_file().then_some(p)
    })?;
    Ok(ModelFiles {
        name,
        spec: spec.to_string(),
        weights: WeightFiles::Safetensors(weights),
        config: Some(config),
        tokenizer: Some(dir.join("tokenizer.json")).filter(|p| p.is_file()),
        tokenizer_config: Some(dir.join("tokenizer_config.json")).filter(|p| p.is_file()),
    })
}

/// The weight files of a Hugging Face checkpoint: `model.safetensors`, or the shards listed in
/// `model.safetensors.index.json` (sorted, deduplicated). `get` returns a file's local path.
fn safetensors_files(
    origin: &Path,
    mut get: impl FnMut(&str) -> Option<PathBuf>,
) -> Result<Vec<PathBuf>> {
    if let Some(single) = get("model.safetensors") {
        return Ok(vec![single]);
    }
    let index = get("model.safetensors.index.json").ok_or_else(|| {
        Error::file(
            origin,
            "neither model.safetensors nor model.safetensors.index.json found",
        )
    })?;
    let text = std::fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::parse(&index, e.line(), "weight_map", e.to_string()))?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| Error::parse(&index, 1, "weight_map", "missing or not an object"))?;
    let mut shards: Vec<&str> = map.values().filter_map(|v| v.as_str()).collect();
    shards.sort_unstable();
    shards.dedup();
    shards
        .into_iter()
        .map(|s| get(s).ok_or_else(|| Error::file(&index, format!("shard `{s}` is missing"))))
        .collect()
}

/// The hub cache directory: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
pub fn hf_cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("HF_HUB_CACHE") {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("HF_HOME") {
        return PathBuf::from(p).join("hub");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache/huggingface/hub")
}

/// Resolves `repo` at `revision` (default `main`) in the hub cache at `cache_dir`,
/// downloading what is missing.
pub fn resolve_hf(
    spec: &str,
    id: &str,
    revision: Option<&str>,
    cache_dir: &Path,
) -> Result<ModelFiles> {
    let revision = revision.unwrap_or("main").to_string();
    let repo = Repo::with_revision(id.to_string(), RepoType::Model, revision.clone());
    let cached = hf_hub::Cache::new(cache_dir.to_path_buf()).repo(repo.clone());
    let mut api_repo = None;
    let mut get = |file: &str| -> Option<PathBuf> {
        if let Some(p) = cached.get(file) {
            return Some(p);
        }
        if std::env::var_os("HF_HUB_OFFLINE").is_some_and(|v| v == "1") {
            return None;
        }
        let api = api_repo.get_or_insert_with(|| {
            hf_hub::api::sync::ApiBuilder::new()
                .with_cache_dir(cache_dir.to_path_buf())
                .with_progress(false)
                .build()
                .map(|api| api.repo(repo.clone()))
        });
        match api {
            Ok(r) => r.get(file).ok(),
            Err(_) => None,
        }
    };
    let config = get("config.json").ok_or_else(|| {
        Error::usage_hint(
            format!("{spec}: config.json is not in the hub cache ({}) and could not be downloaded", cache_dir.display()),
            "download the model on a machine with network access (huggingface-cli download ORG/NAME) and copy the cache, or set HF_HOME",
        )
    })?;
    let weights = safetensors_files(&config, &mut get)?;
    let tokenizer = get("tokenizer.json");
    let tokenizer_config = get("tokenizer_config.json");
    Ok(ModelFiles {
        name: id.to_string(),
        spec: spec.to_string(),
        weights: WeightFiles::Safetensors(weights),
        config: Some(config),
        tokenizer,
        tokenizer_config,
    })
}
