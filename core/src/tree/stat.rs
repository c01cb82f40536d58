//! A znode's Stat and the znode itself.

use crate::ids::{SessionId, Zxid};

/// ZooKeeper's Stat structure, field for field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Stat {
    /// The txn that created the node.
    pub czxid: Zxid,
    /// The txn that last changed the node's data.
    pub mzxid: Zxid,
    /// The txn that last changed the node's children.
    pub pzxid: Zxid,
    pub ctime_ms: u64,
    pub mtime_ms: u64,
    /// Number of data changes.
    pub version: i32,
    /// Number of child changes (creates and deletes of children).
    pub cversion: i32,
    /// Number of ACL changes (always 0: ACLs are not modelled).
    pub aversion: i32,
    /// The owning session of an ephemeral node; `SessionId::NONE` otherwise.
    pub ephemeral_owner: SessionId,
    pub data_length: u32,
    pub num_children: u32,
}

/// A znode as stored in the tree and in snapshots (children are kept by the tree).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Znode {
    pub data: Vec<u8>,
    pub stat: Stat,
}

/// How a znode is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CreateMode {
    Persistent,
    Ephemeral,
    PersistentSequential,
    EphemeralSequential,
}

impl CreateMode {
    pub fn is_ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }

    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential | CreateMode::EphemeralSequential
        )
    }
}
