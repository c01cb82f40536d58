//! Random histories produced by the real `DataTree` (prepare, then apply, in
//! one order) with overlapping call/return intervals consistent with that
//! order, stale reads, lost replies and expiries: always linearizable. With
//! one reply corrupted: usually not.

use std::collections::VecDeque;

use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use zksim_core::ids::{Epoch, SessionId, Zxid};
use zksim_core::request::{ClientOp, MultiOp, OpResult};
use zksim_core::tree::{CreateMode, DataTree, ErrorCode};
use zksim_core::txn::TxnHeader;

use super::script::BUDGET;
use crate::history::{History, HistoryOp, HistoryRequest, Outcome};
use crate::lincheck::Overall;
use crate::zkmodel::{check_history, explain};

const PATHS: [&str; 5] = ["/a", "/b", "/a/x", "/s", "/s/n-0000000001"];
const VALUES: [&str; 4] = ["", "x", "yy", "zzz"];

#[derive(Clone, Debug)]
enum Planned {
    CreateSession,
    Op(ClientOp),
    Close,
    /// Expired by the ensemble; `learned`: the client finds out.
    Expire {
        learned: bool,
    },
    /// Left open: the history ends with an expiry of unknown outcome.
    LeftOpen,
}

struct Pending {
    history: usize,
    planned: Planned,
    outcome: Outcome,
    /// The reply is lost (ret None, outcome unknown).
    lost: bool,
}

struct ClientSim {
    session: SessionId,
    plan: VecDeque<Planned>,
    pending: Option<Pending>,
    applied: bool,
    /// The newest snapshot the session has seen or written.
    last_seen: usize,
}

/// One sequential execution of the real tree, observed with real-time slack.
pub(super) struct Run {
    rng: ChaCha8Rng,
    tree: DataTree,
    /// The tree after each txn (index 0: empty).
    snapshots: Vec<DataTree>,
    counter: u32,
    next_session: u64,
    now: u64,
    history: History,
    /// Lost writes still in flight: applied later, or never.
    in_flight: Vec<(SessionId, ClientOp)>,
    /// The probability that a write's or close's reply is lost.
    loss: f64,
}

fn random_op(rng: &mut ChaCha8Rng) -> ClientOp {
    let path = PATHS.choose(rng).expect("non-empty").to_string();
    let data = VALUES.choose(rng).expect("non-empty").as_bytes().to_vec();
    let version = if rng.gen_bool(0.5) {
        -1
    } else {
        rng.gen_range(0..3)
    };
    let mode = *[
        CreateMode::Persistent,
        CreateMode::Persistent,
        CreateMode::Ephemeral,
        CreateMode::PersistentSequential,
        CreateMode::EphemeralSequential,
    ]
    .choose(rng)
    .expect("non-empty");
    let create_path = if mode.is_sequential() {
        ["/s/n-", "/a/q-"]
            .choose(rng)
            .expect("non-empty")
            .to_string()
    } else {
        path.clone()
    };
    let watch = false;
    match rng.gen_range(0..10) {
        0 | 1 => ClientOp::Create {
            path: create_path,
            data,
            mode,
        },
        2 => ClientOp::Delete { path, version },
        3 | 4 => ClientOp::SetData {
            path,
            data,
            version,
        },
        5 => ClientOp::GetData { path, watch },
        6 => ClientOp::Exists { path, watch },
        7 => ClientOp::GetChildren {
            path: ["/", "/a", "/s"]
                .choose(rng)
                .expect("non-empty")
                .to_string(),
            watch,
        },
        8 => ClientOp::Sync {
            path: "/".to_owned(),
        },
        _ => ClientOp::Multi(
            (0..rng.gen_range(1..=3))
                .map(|_| match random_op(rng) {
                    ClientOp::Create { path, data, mode } => MultiOp::Create { path, data, mode },
                    ClientOp::Delete { path, version } => MultiOp::Delete { path, version },
                    ClientOp::SetData {
                        path,
                        data,
                        version,
                    } => MultiOp::SetData {
                        path,
                        data,
                        version,
                    },
                    _ => MultiOp::Check {
                        path: path.clone(),
                        version,
                    },
                })
                .collect(),
        ),
    }
}

/// Which ops a client plans after creating the parents.
pub(super) type Mix = fn(&mut ChaCha8Rng) -> ClientOp;

fn plan(rng: &mut ChaCha8Rng, ops_max: usize, mix: Mix) -> VecDeque<Planned> {
    let mut plan = VecDeque::from([Planned::CreateSession]);
    // Parents first, usually: most later ops then have something to act on.
    for parent in ["/a", "/s"] {
        if rng.gen_bool(0.6) {
            plan.push_back(Planned::Op(ClientOp::Create {
                path: parent.to_owned(),
                data: Vec::new(),
                mode: CreateMode::Persistent,
            }));
        }
    }
    for _ in 0..rng.gen_range(1..=ops_max) {
        plan.push_back(Planned::Op(mix(rng)));
    }
    plan.push_back(match rng.gen_range(0..4) {
        0 => Planned::Close,
        1 => Planned::Expire { learned: true },
        2 => Planned::Expire { learned: false },
        _ => Planned::LeftOpen,
    });
    plan
}

