//! The epoch files: each must parse; acceptedEpoch >= currentEpoch; and the
//! log's last epoch must not be beyond currentEpoch, unless a sync was cut
//! short between logging the new epoch's txns and writing currentEpoch
//! (ZOOKEEPER-1653), which recovery accepts when acceptedEpoch covers it.
//! A missing file defaults to the last zxid's epoch, as in ZooKeeper.

use super::report::{FileKind, FileReport, FileStatus, Finding, Severity};
use super::Findings;
use crate::datadir::render::zxid as zx;
use std::collections::BTreeMap;
use zksim_core::ids::{Epoch, Zxid};
use zksim_core::persist::epoch_file::decode_epoch;
use zksim_core::persist::names::{ACCEPTED_EPOCH, CURRENT_EPOCH};

/// `last_zxid`: what recovery reaches, when the log could be read.
pub fn check(files: &BTreeMap<String, Vec<u8>>, last_zxid: Option<Zxid>, found: &mut Findings) {
    let fresh = last_zxid.is_none_or(|last| last == Zxid::ZERO);
    let accepted = read(files, ACCEPTED_EPOCH, FileKind::AcceptedEpoch, fresh, found);
    let current = read(files, CURRENT_EPOCH, FileKind::CurrentEpoch, fresh, found);
    let (Some(accepted), Some(current)) = (accepted, current) else {
        return;
    };
    let defaulted = accepted.is_none() || current.is_none();
    let log_epoch = last_zxid.map(Zxid::epoch);
    let accepted = accepted.or(log_epoch);
    let current = current.or(log_epoch);
    let (Some(accepted), Some(current)) = (accepted, current) else {
        return;
    };
    if accepted < current {
        let message = format!(
            "acceptedEpoch {accepted} is less than currentEpoch {current}: recovery refuses"
        );
        let finding = Finding::new(Severity::Damage, message).in_file(ACCEPTED_EPOCH);
        found.check(finding);
        return;
    }
    let Some(last) = last_zxid else {
        return;
    };
    let mut finding = compare_with_log(accepted, current, last);
    if defaulted && finding.severity == Severity::Info {
        finding
            .message
            .push_str(" (a missing file taken as the last zxid's epoch)");
    }
    found.check(finding);
}

/// Reads one epoch file into its report. `None`: unreadable (reported);
/// `Some(None)`: missing (defaults to the log's epoch; expected when `fresh`,
/// a directory with no txn yet).
fn read(
    files: &BTreeMap<String, Vec<u8>>,
    name: &str,
    kind: FileKind,
    fresh: bool,
    found: &mut Findings,
) -> Option<Option<Epoch>> {
    let Some(bytes) = files.get(name) else {
        let severity = if fresh {
            Severity::Info
        } else {
            Severity::Warning
        };
        let message = format!(
            "{name} is missing: recovery takes the epoch of the last zxid instead \
             (the core writes it at its first start)"
        );
        found.check(Finding::new(severity, message));
        return Some(None);
    };
    let mut report = FileReport::new(name, kind, bytes.len() as u64);
    let epoch = match decode_epoch(bytes) {
        Ok(epoch) => {
            report.summary = format!("epoch {epoch}");
            report.epoch = Some(epoch.0);
            Some(Some(epoch))
        }
        Err(reason) => {
            report.status = FileStatus::Unusable;
            report.summary = "not an epoch".to_string();
            let message = format!("{reason}: recovery refuses to start");
            report.add(Finding::new(Severity::Damage, message).at(0));
            None
        }
    };
    found.insert(report);
    epoch
}

fn compare_with_log(accepted: Epoch, current: Epoch, last: Zxid) -> Finding {
    let log_epoch = last.epoch();
    if log_epoch > current && accepted >= log_epoch {
        let message = format!(
            "the log reaches {} of epoch {log_epoch}, past currentEpoch {current}: a sync was \
             cut short before currentEpoch was written (ZOOKEEPER-1653); acceptedEpoch \
             {accepted} covers it, so recovery takes {log_epoch} as the current epoch",
            zx(last)
        );
        return Finding::new(Severity::Info, message).in_file(CURRENT_EPOCH);
    }
    if log_epoch > current {
        let message = format!(
            "the log holds {} of epoch {log_epoch} but currentEpoch is {current} \
             (and acceptedEpoch {accepted}): recovery refuses",
            zx(last)
        );
        return Finding::new(Severity::Damage, message).in_file(CURRENT_EPOCH);
    }
    let message = format!(
        "epochs: acceptedEpoch {accepted} >= currentEpoch {current} >= the log's last epoch {log_epoch}"
    );
    Finding::new(Severity::Info, message)
}
