//! Replica-side checks: what one node delivered, recovered and synced.
//!
//! Integrity, Agreement, PrefixConsistency, TotalOrder, Local/GlobalPrimaryOrder
//! on each delivery; monotonicRead on each recovery and snapshot.

use std::cmp::max;
use std::collections::BTreeMap;

use super::facts::Facts;
use super::{describe, list_zxids, Findings, TxnId, Witness, ZabChecker};
use crate::violation::ViolationKind;
use zksim_core::ids::{Epoch, Zxid};

/// What the checker knows of one node.
#[derive(Debug, Default)]
pub(super) struct Replica {
    /// Its delivered history, in delivery order.
    delivered: Vec<TxnId>,
    /// `delivered` is not a prefix of the canonical sequence. Reported once;
    /// the node is then followed alone until a recovery or snapshot resyncs it.
    diverged: bool,
    /// Per epoch, one past the highest proposal position it delivered.
    proposals_next: BTreeMap<Epoch, usize>,
    /// Its log as far as observed, in increasing zxid order (a TRUNC cuts
    /// its tail, so an append is a push: no map, no allocation per txn).
    logged: Vec<TxnId>,
}

impl Replica {
    pub(super) fn delivered(&self) -> &[TxnId] {
        &self.delivered
    }

    pub(super) fn diverged(&self) -> bool {
        self.diverged
    }

    /// A replica that starts holding `history`, logged and delivered.
    pub(super) fn start_from(&mut self, history: &[TxnId]) {
        assert!(self.delivered.is_empty(), "a fresh replica");
        self.delivered = history.to_vec();
        self.logged = history.to_vec();
    }

    /// Appends to the log; a zxid not above the last one truncates the log
    /// before it first (TRUNC, or DIFF after a divergent tail).
    pub(super) fn log(&mut self, txn: TxnId) {
        let extends = self.logged.last().is_none_or(|last| last.zxid < txn.zxid);
        if !extends {
            let kept = self.logged.partition_point(|logged| logged.zxid < txn.zxid);
            self.logged.truncate(kept);
        }
        assert!(self.logged.last().is_none_or(|last| last.zxid < txn.zxid));
        self.logged.push(txn);
    }

    /// How many logged txns have a zxid at or below `zxid` (the log is in
    /// increasing zxid order, so they are its first ones).
    fn logged_up_to(&self, zxid: Zxid) -> usize {
        self.logged.partition_point(|logged| logged.zxid <= zxid)
    }
}

impl ZabChecker {
    /// One delivery: every per-delivery check, then the record follows it.
    pub(super) fn deliver(&mut self, time_ms: u64, node: u32, txn: TxnId, findings: &mut Findings) {
        self.assert_node(node);
        let facts = self.facts(time_ms, node, txn);
        self.check_integrity(time_ms, node, txn, facts.known, findings);
        self.check_same_zxid(time_ms, node, txn, facts.first, findings);
        self.check_primary_order(time_ms, node, txn, facts.proposal, findings);
        self.check_canonical(time_ms, node, txn, facts, findings);
        self.replica_mut(node).delivered.push(txn);
    }

    pub(super) fn on_recovered(
        &mut self,
        time_ms: u64,
        node: u32,
        history_last: Zxid,
        findings: &mut Findings,
    ) {
        let replica = self.replica_mut(node);
        let keep = replica
            .delivered
            .iter()
            .take_while(|t| t.zxid <= history_last)
            .count();
        let lost = replica.delivered.split_off(keep);
        if !lost.is_empty() {
            findings.push((
                ViolationKind::ZabMonotonicRead,
                Some(node),
                format!(
                    "monotonicRead: n{node} recovered to {history_last} at t={time_ms}ms, \
                     losing {} txn(s) it had delivered: {}",
                    lost.len(),
                    list_zxids(&lost)
                ),
            ));
            self.resync(node);
        }
        self.replay_log(time_ms, node, history_last, findings);
    }

