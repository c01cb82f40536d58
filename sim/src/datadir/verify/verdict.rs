//! The overall verdict: the worst finding decides, and recovery refusing is
//! always DAMAGED, whatever verify's own checks said.

use super::report::{Finding, RecoveryReport, Severity, Verdict, VerdictStatus};
use crate::datadir::{EXIT_OK, EXIT_PROBLEMS};

/// The verdict on `findings` (every finding of the directory) and recovery's result.
pub fn decide<'a>(
    findings: impl Iterator<Item = &'a Finding> + Clone,
    recovery: &RecoveryReport,
) -> Verdict {
    let worst = findings.clone().map(|finding| finding.severity).max();
    let warnings = findings
        .clone()
        .filter(|finding| finding.severity == Severity::Warning)
        .count();
    let status = match worst {
        _ if !recovery.ok => VerdictStatus::Damaged,
        // An interrupted repair: recovery discards everything, damaged or not.
        _ if recovery.repairing => VerdictStatus::RecoverableWithLoss,
        Some(Severity::Damage) => VerdictStatus::Damaged,
        Some(Severity::Loss) => VerdictStatus::RecoverableWithLoss,
        Some(Severity::Torn) => VerdictStatus::TornTail,
        Some(Severity::Warning | Severity::Info) | None => VerdictStatus::Ok,
    };
    let reason_severity = match status {
        VerdictStatus::Ok => None,
        VerdictStatus::TornTail => Some(Severity::Torn),
        VerdictStatus::RecoverableWithLoss => Some(Severity::Loss),
        VerdictStatus::Damaged => Some(Severity::Damage),
    };
    let refusal = recovery
        .error
        .as_ref()
        .filter(|_| recovery.ran)
        .map(|error| Finding {
            severity: Severity::Damage,
            file: error.file.clone(),
            offset: error.offset,
            message: format!("recovery refuses: {}", error.reason),
        });
    let reasons: Vec<Finding> = refusal
        .into_iter()
        .chain(
            findings
                .filter(|finding| Some(finding.severity) == reason_severity)
                .cloned(),
        )
        .collect();
    let last_zxid = recovery
        .last_zxid
        .clone()
        .filter(|_| status != VerdictStatus::Damaged);
    let mut summary = summary(status, &reasons, recovery);
    if status == VerdictStatus::Ok && warnings > 0 {
        let plural = if warnings == 1 { "" } else { "s" };
        summary.push_str(&format!(" ({warnings} warning{plural} above)"));
    }
    assert!(status == VerdictStatus::Ok || !reasons.is_empty() || !recovery.ok);
    assert!(status != VerdictStatus::Ok || recovery.ok);
    Verdict {
        status,
        exit_code: if status == VerdictStatus::Ok {
            EXIT_OK
        } else {
            EXIT_PROBLEMS
        },
        last_zxid,
        summary,
        reasons,
    }
}

fn summary(status: VerdictStatus, reasons: &[Finding], recovery: &RecoveryReport) -> String {
    let last = recovery.last_zxid.as_deref().unwrap_or("?");
    let first = reasons.first().map(Finding::located).unwrap_or_default();
    let more = match reasons.len() {
        0 | 1 => String::new(),
        count => format!(" (and {} more)", count - 1),
    };
    match status {
        VerdictStatus::Ok => format!("recovery will reach zxid {last}"),
        VerdictStatus::TornTail => format!(
            "recovery will reach zxid {last} after cleaning up a write cut short: {first}{more}"
        ),
        VerdictStatus::RecoverableWithLoss => {
            format!("recovery will reach zxid {last}, but: {first}{more}")
        }
        VerdictStatus::Damaged => match recovery.error.as_ref().filter(|_| recovery.ran) {
            Some(error) => {
                let located = match (&error.file, error.offset) {
                    (Some(file), Some(offset)) => format!("{file} at byte {offset}: "),
                    (Some(file), None) => format!("{file}: "),
                    _ => String::new(),
                };
                format!("recovery would refuse to start: {located}{}", error.reason)
            }
            None => format!("{first}{more}"),
        },
    }
}
