//! What replicas say to each other: election notifications, discovery,
//! synchronization and broadcast (ZooKeeper's quorum packets), plus client
//! requests forwarded to the leader.

use crate::ids::{Epoch, NodeId, SessionId, Zxid};
use crate::persist::LogRecord;
use crate::request::ClientOp;
use crate::tree::Znode;
use std::collections::BTreeMap;

/// A vote in fast leader election.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vote {
    pub leader: NodeId,
    /// The candidate's last logged zxid.
    pub zxid: Zxid,
    /// The candidate's currentEpoch.
    pub peer_epoch: Epoch,
}

impl Vote {
    /// ZooKeeper's `totalOrderPredicate`: higher peer epoch, then zxid, then id.
    pub fn beats(&self, other: &Vote) -> bool {
        (self.peer_epoch, self.zxid, self.leader) > (other.peer_epoch, other.zxid, other.leader)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerState {
    Looking,
    Following,
    Leading,
}

/// The leader's tree as of one zxid, for SNAP synchronization.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SnapshotData {
    pub zxid: Zxid,
    pub sessions: BTreeMap<SessionId, u32>,
    pub nodes: Vec<(String, Znode)>,
}

/// How a follower's log is brought in line with the leader's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SyncMode {
    /// Append `records` after the follower's last zxid.
    Diff,
    /// Drop everything after `to`, then append `records`.
    Trunc { to: Zxid },
    /// Replace the whole state with this snapshot, then append `records`.
    Snap(Box<SnapshotData>),
}

/// A client request a follower forwards to the leader.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Forwarded {
    CreateSession {
        timeout_ms: u32,
    },
    CloseSession,
    Op(ClientOp),
    /// Never sent: the leader's own close of a session it expired.
    ExpireSession,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PeerMessage {
    /// Fast leader election.
    Notification {
        vote: Vote,
        election_epoch: u64,
        state: PeerState,
    },
    /// Follower → leader: join, with the follower's acceptedEpoch. A repairing
    /// follower lost its history: it counts in no quorum until synced.
    FollowerInfo {
        accepted_epoch: Epoch,
        repairing: bool,
    },
    /// Leader → follower: the proposed new epoch.
    LeaderInfo {
        epoch: Epoch,
    },
    /// Follower → leader: epoch accepted; the follower's state for sync.
    AckEpoch {
        current_epoch: Epoch,
        last_zxid: Zxid,
    },
    /// Leader → follower: bring the log in line; `records` follow the sync point.
    Sync {
        mode: SyncMode,
        records: Vec<LogRecord>,
    },
    /// Leader → follower: the end of synchronization for `zxid` = (epoch, 0).
    NewLeader {
        zxid: Zxid,
    },
    /// Follower → leader: synced history durable and currentEpoch written. Distinct from `Ack`.
    AckNewLeader {
        zxid: Zxid,
    },
    /// Leader → follower: serve; everything up to `committed` is committed.
    UpToDate {
        committed: Zxid,
    },
    Proposal {
        record: LogRecord,
    },
    /// Follower → leader: `zxid` (and everything before it) is durable here.
    Ack {
        zxid: Zxid,
    },
    Commit {
        zxid: Zxid,
    },
    /// Leader → follower, every tick and for every sync; carries the commit point.
    Ping {
        committed: Zxid,
        round: u64,
    },
    /// Follower → leader, in answer to a ping: the sessions connected to the follower.
    PingAck {
        round: u64,
        sessions: Vec<SessionId>,
    },
    /// Follower → leader: a client asked for a sync.
    SyncRequest {
        token: u32,
    },
    /// Leader → follower: the sync is answered once the follower has applied `zxid`.
    SyncDone {
        token: u32,
        zxid: Zxid,
    },
    /// Follower → leader: a client's write (or session change) to propose.
    Forward {
        session: SessionId,
        cxid: u32,
        request: Forwarded,
    },
}

impl PeerMessage {
    pub fn kind(&self) -> &'static str {
        match self {
            PeerMessage::Notification { .. } => "notification",
            PeerMessage::FollowerInfo { .. } => "followerinfo",
            PeerMessage::LeaderInfo { .. } => "leaderinfo",
            PeerMessage::AckEpoch { .. } => "ackepoch",
            PeerMessage::Sync {
                mode: SyncMode::Diff,
                ..
            } => "diff",
            PeerMessage::Sync {
                mode: SyncMode::Trunc { .. },
                ..
            } => "trunc",
            PeerMessage::Sync {
                mode: SyncMode::Snap(_),
                ..
            } => "snap",
            PeerMessage::NewLeader { .. } => "newleader",
            PeerMessage::AckNewLeader { .. } => "ack-newleader",
            PeerMessage::UpToDate { .. } => "uptodate",
            PeerMessage::Proposal { .. } => "proposal",
            PeerMessage::Ack { .. } => "ack",
            PeerMessage::Commit { .. } => "commit",
            PeerMessage::Ping { .. } => "ping",
            PeerMessage::PingAck { .. } => "ping-ack",
            PeerMessage::SyncRequest { .. } => "sync-request",
            PeerMessage::SyncDone { .. } => "sync-done",
            PeerMessage::Forward { .. } => "forward",
        }
    }
}
