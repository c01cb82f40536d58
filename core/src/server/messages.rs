//! The server's inputs and outputs.

use crate::ids::{ConnId, Epoch, IoId, NodeId, SessionId, Zxid};
use crate::io::{DiskError, DiskOp};
use crate::peer::messages::{PeerMessage, PeerState};
use crate::request::{ClientOp, OpOutcome};
use crate::watch::WatchEvent;

/// What a client sends on its connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Request {
    /// Open a new session (`session: None`) or resume an existing one.
    /// `last_zxid_seen`: the newest state the client has seen; a server behind it refuses.
    Connect {
        session: Option<SessionId>,
        timeout_ms: u32,
        last_zxid_seen: Zxid,
    },
    /// After a reconnect, re-register the watches not yet fired: each fires at
    /// once if its node changed after `relative_zxid`.
    SetWatches {
        cxid: u32,
        relative_zxid: Zxid,
        data: Vec<String>,
        exist: Vec<String>,
        child: Vec<String>,
    },
    /// An operation of the connection's session.
    Op { cxid: u32, op: ClientOp },
    /// Close the connection's session (deletes its ephemerals).
    Close { cxid: u32 },
}

/// What the server answers, in request order per connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reply {
    pub cxid: u32,
    /// The last txn applied when the reply was made.
    pub zxid: Zxid,
    pub outcome: OpOutcome,
}

/// Everything that can happen to a server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Input {
    Request {
        conn: ConnId,
        request: Request,
    },
    /// The client's connection closed; replies for it are dropped.
    Disconnected {
        conn: ConnId,
    },
    /// The oldest outstanding disk request completed.
    DiskDone {
        io: IoId,
    },
    /// The oldest outstanding disk request failed.
    DiskFailed {
        io: IoId,
        error: DiskError,
    },
    /// A clock tick.
    Tick,
    /// A message from another replica.
    Message {
        from: NodeId,
        msg: PeerMessage,
    },
    /// The connection to another replica was reset; messages in flight are lost.
    PeerConnectionLost {
        peer: NodeId,
    },
}

/// Everything a server asks of its environment or tells it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    /// Execute this disk request; report completion with its `io`, in issue order.
    Disk {
        io: IoId,
        op: DiskOp,
    },
    Reply {
        conn: ConnId,
        reply: Reply,
    },
    /// A fired watch, sent on the connection in order with the replies.
    Watch {
        conn: ConnId,
        event: WatchEvent,
    },
    /// The server stopped itself; it must be restarted from its data directory.
    Halted {
        reason: String,
    },
    /// Send a message to another replica.
    Send {
        to: NodeId,
        msg: PeerMessage,
    },
    /// The server closed a client connection (it stopped serving); the client reconnects.
    CloseConnection {
        conn: ConnId,
    },
    /// An observation, for traces, checkers and coverage counters.
    Note(Note),
}

/// What the server did, for observers. No behaviour depends on these.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Note {
    /// Serving in a new epoch after recovery.
    Ready {
        epoch: Epoch,
        last_zxid: Zxid,
    },
    /// A txn was handed to the log.
    Logged {
        record: crate::persist::LogRecord,
    },
    /// Every txn up to `zxid` is durable.
    Durable {
        zxid: Zxid,
    },
    /// A txn was applied to the tree (its reply, if any, follows).
    Applied {
        zxid: Zxid,
        digest: u64,
    },
    SnapshotStarted {
        zxid: Zxid,
    },
    SnapshotDone {
        zxid: Zxid,
        file: String,
    },
    LogRolled {
        file: String,
    },
    Purged {
        file: String,
    },
    TornTailTruncated {
        file: String,
        valid_bytes: u64,
    },
    /// The replica's role changed.
    RoleChanged {
        state: PeerState,
        epoch: Epoch,
    },
    /// This replica became the established leader of `epoch` (a quorum acked NEWLEADER).
    Established {
        epoch: Epoch,
    },
    /// The leader proposed a new txn.
    Proposed {
        zxid: Zxid,
        content: u64,
    },
    /// The leader committed up to `zxid` (a quorum has it durably).
    Committed {
        zxid: Zxid,
    },
    /// A follower installed a synchronization from its leader.
    Synced {
        mode: &'static str,
        zxid: Zxid,
    },
    /// Beyond ZAB's model: the leader's TRUNC point `to` is below txns this
    /// follower applied (up to `applied`); it truncates, then halts to reload.
    TruncatedApplied {
        applied: Zxid,
        to: Zxid,
    },
    /// Beyond ZAB's model: the leader's TRUNC point `to` is not in this
    /// follower's log (which ends at `last`); it marks itself for repair and
    /// halts, to be rebuilt from a leader.
    TruncPointMissing {
        to: Zxid,
        last: Zxid,
    },
    /// A follower replaced its whole state with the leader's snapshot at `zxid`.
    SnapInstalled {
        zxid: Zxid,
    },
    /// A follower now serves clients.
    UpToDate {
        committed: Zxid,
    },
    /// Damage was found: the data directory is wiped and rebuilt from a leader.
    RepairStarted,
    /// The rebuilt state is durable; the replica votes again.
    Repaired,
}
