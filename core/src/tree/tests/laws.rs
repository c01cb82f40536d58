//! Laws of the tree under random op sequences over a small path space.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::Harness;
use crate::ids::{SessionId, Zxid};
use crate::request::{ClientOp, MultiOp, MultiResult, OpOutcome, OpResult};
use crate::tree::{parent_of, CreateMode, DataTree};

/// A small path space, weighted so that /a and /a/b are often deleted and
/// re-created; "/" and the trailing-slash paths are for sequential creates
/// and for BadArguments.
const PATHS: [(u32, &str); 9] = [
    (4, "/a"),
    (4, "/a/b"),
    (1, "/a/b/c"),
    (2, "/b"),
    (1, "/b/x"),
    (1, "/c"),
    (1, "/"),
    (1, "/a/"),
    (1, "/b/"),
];

#[derive(Clone, Debug)]
enum Action {
    CreateSession,
    /// Closes the live session at this index (modulo their count).
    CloseSession(usize),
    /// A write by the live session at this index; `None`: a session that does not exist.
    Write(Option<usize>, ClientOp),
    /// Deletes /a/b and /a and re-creates both, one txn each: the churn a
    /// fuzzy walk must survive, and too unlikely to come from single writes.
    Churn,
}

fn arb_path() -> impl Strategy<Value = String> {
    let weighted: Vec<_> = PATHS
        .iter()
        .map(|(weight, path)| (*weight, Just(path.to_string())))
        .collect();
    proptest::strategy::Union::new_weighted(weighted)
}

/// Mostly "any version", so deletes and setData usually go through.
fn arb_version() -> impl Strategy<Value = i32> {
    prop_oneof![3 => Just(-1), 1 => 0i32..3]
}

fn arb_data() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0u8..4, 0..3)
}

fn arb_mode() -> impl Strategy<Value = CreateMode> {
    proptest::sample::select(vec![
        CreateMode::Persistent,
        CreateMode::Ephemeral,
        CreateMode::PersistentSequential,
        CreateMode::EphemeralSequential,
    ])
}

fn arb_multi_op() -> impl Strategy<Value = MultiOp> {
    prop_oneof![
        (arb_path(), arb_data(), arb_mode()).prop_map(|(path, data, mode)| MultiOp::Create {
            path,
            data,
            mode
        }),
        (arb_path(), arb_version()).prop_map(|(path, version)| MultiOp::Delete { path, version }),
        (arb_path(), arb_data(), arb_version()).prop_map(|(path, data, version)| {
            MultiOp::SetData {
                path,
                data,
                version,
            }
        }),
        (arb_path(), arb_version()).prop_map(|(path, version)| MultiOp::Check { path, version }),
    ]
}

fn arb_write() -> impl Strategy<Value = ClientOp> {
    prop_oneof![
        4 => (arb_path(), arb_data(), arb_mode()).prop_map(|(path, data, mode)| ClientOp::Create { path, data, mode }),
        3 => (arb_path(), arb_version()).prop_map(|(path, version)| ClientOp::Delete { path, version }),
        2 => (arb_path(), arb_data(), arb_version()).prop_map(|(path, data, version)| ClientOp::SetData { path, data, version }),
        2 => proptest::collection::vec(arb_multi_op(), 0..5).prop_map(ClientOp::Multi),
    ]
}

fn arb_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => Just(Action::CreateSession),
        1 => any::<usize>().prop_map(Action::CloseSession),
        1 => Just(Action::Churn),
        12 => (proptest::option::weighted(0.95, any::<usize>()), arb_write()).prop_map(|(who, op)| Action::Write(who, op)),
    ]
}

fn arb_actions(max: usize) -> impl Strategy<Value = Vec<Action>> {
    proptest::collection::vec(arb_action(), 0..max)
}

/// Sequential names created so far: (parent, its czxid) → last suffix, to
/// check that each new one is strictly greater. A re-created parent starts
/// again from cversion 0, so the parent's incarnation is part of the key.
type Sequences = BTreeMap<(String, Zxid), i64>;

