//! A minimal HTTP/1.1 server side: reading a request head, writing a response with a
//! `Content-Length` body (bytes or a streamed file range), percent-coding and `Range`.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::sync::Arc;

use crate::contents::{ServedFile, Source};

/// The most a request head (request line and headers) may take.
const MAX_HEAD: u64 = 64 * 1024;
/// The most request body we read and throw away (the hub API served here takes no bodies).
const MAX_BODY: u64 = 1024 * 1024;

#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    /// The request target as sent (path and query, still percent-encoded).
    pub target: String,
    /// The path part of the target, still percent-encoded.
    pub path: String,
    /// The query part of the target (after `?`), still percent-encoded; empty if none.
    pub query: String,
    pub http11: bool,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client wants the connection kept open after this request.
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |token: &str| connection.split(',').any(|t| t.trim() == token);
        if self.http11 {
            !has("close")
        } else {
            has("keep-alive")
        }
    }
}

#[derive(Debug)]
pub(crate) enum ReadError {
    /// The client closed the connection (or went idle) before a new request.
    Closed,
    /// A malformed request: answer 400 and close.
    Bad(String),
}

fn bad(message: impl Into<String>) -> ReadError {
    ReadError::Bad(message.into())
}

/// Reads one request head and discards its body, if any.
pub(crate) fn read_request(reader: &mut BufReader<TcpStream>) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD;
    let mut lines: Vec<String> = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader
            .by_ref()
            .take(budget)
            .read_until(b'\n', &mut line)
            .map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(if lines.is_empty() {
                ReadError::Closed
            } else if budget == 0 {
                bad("request head too large")
            } else {
                bad("connection closed inside the request head")
            });
        }
        budget -= n as u64;
        if line.last() != Some(&b'\n') {
            return Err(if budget == 0 {
                bad("request head too large")
            } else {
                bad("connection closed inside the request head")
            });
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let line = String::from_utf8(line).map_err(|_| bad("request head is not UTF-8"))?;
        if line.is_empty() {
            if lines.is_empty() {
                continue; // Tolerated empty lines before the request line (RFC 9112 2.2).
            }
            break;
        }
        lines.push(line);
    }
    let mut parts = lines[0].split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && !t.is_empty() => (m, t, v),
        _ => return Err(bad("malformed request line")),
    };
    if !method.bytes().all(is_tchar) {
        return Err(bad("malformed method"));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(bad("unsupported HTTP version")),
    };
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad("request target must be a path"));
    }
    let mut headers = Vec::new();
    for line in &lines[1..] {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("header line without a colon"))?;
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(bad("malformed header name"));
        }
        if value.bytes().any(|b| b < b' ' && b != b'\t') {
            return Err(bad("control character in a header value"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    let request = Request {
        method: method.to_string(),
        target: target.to_string(),
        path,
        query,
        http11,
        headers,
    };
    if request.header("transfer-encoding").is_some() {
        return Err(bad(
            "request bodies with Transfer-Encoding are not supported",
        ));
    }
    if let Some(length) = request.header("content-length") {
        let length: u64 = length
            .parse()
            .map_err(|_| bad("malformed Content-Length"))?;
        if length > MAX_BODY {
            return Err(bad("request body too large"));
        }
        let copied = io::copy(&mut reader.by_ref().take(length), &mut io::sink())
            .map_err(|_| ReadError::Closed)?;
        if copied != length {
            return Err(ReadError::Closed);
        }
    }
    Ok(request)
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A response body.
pub(crate) enum Body {
    Empty,
    Bytes(Vec<u8>),
    /// `len` bytes of `file` from `start`.
    File {
        file: Arc<ServedFile>,
        start: u64,
        len: u64,
    },
}

impl Body {
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::File { len, .. } => *len,
        }
    }
}

pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// Adds a header; the value is made header-safe (see [`header_safe`]).
    pub fn header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.headers
            .push((name.to_string(), header_safe(value.as_ref())));
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
}

/// Opens the file behind a file body (`None` for other bodies and in-memory files), so that
/// a vanished file can still be answered with a 500 before any head is sent.
pub(crate) fn open_body(body: &Body) -> io::Result<Option<io::Take<std::fs::File>>> {
    match body {
        Body::File { file, start, len } => match &file.source {
            Source::Path(path) => {
                let mut f = std::fs::File::open(path)?;
                f.seek(SeekFrom::Start(*start))?;
                Ok(Some(f.take(*len)))
            }
            Source::Bytes(_) => Ok(None),
        },
        _ => Ok(None),
    }
}

