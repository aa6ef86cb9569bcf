//! What the hub serves: repos, their commits and refs, files, tokens.
//!
//! [`HubContents`] and [`HubRepo`] are builders. Hashes (git blob ids, LFS sha256 oids, default
//! commit shas) are computed when the hub starts, streaming files given by path.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The two kinds of repo the hub serves (spaces are not served: requests for them answer
/// `RepoNotFound`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RepoKind {
    /// `/{id}/resolve/...`, `/api/models/{id}/...`, cache folder `models--org--name`.
    Model,
    /// `/datasets/{id}/resolve/...`, `/api/datasets/{id}/...`, cache folder `datasets--org--name`.
    Dataset,
}

impl RepoKind {
    /// `models` or `datasets`: the segment used in `/api/{segment}/...` and in CDN paths.
    pub fn api_segment(self) -> &'static str {
        match self {
            RepoKind::Model => "models",
            RepoKind::Dataset => "datasets",
        }
    }

    /// The prefix of the repo id in resolve URLs: empty for models, `datasets/` for datasets.
    pub fn url_prefix(self) -> &'static str {
        match self {
            RepoKind::Model => "",
            RepoKind::Dataset => "datasets/",
        }
    }

    /// `model` or `dataset`, as in the hub's error messages.
    pub fn singular(self) -> &'static str {
        match self {
            RepoKind::Model => "model",
            RepoKind::Dataset => "dataset",
        }
    }
}

/// Who may read a repo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (a request carrying an unknown token is still refused, as on the hub).
    Public,
    /// Gated: only requests with a token added by [`HubContents::token`]. Without a token:
    /// 401 `X-Error-Code: GatedRepo`; with a valid token that was not granted access
    /// ([`HubContents::token_without_access`]): 403 `GatedRepo`.
    Gated,
    /// Private: without a granted token the repo does not exist (401 `RepoNotFound` without a
    /// token, 404 `RepoNotFound` with a valid one).
    Private,
}

#[derive(Clone, Debug)]
pub(crate) enum Source {
    Bytes(Arc<Vec<u8>>),
    Path(PathBuf),
}

#[derive(Debug)]
struct FileEntry {
    source: Source,
    lfs: bool,
}

#[derive(Clone, Debug, Default)]
struct PendingCommit {
    sha: Option<String>,
    files: BTreeMap<String, Arc<FileEntry>>,
}

/// One repo: a chain of commits (each inheriting the previous one's files), branches and tags.
///
/// Files are added to the current commit; [`HubRepo::commit`] closes it and opens the next one.
/// Branch `main` points at the last commit unless [`HubRepo::branch`]`("main")` placed it.
/// Without [`HubRepo::sha`] a commit's sha is derived from the repo id, its position and its
/// files, so it is stable from run to run.
///
/// ```
/// use kakugo_testhub::HubRepo;
/// let repo = HubRepo::dataset("org/data")
///     .file("README.md", "# data\n")
///     .lfs_file("data/train.parquet", vec![1u8; 100])
///     .tag("v1.0")
///     .commit() // a second commit, with the same files plus:
///     .file("extra.txt", "more");
/// # let _ = repo;
/// ```
#[derive(Clone, Debug)]
pub struct HubRepo {
    kind: RepoKind,
    id: String,
    access: Access,
    commits: Vec<PendingCommit>,
    refs: Vec<(String, usize)>,
    aliases: Vec<String>,
}

impl HubRepo {
    /// A model repo, e.g. `HubRepo::model("HuggingFaceTB/SmolLM2-135M")`.
    pub fn model(id: impl Into<String>) -> Self {
        Self::new(RepoKind::Model, id)
    }

    /// A dataset repo, e.g. `HubRepo::dataset("openlanguagedata/flores_plus")`.
    pub fn dataset(id: impl Into<String>) -> Self {
        Self::new(RepoKind::Dataset, id)
    }

    /// A repo of the given kind.
    pub fn new(kind: RepoKind, id: impl Into<String>) -> Self {
        HubRepo {
            kind,
            id: id.into(),
            access: Access::Public,
            commits: vec![PendingCommit::default()],
            refs: Vec::new(),
            aliases: Vec::new(),
        }
    }

