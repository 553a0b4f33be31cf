//! Fetch one URL and save it, all or nothing.
//!
//! The tutorial's `download_image` writes whatever comes back straight into the final
//! file: an error page, half a picture. This one checks the status, streams the body
//! into a temporary file beside the target (stopping at a size limit), checks that
//! what arrived is as long as announced and is a whole JPEG, and only then renames it
//! into place. A failed or interrupted download never leaves a half-written file, and
//! an older picture at the same path is replaced only by a whole new one.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;

use crate::event::EventKind;
use crate::interrupt;
use crate::process::{AlreadyReported, Task};
use crate::timeline::Timeline;
use crate::{jpeg, temp};

/// Why a download failed. Every variant names the URL or the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("{url}: cannot connect: {reason}")]
    Connect { url: String, reason: String },
    #[error("{url}: no complete answer within {seconds} s")]
    Timeout { url: String, seconds: f64 },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: String },
    #[error("{url}: got {got} bytes, but the server announced {expected}")]
    Truncated {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("{url}: cut off after {got} of {expected} bytes")]
    Cut {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("{url}: the server sent an empty body")]
    Empty { url: String },
    #[error("{url}: got {content_type}, {bytes} bytes, not a JPEG")]
    NotAJpeg {
        url: String,
        content_type: String,
        bytes: String,
    },
    #[error("{url}: the answer is larger than the limit of {limit_mb} MB (see --max-mb)")]
    TooLarge { url: String, limit_mb: u64 },
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

/// How long a download may take and how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(30),
            max_bytes: 25 * 1_000_000,
        }
    }
}

/// Downloads pictures: an HTTP client with a timeout, so that a server that stalls
/// cannot hang a lesson, and the timeline each download's start and end go into.
/// Building one costs a few milliseconds (TLS set-up), so build it once per process
/// and share it: threads can, because it is `Clone + Send + Sync`.
#[derive(Clone)]
pub struct Downloader {
    client: Client,
    limits: Limits,
    timeline: Timeline,
}

impl Downloader {
    pub fn new(limits: Limits, timeline: &Timeline) -> Result<Downloader, DownloadError> {
        Downloader::build(limits, timeline, None)
    }

    /// A downloader that trusts only the certificate authority in `ca_pem` for HTTPS,
    /// instead of the system's: for a server of your own with a certificate you made
    /// (the tests make one).
    pub fn trusting_only(
        limits: Limits,
        timeline: &Timeline,
        ca_pem: &[u8],
    ) -> Result<Downloader, DownloadError> {
        let ca = reqwest::Certificate::from_pem(ca_pem).map_err(|error| DownloadError::Http {
            url: String::new(),
            reason: format!("not a PEM certificate: {}", reason(&error)),
        })?;
        Downloader::build(limits, timeline, Some(ca))
    }

    fn build(
        limits: Limits,
        timeline: &Timeline,
        only_root: Option<reqwest::Certificate>,
    ) -> Result<Downloader, DownloadError> {
        install_crypto_provider();
        let mut builder = Client::builder()
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .timeout(limits.timeout);
        if let Some(root) = only_root {
            builder = builder.tls_certs_only([root]);
        }
        let client = builder.build().map_err(|error| DownloadError::Http {
            url: String::new(),
            reason: format!("cannot build an HTTP client: {}", reason(&error)),
        })?;
        Ok(Downloader {
            client,
            limits,
            timeline: timeline.clone(),
        })
    }

    /// The tutorial's `download_image(url, i)`: fetches `url` into `path` and records
    /// the start and the end (saved, or failed and why) in the timeline as file `file`.
    /// Returns the number of bytes saved.
    pub fn download_image(
        &self,
        url: &str,
        path: &Path,
        file: usize,
    ) -> Result<u64, DownloadError> {
        let shown = without_password(url);
        self.timeline
            .record(file, EventKind::Started { url: shown });
        let result = self.fetch_to_file(url, path);
        self.timeline.record(file, end_event(path, &result));
        result
    }

