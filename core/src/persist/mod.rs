//! Persistence: the txn log, fuzzy snapshots, epoch files, and recovery.
//! Everything here is pure: it turns state into bytes and bytes into state;
//! the server decides when bytes are written.

pub mod epoch_file;
pub mod log_format;
pub mod log_scan;
pub mod names;
pub mod recovery;
pub mod snapshot_format;
pub mod synced_hint;

pub use log_format::LogRecord;
pub use names::REPAIR_MARKER;
pub use recovery::{
    recover, recover_from_snapshot, recover_with_bugs, DataDirImage, Recovered, RecoveryError,
};

#[cfg(test)]
mod tests;
