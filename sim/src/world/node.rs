//! A node host: one replica process (or none, while down), its virtual disk,
//! the disk's request queue (served one at a time, in order), its clock, and
//! the simulator's ghost record of it.

use crate::clock::NodeClock;
use crate::disk::VirtualDisk;
use crate::ghost::Ghost;
use std::collections::VecDeque;
use zksim_core::ids::{IoId, Zxid};
use zksim_core::io::DiskOp;
use zksim_core::peer::Peer;
use zksim_core::server::Phase;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Up,
    Down,
    /// Refused to start: its data directory is damaged beyond repair.
    Failed,
}

/// Purged files kept per node for the purge check (the newest by name:
/// logs and snapshots are named by zxid).
pub const PURGED_KEPT: usize = 32;

/// Beyond the model, after a TRUNC below its applied txns
/// (`Note::TruncatedApplied`), the node's record cannot follow what the core
/// does to its directory (the TRUNC point may lie below the record's snapshot
/// base, and newer snapshots are dropped): it is rebuilt from what the node
/// recovers next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rebase {
    None,
    /// The process that truncated runs until its truncation is durable and
    /// it halts: what it logs meanwhile is not recorded.
    Reloading,
    /// It died: its next successful recovery rebuilds the record. A repair
    /// started meanwhile (the recovery found damage) records its sync from
    /// an empty record, as the wipe leaves the directory; until the repair
    /// is done, its marker may not have been durable at a crash and the old
    /// files may come back, and then the rebuild still applies.
    OnRecovery,
}

impl NodeHost {
    /// Remembers a file a purge is about to remove.
    pub fn remember_purged(&mut self, name: &str) {
        if let Some(bytes) = self.disk.read(name) {
            self.purged.insert(name.to_string(), bytes.to_vec());
        }
        while self.purged.len() > PURGED_KEPT {
            self.purged.pop_first();
        }
        assert!(self.purged.len() <= PURGED_KEPT);
    }
}

pub struct NodeHost {
    pub disk: VirtualDisk,
    pub server: Option<Peer>,
    pub state: NodeState,
    /// Bumped at every crash: events of an earlier incarnation are dropped.
    pub incarnation: u64,
    /// Issued and not yet completed; the front one is in service.
    pub disk_requests: VecDeque<(IoId, DiskOp)>,
    pub disk_busy: bool,
    pub ghost: Ghost,
    /// The ghost before each TRUNC or SNAP not yet known durable, oldest first:
    /// a crash may undo any number of the latest of them.
    pub ghosts_before_sync: Vec<Ghost>,
    pub clock: NodeClock,
    /// While set, the process does not run; its events wait until then.
    pub paused_until_us: Option<u64>,
    /// A crash is armed for the snapshot in progress.
    pub crash_during_snapshot: bool,
    /// An explicit `crash-mid-snapshot` armed on this node: it crashes at its
    /// next disk completion while a snapshot is being written, restarting
    /// after this delay (µs).
    pub crash_mid_snapshot_armed: Option<u64>,
    /// Files an operator's purge removed (the replica may still try to).
    pub operator_removed: std::collections::BTreeSet<String>,
    /// The latest files any purge removed, as they were (for the purge
    /// check: would putting them back have helped?), at most `PURGED_KEPT`.
    pub purged: zksim_core::persist::DataDirImage,
    /// The highest zxid this node has delivered (applied), across restarts.
    pub delivered_max: Zxid,
    /// The highest zxid reported committed while this node led.
    pub committed_reported: Zxid,
    /// Files the nemesis flipped a bit in (checks of their content are moot).
    pub rotted_files: std::collections::BTreeSet<String>,
    /// Beyond the model, the node truncated txns it had applied: its record
    /// restarts from what its next recovery finds (see [`Rebase`]).
    pub rebase: Rebase,
    /// Which txn it holds under each zxid (see `lineage.rs`; empty unless tracked).
    pub lineage: super::lineage::Lineage,
}

impl NodeHost {
    pub fn new(capacity_bytes: Option<u64>, clock: NodeClock) -> NodeHost {
        NodeHost {
            disk: VirtualDisk::with_capacity(capacity_bytes),
            server: None,
            state: NodeState::Down,
            incarnation: 0,
            disk_requests: VecDeque::new(),
            disk_busy: false,
            ghost: Ghost::default(),
            ghosts_before_sync: Vec::new(),
            clock,
            paused_until_us: None,
            crash_during_snapshot: false,
            crash_mid_snapshot_armed: None,
            operator_removed: std::collections::BTreeSet::new(),
            purged: zksim_core::persist::DataDirImage::new(),
            delivered_max: Zxid::ZERO,
            committed_reported: Zxid::ZERO,
            rotted_files: std::collections::BTreeSet::new(),
            rebase: Rebase::None,
            lineage: super::lineage::Lineage::new(),
        }
    }

    /// Up, and answering clients.
    pub fn is_serving(&self) -> bool {
        self.state == NodeState::Up
            && self
                .server
                .as_ref()
                .is_some_and(|server| server.phase() == Phase::Serving)
    }

    pub fn is_up(&self) -> bool {
        self.state == NodeState::Up
            && self
                .server
                .as_ref()
                .is_some_and(|server| server.phase() != Phase::Halted)
    }
}