fn run(harness: &mut Harness, action: &Action, sequences: &mut Sequences) {
    let live: Vec<SessionId> = harness.tree.sessions().keys().copied().collect();
    match action {
        Action::CreateSession => {
            harness.create_session();
        }
        Action::CloseSession(index) if !live.is_empty() => {
            assert!(harness.close_session(live[index % live.len()]).is_ok());
        }
        Action::CloseSession(_) => {}
        Action::Write(who, op) => {
            let session = match who {
                Some(index) if !live.is_empty() => live[index % live.len()],
                _ => SessionId(0xdead),
            };
            let outcome = harness.write(session, op);
            record_sequences(&harness.tree, op, &outcome, sequences);
        }
        Action::Churn if !live.is_empty() => {
            for (path, delete) in [("/a/b", true), ("/a", true), ("/a", false), ("/a/b", false)] {
                let op = if delete {
                    ClientOp::Delete {
                        path: path.to_owned(),
                        version: -1,
                    }
                } else {
                    ClientOp::Create {
                        path: path.to_owned(),
                        data: vec![7],
                        mode: CreateMode::Persistent,
                    }
                };
                let _ = harness.write(live[0], &op);
            }
        }
        Action::Churn => {}
    }
    harness.tree.check_invariants().unwrap();
    assert_eq!(harness.tree.digest(), harness.tree.recompute_digest());
}

fn record_sequences(
    tree: &DataTree,
    op: &ClientOp,
    outcome: &OpOutcome,
    sequences: &mut Sequences,
) {
    let created: Vec<(&str, &str)> = match (op, outcome) {
        (ClientOp::Create { path, mode, .. }, Ok(OpResult::Created { path: made, .. }))
            if mode.is_sequential() =>
        {
            vec![(path.as_str(), made.as_str())]
        }
        (ClientOp::Multi(ops), Ok(OpResult::Multi(results))) => {
            ops.iter()
                .zip(results)
                .filter_map(|pair| match pair {
                    (
                        MultiOp::Create { path, mode, .. },
                        MultiResult::Created { path: made, .. },
                    ) if mode.is_sequential() => Some((path.as_str(), made.as_str())),
                    _ => None,
                })
                .collect()
        }
        _ => Vec::new(),
    };
    for (asked, made) in created {
        let parent = parent_of(made).unwrap();
        let incarnation = tree
            .node(parent)
            .expect("a parent outlives its multi")
            .stat
            .czxid;
        let suffix = &made[asked.len()..];
        assert_eq!(suffix.len(), 10, "{made}");
        let number: i64 = suffix.parse().unwrap();
        let previous = sequences.insert((parent.to_owned(), incarnation), number);
        if let Some(previous) = previous {
            assert!(previous < number, "{made} after {previous}");
        }
    }
}

fn replay(mut tree: DataTree, harness: &Harness, after: Zxid) -> DataTree {
    for (header, txn) in harness.log.iter().filter(|(header, _)| header.zxid > after) {
        let _ = tree.apply(header, txn);
    }
    tree
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Invariants and the digest hold after every step; `prepare` then
    /// `apply` agree (checked inside the harness); sequential names grow.
    #[test]
    fn random_ops_keep_every_invariant(actions in arb_actions(60)) {
        let mut harness = Harness::new();
        let mut sequences = Sequences::new();
        harness.create_session();
        for action in &actions {
            run(&mut harness, action, &mut sequences);
        }
    }

    /// The log is the truth: applying it to fresh trees gives the same tree.
    #[test]
    fn replaying_the_log_is_deterministic(actions in arb_actions(60)) {
        let mut harness = Harness::new();
        harness.create_session();
        for action in &actions {
            run(&mut harness, action, &mut Sequences::new());
        }
        let first = replay(DataTree::new(), &harness, Zxid::ZERO);
        let second = replay(DataTree::new(), &harness, Zxid::ZERO);
        prop_assert_eq!(first.first_difference(&harness.tree), None);
        prop_assert!(first == second);
        prop_assert_eq!(first.digest(), harness.tree.digest());
        prop_assert_eq!(second.digest(), harness.tree.digest());
        prop_assert_eq!(first.last_processed_zxid(), harness.tree.last_processed_zxid());
    }

    /// A fuzzy snapshot taken while writes continue, plus the replay of every
    /// txn after its zxid, is the live tree.
    #[test]
    fn fuzzy_snapshot_plus_replay_is_the_live_tree(
        before in arb_actions(40),
        during in proptest::collection::vec((arb_actions(6), 1usize..3), 0..30),
    ) {
        let mut harness = Harness::new();
        let mut sequences = Sequences::new();
        harness.create_session();
        for action in &before {
            run(&mut harness, action, &mut sequences);
        }
        let mut walk = harness.tree.fuzzy_walk();
        let mut emitted = Vec::new();
        let mut done = false;
        for (actions, chunk) in &during {
            for action in actions {
                run(&mut harness, action, &mut sequences);
            }
            if !done {
                done = walk.next_chunk(&harness.tree, *chunk, &mut emitted);
            }
        }
        while !done {
            done = walk.next_chunk(&harness.tree, 2, &mut emitted);
        }
        for (index, (path, _)) in emitted.iter().enumerate() {
            if let Some(parent) = parent_of(path) {
                prop_assert!(emitted[..index].iter().any(|(earlier, _)| earlier == parent), "orphan {}", path);
            }
        }
        let snapshot = DataTree::from_snapshot(walk.zxid(), walk.sessions().clone(), emitted).unwrap();
        let restored = replay(snapshot, &harness, walk.zxid());
        prop_assert_eq!(restored.first_difference(&harness.tree), None);
        prop_assert!(restored == harness.tree);
        prop_assert_eq!(restored.digest(), harness.tree.digest());
        prop_assert_eq!(restored.recompute_digest(), restored.digest());
        restored.check_invariants().unwrap();
    }
}

