//! The leader: discovery (new epoch = max acceptedEpoch of a quorum + 1),
//! synchronization of each follower (DIFF/TRUNC/SNAP, then NEWLEADER), the
//! establishment of the epoch once a quorum holds the history durably, and
//! broadcast: PROPOSAL, quorum ACKs, COMMIT in zxid order.

use super::leader_clients::LeaderClients;
use super::messages::{Forwarded, PeerMessage, SyncMode};
use super::store::{Store, StoreEvent};
use super::sync_plan::{plan_sync, SyncPlan};
use super::{content_hash, Peer, Role};
use crate::bugs::PlantedBug;
use crate::ids::{Epoch, NodeId, SessionId, Zxid};
use crate::persist::LogRecord;
use crate::request::{ClientOp, MultiOp};
use crate::server::{Note, Output};
use crate::tree::{DataTree, ErrorCode};
use crate::txn::{Txn, TxnHeader};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Sent FOLLOWERINFO with its acceptedEpoch.
    Joined { accepted: Epoch },
    /// Acknowledged the new epoch.
    EpochAcked { last_zxid: Zxid },
    /// Sent its sync and NEWLEADER; its log will end at `sync_point`.
    Syncing { sync_point: Zxid },
    /// Acknowledged NEWLEADER: its log holds the history durably.
    Synced,
}

#[derive(Clone, Copy, Debug)]
struct Handle {
    stage: Stage,
    last_heard_tick: u64,
}

#[derive(Debug)]
pub struct Leader {
    started_tick: u64,
    epoch: Option<Epoch>,
    accepted_written: bool,
    /// (currentEpoch, last zxid) of each replica that acknowledged the epoch, this one included.
    epoch_acks: BTreeMap<NodeId, (Epoch, Zxid)>,
    current_requested: bool,
    current_written: bool,
    /// The last txn of the epoch's initial history.
    history_end: Zxid,
    newleader_acks: BTreeSet<NodeId>,
    established: bool,
    followers: BTreeMap<NodeId, Handle>,
    /// The applied tree plus every proposal: writes are prepared against it.
    prep: Option<DataTree>,
    /// Proposals not yet committed, with the replicas that hold them durably.
    outstanding: BTreeMap<Zxid, BTreeSet<NodeId>>,
    pub(super) committed: Zxid,
    /// Session deadlines and syncs in progress.
    pub(super) clients: LeaderClients,
}

impl Leader {
    pub fn new(tick: u64) -> Leader {
        Leader {
            started_tick: tick,
            epoch: None,
            accepted_written: false,
            epoch_acks: BTreeMap::new(),
            current_requested: false,
            current_written: false,
            history_end: Zxid::ZERO,
            newleader_acks: BTreeSet::new(),
            established: false,
            followers: BTreeMap::new(),
            prep: None,
            outstanding: BTreeMap::new(),
            committed: Zxid::ZERO,
            clients: LeaderClients::default(),
        }
    }

    pub fn is_established(&self) -> bool {
        self.established
    }

    fn newleader_zxid(&self) -> Zxid {
        Zxid::new(self.epoch.expect("decided before NEWLEADER"), 0)
    }

