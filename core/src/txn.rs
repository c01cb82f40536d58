//! Transactions: the deterministic, replayable effect of one write.
//!
//! A txn carries absolute values (new versions, new parent cversions), never
//! increments, so that replaying it over a fuzzy snapshot is idempotent.

use crate::ids::{SessionId, Zxid};
use crate::tree::ErrorCode;

/// Who issued a txn, when, and its place in the total order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TxnHeader {
    pub session: SessionId,
    /// The client's request counter (0 for server-initiated txns).
    pub cxid: u32,
    pub zxid: Zxid,
    /// The leader's clock when the txn was prepared (ctime/mtime come from it).
    pub time_ms: u64,
}

/// An ephemeral node removed by closeSession, with its parent's new cversion.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EphemeralDeletion {
    pub path: String,
    pub parent_cversion: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Txn {
    /// The session id is the header's `session`.
    CreateSession { timeout_ms: u32 },
    /// Closes the header's session and deletes every ephemeral it owned.
    CloseSession { ephemerals: Vec<EphemeralDeletion> },
    Create {
        path: String,
        data: Vec<u8>,
        ephemeral_owner: SessionId,
        parent_cversion: i32,
    },
    Delete { path: String, parent_cversion: i32 },
    SetData { path: String, data: Vec<u8>, version: i32 },
    /// A successful `check` inside a multi: no effect.
    Check { path: String },
    /// All of these, atomically, at one zxid.
    Multi(Vec<Txn>),
    /// A write that failed validation: consumes a zxid, changes nothing.
    Error { code: ErrorCode },
    /// A multi that failed: `Ok` for ops before the failing one, its error, then `RuntimeInconsistency`.
    MultiError { results: Vec<ErrorCode> },
}
