//! The canned HTTP/1.1 server: keep-alive, answers every request at once with the success
//! response of the call its path belongs to. Its answers are the same bytes whether the SDK
//! or the floor asked, so what differs between the two is only the client.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// NCP `backupClusterConfiguration` success (seed 000's shape).
pub const NCP_BODY: &str = r#"{"backupClusterConfigurationResponse":{"requestId":"0c4e5bd2-6d5f-4b0e-9c3a-2f1c9a1d6b7e","returnCode":"0","returnMessage":"success"}}"#;
/// OCP `backupNow` success (the vendor sample of seed 002).
pub const OCP_BODY: &str = r#"{"data":{"backupObjectOpsResultList":[{"beSuccessful":true,"obBackupObjectList":[{"backupDimension":"CLUSTER","clusterId":1}],"taskIdList":[3000041]}],"obBackupTaskType":"DATA_BACKUP_NOW"},"duration":51,"server":"a83ad33525","status":200,"successful":true,"timestamp":"2021-09-07T14:51:41.135+08:00","traceId":"5962f337662d4043"}"#;
/// GES create-backup success.
pub const GES_BODY: &str = r#"{"job_id":"ff8080816025a0a1016025a5a2700007","backup_id":"ada3e720-ab91-4cc2-a5b6-aa7fb8b9cfc2"}"#;

/// The bucket of the S3 calls; path-style, so every S3 path starts with `/{S3_BUCKET}/`.
pub const S3_BUCKET: &str = "bench-bucket";
/// The key of the S3 calls.
pub const S3_KEY: &str = "backups/2026-11-29/manifest.json";
/// The object `PutObject` sends and `HeadObject` describes: the size of a small manifest,
/// in the range of the vendor create bodies.
pub const S3_OBJECT: &[u8] = br#"{"backup":"full","cluster":"c-0001","files":["part-0000","part-0001","part-0002","part-0003"],"created":"2026-11-29T18:00:00Z"}"#;
/// The ETag the server gives the object (its quoted MD5 would do; any opaque value works).
pub const S3_ETAG: &str = "\"9b2cf535f27731c974343645a3985328\"";

/// One request as read off the wire.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, `PUT`, `HEAD`, ...
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    /// Header names (lower-cased) and values, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked if it was sent chunked.
    pub body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The full response (head and body) for a request.
pub fn response_for(request: &Request) -> Vec<u8> {
    let path = request.target.as_str();
    let json = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    if path.starts_with("/vhadoop/") {
        json(NCP_BODY)
    } else if path.starts_with("/api/v2/ob/") {
        json(OCP_BODY)
    } else if path.starts_with("/v2/") {
        json(GES_BODY)
    } else if path.starts_with(&format!("/{S3_BUCKET}/")) {
        match request.method.as_str() {
            "PUT" => format!(
                "HTTP/1.1 200 OK\r\nx-amz-request-id: 4442587FB7D0A2F9\r\netag: {S3_ETAG}\r\ncontent-length: 0\r\n\r\n"
            )
            .into_bytes(),
            // HEAD: the object's length, and no body.
            "HEAD" => format!(
                "HTTP/1.1 200 OK\r\nx-amz-request-id: 4442587FB7D0A2F9\r\netag: {S3_ETAG}\r\nlast-modified: Sun, 29 Nov 2026 18:00:00 GMT\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                S3_OBJECT.len()
            )
            .into_bytes(),
            _ => not_found(),
        }
    } else {
        not_found()
    }
}

fn not_found() -> Vec<u8> {
    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_vec()
}

/// Reads one request from a keep-alive connection; `None` once the peer has closed it.
/// `buf` carries bytes already read past the previous request.
pub async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if !fill(stream, buf).await? {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or("/").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect();
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    buf.drain(..head_end);

    if request.header("expect") == Some("100-continue") {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        request.body = read_chunked(stream, buf).await?;
    } else {
        let length: usize = request
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < length {
            if !fill(stream, buf).await? {
                return Ok(None);
            }
        }
        request.body = buf.drain(..length).collect();
    }
    Ok(Some(request))
}

/// A chunked body (RFC 9112 §7.1), trailers read and dropped.
async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(stream, buf).await?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(stream, buf).await?.is_empty() {}
            return Ok(body);
        }
        while buf.len() < size + 2 {
            if !fill(stream, buf).await? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        body.extend(buf.drain(..size));
        buf.drain(..2);
    }
}

async fn read_line(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<String> {
    loop {
        if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&buf[..i]).into_owned();
            buf.drain(..i + 2);
            return Ok(line);
        }
        if !fill(stream, buf).await? {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// Reads more bytes into `buf`; `false` at end of stream.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

/// Serves one keep-alive connection until the peer closes it.
pub async fn serve_connection(mut stream: TcpStream) {
    stream.set_nodelay(true).ok();
    let mut buf = Vec::with_capacity(8192);
    while let Ok(Some(request)) = read_request(&mut stream, &mut buf).await {
        if stream.write_all(&response_for(&request)).await.is_err() {
            return;
        }
    }
}

/// Binds 127.0.0.1 on a free port, prints `port=N` on stdout (the line the parent process
/// waits for), and serves on one thread until killed.
pub fn run_server_process() -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "port={port}")?;
            stdout.flush()?;
        }
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream));
                }
                // Out of descriptors, say: back off instead of spinning or exiting.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(1)).await,
            }
        }
    })
}
