//! Synthetic SFT records in the PolyglotTeachers-SFT schema, and the JSONL file they live in.
//!
//! A record has the schema's fields — `id, source, language, strategy, source_id,
//! synth_prompt, model, prompt, response, messages` — plus two optional ones kakugo adds when
//! they exist: `reasoning` (the teacher's chain of thought, kept apart from the response) and
//! `source_text` (the English original of a translated prompt, for the length-ratio filter).
//!
//! `id` is a hash of the content (language, strategy, prompt, response), so the same item
//! written twice has the same id. [`SftFile`] appends to an existing file and skips ids it
//! already holds, which is how a rerun resumes without duplicating: teacher answers come back
//! from the response cache, and finished items are not written again. Each batch is appended
//! with one `write` and synced; a final line cut off by a crash is dropped when the file is
//! reopened (and logged), any other malformed line is an error naming file, line and field.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use kakugo_core::store::hash::sha256_bytes;
use kakugo_core::{Error, Result};
use kakugo_model::Message;

/// One synthetic instruction–response pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SftRecord {
    pub id: String,
    /// Where the item came from: `kakugo-synth` for synthesised prompts, the input file's
    /// name for `respond`/`translate`/`generate`, `sib200`/`flores` for context texts.
    pub source: String,
    /// FLORES-200 code.
    pub language: String,
    pub strategy: String,
    /// The seed's id in its source (topic path, input line, SIB-200 index_id).
    pub source_id: String,
    /// The teacher prompt that produced `prompt` (or the whole item, for `generate`).
    pub synth_prompt: String,
    /// The teacher (name; `openai:MODEL@URL` for remote ones).
    pub model: String,
    pub prompt: String,
    pub response: String,
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_text: Option<String>,
}

/// The content id: first 16 bytes (hex) of sha256 over language, strategy, prompt, response.
pub fn content_id(language: &str, strategy: &str, prompt: &str, response: &str) -> String {
    let mut bytes = Vec::new();
    for part in [language, strategy, prompt, response] {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    sha256_bytes(&bytes)[..32].to_string()
}

impl SftRecord {
    /// Builds a record; `id` and `messages` follow from the content.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: &str,
        language: &str,
        strategy: &str,
        source_id: &str,
        synth_prompt: &str,
        model: &str,
        prompt: &str,
        response: &str,
    ) -> SftRecord {
        SftRecord {
            id: content_id(language, strategy, prompt, response),
            source: source.into(),
            language: language.into(),
            strategy: strategy.into(),
            source_id: source_id.into(),
            synth_prompt: synth_prompt.into(),
            model: model.into(),
            prompt: prompt.into(),
            response: response.into(),
            messages: vec![
                Message::new("user", prompt),
                Message::new("assistant", response),
            ],
            reasoning: None,
            source_text: None,
        }
    }

    /// Checks what the schema promises: id matches the content, messages match the pair.
    fn check(&self, path: &Path, line: usize) -> Result<()> {
        let expected = content_id(&self.language, &self.strategy, &self.prompt, &self.response);
        if self.id != expected {
            return Err(Error::parse(
                path,
                line,
                "id",
                format!(
                    "`{}` is not the content hash `{expected}` (edited record?)",
                    self.id
                ),
            ));
        }
        if self.prompt.trim().is_empty() {
            return Err(Error::parse(path, line, "prompt", "empty"));
        }
        if self.response.trim().is_empty() {
            return Err(Error::parse(path, line, "response", "empty"));
        }
        let user = self.messages.iter().find(|m| m.role == "user");
        let assistant = self.messages.iter().rev().find(|m| m.role == "assistant");
        if user.map(|m| &m.content) != Some(&self.prompt)
            || assistant.map(|m| &m.content) != Some(&self.response)
        {
            return Err(Error::parse(
                path,
                line,
                "messages",
                "expected a user message equal to `prompt` and an assistant message equal to `response`",
            ));
        }
        Ok(())
    }
}