    /// Downloads `url` into `path` without recording anything; returns the bytes saved.
    pub fn fetch_to_file(&self, url: &str, path: &Path) -> Result<u64, DownloadError> {
        let started = Instant::now();
        let request = self.client.get(url);
        // From here on `url` is what errors show: never a password.
        let url = &without_password(url);
        let mut response = request
            .send()
            .map_err(|error| classify(url, self.limits, error))?;
        let content_type = check_status(url, response.status(), response.headers())?;
        let expected = response.content_length();
        let write_error = |error: std::io::Error| DownloadError::Write {
            path: path.into(),
            reason: error.to_string(),
        };
        let mut temp = TempFile::create_beside(path).map_err(write_error)?;
        // Read the body ourselves, so that a cut connection can say how much arrived,
        // and check the deadline between reads: reqwest's timeout does not cover a body
        // read piece by piece, and a server can trickle bytes forever.
        let mut got: u64 = 0;
        let mut head = Vec::new(); // the first bytes: the JPEG's start and frame header
        let mut tail = [0u8; 2]; // the last two bytes: the JPEG's end marker
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let read = match response.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) if is_timeout(&error) => return Err(timed_out(url, self.limits)),
                Err(error) => {
                    return Err(match expected {
                        Some(expected) => DownloadError::Cut {
                            url: url.into(),
                            got,
                            expected,
                        },
                        None => DownloadError::Http {
                            url: url.into(),
                            reason: reason(&error),
                        },
                    });
                }
            };
            let piece = &chunk[..read];
            got += read as u64;
            if got > self.limits.max_bytes {
                return Err(DownloadError::TooLarge {
                    url: url.into(),
                    limit_mb: self.limits.max_bytes / 1_000_000,
                });
            }
            if head.len() < HEAD_BYTES {
                let room = HEAD_BYTES - head.len();
                head.extend_from_slice(&piece[..room.min(read)]);
            }
            tail = match piece {
                [.., a, b] => [*a, *b],
                [b] => [tail[1], *b],
                [] => tail,
            };
            temp.write_all(piece).map_err(write_error)?;
            if started.elapsed() > self.limits.timeout {
                return Err(timed_out(url, self.limits));
            }
        }
        check_whole_jpeg(url, &content_type, expected, got, &head, tail)?;
        temp.persist(path).map_err(write_error)?;
        Ok(got)
    }
}

/// Turns reqwest's error into one of ours, with the deepest reason in one line. The
/// blocking and the async downloader share it.
fn classify(url: &str, limits: Limits, error: reqwest::Error) -> DownloadError {
    let url = url.to_string();
    if error.is_timeout() {
        timed_out(&url, limits)
    } else if error.is_connect() {
        DownloadError::Connect {
            url,
            reason: reason(&error),
        }
    } else {
        DownloadError::Http {
            url,
            reason: reason(&error),
        }
    }
}

fn timed_out(url: &str, limits: Limits) -> DownloadError {
    DownloadError::Timeout {
        url: url.into(),
        seconds: limits.timeout.as_secs_f64(),
    }
}

