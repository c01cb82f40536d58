//! The core's own `recover()` on the image, and a cross-check of its result
//! against verify's per-file findings: where they disagree, one of the two
//! has a bug, and the user should know which answer came from where.

use super::coverage::Expected;
use super::report::{
    Finding, RecoveryErrorReport, RecoveryReport, RejectedSnapshot, Severity, TornTailReport,
};
use super::snapshots::SnapshotOutcome;
use super::Findings;
use crate::datadir::read::DirContents;
use crate::datadir::render::zxid as zx;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use zksim_core::persist::{recover, Recovered, RecoveryError, REPAIR_MARKER};

/// What verify expects of recovery, gathered from the earlier checks.
pub struct Expectations<'a> {
    pub snapshots: &'a SnapshotOutcome,
    pub expected: &'a Expected,
}

/// Runs `recover()` on the image and cross-checks it.
pub fn run(
    contents: &DirContents,
    dbid: u64,
    expect: &Expectations<'_>,
    found: &mut Findings,
) -> RecoveryReport {
    let result = catch_unwind(AssertUnwindSafe(|| recover(&contents.files, dbid)));
    match result {
        Ok(Ok(recovered)) => {
            cross_check(&recovered, contents, expect, found);
            succeeded(&recovered)
        }
        Ok(Err(error)) => {
            cross_check_error(&error, found);
            failed(error)
        }
        Err(panic) => {
            let reason = format!(
                "recovery panicked (a bug in the core): {}",
                crate::panics::message(&panic)
            );
            RecoveryReport {
                ran: true,
                error: Some(RecoveryErrorReport {
                    file: None,
                    offset: None,
                    reason,
                }),
                ..RecoveryReport::default()
            }
        }
    }
}

fn succeeded(recovered: &Recovered) -> RecoveryReport {
    RecoveryReport {
        ran: true,
        ok: true,
        error: None,
        last_zxid: Some(zx(recovered.last_zxid)),
        digest: Some(format!("0x{:016x}", recovered.tree.digest())),
        nodes: Some(recovered.tree.node_count()),
        sessions: Some(recovered.tree.sessions().len()),
        snapshot_used: recovered
            .snapshot_used
            .and_then(|zxid| recovered.snapshot_files.get(&zxid).cloned()),
        txns_replayed: recovered.txns_replayed,
        snapshots_rejected: recovered
            .snapshots_rejected
            .iter()
            .map(|(file, reason)| RejectedSnapshot {
                file: file.clone(),
                reason: reason.clone(),
            })
            .collect(),
        torn_tail: recovered.torn_tail.as_ref().map(|torn| TornTailReport {
            file: torn.file.clone(),
            valid_bytes: torn.valid_bytes,
            reason: torn.reason.clone(),
            dropped_files: torn.dropped_files.clone(),
        }),
        accepted_epoch: Some(recovered.accepted_epoch.0),
        current_epoch: Some(recovered.current_epoch.0),
        repairing: recovered.repairing,
        restored: recovered.restored,
    }
}

fn failed(error: RecoveryError) -> RecoveryReport {
    RecoveryReport {
        ran: true,
        error: Some(RecoveryErrorReport {
            file: error.file,
            offset: error.offset,
            reason: error.reason,
        }),
        ..RecoveryReport::default()
    }
}

/// Recovery refused: that is damage, whatever verify's own checks said (the
/// verdict says so); note whether they had found it too.
fn cross_check_error(error: &RecoveryError, found: &mut Findings) {
    let predicted = found.all().any(|finding| {
        finding.severity == Severity::Damage && (error.file.is_none() || finding.file == error.file)
    });
    let message = if predicted {
        "cross-check: verify's own checks found this damage too"
    } else {
        "cross-check: verify's own checks missed what recovery refuses (a gap in verify); \
         recovery's answer stands"
    };
    found.check(Finding::new(Severity::Info, message));
}

/// Recovery succeeded: does it reach what verify expects, from the same snapshot?
fn cross_check(
    recovered: &Recovered,
    contents: &DirContents,
    expect: &Expectations<'_>,
    found: &mut Findings,
) {
    let mut disagreements = Vec::new();
    let marker = contents.files.contains_key(REPAIR_MARKER);
    if recovered.repairing != marker {
        disagreements.push(format!(
            "recovery's repairing = {} but the marker is {}",
            recovered.repairing,
            if marker { "present" } else { "absent" }
        ));
    }
    if !recovered.repairing {
        disagreements.extend(compare_state(recovered, expect));
    }
    if disagreements.is_empty() {
        let message = "cross-check: recovery agrees with the findings above";
        found.check(Finding::new(Severity::Info, message));
    }
    for disagreement in disagreements {
        let message = format!("cross-check: {disagreement}");
        found.check(Finding::new(Severity::Warning, message));
    }
}

fn compare_state(recovered: &Recovered, expect: &Expectations<'_>) -> Vec<String> {
    let mut disagreements = Vec::new();
    if recovered.last_zxid != expect.expected.last_zxid {
        disagreements.push(format!(
            "recovery reaches {} but verify expected {}",
            zx(recovered.last_zxid),
            zx(expect.expected.last_zxid)
        ));
    }
    let used = recovered
        .snapshot_used
        .and_then(|zxid| recovered.snapshot_files.get(&zxid).cloned());
    if used != expect.expected.snapshot_used {
        disagreements.push(format!(
            "recovery starts from {:?} but verify expected {:?}",
            used, expect.expected.snapshot_used
        ));
    }
    let rejected: BTreeSet<&String> = recovered
        .snapshots_rejected
        .iter()
        .map(|(n, _)| n)
        .collect();
    let expected: BTreeSet<&String> = expect.snapshots.rejected.iter().collect();
    if rejected != expected {
        disagreements.push(format!(
            "recovery passes over snapshots {rejected:?} but verify found {expected:?} unusable"
        ));
    }
    disagreements
}
