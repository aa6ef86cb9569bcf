//! JSONL input for the debugging commands: one JSON object per line, errors name file:line.

use std::path::Path;

use serde::de::DeserializeOwned;

use kakugo::{Error, Result};

/// Reads every non-empty line of `path` as a `T`.
pub fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(line).map_err(|e| {
            let field = e.to_string();
            let field = field.split('`').nth(1).unwrap_or("request").to_string();
            Error::parse(path, i + 1, field, e.to_string())
        })?;
        out.push(value);
    }
    Ok(out)
}

pub use kakugo::store::atomic::write_jsonl;
