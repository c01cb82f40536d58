//! Operator actions through the CLI: disaster recovery keeps exactly the
//! acknowledged history up to the backup point (and says so when it does
//! not), beyond-model actions report their loss instead of failing, and a
//! scenario that uses one without expecting the loss is refused.

use crate::common::{stdout, zksim};
use zksim_reports::RunSummary;

fn run_summary(scenario: &str, seeds: &str, dir: &std::path::Path) -> (i32, RunSummary, String) {
    let json = dir.join(format!("{scenario}.json"));
    let output = zksim(&[
        "run",
        scenario,
        "--seeds",
        seeds,
        "--quiet",
        "--no-out",
        "--summary-json",
        json.to_str().expect("utf-8"),
    ]);
    let text = std::fs::read_to_string(&json).expect("summary written");
    let summary = RunSummary::from_json(&text).expect("valid summary");
    (
        output.status.code().expect("exited"),
        summary,
        stdout(&output),
    )
}

#[test]
fn disaster_recovery_rebuilds_the_ensemble_and_counts_what_it_loses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("disaster-recovery", "0..6", dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(summary.probes["disaster-recoveries"] >= 6, "{out}");
    assert!(
        summary.probes["writes-lost-by-disaster-recovery"] > 0,
        "{out}"
    );
    // The era before each disaster is checked when it ends.
    assert!(summary.probes["linearizability-partitions"] > 0, "{out}");
    assert!(summary.expected.is_empty(), "{:?}", summary.expected);
}

#[test]
fn restoring_the_leader_hands_leadership_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("restore-leader", "0..6", dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(summary.probes["leader-restores"] > 0, "{out}");
}

#[test]
fn a_beyond_model_restore_reports_the_writes_it_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("beyond-model-restore", "0..12", dir.path());
    assert_eq!(code, 0, "expected loss must not fail the run: {out}");
    assert!(summary.probes["acked-writes-lost"] > 0, "{out}");
    assert!(
        summary.expected["lost-acked-write"] > 0,
        "{:?}",
        summary.expected
    );
    // Seed 2 loses writes: the replay names the action and the loss, and passes.
    let replay = zksim(&[
        "replay",
        "--scenario",
        "beyond-model-restore",
        "--seed",
        "2",
    ]);
    let text = stdout(&replay);
    assert_eq!(replay.status.code(), Some(0), "{text}");
    assert!(text.contains("expected (beyond the fault model)"), "{text}");
    assert!(text.contains("restored onto n0, n1"), "{text}");
    assert!(text.contains("acknowledged writes lost"), "{text}");
}

#[test]
fn a_wiped_voter_is_beyond_the_model_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("wipe-voter", "0..4", dir.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(summary.probes["beyond-model-actions"], 12, "{out}");
}

#[test]
fn a_beyond_model_action_without_its_expected_loss_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = zksim::builtin::resolve("beyond-model-restore")
        .expect("built in")
        .to_json_pretty();
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("json");
    json["expect"]["allow"] = serde_json::json!([]);
    let path = dir.path().join("unexpected.json");
    std::fs::write(&path, json.to_string()).expect("written");
    let output = zksim(&["run", path.to_str().expect("utf-8"), "--seeds", "0..1"]);
    let error = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{error}");
    assert!(error.contains("faults.schedule[1].action"), "{error}");
    assert!(error.contains("lost-acked-write"), "{error}");
}

/// The backup-point check fails on a planted bug: a leader that commits on
/// its own acknowledgement acks writes a follower's backup never holds.
#[cfg(feature = "planted-bugs")]
#[test]
fn the_backup_point_check_catches_writes_acknowledged_without_a_quorum() {
    let output = zksim(&[
        "replay",
        "--scenario",
        "disaster-recovery",
        "--seed",
        "2",
        "--bug",
        "commit-without-quorum",
    ]);
    let text = stdout(&output);
    assert!(
        text.contains("write(s) acknowledged before the backup point"),
        "{text}"
    );
}

/// A restore of a node while a backup of it is being copied (found with
/// restore-leader seed 1280; seed 81 since group commits became one write):
/// the copy is abandoned, not finished from the new directory (which once
/// made it look inconsistent).
#[test]
fn a_backup_in_progress_is_abandoned_when_its_directory_is_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("restore-leader", "81..82", dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(summary.probes["backups-abandoned"] >= 1, "{out}");
}

