//! The command line, as a user runs it.

use std::process::{Command, Output};

fn zksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zksim"))
        .args(args)
        .output()
        .expect("zksim runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn run_passes_and_summarizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("summary.json");
    let json_arg = json.to_str().expect("utf-8");
    let output = zksim(&[
        "run",
        "single-node-crash",
        "--seeds",
        "0..12",
        "--jobs",
        "2",
        "--quiet",
        "--no-out",
        "--summary-json",
        json_arg,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("PASS: scenario single-node-crash seeds 0..12"),
        "{stdout}"
    );
    assert!(stdout.contains("12 passed, 0 failed"), "{stdout}");
    assert!(
        stdout.contains("recoveries"),
        "coverage probes are shown: {stdout}"
    );
    let summary: zksim_reports::RunSummary =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("written"))
            .expect("valid summary");
    assert_eq!(summary.seeds_run, 12);
    assert!(summary.probes["crashes"] > 0);
}

#[test]
fn replay_prints_the_trace_hash_and_is_stable() {
    let first = zksim(&[
        "replay",
        "--scenario",
        "single-node-disk-faults",
        "--seed",
        "5",
    ]);
    let second = zksim(&[
        "replay",
        "--scenario",
        "single-node-disk-faults",
        "--seed",
        "5",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let hash_line = |output: &Output| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find(|line| line.starts_with("trace-hash: "))
            .map(str::to_string)
            .expect("a trace-hash line")
    };
    assert_eq!(hash_line(&first), hash_line(&second));
    assert_eq!(hash_line(&first).len(), "trace-hash: ".len() + 16);
}

#[test]
fn a_scenario_file_by_path_works_like_its_builtin_name() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/single-node-crash.json"
    );
    let by_path = zksim(&["replay", "--scenario", path, "--seed", "2"]);
    let by_name = zksim(&["replay", "--scenario", "single-node-crash", "--seed", "2"]);
    assert_eq!(by_path.stdout, by_name.stdout);
}

#[test]
fn malformed_scenarios_exit_2_naming_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            r#"{"name":"x","description":"d","duration_ms":10,"cluster":{"node":1}}"#,
            "cluster.node",
        ),
        (
            r#"{"name":"x","description":"d","duration_ms":10,"disk":{"fsync_latency_us":[9,1]}}"#,
            "disk.fsync_latency_us",
        ),
        (r#"{"name":"x","description":"d"}"#, "duration_ms"),
        (
            r#"{"name":"x","description":"d","duration_ms":10,"faults":{"schedule":[{"at_ms":1,"action":"explode"}]}}"#,
            "faults.schedule[0].action",
        ),
        ("{\"name\": \"x\",\n  oops}", "line 2"),
    ];
    for (index, (json, field)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{index}.json"));
        std::fs::write(&path, json).expect("written");
        let output = zksim(&[
            "run",
            path.to_str().expect("utf-8"),
            "--seeds",
            "0..1",
            "--quiet",
            "--no-out",
        ]);
        assert_eq!(output.status.code(), Some(2), "{json}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(field),
            "{json}: expected `{field}` in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["run", "no-such-scenario", "--quiet"][..],
        &["run", "--seeds", "9..3", "--quiet"],
        &["run", "--bug", "no-such-bug", "--quiet"],
        &["replay", "--seed", "1"],
    ] {
        let output = zksim(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
    }
}

#[test]
fn list_names_scenarios_and_bugs() {
    let output = zksim(&["list"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("single-node-crash") && stdout.contains("ack-before-fsync"),
        "{stdout}"
    );
}

#[test]
fn a_replayed_history_is_checked_again_by_zksim_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history.jsonl");
    let history_arg = history.to_str().expect("utf-8");
    let replay = zksim(&[
        "replay",
        "--scenario",
        "clients",
        "--seed",
        "1",
        "--history",
        history_arg,
    ]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay));
    let check = zksim(&["check", "--model", "zk", history_arg]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(
        text(&check).contains("verdict: linearizable"),
        "{}",
        text(&check)
    );
    // A damaged file is bad input, naming the line.
    let mut damaged = std::fs::read_to_string(&history).expect("written");
    damaged.push_str("{\"type\": \"op\", \"client\": \n");
    let damaged_path = dir.path().join("damaged.jsonl");
    std::fs::write(&damaged_path, &damaged).expect("write");
    let lines = damaged.lines().count();
    let check = zksim(&[
        "check",
        "--model",
        "zk",
        damaged_path.to_str().expect("utf-8"),
    ]);
    assert_eq!(check.status.code(), Some(2), "{}", text(&check));
    assert!(
        text(&check).contains(&format!("line {lines}")),
        "{}",
        text(&check)
    );
}
