//! The follower: FOLLOWERINFO, accepting the leader's epoch, installing the
//! sync, then — in ZooKeeper's fixed order (ZOOKEEPER-3911/4643/4646) — log the
//! synced txns, fsync, write currentEpoch, and only then ACK NEWLEADER. In
//! broadcast it logs proposals, ACKs what is durable, and applies what is both
//! committed and durable here (so its delivered history never shrinks).

use super::messages::{PeerMessage, SyncMode};
use super::store::StoreEvent;
use super::{Peer, Role};
use crate::bugs::PlantedBug;
use crate::ids::{Epoch, NodeId, Zxid};
use crate::persist::LogRecord;
use crate::server::{Note, Output};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EpochWrite {
    NotStarted,
    Writing,
    Written,
}

#[derive(Debug)]
pub struct Follower {
    leader: NodeId,
    started_tick: u64,
    last_heard_tick: u64,
    epoch: Option<Epoch>,
    /// A TRUNC or SNAP waiting for the log to be idle.
    pending_sync: Option<(SyncMode, Vec<LogRecord>)>,
    /// A TRUNC or SNAP rewrite is not yet durable.
    installing: bool,
    /// The TRUNC being installed drops txns the tree applied: once durable,
    /// the replica halts to reload from disk.
    reload_after_install: bool,
    /// Proposals that arrived while the sync waited.
    deferred: Vec<LogRecord>,
    synced: bool,
    newleader: Option<Zxid>,
    current_epoch_write: EpochWrite,
    acked_newleader: bool,
    serving: bool,
    committed_known: Zxid,
}

impl Follower {
    pub fn new(leader: NodeId, tick: u64) -> Follower {
        Follower {
            leader,
            started_tick: tick,
            last_heard_tick: tick,
            epoch: None,
            pending_sync: None,
            installing: false,
            reload_after_install: false,
            deferred: Vec::new(),
            synced: false,
            newleader: None,
            current_epoch_write: EpochWrite::NotStarted,
            acked_newleader: false,
            serving: false,
            committed_known: Zxid::ZERO,
        }
    }

    pub fn leader(&self) -> NodeId {
        self.leader
    }

    pub fn is_serving(&self) -> bool {
        self.serving
    }

    pub fn check_invariants(&self) {
        assert!(
            !self.serving || self.acked_newleader,
            "serving only after acknowledging NEWLEADER"
        );
        assert!(!self.acked_newleader || self.synced || self.newleader.is_some());
    }
}

impl Peer {
    fn following(&mut self) -> &mut Follower {
        match &mut self.role {
            Role::Following(follower) => follower,
            _ => unreachable!("only a follower has follower state"),
        }
    }

    pub(super) fn follower_start(&mut self) {
        let leader = self.following().leader;
        let accepted_epoch = self.store.accepted_epoch_promised();
        let repairing = self.repairing;
        self.send(
            leader,
            PeerMessage::FollowerInfo {
                accepted_epoch,
                repairing,
            },
        );
    }

    pub(super) fn follower_on_message(&mut self, msg: PeerMessage) {
        let ticks = self.ticks;
        self.following().last_heard_tick = ticks;
        match msg {
            PeerMessage::LeaderInfo { epoch } => self.follower_on_leader_info(epoch),
            PeerMessage::Sync { mode, records } => self.follower_on_sync(mode, records),
            PeerMessage::NewLeader { zxid } => self.follower_on_newleader(zxid),
            PeerMessage::UpToDate { committed } => self.follower_on_uptodate(committed),
            PeerMessage::Proposal { record } => self.follower_on_proposal(record),
            PeerMessage::Commit { zxid } => {
                let follower = self.following();
                follower.committed_known = follower.committed_known.max(zxid);
                self.follower_apply_ready();
            }
            PeerMessage::Ping { committed, round } => {
                let leader = self.following().leader;
                if self.following().serving {
                    let follower = self.following();
                    follower.committed_known = follower.committed_known.max(committed);
                    self.follower_apply_ready();
                }
                let sessions = self.clients.sessions();
                self.send(leader, PeerMessage::PingAck { round, sessions });
            }
            PeerMessage::SyncDone { token, zxid } => self.on_sync_confirmed(token, zxid),
            _ => {}
        }
    }

