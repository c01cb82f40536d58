//! Sessions, watches and syncs on an ensemble of one (the lone driver).

use super::lone_tests::{config, create, Driver};
use crate::ids::{ConnId, SessionId, Zxid};
use crate::request::{ClientOp, OpResult};
use crate::server::{Input, Request};
use crate::tree::{CreateMode, ErrorCode};
use crate::watch::WatchKind;

fn ephemeral(path: &str) -> ClientOp {
    ClientOp::Create {
        path: path.to_string(),
        data: Vec::new(),
        mode: CreateMode::Ephemeral,
    }
}

fn set(path: &str, data: &[u8]) -> ClientOp {
    ClientOp::SetData {
        path: path.to_string(),
        data: data.to_vec(),
        version: -1,
    }
}

fn ticks(driver: &mut Driver, count: u32) {
    for _ in 0..count {
        driver.step(Input::Tick);
        driver.settle();
    }
}

fn resume(driver: &mut Driver, conn: u64, session: SessionId, seen: Zxid) {
    let connect = Request::Connect {
        session: Some(session),
        timeout_ms: 1_000,
        last_zxid_seen: seen,
    };
    driver.request(conn, connect);
    driver.settle();
}

#[test]
fn a_disconnected_session_expires_and_takes_its_ephemerals() {
    let mut driver = Driver::serving(config());
    let session = driver.connect(1);
    driver.op(1, 1, ephemeral("/e"));
    driver.settle();
    assert!(driver.server.tree().node("/e").is_some());
    // 10 s asked, 20 ticks of 100 ms granted at most.
    driver.step(Input::Disconnected { conn: ConnId(1) });
    ticks(&mut driver, 19);
    assert!(driver.server.tree().sessions().contains_key(&session));
    ticks(&mut driver, 3);
    assert!(!driver.server.tree().sessions().contains_key(&session));
    assert!(
        driver.server.tree().node("/e").is_none(),
        "ephemeral deleted"
    );
    resume(&mut driver, 2, session, Zxid::ZERO);
    let reply = driver.replies_to(2).pop().expect("answered").clone();
    assert_eq!(reply.outcome, Err(ErrorCode::SessionExpired));
}

#[test]
fn a_session_with_a_connection_never_expires() {
    let mut driver = Driver::serving(config());
    let kept = driver.connect(1);
    let lost = driver.connect(2);
    ticks(&mut driver, 60);
    assert!(driver.server.tree().sessions().contains_key(&kept));
    assert!(driver.server.tree().sessions().contains_key(&lost));
    // A session whose only connection moved elsewhere (here: vanished).
    driver.step(Input::Disconnected { conn: ConnId(2) });
    resume(&mut driver, 3, lost, Zxid::ZERO);
    ticks(&mut driver, 60);
    assert!(
        driver.server.tree().sessions().contains_key(&lost),
        "conn 3 keeps it"
    );
    assert!(driver.closed.is_empty());
}

#[test]
fn a_session_that_saw_newer_state_is_refused() {
    let mut driver = Driver::serving(config());
    let session = driver.connect(1);
    driver.step(Input::Disconnected { conn: ConnId(1) });
    let ahead = Zxid(driver.server.tree().last_processed_zxid().0 + 5);
    resume(&mut driver, 2, session, ahead);
    let reply = driver.replies_to(2).pop().expect("answered").clone();
    assert_eq!(reply.outcome, Err(ErrorCode::ConnectionLoss));
    assert_eq!(driver.closed, [ConnId(2)]);
    let current = driver.server.tree().last_processed_zxid();
    resume(&mut driver, 3, session, current);
    let reply = driver.replies_to(3).pop().expect("answered").clone();
    assert!(matches!(reply.outcome, Ok(OpResult::SessionCreated { .. })));
}

#[test]
fn a_watch_fires_once_before_the_reply_that_shows_the_change() {
    let mut driver = Driver::serving(config());
    driver.connect(1);
    driver.connect(2);
    driver.op(1, 1, create("/a", b"0"));
    driver.settle();
    let watch = ClientOp::GetData {
        path: "/a".into(),
        watch: true,
    };
    driver.op(2, 1, watch);
    driver.op(2, 2, set("/a", b"1"));
    driver.settle();
    assert_eq!(driver.watches.len(), 1);
    let (conn, event, replies_before) = driver.watches[0].clone();
    assert_eq!((conn, event.kind), (ConnId(2), WatchKind::NodeDataChanged));
    let set_reply = driver
        .replies
        .iter()
        .position(|(to, reply)| *to == ConnId(2) && reply.cxid == 2)
        .expect("the setData answered");
    assert!(replies_before <= set_reply, "the event precedes the reply");
    driver.op(1, 2, set("/a", b"2"));
    driver.settle();
    assert_eq!(driver.watches.len(), 1, "one-shot");
}

#[test]
fn set_watches_fires_for_changes_since_the_clients_view() {
    let mut driver = Driver::serving(config());
    let session = driver.connect(1);
    driver.op(1, 1, create("/a", b"0"));
    driver.op(1, 2, create("/b", b"0"));
    driver.settle();
    let seen = driver.server.tree().last_processed_zxid();
    driver.op(1, 3, set("/a", b"1"));
    driver.settle();
    driver.step(Input::Disconnected { conn: ConnId(1) });
    resume(&mut driver, 2, session, seen);
    let set_watches = Request::SetWatches {
        cxid: 4,
        relative_zxid: seen,
        data: vec!["/a".into(), "/b".into()],
        exist: vec!["/c".into()],
        child: vec![],
    };
    driver.request(2, set_watches);
    let fired: Vec<_> = driver
        .watches
        .iter()
        .map(|(_, e, _)| e.path.clone())
        .collect();
    assert_eq!(fired, ["/a"], "only /a changed after the client's view");
    driver.request(
        2,
        Request::Op {
            cxid: 5,
            op: create("/c", b""),
        },
    );
    driver.settle();
    let kinds: Vec<_> = driver.watches.iter().map(|(_, e, _)| e.kind).collect();
    assert_eq!(kinds, [WatchKind::NodeDataChanged, WatchKind::NodeCreated]);
}

#[test]
fn sync_is_answered_after_earlier_writes_in_connection_order() {
    let mut driver = Driver::serving(config());
    driver.connect(1);
    driver.op(1, 1, create("/a", b"0"));
    driver.op(1, 2, ClientOp::Sync { path: "/a".into() });
    driver.settle();
    let cxids: Vec<_> = driver.replies_to(1).iter().map(|r| r.cxid).collect();
    assert_eq!(cxids, [0, 1, 2]);
    let synced = driver.replies_to(1)[2].clone();
    assert_eq!(synced.outcome, Ok(OpResult::Synced { path: "/a".into() }));
    assert!(synced.zxid >= driver.replies_to(1)[1].zxid);
}
