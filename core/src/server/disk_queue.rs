//! Outstanding disk requests, in issue order. The environment completes them
//! in that order; each carries a tag saying what its completion means.

use crate::ids::{IoId, Zxid};
use crate::io::DiskOp;
use crate::server::messages::Output;
use std::collections::VecDeque;

/// The upper bound on outstanding disk requests; more means a runaway loop.
pub const DISK_QUEUE_MAX: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoTag {
    /// Nothing follows from this completion.
    Plain,
    /// A log record's write (only the ack-before-fsync bug acts on it).
    LogWrite { zxid: Zxid },
    /// The last request of a log sync: everything up to `zxid` is durable.
    LogDurable { zxid: Zxid },
    /// One chunk of the snapshot in progress is written.
    SnapshotChunk,
    /// The snapshot in progress is durable.
    SnapshotDurable,
    /// Startup's repairs and epoch files are durable.
    StartupDone,
    /// The acceptedEpoch file holds the new epoch durably.
    AcceptedEpochDurable,
    /// The currentEpoch file holds the new epoch durably.
    CurrentEpochDurable,
    /// A TRUNC or SNAP synchronization is installed durably.
    SyncInstalled,
}

#[derive(Debug, Default)]
pub(crate) struct DiskQueue {
    next_io: u64,
    outstanding: VecDeque<(IoId, IoTag)>,
}

impl DiskQueue {
    pub fn issue(&mut self, op: DiskOp, tag: IoTag, outputs: &mut Vec<Output>) {
        assert!(
            self.outstanding.len() < DISK_QUEUE_MAX,
            "disk queue overflow"
        );
        self.next_io += 1;
        let io = IoId(self.next_io);
        self.outstanding.push_back((io, tag));
        outputs.push(Output::Disk { io, op });
    }

    /// Matches a completion with the oldest outstanding request.
    pub fn complete(&mut self, io: IoId) -> IoTag {
        let (expected, tag) = self
            .outstanding
            .pop_front()
            .expect("disk completion with no request outstanding");
        assert_eq!(expected, io, "disk requests must complete in issue order");
        tag
    }

    pub fn len(&self) -> usize {
        self.outstanding.len()
    }

    /// Completes the oldest outstanding request, whatever its id (for tests
    /// that look at the tags a component issued).
    #[cfg(test)]
    pub fn pop_tag_for_test(&mut self) -> IoTag {
        self.outstanding
            .pop_front()
            .expect("a request is outstanding")
            .1
    }
}
