//! Reading structured answers out of teacher text.
//!
//! Teachers asked for JSON rarely return only JSON: they wrap it in Markdown code fences, put
//! prose before and after it, leave trailing commas, or answer with a numbered list. These
//! functions find the first JSON value of the wanted shape in such text ([`extract_object`],
//! [`extract_list`]); [`extract_list`] falls back to numbered or bulleted lines. They never
//! panic: an answer without usable content is an `Err` with the reason, which the caller
//! counts as a rejection.
//!
//! ```
//! use kakugo_synth::parse::{extract_list, extract_object};
//! let text = "Sure! Here it is:\n```json\n{\"prompt\": \"Сәлем?\", \"response\": \"Сәлем!\",}\n```";
//! let obj = extract_object(text).unwrap();
//! assert_eq!(obj["prompt"], "Сәлем?");
//! assert_eq!(extract_list("1. Тарих\n2) Өнер\n- Ғылым").unwrap(), ["Тарих", "Өнер", "Ғылым"]);
//! ```

use serde_json::{Map, Value};

/// The first JSON object in `text`.
pub fn extract_object(text: &str) -> Result<Map<String, Value>, String> {
    extract_objects(text)
        .into_iter()
        .next()
        .ok_or_else(|| "no JSON object in the answer".into())
}

/// Every top-level JSON object in `text`, in order (fenced code first).
pub fn extract_objects(text: &str) -> Vec<Map<String, Value>> {
    candidates(text, '{', '}')
        .into_iter()
        .filter_map(|c| match parse_lenient(&c) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        })
        .collect()
}

/// A list of non-empty strings: the first JSON array of strings (or of objects with one string
/// field) in `text`, else its numbered / bulleted lines.
pub fn extract_list(text: &str) -> Result<Vec<String>, String> {
    for candidate in candidates(text, '[', ']') {
        if let Ok(Value::Array(items)) = parse_lenient(&candidate) {
            let strings: Vec<String> = items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.trim().to_string()),
                    Value::Object(m) => m.values().find_map(|v| v.as_str()).map(str::to_string),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
                .collect();
            if !strings.is_empty() {
                return Ok(strings);
            }
        }
    }
    let lines: Vec<String> = text
        .lines()
        .filter_map(list_item)
        .filter(|s| !s.is_empty())
        .collect();
    if lines.is_empty() {
        Err("no list in the answer (neither a JSON array nor numbered/bulleted lines)".into())
    } else {
        Ok(lines)
    }
}

/// `1. x`, `2) x`, `- x`, `* x`, `• x` → `x` (quotes and trailing commas stripped).
fn list_item(line: &str) -> Option<String> {
    let line = line.trim();
    let rest = if let Some(r) = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .or_else(|| line.strip_prefix("• "))
    {
        r
    } else {
        let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let after = &line[digits..];
        after
            .strip_prefix('.')
            .or_else(|| after.strip_prefix(')'))
            .or_else(|| after.strip_prefix(':'))?
    };
    let item = rest
        .trim()
        .trim_end_matches(',')
        .trim_matches(|c| c == '"' || c == '*')
        .trim();
    Some(item.to_string())
}

/// Balanced `open … close` spans of `text`, fenced code first, in order of appearance.
fn candidates(text: &str, open: char, close: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut sources: Vec<&str> = text.split("```").skip(1).step_by(2).collect();
    sources.push(text);
    for source in sources {
        let mut search = 0;
        while let Some(start) = source[search..].find(open).map(|i| i + search) {
            match balanced_end(&source[start..], open, close) {
                Some(len) => {
                    out.push(source[start..start + len].to_string());
                    search = start + len;
                }
                None => {
                    // Unbalanced (cut off): try the rest as is, the lenient parser may recover
                    // nothing, but a later complete value may follow.
                    search = start + open.len_utf8();
                }
            }
        }
    }
    out
}

/// Length in bytes of the balanced value starting at `s[0] == open`, honouring strings.
fn balanced_end(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + c.len_utf8());
            }
        }
    }
    None
}

/// JSON, forgiving trailing commas and raw newlines inside strings.
fn parse_lenient(s: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(s).or_else(|_| serde_json::from_str(&repair(s)))
}

/// Removes commas before `}`/`]` and escapes control characters inside strings.
fn repair(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_string = false;
    let mut escaped = false;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                (false, '\n') => {
                    out.push_str("\\n");
                    continue;
                }
                (false, '\t') => {
                    out.push_str("\\t");
                    continue;
                }
                (false, '\r') => continue,
                _ => {}
            }
            out.push(c);
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Splits a `<think>…</think>` block (reasoning models) off the answer: (reasoning, answer).
pub fn split_reasoning(text: &str) -> (Option<String>, String) {
    if let Some(start) = text.find("<think>") {
        if let Some(end) = text[start..].find("</think>").map(|e| e + start) {
            let reasoning = text[start + 7..end].trim().to_string();
            let answer = format!("{}{}", &text[..start], &text[end + 8..]);
            return (Some(reasoning), answer.trim().to_string());
        }
    }
    (None, text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_in_prose_fences_and_with_trailing_commas() {
        let o =
            extract_object("Here:\n{\"prompt\": \"a {b}\", \"response\": \"c\",}\nDone").unwrap();
        assert_eq!(
            (o["prompt"].as_str(), o["response"].as_str()),
            (Some("a {b}"), Some("c"))
        );
        let fenced = "```json\n{\"prompt\": \"line1\nline2\", \"response\": \"x\"}\n```";
        assert_eq!(extract_object(fenced).unwrap()["prompt"], "line1\nline2");
        // A cut-off object is not an object; a later complete one is found.
        let o = extract_object("{\"prompt\": \"cut {\"a\": 1}").unwrap();
        assert_eq!(o["a"], 1);
        assert!(extract_object("{\"prompt\": \"never closed").is_err());
        assert!(extract_object("no json at all").is_err());
        let two =
            "{\"prompt\": \"copy\"}\nthen {\"prompt\": \"new\", \"response\": \"r\"} and {broken";
        let all = extract_objects(two);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1]["prompt"], "new");
    }

    #[test]
    fn lists_as_json_or_lines() {
        assert_eq!(
            extract_list("Topics: [\"a\", \"b\",] ok").unwrap(),
            ["a", "b"]
        );
        assert_eq!(
            extract_list("[{\"prompt\": \"p1\"}, {\"prompt\": \"p2\"}]").unwrap(),
            ["p1", "p2"]
        );
        assert_eq!(
            extract_list("Here are some:\n1. **One**\n2. \"Two\",\n\nThanks").unwrap(),
            ["One", "Two"]
        );
        assert!(extract_list("just prose").is_err());
    }

    #[test]
    fn reasoning_is_split_off() {
        assert_eq!(
            split_reasoning("<think>hmm</think> Answer"),
            (Some("hmm".into()), "Answer".into())
        );
        assert_eq!(split_reasoning(" Answer "), (None, "Answer".into()));
    }
}
