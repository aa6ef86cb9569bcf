//! The server: accept loop, routing, the hub's answers, instrumentation and fault injection.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::contents::{
    is_commit_sha, Access, BuiltContents, HubContents, RepoKind, ServedCommit, ServedFile,
    ServedRepo,
};
use crate::http::{
    open_body, parse_range, percent_decode, percent_encode, read_request, write_response, Body,
    RangeRequest, ReadError, Request, Response,
};

/// How long an idle keep-alive connection stays open.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
const TIMESTAMP: &str = "2024-01-01T00:00:00.000Z";

/// One request as the hub saw it, in the order requests arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// `GET`, `HEAD`, ... (empty when the request line could not be parsed).
    pub method: String,
    /// The request target as sent: path and query, percent-encoded.
    pub target: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The status sent; 0 when the connection was dropped without an answer
    /// ([`FaultAction::Drop`]).
    pub status: u16,
    /// The bearer token sent, if any.
    pub token: Option<String>,
    /// The request carried a token with access to gated and private repos
    /// ([`HubContents::token`]).
    pub authorized: bool,
    /// Body bytes sent (0 for HEAD); for file bodies, bytes handed to the connection, counted
    /// before each chunk is written.
    pub body_bytes: u64,
}

impl RequestRecord {
    /// The target's path, percent-decoded where possible, without the query.
    pub fn path(&self) -> String {
        let path = self.target.split('?').next().unwrap_or("");
        percent_decode(path).unwrap_or_else(|| path.to_string())
    }
}

/// A file of a repo, as counted by the hub.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKey {
    /// Model or dataset.
    pub kind: RepoKind,
    /// The repo id as configured (`org/name`).
    pub repo: String,
    /// The file's path in the repo.
    pub file: String,
}

impl fmt::Display for FileKey {
    /// `org/model:file` for models, `datasets/org/name:file` for datasets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}:{}", self.kind.url_prefix(), self.repo, self.file)
    }
}

/// Per-file counters. Both the resolve URL (regular files) and the CDN (LFS files) count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileStats {
    /// GETs with `Range: bytes=0-0`: hf-hub's metadata probe.
    pub probes: u64,
    /// Other GETs that started sending the file's bytes (whole file or a range, e.g. a
    /// resume): what a test means by "downloaded".
    pub downloads: u64,
    /// Of `downloads`, those whose body was sent to the end (counted as the last chunk is
    /// handed to the connection).
    pub completed: u64,
    /// File bytes sent, probes included (counted as each chunk is handed to the connection).
    pub bytes: u64,
}

/// What a [`Fault`] does to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer with this status (a 5xx carries the hub's JSON error body) instead of routing.
    Status(u16),
    /// Wait this long, then answer normally (hf-hub sets no read timeout, so this only slows
    /// it down).
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Answer normally but close the connection after this many body bytes (the
    /// `Content-Length` announces the whole body).
    Truncate(u64),
}

/// A fault to inject into the next matching requests; see [`TestHub::inject`].
///
/// A request matches when its target (percent-decoded, query included) contains the pattern,
/// and, if set, its method matches and it is not a `bytes=0-0` probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    action: FaultAction,
    pattern: String,
    times: u64,
    method: Option<String>,
    skip_probes: bool,
}

impl Fault {
    /// A fault with `action` for the next request whose target contains `pattern`.
    pub fn new(action: FaultAction, pattern: impl Into<String>) -> Self {
        Fault {
            action,
            pattern: pattern.into(),
            times: 1,
            method: None,
            skip_probes: false,
        }
    }

    /// Answer `status` (e.g. 500 or 503).
    pub fn status(status: u16, pattern: impl Into<String>) -> Self {
        Self::new(FaultAction::Status(status), pattern)
    }

    /// Wait `delay` before answering.
    pub fn delay(delay: Duration, pattern: impl Into<String>) -> Self {
        Self::new(FaultAction::Delay(delay), pattern)
    }

