//! A ZAB replica (ZooKeeper's QuorumPeer), sans-IO: fast leader election,
//! discovery, synchronization (DIFF, TRUNC, SNAP) and broadcast, with client
//! sessions on every replica (writes forwarded to the leader, reads local).
//!
//! Roles live in their own files (`election.rs`, `leader.rs`, `follower.rs`);
//! the durable state in `store.rs`; clients in `clients.rs`. A replica of a
//! one-member ensemble elects itself and behaves as a lone server.

#[cfg(test)]
mod client_tests;
mod clients;
mod election;
mod follower;
#[cfg(test)]
mod follower_tests;
mod leader;
mod leader_clients;
pub mod logged;
#[cfg(test)]
mod lone_tests;
pub mod messages;
mod sessions;
pub mod store;
pub mod sync_plan;
mod watches;

use crate::bugs::{Bugs, PlantedBug};
use crate::hash::StableHasher;
use crate::ids::{ConnId, Epoch, NodeId, Zxid};
use crate::persist::{LogRecord, Recovered};
use crate::server::disk_queue::IoTag;
use crate::server::{Input, Note, Output, Phase};

/// Where a replica's process is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Making recovery's repairs durable.
    Starting,
    Running,
    Halted,
}
use crate::tree::DataTree;
use clients::Clients;
use election::Election;
use follower::Follower;
use leader::Leader;
use messages::{PeerMessage, PeerState, Vote};
use std::hash::{Hash, Hasher};
use store::{Store, StoreConfig, StoreEvent};

#[derive(Clone, Debug)]
pub struct PeerConfig {
    pub id: NodeId,
    /// Every voting member, this one included.
    pub members: Vec<NodeId>,
    pub store: StoreConfig,
    /// Ticks a leader has to gather and synchronize a quorum; a follower to be synchronized.
    pub init_limit_ticks: u64,
    /// Ticks without hearing from the leader (or a quorum of followers) before giving up.
    pub sync_limit_ticks: u64,
    /// Ticks an election waits for a better vote once a quorum agrees (ZooKeeper's finalizeWait).
    pub finalize_wait_ticks: u64,
    /// Recent txns a leader offers as DIFF; an older follower gets SNAP.
    pub committed_log_txns: usize,
    /// The length of a tick: session timeouts are negotiated in ticks.
    pub tick_ms: u64,
    pub bugs: Bugs,
}

impl PeerConfig {
    pub fn is_quorum(&self, count: usize) -> bool {
        count > self.members.len() / 2
    }
}

#[derive(Debug)]
enum Role {
    Looking(Election),
    Following(Follower),
    Leading(Box<Leader>),
}

#[derive(Debug)]
pub struct Peer {
    config: PeerConfig,
    stage: Stage,
    role: Role,
    store: Store,
    clients: Clients,
    /// The election round, kept across elections (ZooKeeper's logicalclock).
    election_round: u64,
    /// The vote that chose the current leader, told to replicas still looking.
    last_vote: Vote,
    /// The leader this replica last stopped following.
    left_leader: Option<NodeId>,
    /// Rebuilding a damaged data directory: no vote, no quorum, until synced.
    repairing: bool,
    ticks: u64,
    now_ms: u64,
    outputs: Vec<Output>,
}

/// A txn's content, hashed stably: tells two txns with one zxid apart.
pub fn content_hash(record: &LogRecord) -> u64 {
    let mut hasher = StableHasher::new(0x7478_6e00);
    record.header.hash(&mut hasher);
    record.txn.hash(&mut hasher);
    hasher.finish()
}

impl Peer {
    /// Starts a replica on recovered state; its first outputs repair the log.
    pub fn start(config: PeerConfig, recovered: Recovered, now_ms: u64) -> Peer {
        assert!(
            config.members.contains(&config.id),
            "a replica is one of the members"
        );
        assert!(
            config.members.windows(2).all(|pair| pair[0] < pair[1]),
            "members sorted and distinct"
        );
        let mut outputs = Vec::new();
        // A restored replica rejoins as a repairing one does, keeping its history.
        let recovered_repairing = recovered.repairing || recovered.restored;
        let skip = config.bugs.has(PlantedBug::SkipTornTailTruncation);
        let store = Store::start(config.store.clone(), recovered, skip, &mut outputs);
        let last_vote = Vote {
            leader: config.id,
            zxid: store.last_logged(),
            peer_epoch: store.current_epoch(),
        };
        Peer {
            clients: Clients::new(config.id),
            role: Role::Looking(Election::idle(last_vote)),
            stage: Stage::Starting,
            store,
            election_round: 0,
            last_vote,
            left_leader: None,
            repairing: recovered_repairing,
            ticks: 0,
            now_ms,
            outputs,
            config,
        }
    }

