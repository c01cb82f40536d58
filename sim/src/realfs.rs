//! `RealDir`: the core's disk requests executed on a real directory with
//! `std::fs`, so the core runs outside the simulator too. It is the real twin
//! of `disk::VirtualDisk`; a differential test keeps the two in agreement.
//!
//! Each request opens the file it names and closes it again: simple and
//! obviously correct, not fast.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use zksim_core::io::{DiskError, DiskOp};

/// ENOSPC on Linux, macOS and the BSDs.
const ENOSPC: i32 = 28;

/// A flat data directory on the real file system.
#[derive(Debug)]
pub struct RealDir {
    root: PathBuf,
}

impl RealDir {
    /// Opens `root`, creating it (and its parents) if missing.
    pub fn open(root: &Path) -> io::Result<RealDir> {
        fs::create_dir_all(root)?;
        Ok(RealDir {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Executes one request. File names must be plain names: one containing
    /// '/' or NUL, empty, "." or ".." is reported as `NotFound` with that name.
    pub fn apply(&mut self, op: &DiskOp) -> Result<(), DiskError> {
        match op {
            DiskOp::Create { file } => {
                let path = self.path(file)?;
                let created = OpenOptions::new().write(true).create_new(true).open(path);
                created.map(drop).map_err(|error| disk_error(error, file))
            }
            DiskOp::Write { file, offset, data } => {
                let path = self.path(file)?;
                write_at(&path, *offset, data).map_err(|error| disk_error(error, file))
            }
            DiskOp::Truncate { file, len } => {
                let path = self.path(file)?;
                let truncated = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .and_then(|f| f.set_len(*len));
                truncated.map_err(|error| disk_error(error, file))
            }
            DiskOp::Fsync { file } => {
                let path = self.path(file)?;
                File::open(path)
                    .and_then(|f| f.sync_all())
                    .map_err(|error| disk_error(error, file))
            }
            DiskOp::Rename { from, to } => {
                let from_path = self.path(from)?;
                let to_path = self.path(to)?;
                fs::rename(from_path, to_path).map_err(|error| disk_error(error, from))
            }
            DiskOp::Remove { file } => {
                let path = self.path(file)?;
                fs::remove_file(path).map_err(|error| disk_error(error, file))
            }
            DiskOp::FsyncDir => File::open(&self.root)
                .and_then(|dir| dir.sync_all())
                .map_err(|error| disk_error(error, ".")),
        }
    }

    /// Every regular file in the directory and its bytes.
    pub fn image(&self) -> io::Result<BTreeMap<String, Vec<u8>>> {
        let mut image = BTreeMap::new();
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            if !entry.file_type()?.is_file() {
                continue;
            }
            let name = entry.file_name().into_string().map_err(|name| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("file name not UTF-8: {name:?}"),
                )
            })?;
            image.insert(name, fs::read(entry.path())?);
        }
        Ok(image)
    }

    fn path(&self, file: &str) -> Result<PathBuf, DiskError> {
        let plain = !file.is_empty() && file != "." && file != ".." && !file.contains(['/', '\0']);
        if !plain {
            return Err(DiskError::NotFound {
                file: file.to_string(),
            });
        }
        Ok(self.root.join(file))
    }
}

fn write_at(path: &Path, offset: u64, data: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    if data.is_empty() {
        return Ok(()); // Like pwrite(2): writing nothing never extends the file.
    }
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(data)
}