    /// Followers that acknowledged NEWLEADER: they count in quorums.
    pub(super) fn synced_followers(&self) -> Vec<NodeId> {
        self.followers
            .iter()
            .filter(|(_, handle)| handle.stage == Stage::Synced)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Followers that receive proposals and commits (sync sent, FIFO after it).
    pub(super) fn forwarding(&self) -> Vec<NodeId> {
        self.followers
            .iter()
            .filter(|(_, handle)| matches!(handle.stage, Stage::Syncing { .. } | Stage::Synced))
            .map(|(id, _)| *id)
            .collect()
    }

    /// The session tracker against the prepared tree, one by one (where either changes).
    pub(super) fn check_sessions(&self) {
        let prep = self
            .prep
            .as_ref()
            .expect("an established leader has a prepared tree");
        self.clients.check_sessions(prep);
    }

    pub fn check_invariants(&self, store: &Store) {
        assert!(self.committed <= store.last_logged());
        if self.established {
            assert!(
                self.current_written && self.history_end <= self.committed.max(self.history_end)
            );
            // Keys are in order: the first is the oldest outstanding proposal.
            assert!(self
                .outstanding
                .keys()
                .next()
                .is_none_or(|zxid| *zxid > self.committed));
            if let Some(prep) = &self.prep {
                self.clients.check_invariants(prep);
            }
        }
        if let Some(epoch) = self.epoch {
            assert!(epoch > Epoch(0));
        }
    }
}

impl Peer {
    pub(super) fn leading(&mut self) -> &mut Leader {
        match &mut self.role {
            Role::Leading(leader) => leader,
            _ => unreachable!("only a leader has leader state"),
        }
    }

    pub(super) fn leader_start(&mut self) {
        self.leader_try_decide_epoch();
    }

    /// Once a quorum has joined: new epoch = max acceptedEpoch + 1, made durable before LEADERINFO.
    fn leader_try_decide_epoch(&mut self) {
        if self.leading().epoch.is_some() {
            return;
        }
        let own = self.store.accepted_epoch_promised();
        let joined: Vec<Epoch> = self
            .leading()
            .followers
            .values()
            .filter_map(|handle| match handle.stage {
                Stage::Joined { accepted } => Some(accepted),
                _ => None,
            })
            .collect();
        if !self.config.is_quorum(joined.len() + 1) {
            return;
        }
        let highest = joined.into_iter().fold(own, Epoch::max);
        let epoch = Epoch(highest.0.checked_add(1).expect("epoch space exhausted"));
        self.leading().epoch = Some(epoch);
        self.store.write_accepted_epoch(epoch, &mut self.outputs);
    }

    pub(super) fn leader_on_store_event(&mut self, event: StoreEvent) {
        match event {
            StoreEvent::AcceptedEpochWritten => {
                let epoch = self.leading().epoch.expect("the written epoch was decided");
                if self.store.accepted_epoch() != epoch {
                    return; // an earlier write (of a role since left) completed
                }
                self.leading().accepted_written = true;
                let own = (self.store.current_epoch(), self.store.last_logged());
                let id = self.config.id;
                self.leading().epoch_acks.insert(id, own);
                let joined: Vec<NodeId> = self.leading().followers.keys().copied().collect();
                for follower in joined {
                    self.send(follower, PeerMessage::LeaderInfo { epoch });
                }
                self.leader_try_finish_discovery();
            }
            StoreEvent::CurrentEpochWritten => {
                if Some(self.store.current_epoch()) != self.leading().epoch {
                    return; // an earlier write completed
                }
                self.leading().current_written = true;
                self.leader_try_establish();
            }
            StoreEvent::SyncInstalled
            | StoreEvent::Nothing
            | StoreEvent::Durable(_)
            | StoreEvent::StartupDone => {}
        }
    }

    pub(super) fn leader_on_message(&mut self, from: NodeId, msg: PeerMessage) {
        let ticks = self.ticks;
        if let Some(handle) = self.leading().followers.get_mut(&from) {
            handle.last_heard_tick = ticks;
        }
        match msg {
            PeerMessage::FollowerInfo {
                accepted_epoch,
                repairing,
            } => self.leader_on_follower_info(from, accepted_epoch, repairing),
            PeerMessage::AckEpoch {
                current_epoch,
                last_zxid,
            } => self.leader_on_ack_epoch(from, current_epoch, last_zxid),
            PeerMessage::AckNewLeader { zxid } => self.leader_on_ack_newleader(from, zxid),
            PeerMessage::Ack { zxid } => self.leader_on_ack(from, zxid),
            PeerMessage::Forward {
                session,
                cxid,
                request,
            } => self.leader_on_forward(from, session, cxid, request),
            PeerMessage::PingAck { round, sessions } => {
                self.leader_on_ping_ack(from, round, sessions)
            }
            PeerMessage::SyncRequest { token }
                if self.leading().established && self.is_synced(from) =>
            {
                self.leader_on_sync(from, token);
            }
            _ => {}
        }
    }

