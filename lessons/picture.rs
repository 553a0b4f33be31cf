//! Fetch one picture carefully, and write it whole: what every downloading lesson
//! shares. Plain Rust: copy this file beside your `main.rs` and add `mod picture;`.
//!
//! The tutorial's download writes whatever comes back straight into the final file: an
//! error page, half a picture. This one checks the answer first (a 2xx status, a JPEG
//! media type, a size limit, a whole JPEG), then writes it to a temporary name in the
//! same folder and renames it into place. A rename replaces a file in one step, so a
//! reader sees the old picture or the new one, never half of one.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use reqwest::blocking::Client;

/// The tutorial's picture, when nothing says which.
pub const TUTORIAL_URL: &str = "https://picsum.photos/200/3000";
/// No picture of ours is near this; an answer larger than this is refused.
pub const LARGEST: u64 = 25_000_000;
/// A download that has not ended after this long is given up.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// What to download, where to, how many: from `PICTURES_URL`, `PICTURES_DIR` and
/// `PICTURES_COUNT` (the workbook's lab sets them), else the tutorial's five pictures.
pub struct Job {
    pub url: String,
    pub dir: PathBuf,
    pub count: usize,
}

impl Job {
    pub fn from_env() -> anyhow::Result<Job> {
        let url = std::env::var("PICTURES_URL").unwrap_or_else(|_| TUTORIAL_URL.into());
        let dir =
            std::env::var_os("PICTURES_DIR").map_or_else(|| "downloads".into(), PathBuf::from);
        let count = match std::env::var("PICTURES_COUNT") {
            Err(_) => 5,
            Ok(text) => match text.parse() {
                Ok(count) if (1..=10_000).contains(&count) => count,
                _ => bail!("PICTURES_COUNT={text:?}: expected a number from 1 to 10000"),
            },
        };
        fs::create_dir_all(&dir)
            .map_err(|error| anyhow!("cannot create the folder {}: {error}", dir.display()))?;
        Ok(Job { url, dir, count })
    }

    /// Where picture `i` goes: `<dir>/<i>.jpg`, as in the tutorial.
    pub fn path(&self, i: usize) -> PathBuf {
        self.dir.join(format!("{i}.jpg"))
    }
}

/// An HTTP client with a time limit, so that a server that never answers cannot hang
/// the program. Build one per process and share it between threads.
pub fn client() -> anyhow::Result<Client> {
    // reqwest's TLS (rustls) needs a crypto library; `ring` builds fastest.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .timeout(TIME_LIMIT)
        .build()
        .map_err(|error| anyhow!("cannot build an HTTP client: {}", reason(&error)))
}

/// Downloads `url` into `path`, whole or not at all; returns the bytes saved.
pub fn download(client: &Client, url: &str, path: &Path) -> anyhow::Result<usize> {
    // The client's timeout covers each read, not the whole body: a server that sends
    // a byte now and then would never end. So the download has a deadline of its own.
    let deadline = Instant::now() + TIME_LIMIT;
    // A message may be printed: it shows the URL without a password in it.
    let shown = without_password(url);
    let response = client
        .get(url)
        .send()
        .and_then(|response| response.error_for_status())
        .map_err(|error| anyhow!("{shown}: {}", reason(&error.without_url())))?;
    refuse_what_is_not_a_jpeg(&shown, response.headers())?;
    let mut response = response;
    let mut body = Vec::new();
    let mut piece = [0; 64 * 1024];
    loop {
        let read = response
            .read(&mut piece)
            .map_err(|error| anyhow!("{shown}: the answer was cut off: {}", reason(&error)))?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&piece[..read]);
        if body.len() as u64 > LARGEST {
            bail!("{shown}: the answer is larger than {LARGEST} bytes");
        }
        if Instant::now() > deadline {
            bail!("{shown}: no whole answer within {} s", TIME_LIMIT.as_secs());
        }
    }
    if !is_whole_jpeg(&body) {
        bail!("{shown}: {} bytes that are not a whole JPEG", body.len());
    }
    write_whole(path, &body)?;
    Ok(body.len())
}

/// An answer that says it is something else than a JPEG (an HTML error page) is
/// refused before its body is read. No media type at all is let through: the body's
/// check decides.
pub fn refuse_what_is_not_a_jpeg(
    shown: &str,
    headers: &reqwest::header::HeaderMap,
) -> anyhow::Result<()> {
    let Some(value) = headers.get(reqwest::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media_type = value.to_str().unwrap_or("a Content-Type that is not text");
    // A media type ignores case and may carry parameters: `IMAGE/JPEG; q=1` is a JPEG.
    let bare = media_type.split(';').next().unwrap_or("").trim();
    if !bare.eq_ignore_ascii_case("image/jpeg") && !bare.eq_ignore_ascii_case("image/jpg") {
        bail!("{shown}: got {}, not a JPEG", media_type.escape_debug());
    }
    Ok(())
}

/// The main guard of a lesson that starts child processes: a child is the same
/// program, run again with `--child URL PATH`. In a child, this downloads its one
/// picture and exits (status 0 once it is saved, 1 after saying why on stderr), before
/// any of the parent's work. In the parent, it returns at once.
pub fn run_child_if_asked() {
    // `args_os`: the folder's name need not be UTF-8.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let [_, flag, url, path] = args.as_slice() else {
        return;
    };
    if flag != "--child" {
        return;
    }
    let url = url.to_string_lossy();
    let path = Path::new(path);
    match client().and_then(|client| download(&client, &url, path)) {
        Ok(bytes) => {
            println!("saved {} ({bytes} bytes)", path.display());
            std::process::exit(0)
        }
        Err(error) => {
            eprintln!("FAILED {}: {error:#}", path.display());
            std::process::exit(1)
        }
    }
}