    /// ZooKeeper rebuilds the tree from the snapshot and its whole log, so a
    /// recovered node also holds what it had logged past its last delivery.
    /// Replayed txns that are agreed (the canonical sequence's next, or
    /// committed past its end) count as deliveries. The first that is not
    /// (an uncommitted proposal) ends the replay: the node serves nothing
    /// before it syncs, and the leader's TRUNC is expected to remove it.
    fn replay_log(&mut self, time_ms: u64, node: u32, history_last: Zxid, findings: &mut Findings) {
        let replica = self.replica(node);
        let last = replica.delivered.last().map_or(Zxid::ZERO, |t| t.zxid);
        if history_last <= last || replica.diverged {
            return;
        }
        let replayable = replica.logged_up_to(last)..replica.logged_up_to(history_last);
        let mut replayed: Vec<TxnId> = replica.logged[replayable].to_vec();
        if replayed.is_empty() {
            // No log observed: assume it replayed the agreed txns.
            replayed = self.canonical[replica.delivered.len()..]
                .iter()
                .map(|w| w.txn)
                .take_while(|t| t.zxid <= history_last)
                .collect();
        }
        for txn in replayed {
            let position = self.replica(node).delivered.len();
            let agreed = match self.canonical.get(position) {
                Some(next) => next.txn == txn,
                None => self.committed.get(&txn.zxid).is_some_and(|w| w.txn == txn),
            };
            if !agreed {
                return;
            }
            self.deliver(time_ms, node, txn, findings);
        }
    }

    pub(super) fn on_snapshot(
        &mut self,
        time_ms: u64,
        node: u32,
        zxid: Zxid,
        findings: &mut Findings,
    ) {
        let synced: Vec<TxnId> = self
            .canonical
            .iter()
            .map(|w| w.txn)
            .take_while(|t| t.zxid <= zxid)
            .collect();
        let replica = self.replica_mut(node);
        let kept = replica
            .delivered
            .iter()
            .zip(&synced)
            .take_while(|(old, new)| old == new)
            .count();
        let lost = &replica.delivered[kept..];
        if !lost.is_empty() {
            findings.push((
                ViolationKind::ZabMonotonicRead,
                Some(node),
                format!(
                    "monotonicRead: n{node} took the leader's snapshot at {zxid} at t={time_ms}ms, \
                     which lacks (or reorders) {} txn(s) it had delivered: {}",
                    lost.len(),
                    list_zxids(lost)
                ),
            ));
        }
        replica.delivered = synced;
        let covered = replica.logged_up_to(zxid);
        replica.logged.drain(..covered);
        self.resync(node);
    }

    /// Recomputes what derives from a node's delivered history after it was
    /// replaced or cut: whether it is on the canonical sequence, and its
    /// per-epoch proposal progress.
    fn resync(&mut self, node: u32) {
        let canonical = &self.canonical;
        let positions = &self.proposal_position;
        let replica = &mut self.replicas[node as usize];
        let length = replica.delivered.len();
        replica.diverged = length > canonical.len()
            || !canonical[..length]
                .iter()
                .map(|w| w.txn)
                .eq(replica.delivered.iter().copied());
        replica.proposals_next.clear();
        for txn in &replica.delivered {
            if let Some(&(epoch, position)) = positions.get(txn) {
                let next = replica.proposals_next.entry(epoch).or_insert(0);
                *next = max(*next, position + 1);
            }
        }
    }

    /// Integrity: a leader proposed it or held it in its initial history.
    fn check_integrity(
        &self,
        time_ms: u64,
        node: u32,
        txn: TxnId,
        known: bool,
        findings: &mut Findings,
    ) {
        if known {
            return;
        }
        let same_zxid = TxnId {
            zxid: txn.zxid,
            content: 0,
        }..=TxnId {
            zxid: txn.zxid,
            content: u64::MAX,
        };
        let detail = match self.known.range(same_zxid).next() {
            Some(other) => format!(
                "; the txn leaders know under {} is {}",
                txn.zxid,
                describe(*other)
            ),
            None => String::new(),
        };
        findings.push((
            ViolationKind::ZabIntegrity,
            Some(node),
            format!(
                "Integrity: n{node} delivered {} at t={time_ms}ms, which no leader proposed or \
                 held in its initial history{detail}",
                describe(txn)
            ),
        ));
    }

    /// Agreement: one zxid, one content, on every replica. `first` is the
    /// first txn delivered under its zxid.
    fn check_same_zxid(
        &self,
        time_ms: u64,
        node: u32,
        txn: TxnId,
        first: Witness,
        findings: &mut Findings,
    ) {
        assert_eq!(first.txn.zxid, txn.zxid);
        if first.txn == txn {
            return;
        }
        findings.push((
            ViolationKind::ZabAgreement,
            Some(node),
            format!(
                "Agreement: n{node} delivered {} at t={time_ms}ms, but n{} delivered {} under \
                 the same zxid at t={}ms",
                describe(txn),
                first.node,
                describe(first.txn),
                first.time_ms
            ),
        ));
    }

