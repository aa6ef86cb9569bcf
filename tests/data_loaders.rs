//! Real-data checks of the SIB-200 and FLORES loaders against the figures in the data README.
mod common;

use kakugo::data::{flores, sib200};

#[test]
fn sib200_eng_test_matches_readme_counts() {
    let root = common::data_dir();
    let loaded = sib200::load(&root, "eng_Latn", "test").unwrap();
    assert_eq!(loaded.docs.len(), 204);
    let mut counts = [0usize; 7];
    for d in &loaded.docs {
        counts[d.gold] += 1;
    }
    assert_eq!(counts, [51, 40, 30, 25, 22, 19, 17]);
    assert_eq!(loaded.files.len(), 2);
}

#[test]
fn sib200_deu_quoted_text_kept_as_is() {
    let root = common::data_dir();
    let all: Vec<_> = ["train", "dev", "test"]
        .iter()
        .flat_map(|s| sib200::load(&root, "deu_Latn", s).unwrap().docs)
        .collect();
    let doc = all.iter().find(|d| d.id == "279").expect("index_id 279");
    assert!(
        doc.fields["text"]
            .starts_with("\"Als ein Bundesstaat nach dem \"\"Winner takes all\"\"-Prinzip"),
        "{}",
        doc.fields["text"]
    );
}

#[test]
fn sib200_all_languages_test_split_loads() {
    let root = common::data_dir();
    let mut n = 0;
    for entry in std::fs::read_dir(root.join("sib200")).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_type().unwrap().is_dir() {
            continue;
        }
        let lang = entry.file_name().to_string_lossy().to_string();
        let loaded = sib200::load(&root, &lang, "test").unwrap();
        assert_eq!(loaded.docs.len(), 204, "{lang}");
        n += 1;
    }
    assert_eq!(n, 205);
}

#[test]
fn flores_kaz_eng_pair_counts() {
    let root = common::data_dir();
    let dev = flores::load_pairs(&root, "kaz_Cyrl", "eng_Latn", "dev").unwrap();
    let devtest = flores::load_pairs(&root, "kaz_Cyrl", "eng_Latn", "devtest").unwrap();
    assert_eq!(dev.docs.len(), 510);
    assert_eq!(devtest.docs.len(), 494);
}
