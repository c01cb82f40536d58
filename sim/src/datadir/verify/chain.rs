//! The zxid chain over every log file: each record names its predecessor
//! (`prev_zxid`), each file starts with the record its name says, and each
//! file continues the one before. A break is a gap (txns missing), an
//! overlap, a fork, or an epoch going backwards. Breaks where recovery reads
//! are damage; those past where it stops (after a torn tail or corruption,
//! or past a place a file stops parsing) are noted, for the forensic picture.

use super::logs::{LogFile, LogOutcome};
use super::report::{FileStatus, Finding, Severity};
use super::Findings;
use crate::datadir::render::zxid as zx;
use zksim_core::ids::Zxid;
use zksim_core::persist::log_format::LogRecord;
use zksim_core::persist::log_scan::{LogCorruption, LogScan};

/// The zxid chain: each record names its predecessor, each file starts with
/// the record its name says, and each file continues the one before.
pub fn check(outcome: &LogOutcome, found: &mut Findings) {
    let logs = &outcome.files;
    let mut previous: Option<(&str, &LogRecord)> = None;
    let mut breaks = 0usize;
    for file in logs {
        let status = found.file(&file.name).status;
        // A torn file with a damaged header is deleted whole by recovery.
        let deleted = status == FileStatus::Torn && file.walk.header.is_err();
        let unread = deleted || matches!(status, FileStatus::Dropped | FileStatus::Unread);
        for (index, walked) in file.walk.records.iter().enumerate() {
            let severity = if unread || walked.after_stop {
                Severity::Info
            } else {
                Severity::Damage
            };
            let place = |message: String| {
                let message = if severity == Severity::Info {
                    format!("past where recovery reads: {message}")
                } else {
                    message
                };
                Finding::new(severity, message)
                    .in_file(&file.name)
                    .at(walked.offset)
            };
            if index == 0 && walked.record.zxid() != file.named {
                let message = format!(
                    "first record is {} but the file is named for {}",
                    zx(walked.record.zxid()),
                    zx(file.named)
                );
                found.check(place(message));
                breaks += 1;
            }
            if let Some((previous_file, before)) = previous {
                if walked.record.prev_zxid != before.zxid() {
                    found.check(place(describe_break(
                        previous_file,
                        before.zxid(),
                        &walked.record,
                    )));
                    breaks += 1;
                }
            }
            previous = Some((&file.name, &walked.record));
        }
    }
    if breaks == 0 {
        summarize_chain(logs, &outcome.scan, found);
    }
}

fn describe_break(previous_file: &str, before: Zxid, record: &LogRecord) -> String {
    let (zxid, prev) = (record.zxid(), record.prev_zxid);
    if zxid <= before && zxid.epoch() < before.epoch() {
        return format!(
            "epoch goes backwards: record {} (epoch {}) follows {} (epoch {}, in {previous_file})",
            zx(zxid),
            zxid.epoch(),
            zx(before),
            before.epoch()
        );
    }
    if zxid <= before {
        return format!(
            "overlap: record {} follows {} (in {previous_file}) but is not after it",
            zx(zxid),
            zx(before)
        );
    }
    if prev > before {
        return format!(
            "gap: record {} names {} as its predecessor, but the log before it ends at {} \
             (in {previous_file}): the txns after {} up to {} are missing",
            zx(zxid),
            zx(prev),
            zx(before),
            zx(before),
            zx(prev)
        );
    }
    format!(
        "fork: record {} follows {} (in {previous_file}) but names the earlier {} as its predecessor",
        zx(zxid),
        zx(before),
        zx(prev)
    )
}

fn summarize_chain(logs: &[LogFile], scan: &Result<LogScan, LogCorruption>, found: &mut Findings) {
    let Ok(scan) = scan else {
        return;
    };
    let message = match (scan.records.first(), scan.records.last()) {
        (Some(first), Some(last)) => format!(
            "log chain intact: {} txns from {} (after {}) to {} in {} files",
            scan.records.len(),
            zx(first.zxid()),
            zx(first.prev_zxid),
            zx(last.zxid()),
            logs.len()
        ),
        _ if logs.is_empty() => "no log files".to_string(),
        _ => format!("no valid log records in {} files", logs.len()),
    };
    found.check(Finding::new(Severity::Info, message));
}