    /// Close the connection without answering.
    pub fn drop_connection(pattern: impl Into<String>) -> Self {
        Self::new(FaultAction::Drop, pattern)
    }

    /// Send only the first `bytes` bytes of the body, then close.
    pub fn truncate(bytes: u64, pattern: impl Into<String>) -> Self {
        Self::new(FaultAction::Truncate(bytes), pattern)
    }

    /// Applies to the next `n` matching requests (default 1).
    pub fn times(mut self, n: u64) -> Self {
        self.times = n;
        self
    }

    /// Only requests with this method (`GET`, `HEAD`).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Leaves `Range: bytes=0-0` probes alone, so that hf-hub's metadata request passes and
    /// the fault hits its download request.
    pub fn skip_probes(mut self) -> Self {
        self.skip_probes = true;
        self
    }

    fn matches(&self, request: &Request, decoded_target: &str) -> bool {
        decoded_target.contains(&self.pattern)
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&request.method))
            && !(self.skip_probes && is_probe(request))
    }
}

fn head_only(request: &Request) -> bool {
    request.method == "HEAD"
}

fn is_probe(request: &Request) -> bool {
    request
        .header("range")
        .is_some_and(|r| r.replace(' ', "") == "bytes=0-0")
}

#[derive(Default)]
struct Counters {
    /// Bumped by `reset_counters`, so that requests in flight across a reset do not update
    /// records of the new log.
    generation: u64,
    log: Vec<RequestRecord>,
    files: BTreeMap<FileKey, FileStats>,
    bytes_served: u64,
}

struct Shared {
    repos: RwLock<Vec<ServedRepo>>,
    granted_tokens: Vec<String>,
    other_tokens: Vec<String>,
    cdn_host: String,
    port: u16,
    counters: Mutex<Counters>,
    faults: Mutex<Vec<Fault>>,
    shutdown: AtomicBool,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
    next_request: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not take the hub down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A hub on `127.0.0.1`, on a free port, until dropped. See the crate docs.
pub struct TestHub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl TestHub {
    /// Starts serving `contents`. Panics if a file given by path cannot be read or the
    /// contents are inconsistent (see [`TestHub::try_start`]).
    pub fn start(contents: HubContents) -> TestHub {
        match Self::try_start(contents) {
            Ok(hub) => hub,
            Err(e) => panic!("kakugo-testhub: cannot start: {e}"),
        }
    }

    /// Starts serving `contents`: hashes every file (streaming those given by path), binds
    /// `127.0.0.1:0` and spawns the accept thread.
    pub fn try_start(contents: HubContents) -> io::Result<TestHub> {
        let BuiltContents {
            repos,
            granted_tokens,
            other_tokens,
            cdn_host,
        } = contents.build()?;
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            repos: RwLock::new(repos),
            granted_tokens,
            other_tokens,
            cdn_host,
            port: addr.port(),
            counters: Mutex::new(Counters::default()),
            faults: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
            next_request: AtomicU64::new(0),
        });
        let accept_shared = shared.clone();
        let accept = std::thread::Builder::new()
            .name("kakugo-testhub-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(TestHub {
            shared,
            addr,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`, for `ApiBuilder::with_endpoint` or `HF_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request so far, in the order they arrived. A record's `body_bytes` (and file
    /// counters) are final once the client has read the whole answer.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.counters).log.clone()
    }

    /// Clears the request log, the per-file counters and the served-bytes count.
    pub fn reset_counters(&self) {
        let mut counters = lock(&self.shared.counters);
        let generation = counters.generation + 1;
        *counters = Counters {
            generation,
            ..Counters::default()
        };
    }

    /// The counters of one file (zero if never requested).
    pub fn file_stats(&self, kind: RepoKind, repo: &str, file: &str) -> FileStats {
        let key = FileKey {
            kind,
            repo: repo.to_string(),
            file: file.to_string(),
        };
        lock(&self.shared.counters)
            .files
            .get(&key)
            .copied()
            .unwrap_or_default()
    }

