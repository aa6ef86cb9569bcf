//! A dataset from the Hugging Face hub cache, offline: a cache laid out as `huggingface_hub`
//! writes it (`datasets--Davlan--sib200/snapshots/<commit>/data/...`, `refs/main`), holding real
//! SIB-200 files.

use std::path::Path;

use kakugo::data::{sib200, DataSource, LoadedFiles, Split};
use kakugo::lang::Dataset;

use super::{common, lang};

const COMMIT: &str = "380836b2ab7dda501403d3272baff469d759a151";

fn build_cache(cache: &Path, refs_main: &str) {
    let repo = cache.join("datasets--Davlan--sib200");
    let snapshot = repo.join("snapshots").join(COMMIT).join("data/eng_Latn");
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), refs_main).unwrap();
    let real = common::data_dir().join("sib200/eng_Latn");
    for f in ["test.tsv", "labels.txt"] {
        std::fs::copy(real.join(f), snapshot.join(f)).unwrap();
    }
}

fn hub(cache: &Path, revision: &str) -> DataSource {
    DataSource::hub_for(Dataset::Sib200, cache, revision)
        .unwrap()
        .with_offline(true)
}

#[test]
fn sib200_loads_from_the_hub_cache() {
    let cache = tempfile::tempdir().unwrap();
    build_cache(cache.path(), COMMIT);
    for revision in ["main", COMMIT] {
        let mut files = LoadedFiles::default();
        let docs = sib200::load(
            &hub(cache.path(), revision),
            lang("eng_Latn"),
            Split::Test,
            &mut files,
        )
        .unwrap();
        assert_eq!(docs.len(), 204, "{revision}");
        let local = sib200::load(
            &DataSource::local(common::data_dir().join("sib200")),
            lang("eng_Latn"),
            Split::Test,
            &mut LoadedFiles::default(),
        )
        .unwrap();
        assert_eq!(docs, local);
        let read: Vec<_> = files.files().map(|f| f.path.clone()).collect();
        assert!(
            read.iter().all(|p| p.starts_with(
                cache
                    .path()
                    .join("datasets--Davlan--sib200/snapshots")
                    .join(COMMIT)
            )),
            "{read:?}"
        );
    }
}

/// `refs/main` written by hand often ends in a newline; it still finds the snapshot.
#[test]
fn refs_with_a_trailing_newline_still_resolve() {
    let cache = tempfile::tempdir().unwrap();
    build_cache(cache.path(), &format!("{COMMIT}\n"));
    let docs = sib200::load(
        &hub(cache.path(), "main"),
        lang("eng_Latn"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap();
    assert_eq!(docs.len(), 204);
}

#[test]
fn a_missing_file_names_the_file_and_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    build_cache(cache.path(), COMMIT);
    let err = sib200::load(
        &hub(cache.path(), "main"),
        lang("kaz_Cyrl"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "`data/kaz_Cyrl/test.tsv` of dataset Davlan/sib200@main is not in the hub cache"
        ),
        "{err}"
    );
    assert!(err.contains(&cache.path().display().to_string()), "{err}");
    let err = sib200::load(
        &hub(cache.path(), "v9"),
        lang("eng_Latn"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("Davlan/sib200@v9"), "{err}");
}

/// Not cached and not offline: the hub is asked (here without network, or for a revision that
/// does not exist), and the error still names the file and the cache it was missing from.
#[test]
fn a_failed_download_names_the_file_and_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    build_cache(cache.path(), COMMIT);
    let source = hub(cache.path(), "kakugo-no-such-revision").with_offline(false);
    let err = sib200::load(
        &source,
        lang("eng_Latn"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`data/eng_Latn/test.tsv` of dataset Davlan/sib200@kakugo-no-such-revision is not in the hub cache"), "{err}");
    assert!(err.contains(&cache.path().display().to_string()), "{err}");
    assert!(err.contains("downloading it failed"), "{err}");
}
