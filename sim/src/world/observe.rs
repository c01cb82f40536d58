//! What replicas tell: their notes feed the ghost record, the ZAB checker,
//! the snapshot check and the coverage probes.

use super::node::Rebase;
use super::recorder::Role;
use super::{RunPhase, World};
use crate::checker::recovery::check_snapshot;
use crate::checker::zab::{Findings, Observation, TxnId};
use crate::violation::ViolationKind;
use rand::Rng;
use zksim_core::ids::Zxid;
use zksim_core::peer::content_hash;
use zksim_core::peer::messages::PeerState;
use zksim_core::server::Note;

impl World {
    pub(super) fn on_note(&mut self, node: u32, note: Note) {
        match note {
            Note::Logged { record } => {
                let txn = TxnId {
                    zxid: record.zxid(),
                    content: content_hash(&record),
                };
                let host = &mut self.nodes[node as usize];
                // (Waiting to reload, beyond the model: its record is rebuilt
                // from what it recovers, see `Rebase`. A repair started while
                // the rebuild waits logs onto its empty record.)
                let logged = match host.rebase {
                    Rebase::Reloading => Ok(()),
                    Rebase::None | Rebase::OnRecovery => {
                        host.ghost.on_logged(record, txn.content, &mut self.ledger)
                    }
                };
                if let Err(message) = logged {
                    self.violation(ViolationKind::InvariantBroken, Some(node), message);
                }
                self.lineage_logged(node, txn.zxid, txn.content);
                self.observe(Observation::Logged { node, txn });
            }
            Note::Applied { zxid, .. } => self.on_applied(node, zxid),
            Note::Proposed { zxid, content } => {
                let txn = TxnId { zxid, content };
                self.observe(Observation::Proposed {
                    node,
                    epoch: zxid.epoch(),
                    txn,
                });
            }
            Note::Committed { zxid } => self.on_committed(node, zxid),
            Note::Established { epoch } => {
                self.probe("leaders-established");
                let history = self.full_history(node);
                self.observe(Observation::Established {
                    node,
                    epoch,
                    history,
                });
            }
            Note::Synced { mode, zxid } => self.on_synced(node, mode, zxid),
            Note::TruncPointMissing { to, last } => {
                let message = format!(
                    "Agreement: n{node}'s leader told it to truncate to {to}, which its log \
                     (ending at {last}) does not hold: the two hold different txns under one zxid"
                );
                self.violation(ViolationKind::ZabAgreement, Some(node), message);
            }
            Note::TruncatedApplied { applied, to } => {
                // The record of the node restarts from what it recovers.
                self.nodes[node as usize].rebase = Rebase::Reloading;
                let message = format!(
                    "leaderLogCompleteness: n{node}'s leader told it to truncate to {to}, \
                     below {applied}, which it had applied: the leader's history lacks them"
                );
                self.violation(ViolationKind::ZabLeaderCompleteness, Some(node), message);
            }
            Note::SnapInstalled { zxid } => {
                let host = &mut self.nodes[node as usize];
                let tree = host.server.as_ref().expect("running").tree().clone();
                host.ghosts_before_sync.push(host.ghost.clone());
                host.ghost.reset_to_snapshot(zxid, tree);
                self.lineage_snap(node, zxid);
                self.observe(Observation::Snapshot { node, zxid });
                self.sync_delivered_point(node);
            }
            Note::RepairStarted => self.probe("repair-wipes"),
            Note::Repaired => {
                self.probe("repairs-completed");
                // The wipe was durable: the old files cannot come back, and
                // the record holds what the repair synced.
                self.nodes[node as usize].rebase = Rebase::None;
            }
            Note::UpToDate { .. } => {
                self.probe("followers-up-to-date");
                self.nodes[node as usize].ghosts_before_sync.clear();
            }
            Note::RoleChanged { state, epoch } => {
                self.record_role(node, Role::Peer(state), Some(epoch.0));
                self.probe_role(state);
            }
            Note::SnapshotStarted { .. } => {
                self.snapshot_started(node);
            }
            Note::SnapshotDone { file, .. } => {
                self.probe("snapshots-completed");
                let host = &self.nodes[node as usize];
                if host.rotted_files.contains(&file) {
                    return; // the nemesis damaged it on purpose; recovery will judge it
                }
                let live = host.server.as_ref().expect("running").tree();
                let findings = check_snapshot(&host.ghost, &file, host.disk.read(&file), live);
                for (kind, message) in findings {
                    self.violation(kind, Some(node), message);
                }
            }
            Note::TornTailTruncated { .. } => self.probe("torn-tails-truncated"),
            Note::Purged { file } => {
                self.nodes[node as usize].remember_purged(&file);
                self.probe("files-purged");
            }
            Note::LogRolled { .. } => self.probe("log-rolls"),
            Note::Ready { .. } | Note::Durable { .. } => {}
        }
    }

