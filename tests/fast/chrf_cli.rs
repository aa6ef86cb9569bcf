//! `kakugo chrf` end to end: exit code, stdout and stderr against what sacrebleu 2.6.0's
//! command line prints for the same files (`sacrebleu ref.txt -i hyp.txt -m chrf
//! --chrf-word-order 2 -f text|json [-sl]`), plus kakugo's version in the signature.

use std::path::Path;
use std::process::Command;

const SIG: &str = "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0";

fn kakugo_sig() -> String {
    format!("{SIG}|kakugo:{}", env!("CARGO_PKG_VERSION"))
}

fn write_golden(dir: &Path) {
    std::fs::write(
        dir.join("hyp.txt"),
        "the cat sat on the mat\na dog ran\nhello world\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ref.txt"),
        "the cat sat on the mat\nthe dog runs\ngoodbye world\n",
    )
    .unwrap();
}

/// Runs `kakugo chrf --hyp hyp.txt --ref ref.txt ARGS` in `dir`: (exit code, stdout, stderr).
fn chrf(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .current_dir(dir)
        .args(["chrf", "--hyp", "hyp.txt", "--ref", "ref.txt"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn corpus_text_like_sacrebleu() {
    let dir = tempfile::tempdir().unwrap();
    write_golden(dir.path());
    let (code, out, err) = chrf(dir.path(), &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, format!("chrF2++|{} = 63.11\n", kakugo_sig()));
    // sacrebleu's own default width is 1: "chrF2++|nrefs:1|…|version:2.6.0 = 63.1"
    let (_, out, _) = chrf(dir.path(), &["--width", "1"]);
    assert_eq!(out, format!("chrF2++|{} = 63.1\n", kakugo_sig()));
    let (_, out, _) = chrf(dir.path(), &["--word-order", "0"]);
    assert!(
        out.starts_with("chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|"),
        "{out}"
    );
    assert!(out.ends_with(" = 61.54\n"), "{out}");
}

#[test]
fn sentence_scores_like_sacrebleu() {
    let dir = tempfile::tempdir().unwrap();
    write_golden(dir.path());
    let (code, out, _) = chrf(dir.path(), &["--sentence", "--width", "1"]);
    assert_eq!(code, 0);
    let sig = kakugo_sig();
    assert_eq!(
        out,
        format!("chrF2++|{sig} = 100.0\nchrF2++|{sig} = 20.7\nchrF2++|{sig} = 27.0\n")
    );
}

#[test]
fn json_like_sacrebleu() {
    let dir = tempfile::tempdir().unwrap();
    write_golden(dir.path());
    let (code, out, _) = chrf(dir.path(), &["--format", "json", "--width", "1"]);
    assert_eq!(code, 0);
    let sig = kakugo_sig();
    let version = env!("CARGO_PKG_VERSION");
    // sacrebleu's object, with kakugo's field at the end of the signature and of the object.
    let expected = format!(
        "{{\n \"name\": \"chrF2++\",\n \"score\": 63.1,\n \"signature\": \"{sig}\",\n \"nrefs\": \"1\",\n \"case\": \"mixed\",\n \"eff\": \"yes\",\n \"nc\": \"6\",\n \"nw\": \"2\",\n \"space\": \"no\",\n \"version\": \"2.6.0\",\n \"kakugo\": \"{version}\"\n}}\n"
    );
    assert_eq!(out, expected);
}

#[test]
fn mismatched_line_counts_name_both_files() {
    let dir = tempfile::tempdir().unwrap();
    write_golden(dir.path());
    std::fs::write(dir.path().join("ref.txt"), "only one line\n").unwrap();
    let (code, out, err) = chrf(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "kakugo: ref.txt: 1 line, but the hypotheses in hyp.txt have 3: references must be parallel \
         to the hypotheses, one segment per line\n"
    );
}