    /// How many times the file's bytes were downloaded ([`FileStats::downloads`]).
    pub fn downloads(&self, kind: RepoKind, repo: &str, file: &str) -> u64 {
        self.file_stats(kind, repo, file).downloads
    }

    /// Download counts of every file downloaded at least once, keyed by [`FileKey`]'s display
    /// form (`org/model:file`, `datasets/org/name:file`), for one-line assertions.
    pub fn download_counts(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.counters)
            .files
            .iter()
            .filter(|(_, s)| s.downloads > 0)
            .map(|(k, s)| (k.to_string(), s.downloads))
            .collect()
    }

    /// All per-file counters.
    pub fn all_file_stats(&self) -> BTreeMap<FileKey, FileStats> {
        lock(&self.shared.counters).files.clone()
    }

    /// File bytes sent so far (resolve and CDN, probes included; not headers or error bodies).
    pub fn bytes_served(&self) -> u64 {
        lock(&self.shared.counters).bytes_served
    }

    /// Queues a fault; faults are checked in the order injected, the first match applies.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.shared.faults).push(fault);
        }
    }

    /// The next `n` requests whose target contains `pattern` answer `status`.
    pub fn fail_next(&self, pattern: &str, n: u64, status: u16) {
        self.inject(Fault::status(status, pattern).times(n));
    }

    /// Removes faults not yet used up.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The commit a branch, tag or full sha names in a repo, if any.
    pub fn commit_sha(&self, kind: RepoKind, repo: &str, revision: &str) -> Option<String> {
        let repos = self.shared.repos.read().unwrap_or_else(|e| e.into_inner());
        let repo = repos
            .iter()
            .find(|r| r.kind == kind && r.id.eq_ignore_ascii_case(repo))?;
        repo.resolve(revision).map(|c| c.sha.clone())
    }

    /// Points branch or tag `name` of a repo at one of its commits (by sha), e.g. to move
    /// `main` while the hub runs. Returns false if the repo or commit does not exist.
    pub fn set_ref(&self, kind: RepoKind, repo: &str, name: &str, sha: &str) -> bool {
        let mut repos = self.shared.repos.write().unwrap_or_else(|e| e.into_inner());
        let Some(repo) = repos
            .iter_mut()
            .find(|r| r.kind == kind && r.id.eq_ignore_ascii_case(repo))
        else {
            return false;
        };
        let Some(index) = repo.commits.iter().position(|c| c.sha == sha) else {
            return false;
        };
        repo.refs.insert(name.to_string(), index);
        true
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        for (_, stream) in lock(&self.shared.connections).drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // E.g. out of file descriptors: do not spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = shared.next_connection.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.connections).insert(id, clone);
        }
        let conn_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("kakugo-testhub-conn".into())
            .spawn(move || {
                serve_connection(&conn_shared, stream);
                lock(&conn_shared.connections).remove(&id);
            });
        if spawned.is_err() {
            lock(&shared.connections).remove(&id);
        }
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while !shared.shutdown.load(Ordering::SeqCst) {
        match read_request(&mut reader) {
            Err(ReadError::Closed) => break,
            Err(ReadError::Bad(message)) => {
                let response = error(400, Some("BadRequest"), &message);
                shared.log_arrival(RequestRecord {
                    method: String::new(),
                    target: String::new(),
                    range: None,
                    status: 400,
                    token: None,
                    authorized: false,
                    body_bytes: response.body.len(),
                });
                let _ = write_response(&mut writer, &response, None, false, false, None, |_, _| {});
                break;
            }
            Ok(request) => {
                if !shared.serve(&request, &mut writer) {
                    break;
                }
            }
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// The caller's standing, from its `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Auth {
    Anonymous,
    /// A header that is not a known bearer token.
    Invalid(String),
    /// A valid token without access to gated and private repos.
    NoAccess(String),
    /// A valid token with access.
    Granted(String),
}

impl Auth {
    fn token(&self) -> Option<String> {
        match self {
            Auth::Anonymous => None,
            Auth::Invalid(t) | Auth::NoAccess(t) | Auth::Granted(t) => Some(t.clone()),
        }
    }
}

/// Where a request's record sits in the log.
struct LogSlot {
    generation: u64,
    index: usize,
}

impl LogSlot {
    fn get<'c>(&self, counters: &'c mut Counters) -> Option<&'c mut RequestRecord> {
        if counters.generation == self.generation {
            counters.log.get_mut(self.index)
        } else {
            None
        }
    }
}