    fn probe_role(&mut self, state: PeerState) {
        self.probe(match state {
            PeerState::Looking => "elections-started",
            PeerState::Following => "became-follower",
            PeerState::Leading => "became-leader",
        });
    }

    pub(super) fn record_role(&mut self, node: u32, role: Role, epoch: Option<u32>) {
        let now = self.queue.now_us();
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.role(node, now, role, epoch);
        }
    }

    fn snapshot_started(&mut self, node: u32) {
        self.probe("snapshots-started");
        let probability = self.scenario.faults.crash_mid_snapshot_probability;
        if self.phase == RunPhase::Faults
            && probability > 0.0
            && self.rng_nemesis.gen_bool(probability)
        {
            self.nodes[node as usize].crash_during_snapshot = true;
        }
    }

    /// Delivery: a txn applied for the first time on this node (re-applying
    /// after a restart what it had delivered before is not a new delivery).
    fn on_applied(&mut self, node: u32, zxid: Zxid) {
        let host = &mut self.nodes[node as usize];
        if zxid <= host.delivered_max {
            return;
        }
        host.delivered_max = zxid;
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.applied(node, self.queue.now_us(), zxid);
        }
        let Some((record, content)) = host.ghost.logged(zxid) else {
            let message = format!("n{node} applied {zxid}, which its log does not hold");
            self.violation(ViolationKind::InvariantBroken, Some(node), message);
            return;
        };
        self.changes.on_applied(zxid, &record.txn);
        self.observe(Observation::Delivered {
            node,
            txn: TxnId { zxid, content },
        });
    }

    /// The leader committed up to `zxid`: every txn after the last reported one.
    fn on_committed(&mut self, node: u32, zxid: Zxid) {
        let host = &mut self.nodes[node as usize];
        let from = host.committed_reported;
        host.committed_reported = zxid;
        let txns: Vec<TxnId> = host
            .ghost
            .chain_between(from, zxid)
            .map(|(zxid, content)| TxnId { zxid, content })
            .collect();
        for txn in txns {
            self.observe(Observation::Committed { node, txn });
        }
    }

    fn on_synced(&mut self, node: u32, mode: &'static str, zxid: Zxid) {
        self.probe(match mode {
            "diff" => "syncs-diff",
            "trunc" => "syncs-trunc",
            "snap" => "syncs-snap",
            _ => "syncs-diff-beyond-committed-log",
        });
        if mode == "leader-diff-from-log" {
            return;
        }
        let beyond_record = !self.nodes[node as usize].ghost.contains(zxid);
        if mode == "trunc" {
            self.lineage_truncate(node, zxid);
        }
        let reloading = self.nodes[node as usize].rebase == Rebase::Reloading;
        if mode == "trunc" && reloading && beyond_record {
            return; // below the record's snapshot base: rebased at the restart
        }
        if mode == "trunc" {
            let host = &mut self.nodes[node as usize];
            host.ghosts_before_sync.push(host.ghost.clone());
            host.ghost.truncate_to(zxid);
        }
    }

    /// A leader's whole history: what it holds from a snapshot base (the
    /// canonical txns up to it) and every txn it logged after.
    fn full_history(&self, node: u32) -> Vec<TxnId> {
        let ghost = &self.nodes[node as usize].ghost;
        let base = ghost.base_zxid();
        let mut history: Vec<TxnId> = if base == Zxid::ZERO {
            Vec::new()
        } else {
            self.zab
                .delivered(node)
                .iter()
                .copied()
                .filter(|txn| txn.zxid <= base)
                .collect()
        };
        history.extend(ghost.chain().map(|(zxid, content)| TxnId { zxid, content }));
        history
    }

    /// After a recovery or a snapshot the checker decides what the node has
    /// delivered (a recovered log's agreed txns count); later applies below
    /// that point are not new deliveries.
    pub(super) fn sync_delivered_point(&mut self, node: u32) {
        let point = self
            .zab
            .delivered(node)
            .last()
            .map_or(Zxid::ZERO, |txn| txn.zxid);
        self.nodes[node as usize].delivered_max = point;
    }

    pub(super) fn observe(&mut self, observation: Observation) {
        let findings: Findings = self.zab.observe(self.now_ms(), &observation);
        for (kind, node, message) in findings {
            self.violation(kind, node, message);
        }
    }
}
