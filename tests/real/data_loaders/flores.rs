//! FLORES-200 against the data README: the complete N'Ko files agree with the aligned subset on
//! all 1,004 sentences, pairs join on index_id, and FLORES+ Parquet (written here from the real
//! N'Ko text in FLORES+'s schema, rows shuffled) reads back the same sentences.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use kakugo::data::flores::{self, FloresText};
use kakugo::data::{flores_plus, DataSource, LoadedFiles, Split};

use super::{common, lang, sha256sums};

fn source() -> DataSource {
    DataSource::local(common::data_dir().join("flores"))
}

fn complete(split: Split, files: &mut LoadedFiles) -> FloresText {
    flores::load_flores200(&source(), lang("nqo_Nkoo"), split, files).unwrap()
}

#[test]
fn nqo_complete_files_and_subset_agree_on_all_1004_sentences() {
    let mut files = LoadedFiles::default();
    let mut agreed = 0;
    for (split, lines, subset_rows) in [(Split::Dev, 997, 510), (Split::Devtest, 1012, 494)] {
        let full = complete(split, &mut files);
        assert_eq!(full.sentences.len(), lines);
        let subset = flores::load_subset(&source(), lang("nqo_Nkoo"), split, &mut files).unwrap();
        assert_eq!(subset.sentences.len(), subset_rows);
        for (id, text) in &subset.sentences {
            assert_eq!(&full.sentences[id], text, "index_id {id}");
            agreed += 1;
        }
    }
    assert_eq!(agreed, 1004);
    // dev line n is index_id n-1, devtest line n is 996+n: check both ends against the raw files.
    let raw = |p: &str| std::fs::read_to_string(common::data_dir().join(p)).unwrap();
    let dev = complete(Split::Dev, &mut files);
    let devtest = complete(Split::Devtest, &mut files);
    assert_eq!(
        dev.sentences[&0],
        raw("flores/dev/nqo_Nkoo.dev").lines().next().unwrap()
    );
    assert_eq!(
        dev.sentences[&996],
        raw("flores/dev/nqo_Nkoo.dev").lines().last().unwrap()
    );
    assert_eq!(
        devtest.sentences[&997],
        raw("flores/devtest/nqo_Nkoo.devtest")
            .lines()
            .next()
            .unwrap()
    );
    assert_eq!(
        devtest.sentences[&2008],
        raw("flores/devtest/nqo_Nkoo.devtest")
            .lines()
            .last()
            .unwrap()
    );
    let sums = sha256sums(&common::data_dir());
    let hashed = files
        .files()
        .filter(|f| {
            f.sha256
                == sums[&format!(
                    "flores/{}",
                    f.path
                        .strip_prefix(common::data_dir().join("flores"))
                        .unwrap()
                        .display()
                )]
        })
        .count();
    assert_eq!(
        hashed, 3,
        "dev, devtest and subset hashed as SHA256SUMS lists them"
    );
}

#[test]
fn kaz_eng_pairs_per_split() {
    let mut files = LoadedFiles::default();
    let (kaz, eng) = (lang("kk"), lang("en"));
    let dev = flores::load_pairs(&source(), kaz, eng, Split::Dev, &mut files).unwrap();
    let devtest = flores::load_pairs(&source(), kaz, eng, Split::Devtest, &mut files).unwrap();
    assert_eq!((dev.len(), devtest.len()), (510, 494));
    assert_eq!(files.len(), 2, "both subsets, read once each");
    let first = &dev[0];
    assert_eq!(
        (
            first.id.as_str(),
            first.source_language.as_str(),
            first.target_language.as_str()
        ),
        ("0", "kaz_Cyrl", "eng_Latn")
    );
    assert!(first
        .source
        .starts_with("Дүйсенбі күні Стэнфорд университетінің"));
    assert!(first.references[0]
        .starts_with("On Monday, scientists from the Stanford University School of Medicine"));
    let ids: Vec<u32> = devtest.iter().map(|d| d.id.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]) && ids[0] >= 997 && *ids.last().unwrap() <= 2008);
}