    /// Starts a replica whose data directory holds these files but is damaged:
    /// it is wiped and rebuilt from a leader established without this replica.
    pub fn start_repair(
        config: PeerConfig,
        image: &crate::persist::DataDirImage,
        now_ms: u64,
    ) -> Peer {
        assert!(
            config.members.len() > 1,
            "a lone replica has no one to rebuild from"
        );
        Peer::start(config, Recovered::for_repair(image), now_ms)
    }

    /// Rebuilding its state from a leader; votes in no election and counts in no quorum.
    pub fn is_repairing(&self) -> bool {
        self.repairing
    }

    pub fn step(&mut self, now_ms: u64, input: Input) {
        assert!(now_ms >= self.now_ms, "time never goes backwards");
        self.now_ms = now_ms;
        if self.stage == Stage::Halted {
            return;
        }
        match input {
            Input::Request { conn, request } => self.on_client_request(conn, request),
            Input::Disconnected { conn } => self.clients.disconnect(conn),
            Input::DiskDone { io } => {
                let tag = self.store.disk.complete(io);
                self.on_disk_done(tag);
            }
            Input::DiskFailed { io, error } => {
                let _ = self.store.disk.complete(io);
                self.halt(format!("disk request failed: {error}"));
            }
            Input::Tick => self.on_tick(),
            Input::Message { from, msg } => self.on_message(from, msg),
            Input::PeerConnectionLost { peer } => self.on_connection_lost(peer),
        }
    }

    pub fn take_outputs(&mut self, into: &mut Vec<Output>) {
        into.append(&mut self.outputs);
    }

    /// `Serving` once this replica answers clients (an established leader, or an up-to-date follower).
    pub fn phase(&self) -> Phase {
        match self.stage {
            Stage::Halted => Phase::Halted,
            _ if self.serving() => Phase::Serving,
            _ => Phase::Starting,
        }
    }

    pub fn state(&self) -> PeerState {
        match self.role {
            Role::Looking(_) => PeerState::Looking,
            Role::Following(_) => PeerState::Following,
            Role::Leading(_) => PeerState::Leading,
        }
    }

    /// The leader this replica follows or is, once serving.
    pub fn leader(&self) -> Option<NodeId> {
        match &self.role {
            Role::Leading(leader) if leader.is_established() => Some(self.config.id),
            Role::Following(follower) if follower.is_serving() => Some(follower.leader()),
            _ => None,
        }
    }

    /// The leader this replica follows, synced or not (`leader` waits for serving).
    pub fn followed_leader(&self) -> Option<NodeId> {
        match &self.role {
            Role::Following(follower) => Some(follower.leader()),
            _ => None,
        }
    }

    pub fn id(&self) -> NodeId {
        self.config.id
    }

    pub fn tree(&self) -> &DataTree {
        self.store.tree()
    }

    pub fn last_zxid(&self) -> Zxid {
        self.store.last_logged()
    }

    pub fn durable_zxid(&self) -> Zxid {
        self.store.durable()
    }

    pub fn current_epoch(&self) -> Epoch {
        self.store.current_epoch()
    }

    pub fn accepted_epoch(&self) -> Epoch {
        self.store.accepted_epoch()
    }

    pub fn snapshot_in_progress(&self) -> bool {
        self.store.snapshot_in_progress()
    }

    pub fn disk_requests_outstanding(&self) -> usize {
        self.store.disk_requests_outstanding()
    }

    pub fn check_invariants(&self) {
        self.store.check_invariants();
        match &self.role {
            Role::Leading(leader) => leader.check_invariants(&self.store),
            Role::Following(follower) => follower.check_invariants(),
            Role::Looking(_) => {}
        }
        assert!(self.store.current_epoch() <= self.store.accepted_epoch());
    }

    fn serving(&self) -> bool {
        match &self.role {
            Role::Leading(leader) => leader.is_established(),
            Role::Following(follower) => follower.is_serving(),
            Role::Looking(_) => false,
        }
    }

