//! Can recovery get from a snapshot to the end of the log? The newest usable
//! snapshot (or the beginning) must be followed by the log, the log must reach
//! at least the snapshot's zxid, and nothing the durability hint proves was
//! fsynced may be missing. Also decides what the bytes after the last valid
//! record are: the remains of a write cut short (torn), or lost durable data.

use super::logs::LogOutcome;
use super::report::{FileStatus, Finding, Severity};
use super::snapshots::SnapshotOutcome;
use super::Findings;
use crate::datadir::render::zxid as zx;
use std::collections::BTreeMap;
use zksim_core::ids::Zxid;
use zksim_core::persist::synced_hint::{decode_hint, SYNCED_HINT};

/// What recovery should reach, for the cross-check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The last zxid recovery should reach (when it succeeds).
    pub last_zxid: Zxid,
    /// The snapshot it should start from.
    pub snapshot_used: Option<String>,
}

/// Checks where recovery starts and how far the log takes it; returns what
/// recovery should reach.
pub fn check(
    files: &BTreeMap<String, Vec<u8>>,
    logs: &LogOutcome,
    snapshots: &SnapshotOutcome,
    found: &mut Findings,
) -> Expected {
    let records = logs.records();
    let logged_last = records.last().map(|record| record.zxid());
    let snapshot_zxid = snapshots.used.as_ref().map(|(zxid, _)| *zxid);
    let last_zxid = logged_last.max(snapshot_zxid).unwrap_or(Zxid::ZERO);
    assert!(snapshot_zxid.is_none_or(|zxid| zxid <= last_zxid));
    assert!(logged_last.is_none_or(|zxid| zxid <= last_zxid));
    if logs.scan.is_ok() {
        check_start(logs, snapshots, found);
        check_reach(logged_last, snapshots, found);
    }
    let hint = files.get(SYNCED_HINT).and_then(|bytes| decode_hint(bytes));
    let proven_lost = hint.filter(|hint| *hint > last_zxid && logs.scan.is_ok());
    match proven_lost {
        Some(hint) => report_lost_durable(hint, last_zxid, logs, found),
        None => report_trailing_remains(logs, found),
    }
    if let Some(hint) = hint.filter(|hint| *hint <= last_zxid && logs.scan.is_ok()) {
        let message = format!(
            "{SYNCED_HINT} says {} was fsynced, and the state reaches {}: nothing fsynced is missing",
            zx(hint),
            zx(last_zxid)
        );
        found.check(Finding::new(Severity::Info, message));
    }
    Expected {
        last_zxid,
        snapshot_used: snapshots.used.as_ref().map(|(_, name)| name.clone()),
    }
}

/// Where the state begins: the newest usable snapshot, or an empty tree with
/// the log from the very first txn.
fn check_start(logs: &LogOutcome, snapshots: &SnapshotOutcome, found: &mut Findings) {
    let records = logs.records();
    if let Some((zxid, name)) = &snapshots.used {
        let message = format!("recovery starts from {name} (zxid {})", zx(*zxid));
        found.check(Finding::new(Severity::Info, message));
        return;
    }
    let from_beginning = records
        .first()
        .is_none_or(|first| first.prev_zxid == Zxid::ZERO);
    let message = match (records.first(), snapshots.rejected.first()) {
        (Some(first), _) if from_beginning => format!(
            "no usable snapshot: recovery replays the log from the first txn ({})",
            zx(first.zxid())
        ),
        (None, None) => "no snapshot and no logged txn: an empty database".to_string(),
        (None, Some(rejected)) => format!(
            "no usable snapshot ({rejected} is not) and no log to replay instead: \
             the state the snapshots held is lost"
        ),
        (Some(first), _) => format!(
            "no usable snapshot, and the log starts at {} after {} rather than at the \
             beginning: the state before it is lost",
            zx(first.zxid()),
            zx(first.prev_zxid)
        ),
    };
    let fine = from_beginning && (!records.is_empty() || snapshots.rejected.is_empty());
    if fine {
        found.check(Finding::new(Severity::Info, message));
        return;
    }
    // Recovery names the newest snapshot it passed over.
    let mut finding = Finding::new(Severity::Damage, message);
    finding.file = snapshots.rejected.first().cloned();
    found.check(finding);
}