impl Run {
    fn new(seed: u64, loss: f64) -> Run {
        Run {
            loss,
            rng: ChaCha8Rng::seed_from_u64(seed),
            tree: DataTree::new(),
            snapshots: vec![DataTree::new()],
            counter: 0,
            next_session: 0x100,
            now: 0,
            history: History::default(),
            in_flight: Vec::new(),
        }
    }

    fn commit(
        &mut self,
        session: SessionId,
        txn: &zksim_core::txn::Txn,
    ) -> Result<OpResult, ErrorCode> {
        self.counter += 1;
        let header = TxnHeader {
            session,
            cxid: self.counter,
            zxid: Zxid::new(Epoch(1), self.counter),
            time_ms: self.now,
        };
        let outcome = self.tree.apply(&header, txn);
        self.snapshots.push(self.tree.clone());
        outcome
    }

    fn write(&mut self, session: SessionId, op: &ClientOp) -> Result<OpResult, ErrorCode> {
        let header = TxnHeader {
            session,
            cxid: 0,
            zxid: Zxid::new(Epoch(1), self.counter + 1),
            time_ms: self.now,
        };
        let txn = self.tree.prepare(&header, op);
        self.commit(session, &txn)
    }

    /// A lost write arrives at the leader late (after later ops of its session).
    fn land_one_in_flight(&mut self) {
        if self.in_flight.is_empty() {
            return;
        }
        let index = self.rng.gen_range(0..self.in_flight.len());
        let (session, op) = self.in_flight.swap_remove(index);
        let _ = self.write(session, &op);
    }

    fn invoke(&mut self, id: usize, client: &mut ClientSim) -> bool {
        let Some(planned) = client.plan.pop_front() else {
            return false;
        };
        let request = match &planned {
            Planned::CreateSession => HistoryRequest::CreateSession,
            Planned::Op(op) => HistoryRequest::Op(op.clone()),
            Planned::Close => HistoryRequest::CloseSession,
            Planned::Expire { .. } | Planned::LeftOpen => HistoryRequest::Expiry,
        };
        let lost = match &planned {
            Planned::Op(op) => op.is_write() && self.rng.gen_bool(self.loss),
            Planned::Close => self.rng.gen_bool(self.loss),
            Planned::Expire { learned } => !learned,
            Planned::LeftOpen => true,
            Planned::CreateSession => false,
        };
        self.history.ops.push(HistoryOp {
            client: id,
            session: client.session,
            node: 0,
            call_us: self.now,
            ret_us: None,
            request,
            outcome: Outcome::Unknown,
            reply_zxid: None,
        });
        client.pending = Some(Pending {
            history: self.history.ops.len() - 1,
            planned,
            outcome: Outcome::Unknown,
            lost,
        });
        client.applied = false;
        true
    }

    /// The linearization point.
    fn apply(&mut self, client: &mut ClientSim) {
        let pending = client.pending.as_mut().expect("applying a pending op");
        let latest = self.snapshots.len() - 1;
        let outcome = match &pending.planned {
            Planned::CreateSession => {
                self.next_session += 1;
                client.session = SessionId(self.next_session);
                let txn = self.tree.prepare_create_session(10_000);
                let outcome = self.commit(client.session, &txn);
                client.last_seen = self.snapshots.len() - 1;
                outcome
            }
            Planned::Op(op) if op.is_write() => {
                if pending.lost && self.rng.gen_bool(0.6) {
                    // Never reached the leader, or is still on its way there.
                    if self.rng.gen_bool(0.5) {
                        self.in_flight.push((client.session, op.clone()));
                    }
                    Err(ErrorCode::ConnectionLoss)
                } else {
                    let outcome = self.write(client.session, op);
                    if !pending.lost {
                        client.last_seen = self.snapshots.len() - 1;
                    }
                    outcome
                }
            }
            Planned::Op(op @ ClientOp::Sync { .. }) => {
                client.last_seen = latest;
                self.tree.read(op)
            }
            Planned::Op(op) => {
                let seen = self.rng.gen_range(client.last_seen..=latest);
                client.last_seen = seen;
                self.snapshots[seen].read(op)
            }
            Planned::Close | Planned::Expire { .. } => {
                let txn = self.tree.prepare_close_session(client.session);
                self.commit(client.session, &txn)
            }
            Planned::LeftOpen => Err(ErrorCode::ConnectionLoss),
        };
        pending.outcome = match outcome {
            Ok(result) => Outcome::Ok(result),
            Err(code) => Outcome::Fail(code),
        };
        client.applied = true;
    }

    fn reply(&mut self, client: &mut ClientSim) {
        let pending = client.pending.take().expect("replying to a pending op");
        if pending.lost {
            return;
        }
        let op = &mut self.history.ops[pending.history];
        if let Outcome::Ok(OpResult::SessionCreated { session, .. }) = &pending.outcome {
            op.session = *session;
        }
        op.ret_us = Some(self.now);
        op.outcome = pending.outcome;
    }

