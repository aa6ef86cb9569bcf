//! Dataset loaders, one per dataset, and where data comes from.
//!
//! Each loader reads its dataset's upstream format as it is, validates every record and
//! reports the file, line and field of anything malformed ([`kakugo_core::Error::Parse`]). Loaders
//! never skip silently and never normalise text: what the file holds is what the document
//! holds.
//!
//! | module | dataset | format | output |
//! | --- | --- | --- | --- |
//! | [`sib200`] | SIB-200 | `<lang>/{train,dev,test}.tsv` + `labels.txt` | [`MultipleChoiceDoc`] |
//! | [`belebele`] | Belebele | `<lang>.jsonl` | [`MultipleChoiceDoc`] |
//! | [`global_mmlu`] | Global-MMLU | `<lang>/{dev,test}` JSONL or Parquet | [`MultipleChoiceDoc`] + rejected rows |
//! | [`flores`] | FLORES-200 | `dev/<lang>.dev`, `devtest/<lang>.devtest`, aligned `subset/<lang>.tsv` | [`flores::FloresText`] → [`TranslationDoc`] |
//! | [`flores_plus`] | FLORES+ | `{dev,devtest}/<code>.parquet` | [`flores::FloresText`] |
//!
//! Every loader takes a [`DataSource`] (a local directory or the Hugging Face hub cache), a
//! [`Language`](kakugo_core::lang::Language), a [`Split`] and a [`LoadedFiles`], into which it records
//! the path and sha256 of every file it read, so a run's manifest can list the exact data
//! bytes behind its numbers. The hash is of the bytes that were parsed: each file is read once.
//!
//! [`sample_stratified`] draws the deterministic, stratified subsets behind `--limit` and smoke
//! suites; [`few_shot`] draws seeded few-shot examples that never include the item itself.
//!
//! ```no_run
//! use kakugo_data::{sib200, DataSource, LoadedFiles, Split};
//! let kazakh = kakugo_core::lang::resolve("kk")?;
//! let mut files = LoadedFiles::default();
//! let source = DataSource::local("../shared/data/sib200");
//! let docs = sib200::load(&source, kazakh, Split::Test, &mut files)?;
//! assert_eq!(docs.len(), 204);
//! assert_eq!(files.len(), 2); // test.tsv and labels.txt
//! # Ok::<(), kakugo_core::Error>(())
//! ```

pub mod belebele;
pub mod document;
pub mod flores;
pub mod flores_plus;
pub mod global_mmlu;
mod jsonl;
pub mod lid;
mod parquet_rows;
mod sampling;
pub mod sib200;
pub mod source;
mod tsv;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use document::{MultipleChoiceDoc, TranslationDoc};
pub use kakugo_core::lang::Dataset;
use kakugo_core::store::hash::sha256_bytes;
use kakugo_core::{Error, Result};
pub use sampling::{few_shot, sample_stratified, stratified_subset, HasId};
pub use source::{DataSource, DataSources};

/// A dataset split. Each loader accepts the splits its dataset has and rejects the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Dev,
    Devtest,
    Test,
}

impl Split {
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Dev => "dev",
            Split::Devtest => "devtest",
            Split::Test => "test",
        }
    }

    /// Fails with a usage error unless `self` is one of `allowed` (the splits `dataset` has).
    pub(crate) fn check(self, dataset: Dataset, allowed: &[Split]) -> Result<()> {
        if allowed.contains(&self) {
            return Ok(());
        }
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        Err(Error::usage_hint(
            format!("{dataset} has no `{self}` split"),
            format!("{dataset} splits: {}", names.join(", ")),
        ))
    }
}

impl std::str::FromStr for Split {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "train" => Ok(Split::Train),
            "dev" => Ok(Split::Dev),
            "devtest" => Ok(Split::Devtest),
            "test" => Ok(Split::Test),
            other => Err(Error::usage_hint(
                format!("unknown split `{other}`"),
                "splits: train, dev, devtest, test",
            )),
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One data file a run read: where it was and what its bytes hash to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub path: PathBuf,
    /// sha256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// The data files read so far, one entry per path, ordered by path (so a manifest built from
/// them does not depend on the order tasks were loaded in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadedFiles {
    files: BTreeMap<PathBuf, DataFile>,
}

impl LoadedFiles {
    /// Reads a whole file, records its hash and returns its bytes.
    pub fn read(&mut self, path: &Path) -> Result<Vec<u8>> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let file = DataFile {
            path: path.to_path_buf(),
            sha256: sha256_bytes(&bytes),
            bytes: bytes.len() as u64,
        };
        tracing::debug!(path = %path.display(), sha256 = %file.sha256, "read data file");
        self.files.insert(file.path.clone(), file);
        Ok(bytes)
    }

    /// The recorded files, ordered by path.
    pub fn files(&self) -> impl Iterator<Item = &DataFile> {
        self.files.values()
    }

    /// The record for one path, if it was read.
    pub fn get(&self, path: &Path) -> Option<&DataFile> {
        self.files.get(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Adds another set's files (a later read of the same path wins).
    pub fn extend(&mut self, other: LoadedFiles) {
        self.files.extend(other.files);
    }

    /// The files as a list.
    pub fn to_vec(&self) -> Vec<DataFile> {
        self.files.values().cloned().collect()
    }

    /// Path → sha256 for a run manifest, each path relative to `root` when it lies under it
    /// (`sib200/eng_Latn/test.tsv`), else as read (a file in the hub cache, say).
    pub fn manifest_entries(&self, root: &Path) -> BTreeMap<String, String> {
        self.files
            .values()
            .map(|f| {
                let path = f.path.strip_prefix(root).unwrap_or(&f.path);
                (path.display().to_string(), f.sha256.clone())
            })
            .collect()
    }
}

/// Decodes a file's bytes as UTF-8, naming the line of the first invalid byte.
pub(crate) fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::parse(path, line, "<text>", format!("invalid UTF-8: {e}"))
    })
}