    fn is_synced(&mut self, follower: NodeId) -> bool {
        self.leading()
            .followers
            .get(&follower)
            .is_some_and(|handle| handle.stage == Stage::Synced)
    }

    /// Proposal ACKs count only from followers that acknowledged NEWLEADER.
    fn leader_on_ack(&mut self, from: NodeId, zxid: Zxid) {
        if self.is_synced(from) {
            self.leader_record_acks(from, zxid);
            self.leader_try_commit();
        }
    }

    fn leader_on_forward(
        &mut self,
        from: NodeId,
        session: SessionId,
        cxid: u32,
        request: Forwarded,
    ) {
        if self.leading().established && self.is_synced(from) {
            self.leader_touch(session);
            self.leader_propose(session, cxid, request);
        }
    }

    /// A repairing follower lost its history: it joins only once this leader is
    /// established without it, so it counts in no epoch or NEWLEADER quorum.
    fn leader_on_follower_info(&mut self, from: NodeId, accepted: Epoch, repairing: bool) {
        if repairing && !self.leading().established {
            return; // it asks again every tick
        }
        // It already accepted this epoch or a later one, from a leader that was
        // never established: it can never follow this one (acceptedEpoch does
        // not go back). Step down, so that the next epoch is above everyone's.
        // Promise its epoch first: a repairing follower joins no discovery, so
        // its acceptedEpoch reaches the next epoch only through this replica
        // (otherwise each election would climb by one, short of it).
        if self.leading().epoch.is_some_and(|epoch| accepted >= epoch) {
            if accepted > self.store.accepted_epoch_promised() {
                self.store.write_accepted_epoch(accepted, &mut self.outputs);
            }
            assert!(self.store.accepted_epoch_promised() >= accepted);
            self.become_looking();
            return;
        }
        let ticks = self.ticks;
        let handle = Handle {
            stage: Stage::Joined { accepted },
            last_heard_tick: ticks,
        };
        let leader = self.leading();
        leader.followers.insert(from, handle);
        leader.newleader_acks.remove(&from);
        match (leader.epoch, leader.accepted_written) {
            (Some(epoch), true) => self.send(from, PeerMessage::LeaderInfo { epoch }),
            (Some(_), false) => {}
            (None, _) => self.leader_try_decide_epoch(),
        }
    }

    fn leader_on_ack_epoch(&mut self, from: NodeId, current_epoch: Epoch, last_zxid: Zxid) {
        let is_joined = matches!(
            self.leading().followers.get(&from).map(|h| h.stage),
            Some(Stage::Joined { .. })
        );
        if !is_joined {
            return;
        }
        // A follower with a newer history: this replica must not lead (ZooKeeper's waitForEpochAck).
        if (current_epoch, last_zxid) > (self.store.current_epoch(), self.store.last_logged()) {
            self.become_looking();
            return;
        }
        let leader = self.leading();
        leader.followers.get_mut(&from).expect("joined").stage = Stage::EpochAcked { last_zxid };
        leader.epoch_acks.insert(from, (current_epoch, last_zxid));
        if leader.current_requested {
            self.leader_sync_follower(from, last_zxid);
        } else {
            self.leader_try_finish_discovery();
        }
    }

