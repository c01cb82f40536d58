//! Fast leader election (ZooKeeper's FastLeaderElection): votes compare
//! (currentEpoch, last logged zxid, id); the highest round wins; a replica
//! decides once a quorum agrees with its vote and no better vote arrives for
//! `finalize_wait_ticks`; replicas already following or leading answer with
//! the vote that chose their leader, so a latecomer can join.

use super::follower::Follower;
use super::leader::Leader;
use super::messages::{PeerMessage, PeerState, Vote};
use super::{Peer, Role};
use crate::ids::NodeId;
use std::collections::BTreeMap;

/// Notifications are sent again after this many ticks without a decision.
const RESEND_TICKS: u64 = 5;

#[derive(Debug)]
pub struct Election {
    round: u64,
    vote: Vote,
    /// Votes of this round, by replica (this one's included).
    received: BTreeMap<NodeId, Vote>,
    /// Votes of replicas already following or leading, with their round.
    out_of_election: BTreeMap<NodeId, (Vote, u64, PeerState)>,
    /// When a quorum first agreed with the current vote.
    agreed_since_tick: Option<u64>,
    last_sent_tick: u64,
}

impl Election {
    /// Before startup completes: no round yet.
    pub fn idle(vote: Vote) -> Election {
        Election {
            round: 0,
            vote,
            received: BTreeMap::new(),
            out_of_election: BTreeMap::new(),
            agreed_since_tick: None,
            last_sent_tick: 0,
        }
    }

    pub fn start(round: u64, vote: Vote, tick: u64) -> Election {
        let mut election = Election::idle(vote);
        election.round = round;
        election.received.insert(vote.leader, vote);
        election.last_sent_tick = tick;
        election
    }
}

impl Peer {
    fn election(&mut self) -> &mut Election {
        match &mut self.role {
            Role::Looking(election) => election,
            _ => unreachable!("only a looking replica has an election"),
        }
    }

    /// What this replica tells others: its vote while looking, else the vote
    /// that chose its leader.
    fn notification(&self) -> PeerMessage {
        let (vote, election_epoch) = match &self.role {
            Role::Looking(election) => (election.vote, election.round),
            _ => (self.last_vote, self.election_round),
        };
        PeerMessage::Notification {
            vote,
            election_epoch,
            state: self.state(),
        }
    }

    pub(super) fn broadcast_notification(&mut self) {
        let notification = self.notification();
        for to in self.others() {
            self.send(to, notification.clone());
        }
    }

    fn reply_notification(&mut self, to: NodeId) {
        let notification = self.notification();
        self.send(to, notification);
    }

    pub(super) fn on_notification(
        &mut self,
        from: NodeId,
        vote: Vote,
        round: u64,
        state: PeerState,
    ) {
        if !matches!(self.role, Role::Looking(_)) {
            // Following or leading: tell a looking replica who leads.
            if state == PeerState::Looking {
                self.reply_notification(from);
            }
            return;
        }
        if self.election().round == 0 {
            return; // still starting
        }
        match state {
            PeerState::Looking => self.on_looking_vote(from, vote, round),
            PeerState::Following | PeerState::Leading => {
                self.on_settled_vote(from, vote, round, state)
            }
        }
        self.election_check_decided();
    }

    fn on_looking_vote(&mut self, from: NodeId, vote: Vote, round: u64) {
        if self.repairing {
            // It lost its history: its vote must not help elect anyone.
            return;
        }
        let own = Vote {
            leader: self.config.id,
            zxid: self.store.last_logged(),
            peer_epoch: self.store.current_epoch(),
        };
        let election = self.election();
        if round > election.round {
            election.round = round;
            election.received.clear();
            election.vote = if vote.beats(&own) { vote } else { own };
            election.received.insert(own.leader, election.vote);
            election.agreed_since_tick = None;
            self.election_round = round;
            self.broadcast_notification();
        } else if round < election.round {
            self.reply_notification(from);
            return;
        } else if vote.beats(&election.vote) {
            election.vote = vote;
            election.received.insert(own.leader, vote);
            election.agreed_since_tick = None;
            self.broadcast_notification();
        }
        self.election().received.insert(from, vote);
    }

    fn on_settled_vote(&mut self, from: NodeId, vote: Vote, round: u64, state: PeerState) {
        let election = self.election();
        if round == election.round {
            election.received.insert(from, vote);
        }
        election.out_of_election.insert(from, (vote, round, state));
    }

    pub(super) fn election_on_tick(&mut self) {
        let ticks = self.ticks;
        let resend = ticks >= self.election().last_sent_tick + RESEND_TICKS;
        if resend {
            self.election().last_sent_tick = ticks;
            self.broadcast_notification();
        }
        self.election_check_decided();
    }

    /// Decides when a quorum agrees: at once if every member voted, else after the finalize wait.
    pub(super) fn election_check_decided(&mut self) {
        if self.election().round == 0 {
            return;
        }
        if let Some((vote, round)) = self.settled_leader() {
            self.election_round = round;
            self.decide(vote);
            return;
        }
        if self.repairing {
            return; // joins only a leader that settled replicas already follow
        }
        let ticks = self.ticks;
        let members = self.config.members.len();
        let finalize = self.config.finalize_wait_ticks;
        let vote = self.election().vote;
        let agreeing = self
            .election()
            .received
            .values()
            .filter(|v| **v == vote)
            .count();
        if !self.config.is_quorum(agreeing) {
            self.election().agreed_since_tick = None;
            return;
        }
        let since = *self.election().agreed_since_tick.get_or_insert(ticks);
        let everyone = self.election().received.len() == members;
        if everyone || ticks >= since + finalize {
            self.decide(vote);
        }
    }

    /// A leader that a quorum of settled replicas follow, and that says it
    /// leads. Only liveness rests on this (discovery and sync keep joining
    /// safe), so settled votes agree when they name the same leader: a
    /// replica that joined that leader in an earlier term still reports the
    /// vote of that term.
    fn settled_leader(&mut self) -> Option<(Vote, u64)> {
        let id = self.config.id;
        let election = self.election();
        let mut counts: BTreeMap<NodeId, usize> = BTreeMap::new();
        for (vote, _, _) in election.out_of_election.values() {
            *counts.entry(vote.leader).or_insert(0) += 1;
        }
        for (leader, count) in counts {
            let leads = self
                .election()
                .out_of_election
                .get(&leader)
                .filter(|(vote, _, state)| *state == PeerState::Leading && vote.leader == leader);
            if let Some((vote, round, _)) = leads.copied() {
                if self.config.is_quorum(count) && leader != id {
                    return Some((vote, round));
                }
            }
        }
        None
    }

    /// Takes the winning vote: every replica of this term reports it while settled.
    fn decide(&mut self, vote: Vote) {
        let leader = vote.leader;
        self.last_vote = vote;
        if leader == self.config.id {
            self.role = Role::Leading(Box::new(Leader::new(self.ticks)));
            self.note_role();
            self.leader_start();
        } else {
            self.role = Role::Following(Follower::new(leader, self.ticks));
            self.note_role();
            self.follower_start();
        }
    }
}
