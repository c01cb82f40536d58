//! The core's side of the storage boundary: the disk requests it emits and the
//! errors it can be told about. Whoever drives the core executes the requests
//! (a virtual disk in the simulator, a real directory in `realfs`) and reports
//! each completion back as an input.
//!
//! A data directory is flat: file names only, no subdirectories.

use std::fmt;

/// One request to the data directory. Requests of one node complete in the order issued.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DiskOp {
    /// Create a new empty file. Its name is durable only after `FsyncDir`.
    Create { file: String },
    /// Write `data` at `offset`, extending the file with zeros if needed.
    /// Durable only after `Fsync` of the file.
    Write {
        file: String,
        offset: u64,
        data: Vec<u8>,
    },
    /// Set the file's length. Durable only after `Fsync` of the file.
    Truncate { file: String, len: u64 },
    /// Make the file's content and length durable (not its name).
    Fsync { file: String },
    /// Atomically replace `to` with `from`. Durable only after `FsyncDir`.
    Rename { from: String, to: String },
    /// Unlink a file. Durable only after `FsyncDir`.
    Remove { file: String },
    /// Make every earlier create, rename and remove durable.
    FsyncDir,
}

impl DiskOp {
    pub fn kind(&self) -> &'static str {
        match self {
            DiskOp::Create { .. } => "create",
            DiskOp::Write { .. } => "write",
            DiskOp::Truncate { .. } => "truncate",
            DiskOp::Fsync { .. } => "fsync",
            DiskOp::Rename { .. } => "rename",
            DiskOp::Remove { .. } => "remove",
            DiskOp::FsyncDir => "fsync-dir",
        }
    }

    /// The file the op touches, if any (`Rename` reports its source).
    pub fn file(&self) -> Option<&str> {
        match self {
            DiskOp::Create { file }
            | DiskOp::Write { file, .. }
            | DiskOp::Truncate { file, .. }
            | DiskOp::Fsync { file }
            | DiskOp::Remove { file } => Some(file),
            DiskOp::Rename { from, .. } => Some(from),
            DiskOp::FsyncDir => None,
        }
    }
}

/// A failure the environment reports for a disk request. These are ordinary
/// results, not bugs: the core must handle each of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DiskError {
    /// EIO: the device failed the request; what reached the media is unknown.
    Io,
    /// ENOSPC: the disk is full.
    NoSpace,
    /// The file does not exist.
    NotFound { file: String },
    /// `Create` of a file that exists.
    AlreadyExists { file: String },
}

impl fmt::Display for DiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiskError::Io => write!(f, "I/O error (EIO)"),
            DiskError::NoSpace => write!(f, "no space left on device (ENOSPC)"),
            DiskError::NotFound { file } => write!(f, "file not found: {file}"),
            DiskError::AlreadyExists { file } => write!(f, "file already exists: {file}"),
        }
    }
}

impl std::error::Error for DiskError {}
