//! The recipe checks fire end to end: the lock scenario shows ZooKeeper's
//! documented caveat (reported as expected), and a planted bug that loses
//! watch events leaves a configuration reader behind.

use std::process::Command;
use zksim_reports::RunSummary;

fn run_summary(args: &[&str]) -> (Option<i32>, RunSummary) {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("summary.json");
    let output = Command::new(env!("CARGO_BIN_EXE_zksim"))
        .args(args)
        .args([
            "--quiet",
            "--no-out",
            "--summary-json",
            json.to_str().expect("utf-8"),
        ])
        .output()
        .expect("zksim runs");
    let text = std::fs::read_to_string(&json).expect("a summary");
    (
        output.status.code(),
        serde_json::from_str(&text).expect("valid"),
    )
}

#[test]
fn lock_holders_overlap_only_through_an_expired_session() {
    let (code, summary) = run_summary(&["run", "lock-partitions", "--seeds", "0..10"]);
    assert_eq!(code, Some(0), "{:?}", summary.failures);
    assert!(
        summary
            .expected
            .get("lock-expired-holder")
            .copied()
            .unwrap_or(0)
            > 0
    );
    assert!(summary.probes["lock-acquired"] > 100);
}

#[cfg(feature = "planted-bugs")]
#[test]
fn a_lost_watch_event_leaves_a_config_reader_behind() {
    let args = [
        "run",
        "config-watchers",
        "--seeds",
        "3",
        "--bug",
        "set-watches-ignores-zxid",
    ];
    let (code, summary) = run_summary(&args);
    assert_eq!(code, Some(1));
    let kinds: Vec<&str> = summary.failures[0]
        .violations
        .iter()
        .map(|v| v.kind.as_str())
        .collect();
    assert!(kinds.contains(&"config-stale"), "{kinds:?}");
}
