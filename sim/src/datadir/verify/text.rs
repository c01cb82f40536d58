//! The verify report as text: one verdict line per file (its findings
//! indented under it), the directory-wide checks, recovery's result, and the
//! overall verdict last, where a reader's eye lands.

use super::report::{FileReport, Finding, RecoveryReport, VerifyReport};
use std::fmt::Write;

/// The whole report as text, ending with the verdict line.
pub fn render(report: &VerifyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "data directory {}", report.directory);
    let _ = writeln!(out, "database id {} ({})", report.dbid, report.dbid_source);
    let _ = writeln!(out);
    let width = report
        .files
        .iter()
        .map(|file| file.name.chars().count())
        .max()
        .unwrap_or(0);
    for file in &report.files {
        render_file(file, width, &mut out);
    }
    if report.files.is_empty() {
        let _ = writeln!(out, "(no files)");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "checks:");
    for finding in &report.checks {
        let _ = writeln!(out, "  {}", finding_line(finding, true));
    }
    let _ = writeln!(out);
    render_recovery(&report.recovery, &mut out);
    let _ = writeln!(out);
    let verdict = &report.verdict;
    let _ = writeln!(out, "{}: {}", verdict.status.label(), verdict.summary);
    out
}

fn render_file(file: &FileReport, width: usize, out: &mut String) {
    let _ = writeln!(
        out,
        "{:<width$}  {:<10}  {}",
        file.name,
        file.status.label(),
        file.summary
    );
    for finding in &file.findings {
        let _ = writeln!(out, "{:width$}    {}", "", finding_line(finding, false));
    }
}

/// `label: message`, with the file (when `with_file`) and byte it is about.
fn finding_line(finding: &Finding, with_file: bool) -> String {
    let place = match (&finding.file, finding.offset, with_file) {
        (Some(file), Some(offset), true) => format!(" {file} at byte {offset}"),
        (Some(file), None, true) => format!(" {file}"),
        (_, Some(offset), false) => format!(" at byte {offset}"),
        _ => String::new(),
    };
    format!("{}{place}: {}", finding.severity.label(), finding.message)
}

fn render_recovery(recovery: &RecoveryReport, out: &mut String) {
    let _ = write!(out, "recovery (the core's recover()): ");
    if let Some(error) = &recovery.error {
        let place = match (&error.file, error.offset) {
            (Some(file), Some(offset)) => format!("{file} at byte {offset}: "),
            (Some(file), None) => format!("{file}: "),
            _ => String::new(),
        };
        let verb = if recovery.ran { "refuses: " } else { "" };
        let _ = writeln!(out, "{verb}{place}{}", error.reason);
        return;
    }
    if recovery.repairing {
        let _ = writeln!(out, "an interrupted repair: the directory is discarded");
        return;
    }
    let start = recovery
        .snapshot_used
        .as_deref()
        .map_or("an empty tree".to_string(), str::to_string);
    let _ = writeln!(
        out,
        "reaches {} from {start} + {} txns replayed",
        recovery.last_zxid.as_deref().unwrap_or("?"),
        recovery.txns_replayed
    );
    let (nodes, sessions) = (recovery.nodes.unwrap_or(0), recovery.sessions.unwrap_or(0));
    let _ = writeln!(
        out,
        "  digest {}, {nodes} node{}, {sessions} session{}; acceptedEpoch {}, currentEpoch {}",
        recovery.digest.as_deref().unwrap_or("?"),
        plural(nodes),
        plural(sessions),
        recovery.accepted_epoch.unwrap_or(0),
        recovery.current_epoch.unwrap_or(0)
    );
    for rejected in &recovery.snapshots_rejected {
        let _ = writeln!(out, "  passes over {}: {}", rejected.file, rejected.reason);
    }
    match &recovery.torn_tail {
        Some(torn) => {
            let _ = writeln!(
                out,
                "  torn tail: {} cut to {} bytes ({}){}",
                torn.file,
                torn.valid_bytes,
                torn.reason,
                if torn.dropped_files.is_empty() {
                    String::new()
                } else {
                    format!(", deleting {}", torn.dropped_files.join(", "))
                }
            );
        }
        None => {
            let _ = writeln!(out, "  no torn tail to cut");
        }
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
