//! The pictures' folder before and after a run: what appeared, what changed, whether
//! each picture is a whole JPEG, and what was left half-written.
//!
//! A half-written file is a temporary file the run left behind: an entry that was not
//! there before the run, whose name says it is temporary and whose writer was one of
//! this run's processes (`.0.jpg.4242-815.part`, as the lessons' `picture.rs` writes:
//! a dot, the picture's name, the writer's pid and a few digits, `.part`). The lab removes such a file,
//! because this run made it. Anything else is never touched: what was there before,
//! a temporary file of another run writing into the same folder at the same time (its
//! pid is not of this tree), and never a folder.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
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

/// A temporary name: `.NAME.part`, as the lessons' `picture.rs` writes.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".part")
}

/// The writer's pid in a temporary name: 4242 in `.0.jpg.4242-815.part` (after the
/// pid, the clock's nanoseconds when it was made) or `.0.jpg.4242.part`.
pub fn writer_of(name: &str) -> Option<u32> {
    let tail = name.strip_suffix(".part")?.rsplit('.').next()?;
    tail.split('-').next()?.parse().ok()
}

/// Compares the folder now with `before`. A temporary file this run made is removed
/// and reported as `left half-written`: one that names a writer among `ours` (the
/// pids of the run's tree), or any new one where the tree is not known (`None`).
/// A new temporary file of another writer is kept, as `another writer's`.
pub fn compare(folder: &Path, before: &Snapshot, ours: Option<&[u32]>) -> Vec<File> {
    compare_keeping(folder, before, ours).0
}

