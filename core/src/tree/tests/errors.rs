//! One scenario per error code, plus the shape of successful results.

use super::Harness;
use crate::codec::MAX_DATA_BYTES;
use crate::ids::SessionId;
use crate::request::{ClientOp, MultiOp, MultiResult, OpResult};
use crate::tree::{CreateMode, ErrorCode};

fn create(path: &str, mode: CreateMode) -> ClientOp {
    ClientOp::Create {
        path: path.to_owned(),
        data: b"d".to_vec(),
        mode,
    }
}

fn delete(path: &str, version: i32) -> ClientOp {
    ClientOp::Delete {
        path: path.to_owned(),
        version,
    }
}

fn set(path: &str, version: i32) -> ClientOp {
    ClientOp::SetData {
        path: path.to_owned(),
        data: b"new".to_vec(),
        version,
    }
}

/// A harness with one session and persistent /a, /a/b and ephemeral /e.
fn setup() -> (Harness, SessionId) {
    let mut harness = Harness::new();
    let session = harness.create_session();
    for op in [
        create("/a", CreateMode::Persistent),
        create("/a/b", CreateMode::Persistent),
        create("/e", CreateMode::Ephemeral),
    ] {
        assert!(harness.write(session, &op).is_ok());
    }
    harness.tree.check_invariants().unwrap();
    (harness, session)
}

fn check(op: ClientOp, expected: ErrorCode) {
    let (mut harness, session) = setup();
    let before = harness.tree.clone();
    assert_eq!(harness.write(session, &op), Err(expected), "{op:?}");
    assert!(harness.tree == before, "a failed write changed the tree");
    assert_eq!(harness.tree.digest(), before.digest());
}

#[test]
fn create_errors() {
    check(create("/x/y", CreateMode::Persistent), ErrorCode::NoNode);
    check(create("/a", CreateMode::Persistent), ErrorCode::NodeExists);
    check(
        create("/e/x", CreateMode::Persistent),
        ErrorCode::NoChildrenForEphemerals,
    );
    check(create("/", CreateMode::Persistent), ErrorCode::BadArguments);
    check(create("a", CreateMode::Persistent), ErrorCode::BadArguments);
    check(
        create("/a/", CreateMode::Persistent),
        ErrorCode::BadArguments,
    );
    check(
        create("/a/.", CreateMode::Persistent),
        ErrorCode::BadArguments,
    );
    check(
        create("/a//b", CreateMode::PersistentSequential),
        ErrorCode::BadArguments,
    );
    let huge = ClientOp::Create {
        path: "/big".to_owned(),
        data: vec![0; MAX_DATA_BYTES + 1],
        mode: CreateMode::Persistent,
    };
    check(huge, ErrorCode::BadArguments);
}

#[test]
fn delete_and_set_data_errors() {
    check(delete("/x", -1), ErrorCode::NoNode);
    check(delete("/a/b", 3), ErrorCode::BadVersion);
    check(delete("/a", -1), ErrorCode::NotEmpty);
    check(delete("/", -1), ErrorCode::BadArguments);
    check(delete("/a/", -1), ErrorCode::BadArguments);
    check(set("/x", -1), ErrorCode::NoNode);
    check(set("/a", 1), ErrorCode::BadVersion);
    check(set("a", 1), ErrorCode::BadArguments);
}

#[test]
fn unknown_sessions_are_expired() {
    let (mut harness, _) = setup();
    let stranger = SessionId(0xdead);
    assert_eq!(
        harness.write(stranger, &create("/z", CreateMode::Persistent)),
        Err(ErrorCode::SessionExpired)
    );
    assert_eq!(
        harness.write(SessionId::NONE, &set("/a", -1)),
        Err(ErrorCode::SessionExpired)
    );
    assert_eq!(
        harness.close_session(stranger),
        Err(ErrorCode::SessionExpired)
    );
}

#[test]
fn failed_multi_reports_ok_then_error_then_runtime_inconsistency() {
    let (mut harness, session) = setup();
    let before = harness.tree.clone();
    let ops = vec![
        MultiOp::Create {
            path: "/m".to_owned(),
            data: vec![],
            mode: CreateMode::Persistent,
        },
        MultiOp::Check {
            path: "/a".to_owned(),
            version: 7,
        },
        MultiOp::Delete {
            path: "/a/b".to_owned(),
            version: -1,
        },
    ];
    let expected = [
        ErrorCode::Ok,
        ErrorCode::BadVersion,
        ErrorCode::RuntimeInconsistency,
    ]
    .map(MultiResult::Error);
    assert_eq!(
        harness.write(session, &ClientOp::Multi(ops)),
        Ok(OpResult::Multi(expected.to_vec()))
    );
    assert!(harness.tree == before);
}