    pub(super) fn generate(seed: u64) -> History {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let clients = rng.gen_range(1..=5);
        Run::generate_sized(seed, clients, 10, 0.15)
    }

    /// `client_count` clients with up to `ops_max` ops each, losing a
    /// `loss` fraction of the replies to writes.
    pub fn generate_sized(seed: u64, client_count: usize, ops_max: usize, loss: f64) -> History {
        Run::generate_mixed(seed, client_count, ops_max, loss, random_op)
    }

    /// As `generate_sized`, with the ops `mix` plans.
    pub(super) fn generate_mixed(
        seed: u64,
        client_count: usize,
        ops_max: usize,
        loss: f64,
        mix: Mix,
    ) -> History {
        let mut run = Run::new(seed, loss);
        let mut clients: Vec<ClientSim> = (0..client_count)
            .map(|_| ClientSim {
                session: SessionId::NONE,
                plan: plan(&mut run.rng, ops_max, mix),
                pending: None,
                applied: false,
                last_seen: 0,
            })
            .collect();
        let mut active: Vec<usize> = (0..client_count).collect();
        while !active.is_empty() {
            run.now += run.rng.gen_range(1..4);
            if run.rng.gen_bool(0.05) {
                run.land_one_in_flight();
                continue;
            }
            let pick = run.rng.gen_range(0..active.len());
            let id = active[pick];
            let client = &mut clients[id];
            match (&client.pending, client.applied) {
                (None, _) => {
                    if !run.invoke(id, client) {
                        active.swap_remove(pick);
                    }
                }
                (Some(_), false) => run.apply(client),
                (Some(_), true) => run.reply(client),
            }
        }
        run.history
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn histories_of_the_real_tree_are_linearizable(seed in any::<u64>()) {
        let history = Run::generate(seed);
        let report = check_history(&history, &BUDGET);
        prop_assert_ne!(
            report.verdict(),
            Overall::NotLinearizable,
            "seed {}: {}\n{:#?}",
            seed,
            explain(&history, &report),
            history.ops
        );
    }
}

/// Changes one reply to something the tree would not have said; false if
/// the history has no reply worth corrupting.
pub(super) fn corrupt(history: &mut History, rng: &mut ChaCha8Rng) -> bool {
    let candidates: Vec<usize> = (0..history.ops.len())
        .filter(|&index| {
            let op = &history.ops[index];
            matches!(op.request, HistoryRequest::Op(_))
                && matches!(
                    op.outcome,
                    Outcome::Ok(
                        OpResult::GetData { .. }
                            | OpResult::Exists { .. }
                            | OpResult::GetChildren { .. }
                            | OpResult::Created { .. }
                            | OpResult::SetData { .. }
                    ) | Outcome::Fail(
                        ErrorCode::NoNode | ErrorCode::NodeExists | ErrorCode::BadVersion
                    )
                )
        })
        .collect();
    let Some(&index) = candidates.choose(rng) else {
        return false;
    };
    let outcome = &mut history.ops[index].outcome;
    match outcome {
        Outcome::Ok(OpResult::GetData { data, .. }) => data.push(b'!'),
        Outcome::Ok(OpResult::Exists { stat: Some(stat) }) => stat.version += 1,
        Outcome::Ok(OpResult::Exists { stat }) => *stat = Some(Default::default()),
        Outcome::Ok(OpResult::GetChildren { children, .. }) => children.push("bogus".to_owned()),
        Outcome::Ok(OpResult::Created { path, .. }) => path.push('!'),
        Outcome::Ok(OpResult::SetData { stat }) => stat.version += 7,
        Outcome::Fail(code) => {
            *code = match code {
                ErrorCode::NoNode => ErrorCode::NodeExists,
                _ => ErrorCode::NoNode,
            }
        }
        _ => unreachable!("filtered above"),
    }
    true
}

#[test]
fn one_corrupted_reply_is_usually_caught() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut tried, mut caught) = (0u32, 0u32);
    for seed in 0..150u64 {
        let mut history = Run::generate(seed);
        if !corrupt(&mut history, &mut rng) {
            continue;
        }
        tried += 1;
        if check_history(&history, &BUDGET).verdict() == Overall::NotLinearizable {
            caught += 1;
        }
    }
    assert!(tried >= 100, "only {tried} histories to corrupt");
    assert!(
        caught * 2 > tried,
        "caught {caught} of {tried} corrupted histories"
    );
    println!("caught {caught} of {tried} corrupted histories");
}

/// A long history (about 9,000 ops, 10 clients, one partition since
/// getChildren("/") observes every top-level node) stays cheap: about 50,000
/// steps (81 ms in a release build, see docs/ZK-HISTORY.md).
#[test]
fn a_long_history_checks_within_a_modest_budget() {
    let history = Run::generate_sized(2, 10, 2000, 0.001);
    assert!(history.ops.len() > 8_000, "{} ops", history.ops.len());
    let report = check_history(&history, &BUDGET);
    assert_eq!(report.partitions.len(), 1);
    assert_eq!(report.verdict(), Overall::Linearizable);
    assert!(
        report.partitions[0].steps < 200_000,
        "{} steps",
        report.partitions[0].steps
    );
}
