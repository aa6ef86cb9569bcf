//! Where units live on disk, and how a unit becomes done without ever looking half-done.
//!
//! ```text
//! <out>/units/train-3f9c…/            finished: the unit's outputs and unit.json
//! <out>/units/eval-81aa….partial/     started: work in progress, `lock`, maybe error.json
//! ```
//!
//! A unit works inside its `.partial` directory, holding an exclusive lock on `lock` there
//! (released by the kernel when the process dies, even on `kill -9`). Stages resume from what
//! they find in it (synthesis appends to its JSONL, training resumes from its checkpoint,
//! evaluation reuses its response cache). When the stage returns, `unit.json` is written and
//! the directory is renamed to its final name in one step, so a directory without `.partial`
//! is always complete. A failure leaves `error.json` beside the work for `kakugo status`.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::plan::Unit;
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::{Error, Result};

/// What `kakugo status` reports for a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitState {
    Done,
    /// Another process holds the unit's lock.
    Running,
    /// The last attempt failed; the message is its error.
    Failed(String),
    /// Started and stopped without finishing (killed): the next run resumes it.
    Interrupted,
    Pending,
}

impl UnitState {
    pub fn as_str(&self) -> &'static str {
        match self {
            UnitState::Done => "done",
            UnitState::Running => "running",
            UnitState::Failed(_) => "failed",
            UnitState::Interrupted => "interrupted",
            UnitState::Pending => "pending",
        }
    }
}

/// The `units/` directory of an experiment's output.
#[derive(Debug, Clone)]
pub struct UnitStore {
    root: PathBuf,
}

/// A unit this process is working on; dropping it without [`Claim::complete`] releases the
/// lock and leaves the partial work for the next run.
#[derive(Debug)]
pub struct Claim {
    dir: PathBuf,
    done: PathBuf,
    _lock: File,
}

impl UnitStore {
    pub fn new(out: &Path) -> UnitStore {
        UnitStore {
            root: out.join("units"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of a finished unit.
    pub fn done_dir(&self, unit: &Unit) -> PathBuf {
        self.root.join(unit.dir_name())
    }

    fn partial_dir(&self, unit: &Unit) -> PathBuf {
        self.root.join(format!("{}.partial", unit.dir_name()))
    }

    pub fn is_done(&self, unit: &Unit) -> bool {
        self.done_dir(unit).join("unit.json").is_file()
    }

    pub fn state(&self, unit: &Unit) -> UnitState {
        if self.is_done(unit) {
            return UnitState::Done;
        }
        let partial = self.partial_dir(unit);
        if !partial.is_dir() {
            return UnitState::Pending;
        }
        if let Ok(f) = File::options()
            .read(true)
            .write(true)
            .open(partial.join("lock"))
        {
            if f.try_lock().is_err() {
                return UnitState::Running;
            }
        }
        match std::fs::read(partial.join("error.json")) {
            Ok(bytes) => {
                let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from))
                    .unwrap_or_else(|| "unreadable error.json".into());
                UnitState::Failed(message)
            }
            Err(_) => UnitState::Interrupted,
        }
    }

    /// Claims a unit for this process: `None` when it is done or another process holds it.
    pub fn claim(&self, unit: &Unit) -> Result<Option<Claim>> {
        if self.is_done(unit) {
            return Ok(None);
        }
        let dir = self.partial_dir(unit);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let lock_path = dir.join("lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        if lock.try_lock().is_err() {
            return Ok(None);
        }
        // Another process may have finished it between our check and the lock.
        if self.is_done(unit) {
            return Ok(None);
        }
        let error = dir.join("error.json");
        if error.exists() {
            std::fs::remove_file(&error).map_err(|e| Error::io(&error, e))?;
        }
        Ok(Some(Claim {
            dir,
            done: self.done_dir(unit),
            _lock: lock,
        }))
    }
}

impl Claim {
    /// Where the stage writes (and finds what an interrupted attempt left).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Marks the unit done: writes `unit.json`, then renames the directory into place.
    pub fn complete(self, unit: &Unit) -> Result<PathBuf> {
        let record = json!({
            "label": unit.label,
            "hash": unit.hash,
            "key": unit.key,
        });
        let mut bytes = serde_json::to_vec_pretty(&record).expect("unit records serialise");
        bytes.push(b'\n');
        write_atomic(&self.dir.join("unit.json"), &bytes)?;
        let lock = self.dir.join("lock");
        let _ = std::fs::remove_file(&lock);
        match std::fs::rename(&self.dir, &self.done) {
            Ok(()) => Ok(self.done.clone()),
            // Finished concurrently by another process: its copy stands, ours goes.
            Err(_) if self.done.join("unit.json").is_file() => {
                std::fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
                Ok(self.done.clone())
            }
            Err(e) => Err(Error::io(&self.done, e)),
        }
    }

    /// Records a failure for `kakugo status`; the partial work stays for the next attempt.
    pub fn fail(self, error: &str) -> Result<()> {
        let mut bytes =
            serde_json::to_vec_pretty(&json!({ "error": error })).expect("errors serialise");
        bytes.push(b'\n');
        write_atomic(&self.dir.join("error.json"), &bytes)
    }
}

impl UnitStore {
    /// Copies a finished unit from another output directory (a shard's) into this one.
    /// Returns whether it was copied; a unit present in both must have the same `unit.json`.
    pub fn import(&self, unit: &Unit, from: &UnitStore) -> Result<bool> {
        if !from.is_done(unit) {
            return Ok(false);
        }
        let src = from.done_dir(unit);
        if self.is_done(unit) {
            let ours = self.done_dir(unit).join("unit.json");
            let theirs = src.join("unit.json");
            let read = |p: &Path| std::fs::read(p).map_err(|e| Error::io(p, e));
            if read(&ours)? != read(&theirs)? {
                return Err(Error::file(
                    &theirs,
                    format!("unit {} differs from {}", unit.label, ours.display()),
                ));
            }
            return Ok(false);
        }
        // Copy into a staging directory, then rename: an interrupted merge leaves nothing
        // that looks finished.
        let staging = self.root.join(format!("{}.import", unit.dir_name()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        copy_dir(&src, &staging)?;
        let done = self.done_dir(unit);
        std::fs::rename(&staging, &done).map_err(|e| Error::io(&done, e))?;
        Ok(true)
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}
