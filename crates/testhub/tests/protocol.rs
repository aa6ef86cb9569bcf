//! The hub's HTTP answers, checked with raw requests: headers, ranges, errors, malformed input.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use kakugo_testhub::{git_blob_id, sha256_hex, Fault, HubContents, HubRepo, RepoKind, TestHub};

const BODY: &[u8] = b"0123456789";

fn hub() -> TestHub {
    TestHub::start(
        HubContents::new()
            .token("hf_ok")
            .repo(
                HubRepo::model("org/m")
                    .file("digits.txt", BODY)
                    .file("dir/a b ü.txt", "unicode")
                    .lfs_file("w.bin", vec![9u8; 50]),
            )
            .repo(HubRepo::model("gpt2").file("config.json", "{}"))
            .repo(HubRepo::dataset("org/d").gated().file("x.csv", "a,b\n")),
    )
}

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Sends raw bytes, reads until the server closes.
fn raw(hub: &TestHub, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(hub.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    parse(&out)
}

fn parse(out: &[u8]) -> Answer {
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(out)));
    let head = String::from_utf8(out[..split].to_vec()).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        head,
        body: out[split + 4..].to_vec(),
    }
}

fn get(hub: &TestHub, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (n, v) in headers {
        request.push_str(&format!("{n}: {v}\r\n"));
    }
    request.push_str("\r\n");
    raw(hub, request.as_bytes())
}

#[test]
fn regular_file_headers_and_ranges() {
    let hub = hub();
    let commit = hub.commit_sha(RepoKind::Model, "org/m", "main").unwrap();
    let url = "/org/m/resolve/main/digits.txt";

    let a = get(&hub, "GET", url, &[]);
    assert_eq!(a.status, 200);
    assert_eq!(a.body, BODY);
    assert_eq!(a.header("content-length").unwrap(), "10");
    assert_eq!(
        a.header("etag").unwrap(),
        format!("\"{}\"", git_blob_id(BODY))
    );
    assert_eq!(a.header("x-repo-commit").unwrap(), commit);
    assert_eq!(a.header("accept-ranges").unwrap(), "bytes");
    assert!(a.header("x-linked-etag").is_none());

    let h = get(&hub, "HEAD", url, &[]);
    assert_eq!(h.status, 200);
    assert!(h.body.is_empty());
    assert_eq!(h.header("content-length").unwrap(), "10");

    for (range, status, content_range, body) in [
        ("bytes=0-0", 206, "bytes 0-0/10", &b"0"[..]),
        ("bytes=3-", 206, "bytes 3-9/10", b"3456789"),
        ("bytes=2-4", 206, "bytes 2-4/10", b"234"),
        ("bytes=-3", 206, "bytes 7-9/10", b"789"),
        ("bytes=8-100", 206, "bytes 8-9/10", b"89"),
        ("bytes=10-", 416, "bytes */10", b""),
    ] {
        let a = get(&hub, "GET", url, &[("Range", range)]);
        assert_eq!(a.status, status, "{range}");
        assert_eq!(a.header("content-range").unwrap(), content_range, "{range}");
        assert_eq!(a.body, body, "{range}");
    }
    // A multi-range or malformed Range is ignored: the whole file.
    let a = get(&hub, "GET", url, &[("Range", "bytes=0-1,3-4")]);
    assert_eq!((a.status, a.body.as_slice()), (200, BODY));

    // Request by commit sha; one-segment model ids; percent-encoded file names.
    let a = get(
        &hub,
        "GET",
        &format!("/org/m/resolve/{commit}/digits.txt"),
        &[],
    );
    assert_eq!(a.status, 200);
    assert_eq!(
        get(&hub, "GET", "/gpt2/resolve/main/config.json", &[]).body,
        b"{}"
    );
    let a = get(
        &hub,
        "GET",
        "/org/m/resolve/main/dir/a%20b%20%C3%BC.txt",
        &[],
    );
    assert_eq!(a.body, b"unicode");
    let stats = hub.file_stats(RepoKind::Model, "org/m", "digits.txt");
    assert_eq!(stats.probes, 1);
    // The plain GET, four ranges, the multi-range and the by-sha GET; not the probe, the 416
    // or the HEAD.
    assert_eq!(stats.downloads, 7);
}

