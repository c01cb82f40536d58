//! `zksim exec`: scripted client operations against a fault-free ensemble,
//! through the library entry points (`zksim::exec`).
//!
//! The tour in `docs/examples/exec-tour.json` exercises every op kind with
//! two sessions; its recorded output `docs/examples/exec-tour.out.jsonl` is
//! checked here, so the documented example stays true.

use serde_json::Value;
use std::path::{Path, PathBuf};
use zksim::exec::{exec_str, parse, run, ExecArgs, ExecError};

fn docs(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/examples")
        .join(name)
}

fn tour_text() -> String {
    std::fs::read_to_string(docs("exec-tour.json")).expect("the tour exists")
}

fn run_ok(text: &str, seed: u64) -> String {
    match exec_str(text, seed, false) {
        Ok(output) => output,
        Err(error) => panic!("the script failed: {error}"),
    }
}

fn json_lines(output: &str) -> Vec<Value> {
    output
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

/// The output without what network timing decides (creation and
/// modification times): what must not depend on the seed.
fn without_times(output: &str) -> Vec<Value> {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("ctime");
                map.remove("mtime");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut lines = json_lines(output);
    lines.iter_mut().for_each(strip);
    lines
}

fn errors(line: &Value) -> Vec<&str> {
    line["result"]["results"]
        .as_array()
        .expect("multi results")
        .iter()
        .map(|result| result["error"].as_str().unwrap_or("-"))
        .collect()
}

#[test]
fn the_tour_matches_its_recorded_output() {
    let output = run_ok(&tour_text(), 0);
    let recorded =
        std::fs::read_to_string(docs("exec-tour.out.jsonl")).expect("the recorded output exists");
    // Times follow the simulated network's timing; everything else is fixed
    // by the script. If only times changed, regenerate the file with
    // `zksim exec docs/examples/exec-tour.json > docs/examples/exec-tour.out.jsonl`.
    assert_eq!(
        without_times(&output),
        without_times(&recorded),
        "the tour's output changed:\n{output}"
    );
}

#[test]
fn the_documented_output_lines_are_the_tours() {
    let doc = std::fs::read_to_string(docs("../EXEC-FORMAT.md")).expect("the doc exists");
    let quoted: Vec<&str> = doc
        .lines()
        .filter(|line| line.starts_with("{\"index\""))
        .collect();
    assert!(quoted.len() >= 5, "the doc quotes the tour");
    let output = without_times(&run_ok(&tour_text(), 0));
    for line in quoted {
        let shown = without_times(line).remove(0);
        assert!(output.contains(&shown), "not in the tour's output: {line}");
    }
}

#[test]
fn edge_cases_answer_as_zookeeper_does() {
    let big = "x".repeat(1024 * 1024 + 1);
    let ops = format!(
        r#"[{{"session": "a", "op": "exists", "path": "/later", "watch": true}},
            {{"session": "a", "op": "create", "path": "/e", "mode": "ephemeral"}},
            {{"session": "a", "op": "create", "path": "/e/child"}},
            {{"session": "a", "op": "create", "path": "/"}},
            {{"session": "a", "op": "create", "path": "/big", "data": "{big}"}},
            {{"session": "a", "op": "create", "path": "/none/child"}},
            {{"session": "a", "op": "getData", "path": "/e", "watch": true}},
            {{"session": "a", "op": "sync", "path": "/", "server": 2}},
            {{"session": "b", "op": "create", "path": "/later"}},
            {{"session": "b", "op": "setData", "path": "/e", "data": "new"}},
            {{"session": "a", "op": "getData", "path": "/e"}},
            {{"session": "a", "op": "create", "path": "/later/", "mode": "persistent-sequential"}}]"#
    );
    let lines = json_lines(&run_ok(&ops, 0));
    assert_eq!(lines[0]["result"]["stat"], Value::Null);
    let codes: Vec<&Value> = lines[2..6].iter().map(|line| &line["error"]).collect();
    assert_eq!(
        codes,
        [
            "NoChildrenForEphemerals",
            "BadArguments",
            "BadArguments",
            "NoNode"
        ]
    );
    // a moved to replica 2 with its two watches; b's writes fire both.
    assert_eq!(lines[7]["server"], 2);
    let events: Vec<(&Value, &Value)> = lines[10]["watches"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| (&event["type"], &event["path"]))
        .collect();
    assert_eq!(
        events,
        [
            (&Value::from("NodeCreated"), &Value::from("/later")),
            (&Value::from("NodeDataChanged"), &Value::from("/e"))
        ]
    );
    assert_eq!(lines[10]["result"]["data"], "new");
    assert_eq!(lines[11]["result"]["path"], "/later/0000000000");
}

