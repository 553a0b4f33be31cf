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
        let http_error = |error: reqwest::Error| self.classify(url, error);
        let response = self.client.get(url).send().map_err(http_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(DownloadError::Status {
                url: url.into(),
                status: status.to_string(),
            });
        }
        let expected = response.content_length();
        let body = response.bytes().map_err(http_error)?;
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

    /// Turns reqwest's error into one of ours, with the deepest reason in one line.
    fn classify(&self, url: &str, error: reqwest::Error) -> DownloadError {
        let url = url.to_string();
        if error.is_timeout() {
            DownloadError::Timeout {
                url,
                seconds: self.timeout.as_secs_f64(),
            }
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

/// The innermost cause of an error, which is the one that says what went wrong
/// ("Connection refused"), rather than reqwest's "error sending request".
fn reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    deepest.to_string()
}
