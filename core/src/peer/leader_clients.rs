//! The leader's side of client sessions and syncs.
//!
//! Sessions: the tracker's deadlines move back whenever the leader or a
//! follower (in its ping answers) reports a session connected; a session past
//! its deadline is closed by a closeSession txn the leader proposes itself.
//!
//! Syncs: the leader answers a sync once everything it had proposed when the
//! sync arrived is committed *and* a quorum has answered a ping sent after
//! that. The second condition is a departure from ZooKeeper, whose leader
//! answers without it: a deposed leader that does not yet know it could then
//! let a sync return stale data (the caveat noted in ZooKeeper's docs). Here
//! a sync followed by a read is linearizable.

use super::messages::{Forwarded, PeerMessage};
use super::sessions::SessionTracker;
use super::{Peer, Role};
use crate::ids::{NodeId, SessionId, Zxid};
use crate::txn::{Txn, TxnHeader};
use std::collections::BTreeMap;

#[derive(Debug)]
struct PendingSync {
    /// The replica whose client asked (the leader itself for its own clients).
    origin: NodeId,
    token: u32,
    /// The last proposal when the sync arrived.
    target: Zxid,
    /// Answered once a quorum has acknowledged a ping of this round or later.
    round: u64,
}

#[derive(Debug, Default)]
pub struct LeaderClients {
    tracker: SessionTracker,
    syncs: Vec<PendingSync>,
    ping_round: u64,
    /// The newest ping round each follower answered.
    acked_rounds: BTreeMap<NodeId, u64>,
}

impl LeaderClients {
    /// At every step: the tracker follows the prepared tree (as many sessions;
    /// [`LeaderClients::check_sessions`] compares them one by one wherever
    /// either set changes), and no sync waits for a round not yet sent.
    pub fn check_invariants(&self, prep: &crate::tree::DataTree) {
        assert_eq!(
            self.tracker.count(),
            prep.sessions().len(),
            "session tracker out of step with the prepared tree"
        );
        assert!(self.syncs.iter().all(|sync| sync.round <= self.ping_round));
    }

    /// The tracker follows the prepared tree: exactly its open sessions.
    pub fn check_sessions(&self, prep: &crate::tree::DataTree) {
        assert!(
            self.tracker.tracked().eq(prep.sessions().keys().copied()),
            "session tracker out of step with the prepared tree"
        );
    }
}

impl Peer {
    /// A client of this replica asked for a sync.
    pub(super) fn request_sync(&mut self, token: u32) {
        match &self.role {
            Role::Leading(_) => self.leader_on_sync(self.config.id, token),
            Role::Following(_) => self.follower_forward(PeerMessage::SyncRequest { token }),
            Role::Looking(_) => unreachable!("a looking replica serves no client"),
        }
    }

    pub(super) fn leader_on_sync(&mut self, origin: NodeId, token: u32) {
        assert!(
            self.leading().is_established(),
            "syncs reach established leaders"
        );
        let target = self.store.last_logged();
        let round = self.leader_ping_round();
        self.leading().clients.syncs.push(PendingSync {
            origin,
            token,
            target,
            round,
        });
        self.leader_answer_syncs();
    }

    /// Pings every follower with a new round number; returns it.
    pub(super) fn leader_ping_round(&mut self) -> u64 {
        let leader = self.leading();
        leader.clients.ping_round += 1;
        let round = leader.clients.ping_round;
        let committed = leader.committed;
        for follower in self.leading().forwarding() {
            self.send(follower, PeerMessage::Ping { committed, round });
        }
        round
    }

    pub(super) fn leader_on_ping_ack(
        &mut self,
        from: NodeId,
        round: u64,
        sessions: Vec<SessionId>,
    ) {
        let ticks = self.ticks;
        let clients = &mut self.leading().clients;
        let acked = clients.acked_rounds.entry(from).or_default();
        *acked = (*acked).max(round);
        for session in sessions {
            clients.tracker.touch(session, ticks);
        }
        self.leader_answer_syncs();
    }

    /// Answers the syncs that are committed and confirmed by a quorum.
    pub(super) fn leader_answer_syncs(&mut self) {
        if self.leading().clients.syncs.is_empty() {
            return;
        }
        let config = &self.config;
        let Role::Leading(leader) = &mut self.role else {
            unreachable!("only a leader answers syncs")
        };
        let synced = leader.synced_followers();
        let committed = leader.committed;
        let acked_rounds = &leader.clients.acked_rounds;
        let confirmed_round = |round: u64| {
            let acks = synced
                .iter()
                .filter(|follower| acked_rounds.get(follower).is_some_and(|r| *r >= round))
                .count();
            config.is_quorum(acks + 1)
        };
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut leader.clients.syncs)
            .into_iter()
            .partition(|sync| sync.target <= committed && confirmed_round(sync.round));
        leader.clients.syncs = waiting;
        for sync in ready {
            if sync.origin == self.config.id {
                self.on_sync_confirmed(sync.token, sync.target);
            } else {
                let done = PeerMessage::SyncDone {
                    token: sync.token,
                    zxid: sync.target,
                };
                self.send(sync.origin, done);
            }
        }
    }

    /// The session is connected here: push its deadline back.
    pub(super) fn leader_touch(&mut self, session: SessionId) {
        let ticks = self.ticks;
        if let Role::Leading(leader) = &mut self.role {
            if leader.is_established() {
                leader.clients.tracker.touch(session, ticks);
            }
        }
    }

    /// Starts tracking every open session with a full timeout (a new leader).
    pub(super) fn leader_start_sessions(&mut self) {
        let (tick_ms, ticks) = (self.config.tick_ms, self.ticks);
        let open = self.store.tree().sessions().clone();
        self.leading().clients.tracker = SessionTracker::start(&open, tick_ms, ticks);
        self.leading().check_sessions();
    }

    /// Every tick: this replica's own sessions are alive; expired ones are closed.
    pub(super) fn leader_sessions_on_tick(&mut self) {
        let ticks = self.ticks;
        for session in self.clients.sessions() {
            self.leading().clients.tracker.touch(session, ticks);
        }
        let expired = self.leading().clients.tracker.expire(ticks);
        for session in expired {
            self.leader_propose(session, 0, Forwarded::ExpireSession);
        }
    }

    /// Keeps the tracker in step with the proposals that open and close sessions.
    pub(super) fn leader_track_proposal(&mut self, header: &TxnHeader, txn: &Txn) {
        let (tick_ms, ticks) = (self.config.tick_ms, self.ticks);
        let tracker = &mut self.leading().clients.tracker;
        match txn {
            Txn::CreateSession { timeout_ms } => {
                tracker.add(header.session, *timeout_ms, tick_ms, ticks);
            }
            Txn::CloseSession { .. } => tracker.remove(header.session),
            _ => return,
        }
        self.leading().check_sessions();
    }
}