#[test]
fn lfs_redirect_and_cdn() {
    let hub = hub();
    let commit = hub.commit_sha(RepoKind::Model, "org/m", "main").unwrap();
    for method in ["GET", "HEAD"] {
        let a = get(
            &hub,
            method,
            "/org/m/resolve/main/w.bin",
            &[("Range", "bytes=0-0")],
        );
        assert_eq!(a.status, 302);
        let location = a.header("location").unwrap();
        assert_eq!(
            location,
            format!("{}/cdn/models/org/m/{commit}/w.bin", hub.endpoint())
        );
        assert_eq!(a.header("x-repo-commit").unwrap(), commit);
        assert_eq!(
            a.header("x-linked-etag").unwrap(),
            format!("\"{}\"", sha256_hex(&[9u8; 50]))
        );
        assert_eq!(a.header("x-linked-size").unwrap(), "50");
        let etag = a.header("etag").unwrap();
        assert_ne!(etag, a.header("x-linked-etag").unwrap());
    }
    let cdn = format!("/cdn/models/org/m/{commit}/w.bin");
    let a = get(&hub, "GET", &cdn, &[("Range", "bytes=40-")]);
    assert_eq!(a.status, 206);
    assert_eq!(a.header("content-range").unwrap(), "bytes 40-49/50");
    assert_eq!(a.body, vec![9u8; 10]);
    assert!(a.header("x-repo-commit").is_none());
    assert_eq!(
        get(
            &hub,
            "GET",
            &format!("/cdn/models/org/m/{commit}/nope"),
            &[]
        )
        .status,
        404
    );
    assert_eq!(
        get(&hub, "GET", "/cdn/models/org/m/0000/w.bin", &[]).status,
        404
    );
    assert_eq!(hub.downloads(RepoKind::Model, "org/m", "w.bin"), 1);
}

#[test]
fn errors_carry_the_hub_codes() {
    let hub = hub();
    let cases = [
        ("/org/m/resolve/main/none", None, 404, Some("EntryNotFound")),
        (
            "/org/m/resolve/nobranch/digits.txt",
            None,
            404,
            Some("RevisionNotFound"),
        ),
        ("/org/none/resolve/main/x", None, 401, Some("RepoNotFound")),
        (
            "/org/none/resolve/main/x",
            Some("hf_ok"),
            404,
            Some("RepoNotFound"),
        ),
        ("/org/m/resolve/main/digits.txt", Some("hf_bad"), 401, None),
        (
            "/datasets/org/d/resolve/main/x.csv",
            None,
            401,
            Some("GatedRepo"),
        ),
        (
            "/api/datasets/org/d/revision/main",
            None,
            401,
            Some("GatedRepo"),
        ),
        (
            "/spaces/org/m/resolve/main/x",
            None,
            401,
            Some("RepoNotFound"),
        ),
        ("/org/m/tree/main", None, 404, Some("RepoNotFound")),
        (
            "/api/models/org/m/revision/nope",
            None,
            404,
            Some("RevisionNotFound"),
        ),
    ];
    for (target, token, status, code) in cases {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        let a = get(&hub, "GET", target, &headers);
        assert_eq!(a.status, status, "{target}");
        assert_eq!(a.header("x-error-code").as_deref(), code, "{target}");
        let json: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(
            json["error"].as_str().unwrap(),
            a.header("x-error-message").unwrap(),
            "{target}"
        );
    }
    let a = get(
        &hub,
        "GET",
        "/datasets/org/d/resolve/main/x.csv",
        &[("Authorization", "Bearer hf_ok")],
    );
    assert_eq!((a.status, a.body.as_slice()), (200, &b"a,b\n"[..]));
    let log = hub.requests();
    assert!(log.last().unwrap().authorized);
    assert_eq!(log.last().unwrap().token.as_deref(), Some("hf_ok"));
    assert!(!log[0].authorized);
}

#[test]
fn info_json() {
    let hub = hub();
    let a = get(&hub, "GET", "/api/models/org/m?blobs=true", &[]);
    assert_eq!(a.status, 200);
    let info: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(info["id"], "org/m");
    assert_eq!(info["author"], "org");
    assert_eq!(
        info["sha"],
        hub.commit_sha(RepoKind::Model, "org/m", "main").unwrap()
    );
    let siblings = info["siblings"].as_array().unwrap();
    assert_eq!(siblings.len(), 3);
    assert_eq!(siblings[0]["rfilename"], "digits.txt");
    assert_eq!(siblings[0]["blobId"], git_blob_id(BODY));
    assert_eq!(siblings[1]["rfilename"], "dir/a b ü.txt");
    assert_eq!(siblings[2]["lfs"]["size"], 50);
    let a = get(&hub, "GET", "/api/models/gpt2/revision/main", &[]);
    let info: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(
        info["siblings"],
        serde_json::json!([{"rfilename": "config.json"}])
    );
    assert_eq!(info["author"], serde_json::Value::Null);
}

