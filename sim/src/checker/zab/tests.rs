//! A correct random run passes; each invariant fails on a planted history.

use super::{Observation, TxnId, ZabChecker};
use crate::violation::ViolationKind;
use proptest::prelude::*;
use zksim_core::ids::{Epoch, Zxid};

use Observation::{Committed, Delivered, Established, Logged, Proposed, Recovered, Snapshot};
use ViolationKind::*;

/// The txn `(epoch, counter)` with its usual content.
fn txn(epoch: u32, counter: u32) -> TxnId {
    TxnId {
        zxid: Zxid::new(Epoch(epoch), counter),
        content: u64::from(epoch) * 1000 + u64::from(counter),
    }
}

/// The same zxid with other content.
fn forged(epoch: u32, counter: u32) -> TxnId {
    TxnId {
        content: 7_777_777,
        ..txn(epoch, counter)
    }
}

fn establish(node: u32, epoch: u32, history: &[TxnId]) -> Observation {
    Established {
        node,
        epoch: Epoch(epoch),
        history: history.to_vec(),
    }
}

fn propose(node: u32, txn: TxnId) -> Observation {
    Proposed {
        node,
        epoch: txn.zxid.epoch(),
        txn,
    }
}

/// Feeds the observations (time = index × 10 ms), then finishes; returns the
/// kinds found, in order, and the checker.
fn run(nodes: u32, observations: &[Observation]) -> (Vec<ViolationKind>, ZabChecker) {
    let mut checker = ZabChecker::new(nodes);
    let mut kinds = Vec::new();
    for (index, observation) in observations.iter().enumerate() {
        let found = checker.observe(index as u64 * 10, observation);
        for (_, _, message) in &found {
            assert!(!message.contains('\n'), "one-line messages: {message}");
        }
        kinds.extend(found.into_iter().map(|(kind, _, _)| kind));
        checker.check_invariants();
    }
    kinds.extend(checker.finish().into_iter().map(|(kind, _, _)| kind));
    (kinds, checker)
}

fn check(nodes: u32, observations: &[Observation], expected: &[ViolationKind]) {
    let (kinds, _) = run(nodes, observations);
    assert_eq!(kinds, expected);
}

/// Epoch 1 led by n0, which proposed and committed (1,1) and (1,2).
fn epoch_one() -> Vec<Observation> {
    vec![
        establish(0, 1, &[]),
        propose(0, txn(1, 1)),
        propose(0, txn(1, 2)),
        Committed {
            node: 0,
            txn: txn(1, 1),
        },
        Committed {
            node: 0,
            txn: txn(1, 2),
        },
    ]
}

fn deliver(node: u32, txn: TxnId) -> Observation {
    Delivered { node, txn }
}

#[test]
fn correct_history_passes() {
    let mut observations = epoch_one();
    observations.extend([
        deliver(0, txn(1, 1)),
        deliver(1, txn(1, 1)),
        deliver(0, txn(1, 2)),
        Recovered {
            node: 1,
            history_last: txn(1, 1).zxid,
        },
        establish(1, 2, &[txn(1, 1), txn(1, 2)]),
        deliver(1, txn(1, 2)),
        propose(1, txn(2, 1)),
        deliver(1, txn(2, 1)),
        Snapshot {
            node: 2,
            zxid: txn(2, 1).zxid,
        },
        deliver(0, txn(2, 1)),
    ]);
    let (kinds, checker) = run(3, &observations);
    assert_eq!(kinds, []);
    for node in 0..3 {
        assert_eq!(checker.delivered(node), [txn(1, 1), txn(1, 2), txn(2, 1)]);
    }
}

#[test]
fn leadership_two_leaders_in_one_epoch() {
    check(
        2,
        &[establish(0, 1, &[]), establish(1, 1, &[])],
        &[ZabLeadership],
    );
    // Re-establishing the same node is not a second leader.
    check(2, &[establish(0, 1, &[]), establish(0, 1, &[])], &[]);
}

#[test]
fn leadership_proposal_by_another_node() {
    check(
        2,
        &[establish(0, 1, &[]), propose(1, txn(1, 1))],
        &[ZabLeadership],
    );
}

#[test]
fn integrity_delivered_txn_never_proposed() {
    check(
        2,
        &[establish(0, 1, &[]), deliver(1, txn(1, 1))],
        &[ZabIntegrity],
    );
    // Held in an established leader's history counts as broadcast.
    check(
        2,
        &[establish(0, 1, &[txn(1, 1)]), deliver(1, txn(1, 1))],
        &[],
    );
}