    fn follower_on_sync(&mut self, mode: SyncMode, records: Vec<LogRecord>) {
        let follower = self.following();
        if follower.epoch.is_some() && !follower.synced && follower.pending_sync.is_none() {
            follower.pending_sync = Some((mode, records));
            self.follower_try_install();
        }
    }

    fn follower_on_newleader(&mut self, zxid: Zxid) {
        if Some(zxid.epoch()) == self.following().epoch && zxid.counter() == 0 {
            self.following().newleader = Some(zxid);
            self.follower_try_ack_newleader();
        }
    }

    fn follower_on_uptodate(&mut self, committed: Zxid) {
        if !self.following().acked_newleader {
            return; // UPTODATE before this replica acknowledged NEWLEADER: not for it
        }
        let follower = self.following();
        follower.serving = true;
        follower.committed_known = follower.committed_known.max(committed);
        self.outputs
            .push(Output::Note(Note::UpToDate { committed }));
        if self.repairing {
            // Its synced history and currentEpoch are durable (it acknowledged NEWLEADER).
            self.repairing = false;
            self.store.finish_repair(&mut self.outputs);
        }
        self.follower_apply_ready();
    }

    fn follower_on_leader_info(&mut self, epoch: Epoch) {
        if self.following().epoch.is_some() {
            return;
        }
        let promised = self.store.accepted_epoch_promised();
        if epoch < promised {
            self.become_looking();
            return;
        }
        self.following().epoch = Some(epoch);
        if epoch > promised {
            self.store.write_accepted_epoch(epoch, &mut self.outputs);
        } else if self.store.accepted_epoch() == epoch {
            self.follower_ack_epoch();
        } // else: its write is under way; the ACK follows its completion
    }

    fn follower_ack_epoch(&mut self) {
        let leader = self.following().leader;
        let current_epoch = self.store.current_epoch();
        let last_zxid = self.store.last_logged();
        self.send(
            leader,
            PeerMessage::AckEpoch {
                current_epoch,
                last_zxid,
            },
        );
    }

    pub(super) fn follower_on_store_event(&mut self, event: StoreEvent) {
        match event {
            StoreEvent::AcceptedEpochWritten => {
                // Only the write of this leader's epoch completes the handshake.
                if Some(self.store.accepted_epoch()) == self.following().epoch {
                    self.follower_ack_epoch();
                }
            }
            StoreEvent::CurrentEpochWritten => {
                // Only the write this round started completes it: a write begun while
                // following an earlier leader (the node was paused, then re-elected)
                // can finish now, and must not stand in for this leader's epoch.
                let follower = self.following();
                if follower.current_epoch_write != EpochWrite::Writing {
                    return;
                }
                let target = follower
                    .newleader
                    .expect("a currentEpoch write starts only after NEWLEADER")
                    .epoch();
                if self.store.current_epoch() < target {
                    return; // an earlier write completed; this one is still under way
                }
                self.following().current_epoch_write = EpochWrite::Written;
                self.follower_try_ack_newleader();
            }
            StoreEvent::SyncInstalled => {
                self.following().installing = false;
                if self.following().reload_after_install {
                    let reason =
                        "its log cannot follow the leader's as it stands: restarting to reload";
                    self.halt(reason.to_string());
                    return;
                }
                self.follower_try_ack_newleader();
            }
            StoreEvent::Nothing | StoreEvent::Durable(_) | StoreEvent::StartupDone => {}
        }
    }