#[test]
fn malformed_requests_get_400_and_the_hub_survives() {
    let hub = hub();
    let big_header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(70_000));
    let bad: Vec<&[u8]> = vec![
        b"GARBAGE\r\n\r\n",
        b"GET /x\r\n\r\n",
        b"GET /x HTTP/2.0\r\n\r\n",
        b"GET http://example.com/ HTTP/1.1\r\n\r\n",
        b"GET /x HTTP/1.1\r\nNoColon\r\n\r\n",
        b"GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\n\r\n",
        b"GET /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"G\xc3\xa9T /x HTTP/1.1\r\n\r\n",
        big_header.as_bytes(),
    ];
    for request in bad {
        let a = raw(&hub, request);
        assert_eq!(
            a.status,
            400,
            "{:?}",
            String::from_utf8_lossy(&request[..request.len().min(40)])
        );
        assert_eq!(a.header("x-error-code").as_deref(), Some("BadRequest"));
    }
    // Bad percent-encoding in a path.
    assert_eq!(get(&hub, "GET", "/org/m/resolve/main/%zz", &[]).status, 400);
    assert_eq!(get(&hub, "GET", "/org/m/resolve/%FF/x", &[]).status, 400);
    // Methods other than GET and HEAD.
    let a = get(
        &hub,
        "POST",
        "/api/models/org/m",
        &[("Content-Length", "0")],
    );
    assert_eq!(
        (a.status, a.header("allow").as_deref()),
        (405, Some("GET, HEAD"))
    );
    // A head cut short, an empty connection, a client that leaves mid-body.
    {
        let mut s = TcpStream::connect(hub.addr()).unwrap();
        s.write_all(b"GET /org/m/resolve/main/digits.txt HTTP/1.1\r\nHost")
            .unwrap();
    }
    drop(TcpStream::connect(hub.addr()).unwrap());
    // Still serving.
    assert_eq!(
        get(&hub, "GET", "/org/m/resolve/main/digits.txt", &[]).body,
        BODY
    );
    assert!(hub.requests().iter().filter(|r| r.status == 400).count() >= 11);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let hub = hub();
    let mut stream = TcpStream::connect(hub.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let one = b"GET /org/m/resolve/main/digits.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    stream.write_all(one).unwrap();
    stream.write_all(one).unwrap();
    stream
        .write_all(b"GET /gpt2/resolve/main/config.json HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 3);
    assert_eq!(text.matches("Connection: keep-alive").count(), 2);
    assert!(text.ends_with("{}"));
}

#[test]
fn faults_apply_in_order_and_run_out() {
    let hub = hub();
    hub.fail_next("digits", 2, 500);
    hub.inject(Fault::truncate(4, "digits"));
    let url = "/org/m/resolve/main/digits.txt";
    assert_eq!(get(&hub, "GET", url, &[]).status, 500);
    assert_eq!(get(&hub, "GET", url, &[]).status, 500);
    let a = get(&hub, "GET", url, &[]);
    assert_eq!((a.status, a.body.as_slice()), (200, &b"0123"[..]));
    assert_eq!(a.header("content-length").unwrap(), "10");
    assert_eq!(get(&hub, "GET", url, &[]).body, BODY);
    // A HEAD-only fault leaves GETs alone; a dropped connection answers nothing.
    hub.inject(Fault::drop_connection("digits").method("HEAD"));
    assert_eq!(get(&hub, "GET", url, &[]).status, 200);
    let mut s = TcpStream::connect(hub.addr()).unwrap();
    s.write_all(format!("HEAD {url} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(out.is_empty());
    let statuses: Vec<u16> = hub.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![500, 500, 200, 200, 200, 0]);
    let stats = hub.file_stats(RepoKind::Model, "org/m", "digits.txt");
    assert_eq!((stats.downloads, stats.completed, stats.bytes), (3, 2, 24));
    assert_eq!(hub.bytes_served(), 24);
    hub.reset_counters();
    assert!(hub.requests().is_empty());
    assert_eq!(hub.bytes_served(), 0);
}

#[test]
fn dropping_the_hub_closes_the_port_and_open_connections() {
    let hub = hub();
    let addr = hub.addr();
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Make sure the connection is being served before the drop.
    idle.write_all(b"GET /gpt2/resolve/main/config.json HTTP/1.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 512];
    assert!(idle.read(&mut buf).unwrap() > 0);
    drop(hub);
    assert!(TcpStream::connect(addr).is_err());
    let mut rest = Vec::new();
    let _ = idle.read_to_end(&mut rest); // returns promptly: the hub shut the socket
}

#[test]
fn bad_contents_are_refused() {
    let err = TestHub::try_start(HubContents::new().repo(HubRepo::model("a/b").sha("xyz")))
        .err()
        .unwrap();
    assert!(err.to_string().contains("40 lowercase hex"), "{err}");
    let err = TestHub::try_start(
        HubContents::new()
            .repo(HubRepo::model("a/b"))
            .repo(HubRepo::model("A/B")),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("twice"), "{err}");
    let err = TestHub::try_start(
        HubContents::new().repo(HubRepo::model("a/b").file_at("x", "/nonexistent/file")),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("/nonexistent/file"), "{err}");
}
