//! Paths: file names derived from input, lexical normalisation, and kakugo's cache root.

use std::path::{Path, PathBuf};

/// File-name-safe form of a label: ASCII alphanumerics, `-`, `_` and `.`, others → `-`, with
/// no `-` or `.` at either end. The result is one plain path component: never empty, never
/// `.` or `..`, never containing `/`, so a name from input cannot climb out of the directory
/// it is written into.
///
/// ```
/// use kakugo_core::paths::slug;
/// assert_eq!(slug("org/model"), "org-model");
/// assert_eq!(slug("/../../outside/escaped"), "outside-escaped");
/// assert_eq!(slug(".."), "unnamed");
/// ```
pub fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches(|c| c == '-' || c == '.');
    if s.is_empty() {
        "unnamed".to_string()
    } else {
        s.to_string()
    }
}

/// `a/b/../c` → `a/c`, without touching the file system (the output may not exist yet).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// kakugo's cache root: `$KAKUGO_CACHE`, default `.cache` in the checkout.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("KAKUGO_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".cache"))
}

/// Where fetched models live: `$KAKUGO_CACHE/models`, default `.cache/models` in the checkout.
pub fn models_dir() -> PathBuf {
    cache_dir().join("models")
}

/// The kakugo checkout this binary was built from (two levels above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    normalize(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}
