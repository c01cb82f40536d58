//! `zksim check`, as a user runs it: verdicts, explanations, exit codes, errors.

use std::path::Path;
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

/// Runs `zksim check` on `history` written to a file; `args` go before the file.
fn check(history: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("history.edn");
    std::fs::write(&file, history).expect("written");
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.push(file.to_str().expect("utf-8"));
    zksim(&all)
}

const LINEARIZABLE: &str = "[{:process 0, :type :invoke, :f :write, :value 1}\n\
                            {:process 0, :type :ok, :f :write, :value 1}\n\
                            {:process 1, :type :invoke, :f :read, :value nil}\n\
                            {:process 1, :type :ok, :f :read, :value 1}]\n";

/// Write 1, write 2, then a read of 1: stale.
const STALE: &str = "[{:process 0, :type :invoke, :f :write, :value 1}\n\
                     {:process 0, :type :ok, :f :write, :value 1}\n\
                     {:process 1, :type :invoke, :f :write, :value 2}\n\
                     {:process 1, :type :ok, :f :write, :value 2}\n\
                     {:process 2, :type :invoke, :f :read, :value nil}\n\
                     {:process 2, :type :ok, :f :read, :value 1}]\n";

#[test]
fn a_linearizable_history_exits_0() {
    let output = check(LINEARIZABLE, &["--model", "register"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("partition all: 2 ops, linearizable"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("LINEARIZABLE: 1 partitions"),
        "{stdout}"
    );
}

#[test]
fn a_violation_exits_1_with_its_explanation() {
    let output = check(STALE, &["--model", "cas-register"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("3 of 3 operations are not linearizable"),
        "{stdout}"
    );
    assert!(stdout.contains("#2 client 2 4..5 read -> 1"), "{stdout}");
    assert!(stdout.contains("NOT LINEARIZABLE"), "{stdout}");
}

#[test]
fn the_json_report_names_verdicts_and_explanations() {
    let output = check(STALE, &["--model", "register", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["verdict"], "not-linearizable");
    assert_eq!(report["format"], "edn");
    let partition = &report["partitions"][0];
    assert_eq!(partition["verdict"], "not-linearizable");
    assert_eq!(
        partition["explanation"]["ops"],
        serde_json::json!([0, 1, 2])
    );
}

#[test]
fn an_exhausted_budget_exits_3() {
    let output = check(STALE, &["--model", "register", "--max-steps", "1"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("UNKNOWN within the budget"),
        "{}",
        text(&output)
    );
    let output = check(STALE, &["--model", "register", "--timeout-ms", "0"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("deadline reached"),
        "{}",
        text(&output)
    );
}

#[test]
fn bad_input_exits_2_naming_the_line() {
    let output = check(
        "[{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0 :type :ok}]",
        &["--model", "register"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("line 2: missing field `f`"),
        "{}",
        text(&output)
    );
    let output = check(LINEARIZABLE, &["--model", "kv"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("line 1: :write is not a key-value operation"),
        "{}",
        text(&output)
    );
    let output = zksim(&["check", "--model", "register", "/nonexistent/history.edn"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("cannot read /nonexistent/history.edn"),
        "{}",
        text(&output)
    );
    let output = check(LINEARIZABLE, &["--model", "register", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn the_zk_model_reads_only_zksims_own_history_files() {
    let output = check(LINEARIZABLE, &["--model", "zk", "--format", "edn"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let output = check(LINEARIZABLE, &["--model", "zk"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn registers_start_at_the_initial_value_given() {
    let read_nil = "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n\
                    {\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":null}\n\
                    {\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n\
                    {\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":7}\n";
    let output = check(read_nil, &["--model", "register", "--initial", "nil"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let output = check(read_nil, &["--model", "register", "--initial", "7"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let output = check(read_nil, &["--model", "register", "--initial", "seven"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn help_describes_the_check_command() {
    let output = zksim(&["check", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--model",
        "cas-register",
        "multi-register",
        "--format",
        "--max-steps",
        "--timeout-ms",
        "--json",
        "3 = unknown",
    ] {
        assert!(help.contains(expected), "{expected} missing from:\n{help}");
    }
    let top = String::from_utf8_lossy(&zksim(&["--help"]).stdout).to_string();
    assert!(top.contains("check"), "{top}");
}

#[test]
fn the_external_corpus_samples_check_from_the_command_line() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/external-histories");
    if !corpus.exists() {
        println!("note: {} is absent; skipping", corpus.display());
        return;
    }
    let etcd = corpus.join("porcupine/test_data/jepsen/etcd_000.log");
    let output = zksim(&[
        "check",
        "--model",
        "cas-register",
        etcd.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("jepsen-log"), "{}", text(&output));
}
