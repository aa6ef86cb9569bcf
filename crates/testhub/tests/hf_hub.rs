//! The test hub against the real hf-hub 0.4.3 sync API (ureq): what it requests, what it writes
//! to the cache, and how it surfaces the hub's errors.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hf_hub::api::sync::{Api, ApiBuilder, ApiError};
use hf_hub::{Cache, Repo, RepoType};
use kakugo_testhub::{
    git_blob_id, sha256_hex, Fault, HubContents, HubRepo, RepoKind, RequestRecord, TestHub,
};

const TOKEN: &str = "hf_granted_token";
const USER_TOKEN: &str = "hf_user_without_access";

const CONFIG: &str = r#"{"architectures": ["LlamaForCausalLM"], "vocab_size": 49152}"#;

fn weights() -> Vec<u8> {
    pseudo_random(300_000, 1)
}

/// Deterministic bytes (xorshift), so tests need no data files.
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn contents() -> HubContents {
    HubContents::new()
        .token(TOKEN)
        .token_without_access(USER_TOKEN)
        .repo(
            HubRepo::model("org/tiny-model")
                .file("config.json", CONFIG)
                .lfs_file("model.safetensors", weights()),
        )
        .repo(
            HubRepo::dataset("org/flores")
                .file("README.md", "# old readme\n")
                .lfs_file("devtest/eng_Latn.parquet", pseudo_random(5_000, 2))
                .tag("v1.0")
                .commit()
                .file("README.md", "# flores\n")
                .lfs_file("devtest/fra_Latn.parquet", pseudo_random(7_000, 3))
                .commit()
                .sha("0123456789abcdef0123456789abcdef01234567")
                .file("devtest/extra.txt", "extra")
                .branch("refs/convert/parquet"),
        )
        .repo(
            HubRepo::dataset("org/gated-mmlu")
                .gated()
                .file("README.md", "gated\n")
                .lfs_file("test/yo.parquet", pseudo_random(3_000, 4)),
        )
        .repo(
            HubRepo::model("org/secret")
                .private()
                .file("config.json", "{}"),
        )
        .repo(
            HubRepo::model("new-org/renamed")
                .renamed_from("old-org/original")
                .file("config.json", CONFIG)
                .lfs_file("model.safetensors", weights()),
        )
}

fn api(hub: &TestHub, cache: &Path, token: Option<&str>) -> Api {
    builder(hub, cache, token).build().unwrap()
}

fn builder(hub: &TestHub, cache: &Path, token: Option<&str>) -> ApiBuilder {
    ApiBuilder::new()
        .with_endpoint(hub.endpoint())
        .with_cache_dir(cache.to_path_buf())
        // Always set: hf-hub would otherwise read ~/.cache/huggingface/token.
        .with_token(token.map(str::to_string))
        .with_progress(false)
}

/// `GET /path [range] -> status`, one line per request.
fn summary(requests: &[RequestRecord]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let range = r
                .range
                .as_deref()
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default();
            format!("{} {}{} -> {}", r.method, r.target, range, r.status)
        })
        .collect()
}

/// The status, `X-Error-Code` and `X-Error-Message` behind an hf-hub request error.
fn http_error(err: &ApiError) -> (u16, Option<String>, Option<String>) {
    match err {
        ApiError::RequestError(e) => match e.as_ref() {
            ureq::Error::Status(status, response) => (
                *status,
                response.header("x-error-code").map(str::to_string),
                response.header("x-error-message").map(str::to_string),
            ),
            other => panic!("not a status error: {other}"),
        },
        other => panic!("not a request error: {other:?}"),
    }
}

fn link_target(path: &Path) -> PathBuf {
    std::fs::read_link(path).unwrap()
}

