//! A fault-injecting HTTP proxy in front of the real llama.cpp server, for the HTTP tests
//! (`synth_http.rs`, `eval_http.rs`): each connection takes the next fault from a script
//! (then the default), so what goes wrong, and when, is deterministic.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub fn server() -> String {
    std::env::var("KAKUGO_LLAMA_SERVER").expect(
        "KAKUGO_LLAMA_SERVER is not set: run these tests through scripts/with-llama-server.sh, which starts llama.cpp's server",
    )
}

/// `host:port` of a base URL such as `http://127.0.0.1:8089/v1`.
pub fn authority(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    Forward,
    /// Answer with this status (and `Retry-After: 0` for 429) without asking the server.
    Status(u16),
    /// Forward, but send only half of the body (the Content-Length promises all of it), then
    /// close: a connection cut mid-response.
    Truncate,
    /// Accept and close at once: a server that is down.
    Drop,
    /// Answer with this status and JSON body without asking the server: a server of another
    /// kind (one that ignores `echo`, or rejects `logprobs`).
    Reply(u16, &'static str),
}

pub struct Proxy {
    pub url: String,
    /// What connections get once the script is used up.
    default: Arc<Mutex<Fault>>,
}

impl Proxy {
    pub fn start(upstream: &str, script: &[Fault]) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = authority(upstream);
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let default = Arc::new(Mutex::new(Fault::Forward));
        let (s, d) = (script, default.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let fault = s.lock().unwrap().pop_front().unwrap_or(*d.lock().unwrap());
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &upstream, fault);
                });
            }
        });
        Proxy {
            url: format!("http://127.0.0.1:{port}/v1"),
            default,
        }
    }

    pub fn set_default(&self, fault: Fault) {
        *self.default.lock().unwrap() = fault;
    }
}

/// Reads one HTTP/1.1 request (head + Content-Length body).
fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn handle(mut client: TcpStream, upstream: &str, fault: Fault) -> std::io::Result<()> {
    let request = read_request(&mut client)?;
    match fault {
        Fault::Drop => return Ok(()),
        Fault::Status(code) => {
            let body = format!("{{\"error\": \"injected {code}\"}}");
            let extra = if code == 429 {
                "Retry-After: 0\r\n"
            } else {
                ""
            };
            return reply(&mut client, code, extra, &body);
        }
        Fault::Reply(code, body) => return reply(&mut client, code, "", body),
        Fault::Forward | Fault::Truncate => {}
    }
    // One request per connection: ask the server to close, then relay its whole answer.
    let end = find(&request, b"\r\n").unwrap();
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(&request[..end + 2])?;
    up.write_all(b"Connection: close\r\n")?;
    up.write_all(&request[end + 2..])?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    if fault == Fault::Truncate {
        let body_start = find(&response, b"\r\n\r\n").unwrap() + 4;
        let cut = body_start + (response.len() - body_start) / 2;
        client.write_all(&response[..cut])?;
    } else {
        client.write_all(&response)?;
    }
    client.flush()
}

/// Writes a whole response with `extra` header lines (the connection closes when dropped).
fn reply(client: &mut TcpStream, code: u16, extra: &str, body: &str) -> std::io::Result<()> {
    write!(
        client,
        "HTTP/1.1 {code} Injected\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
