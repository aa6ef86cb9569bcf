//! The response cache: model outputs in SQLite, keyed by content.
//!
//! A key is the sha256 of the model's weight hash, the request kind, the request itself and
//! the decoding settings, so a different model, prompt or setting can never hit another's
//! entry (a known flaw of caches keyed by model *name*). Each response is committed as soon
//! as it is computed, so a run killed at any point resumes where it stopped and nothing is
//! computed twice.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::hash::sha256_bytes;
use crate::{Error, Result};

/// Bumped whenever kakugo's scoring changes meaning, so old entries are not reused.
const CACHE_VERSION: &str = "kakugo-cache-1";

pub struct ResponseCache {
    path: PathBuf,
    conn: Connection,
}

impl ResponseCache {
    /// Opens (creating if needed) the cache database at `path`.
    pub fn open(path: &Path) -> Result<ResponseCache> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let err = |e: rusqlite::Error| Error::file(path, format!("response cache: {e}"));
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )
        .map_err(err)?;
        Ok(ResponseCache {
            path: path.to_path_buf(),
            conn,
        })
    }

    /// The content key of a request for a model.
    pub fn key<R: Serialize>(model_sha256: &str, kind: &str, request: &R) -> String {
        let mut bytes = format!("{CACHE_VERSION}\n{model_sha256}\n{kind}\n").into_bytes();
        serde_json::to_writer(&mut bytes, request).expect("requests serialise");
        sha256_bytes(&bytes)
    }

    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM responses WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| Error::file(&self.path, format!("response cache: {e}")))?;
        match value {
            None => Ok(None),
            Some(v) => serde_json::from_str(&v)
                .map(Some)
                .map_err(|e| Error::file(&self.path, format!("response cache entry {key}: {e}"))),
        }
    }

    pub fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let json = serde_json::to_string(value).expect("responses serialise");
        self.conn
            .execute(
                "INSERT OR REPLACE INTO responses (key, value) VALUES (?1, ?2)",
                params![key, json],
            )
            .map_err(|e| Error::file(&self.path, format!("response cache: {e}")))?;
        Ok(())
    }

    /// Number of cached responses.
    pub fn len(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT COUNT(*) FROM responses", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| Error::file(&self.path, format!("response cache: {e}")))
    }

    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_models_and_requests_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let k1 = ResponseCache::key("model-a", "loglikelihood", &("ctx", " cont"));
        let k2 = ResponseCache::key("model-b", "loglikelihood", &("ctx", " cont"));
        let k3 = ResponseCache::key("model-a", "loglikelihood", &("ctx", " other"));
        assert_ne!(k1, k2);
        assert_ne!(k1, k3);
        {
            let cache = ResponseCache::open(&path).unwrap();
            cache.put(&k1, &-1.25f64).unwrap();
        }
        let cache = ResponseCache::open(&path).unwrap();
        assert_eq!(cache.get::<f64>(&k1).unwrap(), Some(-1.25));
        assert_eq!(cache.get::<f64>(&k2).unwrap(), None);
        assert_eq!(cache.len().unwrap(), 1);
    }
}