/// Writes `response`, reading a file body from `disk` (from [`open_body`]). `head_only` for
/// HEAD; `truncate_after` stops the body after that many bytes (the caller then closes the
/// connection). `on_file_chunk(len, last)` runs before each chunk of a file body is handed to
/// the connection (once with `(0, true)` for an empty one), so that counters are up to date by
/// the time the client has the bytes. Errors are write errors (the client left) or a file that
/// shrank.
pub(crate) fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    mut disk: Option<io::Take<std::fs::File>>,
    head_only: bool,
    keep_alive: bool,
    truncate_after: Option<u64>,
    mut on_file_chunk: impl FnMut(u64, bool),
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    stream.write_all(head.as_bytes())?;
    if head_only {
        stream.flush()?;
        return Ok(());
    }
    let total = response.body.len();
    let limit = truncate_after.map_or(total, |t| t.min(total));
    match &response.body {
        Body::Empty => {}
        Body::Bytes(bytes) => stream.write_all(&bytes[..limit as usize])?,
        Body::File { file, start, .. } => {
            let mut written = 0u64;
            if total == 0 {
                on_file_chunk(0, true);
            }
            let mut buf = vec![0u8; 64 * 1024];
            while written < limit {
                let want = buf.len().min((limit - written) as usize);
                let chunk: &[u8] = match (&file.source, disk.as_mut()) {
                    (Source::Bytes(bytes), _) => {
                        let from = (start + written) as usize;
                        &bytes[from..from + want]
                    }
                    (Source::Path(_), Some(f)) => {
                        let n = f.read(&mut buf[..want])?;
                        if n == 0 {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "served file shrank while the hub ran",
                            ));
                        }
                        &buf[..n]
                    }
                    (Source::Path(_), None) => {
                        return Err(io::Error::other("served file was not opened"))
                    }
                };
                let len = chunk.len() as u64;
                on_file_chunk(len, written + len == total);
                stream.write_all(chunk)?;
                written += len;
            }
        }
    }
    stream.flush()?;
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Header values must stay visible ASCII for clients such as ureq: control characters and
/// non-ASCII bytes are percent-encoded.
pub(crate) fn header_safe(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if (b' '..0x7f).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decodes `s` (`+` stays `+`). `None` for a bad escape or non-UTF-8 result.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but unreserved characters and, if `keep_slash`, `/`.
pub(crate) fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The outcome of a `Range` header against a body of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// No usable single range: serve the whole body with 200 (as RFC 9110 allows for a
    /// missing, malformed or multi-range header).
    Whole,
    /// Serve bytes `start..=end` with 206.
    Part { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
}

pub(crate) fn parse_range(header: Option<&str>, size: u64) -> RangeRequest {
    let Some(header) = header else {
        return RangeRequest::Whole;
    };
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u64>().ok()
        } else {
            None
        }
    };
    match (first.is_empty(), last.is_empty()) {
        (true, true) => RangeRequest::Whole,
        (true, false) => match number(last) {
            None => RangeRequest::Whole,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if size == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Part {
                start: size - n.min(size),
                end: size - 1,
            },
        },
        (false, open_ended) => {
            let Some(start) = number(first) else {
                return RangeRequest::Whole;
            };
            let end = if open_ended {
                u64::MAX
            } else {
                match number(last) {
                    Some(end) if end >= start => end,
                    _ => return RangeRequest::Whole,
                }
            };
            if start >= size {
                RangeRequest::Unsatisfiable
            } else {
                RangeRequest::Part {
                    start,
                    end: end.min(size - 1),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use RangeRequest::*;
        assert_eq!(parse_range(None, 10), Whole);
        assert_eq!(
            parse_range(Some("bytes=0-0"), 10),
            Part { start: 0, end: 0 }
        );
        assert_eq!(parse_range(Some("bytes=3-"), 10), Part { start: 3, end: 9 });
        assert_eq!(
            parse_range(Some("bytes=3-100"), 10),
            Part { start: 3, end: 9 }
        );
        assert_eq!(parse_range(Some("bytes=-4"), 10), Part { start: 6, end: 9 });
        assert_eq!(
            parse_range(Some("bytes=-40"), 10),
            Part { start: 0, end: 9 }
        );
        assert_eq!(parse_range(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=5-2"), 10), Whole);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Whole);
        assert_eq!(parse_range(Some("items=0-1"), 10), Whole);
        assert_eq!(parse_range(Some("bytes=x-"), 10), Whole);
        assert_eq!(
            parse_range(Some("bytes=99999999999999999999999-"), 10),
            Whole
        );
    }

    #[test]
    fn percent() {
        assert_eq!(
            percent_decode("refs%2Fconvert%2Fparquet").unwrap(),
            "refs/convert/parquet"
        );
        assert_eq!(percent_decode("a%20b+c").unwrap(), "a b+c");
        assert!(percent_decode("%zz").is_none());
        assert!(percent_decode("%4").is_none());
        assert!(percent_decode("%FF").is_none());
        assert_eq!(percent_encode("a b/ü", true), "a%20b/%C3%BC");
        assert_eq!(percent_encode("a/b", false), "a%2Fb");
        assert_eq!(header_safe("x\ny ü"), "x%0Ay %C3%BC");
    }
}