/// Refuses an answer whose status is not 2xx; returns its Content-Type, or
/// `no Content-Type`.
fn check_status(
    url: &str,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> Result<String, DownloadError> {
    if !status.is_success() {
        return Err(DownloadError::Status {
            url: url.into(),
            status: status.to_string(),
        });
    }
    Ok(headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("no Content-Type")
        .to_string())
}

/// Refuses what is not a whole JPEG: fewer bytes than announced, none at all, another
/// Content-Type, or bytes that do not start with the JPEG's markers and frame header
/// and end with its end marker. `head` is the first bytes, `tail` the last two.
fn check_whole_jpeg(
    url: &str,
    content_type: &str,
    expected: Option<u64>,
    got: u64,
    head: &[u8],
    tail: [u8; 2],
) -> Result<(), DownloadError> {
    if let Some(expected) = expected
        && got != expected
    {
        return Err(DownloadError::Truncated {
            url: url.into(),
            got,
            expected,
        });
    }
    if got == 0 {
        return Err(DownloadError::Empty { url: url.into() });
    }
    let is_jpeg_type = content_type.starts_with("image/jpeg")
        || content_type.starts_with("image/jpg")
        || content_type == "no Content-Type";
    if !is_jpeg_type || tail != jpeg::END || jpeg::frame_size(head).is_none() {
        return Err(DownloadError::NotAJpeg {
            url: url.into(),
            content_type: content_type.into(),
            bytes: crate::units::thousands(got),
        });
    }
    Ok(())
}

/// Downloads pictures with async I/O (lesson 12): one task per download on a tokio
/// runtime instead of one thread, with the same checks as [`Downloader`] and the same
/// all-or-nothing write. Cloning it shares the HTTP client and its connections.
#[derive(Clone)]
pub struct AsyncDownloader {
    client: reqwest::Client,
    limits: Limits,
    timeline: Timeline,
}

impl AsyncDownloader {
    pub fn new(limits: Limits, timeline: &Timeline) -> Result<AsyncDownloader, DownloadError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .timeout(limits.timeout)
            .build()
            .map_err(|error| DownloadError::Http {
                url: String::new(),
                reason: format!("cannot build an HTTP client: {}", reason(&error)),
            })?;
        Ok(AsyncDownloader {
            client,
            limits,
            timeline: timeline.clone(),
        })
    }

    /// [`Downloader::download_image`], as a future: it waits without a thread.
    pub async fn download_image(
        &self,
        url: &str,
        path: &Path,
        file: usize,
    ) -> Result<u64, DownloadError> {
        self.timeline.record(
            file,
            EventKind::Started {
                url: without_password(url),
            },
        );
        let result = self.fetch_to_file(url, path).await;
        self.timeline.record(file, end_event(path, &result));
        result
    }

    async fn fetch_to_file(&self, url: &str, path: &Path) -> Result<u64, DownloadError> {
        let request = self.client.get(url);
        let url = &without_password(url);
        let classify = |error: reqwest::Error| classify(url, self.limits, error);
        let mut response = request.send().await.map_err(classify)?;
        let content_type = check_status(url, response.status(), response.headers())?;
        let expected = response.content_length();
        // Small pictures: the body is kept in memory (bounded by the limit) and written
        // in one go when it is whole.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| match expected {
            Some(expected) if !error.is_timeout() => DownloadError::Cut {
                url: url.clone(),
                got: body.len() as u64,
                expected,
            },
            _ => classify(error),
        })? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > self.limits.max_bytes {
                return Err(DownloadError::TooLarge {
                    url: url.clone(),
                    limit_mb: self.limits.max_bytes / 1_000_000,
                });
            }
        }
        let got = body.len() as u64;
        let tail = match body.as_slice() {
            [.., a, b] => [*a, *b],
            _ => [0, 0],
        };
        let head = &body[..body.len().min(HEAD_BYTES)];
        check_whole_jpeg(url, &content_type, expected, got, head, tail)?;
        // Writing a file blocks: do it on tokio's threads for blocking work, not on
        // the threads that drive every download.
        let path = path.to_path_buf();
        let written = tokio::task::spawn_blocking(move || save_whole(&path, &body))
            .await
            .map_err(|error| DownloadError::Http {
                url: url.clone(),
                reason: format!("the writing task failed: {error}"),
            })?;
        written.map(|()| got)
    }
}