    /// LocalPrimaryOrder (a leader's proposals in proposal order, none
    /// skipped) and GlobalPrimaryOrder (a replica's zxids increase). One
    /// finding at most per delivery.
    fn check_primary_order(
        &mut self,
        time_ms: u64,
        node: u32,
        txn: TxnId,
        proposal: Option<(Epoch, usize)>,
        findings: &mut Findings,
    ) {
        let replica = &mut self.replicas[node as usize];
        if let Some((epoch, position)) = proposal {
            let next_slot = replica.proposals_next.entry(epoch).or_insert(0);
            let next = *next_slot;
            *next_slot = max(next, position + 1);
            if position != next {
                let order = &self.proposal_order[&epoch];
                let (relation, other) = if position > next {
                    ("without its earlier", next)
                } else {
                    ("after its later", next - 1)
                };
                findings.push((
                    ViolationKind::ZabPrimaryOrder,
                    Some(node),
                    format!(
                        "LocalPrimaryOrder: n{node} delivered {} at t={time_ms}ms, proposal \
                         #{position} of epoch {epoch}'s leader, {relation} proposal #{other} ({})",
                        txn.zxid, order[other].zxid
                    ),
                ));
                return;
            }
        }
        let Some(last) = replica.delivered.last() else {
            return;
        };
        if txn.zxid > last.zxid {
            return;
        }
        let message = if txn.zxid.epoch() < last.zxid.epoch() {
            format!(
                "GlobalPrimaryOrder: n{node} delivered {} of epoch {} at t={time_ms}ms after {} \
                 of epoch {}",
                txn.zxid,
                txn.zxid.epoch(),
                last.zxid,
                last.zxid.epoch()
            )
        } else {
            format!(
                "PrimaryOrder: n{node} delivered {} at t={time_ms}ms after {}: a replica's \
                 delivered zxids must increase",
                txn.zxid, last.zxid
            )
        };
        findings.push((ViolationKind::ZabPrimaryOrder, Some(node), message));
    }

    /// PrefixConsistency / TotalOrder: the node's next delivery is the
    /// canonical sequence's next txn, or extends the sequence.
    fn check_canonical(
        &mut self,
        time_ms: u64,
        node: u32,
        txn: TxnId,
        facts: Facts,
        findings: &mut Findings,
    ) {
        let replica = &mut self.replicas[node as usize];
        if replica.diverged {
            return;
        }
        let position = replica.delivered.len();
        let Some(&expected) = self.canonical.get(position) else {
            assert_eq!(
                position,
                self.canonical.len(),
                "n{node} skipped past canonical"
            );
            self.canonical_position.entry(txn.zxid).or_insert(position);
            self.canonical.push(Witness { txn, node, time_ms });
            self.canonical_facts.push(facts);
            assert_eq!(self.canonical_facts.len(), self.canonical.len());
            return;
        };
        if expected.txn == txn {
            return;
        }
        replica.diverged = true;
        if facts.first.txn != txn {
            return; // Agreement: `check_same_zxid` reported it
        }
        // Delivered later in the canonical sequence: the order differs.
        let later = match self.canonical_position.get(&txn.zxid) {
            Some(&j) if j > position && self.canonical[j].txn == txn => Some(self.canonical[j]),
            _ => None,
        };
        let (kind, message) = if expected.txn.zxid == txn.zxid {
            (
                ViolationKind::ZabAgreement,
                format!(
                    "Agreement: n{node} delivered {} at t={time_ms}ms, but n{} delivered {} \
                     under the same zxid at t={}ms",
                    describe(txn),
                    expected.node,
                    describe(expected.txn),
                    expected.time_ms
                ),
            )
        } else if let Some(other) = later {
            (
                ViolationKind::ZabTotalOrder,
                format!(
                    "TotalOrder: n{node} delivered {} at t={time_ms}ms before {}, but n{} \
                     delivered {} at t={}ms before n{} delivered {} at t={}ms",
                    txn.zxid,
                    expected.txn.zxid,
                    expected.node,
                    expected.txn.zxid,
                    expected.time_ms,
                    other.node,
                    txn.zxid,
                    other.time_ms
                ),
            )
        } else {
            (
                ViolationKind::ZabPrefixConsistency,
                format!(
                    "PrefixConsistency: n{node} delivered {} as delivery #{position} at \
                     t={time_ms}ms, but n{} delivered {} there at t={}ms",
                    txn.zxid, expected.node, expected.txn.zxid, expected.time_ms
                ),
            )
        };
        findings.push((kind, Some(node), message));
    }
}