#[test]
fn model_regular_and_lfs_files_and_their_requests() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let api = api(&hub, cache.path(), None);
    let repo = api.model("org/tiny-model".into());
    let commit = hub
        .commit_sha(RepoKind::Model, "org/tiny-model", "main")
        .unwrap();

    let config = repo.get("config.json").unwrap();
    assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);
    let weights_path = repo.get("model.safetensors").unwrap();
    assert_eq!(std::fs::read(&weights_path).unwrap(), weights());

    // The requests hf-hub 0.4.3 makes for a `get` that misses the cache: a metadata GET with
    // `Range: bytes=0-0` (never HEAD), then the download GET with `Range: bytes=0-` on the
    // resolve URL. For an LFS file the metadata step takes X-Repo-Commit and X-Linked-Etag
    // from the 302 and probes the CDN itself for Content-Range; the download GET follows the
    // 302 inside ureq.
    let cdn = format!("/cdn/models/org/tiny-model/{commit}/model.safetensors");
    assert_eq!(
        summary(&hub.requests()),
        vec![
            "GET /org/tiny-model/resolve/main/config.json [bytes=0-0] -> 206".to_string(),
            "GET /org/tiny-model/resolve/main/config.json [bytes=0-] -> 206".to_string(),
            "GET /org/tiny-model/resolve/main/model.safetensors [bytes=0-0] -> 302".to_string(),
            format!("GET {cdn} [bytes=0-0] -> 206"),
            "GET /org/tiny-model/resolve/main/model.safetensors [bytes=0-] -> 302".to_string(),
            format!("GET {cdn} [bytes=0-] -> 206"),
        ]
    );
    assert!(hub.requests().iter().all(|r| r.token.is_none()));

    // The cache layout: blobs named by etag (git blob id / sha256), snapshot symlinks,
    // refs/main holding the commit, and the lock files hf-hub leaves behind.
    let root = cache.path().join("models--org--tiny-model");
    let config_blob = git_blob_id(CONFIG.as_bytes());
    let weights_blob = sha256_hex(&weights());
    assert_eq!(
        config,
        root.join("snapshots").join(&commit).join("config.json")
    );
    assert_eq!(
        weights_path,
        root.join("snapshots")
            .join(&commit)
            .join("model.safetensors")
    );
    assert_eq!(
        link_target(&config),
        PathBuf::from("../../blobs").join(&config_blob)
    );
    assert_eq!(
        link_target(&weights_path),
        PathBuf::from("../../blobs").join(&weights_blob)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("refs/main")).unwrap(),
        commit
    );
    let mut blobs: Vec<String> = std::fs::read_dir(root.join("blobs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    blobs.sort();
    let mut expected = vec![
        config_blob.clone(),
        format!("{config_blob}.lock"),
        weights_blob.clone(),
        format!("{weights_blob}.lock"),
    ];
    expected.sort();
    assert_eq!(blobs, expected);

    let counts = hub.download_counts();
    assert_eq!(counts.len(), 2);
    assert_eq!(counts["org/tiny-model:config.json"], 1);
    assert_eq!(counts["org/tiny-model:model.safetensors"], 1);
    let stats = hub.file_stats(RepoKind::Model, "org/tiny-model", "model.safetensors");
    assert_eq!((stats.probes, stats.completed), (1, 1));
    assert_eq!(
        hub.bytes_served(),
        (CONFIG.len() + 1 + weights().len() + 1) as u64
    );
}

#[test]
fn dataset_files_cache_hits_and_offline_lookup() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let api = api(&hub, cache.path(), None);
    let repo = api.dataset("org/flores".into());
    let readme = repo.get("README.md").unwrap();
    let fra = repo.get("devtest/fra_Latn.parquet").unwrap();
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), "# flores\n");
    assert_eq!(std::fs::read(&fra).unwrap(), pseudo_random(7_000, 3));
    let commit = hub
        .commit_sha(RepoKind::Dataset, "org/flores", "main")
        .unwrap();
    assert_eq!(commit, "0123456789abcdef0123456789abcdef01234567");
    assert!(hub.requests()[0]
        .target
        .starts_with("/datasets/org/flores/resolve/main/"));
    let root = cache.path().join("datasets--org--flores");
    assert_eq!(
        fra,
        root.join("snapshots")
            .join(&commit)
            .join("devtest/fra_Latn.parquet")
    );
    // A nested file's link climbs one more level.
    assert_eq!(
        link_target(&fra),
        PathBuf::from("../../../blobs").join(sha256_hex(&pseudo_random(7_000, 3)))
    );

    // `get` again: served from the cache without a single request.
    let before = hub.requests().len();
    assert_eq!(repo.get("README.md").unwrap(), readme);
    assert_eq!(repo.get("devtest/fra_Latn.parquet").unwrap(), fra);
    assert_eq!(hub.requests().len(), before);
    assert_eq!(
        hub.downloads(RepoKind::Dataset, "org/flores", "README.md"),
        1
    );

    // `download` (unlike `get`) always asks the hub and downloads the whole file again, even
    // with the blob in the cache.
    repo.download("README.md").unwrap();
    assert_eq!(
        hub.downloads(RepoKind::Dataset, "org/flores", "README.md"),
        2
    );

    // With the hub gone: `Cache` finds the files, and `get` still answers from the cache.
    let endpoint = hub.endpoint();
    drop(hub);
    assert!(std::net::TcpStream::connect(endpoint.trim_start_matches("http://")).is_err());
    let offline = Cache::new(cache.path().to_path_buf()).dataset("org/flores".into());
    assert_eq!(offline.get("README.md"), Some(readme.clone()));
    assert_eq!(offline.get("devtest/fra_Latn.parquet"), Some(fra));
    assert_eq!(offline.get("devtest/eng_Latn.parquet"), None);
    assert_eq!(repo.get("README.md").unwrap(), readme);
    let err = repo.get("devtest/eng_Latn.parquet").unwrap_err();
    assert!(
        matches!(&err, ApiError::RequestError(e) if matches!(e.as_ref(), ureq::Error::Transport(_))),
        "{err:?}"
    );
}