/// What a routed request counts against.
struct Counted {
    key: FileKey,
}

impl Shared {
    fn auth(&self, request: &Request) -> Auth {
        let Some(value) = request.header("authorization") else {
            return Auth::Anonymous;
        };
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Auth::Invalid(value.to_string()),
        };
        if self.granted_tokens.iter().any(|t| t == token) {
            Auth::Granted(token.to_string())
        } else if self.other_tokens.iter().any(|t| t == token) {
            Auth::NoAccess(token.to_string())
        } else {
            Auth::Invalid(token.to_string())
        }
    }

    fn take_fault(&self, request: &Request) -> Option<FaultAction> {
        let decoded = percent_decode(&request.target).unwrap_or_else(|| request.target.clone());
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(|f| f.matches(request, &decoded))?;
        let action = faults[index].action.clone();
        faults[index].times -= 1;
        if faults[index].times == 0 {
            faults.remove(index);
        }
        Some(action)
    }

    fn sleep(&self, duration: Duration) {
        let until = Instant::now() + duration;
        while !self.shutdown.load(Ordering::SeqCst) {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(10)));
        }
    }

    /// Logs a request on arrival (so that the log follows the order requests came in, which
    /// for a sequential client is the order it made them) and returns its index.
    fn log_arrival(&self, record: RequestRecord) -> LogSlot {
        let mut counters = lock(&self.counters);
        counters.log.push(record);
        LogSlot {
            generation: counters.generation,
            index: counters.log.len() - 1,
        }
    }

    /// Answers one request; false when the connection must close.
    fn serve(&self, request: &Request, writer: &mut TcpStream) -> bool {
        let auth = self.auth(request);
        let slot = self.log_arrival(RequestRecord {
            method: request.method.clone(),
            target: request.target.clone(),
            range: request.header("range").map(str::to_string),
            status: 0,
            token: auth.token(),
            authorized: matches!(auth, Auth::Granted(_)),
            body_bytes: 0,
        });
        let mut truncate = None;
        let routed = match self.take_fault(request) {
            Some(FaultAction::Drop) => return false,
            Some(FaultAction::Status(status)) => (fault_response(status), None),
            Some(FaultAction::Delay(delay)) => {
                self.sleep(delay);
                self.route(request, &auth)
            }
            Some(FaultAction::Truncate(bytes)) => {
                truncate = Some(bytes);
                self.route(request, &auth)
            }
            None => self.route(request, &auth),
        };
        let (mut response, mut counted) = routed;
        let head_only = head_only(request);
        let disk = if head_only {
            None
        } else {
            match open_body(&response.body) {
                Ok(disk) => disk,
                Err(e) => {
                    counted = None;
                    response = error(500, None, &format!("cannot read the served file: {e}"));
                    None
                }
            }
        };
        let request_id = self.next_request.fetch_add(1, Ordering::SeqCst);
        response.headers.push((
            "X-Request-Id".into(),
            format!("Root=1-testhub-{request_id}"),
        ));
        let keep_alive = request.keep_alive() && truncate.is_none();
        let file_body = matches!(response.body, Body::File { .. });
        let counted = counted.filter(|_| file_body && !head_only);
        {
            let mut counters = lock(&self.counters);
            // Set before writing: once the client has the answer, the log must show it.
            if let Some(record) = slot.get(&mut counters) {
                record.status = response.status;
                if !file_body && !head_only {
                    let len = response.body.len();
                    record.body_bytes = truncate.map_or(len, |t| t.min(len));
                }
            }
            if let Some(Counted { key }) = counted
                .as_ref()
                .filter(|_| counters.generation == slot.generation)
            {
                let stats = counters.files.entry(key.clone()).or_default();
                if is_probe(request) {
                    stats.probes += 1;
                } else {
                    stats.downloads += 1;
                }
            }
        }
        let probe = is_probe(request);
        let on_file_chunk = |len: u64, last: bool| {
            let mut counters = lock(&self.counters);
            if let Some(record) = slot.get(&mut counters) {
                record.body_bytes += len;
            }
            if counters.generation != slot.generation {
                return;
            }
            if let Some(Counted { key }) = &counted {
                counters.bytes_served += len;
                let stats = counters.files.entry(key.clone()).or_default();
                stats.bytes += len;
                if last && !probe {
                    stats.completed += 1;
                }
            }
        };
        let written = write_response(
            writer,
            &response,
            disk,
            head_only,
            keep_alive,
            truncate,
            on_file_chunk,
        );
        written.is_ok() && keep_alive
    }

    fn route(&self, request: &Request, auth: &Auth) -> (Response, Option<Counted>) {
        if request.method != "GET" && request.method != "HEAD" {
            return (
                error(405, None, "Method not allowed").header("Allow", "GET, HEAD"),
                None,
            );
        }
        let Some(rest) = request.path.strip_prefix('/') else {
            return (not_found_page(), None);
        };
        let segments: Vec<&str> = rest.split('/').collect();
        let repos = self.repos.read().unwrap_or_else(|e| e.into_inner());
        match segments.first().copied() {
            Some("cdn") => self.cdn(&repos, request, &segments[1..]),
            Some("api") => (self.api(&repos, request, auth, &segments[1..]), None),
            _ => self.resolve(&repos, request, auth, &segments),
        }
    }

    /// `/api/{models|datasets}/{id}[/revision/{rev}]`: the repo info JSON.
    fn api(
        &self,
        repos: &[ServedRepo],
        request: &Request,
        auth: &Auth,
        segments: &[&str],
    ) -> Response {
        let Some((&kind_segment, rest)) = segments.split_first() else {
            return not_found_page();
        };
        let kind = match kind_segment {
            "models" => Some(RepoKind::Model),
            "datasets" => Some(RepoKind::Dataset),
            "spaces" => None,
            _ => return not_found_page(),
        };
        // `{id}` is one or two segments; `revision` and a revision may follow.
        let (id_len, revision) = match rest.len() {
            1 | 2 => (rest.len(), None),
            3 if rest[1] == "revision" => (1, Some(rest[2])),
            4 if rest[2] == "revision" => (2, Some(rest[3])),
            _ => return not_found_page(),
        };
        let Some(id) = decode_segments(&rest[..id_len]) else {
            return error(
                400,
                Some("BadRequest"),
                "Invalid percent-encoding in the path",
            );
        };
        let revision = match revision.map(percent_decode) {
            None => "main".to_string(),
            Some(Some(revision)) => revision,
            Some(None) => {
                return error(
                    400,
                    Some("BadRequest"),
                    "Invalid percent-encoding in the path",
                )
            }
        };
        let id_start = 2; // after `api/{kind}`
        let repo = match self.gate(repos, request, auth, kind, &id, id_start, id_len) {
            Ok(repo) => repo,
            Err(response) => return response,
        };
        let Some(commit) = repo.resolve(&revision) else {
            return revision_not_found(&revision);
        };
        let blobs = query_flag(&request.query, "blobs");
        let body = repo_info(repo, commit, blobs);
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        Response::new(200)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(Body::Bytes(bytes))
    }

    /// `/{id}/resolve/{rev}/{file}` and `/datasets/{id}/resolve/{rev}/{file}`.
    fn resolve(
        &self,
        repos: &[ServedRepo],
        request: &Request,
        auth: &Auth,
        segments: &[&str],
    ) -> (Response, Option<Counted>) {
        let (kind, offset) = match segments.first().copied() {
            Some("datasets") => (Some(RepoKind::Dataset), 1),
            Some("spaces") => (None, 1),
            _ => (Some(RepoKind::Model), 0),
        };
        let rest = &segments[offset..];
        let Some(id_len) = (1..=2).find(|&n| rest.len() >= n + 3 && rest[n] == "resolve") else {
            return (not_found_page(), None);
        };
        let (Some(id), Some(revision), Some(file)) = (
            decode_segments(&rest[..id_len]),
            percent_decode(rest[id_len + 1]),
            decode_segments(&rest[id_len + 2..]),
        ) else {
            return (
                error(
                    400,
                    Some("BadRequest"),
                    "Invalid percent-encoding in the path",
                ),
                None,
            );
        };
        let repo = match self.gate(repos, request, auth, kind, &id, offset, id_len) {
            Ok(repo) => repo,
            Err(response) => return (response, None),
        };
        let Some(commit) = repo.resolve(&revision) else {
            return (revision_not_found(&revision), None);
        };
        let Some(served) = commit.files.get(&file) else {
            let message = format!("{file} does not exist on \"{revision}\"");
            return (error(404, Some("EntryNotFound"), &message), None);
        };
        if served.lfs {
            let location = format!(
                "http://{}:{}/cdn/{}/{}/{}/{}",
                self.cdn_host,
                self.port,
                repo.kind.api_segment(),
                percent_encode(&repo.id, true),
                commit.sha,
                percent_encode(&file, true),
            );
            let body = format!("Found. Redirecting to {location}").into_bytes();
            let response = Response::new(302)
                .header("Location", &location)
                .header("X-Repo-Commit", &commit.sha)
                .header("ETag", format!("\"{}\"", served.git_oid))
                .header("X-Linked-Etag", format!("\"{}\"", served.sha256))
                .header("X-Linked-Size", served.size.to_string())
                .header("Accept-Ranges", "bytes")
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(Body::Bytes(body));
            return (response, None);
        }
        let response = file_response(served, request)
            .header("X-Repo-Commit", &commit.sha)
            .header("ETag", format!("\"{}\"", served.git_oid));
        let counted = Counted {
            key: FileKey {
                kind: repo.kind,
                repo: repo.id.clone(),
                file,
            },
        };
        (response, Some(counted))
    }

    /// `/cdn/{models|datasets}/{id}/{commit}/{file}`: LFS bytes, no auth (a signed URL on
    /// the real hub).
    fn cdn(
        &self,
        repos: &[ServedRepo],
        request: &Request,
        segments: &[&str],
    ) -> (Response, Option<Counted>) {
        let not_found = || {
            let body =
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code></Error>";
            (
                Response::new(404)
                    .header("Content-Type", "application/xml")
                    .body(Body::Bytes(body.to_vec())),
                None,
            )
        };
        let kind = match segments.first().copied() {
            Some("models") => RepoKind::Model,
            Some("datasets") => RepoKind::Dataset,
            _ => return not_found(),
        };
        let rest = &segments[1..];
        for id_len in 1..=2 {
            if rest.len() < id_len + 2 {
                break;
            }
            let Some(id) = decode_segments(&rest[..id_len]) else {
                return not_found();
            };
            let Some(repo) = repos
                .iter()
                .find(|r| r.kind == kind && r.id.eq_ignore_ascii_case(&id))
            else {
                continue;
            };
            let Some(commit) = repo.commits.iter().find(|c| c.sha == rest[id_len]) else {
                continue;
            };
            let Some(file) = decode_segments(&rest[id_len + 1..]) else {
                return not_found();
            };
            let Some(served) = commit.files.get(&file) else {
                return not_found();
            };
            let response = file_response(served, request)
                .header("ETag", format!("\"{}\"", served.sha256))
                .header("Cache-Control", "public, max-age=604800, immutable");
            let counted = Counted {
                key: FileKey {
                    kind,
                    repo: repo.id.clone(),
                    file,
                },
            };
            return (response, Some(counted));
        }
        not_found()
    }

    /// Finds a repo and checks that the caller may read it, answering as the hub does
    /// otherwise. `kind` None is a space (never served). The id occupies `id_len` path segments
    /// from `id_start` (for the renamed-repo redirect).
    #[allow(clippy::too_many_arguments)]
    fn gate<'r>(
        &self,
        repos: &'r [ServedRepo],
        request: &Request,
        auth: &Auth,
        kind: Option<RepoKind>,
        id: &str,
        id_start: usize,
        id_len: usize,
    ) -> Result<&'r ServedRepo, Response> {
        if let Auth::Invalid(_) = auth {
            return Err(error(
                401,
                None,
                "Invalid credentials in Authorization header",
            ));
        }
        let repo_not_found = || {
            let status = if *auth == Auth::Anonymous { 401 } else { 404 };
            error(status, Some("RepoNotFound"), "Repository not found")
        };
        let Some(kind) = kind else {
            return Err(repo_not_found());
        };
        let same_kind = || repos.iter().filter(|r| r.kind == kind);
        let repo = match same_kind().find(|r| r.id.eq_ignore_ascii_case(id)) {
            Some(repo) => repo,
            None => {
                let Some(renamed) =
                    same_kind().find(|r| r.aliases.iter().any(|a| a.eq_ignore_ascii_case(id)))
                else {
                    return Err(repo_not_found());
                };
                return Err(renamed_redirect(request, &renamed.id, id_start, id_len));
            }
        };
        let granted = matches!(auth, Auth::Granted(_));
        match repo.access {
            Access::Public => Ok(repo),
            _ if granted => Ok(repo),
            Access::Private => Err(repo_not_found()),
            Access::Gated => {
                let (status, message) = if *auth == Auth::Anonymous {
                    (
                        401,
                        format!(
                            "Access to {} {} is restricted. You must have access to it and be authenticated to access it. Please log in.",
                            repo.kind.singular(),
                            repo.id
                        ),
                    )
                } else {
                    (
                        403,
                        format!(
                            "Access to {} {} is restricted and you are not in the authorized list. Visit http://127.0.0.1:{}/{}{} to ask for access.",
                            repo.kind.singular(),
                            repo.id,
                            self.port,
                            repo.kind.url_prefix(),
                            repo.id
                        ),
                    )
                };
                Err(error(status, Some("GatedRepo"), &message))
            }
        }
    }
}