/// N'Ko has complete files, English only the subset: the join keeps the subset's 510.
#[test]
fn complete_and_subset_languages_pair_on_shared_ids() {
    let docs = flores::load_pairs(
        &source(),
        lang("nqo_Nkoo"),
        lang("eng_Latn"),
        Split::Dev,
        &mut LoadedFiles::default(),
    )
    .unwrap();
    assert_eq!(docs.len(), 510);
}

/// Writes `text` as a FLORES+ Parquet file: the dataset's columns, rows in the given order,
/// `id` 0-based within the split.
fn write_flores_plus(path: &Path, rows: &[(i64, &str)], iso_639_3: &str, iso_15924: &str) {
    let schema = parse_message_type(
        "message schema {
            REQUIRED INT64 id;
            REQUIRED BYTE_ARRAY iso_639_3 (UTF8);
            REQUIRED BYTE_ARRAY iso_15924 (UTF8);
            REQUIRED BYTE_ARRAY glottocode (UTF8);
            REQUIRED BYTE_ARRAY text (UTF8);
        }",
    )
    .unwrap();
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer =
        SerializedFileWriter::new(File::create(path).unwrap(), Arc::new(schema), props).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let strings = |f: &dyn Fn(&(i64, &str)) -> String| -> Vec<ByteArray> {
        rows.iter()
            .map(|r| ByteArray::from(f(r).as_str()))
            .collect()
    };
    let columns = [
        strings(&|_| iso_639_3.to_string()),
        strings(&|_| iso_15924.to_string()),
        strings(&|_| "nkoa1234".to_string()),
        strings(&|r| r.1.to_string()),
    ];
    let mut col = group.next_column().unwrap().unwrap();
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    col.typed::<Int64Type>()
        .write_batch(&ids, None, None)
        .unwrap();
    col.close().unwrap();
    for values in &columns {
        let mut col = group.next_column().unwrap().unwrap();
        col.typed::<ByteArrayType>()
            .write_batch(values, None, None)
            .unwrap();
        col.close().unwrap();
    }
    group.close().unwrap();
    writer.close().unwrap();
}

#[test]
fn flores_plus_parquet_reads_back_the_flores200_sentences() {
    let full = complete(Split::Dev, &mut LoadedFiles::default());
    let mut rows: Vec<(i64, &str)> = full
        .sentences
        .iter()
        .map(|(id, t)| (*id as i64, t.as_str()))
        .collect();
    rows.reverse();
    rows.swap(10, 500);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dev")).unwrap();
    let path = dir.path().join("dev/nqo_Nkoo.parquet");
    write_flores_plus(&path, &rows, "nqo", "Nkoo");
    let source = DataSource::local(dir.path());
    let plus = flores_plus::load(
        &source,
        lang("nqo_Nkoo"),
        Split::Dev,
        &mut LoadedFiles::default(),
    )
    .unwrap();
    assert_eq!(plus, full);

    // Wrong language columns and gaps in `id` are errors naming row and column.
    write_flores_plus(&path, &rows, "nqo", "Latn");
    let err = flores_plus::load(
        &source,
        lang("nqo_Nkoo"),
        Split::Dev,
        &mut LoadedFiles::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("line 1: field `iso_15924`: expected `Nkoo` (file nqo_Nkoo), found `Latn`"),
        "{err}"
    );
    rows[0].0 = 5000;
    write_flores_plus(&path, &rows, "nqo", "Nkoo");
    let err = flores_plus::load(
        &source,
        lang("nqo_Nkoo"),
        Split::Dev,
        &mut LoadedFiles::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("field `id`: expected id 996"),
        "{err}"
    );
    // FLORES+ names Chinese cmn_Hans: the file name follows the registry.
    let err = flores_plus::load(
        &source,
        lang("zho_Hans"),
        Split::Dev,
        &mut LoadedFiles::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("dev/cmn_Hans.parquet"), "{err}");
}