#[test]
fn pinned_revisions_by_sha_tag_and_slashed_branch() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let api = api(&hub, cache.path(), None);
    let first = hub
        .commit_sha(RepoKind::Dataset, "org/flores", "v1.0")
        .unwrap();
    assert_ne!(
        first,
        hub.commit_sha(RepoKind::Dataset, "org/flores", "main")
            .unwrap()
    );

    // By full commit sha: the old README; hf-hub writes refs/<sha> too.
    let pinned = api.repo(Repo::with_revision(
        "org/flores".into(),
        RepoType::Dataset,
        first.clone(),
    ));
    let readme = pinned.get("README.md").unwrap();
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), "# old readme\n");
    let root = cache.path().join("datasets--org--flores");
    assert_eq!(
        readme,
        root.join("snapshots").join(&first).join("README.md")
    );
    assert_eq!(
        std::fs::read_to_string(root.join("refs").join(&first)).unwrap(),
        first
    );
    // A file added later is not at that commit.
    let err = pinned.get("devtest/fra_Latn.parquet").unwrap_err();
    assert_eq!(http_error(&err).0, 404);

    // By tag.
    let tagged = api.repo(Repo::with_revision(
        "org/flores".into(),
        RepoType::Dataset,
        "v1.0".into(),
    ));
    assert_eq!(tagged.get("README.md").unwrap(), readme);
    assert_eq!(
        std::fs::read_to_string(root.join("refs/v1.0")).unwrap(),
        first
    );

    // A branch with slashes travels as %2F and lands in refs/refs/convert/parquet.
    let parquet = api.repo(Repo::with_revision(
        "org/flores".into(),
        RepoType::Dataset,
        "refs/convert/parquet".into(),
    ));
    let extra = parquet.get("devtest/extra.txt").unwrap();
    assert_eq!(std::fs::read_to_string(extra).unwrap(), "extra");
    assert!(hub
        .requests()
        .iter()
        .any(|r| r.target
            == "/datasets/org/flores/resolve/refs%2Fconvert%2Fparquet/devtest/extra.txt"));
    assert_eq!(
        std::fs::read_to_string(root.join("refs/refs/convert/parquet")).unwrap(),
        hub.commit_sha(RepoKind::Dataset, "org/flores", "refs/convert/parquet")
            .unwrap()
    );

    // An unknown revision.
    let missing = api.repo(Repo::with_revision(
        "org/flores".into(),
        RepoType::Dataset,
        "no-such-branch".into(),
    ));
    let err = missing.get("README.md").unwrap_err();
    assert_eq!(
        http_error(&err),
        (
            404,
            Some("RevisionNotFound".into()),
            Some("Invalid rev id: no-such-branch".into())
        )
    );
}