/// A whole JPEG: the start marker, a frame header with a size, a scan with data
/// after it, and the end marker.
pub fn is_whole_jpeg(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) || !bytes.ends_with(&[0xFF, 0xD9]) {
        return false;
    }
    let mut sized = false;
    let mut at = 2;
    // Each segment: 0xFF, a marker, a two-byte length that counts itself.
    while let Some(&[0xFF, marker, high, low, ..]) = bytes.get(at..) {
        let length = usize::from(u16::from_be_bytes([high, low]));
        if length < 2 {
            return false; // a length counts its own two bytes: less is not a JPEG
        }
        let frame = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if frame {
            let header = &bytes[at + 4..(at + 2 + length).min(bytes.len())];
            sized = matches!(header, [_, h1, h2, w1, w2, ..] if (*h1, *h2) != (0, 0) && (*w1, *w2) != (0, 0));
        }
        if marker == 0xDA {
            return sized && at + 2 + length + 2 < bytes.len();
        }
        at += 2 + length;
    }
    false
}

/// Writes `bytes` to `path` through a temporary file in the same folder: the file at
/// `path` is the old one until the rename, and the whole new one after it.
pub fn write_whole(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    // The pid keeps two processes that write the same picture apart, and the clock's
    // nanoseconds two with the same pid (in two containers sharing the folder).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    let temp = path.with_file_name(format!(".{name}.{}-{nanos}.part", std::process::id()));
    // `create_new` never opens a file that is already there, so the file removed
    // below on a failure is always the one made here.
    let mut file = fs::File::create_new(&temp)
        .map_err(|error| anyhow!("cannot write {}: {error}", path.display()))?;
    let written = file.write_all(bytes);
    drop(file);
    if let Err(error) = written.and_then(|()| rename_over(&temp, path)) {
        let _ = fs::remove_file(&temp);
        bail!("cannot write {}: {error}", path.display());
    }
    Ok(())
}

/// Renames `temp` over `path`. Windows refuses while another process has `path` open
/// (another run saving the same picture, say), so there it tries again for a moment.
fn rename_over(temp: &Path, path: &Path) -> std::io::Result<()> {
    let mut tries = 0;
    loop {
        match fs::rename(temp, path) {
            Err(error)
                if cfg!(windows)
                    && error.kind() == std::io::ErrorKind::PermissionDenied
                    && tries < 40 =>
            {
                tries += 1;
                std::thread::sleep(Duration::from_millis(25));
            }
            done => return done,
        }
    }
}

/// `url` without the password it may carry (`http://me:secret@host/` -> `http://me@host/`).
pub fn without_password(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// An error and its causes in one line: `error sending request: connection refused`.
pub fn reason(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text = format!("{text}: {inner}");
        cause = inner.source();
    }
    in_words(&text)
}

/// rustls names some refusals with Rust's own names, `UnknownIssuer` or
/// `Other(OtherError(CaUsedAsEndEntity))`: say them in words instead, `unknown
/// issuer`, `CA used as end entity`.
fn in_words(text: &str) -> String {
    const DEBUG: &str = "Other(OtherError(";
    let text = match text.split_once(DEBUG) {
        Some((before, rest)) => format!("{before}{}", rest.replacen("))", "", 1)),
        None => text.to_string(),
    };
    let words: Vec<String> = text.split(' ').map(spelled_out).collect();
    words.join(" ")
}

/// `BadSignature` -> `bad signature`, `CaUsedAsEndEntity` -> `CA used as end entity`;
/// any other word as it is.
fn spelled_out(word: &str) -> String {
    let capitals = word.chars().filter(char::is_ascii_uppercase).count();
    let is_a_name = word.starts_with(|c: char| c.is_ascii_uppercase())
        && capitals >= 2
        && word.chars().all(|c| c.is_ascii_alphanumeric())
        && word.chars().any(|c| c.is_ascii_lowercase());
    if !is_a_name {
        return word.to_string();
    }
    let mut words = String::new();
    for (i, letter) in word.char_indices() {
        if letter.is_ascii_uppercase() && i > 0 {
            words.push(' ');
        }
        words.push(letter.to_ascii_lowercase());
    }
    match words.strip_prefix("ca ") {
        Some(rest) => format!("CA {rest}"),
        None => words,
    }
}
