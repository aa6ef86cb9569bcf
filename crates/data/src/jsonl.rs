//! Reading JSON Lines files (Belebele, Global-MMLU) one object at a time, with typed field
//! access that names the file, line and field of anything missing or of the wrong type.

use std::path::Path;

use serde_json::{Map, Value};

use kakugo_core::{Error, Result};

/// One JSON object from one line of a JSON Lines file.
pub(crate) struct JsonLine<'a> {
    pub path: &'a Path,
    /// 1-based line number.
    pub line: usize,
    pub object: Map<String, Value>,
}

/// Calls `each` for every line of `text`, parsed as a JSON object. A final newline ends the
/// last line; an empty line anywhere else is an error.
pub(crate) fn for_each_object(
    path: &Path,
    text: &str,
    mut each: impl FnMut(JsonLine<'_>) -> Result<()>,
) -> Result<()> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Err(Error::file(
            path,
            "empty file: expected one JSON object per line",
        ));
    }
    for (i, raw) in body.split('\n').enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            return Err(Error::parse(
                path,
                line,
                "<record>",
                "empty line, expected a JSON object",
            ));
        }
        let value: Value = serde_json::from_str(raw)
            .map_err(|e| Error::parse(path, line, "<record>", format!("invalid JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err(Error::parse(
                path,
                line,
                "<record>",
                format!("expected a JSON object, found {}", describe(&value)),
            ));
        };
        each(JsonLine { path, line, object })?;
    }
    Ok(())
}

impl JsonLine<'_> {
    pub fn error(&self, field: &str, message: impl Into<String>) -> Error {
        Error::parse(self.path, self.line, field, message)
    }

    /// A required string field.
    pub fn str(&self, field: &str) -> Result<String> {
        match self.object.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.error(
                field,
                format!("expected a string, found {}", describe(other)),
            )),
            None => Err(self.error(field, "missing field")),
        }
    }

    /// A string field that may be missing or null.
    pub fn opt_str(&self, field: &str) -> Result<Option<String>> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.str(field).map(Some),
        }
    }

    /// A boolean field that may be missing or null.
    pub fn opt_bool(&self, field: &str) -> Result<Option<bool>> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(
                field,
                format!("expected a boolean, found {}", describe(other)),
            )),
        }
    }

    /// A required field holding an integer, written either as a JSON number or as a string of
    /// digits (releases differ: Belebele's `correct_answer_num` is `"2"`).
    pub fn int(&self, field: &str) -> Result<i64> {
        let bad =
            |v: &Value| self.error(field, format!("expected an integer, found {}", describe(v)));
        match self.object.get(field) {
            Some(v @ Value::Number(n)) => n.as_i64().ok_or_else(|| bad(v)),
            Some(v @ Value::String(s)) => s.parse().map_err(|_| bad(v)),
            Some(other) => Err(bad(other)),
            None => Err(self.error(field, "missing field")),
        }
    }
}

/// A JSON value for an error message: its type and (shortened) text.
fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut text = value.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "...";
    }
    format!("{kind} {text}")
}