/// Writes `bytes` to `path` all or nothing: a temporary file beside it, renamed.
fn save_whole(path: &Path, bytes: &[u8]) -> Result<(), DownloadError> {
    let write_error = |error: std::io::Error| DownloadError::Write {
        path: path.into(),
        reason: error.to_string(),
    };
    let mut temp = TempFile::create_beside(path).map_err(write_error)?;
    temp.write_all(bytes).map_err(write_error)?;
    temp.persist(path).map_err(write_error)
}

/// How much of the start of a download is kept to find the JPEG's frame header.
const HEAD_BYTES: usize = 64 * 1024;

/// A file being written beside its final path under a temporary name (see `temp`).
/// Dropped before [`TempFile::persist`], it removes itself; a stop removes it too.
struct TempFile {
    path: PathBuf,
    file: Option<File>,
    /// Renamed into place: nothing to remove.
    persisted: bool,
}

impl TempFile {
    fn create_beside(target: &Path) -> std::io::Result<TempFile> {
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let purpose = target
            .file_name()
            .map_or_else(|| "download".into(), |name| name.to_string_lossy());
        let path = temp::new_name(folder, &purpose);
        let file = interrupt::create_temp_file(&path)?;
        Ok(TempFile {
            path,
            file: Some(file),
            persisted: false,
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => Ok(()),
        }
    }

    /// Renames the whole file to `target`: readers see the old file or the new one,
    /// never a part, whenever and however this program stops.
    ///
    /// No `sync_all` first: that would also guard against the machine losing power
    /// (a database's concern more than a downloader's), at the price of a wait for
    /// the disk per file: it made lesson 12's thousand downloads 10-50 % slower on the
    /// machine this workbook is tested on.
    fn persist(mut self, target: &Path) -> std::io::Result<()> {
        drop(self.file.take()); // closed first: Windows cannot rename an open file
        rename_replacing(&self.path, target)?;
        self.persisted = true;
        interrupt::forget_temp_file(&self.path);
        Ok(())
    }
}

/// The event that ends a download into `path`: saved with its size, or failed with
/// the reason (both downloaders record it).
fn end_event(path: &Path, result: &Result<u64, DownloadError>) -> EventKind {
    match result {
        Ok(bytes) => EventKind::Saved {
            path: path.into(),
            bytes: *bytes,
        },
        Err(error) => EventKind::Failed {
            reason: error.to_string(),
        },
    }
}

/// `std::fs::rename`, tried again for up to half a second where Windows refuses to
/// replace a file that another process has open or is replacing at this very moment
/// ("Access denied", os error 5): two runs writing into one folder (Wine always; Windows
/// where the file system has no POSIX rename semantics). Unix never needs it.
fn rename_replacing(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut tries = 0;
    loop {
        match std::fs::rename(from, to) {
            Err(error)
                if cfg!(windows)
                    && error.kind() == std::io::ErrorKind::PermissionDenied
                    && tries < 50 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            drop(self.file.take()); // closed first: Windows cannot remove an open file
            let _ = std::fs::remove_file(&self.path);
            interrupt::forget_temp_file(&self.path);
        }
    }
}

/// A URL as it may be shown: without a password in it.
pub fn without_password(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() || !parsed.username().is_empty() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// rustls needs one crypto provider per process, chosen before the first client is
/// built. We build reqwest without a default one (see `Cargo.toml`: the default,
/// aws-lc-rs, is slow to compile) and install `ring` here, once; a provider installed
/// by someone else first is fine too.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// `download_image` as a task for a child process, like Python's
/// `Process(target=download_image, args=(url, i))`. Its arguments are the URL, the
/// path, the file number, the timeout in seconds and the size limit in bytes; see
/// [`crate::Lesson::download_args`].
pub const DOWNLOAD_IMAGE: Task = Task {
    name: "download_image",
    run: download_image_in_child,
};

// ANCHOR: child_task
/// What a child process started with [`DOWNLOAD_IMAGE`] runs: it builds its own HTTP
/// client (a process shares nothing with its parent) and downloads one picture. Its
/// events go to the parent's timeline over its stdout.
fn download_image_in_child(args: &[String]) -> anyhow::Result<()> {
    let [url, path, file, timeout_secs, max_bytes] = args else {
        anyhow::bail!(
            "download_image needs 5 arguments (url, path, file, timeout, max bytes), got {args:?}"
        );
    };
    let limits = Limits {
        timeout: Duration::from_secs(timeout_secs.parse()?),
        max_bytes: max_bytes.parse()?,
    };
    let downloader = Downloader::new(limits, &Timeline::to_parent())?;
    match downloader.download_image(url, Path::new(path), file.parse()?) {
        Ok(_) => Ok(()),
        // The FAILED event has told the parent why: exit 1 without saying it twice.
        Err(_) => Err(AlreadyReported.into()),
    }
}
// ANCHOR_END: child_task

/// Did reading the body fail because the client's timeout ran out?
fn is_timeout(error: &std::io::Error) -> bool {
    if error.kind() == std::io::ErrorKind::TimedOut {
        return true;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
    while let Some(error) = source {
        if error
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
        {
            return true;
        }
        source = error.source();
    }
    false
}

/// The innermost cause of an error, which is the one that says what went wrong
/// ("Connection refused"), rather than reqwest's "error sending request".
fn reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    deepest.to_string()
}

#[cfg(test)]
mod tests_support {
    pub use super::*;
    pub use std::io::Read;
    pub use std::net::TcpListener;

    pub fn downloader(seconds: u64) -> Downloader {
        let limits = Limits {
            timeout: Duration::from_secs(seconds),
            max_bytes: 1_000_000,
        };
        Downloader::new(limits, &Timeline::quiet(crate::run::Clock::start()))
            .expect("client builds")
    }

    /// A server that answers every connection with `answer` (raw bytes), then closes.
    pub fn raw_server(answer: &'static [u8]) -> String {
        raw_server_owned(answer.to_vec())
    }

    pub fn raw_server_owned(answer: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(&answer);
            }
        });
        format!("http://{addr}/200/3000")
    }

    /// Fails, names the URL in one line, and leaves the folder empty.
    pub fn fails_without_a_file(url: &str) -> DownloadError {
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("0.jpg");
        let error = downloader(5)
            .fetch_to_file(url, &path)
            .expect_err("must fail");
        let message = error.to_string();
        assert!(message.contains(url), "{message} does not name {url}");
        assert!(!message.contains('\n'), "{message} is not one line");
        let left: Vec<_> = std::fs::read_dir(folder.path()).expect("read").collect();
        assert!(left.is_empty(), "{url} left {left:?}");
        error
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::*;
    use crate::server::{PictureServer, ServerConfig};

    fn quick_server() -> PictureServer {
        PictureServer::start(ServerConfig {
            latency: Duration::from_millis(1),
            ..ServerConfig::default()
        })
        .expect("server starts")
    }

    #[test]
    fn saves_the_exact_bytes_served() {
        let server = quick_server();
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("0.jpg");
        let bytes = downloader(5)
            .fetch_to_file(&server.picture_url(30, 40), &path)
            .expect("downloads");
        let saved = std::fs::read(&path).expect("file exists");
        assert_eq!(saved.len() as u64, bytes);
        assert_eq!(saved, crate::server::draw_jpeg(30, 40));
        assert!(temp::leftovers(folder.path()).is_empty());
    }

    fn assert_fails_without_a_file(url: &str, seconds: u64) -> DownloadError {
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("0.jpg");
        let error = downloader(seconds)
            .fetch_to_file(url, &path)
            .expect_err("must fail");
        let message = error.to_string();
        assert!(message.contains(url), "{message} does not name {url}");
        assert!(!message.contains('\n'), "{message} is not one line");
        let left: Vec<_> = std::fs::read_dir(folder.path()).expect("read").collect();
        assert!(left.is_empty(), "{url} left {left:?}");
        error
    }

    #[test]
    fn a_404_is_an_error_and_leaves_no_file() {
        let server = quick_server();
        let url = format!("http://{}/nothing-here", server.addr());
        let error = assert_fails_without_a_file(&url, 5);
        assert!(
            matches!(error, DownloadError::Status { ref status, .. } if status.starts_with("404"))
        );
    }

    #[test]
    fn a_closed_port_is_a_connect_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let url = format!("http://127.0.0.1:{port}/200/3000");
        let error = assert_fails_without_a_file(&url, 5);
        assert!(matches!(error, DownloadError::Connect { .. }), "{error}");
    }

    #[test]
    fn a_body_shorter_than_announced_is_not_saved() {
        let url = raw_server(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n\xFF\xD8short",
        );
        assert_fails_without_a_file(&url, 5);
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/200/3000", listener.local_addr().expect("addr"));
        // Accepts (the OS does, into the backlog) but never answers.
        let error = assert_fails_without_a_file(&url, 1);
        assert!(matches!(error, DownloadError::Timeout { .. }), "{error}");
        drop(listener);
    }

    #[test]
    fn an_unwritable_target_is_a_write_error() {
        let server = quick_server();
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("missing-folder").join("0.jpg");
        let error = downloader(5)
            .fetch_to_file(&server.picture_url(10, 10), &path)
            .expect_err("no such folder");
        assert!(matches!(error, DownloadError::Write { .. }), "{error}");
        assert!(error.to_string().contains("missing-folder"));
    }
}