#[test]
fn integrity_same_zxid_other_content_is_not_the_proposal() {
    let observations = [
        establish(0, 1, &[]),
        propose(0, txn(1, 1)),
        deliver(1, forged(1, 1)),
    ];
    let (kinds, checker) = run(2, &observations);
    assert_eq!(kinds, [ZabIntegrity]);
    assert_eq!(checker.delivered(1), [forged(1, 1)]);
}

#[test]
fn agreement_same_zxid_different_content() {
    // A broken epoch-2 leader holds a different (1,1): both are "broadcast",
    // so only Agreement (and the final prefix check) catches it.
    let observations = [
        establish(0, 1, &[]),
        propose(0, txn(1, 1)),
        deliver(0, txn(1, 1)),
        establish(1, 2, &[forged(1, 1)]),
        deliver(1, forged(1, 1)),
    ];
    check(
        2,
        &observations,
        &[ZabPrimaryIntegrity, ZabAgreement, ZabPrefixConsistency],
    );
    let committed_twice = [
        establish(0, 1, &[forged(1, 1)]),
        propose(0, txn(1, 1)),
        Committed {
            node: 0,
            txn: txn(1, 1),
        },
        Committed {
            node: 0,
            txn: forged(1, 1),
        },
    ];
    check(2, &committed_twice, &[ZabAgreement]);
}

#[test]
fn total_order_other_node_delivered_x_then_y() {
    let mut observations = epoch_one();
    observations.extend([
        deliver(0, txn(1, 1)),
        deliver(0, txn(1, 2)),
        deliver(1, txn(1, 2)),
    ]);
    // y before x also skips the leader's first proposal, and at the end the
    // two sequences still differ.
    check(
        2,
        &observations,
        &[ZabPrimaryOrder, ZabTotalOrder, ZabPrefixConsistency],
    );
}

#[test]
fn prefix_consistency_different_next_txn() {
    // n1 delivers a txn no other node delivered where n0 delivered (1,1).
    let observations = [
        establish(0, 1, &[txn(1, 2)]),
        propose(0, txn(1, 1)),
        deliver(0, txn(1, 1)),
        deliver(1, txn(1, 2)),
    ];
    check(
        2,
        &observations,
        &[ZabPrefixConsistency, ZabPrefixConsistency],
    );
}

#[test]
fn local_primary_order_proposals_reordered() {
    let mut observations = epoch_one();
    observations.extend([deliver(0, txn(1, 2)), deliver(0, txn(1, 1))]);
    // One finding per wrong delivery: (1,2) skips #0; (1,1) comes after #1.
    let (kinds, checker) = run(1, &observations);
    assert_eq!(kinds, [ZabPrimaryOrder, ZabPrimaryOrder]);
    assert_eq!(checker.delivered(0), [txn(1, 2), txn(1, 1)]);
}

#[test]
fn global_primary_order_newer_epoch_first() {
    let observations = [
        establish(0, 1, &[]),
        propose(0, txn(1, 1)),
        establish(1, 2, &[txn(1, 1)]),
        propose(1, txn(2, 1)),
        deliver(1, txn(2, 1)),
        deliver(1, txn(1, 1)),
    ];
    check(2, &observations, &[ZabPrimaryOrder]);
}

#[test]
fn leader_log_completeness_committed_txn_missing() {
    let mut observations = epoch_one();
    observations.push(establish(1, 2, &[txn(1, 1)]));
    check(2, &observations, &[ZabLeaderCompleteness]);
}

#[test]
fn primary_integrity_delivered_txn_missing() {
    // Delivered but never observed committed: only PrimaryIntegrity.
    let observations = [
        establish(0, 1, &[]),
        propose(0, txn(1, 1)),
        deliver(1, txn(1, 1)),
        establish(1, 2, &[]),
    ];
    check(2, &observations, &[ZabPrimaryIntegrity]);
}

#[test]
fn monotonic_read_recovery_below_last_delivered() {
    let mut observations = epoch_one();
    observations.extend([
        deliver(1, txn(1, 1)),
        deliver(1, txn(1, 2)),
        Recovered {
            node: 1,
            history_last: txn(1, 1).zxid,
        },
    ]);
    let (kinds, checker) = run(2, &observations);
    assert_eq!(kinds, [ZabMonotonicRead]);
    assert_eq!(checker.delivered(1), [txn(1, 1)]);
}

