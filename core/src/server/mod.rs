//! The process boundary of a replica and the storage machinery every replica
//! runs: the inputs and outputs (`messages`), the in-order disk request queue,
//! the group-commit log writer, fuzzy snapshots and the file set with its
//! purge rule. The replica itself is `crate::peer::Peer`.

pub(crate) mod disk_queue;
pub(crate) mod files;
pub(crate) mod log_writer;
#[cfg(test)]
mod log_writer_tests;
mod messages;
pub(crate) mod snapshot;

pub use disk_queue::DISK_QUEUE_MAX;
pub use files::purge_plan;
pub use messages::{Input, Note, Output, Reply, Request};

use crate::persist::names::{classify, FileKind};
use crate::persist::Recovered;
use files::FileSet;
use std::collections::BTreeMap;

/// Whether a replica answers clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Recovering, electing or synchronizing.
    Starting,
    Serving,
    /// Stopped after a disk error; must be restarted from disk.
    Halted,
}

/// The files recovery found, as the replica's file set.
pub(crate) fn initial_files(recovered: &Recovered) -> FileSet {
    let mut files = FileSet {
        logs: recovered.log_files.clone(),
        snapshots: recovered.snapshot_files.clone(),
        damaged_snapshots: BTreeMap::new(),
    };
    for name in &recovered.other_files {
        if let FileKind::Snapshot(zxid) = classify(name) {
            files.damaged_snapshots.insert(zxid, name.clone());
        }
    }
    files
}

/// A small, stable pseudo-random step for jitter seeded by the caller.
pub(crate) fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
