//! ZAB's safety properties (ZOOKEEPER.md §4), checked on a ghost record.
//!
//! The simulator reports what each replica did as [`Observation`]s, in the
//! order they happen. The checker keeps its own record and reports each
//! violation as soon as it can fail, and the whole-run ones in
//! [`ZabChecker::finish`].
//!
//! The record's centre is the *canonical delivered sequence*: the longest
//! delivered sequence seen so far. Every replica's delivered sequence must be a
//! prefix of it (PrefixConsistency, TotalOrder, Agreement); a replica that
//! leaves it is reported once, then followed on its own until a snapshot or a
//! recovery brings it back.
//!
//! Leader-side checks (this file): Leadership, PrimaryIntegrity,
//! leaderLogCompleteness, and the committed-txn record. Replica-side checks
//! (`replica.rs`): Integrity, Agreement, PrefixConsistency, TotalOrder,
//! Local/GlobalPrimaryOrder, monotonicRead.

mod facts;
mod replica;
#[cfg(test)]
mod tests;

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use crate::violation::ViolationKind;
use facts::Facts;
use replica::Replica;
use zksim_core::ids::{Epoch, Zxid};

/// What a check found: kind, the node it concerns, and a message naming the
/// invariant, the replicas, the zxids and the times.
pub type Findings = Vec<(ViolationKind, Option<u32>, String)>;

/// How many zxids a message lists before it writes "...".
const ZXIDS_SHOWN_MAX: usize = 8;

/// A txn's identity: its zxid plus a hash of its content (header + txn), so
/// two different txns with the same zxid are told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TxnId {
    pub zxid: Zxid,
    pub content: u64,
}

/// One thing a replica did, as the simulator saw it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Observation {
    /// `node` became the established leader of `epoch` (a quorum acked
    /// NEWLEADER). `history` = every txn in its log at that moment, in order.
    Established {
        node: u32,
        epoch: Epoch,
        history: Vec<TxnId>,
    },
    /// The leader of `epoch` proposed a new txn (broadcast phase).
    Proposed { node: u32, epoch: Epoch, txn: TxnId },
    /// `node` appended `txn` to its log. A txn whose zxid is not above the
    /// log's last one means the log was truncated before it (TRUNC, DIFF).
    Logged { node: u32, txn: TxnId },
    /// The node applied this txn to its tree, in its delivery order.
    Delivered { node: u32, txn: TxnId },
    /// The node restarted and recovered a tree holding exactly its delivered
    /// txns up to `history_last`; later deliveries continue from there.
    Recovered { node: u32, history_last: Zxid },
    /// The leader committed this txn (a quorum acked it).
    Committed { node: u32, txn: TxnId },
    /// The node replaced its state with the leader's snapshot at `zxid`: its
    /// delivered history is now the canonical sequence up to `zxid`.
    Snapshot { node: u32, zxid: Zxid },
    /// The node's data directory was found damaged and wiped; it rebuilds
    /// from a leader (no vote, no quorum until synced).
    Wiped { node: u32 },
}

/// Who did something, and when: for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Witness {
    txn: TxnId,
    node: u32,
    time_ms: u64,
}

/// The ghost record and the checks on it.
#[derive(Debug)]
pub struct ZabChecker {
    replicas: Vec<Replica>,
    /// The first node established as leader of each epoch, and when.
    leaders: BTreeMap<Epoch, (u32, u64)>,
    /// Every txn a leader proposed or held in its initial history.
    known: BTreeSet<TxnId>,
    /// Each leader's proposals, in proposal order.
    proposal_order: BTreeMap<Epoch, Vec<TxnId>>,
    /// A proposal's epoch and position in `proposal_order`.
    proposal_position: BTreeMap<TxnId, (Epoch, usize)>,
    /// The first txn committed under each zxid.
    committed: BTreeMap<Zxid, Witness>,
    /// The first txn delivered under each zxid, by any replica.
    delivered_first: BTreeMap<Zxid, Witness>,
    /// The longest delivered sequence so far (see the module comment).
    canonical: Vec<Witness>,
    /// A zxid's first position in `canonical`.
    canonical_position: BTreeMap<Zxid, usize>,
    /// The facts of each canonical entry's txn, by position (`facts.rs`).
    canonical_facts: Vec<Facts>,
}

impl ZabChecker {
    pub fn new(nodes: u32) -> ZabChecker {
        assert!(nodes > 0, "a ZAB ensemble has at least one node");
        ZabChecker {
            replicas: (0..nodes).map(|_| Replica::default()).collect(),
            leaders: BTreeMap::new(),
            known: BTreeSet::new(),
            proposal_order: BTreeMap::new(),
            proposal_position: BTreeMap::new(),
            committed: BTreeMap::new(),
            delivered_first: BTreeMap::new(),
            canonical: Vec::new(),
            canonical_position: BTreeMap::new(),
            canonical_facts: Vec::new(),
        }
    }

