//! One-shot watches: what a client is told when a watched znode changes.

use crate::ids::Zxid;

/// Why a watch fired (ZooKeeper's `Watcher.Event.EventType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchKind {
    NodeCreated,
    NodeDeleted,
    NodeDataChanged,
    NodeChildrenChanged,
}

impl WatchKind {
    pub fn name(self) -> &'static str {
        match self {
            WatchKind::NodeCreated => "NodeCreated",
            WatchKind::NodeDeleted => "NodeDeleted",
            WatchKind::NodeDataChanged => "NodeDataChanged",
            WatchKind::NodeChildrenChanged => "NodeChildrenChanged",
        }
    }
}

/// Which list a watch sits in: data watches are left by getData and exists,
/// child watches by getChildren.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchType {
    Data,
    Child,
}

/// A fired watch, delivered on the connection in order with the replies.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WatchEvent {
    pub kind: WatchKind,
    pub path: String,
    /// The txn whose application fired it (the zero zxid when fired by re-registration).
    pub zxid: Zxid,
}
