//! The model's inputs and outputs: ZooKeeper requests and replies with paths
//! and data interned (see `tables.rs`).

use zksim_core::ids::SessionId;
use zksim_core::tree::{CreateMode, ErrorCode};

use super::tables::{DataId, PathId};

/// Which partition an op belongs to (computed in `partition.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// One op of one session, tagged with its partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkInput {
    pub group: GroupId,
    pub session: SessionId,
    pub request: ZkRequest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZkRequest {
    /// The session id (known from the reply) becomes live.
    CreateSession,
    CloseSession,
    /// The ensemble expired the session: as closeSession, but not asked for.
    Expiry,
    Sync {
        path: PathId,
    },
    GetData {
        path: PathId,
    },
    Exists {
        path: PathId,
    },
    GetChildren {
        path: PathId,
    },
    /// A plain create, delete or setData (`multi == false`, exactly one op)
    /// or a multi.
    Write {
        ops: Vec<WriteOp>,
        multi: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOp {
    Create {
        path: PathId,
        data: DataId,
        mode: CreateMode,
    },
    Delete {
        path: PathId,
        version: i32,
    },
    SetData {
        path: PathId,
        data: DataId,
        version: i32,
    },
    Check {
        path: PathId,
        version: i32,
    },
}

impl WriteOp {
    pub fn path(&self) -> PathId {
        match self {
            WriteOp::Create { path, .. }
            | WriteOp::Delete { path, .. }
            | WriteOp::SetData { path, .. }
            | WriteOp::Check { path, .. } => *path,
        }
    }
}

/// The Stat fields the model can judge. czxid, mzxid, pzxid, ctime and mtime
/// are numbers the system makes up: never compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatView {
    pub version: i32,
    pub cversion: i32,
    pub data_length: u32,
    pub num_children: u32,
    pub ephemeral_owner: SessionId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZkOutput {
    SessionCreated,
    SessionClosed,
    /// An expiry the client learned of.
    Expired,
    Synced,
    GetData {
        data: DataId,
        stat: StatView,
    },
    Exists(Option<StatView>),
    GetChildren {
        /// The children's full paths, sorted by id (order is not part of the reply's meaning).
        children: Vec<PathId>,
        stat: StatView,
    },
    /// A plain write's result, or every result of a multi.
    Written(Vec<WriteResult>),
    /// The whole request failed (a multi's per-op errors are `Written`).
    Error(ErrorCode),
    /// A reply that does not answer the request (a Stat for a delete, …):
    /// possible in no state.
    Mismatched(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteResult {
    Created {
        path: PathId,
        stat: StatView,
    },
    Deleted,
    SetData {
        stat: StatView,
    },
    Checked,
    /// In a failed multi: `Ok` before the failing op, its code, then
    /// `RuntimeInconsistency`.
    Error(ErrorCode),
}