#[test]
fn gated_dataset_needs_the_token() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();

    // No token: 401 GatedRepo on the metadata request; nothing is written to the cache.
    let anonymous = api(&hub, cache.path(), None).dataset("org/gated-mmlu".into());
    let err = anonymous.get("test/yo.parquet").unwrap_err();
    let (status, code, message) = http_error(&err);
    assert_eq!((status, code.as_deref()), (401, Some("GatedRepo")));
    assert_eq!(
        message.unwrap(),
        "Access to dataset org/gated-mmlu is restricted. You must have access to it and be \
         authenticated to access it. Please log in."
    );
    // What a user would see from `{err}`: the URL and the status, nothing about the gate.
    assert_eq!(
        err.to_string(),
        format!(
            "request error: {}/datasets/org/gated-mmlu/resolve/main/test/yo.parquet: status code 401",
            hub.endpoint()
        )
    );
    assert!(!cache.path().join("datasets--org--gated-mmlu").exists());
    let err = anonymous.info().unwrap_err();
    assert_eq!(http_error(&err).1.as_deref(), Some("GatedRepo"));

    // A valid token without access: 403 GatedRepo.
    let user = api(&hub, cache.path(), Some(USER_TOKEN)).dataset("org/gated-mmlu".into());
    let (status, code, _) = http_error(&user.get("README.md").unwrap_err());
    assert_eq!((status, code.as_deref()), (403, Some("GatedRepo")));

    // A token the hub does not know: 401 without an error code, on any repo.
    let bad = api(&hub, cache.path(), Some("hf_wrong"));
    let (status, code, message) = http_error(
        &bad.dataset("org/gated-mmlu".into())
            .get("README.md")
            .unwrap_err(),
    );
    assert_eq!(
        (status, code, message.as_deref()),
        (
            401,
            None,
            Some("Invalid credentials in Authorization header")
        )
    );
    let (status, _, _) = http_error(
        &bad.model("org/tiny-model".into())
            .get("config.json")
            .unwrap_err(),
    );
    assert_eq!(status, 401);

    // The granted token: both files, and the info call.
    hub.reset_counters();
    let granted = api(&hub, cache.path(), Some(TOKEN)).dataset("org/gated-mmlu".into());
    let path = granted.get("test/yo.parquet").unwrap();
    assert_eq!(std::fs::read(path).unwrap(), pseudo_random(3_000, 4));
    granted.get("README.md").unwrap();
    let info = granted.info().unwrap();
    assert_eq!(info.siblings.len(), 2);
    // Every request carried the token, the CDN ones too (same host here; see
    // `token_is_dropped_on_the_redirect_to_another_cdn_host`).
    assert!(hub.requests().iter().all(|r| r.authorized));
    assert_eq!(
        hub.download_counts().into_iter().collect::<Vec<_>>(),
        vec![
            ("datasets/org/gated-mmlu:README.md".to_string(), 1),
            ("datasets/org/gated-mmlu:test/yo.parquet".to_string(), 1),
        ]
    );
}

#[test]
fn token_is_dropped_on_the_redirect_to_another_cdn_host() {
    // `localhost` makes the CDN another host for ureq (same server and port).
    let hub = TestHub::start(contents().cdn_host("localhost"));
    let cache = tempfile::tempdir().unwrap();
    let repo = api(&hub, cache.path(), Some(TOKEN)).dataset("org/gated-mmlu".into());
    let path = repo.get("test/yo.parquet").unwrap();
    assert_eq!(std::fs::read(path).unwrap(), pseudo_random(3_000, 4));
    let requests = hub.requests();
    let cdn: Vec<_> = requests
        .iter()
        .filter(|r| r.target.starts_with("/cdn/"))
        .map(|r| (r.range.as_deref(), r.token.as_deref()))
        .collect();
    // hf-hub's own metadata probe of the CDN URL sends the token (it sets the header on the
    // request); ureq strips it when it follows the redirect to another host.
    assert_eq!(
        cdn,
        vec![(Some("bytes=0-0"), Some(TOKEN)), (Some("bytes=0-"), None)]
    );
}