#[test]
fn monotonic_read_snapshot_below_delivered_point() {
    let mut observations = epoch_one();
    observations.extend([
        deliver(0, txn(1, 1)),
        deliver(0, txn(1, 2)),
        deliver(1, txn(1, 1)),
        deliver(1, txn(1, 2)),
        Snapshot {
            node: 1,
            zxid: txn(1, 1).zxid,
        },
    ]);
    let (kinds, checker) = run(2, &observations);
    assert_eq!(kinds, [ZabMonotonicRead]);
    assert_eq!(checker.delivered(1), [txn(1, 1)]);
}

#[test]
fn snapshot_resyncs_a_diverged_node() {
    let observations = [
        establish(0, 1, &[txn(1, 2)]),
        propose(0, txn(1, 1)),
        deliver(0, txn(1, 1)),
        deliver(1, txn(1, 2)),
        Snapshot {
            node: 1,
            zxid: txn(1, 1).zxid,
        },
        deliver(1, txn(1, 3)),
    ];
    // Diverged (1,2) is lost by the snapshot; later deliveries are checked
    // against the canonical sequence again: (1,3) extends it.
    let (kinds, checker) = run(2, &observations);
    assert_eq!(
        kinds,
        [ZabPrefixConsistency, ZabMonotonicRead, ZabIntegrity]
    );
    assert_eq!(checker.delivered(1), [txn(1, 1), txn(1, 3)]);
}

#[test]
fn recovery_replays_logged_txns() {
    let mut observations = epoch_one();
    observations.extend([
        Logged {
            node: 1,
            txn: txn(1, 1),
        },
        Logged {
            node: 1,
            txn: txn(1, 2),
        },
        Recovered {
            node: 1,
            history_last: txn(1, 2).zxid,
        },
    ]);
    let (kinds, checker) = run(2, &observations);
    assert_eq!(kinds, []);
    assert_eq!(checker.delivered(1), [txn(1, 1), txn(1, 2)]);
    // A txn truncated from the log is not replayed; an uncommitted one ends
    // the replay (the leader's TRUNC removes it before the node serves).
    let mut observations = epoch_one();
    observations.extend([
        Logged {
            node: 1,
            txn: forged(1, 1),
        },
        Logged {
            node: 1,
            txn: txn(1, 1),
        },
        Logged {
            node: 1,
            txn: forged(1, 2),
        },
        Recovered {
            node: 1,
            history_last: txn(1, 2).zxid,
        },
        deliver(1, txn(1, 2)),
    ]);
    let (kinds, checker) = run(2, &observations);
    assert_eq!(kinds, []);
    assert_eq!(checker.delivered(1), [txn(1, 1), txn(1, 2)]);
}

#[test]
fn messages_name_invariant_replicas_zxids_and_times() {
    let mut checker = ZabChecker::new(2);
    for observation in epoch_one() {
        assert_eq!(checker.observe(5, &observation), []);
    }
    assert_eq!(checker.observe(10, &deliver(0, txn(1, 1))), []);
    assert_eq!(checker.observe(20, &deliver(0, txn(1, 2))), []);
    let found = checker.observe(30, &deliver(1, txn(1, 2)));
    let (kind, node, message) = &found[1];
    assert_eq!((*kind, *node), (ZabTotalOrder, Some(1)));
    assert_eq!(
        message,
        "TotalOrder: n1 delivered 0x100000002 at t=30ms before 0x100000001, but n0 delivered \
         0x100000001 at t=10ms before n0 delivered 0x100000002 at t=20ms"
    );
}

/// Builds a correct ZAB-like run from a script of random actions.
struct CorrectRun {
    nodes: u32,
    observations: Vec<Observation>,
    epoch: u32,
    leader: u32,
    counter: u32,
    /// Committed txns, in zxid order: every correct delivery order.
    committed: Vec<TxnId>,
    /// The current leader's proposals not yet committed.
    pending: Vec<TxnId>,
    /// Per node, how many of `committed` it delivered and logged.
    delivered: Vec<usize>,
    logged: Vec<usize>,
}

