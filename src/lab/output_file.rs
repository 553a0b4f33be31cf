//! Writing the lab's own files (`--record`, `--trace`) to what their path is: a new or
//! regular file is replaced whole (a temporary file beside it, then a rename), a
//! device or a pipe is written to as a stream, and anything else is refused. A path
//! is never replaced by something of another kind: `--trace /dev/null` stays a device.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written; each names the path.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0}: is a folder, not a file")]
    Folder(String),
    #[error("{0}: is neither a file, a device nor a pipe; not written")]
    Other(String),
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
}

/// Writes `bytes` to `path` as described above.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let shown = path.display().to_string();
    let io = |error: std::io::Error| OutputError::Io {
        path: shown.clone(),
        reason: error.to_string(),
    };
    // Follows a symbolic link: the link's target is what gets written.
    match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(io(error)),
        Ok(metadata) if metadata.is_dir() => return Err(OutputError::Folder(shown)),
        Ok(metadata) if metadata.is_file() => {}
        Ok(metadata) => {
            if is_stream(&metadata) {
                let mut stream = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(io)?;
                return stream
                    .write_all(bytes)
                    .and_then(|()| stream.flush())
                    .map_err(io);
            }
            return Err(OutputError::Other(shown));
        }
    }
    let target = resolved(path);
    let folder = match target.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".lab-")
        .suffix(".part")
        .tempfile_in(&folder)
        .map_err(io)?;
    temp.write_all(bytes).map_err(io)?;
    temp.persist(&target).map_err(|error| io(error.error))?;
    Ok(())
}

/// The path a symbolic link leads to (a link is replaced by nothing: its target is).
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(unix)]
fn is_stream(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    kind.is_char_device() || kind.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_metadata: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_replaced_whole() {
        let folder = tempfile::tempdir().expect("a folder");
        let path = folder.path().join("record.json");
        std::fs::write(&path, b"old, longer than the new").expect("old");
        write_whole(&path, b"new").expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let names: Vec<_> = std::fs::read_dir(folder.path()).expect("list").collect();
        assert_eq!(names.len(), 1, "no temporary file left");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        write_whole(Path::new("/dev/null"), b"{}").expect("written to /dev/null");
        let kind = std::fs::metadata("/dev/null").expect("there").file_type();
        assert!(kind.is_char_device());
        let full = write_whole(Path::new("/dev/full"), b"{}");
        assert!(matches!(full, Err(OutputError::Io { .. })), "{full:?}");
    }

    #[test]
    fn a_folder_is_refused() {
        let folder = tempfile::tempdir().expect("a folder");
        assert!(matches!(
            write_whole(folder.path(), b"{}"),
            Err(OutputError::Folder(_))
        ));
    }
}
