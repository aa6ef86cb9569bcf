//! Where a dataset's files come from: a local directory or the Hugging Face hub cache.
//!
//! A [`DataSource`] turns a file name relative to the dataset's root (`eng_Latn/test.tsv`)
//! into a path on disk. A local source joins it to its directory. A hub source looks in the
//! hub cache first (`<cache>/datasets--<owner>--<name>/snapshots/<commit>/<root>/<file>`, the
//! commit read from `refs/<revision>`, or the revision itself when it is a commit hash), so a
//! dataset that was downloaded once works offline; only when the file is missing does it ask
//! the hub API (through `hf-hub`), and when that fails the error says which file was missing
//! from which cache directory.
//!
//! The datasets kakugo knows ([`DataSource::hub_for`]) keep their files under these roots:
//!
//! | dataset | repository | root | a file |
//! | --- | --- | --- | --- |
//! | SIB-200 | `Davlan/sib200` | `data` | `data/eng_Latn/test.tsv` |
//! | Belebele | `facebook/belebele` | `data` | `data/eng_Latn.jsonl` |
//! | Global-MMLU | `CohereForAI/Global-MMLU` | | `en/dev-00000-of-00001.parquet` |
//! | FLORES+ | `openlanguagedata/flores_plus` | | `dev/eng_Latn.parquet` |
//!
//! A local directory is the root itself (the directory holding `eng_Latn/`, say).

use std::path::{Path, PathBuf};

use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};

use kakugo_core::lang::Dataset;
use kakugo_core::{Error, Result};

/// A dataset in the Hugging Face hub cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubSource {
    /// `owner/name`, e.g. `Davlan/sib200`.
    pub repo_id: String,
    /// Branch, tag or commit hash, e.g. `main`.
    pub revision: String,
    /// The hub cache directory (the one holding `datasets--owner--name`).
    pub cache_dir: PathBuf,
    /// Folder inside the repository that holds the dataset's files (`data` for SIB-200).
    pub root: String,
    /// Never ask the hub API; only the cache is used. Also set by `HF_HUB_OFFLINE=1`.
    pub offline: bool,
}

/// Where a dataset's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    Local(PathBuf),
    Hub(HubSource),
}

impl DataSource {
    /// Files under a local directory.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        DataSource::Local(dir.into())
    }

    /// A known dataset from the hub cache in `cache_dir` at `revision`.
    pub fn hub_for(
        dataset: Dataset,
        cache_dir: impl Into<PathBuf>,
        revision: &str,
    ) -> Result<Self> {
        let (repo_id, root) = match dataset {
            Dataset::Sib200 => ("Davlan/sib200", "data"),
            Dataset::Belebele => ("facebook/belebele", "data"),
            Dataset::GlobalMmlu => ("CohereForAI/Global-MMLU", ""),
            Dataset::FloresPlus => ("openlanguagedata/flores_plus", ""),
            Dataset::Flores200 => {
                return Err(Error::usage_hint(
                    "FLORES-200 is not on the Hugging Face hub as files",
                    "point at a local copy of flores200_dataset, or use FLORES+ \
                     (openlanguagedata/flores_plus)",
                ))
            }
        };
        Ok(DataSource::Hub(HubSource {
            repo_id: repo_id.to_string(),
            revision: revision.to_string(),
            cache_dir: cache_dir.into(),
            root: root.to_string(),
            offline: hub_offline_from_env(),
        }))
    }

    /// Like [`DataSource::hub_for`], in the default hub cache ([`default_hub_cache`]).
    pub fn hub_default(dataset: Dataset, revision: &str) -> Result<Self> {
        Self::hub_for(dataset, default_hub_cache()?, revision)
    }

    /// A hub source that never asks the hub API (`offline = true`); a local source is unchanged.
    pub fn with_offline(mut self, offline: bool) -> Self {
        if let DataSource::Hub(hub) = &mut self {
            hub.offline = offline;
        }
        self
    }

    /// The path of the first of `candidates` (file names relative to the dataset root) that
    /// exists; a hub source downloads the first candidate when none is cached.
    pub fn resolve(&self, candidates: &[String]) -> Result<PathBuf> {
        assert!(
            !candidates.is_empty(),
            "resolve needs at least one candidate"
        );
        match self {
            DataSource::Local(dir) => {
                if let Some(found) = self.find(candidates) {
                    return Ok(found);
                }
                let tried = candidates.join(", ");
                Err(Error::DataNotFound {
                    path: dir.join(&candidates[0]),
                    message: format!(
                        "data file not found (looked for {tried} in {})",
                        dir.display()
                    ),
                })
            }
            DataSource::Hub(hub) => hub.resolve(candidates),
        }
    }

    /// The path of the first of `candidates` that is already on disk (a local file, or a file
    /// in the hub cache), without downloading anything.
    pub fn find(&self, candidates: &[String]) -> Option<PathBuf> {
        match self {
            DataSource::Local(dir) => candidates.iter().map(|c| dir.join(c)).find(|p| p.is_file()),
            DataSource::Hub(hub) => hub.find_cached(candidates),
        }
    }

    /// One line saying where the files come from, for logs and manifests.
    pub fn describe(&self) -> String {
        match self {
            DataSource::Local(dir) => dir.display().to_string(),
            DataSource::Hub(h) => format!("hf://datasets/{}@{}", h.repo_id, h.revision),
        }
    }
}

