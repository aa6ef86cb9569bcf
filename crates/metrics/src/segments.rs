//! Parallel segment files (one segment per line), read the way sacrebleu's command line reads
//! them: UTF-8, Python's universal newlines (`\n`, `\r\n` and a lone `\r` end a line), and
//! each line right-stripped of whitespace.
//!
//! [`Parallel`] holds a hypothesis file and its reference files, checked to have the same
//! number of lines.
//!
//! ```no_run
//! use kakugo_metrics::{chrf::ChrF, segments::Parallel};
//! let p = Parallel::read("hyp.txt".as_ref(), &["ref.txt".into()])?;
//! let chrf = ChrF::chrf_plus_plus();
//! let stats = p.stats(|h, r| chrf.segment_stats(h, r));
//! println!("{}", chrf.report(&kakugo_metrics::sum_stats(&stats, 24), p.n_refs()).text(2, true));
//! # Ok::<(), kakugo_core::Error>(())
//! ```

use std::path::{Path, PathBuf};

use super::ngram::python_rstrip;
use kakugo_core::{Error, Result};

/// A hypothesis file with its references: `refs[k][i]` is reference `k` of segment `i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parallel {
    pub hyps: Vec<String>,
    pub refs: Vec<Vec<String>>,
}

impl Parallel {
    /// Reads `hyp` and each of `refs`; every file must have as many lines as `hyp`, and `hyp`
    /// at least one.
    pub fn read(hyp: &Path, refs: &[PathBuf]) -> Result<Parallel> {
        if refs.is_empty() {
            return Err(Error::usage_hint(
                "no reference file given",
                "pass one or more --ref FILE",
            ));
        }
        let hyps = read_segments(hyp)?;
        if hyps.is_empty() {
            return Err(Error::file(hyp, "no segments (the file is empty)"));
        }
        let mut all = Vec::with_capacity(refs.len());
        for path in refs {
            let lines = read_segments(path)?;
            if lines.len() != hyps.len() {
                return Err(Error::file(
                    path,
                    format!(
                        "{}, but the hypotheses in {} have {}: references must be parallel to the hypotheses, one segment per line",
                        count_lines(lines.len()),
                        hyp.display(),
                        hyps.len()
                    ),
                ));
            }
            all.push(lines);
        }
        Ok(Parallel { hyps, refs: all })
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.hyps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hyps.is_empty()
    }

    /// Number of references per segment.
    pub fn n_refs(&self) -> usize {
        self.refs.len()
    }

    /// The references of segment `i`.
    pub fn refs_of(&self, i: usize) -> Vec<&str> {
        self.refs.iter().map(|r| r[i].as_str()).collect()
    }

    /// Per-segment statistics of a metric given as `(hypothesis, references) → stats`.
    pub fn stats(&self, segment_stats: impl Fn(&str, &[&str]) -> Vec<f64>) -> Vec<Vec<f64>> {
        (0..self.len())
            .map(|i| segment_stats(&self.hyps[i], &self.refs_of(i)))
            .collect()
    }
}

fn count_lines(n: usize) -> String {
    format!("{n} line{}", if n == 1 { "" } else { "s" })
}

/// The lines of `path`, right-stripped, as sacrebleu's command line reads a file.
pub fn read_segments(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        Error::parse(path, line, "text", format!("invalid UTF-8 at byte {at}"))
    })?;
    Ok(split_lines(&text)
        .map(|l| python_rstrip(l).to_string())
        .collect())
}

/// Python's universal-newline line iteration: a final line terminator adds no empty line.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line = &rest[..end];
        let sep = if rest[end..].starts_with("\r\n") {
            2
        } else {
            usize::from(end < rest.len())
        };
        rest = &rest[end + sep..];
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn universal_newlines() {
        let lines: Vec<&str> = split_lines("a\r\nb\rc\n\nd").collect();
        assert_eq!(lines, ["a", "b", "c", "", "d"]);
        assert_eq!(split_lines("a\n").count(), 1);
        assert_eq!(split_lines("\n").collect::<Vec<_>>(), [""]);
        assert_eq!(split_lines("").count(), 0);
    }

    #[test]
    fn mismatched_files_name_both_and_their_counts() {
        let dir = tempfile::tempdir().unwrap();
        let (hyp, reference) = (dir.path().join("hyp.txt"), dir.path().join("ref.txt"));
        std::fs::write(&hyp, "a\nb\nc\n").unwrap();
        std::fs::write(&reference, "a  \nb\n").unwrap();
        let err = Parallel::read(&hyp, std::slice::from_ref(&reference))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ref.txt: 2 lines, but"), "{err}");
        assert!(err.contains("hyp.txt have 3:"), "{err}");
        std::fs::write(&hyp, "x\ny \t\n").unwrap();
        let p = Parallel::read(&hyp, &[reference.clone(), reference]).unwrap();
        assert_eq!(p.refs_of(0), ["a", "a"]);
        assert_eq!(p.hyps[1], "y");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, b"ok\nstill ok\nbad \xff here\n").unwrap();
        let err = read_segments(&path).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}
