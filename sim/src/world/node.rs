//! A node host: one server process (or none, while down), its virtual disk,
//! and the disk's request queue, served one request at a time in order.

use crate::disk::VirtualDisk;
use crate::ghost::Ghost;
use std::collections::VecDeque;
use zksim_core::ids::IoId;
use zksim_core::io::DiskOp;
use zksim_core::server::{Phase, Server};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Up,
    Down,
    /// Refused to start: its data directory is damaged beyond repair.
    Failed,
}

pub struct NodeHost {
    pub disk: VirtualDisk,
    pub server: Option<Server>,
    pub state: NodeState,
    /// Bumped at every crash: events of an earlier incarnation are dropped.
    pub incarnation: u64,
    /// Issued and not yet completed; the front one is in service.
    pub disk_requests: VecDeque<(IoId, DiskOp)>,
    pub disk_busy: bool,
    pub ghost: Ghost,
    /// A crash is armed for the snapshot in progress.
    pub crash_during_snapshot: bool,
}

impl NodeHost {
    pub fn new(capacity_bytes: Option<u64>) -> NodeHost {
        NodeHost {
            disk: VirtualDisk::with_capacity(capacity_bytes),
            server: None,
            state: NodeState::Down,
            incarnation: 0,
            disk_requests: VecDeque::new(),
            disk_busy: false,
            ghost: Ghost::default(),
            crash_during_snapshot: false,
        }
    }

    /// Up and past startup.
    pub fn is_serving(&self) -> bool {
        self.state == NodeState::Up
            && self
                .server
                .as_ref()
                .is_some_and(|server| server.phase() == Phase::Serving)
    }

    /// Accepting connections (a starting server queues their requests).
    pub fn accepts_connections(&self) -> bool {
        self.state == NodeState::Up
            && self
                .server
                .as_ref()
                .is_some_and(|server| server.phase() != Phase::Halted)
    }
}