/// Reads and checks every record of an SFT JSONL file.
pub fn read_sft(path: &Path) -> Result<Vec<SftRecord>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_lines(path, &text)
}

fn parse_lines(path: &Path, text: &str) -> Result<Vec<SftRecord>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: SftRecord = serde_json::from_str(line).map_err(|e| {
            let msg = e.to_string();
            let field = msg.split('`').nth(1).unwrap_or("record").to_string();
            Error::parse(path, i + 1, field, msg)
        })?;
        record.check(path, i + 1)?;
        out.push(record);
    }
    Ok(out)
}

/// An SFT file opened for appending, with the ids it already holds.
pub struct SftFile {
    path: PathBuf,
    file: std::fs::File,
    ids: HashSet<String>,
    existing: usize,
}

impl SftFile {
    /// Opens (creating) `path`. A last line without its newline (a crash mid-write) is cut off.
    pub fn open(path: &Path) -> Result<SftFile> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut records = Vec::new();
        if path.exists() {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let complete = match bytes.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => 0,
            };
            if complete < bytes.len() {
                tracing::warn!(
                    "{}: dropping an incomplete last line ({} bytes) left by an interrupted run",
                    path.display(),
                    bytes.len() - complete
                );
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?;
                f.set_len(complete as u64).map_err(|e| Error::io(path, e))?;
                f.sync_all().map_err(|e| Error::io(path, e))?;
            }
            let text = std::str::from_utf8(&bytes[..complete])
                .map_err(|e| Error::file(path, format!("not UTF-8: {e}")))?;
            records = parse_lines(path, text)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(SftFile {
            path: path.to_path_buf(),
            file,
            existing: records.len(),
            ids: records.into_iter().map(|r| r.id).collect(),
        })
    }

    /// Records in the file when it was opened.
    pub fn existing(&self) -> usize {
        self.existing
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Appends the records whose ids are new (one write, then fsync); returns how many.
    pub fn append(&mut self, records: &[SftRecord]) -> Result<usize> {
        let mut bytes = Vec::new();
        let mut added = 0;
        for r in records {
            if self.ids.insert(r.id.clone()) {
                serde_json::to_writer(&mut bytes, r).expect("records serialise");
                bytes.push(b'\n');
                added += 1;
            }
        }
        if !bytes.is_empty() {
            self.file
                .write_all(&bytes)
                .and_then(|_| self.file.sync_data())
                .map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(p: &str, r: &str) -> SftRecord {
        SftRecord::new("kakugo-synth", "kaz_Cyrl", "topic", "t/1", "sp", "m", p, r)
    }

    #[test]
    fn resumes_without_duplicates_and_drops_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        let mut f = SftFile::open(&path).unwrap();
        assert_eq!(
            f.append(&[rec("a", "b"), rec("a", "b"), rec("c", "d")])
                .unwrap(),
            2
        );
        drop(f);
        // A crash mid-line.
        let mut raw = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        raw.write_all(b"{\"id\": \"cut").unwrap();
        let mut f = SftFile::open(&path).unwrap();
        assert_eq!(f.existing(), 2);
        assert_eq!(f.append(&[rec("c", "d"), rec("e", "f")]).unwrap(), 1);
        let back = read_sft(&path).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[2].id, content_id("kaz_Cyrl", "topic", "e", "f"));
    }

    #[test]
    fn bad_records_name_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        let good = serde_json::to_string(&rec("a", "b")).unwrap();
        let edited = good.replace("\"prompt\":\"a\"", "\"prompt\":\"x\"");
        std::fs::write(&path, format!("{good}\n{edited}\n")).unwrap();
        let err = read_sft(&path).unwrap_err().to_string();
        assert!(err.contains("bad.jsonl: line 2: field `id`"), "{err}");
        std::fs::write(&path, format!("{good}\n{{\"id\": 3}}\n")).unwrap();
        let err = read_sft(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