#[test]
fn the_tour_shows_what_zookeeper_returns() {
    let lines = json_lines(&run_ok(&tour_text(), 0));
    let ops: Value = serde_json::from_str(&tour_text()).expect("JSON");
    assert_eq!(lines.len(), ops["ops"].as_array().expect("ops").len());
    for (index, line) in lines.iter().enumerate() {
        assert_eq!(line["index"], index, "lines in script order");
    }
    let (a, b) = (&lines[0]["session_id"], &lines[6]["session_id"]);
    assert_ne!(a, b, "two sessions");
    assert_eq!(lines[0]["result"]["timeout_ms"], 2000, "negotiated timeout");
    // Sequential names: the parent's cversion, ten digits, increasing.
    assert_eq!(lines[3]["result"]["path"], "/app/queue/item-0000000000");
    assert_eq!(lines[4]["result"]["path"], "/app/queue/item-0000000001");
    assert_eq!(lines[7]["result"]["path"], "/app/lock-0000000002");
    assert_eq!(lines[5]["error"], "NodeExists");
    assert_eq!(lines[5]["code"], -110);
    // Ephemerals are owned by b's session, seen by a, gone after b closes.
    assert_eq!(lines[6]["result"]["stat"]["ephemeralOwner"], *b);
    assert_eq!(lines[9]["result"]["stat"]["ephemeralOwner"], *b);
    assert_eq!(
        lines[10]["result"]["children"],
        serde_json::json!(["b-alive", "lock-0000000002", "queue"]),
        "sorted"
    );
    // b's write fires a's data watch, delivered before a's next reply.
    assert_eq!(lines[12]["result"]["stat"]["version"], 1);
    assert_eq!(lines[13]["error"], "BadVersion");
    let fired =
        serde_json::json!([{"type": "NodeDataChanged", "path": "/app", "zxid": lines[12]["zxid"]}]);
    assert_eq!(lines[14]["watches"], fired);
    assert_eq!(lines[15]["result"]["data"], "config v2");
    assert_eq!(
        lines[16]["result"]["data"],
        serde_json::json!({"hex": "00ff"})
    );
    // A failed multi: atomic, with ZooKeeper's per-op codes.
    assert_eq!(lines[17]["ok"], false);
    assert_eq!(lines[17]["error"], "NoNode");
    assert_eq!(
        errors(&lines[17]),
        ["Ok", "Ok", "NoNode", "RuntimeInconsistency"]
    );
    assert_eq!(lines[18]["result"]["stat"], Value::Null, "nothing created");
    assert_eq!(lines[19]["ok"], true, "the check still sees version 1");
    assert_eq!(errors(&lines[19]), ["-", "-", "-", "-"]);
    assert_eq!(lines[19]["result"]["results"][2]["path"], "/app/done");
    // The multi's create fired a's child watch on /app.
    assert_eq!(lines[19]["watches"][0]["type"], "NodeChildrenChanged");
    assert_eq!(lines[20]["error"], "NotEmpty");
    // b closes: a's exists watch fires, and the ephemerals are gone.
    assert_eq!(lines[21]["op"], "close");
    assert_eq!(lines[22]["watches"][0]["type"], "NodeDeleted");
    assert_eq!(lines[22]["watches"][0]["path"], "/app/b-alive");
    assert_eq!(
        lines[23]["result"]["children"],
        serde_json::json!(["done", "queue"])
    );
    // b connects again: a new session, on the replica it named.
    assert_ne!(lines[24]["session_id"], *b);
    assert_eq!(lines[24]["server"], 2);
    assert_eq!(lines[25]["result"]["stat"], Value::Null);
    // a moved to replica 1 and still sees its own writes.
    assert_eq!(lines[26]["server"], 1);
    assert_eq!(lines[26]["session_id"], *a);
    assert_eq!(lines[27]["result"]["data"], "config v3");
    assert_eq!(lines[27]["result"]["stat"]["version"], 2);
}

