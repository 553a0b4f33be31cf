//! The pictures' folder before and after a run: what appeared, what changed, whether
//! each picture is a whole JPEG, and what was left half-written.
//!
//! A half-written file is a temporary file the run left behind: an entry that was not
//! there before the run, whose name says it is temporary (`.0.jpg.4242.part`, a name
//! that starts with a dot and ends in `.part`, as the lessons' `picture.rs` writes, or
//! the older `.workbook-tmp-...`). The lab removes such a file, because this run made
//! it; anything that was there before is never touched, and a folder never removed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::record::File;

/// What one entry was like.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    bytes: u64,
    modified: Option<SystemTime>,
    is_file: bool,
    #[cfg(unix)]
    inode: u64,
}

/// The folder's entries at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    entries: HashMap<String, Entry>,
}

/// Looks at every entry of `folder` (none if it does not exist).
pub fn snapshot(folder: &Path) -> Snapshot {
    let mut entries = HashMap::new();
    if let Ok(listing) = std::fs::read_dir(folder) {
        for entry in listing.filter_map(Result::ok) {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            entries.insert(
                entry.file_name().to_string_lossy().into_owned(),
                Entry {
                    bytes: metadata.len(),
                    modified: metadata.modified().ok(),
                    is_file: metadata.is_file(),
                    #[cfg(unix)]
                    inode: std::os::unix::fs::MetadataExt::ino(&metadata),
                },
            );
        }
    }
    Snapshot { entries }
}

/// A temporary name: `.NAME.part` (the lessons' own), or the older workbook's.
pub fn is_temporary(name: &str) -> bool {
    (name.starts_with('.') && name.ends_with(".part")) || name.starts_with(".workbook-tmp-")
}

/// Compares the folder now with `before`. Temporary files this run made are removed
/// (and reported as `left half-written`).
pub fn compare(folder: &Path, before: &Snapshot) -> Vec<File> {
    let after = snapshot(folder);
    let mut files = Vec::new();
    let mut names: Vec<&String> = after.entries.keys().collect();
    names.sort_by_key(|name| natural(name));
    for name in names {
        let entry = &after.entries[name];
        let path = folder.join(name);
        let state = match before.entries.get(name) {
            None if entry.is_file && is_temporary(name) => {
                let _ = std::fs::remove_file(&path);
                "left half-written"
            }
            None => "new",
            Some(old) if old == entry => "unchanged",
            Some(_) => "changed",
        };
        let whole_jpeg = entry.is_file && state != "left half-written" && is_whole_jpeg(&path);
        files.push(File {
            name: name.clone(),
            bytes: entry.bytes,
            whole_jpeg,
            state: state.to_string(),
        });
    }
    let mut gone: Vec<&String> = before
        .entries
        .keys()
        .filter(|name| !after.entries.contains_key(*name))
        .collect();
    gone.sort();
    for name in gone {
        files.push(File {
            name: name.clone(),
            bytes: 0,
            whole_jpeg: false,
            state: "removed".into(),
        });
    }
    files
}

/// Sorts `10.jpg` after `9.jpg`.
fn natural(name: &str) -> (u64, String) {
    let number = name
        .split('.')
        .next()
        .and_then(|stem| stem.parse().ok())
        .unwrap_or(u64::MAX);
    (number, name.to_string())
}

fn is_whole_jpeg(path: &PathBuf) -> bool {
    // Pictures are small; a file far larger than any picture is not read whole.
    const LARGEST: u64 = 64 * 1024 * 1024;
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.len() <= LARGEST => std::fs::read(path)
            .map(|bytes| crate::jpeg::is_whole(&bytes))
            .unwrap_or(false),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_changed_unchanged_and_half_written_are_told_apart() {
        let folder = tempfile::tempdir().expect("a folder");
        let path = |name: &str| folder.path().join(name);
        std::fs::write(path("0.jpg"), crate::server::draw_jpeg(20, 20)).expect("0");
        std::fs::write(path("notes.txt"), b"mine").expect("notes");
        std::fs::write(path(".old.part"), b"there before").expect("old part");
        let before = snapshot(folder.path());
        std::fs::remove_file(path("0.jpg")).expect("gone");
        std::fs::write(path("0.jpg"), crate::server::draw_jpeg(30, 30)).expect("0 again");
        std::fs::write(path("1.jpg"), b"\xFF\xD8 not whole").expect("1");
        std::fs::write(path(".2.jpg.77.part"), b"half").expect("part");
        let files = compare(folder.path(), &before);
        let state = |name: &str| {
            files
                .iter()
                .find(|file| file.name == name)
                .map(|file| (file.state.as_str(), file.whole_jpeg))
        };
        assert_eq!(state("0.jpg"), Some(("changed", true)));
        assert_eq!(state("1.jpg"), Some(("new", false)));
        assert_eq!(state("notes.txt"), Some(("unchanged", false)));
        assert_eq!(state(".2.jpg.77.part"), Some(("left half-written", false)));
        assert_eq!(
            state(".old.part"),
            Some(("unchanged", false)),
            "not ours: kept"
        );
        assert!(!path(".2.jpg.77.part").exists(), "ours: removed");
        assert!(path(".old.part").exists());
    }
}
