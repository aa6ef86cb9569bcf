//! Which environment variables hf-hub 0.4.3 reads. Environment variables are process-wide, so
//! this is its own test binary with a single test.

use hf_hub::api::sync::{ApiBuilder, ApiError};
use hf_hub::Cache;
use kakugo_testhub::{HubContents, HubRepo, RepoKind, TestHub};

#[test]
fn hf_hub_reads_hf_endpoint_and_hf_home_only_through_from_env() {
    let hub = TestHub::start(
        HubContents::new()
            .token("hf_from_token_file")
            .repo(HubRepo::dataset("org/gated").gated().file("x.csv", "a,b\n")),
    );
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("HF_ENDPOINT", hub.endpoint());
    std::env::set_var("HF_HOME", home.path());
    // Ignored by hf-hub 0.4.3: it neither reads HF_TOKEN nor honours HF_HUB_OFFLINE.
    std::env::set_var("HF_TOKEN", "hf_from_env_var");
    std::env::set_var("HF_HUB_OFFLINE", "1");

    // `ApiBuilder::new()` ignores HF_ENDPOINT and HF_HOME (it uses https://huggingface.co and
    // ~/.cache/huggingface/hub).
    let plain = ApiBuilder::new().with_progress(false).build().unwrap();
    assert_eq!(
        plain.dataset("org/gated".into()).url("x.csv"),
        "https://huggingface.co/datasets/org/gated/resolve/main/x.csv"
    );

    // `from_env` honours HF_ENDPOINT and HF_HOME; the token is HF_HOME/token, not HF_TOKEN.
    let from_env = || ApiBuilder::from_env().with_progress(false).build().unwrap();
    let err = from_env()
        .dataset("org/gated".into())
        .get("x.csv")
        .unwrap_err();
    assert!(matches!(&err, ApiError::RequestError(_)), "{err:?}");
    assert_eq!(
        hub.requests().len(),
        1,
        "HF_HUB_OFFLINE=1 did not stop the request"
    );
    assert_eq!(hub.requests()[0].token, None, "HF_TOKEN is not sent");

    std::fs::write(home.path().join("token"), "hf_from_token_file\n").unwrap();
    let path = from_env().dataset("org/gated".into()).get("x.csv").unwrap();
    assert!(path.starts_with(home.path().join("hub/datasets--org--gated/snapshots")));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n");
    assert_eq!(
        hub.requests().last().unwrap().token.as_deref(),
        Some("hf_from_token_file")
    );
    assert_eq!(hub.downloads(RepoKind::Dataset, "org/gated", "x.csv"), 1);
    assert_eq!(
        Cache::from_env().dataset("org/gated".into()).get("x.csv"),
        Some(path)
    );
}