#[test]
fn the_tour_means_the_same_under_every_seed() {
    let text = tour_text();
    let reference = without_times(&run_ok(&text, 0));
    for seed in 1..6 {
        assert_eq!(
            without_times(&run_ok(&text, seed)),
            reference,
            "seed {seed}"
        );
    }
}

#[test]
fn runs_are_byte_identical() {
    let text = tour_text();
    assert_eq!(run_ok(&text, 0), run_ok(&text, 0));
    assert_eq!(run_ok(&text, 7), run_ok(&text, 7));
    let pretty = |seed| exec_str(&text, seed, true).expect("runs");
    assert_eq!(pretty(3), pretty(3));
    assert_ne!(run_ok(&text, 0), run_ok(&text, 1), "the seed varies timing");
}

#[test]
fn pretty_prints_the_same_objects_as_one_array() {
    let text = tour_text();
    let pretty: Value =
        serde_json::from_str(&exec_str(&text, 0, true).expect("runs")).expect("JSON");
    assert_eq!(pretty, Value::Array(json_lines(&run_ok(&text, 0))));
}

#[test]
fn a_bare_array_runs_on_three_replicas_and_a_single_replica_works() {
    let ops = r#"[{"session": "x", "op": "create", "path": "/n", "data": "1"},
                  {"session": "y", "op": "getData", "path": "/n"},
                  {"session": "z", "op": "exists", "path": "/n"}]"#;
    let lines = json_lines(&run_ok(ops, 0));
    let servers: Vec<&Value> = lines.iter().map(|line| &line["server"]).collect();
    assert_eq!(servers, [0, 1, 2], "the n-th session starts on replica n");
    let single = format!(r#"{{"ensemble": 1, "ops": {ops}}}"#);
    let lines = json_lines(&run_ok(&single, 0));
    assert!(lines.iter().all(|line| line["server"] == 0));
    assert_eq!(lines[1]["result"]["data"], "1");
    assert_eq!(run_ok(r#"{"ops": []}"#, 0), "", "no ops, no output");
}

#[test]
fn malformed_scripts_name_the_op_and_field() {
    let cases = [
        ("{", "invalid JSON: EOF while parsing an object at line 1 column 1"),
        ("7", "expected an object with \"ops\", or an array of ops"),
        (r#"{"ops": [], "seed": 1}"#, "seed: unknown field; a script has \"ensemble\" and \"ops\""),
        (r#"{"ensemble": 10, "ops": []}"#, "ensemble: expected an integer from 1 to 9"),
        (r#"{"ensemble": "3", "ops": []}"#, "ensemble: expected an integer"),
        (r#"{"ensemble": 3}"#, "ops: missing (the list of operations)"),
        (r#"["create"]"#, "ops[0]: expected an object such as {\"session\": \"a\", \"op\": \"create\", \"path\": \"/x\"}"),
        (r#"[{"session": "a"}]"#, "ops[0].op: missing; expected one of connect, close, create, setData, delete, getData, exists, getChildren, multi, sync"),
        (r#"[{"session": "a", "op": "crate", "path": "/x"}]"#, "ops[0].op: unknown op \"crate\"; expected one of connect, close, create, setData, delete, getData, exists, getChildren, multi, sync"),
        (r#"[{"op": "sync", "path": "/"}]"#, "ops[0].session: missing (name the session, e.g. \"a\")"),
        (r#"[{"session": "", "op": "sync", "path": "/"}]"#, "ops[0].session: expected a non-empty string"),
        (r#"[{"session": "a", "op": "getData", "path": "/x", "version": 1}]"#, "ops[0].version: unknown field; getData takes session, op, server, path, watch"),
        (r#"[{"session": "a", "op": "create", "path": "/x"}, {"session": "a", "op": "delete", "path": "/x", "version": "1"}]"#, "ops[1].version: expected an integer"),
        (r#"[{"session": "a", "op": "setData", "path": "/x", "version": -2}]"#, "ops[0].version: expected an integer from -1 to 2147483647"),
        (r#"[{"session": "a", "op": "create", "path": "x"}]"#, "ops[0].path: invalid path \"x\": path must start with '/'"),
        (r#"[{"session": "a", "op": "create", "path": "/x/"}]"#, "ops[0].path: invalid path \"/x/\": path must not end with '/'"),
        (r#"[{"session": "a", "op": "exists"}]"#, "ops[0].path: missing"),
        (r#"[{"session": "a", "op": "create", "path": "/x", "mode": "sequential"}]"#, "ops[0].mode: unknown mode \"sequential\"; expected persistent, ephemeral, persistent-sequential or ephemeral-sequential"),
        (r#"[{"session": "a", "op": "create", "path": "/x", "data": {"hex": "abc"}}]"#, "ops[0].data.hex: expected an even number of hex digits"),
        (r#"[{"session": "a", "op": "create", "path": "/x", "data": {"hex": "zz"}}]"#, "ops[0].data.hex: 'z' is not a hex digit"),
        (r#"[{"session": "a", "op": "create", "path": "/x", "data": 5}]"#, "ops[0].data: expected a string (UTF-8) or {\"hex\": \"00ff\"}"),
        (r#"[{"session": "a", "op": "getChildren", "path": "/", "watch": 1}]"#, "ops[0].watch: expected true or false"),
        (r#"[{"session": "a", "op": "connect", "server": 3}]"#, "ops[0].server: expected a replica number from 0 to 2"),
        (r#"[{"session": "a", "op": "multi"}]"#, "ops[0].ops: missing (the operations of the multi)"),
        (r#"[{"session": "a", "op": "multi", "ops": [{"op": "getData", "path": "/"}]}]"#, "ops[0].ops[0].op: unknown op \"getData\"; expected one of create, setData, delete, check"),
        (r#"[{"session": "a", "op": "multi", "ops": [{"op": "check", "path": "/"}, {"op": "delete", "path": "/x", "version": 1.5}]}]"#, "ops[0].ops[1].version: expected an integer"),
        (r#"[{"session": "a", "op": "multi", "ops": [{"op": "check", "path": "/", "session": "a"}]}]"#, "ops[0].ops[0].session: unknown field; check takes op, path, version"),
        (r#"[{"session": "a", "op": "close"}]"#, "ops[0]: session \"a\" is not open"),
        (r#"[{"session": "a", "op": "sync", "path": "/"}, {"session": "a", "op": "connect"}]"#, "ops[1]: session \"a\" is already open (since ops[0])"),
        (r#"[{"session": "a", "op": "connect"}, {"session": "a", "op": "close"}, {"session": "a", "op": "close"}]"#, "ops[2]: session \"a\" was closed by ops[1]; {\"session\": \"a\", \"op\": \"connect\"} opens a new one"),
    ];
    for (text, expected) in cases {
        match exec_str(text, 0, false) {
            Err(ExecError::BadInput(error)) => assert_eq!(error.to_string(), expected, "{text}"),
            other => panic!("{text}: expected a bad-input error, got {other:?}"),
        }
    }
}

#[test]
fn valid_edge_cases_parse() {
    // A sequential create's path may end in '/': the suffix is the name.
    let script = parse(
        r#"[{"session": "a", "op": "create", "path": "/", "mode": "persistent-sequential"}]"#,
    )
    .expect("valid");
    assert_eq!(script.script.steps.len(), 1);
    // Closing and connecting again gives the session a second client.
    let script = parse(
        r#"[{"session": "a", "op": "connect"}, {"session": "a", "op": "close"},
            {"session": "a", "op": "connect"}, {"session": "b", "op": "sync", "path": "/"}]"#,
    )
    .expect("valid");
    let clients: Vec<usize> = script.script.steps.iter().map(|step| step.client).collect();
    assert_eq!(clients, [0, 0, 1, 2]);
    assert_eq!(script.script.clients, 3);
}

#[test]
fn the_command_exits_0_for_a_script_and_2_for_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = |file: PathBuf| ExecArgs {
        file,
        pretty: false,
        seed: 0,
    };
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        r#"[{"session": "a", "op": "exists", "path": "/zookeeper"}]"#,
    )
    .expect("written");
    assert_eq!(run(&args(good)), 0);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"[{"session": "a", "op": "exists", "path": "//"}]"#).expect("written");
    assert_eq!(run(&args(bad)), 2);
    assert_eq!(run(&args(dir.path().join("missing.json"))), 2);
}