    /// The record of an ensemble whose every node starts holding `history`
    /// (a disaster recovery's backup, after its snapshot): proposed,
    /// committed and delivered, by node 0 at time 0 for the messages.
    pub fn from_history(nodes: u32, history: &[TxnId]) -> ZabChecker {
        let mut checker = ZabChecker::new(nodes);
        for (position, &txn) in history.iter().enumerate() {
            assert!(
                position == 0 || history[position - 1].zxid < txn.zxid,
                "a history is in zxid order"
            );
            let witness = Witness {
                txn,
                node: 0,
                time_ms: 0,
            };
            checker.known.insert(txn);
            checker.committed.insert(txn.zxid, witness);
            checker.delivered_first.insert(txn.zxid, witness);
            checker.canonical_position.insert(txn.zxid, position);
            checker.canonical.push(witness);
            checker.canonical_facts.push(Facts {
                known: true,
                first: witness,
                proposal: None,
            });
        }
        for replica in &mut checker.replicas {
            replica.start_from(history);
        }
        checker
    }

    /// Whether some leader proposed `txn` or held it when established.
    pub fn is_known(&self, txn: TxnId) -> bool {
        self.known.contains(&txn)
    }

    /// Records one observation; returns the violations it reveals.
    pub fn observe(&mut self, time_ms: u64, observation: &Observation) -> Findings {
        let mut findings = Findings::new();
        match observation {
            Observation::Established {
                node,
                epoch,
                history,
            } => self.on_established(time_ms, *node, *epoch, history, &mut findings),
            Observation::Proposed { node, epoch, txn } => {
                self.on_proposed(time_ms, *node, *epoch, *txn, &mut findings);
            }
            Observation::Logged { node, txn } => self.replica_mut(*node).log(*txn),
            Observation::Delivered { node, txn } => {
                self.deliver(time_ms, *node, *txn, &mut findings);
            }
            Observation::Recovered { node, history_last } => {
                self.on_recovered(time_ms, *node, *history_last, &mut findings);
            }
            Observation::Committed { node, txn } => {
                self.on_committed(time_ms, *node, *txn, &mut findings);
            }
            Observation::Snapshot { node, zxid } => {
                self.on_snapshot(time_ms, *node, *zxid, &mut findings);
            }
            // Damage was found and the replica rebuilds from a leader: its
            // history is gone on purpose, not lost by the protocol.
            Observation::Wiped { node } => self.replicas[*node as usize] = Replica::default(),
        }
        findings
    }

    /// End-of-run checks: every two replicas' final delivered sequences are
    /// prefix-related (PrefixConsistency / Agreement on the whole run).
    pub fn finish(&mut self) -> Findings {
        let mut findings = Findings::new();
        for (a, first) in self.replicas.iter().enumerate() {
            for (b, second) in self.replicas.iter().enumerate().skip(a + 1) {
                let (first, second) = (first.delivered(), second.delivered());
                let Some(position) = first.iter().zip(second).position(|(x, y)| x != y) else {
                    continue;
                };
                findings.push((
                    ViolationKind::ZabPrefixConsistency,
                    Some(b as u32),
                    format!(
                        "PrefixConsistency at end of run: n{a} and n{b} differ at delivery \
                         #{position}: n{a} has {}, n{b} has {} ({} vs {} txns delivered)",
                        describe(first[position]),
                        describe(second[position]),
                        first.len(),
                        second.len()
                    ),
                ));
            }
        }
        findings
    }

    /// The node's current delivered history.
    pub fn delivered(&self, node: u32) -> &[TxnId] {
        self.replica(node).delivered()
    }

    /// Asserts the record's own invariants; for tests.
    pub fn check_invariants(&self) {
        assert_eq!(self.canonical_facts.len(), self.canonical.len());
        for (position, entry) in self.canonical.iter().enumerate() {
            let first = self.canonical_position[&entry.txn.zxid];
            assert!(first <= position, "canonical index behind its sequence");
            let facts = &self.canonical_facts[position];
            let delivered_first = self.delivered_first.get(&entry.txn.zxid);
            assert_eq!(delivered_first, Some(&facts.first), "stale first delivery");
            assert!(!facts.known || self.known.contains(&entry.txn));
        }
        for (node, replica) in self.replicas.iter().enumerate() {
            if !replica.diverged() {
                let delivered = replica.delivered();
                assert!(
                    delivered.len() <= self.canonical.len(),
                    "n{node} past canonical"
                );
                let canonical = self.canonical[..delivered.len()].iter().map(|w| w.txn);
                assert!(
                    canonical.eq(delivered.iter().copied()),
                    "n{node} off canonical"
                );
            }
        }
    }

    /// An observation naming a node outside the ensemble is the caller's bug.
    fn assert_node(&self, node: u32) {
        let count = self.replicas.len();
        assert!(
            (node as usize) < count,
            "observation names n{node} of a {count}-node ensemble"
        );
    }

    fn replica(&self, node: u32) -> &Replica {
        self.assert_node(node);
        &self.replicas[node as usize]
    }

    fn replica_mut(&mut self, node: u32) -> &mut Replica {
        self.assert_node(node);
        &mut self.replicas[node as usize]
    }

