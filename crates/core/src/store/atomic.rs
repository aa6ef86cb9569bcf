//! Atomic file writes: write to a temporary file in the same directory, fsync, rename.
//!
//! A reader (or a rerun after `kill -9`) sees either the old file or the whole new one,
//! never a half-written file.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile_in(dir, path)?;
    tmp.1.write_all(bytes).map_err(|e| Error::io(&tmp.0, e))?;
    tmp.1.sync_all().map_err(|e| Error::io(&tmp.0, e))?;
    drop(tmp.1);
    std::fs::rename(&tmp.0, path).map_err(|e| Error::io(path, e))
}

/// Writes one JSON document per line, atomically.
pub fn write_jsonl<T: serde::Serialize>(path: &Path, items: &[T]) -> Result<()> {
    let mut bytes = Vec::new();
    for item in items {
        serde_json::to_writer(&mut bytes, item)
            .map_err(|e| Error::file(path, format!("cannot serialise a line: {e}")))?;
        bytes.push(b'\n');
    }
    write_atomic(path, &bytes)
}

fn tempfile_in(dir: &Path, path: &Path) -> Result<(std::path::PathBuf, std::fs::File)> {
    let stem = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    for attempt in 0..1000u32 {
        let candidate = dir.join(format!(".{stem}.tmp{}.{attempt}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&candidate, e)),
        }
    }
    Err(Error::file(dir, "could not create a temporary file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/record.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("record.json")]);
    }
}