    /// Installs the leader's sync: TRUNC and SNAP rewrite the log once it is idle.
    fn follower_try_install(&mut self) {
        let Some((mode, _)) = &self.following().pending_sync else {
            return;
        };
        let rewrites = !matches!(mode, SyncMode::Diff);
        if rewrites && !self.store.ready_for_rewrite() {
            return; // retried when the log becomes durable
        }
        let (mode, records) = self.following().pending_sync.take().expect("checked");
        let last = self.store.last_logged();
        match &mode {
            SyncMode::Diff => {}
            SyncMode::Trunc { to } if *to > last => {
                self.become_looking(); // the leader thinks this log is longer than it is
                return;
            }
            SyncMode::Trunc { to } if !self.store.holds(*to) => {
                // Beyond ZAB's model: the leader believes this log holds its
                // TRUNC point, and it does not (two txns were logged under one
                // zxid). Nothing here can be trusted to match: rebuild.
                let note = Note::TruncPointMissing { to: *to, last };
                self.outputs.push(Output::Note(note));
                self.store.mark_for_repair(&mut self.outputs);
                self.following().reload_after_install = true;
                self.following().installing = true;
                return;
            }
            SyncMode::Trunc { to } => {
                let applied = self.store.applied();
                if applied > *to {
                    // Beyond ZAB's model: the leader's history lacks txns
                    // this replica applied (its quorum lost them).
                    let note = Note::TruncatedApplied { applied, to: *to };
                    self.outputs.push(Output::Note(note));
                    self.following().reload_after_install = true;
                }
                if *to < last {
                    self.store
                        .install_trunc(*to, applied > *to, &mut self.outputs);
                    self.following().installing = true;
                }
                let note = Note::Synced {
                    mode: "trunc",
                    zxid: *to,
                };
                self.outputs.push(Output::Note(note));
            }
            SyncMode::Snap(data) => {
                self.store.install_snap(data, &mut self.outputs);
                self.following().installing = true;
                self.outputs
                    .push(Output::Note(Note::SnapInstalled { zxid: data.zxid }));
                self.outputs.push(Output::Note(Note::Synced {
                    mode: "snap",
                    zxid: data.zxid,
                }));
            }
        }
        if matches!(mode, SyncMode::Diff) {
            let note = Note::Synced {
                mode: "diff",
                zxid: last,
            };
            self.outputs.push(Output::Note(note));
        }
        let deferred = std::mem::take(&mut self.following().deferred);
        for record in records.into_iter().chain(deferred) {
            if !self.follower_append(record) {
                return;
            }
        }
        self.following().synced = true;
        self.follower_try_ack_newleader();
    }

    /// Appends a record from the leader; a record that does not extend the log is a broken sync.
    fn follower_append(&mut self, mut record: LogRecord) -> bool {
        if record.zxid() <= self.store.last_logged() {
            return true; // already held (a proposal also carried by the sync)
        }
        let bugs = self.config.bugs;
        if record.prev_zxid != self.store.last_logged() {
            // ZooKeeper's log has no chain: its follower appends a DIFF after its own
            // divergent tail (ZOOKEEPER-1154), or a stale leader's proposal (4712).
            if bugs.has(PlantedBug::DiffInsteadOfTrunc)
                || bugs.has(PlantedBug::StaleProposalsAfterShutdown)
            {
                record.prev_zxid = self.store.last_logged();
            } else {
                self.become_looking();
                return false;
            }
        }
        assert!(
            !self.following().acked_newleader
                || bugs.has(PlantedBug::AckNewLeaderBeforeLogging)
                || record.zxid().epoch() <= self.store.current_epoch(),
            "a proposal of {} logged under currentEpoch {}",
            record.zxid(),
            self.store.current_epoch()
        );
        self.store
            .append(record, &mut self.outputs)
            .expect("the leader logged it, so it fits");
        true
    }