#[test]
fn multi_ops_see_earlier_ops() {
    let (mut harness, session) = setup();
    let ops = vec![
        MultiOp::Create {
            path: "/m".to_owned(),
            data: vec![],
            mode: CreateMode::Persistent,
        },
        MultiOp::Create {
            path: "/m/n".to_owned(),
            data: vec![],
            mode: CreateMode::Persistent,
        },
        MultiOp::Create {
            path: "/m/q-".to_owned(),
            data: vec![],
            mode: CreateMode::PersistentSequential,
        },
        MultiOp::Create {
            path: "/m/q-".to_owned(),
            data: vec![],
            mode: CreateMode::PersistentSequential,
        },
        MultiOp::Delete {
            path: "/a/b".to_owned(),
            version: 0,
        },
        MultiOp::Delete {
            path: "/a".to_owned(),
            version: 0,
        },
        MultiOp::Check {
            path: "/m/n".to_owned(),
            version: 0,
        },
    ];
    let Ok(OpResult::Multi(results)) = harness.write(session, &ClientOp::Multi(ops)) else {
        panic!()
    };
    let created: Vec<&str> = results
        .iter()
        .filter_map(|result| match result {
            MultiResult::Created { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        created,
        ["/m", "/m/n", "/m/q-0000000001", "/m/q-0000000002"]
    );
    assert_eq!(results[6], MultiResult::Checked);
    assert!(harness.tree.node("/a").is_none());
    assert_eq!(
        harness.tree.children("/m").unwrap(),
        ["n", "q-0000000001", "q-0000000002"]
    );
}

#[test]
fn sequential_suffix_comes_from_parent_cversion() {
    let (mut harness, session) = setup();
    // /a has had one child change (create /a/b): cversion 1.
    let outcome = harness.write(session, &create("/a/", CreateMode::EphemeralSequential));
    let Ok(OpResult::Created { path, stat }) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(path, "/a/0000000001");
    assert_eq!(stat.ephemeral_owner, session);
    assert_eq!(harness.tree.node("/a").unwrap().stat.cversion, 2);
}

#[test]
fn stats_follow_zookeeper() {
    let (mut harness, session) = setup();
    let a = harness.tree.node("/a").unwrap().stat;
    let b = harness.tree.node("/a/b").unwrap().stat;
    assert_eq!((a.num_children, a.cversion, a.pzxid), (1, 1, b.czxid));
    assert_eq!(
        (b.czxid, b.mzxid, b.pzxid, b.version),
        (b.mzxid, b.pzxid, b.czxid, 0)
    );
    let Ok(OpResult::SetData { stat }) = harness.write(session, &set("/a/b", 0)) else {
        panic!()
    };
    assert_eq!(
        (stat.version, stat.data_length, stat.czxid),
        (1, 3, b.czxid)
    );
    assert!(stat.mzxid > b.mzxid && stat.mtime_ms > b.mtime_ms);
    assert_eq!(
        harness.write(session, &delete("/a/b", 1)),
        Ok(OpResult::Deleted)
    );
    let a_after = harness.tree.node("/a").unwrap().stat;
    assert_eq!((a_after.num_children, a_after.cversion), (0, 2));
    assert_eq!(a_after.pzxid, harness.tree.last_processed_zxid());
}

#[test]
fn close_session_removes_its_ephemerals() {
    let (mut harness, session) = setup();
    assert!(harness
        .write(session, &create("/a/e1", CreateMode::Ephemeral))
        .is_ok());
    assert!(harness
        .write(session, &create("/a/e2", CreateMode::Ephemeral))
        .is_ok());
    assert_eq!(
        harness.tree.ephemerals_of(session),
        ["/a/e1", "/a/e2", "/e"]
    );
    let txn = harness.tree.prepare_close_session(session);
    let crate::txn::Txn::CloseSession { ephemerals } = &txn else {
        panic!("{txn:?}")
    };
    let cversions: Vec<i32> = ephemerals
        .iter()
        .map(|deletion| deletion.parent_cversion)
        .collect();
    // /a had /a/b and gets /a/e1, /a/e2 (cversion 3); / had /a and /e (cversion 2).
    assert_eq!(cversions, [4, 5, 3]);
    assert_eq!(harness.close_session(session), Ok(OpResult::SessionClosed));
    assert!(harness.tree.ephemerals_of(session).is_empty());
    assert!(harness.tree.node("/e").is_none());
    assert_eq!(harness.tree.children("/a").unwrap(), ["b"]);
    assert!(harness.tree.sessions().is_empty());
    harness.tree.check_invariants().unwrap();
}

#[test]
fn reads() {
    let (harness, _) = setup();
    let tree = &harness.tree;
    let read = |op: ClientOp| tree.read(&op);
    assert_eq!(
        read(ClientOp::Exists {
            path: "/nope".to_owned(),
            watch: false,
        }),
        Ok(OpResult::Exists { stat: None })
    );
    assert_eq!(
        read(ClientOp::GetData {
            path: "/nope".to_owned(),
            watch: false,
        }),
        Err(ErrorCode::NoNode)
    );
    assert_eq!(
        read(ClientOp::GetChildren {
            path: "/a/".to_owned(),
            watch: false,
        }),
        Err(ErrorCode::BadArguments)
    );
    assert_eq!(
        read(ClientOp::Sync {
            path: "/a".to_owned()
        }),
        Ok(OpResult::Synced {
            path: "/a".to_owned()
        })
    );
    let Ok(OpResult::GetChildren { children, stat }) = read(ClientOp::GetChildren {
        path: "/".to_owned(),
        watch: false,
    }) else {
        panic!()
    };
    assert_eq!(children, ["a", "e"]);
    assert_eq!(stat.num_children, 2);
    let Ok(OpResult::GetData { data, .. }) = read(ClientOp::GetData {
        path: "/a".to_owned(),
        watch: false,
    }) else {
        panic!()
    };
    assert_eq!(data, b"d");
}

#[test]
fn replay_tolerates_a_node_already_there() {
    let (harness, _) = setup();
    let mut replayed = harness.tree.clone();
    for (header, txn) in &harness.log {
        let _ = replayed.apply(header, txn);
    }
    assert_eq!(replayed.first_difference(&harness.tree), None);
    assert_eq!(replayed.digest(), harness.tree.digest());
    replayed.check_invariants().unwrap();
}

#[test]
fn first_difference_names_node_and_field() {
    let (harness, session) = setup();
    let mut other = harness;
    let before = other.tree.clone();
    assert!(other.write(session, &set("/a/b", -1)).is_ok());
    let difference = before.first_difference(&other.tree).unwrap();
    assert!(difference.starts_with("/a/b: mzxid"), "{difference}");
    assert_eq!(before.first_difference(&before.clone()), None);
}