    fn on_established(
        &mut self,
        time_ms: u64,
        node: u32,
        epoch: Epoch,
        history: &[TxnId],
        findings: &mut Findings,
    ) {
        self.assert_node(node);
        let (first_node, first_time_ms) = *self.leaders.entry(epoch).or_insert((node, time_ms));
        if first_node != node {
            findings.push((
                ViolationKind::ZabLeadership,
                Some(node),
                format!(
                    "Leadership: n{node} established as leader of epoch {epoch} at t={time_ms}ms, \
                     but n{first_node} already was at t={first_time_ms}ms"
                ),
            ));
        }
        self.known.extend(history.iter().copied());
        let held: BTreeSet<TxnId> = history.iter().copied().collect();
        // PrimaryIntegrity: every older-epoch txn any replica delivered.
        let undelivered: Vec<&Witness> = self
            .delivered_first
            .values()
            .filter(|w| w.txn.zxid.epoch() < epoch && !held.contains(&w.txn))
            .collect();
        if !undelivered.is_empty() {
            findings.push((
                ViolationKind::ZabPrimaryIntegrity,
                Some(node),
                format!(
                    "PrimaryIntegrity: n{node} established as leader of epoch {epoch} at \
                     t={time_ms}ms without {} txn(s) already delivered: {}",
                    undelivered.len(),
                    list_witnesses(&undelivered, "delivered")
                ),
            ));
        }
        // leaderLogCompleteness: every txn committed before now in an earlier
        // epoch. A leader established late in an epoch that a later one has
        // overtaken (it counted an ACK given before its followers moved on) is
        // fenced by their higher acceptedEpoch: it can commit nothing new.
        let uncommitted: Vec<&Witness> = self
            .committed
            .values()
            .filter(|w| w.txn.zxid.epoch() < epoch && !held.contains(&w.txn))
            .collect();
        if !uncommitted.is_empty() {
            findings.push((
                ViolationKind::ZabLeaderCompleteness,
                Some(node),
                format!(
                    "leaderLogCompleteness: n{node} established as leader of epoch {epoch} at \
                     t={time_ms}ms without {} committed txn(s): {}",
                    uncommitted.len(),
                    list_witnesses(&uncommitted, "committed")
                ),
            ));
        }
    }

    fn on_proposed(
        &mut self,
        time_ms: u64,
        node: u32,
        epoch: Epoch,
        txn: TxnId,
        findings: &mut Findings,
    ) {
        self.assert_node(node);
        if let Some(&(leader, _)) = self.leaders.get(&epoch) {
            if leader != node {
                findings.push((
                    ViolationKind::ZabLeadership,
                    Some(node),
                    format!(
                        "Leadership: n{node} proposed {} in epoch {epoch} at t={time_ms}ms, \
                         but n{leader} is that epoch's established leader",
                        txn.zxid
                    ),
                ));
            }
        }
        self.known.insert(txn);
        if let Entry::Vacant(position) = self.proposal_position.entry(txn) {
            let order = self.proposal_order.entry(epoch).or_default();
            position.insert((epoch, order.len()));
            order.push(txn);
        }
    }

    fn on_committed(&mut self, time_ms: u64, node: u32, txn: TxnId, findings: &mut Findings) {
        self.assert_node(node);
        if !self.known.contains(&txn) {
            findings.push((
                ViolationKind::ZabIntegrity,
                Some(node),
                format!(
                    "Integrity: n{node} committed {} at t={time_ms}ms, which no leader proposed",
                    describe(txn)
                ),
            ));
        }
        let witness = Witness { txn, node, time_ms };
        let first = *self.committed.entry(txn.zxid).or_insert(witness);
        if first.txn != txn {
            findings.push((
                ViolationKind::ZabAgreement,
                Some(node),
                format!(
                    "Agreement: n{node} committed {} at t={time_ms}ms, but n{} committed {} \
                     at t={}ms",
                    describe(txn),
                    first.node,
                    describe(first.txn),
                    first.time_ms
                ),
            ));
        }
    }
}

/// `0x100000002#00000000000000ff`: a zxid and its content hash.
fn describe(txn: TxnId) -> String {
    format!("{}#{:016x}", txn.zxid, txn.content)
}

/// Zxids for a message, at most `ZXIDS_SHOWN_MAX`.
fn list_zxids(txns: &[TxnId]) -> String {
    let shown: Vec<String> = txns
        .iter()
        .take(ZXIDS_SHOWN_MAX)
        .map(|t| t.zxid.to_string())
        .collect();
    let more = if txns.len() > ZXIDS_SHOWN_MAX {
        ", ..."
    } else {
        ""
    };
    format!("{}{more}", shown.join(", "))
}

/// `0x100000001 (committed by n0 at t=5ms), ...`.
fn list_witnesses(witnesses: &[&Witness], verb: &str) -> String {
    let shown: Vec<String> = witnesses
        .iter()
        .take(ZXIDS_SHOWN_MAX)
        .map(|w| {
            format!(
                "{} ({verb} by n{} at t={}ms)",
                w.txn.zxid, w.node, w.time_ms
            )
        })
        .collect();
    let more = if witnesses.len() > ZXIDS_SHOWN_MAX {
        ", ..."
    } else {
        ""
    };
    format!("{}{more}", shown.join(", "))
}