    fn current(&mut self) -> &mut PendingCommit {
        self.commits
            .last_mut()
            .expect("a repo always has a current commit")
    }

    fn add(mut self, name: impl Into<String>, source: Source, lfs: bool) -> Self {
        let entry = Arc::new(FileEntry { source, lfs });
        self.current().files.insert(name.into(), entry);
        self
    }

    /// A regular (non-LFS) file: answered directly with `ETag: "<git blob id>"`.
    pub fn file(self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.add(name, Source::Bytes(Arc::new(bytes.into())), false)
    }

    /// An LFS file: the resolve URL answers 302 to `/cdn/...` with `X-Linked-Etag: "<sha256>"`
    /// and `X-Linked-Size`.
    pub fn lfs_file(self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.add(name, Source::Bytes(Arc::new(bytes.into())), true)
    }

    /// A regular file whose bytes are read from `path` on every request (streamed, never
    /// loaded whole). The file must not change while the hub runs.
    pub fn file_at(self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.add(name, Source::Path(path.into()), false)
    }

    /// An LFS file whose bytes are streamed from `path`.
    pub fn lfs_file_at(self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.add(name, Source::Path(path.into()), true)
    }

    /// Removes a file from the current commit (e.g. one inherited from the previous commit).
    pub fn remove(mut self, name: &str) -> Self {
        self.current().files.remove(name);
        self
    }

    /// Sets the current commit's sha (40 lowercase hex digits; checked at start).
    pub fn sha(mut self, sha: impl Into<String>) -> Self {
        self.current().sha = Some(sha.into());
        self
    }

    /// Closes the current commit and opens a new one holding the same files.
    pub fn commit(mut self) -> Self {
        let files = self.current().files.clone();
        self.commits.push(PendingCommit { sha: None, files });
        self
    }

    /// Points a branch (any name, slashes allowed, e.g. `refs/convert/parquet`) at the current
    /// commit. A later `branch` with the same name moves it.
    pub fn branch(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        let index = self.commits.len() - 1;
        self.refs.retain(|(n, _)| *n != name);
        self.refs.push((name, index));
        self
    }

    /// Points a tag at the current commit (tags and branches share one namespace here).
    pub fn tag(self, name: impl Into<String>) -> Self {
        self.branch(name)
    }

    /// Gated repo: see [`Access::Gated`].
    pub fn gated(mut self) -> Self {
        self.access = Access::Gated;
        self
    }

    /// Private repo: see [`Access::Private`].
    pub fn private(mut self) -> Self {
        self.access = Access::Private;
        self
    }

    /// The repo used to be called `old_id`: requests naming it answer 307 with a relative
    /// `Location` naming this repo, as the hub does for renamed and moved repos.
    pub fn renamed_from(mut self, old_id: impl Into<String>) -> Self {
        self.aliases.push(old_id.into());
        self
    }
}

/// Everything the hub serves, and the tokens it knows.
///
/// ```
/// use kakugo_testhub::{HubContents, HubRepo};
/// let contents = HubContents::new()
///     .token("hf_granted")
///     .repo(HubRepo::model("org/tiny").file("config.json", "{}"))
///     .repo(HubRepo::dataset("org/gated-data").gated().lfs_file("x.parquet", vec![0u8; 10]));
/// # let _ = contents;
/// ```
#[derive(Clone, Debug, Default)]
pub struct HubContents {
    repos: Vec<HubRepo>,
    granted_tokens: Vec<String>,
    other_tokens: Vec<String>,
    cdn_host: Option<String>,
}

impl HubContents {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a repo.
    pub fn repo(mut self, repo: HubRepo) -> Self {
        self.repos.push(repo);
        self
    }

