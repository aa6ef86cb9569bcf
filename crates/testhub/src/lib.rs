//! A stand-in for the Hugging Face hub on `127.0.0.1`, for tests that download through
//! `hf-hub` 0.4.3 (sync API, `ureq`) without a network.
//!
//! [`TestHub::start`] binds a free port on `127.0.0.1` and serves [`HubContents`]: model and
//! dataset repos ([`HubRepo`]), each a chain of commits (40-hex shas) with branches and tags,
//! holding files given as bytes or as paths (streamed from disk), each regular or LFS. Dropping
//! the hub stops it.
//!
//! # The hub API served
//!
//! Only `GET` and `HEAD` (others: 405). Repo ids are one or two path segments and match
//! case-insensitively; a revision is a branch or tag name (percent-encoded, so
//! `refs%2Fconvert%2Fparquet`) or a full commit sha.
//!
//! - `/{id}/resolve/{rev}/{path}` (models) and `/datasets/{id}/resolve/{rev}/{path}`:
//!   - regular file: 200 with the bytes, or 206 for a `Range` (`bytes=a-b`, `bytes=a-`,
//!     `bytes=-n`; `Content-Range: bytes a-b/size`; 416 with `Content-Range: bytes */size` if
//!     unsatisfiable), `ETag: "<git blob id>"`, `X-Repo-Commit: <sha>`, `Accept-Ranges`.
//!   - LFS file: `302 Found` with an absolute `Location: http://127.0.0.1:PORT/cdn/...`,
//!     `X-Repo-Commit`, `X-Linked-Etag: "<sha256>"`, `X-Linked-Size: <size>` and
//!     `ETag: "<git blob id of the LFS pointer>"`, whatever the `Range`.
//! - `/cdn/{models|datasets}/{id}/{commit}/{path}`: the LFS bytes, with `Range` as above and
//!   `ETag: "<sha256>"`, no `X-Repo-Commit`, and no auth (a signed URL on the real hub).
//! - `/api/{models|datasets}/{id}` and `/api/{models|datasets}/{id}/revision/{rev}`: the repo
//!   info JSON (`id`, `sha`, `siblings: [{rfilename}]`, `private`, `gated`, ...; with
//!   `?blobs=true`, siblings also carry `blobId`, `size` and `lfs {sha256, size, pointerSize}`).
//!
//! Errors are the hub's: JSON `{"error": message}` plus `X-Error-Message`, and `X-Error-Code`
//! where the hub sends one:
//!
//! | case | status | `X-Error-Code` |
//! | --- | --- | --- |
//! | token not known to the hub (any repo) | 401 | none; `Invalid credentials in Authorization header` |
//! | missing (or private, unauthorised) repo, no token | 401 | `RepoNotFound` |
//! | same, with a valid token | 404 | `RepoNotFound` |
//! | gated repo, no token | 401 | `GatedRepo` |
//! | gated repo, valid token without access | 403 | `GatedRepo` |
//! | unknown revision | 404 | `RevisionNotFound` (`Invalid rev id: x`) |
//! | missing file | 404 | `EntryNotFound` (`x does not exist on "main"`) |
//! | malformed request | 400 | `BadRequest` |
//!
//! A repo renamed with [`HubRepo::renamed_from`] answers requests for its old id with a
//! `307` and a relative `Location` naming the new id, as the hub does for moved repos.
//!
//! # Instrumentation
//!
//! [`TestHub::requests`] logs every request (method, target, `Range`, status, token, whether
//! it was authorised, body bytes). [`TestHub::downloads`] / [`TestHub::download_counts`] count
//! GETs of a file's bytes other than `bytes=0-0` probes, at the resolve URL (regular files) or
//! the CDN (LFS files); [`TestHub::bytes_served`] counts file bytes sent. [`TestHub::inject`]
//! queues [`Fault`]s for the next matching requests: a status (500, 503...), a delay, a dropped
//! connection, or a body cut short.
//!
//! # What hf-hub 0.4.3 (sync, ureq) does against it
//!
//! `get(file)` returns `snapshots/<refs/<rev>>/<file>` from the cache without any request if
//! present. Otherwise (as `download` always does): `GET {endpoint}/{repo}/resolve/{rev}/{file}`
//! with `Range: bytes=0-0` and redirects off; it follows relative `Location`s itself (same
//! `Range`), takes the etag from `X-Linked-Etag` else `ETag` (quotes stripped) and the commit
//! from `X-Repo-Commit` (missing either: `ApiError::MissingHeader`); after an absolute
//! redirect it sends the same probe to the `Location` for `Content-Range` (the size). Then
//! `GET` of the resolve URL with `Range: bytes=<.part length>-`, ureq following redirects.
//! Any status >= 400 is `ApiError::RequestError(Box<ureq::Error::Status(code, response)>)`,
//! shown as `request error: <url>: status code <code>`; the `X-Error-Code` is only in the boxed
//! response. See `tests/hf_hub.rs` for each case.
//!
//! # Example
//!
//! ```
//! use hf_hub::api::sync::ApiBuilder;
//! use kakugo_testhub::{HubContents, HubRepo, RepoKind, TestHub};
//!
//! let hub = TestHub::start(
//!     HubContents::new()
//!         .repo(HubRepo::model("org/tiny").file("config.json", r#"{"vocab_size": 8}"#))
//!         .repo(HubRepo::dataset("org/data").lfs_file("test.parquet", vec![7u8; 1000])),
//! );
//! let cache = tempfile::tempdir().unwrap();
//! let api = ApiBuilder::new()
//!     .with_endpoint(hub.endpoint())
//!     .with_cache_dir(cache.path().to_path_buf())
//!     .with_token(None) // hf-hub would otherwise read ~/.cache/huggingface/token
//!     .with_progress(false)
//!     .build()
//!     .unwrap();
//! let path = api.dataset("org/data".into()).get("test.parquet").unwrap();
//! assert_eq!(std::fs::read(path).unwrap(), vec![7u8; 1000]);
//! assert_eq!(hub.downloads(RepoKind::Dataset, "org/data", "test.parquet"), 1);
//! ```

mod contents;
mod http;
mod server;

pub use contents::{git_blob_id, sha256_hex, Access, HubContents, HubRepo, RepoKind};
pub use server::{Fault, FaultAction, FileKey, FileStats, RequestRecord, TestHub};