    fn on_disk_done(&mut self, tag: IoTag) {
        let event = self.store.on_disk_done(tag, &mut self.outputs);
        match event {
            StoreEvent::Nothing => {}
            StoreEvent::StartupDone => {
                assert_eq!(self.stage, Stage::Starting);
                self.stage = Stage::Running;
                self.become_looking();
            }
            StoreEvent::Durable(zxid) => self.on_durable(zxid),
            StoreEvent::AcceptedEpochWritten
            | StoreEvent::CurrentEpochWritten
            | StoreEvent::SyncInstalled => {
                match &self.role {
                    Role::Leading(_) => self.leader_on_store_event(event),
                    Role::Following(_) => self.follower_on_store_event(event),
                    // The role this write was for has ended; the next one rewrites as needed.
                    Role::Looking(_) => {}
                }
            }
        }
    }

    fn on_durable(&mut self, zxid: Zxid) {
        match &self.role {
            Role::Leading(_) => self.leader_on_durable(zxid),
            Role::Following(_) => self.follower_on_durable(zxid),
            Role::Looking(_) => {}
        }
    }

    fn on_tick(&mut self) {
        self.ticks += 1;
        if self.stage != Stage::Running {
            return;
        }
        self.flush_delayed_watch_events();
        match &self.role {
            Role::Looking(_) => self.election_on_tick(),
            Role::Following(_) => self.follower_on_tick(),
            Role::Leading(_) => self.leader_on_tick(),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: PeerMessage) {
        if self.stage != Stage::Running
            || !self.config.members.contains(&from)
            || from == self.config.id
        {
            return;
        }
        if let PeerMessage::Notification {
            vote,
            election_epoch,
            state,
        } = msg
        {
            self.on_notification(from, vote, election_epoch, state);
            return;
        }
        match &self.role {
            Role::Leading(_) => self.leader_on_message(from, msg),
            Role::Following(follower) if follower.leader() == from => self.follower_on_message(msg),
            Role::Following(_) | Role::Looking(_) => self.on_stale_message(from, msg),
        }
    }

    /// A quorum message from a replica this one does not follow or lead.
    fn on_stale_message(&mut self, from: NodeId, msg: PeerMessage) {
        // ZOOKEEPER-4712: a follower that left its leader must not keep logging
        // that leader's proposals; the planted bug does.
        if let PeerMessage::Proposal { mut record } = msg {
            let bug = self
                .config
                .bugs
                .has(PlantedBug::StaleProposalsAfterShutdown);
            let old_leader = self.left_leader == Some(from);
            if bug && old_leader && record.zxid() > self.store.last_logged() {
                record.prev_zxid = self.store.last_logged(); // no chain to stop it
                let _ = self.store.append(record, &mut self.outputs);
            }
        }
    }

    fn on_connection_lost(&mut self, peer: NodeId) {
        match &self.role {
            Role::Following(follower) if follower.leader() == peer => {
                self.become_looking();
            }
            Role::Leading(_) => self.leader_on_connection_lost(peer),
            _ => {}
        }
    }

    /// Leaves any role for a new election. Clients are disconnected (they reconnect elsewhere).
    fn become_looking(&mut self) {
        if let Role::Following(follower) = &self.role {
            self.left_leader = Some(follower.leader());
        }
        for conn in self.clients.close_all() {
            self.outputs.push(Output::CloseConnection { conn });
        }
        // A repairing replica asks who leads with the weakest possible vote.
        let (zxid, peer_epoch) = if self.repairing {
            (Zxid::ZERO, Epoch(0))
        } else {
            (self.store.last_logged(), self.store.current_epoch())
        };
        let vote = Vote {
            leader: self.config.id,
            zxid,
            peer_epoch,
        };
        self.election_round += 1;
        self.role = Role::Looking(Election::start(self.election_round, vote, self.ticks));
        self.note_role();
        self.broadcast_notification();
        self.election_check_decided();
    }

    fn note_role(&mut self) {
        let note = Note::RoleChanged {
            state: self.state(),
            epoch: self.store.current_epoch(),
        };
        self.outputs.push(Output::Note(note));
    }

    fn send(&mut self, to: NodeId, msg: PeerMessage) {
        assert_ne!(to, self.config.id, "a replica does not message itself");
        self.outputs.push(Output::Send { to, msg });
    }

    fn others(&self) -> Vec<NodeId> {
        self.config
            .members
            .iter()
            .copied()
            .filter(|member| *member != self.config.id)
            .collect()
    }

    fn halt(&mut self, reason: String) {
        self.stage = Stage::Halted;
        for conn in self.clients.close_all() {
            self.outputs.push(Output::CloseConnection { conn });
        }
        self.outputs.push(Output::Halted { reason });
    }

    fn close_connection(&mut self, conn: ConnId) {
        self.clients.disconnect(conn);
        self.outputs.push(Output::CloseConnection { conn });
    }
}