/// 307 to the same path with the repo's new id, relative, query kept.
fn renamed_redirect(request: &Request, new_id: &str, id_start: usize, id_len: usize) -> Response {
    let segments: Vec<&str> = request.path[1..].split('/').collect();
    let mut path = String::new();
    for segment in &segments[..id_start] {
        path.push('/');
        path.push_str(segment);
    }
    path.push('/');
    path.push_str(&percent_encode(new_id, true));
    for segment in &segments[id_start + id_len..] {
        path.push('/');
        path.push_str(segment);
    }
    if !request.query.is_empty() {
        path.push('?');
        path.push_str(&request.query);
    }
    let body = format!("Temporary Redirect. Redirecting to {path}").into_bytes();
    Response::new(307)
        .header("Location", &path)
        .header("Content-Type", "text/plain; charset=utf-8")
        .body(Body::Bytes(body))
}

/// 200, 206 or 416 for a file's bytes, per the `Range` header.
fn file_response(served: &Arc<ServedFile>, request: &Request) -> Response {
    let size = served.size;
    let response = match parse_range(request.header("range"), size) {
        RangeRequest::Whole => Response::new(200).body(Body::File {
            file: served.clone(),
            start: 0,
            len: size,
        }),
        RangeRequest::Part { start, end } => Response::new(206)
            .header("Content-Range", format!("bytes {start}-{end}/{size}"))
            .body(Body::File {
                file: served.clone(),
                start,
                len: end - start + 1,
            }),
        RangeRequest::Unsatisfiable => {
            return Response::new(416)
                .header("Content-Range", format!("bytes */{size}"))
                .header("Accept-Ranges", "bytes")
        }
    };
    response
        .header("Accept-Ranges", "bytes")
        .header("Content-Type", "application/octet-stream")
}

