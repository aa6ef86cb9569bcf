//! SIB-200 against the data README: counts per split and category, quoted fields, all 205
//! languages aligned row by row.

use std::time::Instant;

use kakugo::data::{sib200, DataSource, LoadedFiles, MultipleChoiceDoc, Split};

use super::{common, counts, lang, sha256sums};

const LABELS: [&str; 7] = [
    "science/technology",
    "travel",
    "politics",
    "sports",
    "health",
    "entertainment",
    "geography",
];

fn load(code: &str, split: Split, files: &mut LoadedFiles) -> Vec<MultipleChoiceDoc> {
    let source = DataSource::local(common::data_dir().join("sib200"));
    sib200::load(&source, lang(code), split, files).unwrap()
}

fn per_label(docs: &[MultipleChoiceDoc]) -> Vec<usize> {
    let mut n = vec![0; 7];
    for d in docs {
        assert_eq!(d.choices, LABELS, "labels.txt order is the label index");
        assert_eq!(d.metadata["category"], LABELS[d.gold]);
        n[d.gold] += 1;
    }
    n
}

#[test]
fn eng_latn_counts_per_split_and_category_match_the_readme() {
    let mut files = LoadedFiles::default();
    assert_eq!(
        per_label(&load("eng_Latn", Split::Train, &mut files)),
        [176, 138, 102, 85, 77, 65, 58]
    );
    assert_eq!(
        per_label(&load("eng_Latn", Split::Dev, &mut files)),
        [25, 20, 14, 12, 11, 9, 8]
    );
    let test = load("eng_Latn", Split::Test, &mut files);
    assert_eq!(test.len(), 204);
    assert_eq!(per_label(&test), [51, 40, 30, 25, 22, 19, 17]);
    assert_eq!(test[0].id, "1523", "file order is kept");
    assert_eq!(test[0].language, "eng_Latn");
    // Four files, each hashed as SHA256SUMS lists it.
    let root = common::data_dir();
    let sums = sha256sums(&root);
    assert_eq!(files.len(), 4);
    for f in files.files() {
        let rel = f.path.strip_prefix(&root).unwrap().to_str().unwrap();
        assert_eq!(f.sha256, sums[rel], "{rel}");
    }
}

/// The 6 eng_Latn test rows whose text pandas quoted, unquoted here by hand from the raw
/// lines (strip the outer quotes, undouble the inner ones), come out of the loader exactly so.
#[test]
fn quoted_fields_are_unquoted_exactly() {
    let raw = std::fs::read_to_string(common::data_dir().join("sib200/eng_Latn/test.tsv")).unwrap();
    let quoted: Vec<(String, String)> = raw
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.splitn(3, '\t');
            let (id, _, text) = (cols.next()?, cols.next()?, cols.next()?);
            let inner = text.strip_prefix('"')?.strip_suffix('"')?;
            Some((id.to_string(), inner.replace("\"\"", "\"")))
        })
        .collect();
    assert_eq!(quoted.len(), 6);
    let docs = load("eng_Latn", Split::Test, &mut LoadedFiles::default());
    for (id, text) in &quoted {
        let doc = docs.iter().find(|d| &d.id == id).unwrap();
        assert_eq!(&doc.fields["text"], text);
    }
    let doc = docs.iter().find(|d| d.id == "61").unwrap();
    assert_eq!(
        doc.fields["text"],
        "During his 2 hour speech he stated that \"Today Apple is going to reinvent the phone, We \
         are going to make history today\"."
    );
}

/// The README's example of a FLORES artefact kept as is: a leading quote and doubled quotes
/// that are part of the sentence.
#[test]
fn deu_latn_279_keeps_its_quote_artefacts() {
    let docs = load("deu_Latn", Split::Train, &mut LoadedFiles::default());
    let doc = docs.iter().find(|d| d.id == "279").unwrap();
    assert_eq!(
        doc.fields["text"],
        "\"Als ein Bundesstaat nach dem \"\"Winner takes all\"\"-Prinzip gab Florida alle fünfzig \
         Wahlmännerstimmen an Romney. Damit beförderte es ihn an die Spitze für das \
         Nominierungsrennen der Republikanischen Partei.\""
    );
    assert_eq!(doc.metadata["category"], "politics");
}

/// Every language directory loads (701/99/204 rows), with the same index_id and category on
/// each line as eng_Latn; all 205 are registry languages marked as SIB-200.
#[test]
fn all_205_languages_load_and_align() {
    let dir = common::data_dir().join("sib200");
    let mut codes: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    codes.sort();
    assert_eq!(codes.len(), 205);
    let splits = [(Split::Train, 701), (Split::Dev, 99), (Split::Test, 204)];
    let key = |docs: &[MultipleChoiceDoc]| -> Vec<(String, usize)> {
        docs.iter().map(|d| (d.id.clone(), d.gold)).collect()
    };
    let reference: Vec<_> = splits
        .iter()
        .map(|(s, _)| key(&load("eng_Latn", *s, &mut LoadedFiles::default())))
        .collect();
    let start = Instant::now();
    let mut files = LoadedFiles::default();
    let mut rows = 0;
    for code in &codes {
        let language =
            kakugo::lang::get(code).unwrap_or_else(|| panic!("{code} not in the registry"));
        assert!(language.in_sib200, "{code}");
        for ((split, n), want) in splits.iter().zip(&reference) {
            let docs = load(code, *split, &mut files);
            assert_eq!(docs.len(), *n, "{code} {split}");
            assert_eq!(&key(&docs), want, "{code} {split} aligned with eng_Latn");
            rows += docs.len();
        }
    }
    eprintln!(
        "loaded {rows} SIB-200 rows from {} files in {:?}",
        files.len(),
        start.elapsed()
    );
    assert_eq!(rows, 205 * 1004);
    assert_eq!(files.len(), 205 * 4);
}

#[test]
fn categories_of_the_test_split_by_metadata() {
    let docs = load("kaz_Cyrl", Split::Test, &mut LoadedFiles::default());
    let by = counts(docs.iter().map(|d| d.metadata["category"].as_str()));
    assert_eq!(by["science/technology"], 51);
    assert_eq!(by["geography"], 17);
    // A stratified 20-item subset keeps the proportions (largest remainders).
    let subset = kakugo::data::stratified_subset(&docs, "category", 20, 1234).unwrap();
    let sub = counts(subset.iter().map(|d| d.metadata["category"].as_str()));
    assert_eq!(sub.values().sum::<usize>(), 20);
    assert_eq!(sub["science/technology"], 5);
    assert_eq!(sub["geography"], 2);
}