    /// Once a quorum acknowledged the epoch: currentEpoch, then sync every follower.
    fn leader_try_finish_discovery(&mut self) {
        let acks = self.leading().epoch_acks.len();
        let leader = self.leading();
        if !leader.accepted_written || leader.current_requested {
            return;
        }
        if !self.config.is_quorum(acks) {
            return;
        }
        let last = self.store.last_logged();
        let leader = self.leading();
        let epoch = leader.epoch.expect("decided");
        leader.current_requested = true;
        leader.history_end = last;
        self.store.write_current_epoch(epoch, &mut self.outputs);
        let acked: Vec<(NodeId, Zxid)> = self
            .leading()
            .followers
            .iter()
            .filter_map(|(id, handle)| match handle.stage {
                Stage::EpochAcked { last_zxid } => Some((*id, last_zxid)),
                _ => None,
            })
            .collect();
        for (follower, last_zxid) in acked {
            self.leader_sync_follower(follower, last_zxid);
        }
    }

    /// Sends DIFF/TRUNC/SNAP and NEWLEADER; the follower then gets every later proposal and commit.
    fn leader_sync_follower(&mut self, follower: NodeId, follower_last: Zxid) {
        // ZooKeeper DIFFs from its in-memory committed log and, beyond it, from
        // its txn log on disk; SNAP only for a follower older than both. Here the
        // retained log is mirrored in memory, so it is one window; a SNAP is then
        // never older than the follower (the retained log covers the oldest
        // snapshot kept, which is at or before the applied tree).
        let (window, base) = self.store.history_window();
        let last = self.store.last_logged();
        let bug = self.config.bugs.has(PlantedBug::DiffInsteadOfTrunc);
        let plan = plan_sync(&window, base, last, follower_last, bug);
        if let SyncPlan::Diff { after } | SyncPlan::Trunc { to: after } = plan {
            let in_memory = window.len().saturating_sub(self.config.committed_log_txns);
            if window.get(in_memory).is_some_and(|first| after < *first) {
                self.outputs.push(Output::Note(Note::Synced {
                    mode: "leader-diff-from-log",
                    zxid: after,
                }));
            }
        }
        let (mode, records) = match plan {
            SyncPlan::Diff { after } => (SyncMode::Diff, self.store.records_after(after)),
            SyncPlan::Trunc { to } => (SyncMode::Trunc { to }, self.store.records_after(to)),
            SyncPlan::Snap => {
                let data = self.store.snapshot_data();
                assert!(
                    data.zxid >= follower_last,
                    "a SNAP is never older than the follower"
                );
                let records = self.store.records_after(data.zxid);
                (SyncMode::Snap(Box::new(data)), records)
            }
        };
        let zxid = self.leading().newleader_zxid();
        self.send(follower, PeerMessage::Sync { mode, records });
        self.send(follower, PeerMessage::NewLeader { zxid });
        let handle = self
            .leading()
            .followers
            .get_mut(&follower)
            .expect("syncing a joined follower");
        handle.stage = Stage::Syncing { sync_point: last };
    }

    fn leader_on_ack_newleader(&mut self, from: NodeId, zxid: Zxid) {
        let Some(Stage::Syncing { sync_point }) =
            self.leading().followers.get(&from).map(|h| h.stage)
        else {
            return;
        };
        if zxid != self.leading().newleader_zxid() {
            return; // an ACK of another NEWLEADER: only the exact zxid counts
        }
        self.leading()
            .followers
            .get_mut(&from)
            .expect("present")
            .stage = Stage::Synced;
        self.leading().newleader_acks.insert(from);
        // Its synced log holds every proposal up to the sync point durably.
        self.leader_record_acks(from, sync_point);
        if self.leading().established {
            let committed = self.leading().committed;
            self.send(from, PeerMessage::UpToDate { committed });
            self.leader_try_commit();
        } else {
            self.leader_try_establish();
        }
    }