#[test]
fn missing_file_repo_and_private_repo() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let anonymous = api(&hub, cache.path(), None);
    let with_token = api(&hub, cache.path(), Some(USER_TOKEN));

    let err = anonymous
        .model("org/tiny-model".into())
        .get("nope.json")
        .unwrap_err();
    assert_eq!(
        http_error(&err),
        (
            404,
            Some("EntryNotFound".into()),
            Some("nope.json does not exist on \"main\"".into())
        )
    );

    // A repo that does not exist: 401 anonymously (as for a private repo), 404 with a token.
    let (status, code, _) = http_error(&anonymous.model("org/none".into()).get("x").unwrap_err());
    assert_eq!((status, code.as_deref()), (401, Some("RepoNotFound")));
    let (status, code, _) = http_error(&with_token.model("org/none".into()).get("x").unwrap_err());
    assert_eq!((status, code.as_deref()), (404, Some("RepoNotFound")));
    // A model id asked for as a dataset does not exist either.
    let (status, code, _) = http_error(
        &anonymous
            .dataset("org/tiny-model".into())
            .get("config.json")
            .unwrap_err(),
    );
    assert_eq!((status, code.as_deref()), (401, Some("RepoNotFound")));

    let (status, code, _) = http_error(
        &anonymous
            .model("org/secret".into())
            .get("config.json")
            .unwrap_err(),
    );
    assert_eq!((status, code.as_deref()), (401, Some("RepoNotFound")));
    let granted = api(&hub, cache.path(), Some(TOKEN));
    granted
        .model("org/secret".into())
        .get("config.json")
        .unwrap();
    assert_eq!(hub.download_counts().len(), 1);
}

#[test]
fn renamed_repo_relative_redirects() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let api = api(&hub, cache.path(), None);
    let repo = api.model("old-org/original".into());
    let config = repo.get("config.json").unwrap();
    assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);
    let weights_path = repo.get("model.safetensors").unwrap();
    assert_eq!(std::fs::read(&weights_path).unwrap(), weights());
    // Cached under the name asked for.
    assert!(config.starts_with(cache.path().join("models--old-org--original")));

    let commit = hub
        .commit_sha(RepoKind::Model, "new-org/renamed", "main")
        .unwrap();
    let cdn = format!("/cdn/models/new-org/renamed/{commit}/model.safetensors");
    assert_eq!(
        summary(&hub.requests()),
        vec![
            // metadata: hf-hub follows the relative 307 itself, keeping the Range
            "GET /old-org/original/resolve/main/config.json [bytes=0-0] -> 307".to_string(),
            "GET /new-org/renamed/resolve/main/config.json [bytes=0-0] -> 206".to_string(),
            // download: ureq follows it
            "GET /old-org/original/resolve/main/config.json [bytes=0-] -> 307".to_string(),
            "GET /new-org/renamed/resolve/main/config.json [bytes=0-] -> 206".to_string(),
            "GET /old-org/original/resolve/main/model.safetensors [bytes=0-0] -> 307".to_string(),
            "GET /new-org/renamed/resolve/main/model.safetensors [bytes=0-0] -> 302".to_string(),
            format!("GET {cdn} [bytes=0-0] -> 206"),
            "GET /old-org/original/resolve/main/model.safetensors [bytes=0-] -> 307".to_string(),
            "GET /new-org/renamed/resolve/main/model.safetensors [bytes=0-] -> 302".to_string(),
            format!("GET {cdn} [bytes=0-] -> 206"),
        ]
    );

    let info = repo.info().unwrap();
    assert_eq!(info.sha, commit);
}

#[test]
fn info_lists_siblings_at_a_revision() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let api = api(&hub, cache.path(), None);
    let info = api.dataset("org/flores".into()).info().unwrap();
    assert_eq!(info.sha, "0123456789abcdef0123456789abcdef01234567");
    let names: Vec<&str> = info.siblings.iter().map(|s| s.rfilename.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "README.md",
            "devtest/eng_Latn.parquet",
            "devtest/extra.txt",
            "devtest/fra_Latn.parquet"
        ]
    );
    let old = api
        .repo(Repo::with_revision(
            "org/flores".into(),
            RepoType::Dataset,
            "v1.0".into(),
        ))
        .info()
        .unwrap();
    assert_eq!(old.siblings.len(), 2);
    assert_eq!(
        hub.requests().last().unwrap().target,
        "/api/datasets/org/flores/revision/v1.0"
    );

    // `info_request` gives the raw request, e.g. for `?blobs=true`.
    let detailed: serde_json::Value = api
        .model("org/tiny-model".into())
        .info_request()
        .query("blobs", "true")
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let weights_entry = &detailed["siblings"][1];
    assert_eq!(weights_entry["rfilename"], "model.safetensors");
    assert_eq!(weights_entry["lfs"]["sha256"], sha256_hex(&weights()));
    assert_eq!(weights_entry["size"], weights().len());
    assert_eq!(detailed["modelId"], "org/tiny-model");

    let err = api.model("org/none".into()).info().unwrap_err();
    assert_eq!(http_error(&err).0, 401);
}

