//! Reading a data directory into memory, as the server would see it.
//!
//! `RealDir::image` is what `LocalServer` recovers from: every regular file
//! with a UTF-8 name. Anything else in the directory (subdirectories,
//! symbolic links, names that are not UTF-8) is listed apart, because the
//! server either skips it or cannot start because of it, and a user should hear
//! about both.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The most directory entries read; a data directory holds a handful.
pub const ENTRIES_MAX: usize = 100_000;

/// A directory entry that is not a regular file with a UTF-8 name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherEntry {
    /// The name, lossily converted when it is not UTF-8.
    pub name: String,
    pub what: OtherWhat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherWhat {
    Directory,
    SymbolicLink,
    /// A FIFO, socket or device.
    Special,
    /// A regular file whose name is not UTF-8: `RealDir::image` fails on it.
    NonUtf8Name,
}

impl OtherWhat {
    pub fn describe(self) -> &'static str {
        match self {
            OtherWhat::Directory => "a directory",
            OtherWhat::SymbolicLink => "a symbolic link",
            OtherWhat::Special => "a special file (FIFO, socket or device)",
            OtherWhat::NonUtf8Name => "a file whose name is not UTF-8",
        }
    }
}

/// A data directory's contents: what recovery reads, and what it does not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirContents {
    /// Regular files with UTF-8 names, and their bytes: the image recovery reads.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every other entry, by name.
    pub others: Vec<OtherEntry>,
}

/// Reads `path`; `Err` names what could not be read (bad input, exit 2).
pub fn read_dir(path: &Path) -> Result<DirContents, String> {
    let shown = path.display();
    let metadata = fs::metadata(path).map_err(|error| format!("cannot read {shown}: {error}"))?;
    if !metadata.is_dir() {
        return Err(format!("{shown} is not a directory"));
    }
    let entries = fs::read_dir(path).map_err(|error| format!("cannot list {shown}: {error}"))?;
    let mut contents = DirContents::default();
    for (count, entry) in entries.enumerate() {
        if count >= ENTRIES_MAX {
            return Err(format!(
                "{shown} holds more than {ENTRIES_MAX} entries: not a data directory"
            ));
        }
        let entry = entry.map_err(|error| format!("cannot list {shown}: {error}"))?;
        read_entry(&entry, &mut contents)?;
    }
    contents.others.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(contents.files.len() + contents.others.len() <= ENTRIES_MAX);
    Ok(contents)
}

fn read_entry(entry: &fs::DirEntry, contents: &mut DirContents) -> Result<(), String> {
    let path = entry.path();
    let file_type = entry
        .file_type()
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let name = entry.file_name();
    let lossy = name.to_string_lossy().into_owned();
    let what = if file_type.is_dir() {
        Some(OtherWhat::Directory)
    } else if file_type.is_symlink() {
        Some(OtherWhat::SymbolicLink)
    } else if !file_type.is_file() {
        Some(OtherWhat::Special)
    } else if name.to_str().is_none() {
        Some(OtherWhat::NonUtf8Name)
    } else {
        None
    };
    if let Some(what) = what {
        contents.others.push(OtherEntry { name: lossy, what });
        return Ok(());
    }
    let bytes =
        fs::read(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    contents.files.insert(lossy, bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_and_the_rest_listed() {
        let temp = tempfile::tempdir().expect("tempdir");
        fs::write(temp.path().join("currentEpoch"), b"1\n").expect("write");
        fs::create_dir(temp.path().join("sub")).expect("mkdir");
        let contents = read_dir(temp.path()).expect("readable");
        assert_eq!(contents.files.len(), 1);
        assert_eq!(contents.files["currentEpoch"], b"1\n");
        assert_eq!(
            contents.others,
            vec![OtherEntry {
                name: "sub".into(),
                what: OtherWhat::Directory
            }]
        );
    }

    #[test]
    fn a_file_or_a_missing_path_is_bad_input() {
        let temp = tempfile::tempdir().expect("tempdir");
        let file = temp.path().join("plain");
        fs::write(&file, b"x").expect("write");
        let error = read_dir(&file).expect_err("a file is not a directory");
        assert!(error.contains("is not a directory"), "{error}");
        let error = read_dir(&temp.path().join("absent")).expect_err("missing");
        assert!(error.contains("cannot read"), "{error}");
    }
}