#[test]
fn a_quiet_snapshot_is_the_tree() {
    let mut harness = Harness::new();
    let session = harness.create_session();
    for path in ["/a", "/a/b", "/c"] {
        let op = ClientOp::Create {
            path: path.to_owned(),
            data: vec![1],
            mode: CreateMode::Persistent,
        };
        assert!(harness.write(session, &op).is_ok());
    }
    let mut walk = harness.tree.fuzzy_walk();
    let mut emitted = Vec::new();
    assert!(walk.next_chunk(&harness.tree, 100, &mut emitted));
    let paths: Vec<&str> = emitted.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["/", "/a", "/a/b", "/c"]);
    let restored = DataTree::from_snapshot(walk.zxid(), walk.sessions().clone(), emitted).unwrap();
    assert!(restored == harness.tree);
    assert_eq!(
        restored.last_processed_zxid(),
        harness.tree.last_processed_zxid()
    );
}

/// The walk emits /a, then /a is deleted and re-created with a child before
/// that child's path is visited: the snapshot holds the old /a and the new
/// /a/b, and replaying "delete /a" must take the new /a/b with it.
#[test]
fn a_snapshot_across_a_recreated_subtree() {
    let mut harness = Harness::new();
    let session = harness.create_session();
    let create = |path: &str| ClientOp::Create {
        path: path.to_owned(),
        data: vec![],
        mode: CreateMode::Persistent,
    };
    let delete = |path: &str| ClientOp::Delete {
        path: path.to_owned(),
        version: -1,
    };
    let set = |path: &str| ClientOp::SetData {
        path: path.to_owned(),
        data: vec![9],
        version: -1,
    };
    for op in [create("/a"), create("/a/b")] {
        assert!(harness.write(session, &op).is_ok());
    }
    let mut walk = harness.tree.fuzzy_walk();
    let mut emitted = Vec::new();
    assert!(!walk.next_chunk(&harness.tree, 2, &mut emitted));
    for op in [
        set("/a"),
        delete("/a/b"),
        delete("/a"),
        create("/a"),
        create("/a/b"),
        set("/a/b"),
    ] {
        assert!(harness.write(session, &op).is_ok(), "{op:?}");
    }
    assert!(walk.next_chunk(&harness.tree, 10, &mut emitted));
    let snapshot = DataTree::from_snapshot(walk.zxid(), walk.sessions().clone(), emitted).unwrap();
    let restored = replay(snapshot, &harness, walk.zxid());
    assert_eq!(restored.first_difference(&harness.tree), None);
    assert_eq!(restored.digest(), harness.tree.digest());
    restored.check_invariants().unwrap();
}