#[test]
fn moving_main_leaves_get_on_the_cached_commit() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let api = api(&hub, cache.path(), None);
    let first = hub
        .commit_sha(RepoKind::Dataset, "org/flores", "v1.0")
        .unwrap();
    let last = hub
        .commit_sha(RepoKind::Dataset, "org/flores", "main")
        .unwrap();
    assert!(hub.set_ref(RepoKind::Dataset, "org/flores", "main", &first));
    let repo = api.dataset("org/flores".into());
    let readme = repo.get("README.md").unwrap();
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), "# old readme\n");
    // The hub moves main on; `get` never revalidates refs/main, so it keeps the old file.
    assert!(hub.set_ref(RepoKind::Dataset, "org/flores", "main", &last));
    assert_eq!(
        std::fs::read_to_string(repo.get("README.md").unwrap()).unwrap(),
        "# old readme\n"
    );
    // A file missing from the cached snapshot is fetched at the new main, which moves
    // refs/main: the README is then looked up in the new snapshot, misses, and is fetched again.
    repo.get("devtest/fra_Latn.parquet").unwrap();
    let root = cache.path().join("datasets--org--flores");
    assert_eq!(
        std::fs::read_to_string(root.join("refs/main")).unwrap(),
        last
    );
    assert_eq!(
        std::fs::read_to_string(repo.get("README.md").unwrap()).unwrap(),
        "# flores\n"
    );
    assert_eq!(
        hub.downloads(RepoKind::Dataset, "org/flores", "README.md"),
        2
    );
}

/// The `X-Linked-Etag` the hub reports for an LFS file, unquoted.
fn linked_etag(hub: &TestHub, url_path: &str) -> String {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let answer = agent
        .get(&format!("{}{url_path}", hub.endpoint()))
        .call()
        .unwrap();
    assert_eq!(answer.status(), 302);
    answer
        .header("x-linked-etag")
        .unwrap()
        .trim_matches('"')
        .to_string()
}

#[test]
fn large_file_streams_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.bin");
    let data = pseudo_random(20 * 1024 * 1024, 5);
    std::fs::write(&big, &data).unwrap();
    let hub = TestHub::start(
        HubContents::new().repo(
            HubRepo::dataset("org/big")
                .lfs_file_at("train.bin", &big)
                .file_at("plain.bin", &big),
        ),
    );
    // (Not hashed here: sha256 of 20 MB is slow in a debug build.)
    let digest = linked_etag(&hub, "/datasets/org/big/resolve/main/train.bin");
    let cache = tempfile::tempdir().unwrap();

    // The download is cut after 5 MiB: hf-hub (no retries by default) fails with an I/O
    // error and leaves blobs/<sha256>.part behind.
    hub.inject(Fault::truncate(5 << 20, "/cdn/").skip_probes());
    let repo = api(&hub, cache.path(), None).dataset("org/big".into());
    let err = repo.get("train.bin").unwrap_err();
    assert!(matches!(err, ApiError::IoError(_)), "{err:?}");
    let part = cache
        .path()
        .join("datasets--org--big/blobs")
        .join(format!("{digest}.part"));
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 5 << 20);

    // The next `get` resumes from the .part file with `Range: bytes=5242880-`.
    let path = repo.get("train.bin").unwrap();
    assert!(std::fs::read(&path).unwrap() == data);
    assert!(!part.exists());
    let last = hub.requests().last().unwrap().clone();
    assert_eq!(last.range.as_deref(), Some("bytes=5242880-"));
    assert_eq!(last.status, 206);
    assert_eq!(last.body_bytes, 15 << 20);
    let stats = hub.file_stats(RepoKind::Dataset, "org/big", "train.bin");
    assert_eq!((stats.downloads, stats.completed), (2, 1));
    assert_eq!(stats.bytes, (5 << 20) + (15 << 20) + 2);

    // With retries, one `get` survives a cut: it resumes within the call.
    hub.inject(Fault::truncate(3 << 20, "plain.bin").skip_probes());
    let retrying = builder(&hub, cache.path(), None)
        .with_retries(2)
        .build()
        .unwrap()
        .dataset("org/big".into());
    let plain = retrying.get("plain.bin").unwrap();
    assert!(std::fs::read(&plain).unwrap() == data);
    let ranges: Vec<Option<String>> = hub
        .requests()
        .iter()
        .filter(|r| r.target.ends_with("plain.bin"))
        .map(|r| r.range.clone())
        .collect();
    assert_eq!(
        ranges,
        vec![
            Some("bytes=0-0".into()),
            Some("bytes=0-".into()),
            Some("bytes=3145728-".into())
        ]
    );
    assert_eq!(hub.bytes_served(), (40 << 20) + 3);
}

