//! Hand-written histories: what ZooKeeper allows passes, what it forbids fails.

use zksim_core::ids::SessionId;
use zksim_core::request::{ClientOp, MultiOp, MultiResult};
use zksim_core::tree::{CreateMode, ErrorCode, Stat};

use super::script::*;
use crate::lincheck::Overall;

/// Client 0 creates /k = "v0" in 10..20 and sets "v1" in 20..30.
fn two_versions() -> (Script, Client) {
    let mut s = Script::default();
    let writer = s.client(0, 0x100, 0, 5);
    s.op(writer, 10, 20, create("/k", "v0"), created("/k", 2));
    s.op(writer, 20, 30, set("/k", "v1", -1), set_ok(1, 2));
    let reader = s.client(1, 0x200, 0, 5);
    (s, reader)
}

#[test]
fn a_stale_read_is_legal() {
    let (mut s, reader) = two_versions();
    s.op(reader, 40, 50, get("/k"), data("v0", 0));
    assert_verdict(&s, Overall::Linearizable);
}

#[test]
fn a_read_going_back_in_time_fails() {
    let (mut s, reader) = two_versions();
    s.op(reader, 40, 50, get("/k"), data("v1", 1));
    s.op(reader, 60, 70, get("/k"), data("v0", 0));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_stale_read_after_sync_fails() {
    let (mut s, reader) = two_versions();
    s.op(reader, 35, 38, sync("/k"), synced("/k"));
    s.op(reader, 40, 50, get("/k"), data("v0", 0));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_read_misses_its_own_write_fails() {
    let (mut s, _) = two_versions();
    let writer = Client {
        id: 0,
        session: SessionId(0x100),
    };
    s.op(writer, 40, 50, get("/k"), data("v0", 0));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_lost_update_fails() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    s.op(a, 10, 20, create("/k", "v0"), created("/k", 2));
    s.op(a, 30, 40, set("/k", "a", 0), set_ok(1, 1));
    s.op(b, 30, 40, set("/k", "b", 0), set_ok(1, 1));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_compare_and_set_race_with_one_bad_version_passes() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    s.op(a, 10, 20, create("/k", "v0"), created("/k", 2));
    s.op(a, 30, 40, set("/k", "a", 0), set_ok(1, 1));
    s.op(b, 30, 40, set("/k", "b", 0), fail(ErrorCode::BadVersion));
    s.op(b, 50, 60, sync("/k"), synced("/k"));
    s.op(b, 60, 70, get("/k"), data("a", 1));
    assert_verdict(&s, Overall::Linearizable);
}

fn sequential_creates(first: &str, second: &str) -> Script {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    s.op(a, 10, 20, create("/seq", ""), created("/seq", 0));
    let seq = create_mode("/seq/n-", "x", CreateMode::PersistentSequential);
    s.op(a, 30, 40, seq.clone(), created(first, 1));
    s.op(b, 50, 60, seq, created(second, 1));
    s
}

#[test]
fn sequential_names_in_order_pass() {
    let s = sequential_creates("/seq/n-0000000000", "/seq/n-0000000001");
    assert_verdict(&s, Overall::Linearizable);
}

#[test]
fn sequential_names_out_of_order_fail() {
    let s = sequential_creates("/seq/n-0000000001", "/seq/n-0000000000");
    assert_verdict(&s, Overall::NotLinearizable);
}

/// Session 0x100 creates ephemeral /e; its expiry is learned at 50.
fn expiring_ephemeral() -> (Script, Client) {
    let mut s = Script::default();
    let owner = s.client(0, 0x100, 0, 5);
    let other = s.client(1, 0x200, 0, 5);
    let ephemeral = create_mode("/e", "x", CreateMode::Ephemeral);
    s.op(owner, 10, 20, ephemeral, created_by("/e", 1, owner.session));
    s.expired(owner, 50);
    (s, other)
}

#[test]
fn an_ephemeral_outliving_its_expiry_fails() {
    let (mut s, other) = expiring_ephemeral();
    s.op(
        other,
        60,
        70,
        create("/e", "y"),
        fail(ErrorCode::NodeExists),
    );
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn an_ephemeral_before_its_expiry_is_learned_passes() {
    let (mut s, other) = expiring_ephemeral();
    s.op(
        other,
        30,
        40,
        create("/e", "y"),
        fail(ErrorCode::NodeExists),
    );
    s.op(other, 60, 70, create("/e", "y"), created("/e", 1));
    assert_verdict(&s, Overall::Linearizable);
}

#[test]
fn an_ephemeral_gone_after_close_is_not_seen_after_a_sync() {
    let mut s = Script::default();
    let owner = s.client(0, 0x100, 0, 5);
    let other = s.client(1, 0x200, 0, 5);
    let ephemeral = create_mode("/e", "x", CreateMode::Ephemeral);
    s.op(owner, 10, 20, ephemeral, created_by("/e", 1, owner.session));
    s.close(owner, 20, 30);
    let stale = Stat {
        ephemeral_owner: owner.session,
        ..stat(0, 1)
    };
    s.op(other, 40, 50, exists("/e"), exists_ok(Some(stale)));
    assert_verdict(&s, Overall::Linearizable);
    s.op(other, 60, 70, sync("/"), synced("/"));
    s.op(other, 80, 90, exists("/e"), exists_ok(Some(stale)));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_session_that_failed_with_session_expired_stays_ended() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/k", ""), created("/k", 0));
    s.expired(a, 40);
    s.op(
        a,
        40,
        50,
        set("/k", "x", -1),
        fail(ErrorCode::SessionExpired),
    );
    assert_verdict(&s, Overall::Linearizable);
    // SessionExpired says the session ended: it cannot write afterwards.
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/k", ""), created("/k", 0));
    s.op(
        a,
        40,
        50,
        set("/k", "x", -1),
        fail(ErrorCode::SessionExpired),
    );
    assert_verdict(&s, Overall::Linearizable);
    s.op(a, 60, 70, set("/k", "y", -1), set_ok(1, 1));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn an_ephemeral_outliving_a_session_expired_reply_fails() {
    let mut s = Script::default();
    let owner = s.client(0, 0x100, 0, 5);
    let other = s.client(1, 0x200, 0, 5);
    let ephemeral = create_mode("/e", "x", CreateMode::Ephemeral);
    s.op(owner, 10, 20, ephemeral, created_by("/e", 1, owner.session));
    s.op(owner, 30, 40, get("/e"), fail(ErrorCode::SessionExpired));
    s.op(other, 50, 60, sync("/"), synced("/"));
    s.op(other, 60, 70, exists("/e"), exists_ok(None));
    assert_verdict(&s, Overall::Linearizable);
    let stale = Stat {
        ephemeral_owner: owner.session,
        ..stat(0, 1)
    };
    s.op(other, 80, 90, exists("/e"), exists_ok(Some(stale)));
    assert_verdict(&s, Overall::NotLinearizable);
}

/// Client 0 sets /k to "v1" and loses the reply; client 1 reads later.
fn lost_write(seen: Outcome) -> Script {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    s.op(a, 10, 20, create("/k", "v0"), created("/k", 2));
    s.lost(a, 30, set("/k", "v1", -1));
    s.op(b, 100, 110, sync("/k"), synced("/k"));
    s.op(b, 120, 130, get("/k"), seen);
    s
}

use crate::history::Outcome;

#[test]
fn an_unknown_write_may_or_may_not_have_happened() {
    assert_verdict(&lost_write(data("v1", 1)), Overall::Linearizable);
    assert_verdict(&lost_write(data("v0", 0)), Overall::Linearizable);
    assert_verdict(&lost_write(data("v2", 1)), Overall::NotLinearizable);
}

#[test]
fn an_unknown_write_is_not_ordered_before_later_writes_of_its_session() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    s.op(a, 10, 20, create("/k", "v0"), created("/k", 2));
    s.lost(a, 30, set("/k", "v1", -1));
    s.op(a, 40, 50, set("/k", "v2", -1), set_ok(1, 2));
    s.op(b, 100, 110, sync("/k"), synced("/k"));
    // The lost write was applied after the later one.
    s.op(b, 120, 130, get("/k"), data("v1", 2));
    assert_verdict(&s, Overall::Linearizable);
}

fn two_nodes_and_a_multi() -> (Script, Client) {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    let b = s.client(1, 0x200, 0, 5);
    s.op(a, 10, 20, create("/a", "a0"), created("/a", 2));
    s.op(a, 20, 30, create("/b", "b0"), created("/b", 2));
    let multi = ClientOp::Multi(vec![multi_set("/a", "a1", 0), multi_set("/b", "b1", 0)]);
    let results = vec![
        MultiResult::SetData { stat: stat(1, 2) },
        MultiResult::SetData { stat: stat(1, 2) },
    ];
    s.op(a, 40, 50, multi, multi_ok(results));
    (s, b)
}

#[test]
fn a_multi_partially_visible_fails() {
    let (mut s, b) = two_nodes_and_a_multi();
    s.op(b, 60, 70, get("/a"), data("a1", 1));
    s.op(b, 80, 90, get("/b"), data("b0", 0));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_multi_seen_late_but_whole_passes() {
    let (mut s, b) = two_nodes_and_a_multi();
    s.op(b, 60, 70, get("/b"), data("b0", 0));
    s.op(b, 80, 90, get("/a"), data("a1", 1));
    s.op(b, 100, 110, get("/b"), data("b1", 1));
    assert_verdict(&s, Overall::Linearizable);
}

#[test]
fn a_failed_multi_reports_ok_then_the_error_then_runtime_inconsistency() {
    let results =
        |codes: [ErrorCode; 3]| multi_ok(codes.into_iter().map(MultiResult::Error).collect());
    let history = |outcome: Outcome| {
        let mut s = Script::default();
        let a = s.client(0, 0x100, 0, 5);
        s.op(a, 10, 20, create("/a", ""), created("/a", 0));
        let multi = ClientOp::Multi(vec![
            multi_set("/a", "x", -1),
            MultiOp::Check {
                path: "/a".to_owned(),
                version: 0,
            },
            multi_set("/a", "y", -1),
        ]);
        s.op(a, 30, 40, multi, outcome);
        s.op(a, 50, 60, get("/a"), data("", 0));
        s
    };
    use ErrorCode::{BadVersion, RuntimeInconsistency as Ri};
    let right = history(results([ErrorCode::Ok, BadVersion, Ri]));
    assert_verdict(&right, Overall::Linearizable);
    let wrong = history(results([BadVersion, Ri, Ri]));
    assert_verdict(&wrong, Overall::NotLinearizable);
}

#[test]
fn children_cversion_and_the_errors_of_the_tree() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/p", ""), created("/p", 0));
    let ephemeral = create_mode("/p/e", "", CreateMode::Ephemeral);
    s.op(a, 20, 30, ephemeral, created_by("/p/e", 0, a.session));
    s.op(
        a,
        30,
        40,
        create("/p/e/x", ""),
        fail(ErrorCode::NoChildrenForEphemerals),
    );
    s.op(a, 40, 50, create("/q/x", ""), fail(ErrorCode::NoNode));
    s.op(a, 50, 60, delete("/p", -1), fail(ErrorCode::NotEmpty));
    s.op(a, 60, 70, children("/p"), children_ok(&["e"], 1));
    s.op(a, 70, 80, delete("/p/e", 3), fail(ErrorCode::BadVersion));
    s.op(a, 80, 90, delete("/p/e", 0), DELETED);
    s.op(a, 90, 100, children("/p"), children_ok(&[], 2));
    s.op(a, 100, 110, create("/p", ""), fail(ErrorCode::NodeExists));
    s.op(
        a,
        110,
        120,
        create("/p/", ""),
        fail(ErrorCode::BadArguments),
    );
    assert_verdict(&s, Overall::Linearizable);
    s.op(a, 120, 130, children("/p"), children_ok(&[], 1));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_wrong_stat_fails_but_zxids_and_times_are_never_judged() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/k", "abc"), created("/k", 3));
    let odd_zxids = Stat {
        czxid: zksim_core::ids::Zxid(77),
        mzxid: zksim_core::ids::Zxid(5),
        mtime_ms: 123,
        ..stat(0, 3)
    };
    s.op(a, 30, 40, exists("/k"), exists_ok(Some(odd_zxids)));
    assert_verdict(&s, Overall::Linearizable);
    s.op(a, 50, 60, exists("/k"), exists_ok(Some(stat(0, 4))));
    assert_verdict(&s, Overall::NotLinearizable);
}

#[test]
fn a_close_after_expiry_fails_with_session_expired() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.expired(a, 20);
    let push = |s: &mut Script, outcome| {
        s.push(
            a.id,
            a.session,
            30,
            Some(40),
            crate::history::HistoryRequest::CloseSession,
            outcome,
        )
    };
    let mut ok = Script {
        history: s.history.clone(),
    };
    push(&mut s, fail(ErrorCode::SessionExpired));
    assert_verdict(&s, Overall::Linearizable);
    push(
        &mut ok,
        Outcome::Ok(zksim_core::request::OpResult::SessionClosed),
    );
    assert_verdict(&ok, Overall::NotLinearizable);
}