/// [`compare`], and the folder as it was looked at after the run: [`note_made`]
/// takes each file's size and time from it instead of asking the system again (a
/// thousand pictures, a thousand calls fewer).
pub fn compare_keeping(
    folder: &Path,
    before: &Snapshot,
    ours: Option<&[u32]>,
) -> (Vec<File>, Snapshot) {
    let after = snapshot(folder);
    let mut files = Vec::new();
    let mut names: Vec<&String> = after.entries.keys().filter(|name| *name != MADE).collect();
    names.sort_by_cached_key(|name| natural(name));
    // Reading a thousand pictures back is most of what the lab does after a run:
    // on every core at once.
    let whole: Vec<bool> = {
        use rayon::prelude::*;
        names
            .par_iter()
            .map(|name| {
                let entry = &after.entries[*name];
                entry.is_file
                    && !is_temporary(name)
                    && is_whole_jpeg(&folder.join(name), entry.bytes)
            })
            .collect()
    };
    for (name, whole_jpeg) in names.into_iter().zip(whole) {
        let entry = &after.entries[name];
        let path = folder.join(name);
        let state = match before.entries.get(name) {
            None if entry.is_file && is_temporary(name) => {
                let made_here = match ours {
                    Some(ours) => writer_of(name).is_some_and(|pid| ours.contains(&pid)),
                    None => true,
                };
                if made_here {
                    let _ = std::fs::remove_file(&path);
                    "left half-written"
                } else {
                    "another writer's"
                }
            }
            None => "new",
            Some(old) if old == entry => "unchanged",
            Some(_) => "changed",
        };
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
        .filter(|name| !after.entries.contains_key(*name) && *name != MADE)
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
    (files, after)
}

/// The lab's list, in the pictures' folder, of the files that runs it watched wrote
/// there: one a line, its name, size and time of change (`0.jpg\t23071\t1764000000123`,
/// the time in ms). A picture not on it is someone else's, and so is one that changed
/// since a watched run wrote it (a learner's photo saved over it): never replaced.
/// A line with the name alone (as older runs wrote) counts the name only.
pub const MADE: &str = ".lab-made";

/// A file's size and time of change, in ms: what says it is still the file written.
fn stamp(bytes: u64, modified: Option<SystemTime>) -> Option<(u64, u128)> {
    let modified = modified?.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    Some((bytes, modified.as_millis()))
}

/// [`stamp`] of the file at `path` now.
fn stamp_now(path: &Path) -> Option<(u64, u128)> {
    let metadata = path.symlink_metadata().ok()?;
    stamp(metadata.len(), metadata.modified().ok())
}

fn made_here(folder: &Path) -> BTreeMap<String, Option<(u64, u128)>> {
    let text = read_letting_others_rename(&folder.join(MADE)).unwrap_or_default();
    String::from_utf8_lossy(&text)
        .lines()
        .map(|line| {
            let mut fields = line.split('\t');
            let name = fields.next().unwrap_or_default().to_string();
            let bytes = fields.next().and_then(|field| field.parse().ok());
            let modified = fields.next().and_then(|field| field.parse().ok());
            (name, bytes.zip(modified))
        })
        .collect()
}

/// The pictures in the folder that a run might replace (`0.jpg`, `7.jpg`: any name a
/// lesson writes) but that no watched run wrote, or that changed since: a learner's
/// own file of the same name. Every such name counts, not only the first `count`: a
/// program may write more pictures than it is asked for (lessons 09 and 10 do).
pub fn not_ours(folder: &Path) -> Vec<String> {
    let made = made_here(folder);
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut theirs: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| {
            name.strip_suffix(".jpg")
                .is_some_and(|stem| !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter(|name| {
            let path = folder.join(name);
            // A folder of that name cannot be replaced by a rename: only files count.
            let is_there = path
                .symlink_metadata()
                .is_ok_and(|metadata| !metadata.is_dir());
            let ours = match made.get(name) {
                None => false,
                Some(None) => true,
                Some(Some(written)) => stamp_now(&path) == Some(*written),
            };
            is_there && !ours
        })
        .collect();
    theirs.sort_by_cached_key(|name| natural(name));
    theirs
}

/// Adds the files this run wrote to the folder's [`MADE`] list, as `after` saw them.
pub fn note_made(
    folder: &Path,
    files: &[File],
    after: &Snapshot,
) -> Result<(), super::output_file::OutputError> {
    let mut made = made_here(folder);
    let written: Vec<&File> = files.iter().filter(|file| file.written()).collect();
    if written.is_empty() {
        return Ok(());
    }
    for file in written {
        let seen = after.entries.get(&file.name);
        made.insert(
            file.name.clone(),
            seen.and_then(|entry| stamp(entry.bytes, entry.modified)),
        );
    }
    let text: String = made
        .iter()
        .map(|(name, stamp)| match stamp {
            Some((bytes, modified)) => format!("{name}\t{bytes}\t{modified}\n"),
            None => format!("{name}\n"),
        })
        .collect();
    super::output_file::write_whole(&folder.join(MADE), text.as_bytes())
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

/// `bytes`: the file's size when the folder was looked at.
fn is_whole_jpeg(path: &Path, bytes: u64) -> bool {
    // Pictures are small; a file far larger than any picture is not read whole.
    const LARGEST: u64 = 64 * 1024 * 1024;
    bytes <= LARGEST
        && read_letting_others_rename(path).is_ok_and(|bytes| crate::jpeg::is_whole(&bytes))
}

/// Reads a file whole. On Windows a file open for reading cannot be renamed over
/// unless its reader allows it, so the lab allows it: another run writing into the
/// same folder must not fail because the lab is looking.
fn read_letting_others_rename(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt as _;
        const SHARE_READ_WRITE_DELETE: u32 = 0x1 | 0x2 | 0x4;
        options.share_mode(SHARE_READ_WRITE_DELETE);
    }
    let mut bytes = Vec::new();
    options.open(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
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
        std::fs::write(path(".3.jpg.78.part"), b"another run's").expect("part");
        let files = compare(folder.path(), &before, Some(&[77]));
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
        assert_eq!(state(".3.jpg.78.part"), Some(("another writer's", false)));
        assert!(!path(".2.jpg.77.part").exists(), "ours: removed");
        assert!(path(".3.jpg.78.part").exists(), "not of this tree: kept");
        assert!(path(".old.part").exists());
    }
}