    fn follower_on_proposal(&mut self, record: LogRecord) {
        let follower = self.following();
        if follower.epoch.is_none() || (!follower.synced && follower.pending_sync.is_none()) {
            return; // a proposal before any sync: not from this epoch's stream
        }
        if !follower.synced {
            follower.deferred.push(record);
            return;
        }
        self.follower_append(record);
    }

    /// NEWLEADER: synced txns durable → currentEpoch durable → ACK (the planted bugs reorder this).
    fn follower_try_ack_newleader(&mut self) {
        let follower = self.following();
        let Some(newleader) = follower.newleader else {
            return;
        };
        if follower.acked_newleader {
            return;
        }
        let epoch = newleader.epoch();
        if self.config.bugs.has(PlantedBug::AckNewLeaderBeforeLogging) {
            // ZOOKEEPER-3911: ACK before the synced txns are logged.
            self.follower_send_ack_newleader(newleader);
            if self.following().current_epoch_write == EpochWrite::NotStarted
                && self.store.current_epoch() < epoch
            {
                self.following().current_epoch_write = EpochWrite::Writing;
                self.store.write_current_epoch(epoch, &mut self.outputs);
            }
            return;
        }
        let early_epoch = self.config.bugs.has(PlantedBug::EpochBeforeTxns);
        let log_durable = self.store.durable() == self.store.last_logged();
        let behind_epoch = self.store.current_epoch() < epoch;
        let follower = self.following();
        let ready = follower.synced && !follower.installing && log_durable;
        if follower.current_epoch_write == EpochWrite::NotStarted && (ready || early_epoch) {
            // ZOOKEEPER-4643's bug writes currentEpoch before the synced txns are durable.
            if behind_epoch {
                follower.current_epoch_write = EpochWrite::Writing;
                self.store.write_current_epoch(epoch, &mut self.outputs);
                return;
            }
            follower.current_epoch_write = EpochWrite::Written;
        }
        if ready && self.following().current_epoch_write == EpochWrite::Written {
            assert!(
                self.store.current_epoch() >= epoch,
                "ACK of NEWLEADER {newleader} with currentEpoch {} behind it",
                self.store.current_epoch()
            );
            self.follower_send_ack_newleader(newleader);
        }
    }

    fn follower_send_ack_newleader(&mut self, zxid: Zxid) {
        self.following().acked_newleader = true;
        let leader = self.following().leader;
        self.send(leader, PeerMessage::AckNewLeader { zxid });
    }

    pub(super) fn follower_on_durable(&mut self, zxid: Zxid) {
        if self.following().acked_newleader {
            let leader = self.following().leader;
            self.send(leader, PeerMessage::Ack { zxid });
        }
        self.follower_try_install();
        self.follower_try_ack_newleader();
        self.follower_apply_ready();
    }

    /// Applies what is committed and durable here.
    fn follower_apply_ready(&mut self) {
        if !self.following().serving {
            return;
        }
        let committed = self
            .following()
            .committed_known
            .min(self.store.last_logged());
        let target = if self.config.bugs.has(PlantedBug::ApplyBeforeDurable) {
            committed
        } else {
            committed.min(self.store.durable())
        };
        let applied = self.store.apply_up_to(target, &mut self.outputs);
        self.on_applied(applied);
    }

    pub(super) fn follower_on_tick(&mut self) {
        let ticks = self.ticks;
        let (sync_limit, init_limit) = (self.config.sync_limit_ticks, self.config.init_limit_ticks);
        let follower = self.following();
        let limit = if follower.serving {
            sync_limit
        } else {
            init_limit
        };
        let since = if follower.serving {
            follower.last_heard_tick
        } else {
            follower.started_tick
        };
        if ticks > since + limit {
            self.become_looking();
            return;
        }
        if self.following().epoch.is_none() {
            self.follower_start(); // FOLLOWERINFO again until the leader answers
        }
    }

    /// The follower forwards a client's write to its leader.
    pub(super) fn follower_forward(&mut self, msg: PeerMessage) {
        let leader = self.following().leader;
        self.send(leader, msg);
    }
}
