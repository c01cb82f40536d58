//! Partitions: independent keys split; multi, getChildren and sequential
//! creates merge; session ops follow their session.

use zksim_core::request::{ClientOp, MultiResult};
use zksim_core::tree::CreateMode;

use super::script::*;
use crate::lincheck::Model;
use crate::zkmodel::{translate, ZkRequest};

/// The partitions' names, each with its ops described, sorted by name.
fn partitions(script: &Script) -> Vec<(String, Vec<String>)> {
    let translation = translate(&script.history);
    let model = &translation.model;
    let mut named: Vec<(String, Vec<String>)> = model
        .partition(&translation.ops)
        .iter()
        .map(|members| {
            let ops = members
                .iter()
                .map(|&op| model.describe_input(&translation.ops[op].input))
                .collect();
            (model.partition_name(&translation.ops, members), ops)
        })
        .collect();
    named.sort();
    named
}

fn names(script: &Script) -> Vec<String> {
    partitions(script)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn independent_keys_split_and_sessions_are_copied() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    s.op(a, 10, 20, create("/a", "x"), created("/a", 1));
    s.op(b, 10, 20, create("/b", "x"), created("/b", 1));
    s.op(a, 30, 40, get("/b"), data("x", 0));
    s.close(a, 50, 60);
    s.close(b, 50, 60);
    let parts = partitions(&s);
    assert_eq!(names(&s), vec!["/a", "/b"]);
    // Session 0x100 has ops in both: its close is in both.
    let close_a = "closeSession 0x100".to_owned();
    let close_b = "closeSession 0x200".to_owned();
    assert!(parts[0].1.contains(&close_a));
    assert!(parts[1].1.contains(&close_a));
    assert!(!parts[0].1.contains(&close_b));
    assert!(parts[1].1.contains(&close_b));
    // createSession changes nothing in the model: not an operation.
    assert!(parts
        .iter()
        .all(|(_, ops)| ops.iter().all(|op| !op.starts_with("createSession"))));
    assert_eq!(s.verdict(), crate::lincheck::Overall::Linearizable);
}

#[test]
fn a_multi_merges_its_keys() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/a", ""), created("/a", 0));
    s.op(a, 10, 20, create("/b", ""), created("/b", 0));
    s.op(a, 10, 20, create("/c", ""), created("/c", 0));
    let multi = ClientOp::Multi(vec![multi_set("/a", "", -1), multi_set("/b", "", -1)]);
    let results = vec![
        MultiResult::SetData { stat: stat(1, 0) },
        MultiResult::SetData { stat: stat(1, 0) },
    ];
    s.op(a, 30, 40, multi, multi_ok(results));
    assert_eq!(names(&s), vec!["/a + /b", "/c"]);
}

#[test]
fn get_children_merges_the_children() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/p", ""), created("/p", 0));
    s.op(a, 20, 30, create("/p/x", ""), created("/p/x", 0));
    s.op(a, 30, 40, set("/p/x", "v", -1), set_ok(1, 1));
    s.op(a, 40, 50, create("/q", ""), created("/q", 0));
    s.op(a, 50, 60, children("/p"), children_ok(&["x"], 1));
    assert_eq!(names(&s), vec!["/p + /p/x + children of /p", "/q"]);
}

#[test]
fn ephemerals_of_different_sessions_under_an_unobserved_parent_split() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    let ephemeral = |path: &str| create_mode(path, "", CreateMode::Ephemeral);
    s.op(a, 10, 20, ephemeral("/e1"), created_by("/e1", 0, a.session));
    s.op(b, 10, 20, ephemeral("/e2"), created_by("/e2", 0, b.session));
    s.close(a, 30, 40);
    s.close(b, 30, 40);
    let parts = partitions(&s);
    assert_eq!(names(&s), vec!["/e1", "/e2"]);
    assert!(parts[0].1.contains(&"closeSession 0x100".to_owned()));
    assert!(!parts[0].1.contains(&"closeSession 0x200".to_owned()));
}

#[test]
fn every_op_on_a_child_of_a_sequential_parent_joins_its_children() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/seq", ""), created("/seq", 0));
    let seq = create_mode("/seq/n-", "", CreateMode::PersistentSequential);
    s.lost(a, 30, seq);
    s.op(a, 40, 50, get("/seq/n-0000000000"), data("", 0));
    s.op(
        a,
        40,
        50,
        get("/other"),
        fail(zksim_core::tree::ErrorCode::NoNode),
    );
    assert_eq!(
        names(&s),
        vec![
            "/other",
            "/seq + /seq/n- + /seq/n-0000000000 + children of /seq"
        ]
    );
    // The lost create happened: the read saw its node.
    assert_eq!(s.verdict(), crate::lincheck::Overall::Linearizable);
}

#[test]
fn a_session_with_only_session_ops_gets_its_own_partition() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.close(a, 10, 20);
    assert_eq!(names(&s), vec!["session 0x100"]);
    let translation = translate(&s.history);
    assert!(translation
        .ops
        .iter()
        .all(|op| !matches!(op.input.request, ZkRequest::Write { .. })));
}