/// The log must reach at least the snapshot's zxid: a fuzzy snapshot is only
/// consistent once the txns logged while it was taken are replayed.
fn check_reach(logged_last: Option<Zxid>, snapshots: &SnapshotOutcome, found: &mut Findings) {
    let Some((snapshot_zxid, name)) = &snapshots.used else {
        return;
    };
    let finding = match logged_last {
        None => Finding::new(
            Severity::Info,
            format!(
                "no log record: recovery reaches {name}'s zxid {} and nothing after it",
                zx(*snapshot_zxid)
            ),
        ),
        Some(last) if last < *snapshot_zxid => Finding::new(
            Severity::Loss,
            format!(
                "coverage gap: the log ends at {} but {name} is of {}: the log holding \
                 the txns after {} (those logged while the snapshot was taken, and any \
                 later) is missing",
                zx(last),
                zx(*snapshot_zxid),
                zx(last)
            ),
        ),
        Some(last) => Finding::new(
            Severity::Info,
            format!(
                "coverage: {name} plus the logged txns after it reach {}",
                zx(last)
            ),
        ),
    };
    found.check(finding);
}

/// The durability hint is past what recovery reaches: fsynced txns are gone.
/// Names the first place the log stops making sense.
fn report_lost_durable(hint: Zxid, last: Zxid, logs: &LogOutcome, found: &mut Findings) {
    let proof = format!(
        "{SYNCED_HINT} says {} was fsynced, but the log ends at {}",
        zx(hint),
        zx(last)
    );
    let torn = logs
        .scan
        .as_ref()
        .ok()
        .and_then(|scan| scan.torn_tail.as_ref());
    if let Some((file, region)) = logs.trailing.first() {
        let message = format!(
            "damage, not a torn write: bytes {}..{} do not parse ({}); {proof}",
            region.offset, region.end, region.fault
        );
        mark(
            found,
            file,
            Finding::new(Severity::Damage, message).at(region.offset),
        );
    } else if let Some(torn) = torn {
        // Not a torn tail after all: recovery refuses rather than truncating.
        let message = format!("damage, not a torn tail: {}; {proof}", torn.reason);
        found
            .file_mut(&torn.file)
            .findings
            .retain(|f| f.severity != Severity::Torn);
        mark(
            found,
            &torn.file,
            Finding::new(Severity::Damage, message).at(torn.valid_bytes),
        );
        for dropped in &torn.dropped_files {
            let report = found.file_mut(dropped);
            report.findings.retain(|f| f.severity != Severity::Torn);
            report.status = FileStatus::Unread;
            let message = format!("not used: it comes after the damage in {}", torn.file);
            report.add(Finding::new(Severity::Info, message));
        }
    } else if let Some((file, offset)) = logs.end() {
        let message =
            format!("the log ends here: {proof} (a log file or the end of this one is missing)");
        mark(
            found,
            file,
            Finding::new(Severity::Damage, message).at(offset),
        );
    } else {
        let message = format!("{proof}: no log file holds it");
        found.check(Finding::new(Severity::Damage, message));
    }
}

/// Unparsable bytes after the last record, with nothing durable after them:
/// a write cut short. Recovery reads past them; the next write starts a new file.
fn report_trailing_remains(logs: &LogOutcome, found: &mut Findings) {
    let Some((file, region)) = logs.trailing.first() else {
        return;
    };
    let torn_here = logs
        .scan
        .as_ref()
        .ok()
        .and_then(|scan| scan.torn_tail.as_ref())
        .is_some_and(|torn| torn.file == *file);
    let message = format!(
        "torn tail: bytes {}..{} never became a whole record ({}); nothing after them is \
         durable, so recovery ignores them{}",
        region.offset,
        region.end,
        region.fault,
        if torn_here {
            ""
        } else {
            " (they stay in the file; the next write starts a new log file)"
        }
    );
    mark(
        found,
        file,
        Finding::new(Severity::Torn, message).at(region.offset),
    );
}

/// Adds a finding to a log file's report, raising its status to match.
fn mark(found: &mut Findings, file: &str, finding: Finding) {
    let severity = finding.severity;
    let report = found.file_mut(file);
    report.add(finding);
    let status = match severity {
        Severity::Damage => FileStatus::Corrupt,
        Severity::Torn if report.status == FileStatus::Ok => FileStatus::Torn,
        _ => report.status,
    };
    report.status = status;
}
