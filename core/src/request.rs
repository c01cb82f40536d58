//! What clients ask of the store and what they get back.

use crate::ids::SessionId;
use crate::tree::{CreateMode, ErrorCode, Stat};

/// One operation inside a `multi`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MultiOp {
    Create {
        path: String,
        data: Vec<u8>,
        mode: CreateMode,
    },
    Delete {
        path: String,
        version: i32,
    },
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    Check {
        path: String,
        version: i32,
    },
}

/// A client operation. `version == -1` means "any version".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientOp {
    Create {
        path: String,
        data: Vec<u8>,
        mode: CreateMode,
    },
    Delete {
        path: String,
        version: i32,
    },
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    Multi(Vec<MultiOp>),
    /// `watch`: leave a one-shot data watch (if the node exists).
    GetData {
        path: String,
        watch: bool,
    },
    /// `watch`: leave a one-shot data watch, also on a missing node (fires on its creation).
    Exists {
        path: String,
        watch: bool,
    },
    /// `watch`: leave a one-shot child watch (if the node exists).
    GetChildren {
        path: String,
        watch: bool,
    },
    Sync {
        path: String,
    },
}

impl ClientOp {
    /// Writes become transactions; reads are served from the local tree.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            ClientOp::Create { .. }
                | ClientOp::Delete { .. }
                | ClientOp::SetData { .. }
                | ClientOp::Multi(_)
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            ClientOp::Create { .. } => "create",
            ClientOp::Delete { .. } => "delete",
            ClientOp::SetData { .. } => "setData",
            ClientOp::Multi(_) => "multi",
            ClientOp::GetData { .. } => "getData",
            ClientOp::Exists { .. } => "exists",
            ClientOp::GetChildren { .. } => "getChildren",
            ClientOp::Sync { .. } => "sync",
        }
    }
}

/// The result of one op inside a multi.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MultiResult {
    Created { path: String, stat: Stat },
    Deleted,
    SetData { stat: Stat },
    Checked,
    Error(ErrorCode),
}

/// A successful client result.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OpResult {
    Created {
        path: String,
        stat: Stat,
    },
    Deleted,
    SetData {
        stat: Stat,
    },
    Multi(Vec<MultiResult>),
    GetData {
        data: Vec<u8>,
        stat: Stat,
    },
    Exists {
        stat: Option<Stat>,
    },
    GetChildren {
        children: Vec<String>,
        stat: Stat,
    },
    Synced {
        path: String,
    },
    /// A session opened (or resumed), with the negotiated timeout.
    SessionCreated {
        session: SessionId,
        timeout_ms: u32,
    },
    /// Watches re-registered after a reconnect.
    WatchesSet,
    SessionClosed,
}

/// What a write did, or the error it failed with (ZooKeeper puts multi failures in the results).
pub type OpOutcome = Result<OpResult, ErrorCode>;