fn disk_error(error: io::Error, file: &str) -> DiskError {
    match error.kind() {
        io::ErrorKind::NotFound => DiskError::NotFound {
            file: file.to_string(),
        },
        io::ErrorKind::AlreadyExists => DiskError::AlreadyExists {
            file: file.to_string(),
        },
        _ if error.raw_os_error() == Some(ENOSPC) => DiskError::NoSpace,
        _ => DiskError::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::tests::op_strategy;
    use crate::disk::VirtualDisk;
    use proptest::prelude::*;

    fn file(name: &str) -> String {
        name.to_string()
    }

    #[test]
    fn open_creates_missing_directories() {
        let temp = tempfile::tempdir().expect("tempdir");
        let root = temp.path().join("x").join("data");
        let dir = RealDir::open(&root).expect("open");
        assert_eq!(dir.root(), root);
        assert!(root.is_dir());
        assert!(dir.image().expect("image").is_empty());
    }

    #[test]
    fn each_op_on_a_real_directory() {
        let temp = tempfile::tempdir().expect("tempdir");
        let mut dir = RealDir::open(temp.path()).expect("open");
        let ops = [
            DiskOp::Create { file: file("log") },
            DiskOp::Write {
                file: file("log"),
                offset: 3,
                data: b"abc".to_vec(),
            },
            DiskOp::Fsync { file: file("log") },
            DiskOp::Create { file: file("tmp") },
            DiskOp::Truncate {
                file: file("tmp"),
                len: 2,
            },
            DiskOp::Rename {
                from: file("tmp"),
                to: file("snap"),
            },
            DiskOp::Create { file: file("gone") },
            DiskOp::Remove { file: file("gone") },
            DiskOp::FsyncDir,
        ];
        for op in &ops {
            dir.apply(op)
                .unwrap_or_else(|error| panic!("{op:?}: {error}"));
        }
        let expected = BTreeMap::from([
            (file("log"), b"\0\0\0abc".to_vec()),
            (file("snap"), vec![0, 0]),
        ]);
        assert_eq!(dir.image().expect("image"), expected);
        // A subdirectory is not part of the image.
        fs::create_dir(temp.path().join("sub")).expect("mkdir");
        assert_eq!(dir.image().expect("image"), expected);
    }

    #[test]
    fn errors_map_to_disk_errors() {
        let temp = tempfile::tempdir().expect("tempdir");
        let mut dir = RealDir::open(temp.path()).expect("open");
        dir.apply(&DiskOp::Create { file: file("a") })
            .expect("create");
        assert_eq!(
            dir.apply(&DiskOp::Create { file: file("a") }),
            Err(DiskError::AlreadyExists { file: file("a") })
        );
        assert_eq!(
            dir.apply(&DiskOp::Rename {
                from: file("b"),
                to: file("a")
            }),
            Err(DiskError::NotFound { file: file("b") })
        );
        assert_eq!(
            dir.apply(&DiskOp::Fsync { file: file("b") }),
            Err(DiskError::NotFound { file: file("b") })
        );
    }

    #[test]
    fn names_that_are_not_plain_are_rejected() {
        let temp = tempfile::tempdir().expect("tempdir");
        let mut dir = RealDir::open(&temp.path().join("data")).expect("open");
        for name in ["", ".", "..", "../escape", "sub/file", "nul\0"] {
            let op = DiskOp::Create { file: file(name) };
            assert_eq!(
                dir.apply(&op),
                Err(DiskError::NotFound { file: file(name) }),
                "{name:?}"
            );
        }
        assert!(dir.image().expect("image").is_empty());
        assert!(!temp.path().join("escape").exists());
    }

    proptest! {
        // Real fsyncs are slow on a busy disk; 64 cases of up to 60 ops suffice.
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The virtual disk, with no crash, behaves exactly like a real directory.
        #[test]
        fn virtual_disk_matches_real_directory(ops in proptest::collection::vec(op_strategy(), 0..60)) {
            let temp = tempfile::tempdir().expect("tempdir");
            let mut real = RealDir::open(temp.path()).expect("open");
            let mut virtual_disk = VirtualDisk::new();
            for op in &ops {
                let real_result = real.apply(op);
                let virtual_result = virtual_disk.apply(op);
                virtual_disk.check_invariants();
                prop_assert_eq!(&virtual_result, &real_result, "{:?}", op);
                let virtual_image = virtual_disk.image();
                prop_assert_eq!(&virtual_image, &real.image().expect("image"), "after {:?}", op);
                let bytes: u64 = virtual_image.values().map(|bytes| bytes.len() as u64).sum();
                prop_assert_eq!(virtual_disk.current_bytes(), bytes);
            }
        }
    }
}