impl CorrectRun {
    fn new(nodes: u32) -> CorrectRun {
        let mut run = CorrectRun {
            nodes,
            observations: Vec::new(),
            epoch: 0,
            leader: 0,
            counter: 0,
            committed: Vec::new(),
            pending: Vec::new(),
            delivered: vec![0; nodes as usize],
            logged: vec![0; nodes as usize],
        };
        run.new_epoch(0);
        run
    }

    fn new_epoch(&mut self, leader: u32) {
        self.epoch += 1;
        self.leader = leader;
        self.counter = 0;
        self.pending.clear();
        let history = self.committed.clone();
        self.observations
            .push(establish(leader, self.epoch, &history));
    }

    /// `dice` in 0..100 picks the action, weighted towards the common ones.
    fn step(&mut self, dice: u8, node: u32, content: u64) {
        let node = node % self.nodes;
        let at = node as usize;
        let action = match dice {
            0..=19 => 0,
            20..=39 => 1,
            40..=69 => 2,
            70..=77 => 4,
            78..=83 => 5,
            84..=91 => 6,
            _ => 7,
        };
        match action {
            0 => {
                self.counter += 1;
                let txn = TxnId {
                    zxid: Zxid::new(Epoch(self.epoch), self.counter),
                    content,
                };
                self.pending.push(txn);
                self.observations.push(propose(self.leader, txn));
            }
            1 if !self.pending.is_empty() => {
                let txn = self.pending.remove(0);
                self.committed.push(txn);
                self.observations.push(Committed {
                    node: self.leader,
                    txn,
                });
            }
            2 if self.delivered[at] < self.committed.len() => {
                let txn = self.committed[self.delivered[at]];
                self.delivered[at] += 1;
                self.logged[at] = self.logged[at].max(self.delivered[at]);
                self.observations.push(deliver(node, txn));
            }
            4 if self.logged[at] < self.committed.len() => {
                let txn = self.committed[self.logged[at]];
                self.logged[at] += 1;
                self.observations.push(Logged { node, txn });
            }
            5 => {
                // Recovers its snapshot plus its whole log.
                self.delivered[at] = self.logged[at];
                let history_last = self.last_zxid(self.delivered[at]);
                self.observations.push(Recovered { node, history_last });
            }
            6 => {
                let longest = self.delivered.iter().copied().max().unwrap_or(0);
                if longest > self.delivered[at] {
                    let point =
                        self.delivered[at] + (content as usize) % (longest - self.delivered[at]);
                    self.delivered[at] = point + 1;
                    self.logged[at] = self.logged[at].max(point + 1);
                    let zxid = self.committed[point].zxid;
                    self.observations.push(Snapshot { node, zxid });
                }
            }
            7 => self.new_epoch(node),
            _ => {}
        }
    }

    fn last_zxid(&self, count: usize) -> Zxid {
        count
            .checked_sub(1)
            .map_or(Zxid::ZERO, |i| self.committed[i].zxid)
    }
}

proptest! {
    #[test]
    fn correct_random_runs_have_no_violation(
        nodes in 1u32..6,
        script in prop::collection::vec((0u8..100, 0u32..6, any::<u64>()), 0..600),
    ) {
        let mut correct = CorrectRun::new(nodes);
        for (action, node, content) in script {
            correct.step(action, node, content);
        }
        let (kinds, checker) = run(nodes, &correct.observations);
        prop_assert_eq!(kinds, []);
        for node in 0..nodes {
            let expected = &correct.committed[..correct.delivered[node as usize]];
            prop_assert_eq!(checker.delivered(node), expected);
        }
    }
}

/// The size of a real run: ~100k observations stay fast (each `observe` is
/// O(log n) apart from recoveries and snapshots).
#[test]
fn a_hundred_thousand_observations() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut correct = CorrectRun::new(5);
    while correct.observations.len() < 100_000 {
        let dice = match rng.gen_range(0u32..1000) {
            0..=299 => 0,
            300..=599 => 20,
            600..=969 => 40,
            970..=989 => 78,
            990..=997 => 84,
            _ => 99,
        };
        correct.step(dice, rng.gen_range(0..5), rng.gen());
    }
    let mut checker = ZabChecker::new(5);
    for (index, observation) in correct.observations.iter().enumerate() {
        assert_eq!(checker.observe(index as u64, observation), []);
    }
    assert_eq!(checker.finish(), []);
    checker.check_invariants();
    assert!(correct.committed.len() > 10_000);
}
