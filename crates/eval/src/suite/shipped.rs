//! The suites shipped with kakugo, built into the binary so `--suite sib200` works from any
//! directory (and from an installed binary): the files in the checkout's `suites/` are the
//! same bytes.

use std::path::{Path, PathBuf};

use kakugo_core::{Error, Result};

use super::Suite;

/// (name, file contents) of every shipped suite.
pub const SHIPPED: &[(&str, &str)] = &[
    ("belebele", include_str!("../../../../suites/belebele.toml")),
    (
        "five-languages",
        include_str!("../../../../suites/five-languages.toml"),
    ),
    ("flores", include_str!("../../../../suites/flores.toml")),
    (
        "global_mmlu",
        include_str!("../../../../suites/global_mmlu.toml"),
    ),
    ("kakugo", include_str!("../../../../suites/kakugo.toml")),
    ("sib200", include_str!("../../../../suites/sib200.toml")),
    (
        "sib200-all",
        include_str!("../../../../suites/sib200-all.toml"),
    ),
    ("smoke", include_str!("../../../../suites/smoke.toml")),
    ("smoke-mc", include_str!("../../../../suites/smoke-mc.toml")),
];

/// Where a suite comes from: a file, or one of the [`SHIPPED`] suites by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteSource {
    File(PathBuf),
    Shipped(&'static str),
}

impl SuiteSource {
    /// An existing file wins; else a shipped suite by name (with or without `.toml`).
    pub fn find(arg: &str) -> Result<SuiteSource> {
        let path = Path::new(arg);
        if path.is_file() {
            return Ok(SuiteSource::File(path.to_path_buf()));
        }
        if path.is_dir() {
            return Err(Error::usage_hint(
                format!("--suite {arg}: is a directory"),
                "give a suite file (suites/*.toml) or a shipped suite's name",
            ));
        }
        let name = arg.strip_suffix(".toml").unwrap_or(arg);
        let name = name.rsplit('/').next().unwrap_or(name);
        if let Some((n, _)) = SHIPPED.iter().find(|(n, _)| *n == name) {
            if !arg.contains('/') || !path.exists() {
                return Ok(SuiteSource::Shipped(n));
            }
        }
        let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
        Err(Error::usage_hint(
            format!("--suite {arg}: no such file, and no shipped suite of that name"),
            format!("shipped suites: {} (kakugo list suites)", names.join(", ")),
        ))
    }

    /// Reads and validates the suite; returns it with the sha256 of its bytes.
    pub fn read(&self) -> Result<(Suite, String)> {
        match self {
            SuiteSource::File(p) => Suite::read(p),
            SuiteSource::Shipped(name) => {
                let (_, text) = SHIPPED
                    .iter()
                    .find(|(n, _)| n == name)
                    .expect("a shipped name");
                Suite::parse(
                    &Path::new("suites").join(format!("{name}.toml")),
                    text.as_bytes(),
                )
            }
        }
    }
}

impl std::str::FromStr for SuiteSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<SuiteSource> {
        SuiteSource::find(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_suite_is_the_checkouts_file_and_parses() {
        let dir = kakugo_core::paths::workspace_root().join("suites");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let shipped: Vec<String> = SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(shipped, on_disk, "suites/ and SHIPPED differ");
        for (name, text) in SHIPPED {
            let (suite, sha) = SuiteSource::Shipped(name).read().unwrap();
            let (from_file, file_sha) = Suite::read(&dir.join(format!("{name}.toml"))).unwrap();
            assert_eq!((suite, sha), (from_file, file_sha), "{name}");
            assert!(!text.is_empty());
        }
    }

    #[test]
    fn names_and_errors() {
        assert_eq!(
            SuiteSource::find("sib200").unwrap(),
            SuiteSource::Shipped("sib200")
        );
        assert_eq!(
            SuiteSource::find("smoke.toml").unwrap(),
            SuiteSource::Shipped("smoke")
        );
        let err = SuiteSource::find("sib300").unwrap_err().to_string();
        assert!(
            err.contains("no shipped suite") && err.contains("sib200-all"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = SuiteSource::find(dir.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a directory"), "{err}");
    }
}