    /// A valid token with access to every gated and private repo.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.granted_tokens.push(token.into());
        self
    }

    /// A valid token (a logged-in user) that was not granted access to gated or private repos.
    /// Any token that is neither this nor [`HubContents::token`] answers 401 `Invalid
    /// credentials in Authorization header`, on every repo.
    pub fn token_without_access(mut self, token: impl Into<String>) -> Self {
        self.other_tokens.push(token.into());
        self
    }

    /// The host name used in LFS redirect locations (default `127.0.0.1`). `localhost` makes the
    /// CDN a different host for the client (the same server on the same port), as the real CDN
    /// is: ureq then drops `Authorization` when it follows the redirect.
    pub fn cdn_host(mut self, host: impl Into<String>) -> Self {
        self.cdn_host = Some(host.into());
        self
    }

    pub(crate) fn build(self) -> io::Result<BuiltContents> {
        let mut hashed: HashMap<*const FileEntry, Arc<ServedFile>> = HashMap::new();
        // A path given twice (say as an LFS and a regular file) is read once.
        let mut by_path: HashMap<PathBuf, ContentHashes> = HashMap::new();
        let mut repos = Vec::new();
        // Iterated by reference: the entries stay alive, so their addresses key `hashed` soundly.
        for repo in &self.repos {
            if repo.id.is_empty() || repo.id.starts_with('/') || repo.id.ends_with('/') {
                return Err(invalid(format!("bad repo id {:?}", repo.id)));
            }
            let duplicate = |r: &ServedRepo| {
                r.kind == repo.kind && r.id.eq_ignore_ascii_case(&repo.id)
                    || r.aliases.iter().any(|a| a.eq_ignore_ascii_case(&repo.id))
            };
            if repos.iter().any(duplicate) {
                return Err(invalid(format!("repo {:?} given twice", repo.id)));
            }
            let mut commits = Vec::new();
            for (index, pending) in repo.commits.iter().enumerate() {
                let mut files = BTreeMap::new();
                for (name, entry) in &pending.files {
                    if name.is_empty() || name.starts_with('/') {
                        return Err(invalid(format!("bad file name {name:?}")));
                    }
                    let key = Arc::as_ptr(entry);
                    let served = match hashed.get(&key) {
                        Some(served) => served.clone(),
                        None => {
                            let hashes = match &entry.source {
                                Source::Path(p) => match by_path.get(p) {
                                    Some(h) => h.clone(),
                                    None => {
                                        let h = ContentHashes::of(&entry.source)?;
                                        by_path.insert(p.clone(), h.clone());
                                        h
                                    }
                                },
                                Source::Bytes(_) => ContentHashes::of(&entry.source)?,
                            };
                            let served = Arc::new(ServedFile::new(entry, hashes));
                            hashed.insert(key, served.clone());
                            served
                        }
                    };
                    files.insert(name.clone(), served);
                }
                let sha = match &pending.sha {
                    Some(sha) if is_commit_sha(sha) => sha.clone(),
                    Some(sha) => {
                        return Err(invalid(format!(
                            "commit sha {sha:?} of {} is not 40 lowercase hex digits",
                            repo.id
                        )))
                    }
                    None => derived_commit_sha(repo.kind, &repo.id, index, &files),
                };
                if commits.iter().any(|c: &ServedCommit| c.sha == sha) {
                    return Err(invalid(format!(
                        "commit sha {sha} given twice in {}",
                        repo.id
                    )));
                }
                commits.push(ServedCommit { sha, files });
            }
            let mut refs: BTreeMap<String, usize> = repo.refs.iter().cloned().collect();
            refs.entry("main".to_string()).or_insert(commits.len() - 1);
            repos.push(ServedRepo {
                kind: repo.kind,
                id: repo.id.clone(),
                access: repo.access,
                commits,
                refs,
                aliases: repo.aliases.clone(),
            });
        }
        Ok(BuiltContents {
            repos,
            granted_tokens: self.granted_tokens,
            other_tokens: self.other_tokens,
            cdn_host: self.cdn_host.unwrap_or_else(|| "127.0.0.1".to_string()),
        })
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

pub(crate) fn is_commit_sha(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn derived_commit_sha(
    kind: RepoKind,
    id: &str,
    index: usize,
    files: &BTreeMap<String, Arc<ServedFile>>,
) -> String {
    let mut h = Sha1::new();
    h.update(format!(
        "kakugo-testhub\0{}\0{id}\0{index}\0",
        kind.api_segment()
    ));
    for (name, file) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(file.etag().as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file as served: its bytes and the hashes the hub reports.
#[derive(Debug)]
pub(crate) struct ServedFile {
    pub source: Source,
    pub lfs: bool,
    pub size: u64,
    /// Git blob id (sha1 of `blob {len}\0` + content) of what git stores: the content for a
    /// regular file, the LFS pointer text for an LFS file.
    pub git_oid: String,
    /// sha256 of the content (the LFS oid).
    pub sha256: String,
    /// Size of the LFS pointer text.
    pub pointer_size: u64,
}

/// Size, sha256 and git blob id of some content.
#[derive(Clone, Debug)]
struct ContentHashes {
    size: u64,
    sha256: String,
    blob_oid: String,
}

impl ContentHashes {
    /// One streaming pass over the content.
    fn of(source: &Source) -> io::Result<Self> {
        let size = match source {
            Source::Bytes(b) => b.len() as u64,
            Source::Path(p) => std::fs::metadata(p)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?
                .len(),
        };
        let mut sha256 = Sha256::new();
        let mut blob = Sha1::new();
        blob.update(format!("blob {size}\0"));
        let mut seen = 0u64;
        let mut feed = |chunk: &[u8]| {
            sha256.update(chunk);
            blob.update(chunk);
            seen += chunk.len() as u64;
        };
        match source {
            Source::Bytes(b) => feed(b),
            Source::Path(p) => {
                let mut f = File::open(p)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    feed(&buf[..n]);
                }
            }
        }
        if seen != size {
            return Err(invalid(format!("{source:?} changed size while hashed")));
        }
        Ok(ContentHashes {
            size,
            sha256: hex(&sha256.finalize()),
            blob_oid: hex(&blob.finalize()),
        })
    }
}

impl ServedFile {
    fn new(entry: &FileEntry, hashes: ContentHashes) -> Self {
        let (git_oid, pointer_size) = if entry.lfs {
            let pointer = lfs_pointer(&hashes.sha256, hashes.size);
            (git_blob_id(pointer.as_bytes()), pointer.len() as u64)
        } else {
            (hashes.blob_oid, 0)
        };
        ServedFile {
            source: entry.source.clone(),
            lfs: entry.lfs,
            size: hashes.size,
            git_oid,
            sha256: hashes.sha256,
            pointer_size,
        }
    }

    /// What the hub reports as the file's etag (and hf-hub names the blob after): the sha256
    /// for LFS files, the git blob id otherwise.
    pub fn etag(&self) -> &str {
        if self.lfs {
            &self.sha256
        } else {
            &self.git_oid
        }
    }
}

fn lfs_pointer(sha256: &str, size: u64) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n")
}

/// The git blob id of `content`: sha1 of `blob {len}\0` followed by the content.
pub fn git_blob_id(content: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", content.len()));
    h.update(content);
    hex(&h.finalize())
}

/// The sha256 of `content` in lowercase hex (the etag of an LFS file).
pub fn sha256_hex(content: &[u8]) -> String {
    hex(&Sha256::digest(content))
}

#[derive(Debug)]
pub(crate) struct ServedCommit {
    pub sha: String,
    pub files: BTreeMap<String, Arc<ServedFile>>,
}

#[derive(Debug)]
pub(crate) struct ServedRepo {
    pub kind: RepoKind,
    pub id: String,
    pub access: Access,
    pub commits: Vec<ServedCommit>,
    pub refs: BTreeMap<String, usize>,
    pub aliases: Vec<String>,
}

impl ServedRepo {
    /// A branch or tag name, or the full sha of one of the repo's commits.
    pub fn resolve(&self, revision: &str) -> Option<&ServedCommit> {
        if let Some(&index) = self.refs.get(revision) {
            return self.commits.get(index);
        }
        if is_commit_sha(revision) {
            return self.commits.iter().find(|c| c.sha == revision);
        }
        None
    }
}

#[derive(Debug)]
pub(crate) struct BuiltContents {
    pub repos: Vec<ServedRepo>,
    pub granted_tokens: Vec<String>,
    pub other_tokens: Vec<String>,
    pub cdn_host: String,
}

impl fmt::Display for RepoKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.singular())
    }
}