#[cfg(test)]
mod what_arrives_is_a_picture {
    use super::tests_support::*;

    #[test]
    fn an_html_page_with_status_200_is_not_saved() {
        let url = raw_server(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20\r\nConnection: close\r\n\r\n<html>hello</html>\r\n",
        );
        let error = fails_without_a_file(&url);
        assert_eq!(
            error.to_string(),
            format!("{url}: got text/html, 20 bytes, not a JPEG")
        );
    }

    #[test]
    fn gzip_bytes_are_not_a_picture() {
        let url = raw_server(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\nConnection: close\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        );
        assert!(matches!(
            fails_without_a_file(&url),
            DownloadError::NotAJpeg { .. }
        ));
    }

    #[test]
    fn half_a_jpeg_without_content_length_is_not_saved() {
        let jpeg = crate::server::draw_jpeg(40, 30);
        let mut answer =
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: close\r\n\r\n".to_vec();
        answer.extend_from_slice(&jpeg[..jpeg.len() / 2]);
        let url = raw_server_owned(answer);
        assert!(matches!(
            fails_without_a_file(&url),
            DownloadError::NotAJpeg { .. }
        ));
    }

    #[test]
    fn a_server_that_never_stops_sending_hits_the_size_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/200/3000", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n\xFF\xD8");
                let zeros = [0u8; 64 * 1024];
                while stream.write_all(&zeros).is_ok() {}
            }
        });
        let error = fails_without_a_file(&url);
        assert!(matches!(error, DownloadError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn a_failed_download_leaves_the_old_picture_alone() {
        let url =
            raw_server(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("0.jpg");
        std::fs::write(&path, b"the learner's old picture").expect("write");
        downloader(5)
            .fetch_to_file(&url, &path)
            .expect_err("a 500 fails");
        assert_eq!(
            std::fs::read(&path).expect("still there"),
            b"the learner's old picture"
        );
        assert_eq!(std::fs::read_dir(folder.path()).expect("read").count(), 1);
    }
}

#[cfg(test)]
mod passwords {
    use super::*;

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        assert_eq!(
            without_password("https://me:secret@example.com/200/300"),
            "https://example.com/200/300"
        );
        assert_eq!(
            without_password("http://127.0.0.1:8000/200/3000"),
            "http://127.0.0.1:8000/200/3000"
        );
    }
}