#[test]
fn server_errors_and_retries() {
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    let no_retries = api(&hub, cache.path(), None).model("org/tiny-model".into());
    let retrying = builder(&hub, cache.path(), None)
        .with_retries(2)
        .build()
        .unwrap()
        .model("org/tiny-model".into());

    // A 500 on the metadata request fails the call, retries or not: hf-hub only retries the
    // download request.
    hub.fail_next("config.json", 1, 500);
    let (status, _, _) = http_error(&retrying.get("config.json").unwrap_err());
    assert_eq!(status, 500);

    // A 500 on the download request: fatal without retries...
    hub.inject(Fault::status(500, "config.json").skip_probes());
    let err = no_retries.get("config.json").unwrap_err();
    assert_eq!(http_error(&err).0, 500);
    // ...retried with them (two failures, then success).
    hub.inject(Fault::status(503, "config.json").skip_probes().times(2));
    hub.reset_counters();
    let path = retrying.get("config.json").unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), CONFIG);
    let statuses: Vec<u16> = hub.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![206, 503, 503, 206]);

    // A dropped connection and a slow answer.
    // (Twice: ureq may retry a request that failed on a reused connection.)
    hub.inject(Fault::drop_connection("model.safetensors").times(2));
    assert!(matches!(
        no_retries.get("model.safetensors").unwrap_err(),
        ApiError::RequestError(_)
    ));
    hub.clear_faults();
    hub.inject(Fault::delay(Duration::from_millis(300), "model.safetensors").times(2));
    let start = std::time::Instant::now();
    no_retries.get("model.safetensors").unwrap();
    assert!(start.elapsed() >= Duration::from_millis(600));
}

#[test]
fn empty_files_fail_in_hf_hub() {
    // hf-hub's metadata probe asks for bytes=0-0, which an empty file cannot satisfy: the hub
    // (like any RFC 9110 server) answers 416 and hf-hub 0.4.3 gives up.
    let hub =
        TestHub::start(HubContents::new().repo(HubRepo::model("org/m").file("empty.txt", "")));
    let cache = tempfile::tempdir().unwrap();
    let err = api(&hub, cache.path(), None)
        .model("org/m".into())
        .get("empty.txt")
        .unwrap_err();
    assert_eq!(http_error(&err).0, 416);
}

#[test]
fn concurrent_gets_of_one_file_download_it_twice() {
    // hf-hub locks blobs/<etag>.lock (flock, polled once a second, 5 tries) around the
    // download, but does not look for the finished blob after waiting: the second caller
    // downloads the file again. (A download that holds the lock for over ~5 s makes the other
    // caller fail with `ApiError::LockAcquisition`.)
    let hub = TestHub::start(contents());
    let cache = tempfile::tempdir().unwrap();
    hub.inject(Fault::delay(Duration::from_millis(1500), "/cdn/").skip_probes());
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let api = api(&hub, cache.path(), None);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(200 * i));
                api.model("org/tiny-model".into())
                    .get("model.safetensors")
                    .unwrap()
            })
        })
        .collect();
    let paths: Vec<PathBuf> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(paths[0], paths[1]);
    assert_eq!(std::fs::read(&paths[0]).unwrap(), weights());
    assert_eq!(
        hub.downloads(RepoKind::Model, "org/tiny-model", "model.safetensors"),
        2
    );
}

#[test]
fn test_hub_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TestHub>();
}