    /// A quorum holds the history durably (this replica counts once its own log is
    /// durable and currentEpoch written): commit the whole history and serve.
    fn leader_try_establish(&mut self) {
        let durable = self.store.durable();
        let leader = self.leading();
        if leader.established || !leader.current_written {
            return;
        }
        let own = usize::from(durable >= leader.history_end);
        let acks = leader.newleader_acks.len();
        if !self.config.is_quorum(acks + own) || own == 0 {
            return;
        }
        let leader = self.leading();
        leader.established = true;
        let history_end = leader.history_end;
        let epoch = leader.epoch.expect("decided");
        leader.committed = history_end;
        let applied = self.store.apply_up_to(history_end, &mut self.outputs);
        self.on_applied(applied);
        self.leading().prep = Some(self.store.tree().clone());
        self.leader_start_sessions();
        self.outputs.push(Output::Note(Note::Established { epoch }));
        self.outputs
            .push(Output::Note(Note::Committed { zxid: history_end }));
        let synced: Vec<NodeId> = self.leading().newleader_acks.iter().copied().collect();
        for follower in synced {
            self.send(
                follower,
                PeerMessage::UpToDate {
                    committed: history_end,
                },
            );
        }
    }

    pub(super) fn leader_on_durable(&mut self, zxid: Zxid) {
        let id = self.config.id;
        self.leader_record_acks(id, zxid);
        if self.leading().established {
            self.leader_try_commit();
        } else {
            self.leader_try_establish();
        }
    }

    /// `from` holds every proposal up to `zxid` durably.
    fn leader_record_acks(&mut self, from: NodeId, zxid: Zxid) {
        for (_, acks) in self.leading().outstanding.range_mut(..=zxid) {
            acks.insert(from);
        }
    }

    /// Commits proposals in zxid order while the oldest has a quorum.
    fn leader_try_commit(&mut self) {
        let id = self.config.id;
        let without_quorum = self.config.bugs.has(PlantedBug::CommitWithoutQuorum);
        let mut newly = None;
        while let Some((zxid, acks)) = self.leading().outstanding.first_key_value() {
            let (zxid, count, self_acked) = (*zxid, acks.len(), acks.contains(&id));
            let enough = self.config.is_quorum(count) || (without_quorum && self_acked);
            if !enough {
                break;
            }
            self.leading().outstanding.pop_first();
            self.leading().committed = zxid;
            newly = Some(zxid);
            for follower in self.leading().forwarding() {
                self.send(follower, PeerMessage::Commit { zxid });
            }
        }
        if let Some(zxid) = newly {
            self.outputs.push(Output::Note(Note::Committed { zxid }));
        }
        // Apply what is both committed and durable here (a node never delivers what it could lose).
        let target = self.leading().committed.min(self.store.durable());
        let applied = self.store.apply_up_to(target, &mut self.outputs);
        self.on_applied(applied);
        self.leader_answer_syncs();
    }