fn decode_segments(segments: &[&str]) -> Option<String> {
    let decoded: Option<Vec<String>> = segments.iter().map(|s| percent_decode(s)).collect();
    Some(decoded?.join("/"))
}

fn query_flag(query: &str, name: &str) -> bool {
    query.split('&').any(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, "true"));
        key == name && matches!(value, "true" | "1" | "True")
    })
}

/// The hub's error answer: JSON `{"error": message}`, `X-Error-Message` and, if any,
/// `X-Error-Code`.
fn error(status: u16, code: Option<&str>, message: &str) -> Response {
    let body = serde_json::to_vec(&json!({ "error": message })).unwrap_or_default();
    let mut response = Response::new(status)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("X-Error-Message", message);
    if let Some(code) = code {
        response = response.header("X-Error-Code", code);
    }
    response.body(Body::Bytes(body))
}

fn not_found_page() -> Response {
    error(
        404,
        Some("RepoNotFound"),
        "Sorry, we can't find the page you are looking for.",
    )
}

fn revision_not_found(revision: &str) -> Response {
    error(
        404,
        Some("RevisionNotFound"),
        &format!("Invalid rev id: {revision}"),
    )
}

fn fault_response(status: u16) -> Response {
    let message = if status >= 500 {
        "Internal Error - We're working hard to fix this as soon as possible!"
    } else {
        "Injected fault"
    };
    error(status, None, message)
}

