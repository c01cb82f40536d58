//! History files: every history survives the round trip; bad lines are
//! refused with the line and the field named.

use zksim_core::ids::{SessionId, Zxid};
use zksim_core::watch::{WatchEvent, WatchKind};

use super::random::Run;
use super::script::*;
use crate::history::{History, WatchDelivery};
use crate::zkmodel::{history_from_json, history_to_json};

fn round_trip(history: &History) {
    let text = history_to_json(history);
    assert_eq!(
        text.lines().count(),
        history.ops.len() + history.watches.len()
    );
    let back = history_from_json(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    assert_eq!(&back, history);
}

#[test]
fn random_histories_round_trip() {
    for seed in 0..50 {
        round_trip(&Run::generate(seed));
    }
}

#[test]
fn odd_data_and_watches_round_trip() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, create("/k", "hex:not really"), created("/k", 14));
    let mut binary = set("/k", "", -1);
    if let zksim_core::request::ClientOp::SetData { data, .. } = &mut binary {
        *data = vec![0xff, 0x00, 0x41];
    }
    s.op(a, 30, 40, binary, set_ok(1, 3));
    s.lost(a, 50, get("/k"));
    s.history.watches.push(WatchDelivery {
        client: 0,
        session: SessionId(0x100),
        time_us: 35,
        event: WatchEvent {
            kind: WatchKind::NodeDataChanged,
            path: "/k".to_owned(),
            zxid: Zxid(0x1_0000_0002),
        },
    });
    let text = history_to_json(&s.history);
    assert!(text.contains(r#""data":"hex:686578"#), "{text}");
    assert!(text.contains(r#""data":"hex:ff0041""#), "{text}");
    round_trip(&s.history);
}

fn error_of(text: &str) -> String {
    history_from_json(text).expect_err("refused")
}

#[test]
fn errors_name_the_line_and_the_field() {
    let mut s = Script::default();
    let a = s.client(0, 0x100, 0, 5);
    s.op(a, 10, 20, set("/k", "v", 3), set_ok(4, 1));
    let good = history_to_json(&s.history);
    let second = good.lines().nth(1).expect("two lines").to_owned();
    let with = |broken: String| format!("{}\n{broken}\n", good.lines().next().expect("a line"));

    let e = error_of(&with(second.replace(r#""version":3"#, r#""version":"3""#)));
    assert_eq!(e, "line 2: request.version: expected an integer (i32)");
    let e = error_of(&with(second.replace(r#""ret_us":20"#, r#""ret_us":5"#)));
    assert_eq!(e, "line 2: ret_us: returns at 5, before its call at 10");
    let e = error_of(&with(
        second.replace(r#""status":"ok""#, r#""status":"maybe""#),
    ));
    assert_eq!(e, r#"line 2: outcome.status: unknown status "maybe""#);
    let e = error_of(&with(
        second.replace(r#""kind":"setData","path""#, r#""kind":"setDat","path""#),
    ));
    assert_eq!(e, r#"line 2: request.kind: unknown request "setDat""#);
    let e = error_of(&with(
        second.replace(r#""session":"0x100""#, r#""session":"0xzz""#),
    ));
    assert_eq!(e, r#"line 2: session: bad hex id "0xzz""#);
    let e = error_of(&with(second.replace(r#""index":1"#, r#""index":7"#)));
    assert_eq!(e, "line 2: index: op 1 is numbered 7");
    let e = error_of(&with(second.replace(r#""mzxid""#, r#""mzxidd""#)));
    assert_eq!(e, "line 2: outcome.result.stat.mzxid: missing");
    let e = error_of(&with("{\"type\":\"op\"".to_owned()));
    assert!(e.starts_with("line 2: not JSON: "), "{e}");
    let e = error_of(&with("[1]".to_owned()));
    assert_eq!(e, "line 2: the line: expected an object");
}

#[test]
fn the_documented_example_parses() {
    let example = include_str!("../../../../docs/ZK-HISTORY.md")
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/ZK-HISTORY.md has a json example");
    let history = history_from_json(example).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(history.ops.len(), 4);
    assert_eq!(history.watches.len(), 1);
    round_trip(&history);
}