    /// Proposes a client's write: zxid, txn, log, PROPOSAL to every follower.
    pub(super) fn leader_propose(&mut self, session: SessionId, cxid: u32, request: Forwarded) {
        let epoch = self.leading().epoch.expect("established");
        let last = self.store.last_logged();
        let zxid = if last.epoch() < epoch {
            Some(Zxid::new(epoch, 1))
        } else {
            last.next_in_epoch()
        };
        let Some(zxid) = zxid else {
            // ZOOKEEPER-1277: the counter is exhausted; a new election starts a new epoch.
            self.become_looking();
            return;
        };
        let session = if matches!(request, Forwarded::CreateSession { .. }) {
            SessionId(zxid.0)
        } else {
            session
        };
        let header = TxnHeader {
            session,
            cxid,
            zxid,
            time_ms: self.now_ms,
        };
        let lost_update = self.config.bugs.has(PlantedBug::LostUpdateInMulti);
        let expiry_keeps_ephemerals = self.config.bugs.has(PlantedBug::EphemeralAfterExpiry);
        let prep = self.leading().prep.as_ref().expect("established");
        let txn = match &request {
            Forwarded::CreateSession { timeout_ms } => prep.prepare_create_session(*timeout_ms),
            Forwarded::CloseSession => prep.prepare_close_session(session),
            Forwarded::ExpireSession => {
                let mut txn = prep.prepare_close_session(session);
                if expiry_keeps_ephemerals {
                    if let Txn::CloseSession { ephemerals } = &mut txn {
                        ephemerals.clear();
                    }
                }
                txn
            }
            Forwarded::Op(ClientOp::Multi(ops)) if lost_update => {
                prep.prepare(&header, &ClientOp::Multi(without_versions(ops)))
            }
            Forwarded::Op(op) => prep.prepare(&header, op),
        };
        let mut record = LogRecord {
            prev_zxid: last,
            synced_zxid: self.store.durable(),
            header,
            txn: Arc::new(txn),
        };
        if self
            .store
            .append(record.clone(), &mut self.outputs)
            .is_err()
        {
            // Too large to log: the request fails instead (it still takes its zxid).
            record.txn = Arc::new(Txn::Error {
                code: ErrorCode::BadArguments,
            });
            self.store
                .append(record.clone(), &mut self.outputs)
                .expect("an error txn always fits");
        }
        let _ = self
            .leading()
            .prep
            .as_mut()
            .expect("established")
            .apply(&header, &record.txn);
        self.leader_track_proposal(&header, &record.txn);
        let content = content_hash(&record);
        self.outputs
            .push(Output::Note(Note::Proposed { zxid, content }));
        self.leading().outstanding.insert(zxid, BTreeSet::new());
        for follower in self.proposal_targets() {
            self.send(
                follower,
                PeerMessage::Proposal {
                    record: record.clone(),
                },
            );
        }
    }

    /// The followers a proposal goes to, in sending order: node-id order, so
    /// that the simulated network's random draws fall to the same follower in
    /// every run of a seed (unless the planted nondeterminism reorders them).
    fn proposal_targets(&mut self) -> Vec<NodeId> {
        let forwarding = self.leading().forwarding();
        if self.config.bugs.has(PlantedBug::NondeterministicIteration) {
            return in_hash_set_order(forwarding);
        }
        forwarding
    }

    pub(super) fn leader_on_tick(&mut self) {
        let ticks = self.ticks;
        let init_limit = self.config.init_limit_ticks;
        let sync_limit = self.config.sync_limit_ticks;
        if !self.leading().established {
            if ticks > self.leading().started_tick + init_limit {
                self.become_looking();
            }
            return;
        }
        self.leader_ping_round();
        self.leader_sessions_on_tick();
        let heard = self
            .leading()
            .followers
            .values()
            .filter(|handle| {
                handle.stage == Stage::Synced && handle.last_heard_tick + sync_limit >= ticks
            })
            .count();
        if !self.config.is_quorum(heard + 1) {
            self.become_looking();
        }
    }

    pub(super) fn leader_on_connection_lost(&mut self, peer: NodeId) {
        let leader = self.leading();
        leader.followers.remove(&peer);
        leader.newleader_acks.remove(&peer);
    }
}

/// The planted lost update: a multi's setData ops lose their expected version.
fn without_versions(ops: &[MultiOp]) -> Vec<MultiOp> {
    ops.iter()
        .map(|op| match op {
            MultiOp::SetData { path, data, .. } => MultiOp::SetData {
                path: path.clone(),
                data: data.clone(),
                version: -1,
            },
            other => other.clone(),
        })
        .collect()
}

/// The planted nondeterminism: the followers in a std `HashSet`'s order. Its
/// `RandomState` keys differ per process and per set, so two runs of one seed
/// (even in one process) send the same proposal to the followers in different
/// orders, and the network's latency draws go to different followers.
#[allow(clippy::disallowed_types)] // the planted bug: a randomly seeded hash set, on purpose
fn in_hash_set_order(followers: Vec<NodeId>) -> Vec<NodeId> {
    let count = followers.len();
    let set: std::collections::HashSet<NodeId> = followers.into_iter().collect();
    let ordered: Vec<NodeId> = set.into_iter().collect();
    assert_eq!(ordered.len(), count, "each follower is forwarded to once");
    ordered
}