impl HubSource {
    fn in_repo(&self, file: &str) -> String {
        if self.root.is_empty() {
            file.to_string()
        } else {
            format!("{}/{file}", self.root)
        }
    }

    fn repo(&self) -> Repo {
        Repo::with_revision(
            self.repo_id.clone(),
            RepoType::Dataset,
            self.revision.clone(),
        )
    }

    /// `snapshots/<commit>/<file>` found without `hf-hub`'s help: for a revision that is a
    /// commit hash (the cache has no `refs/<hash>` file then) or a `refs/<revision>` file that
    /// ends in a newline (written by hand; `hf-hub` does not trim it).
    fn snapshot_path(&self, file: &str) -> Option<PathBuf> {
        let is_commit =
            self.revision.len() == 40 && self.revision.chars().all(|c| c.is_ascii_hexdigit());
        let commit = if is_commit {
            self.revision.clone()
        } else {
            let refs = self.repo_dir().join("refs").join(&self.revision);
            std::fs::read_to_string(refs).ok()?.trim().to_string()
        };
        let path = self.repo_dir().join("snapshots").join(commit).join(file);
        path.is_file().then_some(path)
    }

    fn repo_dir(&self) -> PathBuf {
        self.cache_dir.join(self.repo().folder_name())
    }

    fn find_cached(&self, candidates: &[String]) -> Option<PathBuf> {
        let cache = Cache::new(self.cache_dir.clone());
        candidates.iter().find_map(|candidate| {
            let file = self.in_repo(candidate);
            cache
                .repo(self.repo())
                .get(&file)
                .or_else(|| self.snapshot_path(&file))
        })
    }

    fn resolve(&self, candidates: &[String]) -> Result<PathBuf> {
        if let Some(path) = self.find_cached(candidates) {
            return Ok(path);
        }
        let cache = Cache::new(self.cache_dir.clone());
        let file = self.in_repo(&candidates[0]);
        let missing = format!(
            "`{file}` of dataset {}@{} is not in the hub cache {} (looked in {}/snapshots/<commit \
             of refs/{}>/)",
            self.repo_id,
            self.revision,
            self.cache_dir.display(),
            self.repo_dir().display(),
            self.revision
        );
        if self.offline {
            return Err(Error::usage_hint(
                missing,
                "download it once with network access, or unset HF_HUB_OFFLINE",
            ));
        }
        tracing::info!(repo = %self.repo_id, file = %file, "not cached; asking the hub");
        let api = ApiBuilder::from_cache(cache)
            .with_progress(false)
            .build()
            .map_err(|e| Error::usage(format!("{missing}; the hub client failed to start: {e}")))?;
        api.repo(self.repo())
            .get(&file)
            .map_err(|e| Error::usage(format!("{missing}; downloading it failed: {e}")))
    }
}

/// The hub cache directory: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
/// `~/.cache/huggingface/hub` (the same rule as `huggingface_hub`).
pub fn default_hub_cache() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("HF_HUB_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(home) = std::env::var_os("HF_HOME") {
        return Ok(Path::new(&home).join("hub"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(Path::new(&home).join(".cache/huggingface/hub")),
        None => Err(Error::usage_hint(
            "cannot find the Hugging Face hub cache: HOME is not set",
            "set HF_HUB_CACHE or HF_HOME",
        )),
    }
}

fn hub_offline_from_env() -> bool {
    std::env::var("HF_HUB_OFFLINE").is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "TRUE"))
}

/// One source per dataset, as a run needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSources {
    pub sib200: DataSource,
    pub belebele: DataSource,
    pub global_mmlu: DataSource,
    /// FLORES-200 plain text (`dev/`, `devtest/`) and the aligned subset (`subset/`).
    pub flores: DataSource,
    pub flores_plus: DataSource,
}

impl DataSources {
    /// The layout of kakugo's data directory (`../shared/data`): `sib200/`, `belebele/`,
    /// `global_mmlu/`, `flores/` and `flores_plus/` under `root`.
    pub fn under(root: &Path) -> Self {
        DataSources {
            sib200: DataSource::local(root.join("sib200")),
            belebele: DataSource::local(root.join("belebele")),
            global_mmlu: DataSource::local(root.join("global_mmlu")),
            flores: DataSource::local(root.join("flores")),
            flores_plus: DataSource::local(root.join("flores_plus")),
        }
    }

    /// The source of one dataset.
    pub fn get(&self, dataset: Dataset) -> &DataSource {
        match dataset {
            Dataset::Sib200 => &self.sib200,
            Dataset::Belebele => &self.belebele,
            Dataset::GlobalMmlu => &self.global_mmlu,
            Dataset::Flores200 => &self.flores,
            Dataset::FloresPlus => &self.flores_plus,
        }
    }
}
