//! Fetch one URL and save it, all or nothing.
//!
//! The tutorial's `download_image` writes whatever comes back, straight into the final
//! file. This one checks the status and the length first and writes to a temporary
//! file in the same folder, renamed into place only when complete: a failed or
//! interrupted download never leaves a half-written picture behind.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::blocking::Client;

use crate::process::Task;
use crate::timeline::{self, What};

/// Temporary files start with this, so they are easy to recognise (and to clean up).
pub const TEMP_PREFIX: &str = ".partial-";

/// Why a download failed. Every variant names the URL or the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("{url}: cannot connect: {reason}")]
    Connect { url: String, reason: String },
    #[error("{url}: no complete answer within {seconds} s")]
    Timeout { url: String, seconds: f64 },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: String },
    #[error("{url}: got {got} bytes, but the server announced {expected}")]
    Truncated {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("{url}: the connection was cut after {got} of {expected} bytes ({reason})")]
    Cut {
        url: String,
        got: u64,
        expected: u64,
        reason: String,
    },
    #[error("{url}: the server sent an empty body")]
    Empty { url: String },
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

/// Downloads pictures: an HTTP client with a timeout, so that a server that stalls
/// cannot hang a lesson. Building one costs a few milliseconds (TLS set-up), so build it
/// once per process and reuse it.
#[derive(Clone)]
pub struct Downloader {
    client: Client,
    timeout: Duration,
}

impl Downloader {
    pub fn new(timeout: Duration) -> Result<Downloader, DownloadError> {
        let client = Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .map_err(|error| DownloadError::Http {
                url: String::new(),
                reason: format!("cannot build an HTTP client: {}", reason(&error)),
            })?;
        Ok(Downloader { client, timeout })
    }

    /// Downloads `url` into `path` and returns the number of bytes saved.
    ///
    /// Nothing is written unless the status is 2xx and the body is as long as
    /// announced; then the bytes go to a temporary file beside `path`, which is
    /// renamed to `path`.
    pub fn fetch_to_file(&self, url: &str, path: &Path) -> Result<u64, DownloadError> {
        let started = std::time::Instant::now();
        let http_error = |error: reqwest::Error| self.classify(url, error);
        let mut response = self.client.get(url).send().map_err(http_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(DownloadError::Status {
                url: url.into(),
                status: status.to_string(),
            });
        }
        let expected = response.content_length();
        // Read the body ourselves, so that a cut connection can say how much arrived,
        // and check the deadline between reads: reqwest's timeout does not cover a body
        // read piece by piece, and a server can trickle bytes forever.
        let mut body = Vec::with_capacity(expected.map_or(0, |n| n.min(64 << 20) as usize));
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let read = match std::io::Read::read(&mut response, &mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) if is_timeout(&error) => return Err(self.timed_out(url)),
                Err(error) => {
                    return Err(match expected {
                        Some(expected) => DownloadError::Cut {
                            url: url.into(),
                            got: body.len() as u64,
                            expected,
                            reason: reason(&error),
                        },
                        None => DownloadError::Http {
                            url: url.into(),
                            reason: reason(&error),
                        },
                    });
                }
            };
            body.extend_from_slice(&chunk[..read]);
            if started.elapsed() > self.timeout {
                return Err(self.timed_out(url));
            }
        }
        let got = body.len() as u64;
        if let Some(expected) = expected
            && got != expected
        {
            return Err(DownloadError::Truncated {
                url: url.into(),
                got,
                expected,
            });
        }
        if body.is_empty() {
            return Err(DownloadError::Empty { url: url.into() });
        }
        save_atomically(path, &body)?;
        Ok(got)
    }

    /// The tutorial's `download_image(url, i)`: fetches `url` into `path` and records
    /// the start and the end (saved or failed) in the timeline as file `file`.
    pub fn download_image(
        &self,
        url: &str,
        path: &Path,
        file: usize,
    ) -> Result<u64, DownloadError> {
        timeline::record(file, What::Started { url: url.into() });
        let result = self.fetch_to_file(url, path);
        let end = match &result {
            Ok(bytes) => What::Saved {
                path: path.into(),
                bytes: *bytes,
            },
            Err(error) => What::Failed {
                reason: error.to_string(),
            },
        };
        timeline::record(file, end);
        result
    }

    fn timed_out(&self, url: &str) -> DownloadError {
        DownloadError::Timeout {
            url: url.into(),
            seconds: self.timeout.as_secs_f64(),
        }
    }

    /// Turns reqwest's error into one of ours, with the deepest reason in one line.
    fn classify(&self, url: &str, error: reqwest::Error) -> DownloadError {
        let url = url.to_string();
        if error.is_timeout() {
            self.timed_out(&url)
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
}

/// `download_image` as a task for a child process, like Python's
/// `Process(target=download_image, args=(url, i))`. Its arguments are the URL, the
/// path, the file number and the timeout in seconds; see [`crate::Lesson::download_args`].
pub const DOWNLOAD_IMAGE: Task = Task {
    name: "download_image",
    run: download_image_in_child,
};

// ANCHOR: child_task
/// What a child process started with [`DOWNLOAD_IMAGE`] runs: it builds its own HTTP
/// client (a process shares nothing with its parent) and downloads one picture.
fn download_image_in_child(args: &[String]) -> anyhow::Result<()> {
    let [url, path, file, timeout_secs] = args else {
        anyhow::bail!("download_image needs 4 arguments (url, path, file, timeout), got {args:?}");
    };
    let downloader = Downloader::new(Duration::from_secs(timeout_secs.parse()?))?;
    downloader.download_image(url, Path::new(path), file.parse()?)?;
    Ok(())
}
// ANCHOR_END: child_task

/// Writes `bytes` to a temporary file in `path`'s folder, then renames it to `path`.
/// A rename within one folder is atomic: readers see the old file or the whole new one.
pub fn save_atomically(path: &Path, bytes: &[u8]) -> Result<(), DownloadError> {
    let write_error = |error: &dyn std::fmt::Display| DownloadError::Write {
        path: path.into(),
        reason: error.to_string(),
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // The temporary file deletes itself if anything below fails.
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    // Like any new file (0666 minus the umask), not tempfile's private 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(folder).map_err(|e| write_error(&e))?;
    temp.write_all(bytes).map_err(|e| write_error(&e))?;
    temp.persist(path).map_err(|e| write_error(&e.error))?;
    Ok(())
}

/// Removes the temporary files in `folder` that downloads left behind when they were
/// killed mid-write (a process killed with SIGKILL cannot clean up); returns how many.
pub fn remove_temp_files(folder: &Path) -> usize {
    leftover_temp_files(folder)
        .iter()
        .filter(|path| std::fs::remove_file(path).is_ok())
        .count()
}

/// Files in `folder` left behind by a download that never finished (there should be none).
pub fn leftover_temp_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
        .map(|entry| entry.path())
        .collect()
}

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
mod tests {
    use super::*;
    use crate::server::{PictureServer, ServerConfig};
    use std::io::Read;
    use std::net::TcpListener;

    fn quick_server() -> PictureServer {
        PictureServer::start(ServerConfig {
            latency: Duration::from_millis(1),
            ..ServerConfig::default()
        })
        .expect("server starts")
    }

    fn downloader(seconds: u64) -> Downloader {
        Downloader::new(Duration::from_secs(seconds)).expect("client builds")
    }

    /// A server that answers every connection with `answer` (raw bytes), then closes.
    fn raw_server(answer: &'static [u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(answer);
            }
        });
        format!("http://{addr}/200/3000")
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
        assert!(leftover_temp_files(folder.path()).is_empty());
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