/// Beyond-model-restore seed 1969: a follower told to truncate txns it had
/// applied kept receiving the new leader's commits before its truncation was
/// durable; it logs them but applies nothing until it halts and reloads
/// (applying onto the stale tree was an assertion failure).
#[test]
fn a_follower_waiting_to_reload_applies_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("beyond-model-restore", "1969..1970", dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        summary.expected.contains_key("zab-leader-completeness"),
        "{out}"
    );
}

/// Wipe-voter (found with seed 498; seed 99 since group commits became one
/// write): after wipes, two leaders logged different txns under one zxid,
/// and a leader told a follower to truncate to a zxid its log did not hold.
/// The follower marks itself for repair and halts, then rebuilds from a
/// leader (truncating anyway left a hole in its log).
#[test]
fn a_trunc_point_missing_from_the_log_rebuilds_the_follower() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("wipe-voter", "99..100", dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(summary.expected.contains_key("zab-agreement"), "{out}");
    assert!(summary.probes["repairs-resumed"] >= 1, "{out}");
}

/// Purge-under-load (found with seed 5828; seed 13 since group commits
/// became one write): bit rot hit the last batch of a log after it was
/// durable and applied but before the synced-zxid hint said so; the recovery
/// that follows cannot tell it from a torn write. The replica's history
/// restarts there (as after detected damage) instead of failing
/// monotonicRead on an undetectable loss.
#[test]
fn bit_rot_taken_for_a_torn_tail_restarts_the_replicas_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("purge-under-load", "13..14", dir.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(summary.probes["rotted-tails-taken-for-torn"], 1, "{out}");
}

/// Wipe-voter seed 2436: a follower waiting to reload (after a TRUNC below
/// its applied txns) logs the leader's records; the simulator's record of
/// its log, rebuilt at the restart, no longer calls them a broken chain.
#[test]
fn a_follower_waiting_to_reload_logs_without_breaking_its_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _summary, out) = run_summary("wipe-voter", "2436..2437", dir.path());
    assert_eq!(code, 0, "{out}");
}

/// Found with beyond-model-restore seed 8383 (since group commits became one
/// write, none of its seeds 0..20000 takes this path; wipe-voter seed 11591
/// does): n2, told to truncate below txns it had
/// applied (`TruncatedApplied`), halted to reload; its restart found the
/// directory damaged (no usable snapshot, the log starting mid-history) and
/// started a repair. The simulator's "rebase the record at the next
/// recovery" was consumed only by a recovery that succeeds, so it stayed set
/// through the repair and the record ignored every txn the repair's DIFF
/// logged; the first apply after UPTODATE then named a txn the record lacked
/// (invariant-broken). A repair now records its sync; the rebase waits until
/// the repair is done, in case its marker was never durable.
#[test]
fn a_repair_after_a_truncation_below_applied_txns_records_its_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("wipe-voter", "11591..11592", dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(summary.probes["repairs-awaiting-a-rebase"] >= 1, "{out}");
    assert!(
        summary.expected.contains_key("zab-leader-completeness"),
        "{out}"
    );
}

/// Wipe-voter seed 7637 (seed 11332 since group commits became one write):
/// the same path through a SNAP. n2 took a TRUNC below its applied txns and
/// crashed mid-truncation; the log it left had a gap, so the restart
/// repaired it from a leader's snapshot. The record, still waiting to be
/// rebuilt from a recovery, ignored what the repaired replica logged after
/// the snapshot, and each apply was invariant-broken.
#[test]
fn a_repair_through_a_snap_after_a_truncation_below_applied_txns_records_its_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, summary, out) = run_summary("wipe-voter", "11332..11333", dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(summary.probes["repairs-awaiting-a-rebase"] >= 1, "{out}");
    assert!(summary.probes["syncs-snap"] >= 1, "{out}");
    assert!(
        summary.expected.contains_key("zab-leader-completeness"),
        "{out}"
    );
    assert!(summary.expected.contains_key("lost-acked-write"), "{out}");
}