fn repo_info(repo: &ServedRepo, commit: &ServedCommit, blobs: bool) -> Value {
    let siblings: Vec<Value> = commit
        .files
        .iter()
        .map(|(name, file)| {
            if !blobs {
                return json!({ "rfilename": name });
            }
            let mut sibling = json!({
                "rfilename": name,
                "blobId": file.git_oid,
                "size": file.size,
            });
            if file.lfs {
                sibling["lfs"] = json!({
                    "sha256": file.sha256,
                    "size": file.size,
                    "pointerSize": file.pointer_size,
                });
            }
            sibling
        })
        .collect();
    let used_storage: u64 = commit.files.values().map(|f| f.size).sum();
    let author = repo.id.split_once('/').map(|(org, _)| org);
    let gated = match repo.access {
        Access::Gated => json!("manual"),
        _ => json!(false),
    };
    // A stable 24-hex `_id`, like the hub's Mongo ids.
    let object_id = &crate::contents::git_blob_id(repo.id.as_bytes())[..24];
    let mut info = json!({
        "_id": object_id,
        "id": repo.id,
        "author": author,
        "sha": commit.sha,
        "lastModified": TIMESTAMP,
        "createdAt": TIMESTAMP,
        "private": repo.access == Access::Private,
        "gated": gated,
        "disabled": false,
        "downloads": 0,
        "likes": 0,
        "tags": [],
        "siblings": siblings,
        "usedStorage": used_storage,
    });
    match repo.kind {
        RepoKind::Model => {
            info["modelId"] = json!(repo.id);
            info["spaces"] = json!([]);
        }
        RepoKind::Dataset => {
            info["description"] = json!("");
        }
    }
    debug_assert!(is_commit_sha(&commit.sha));
    info
}
