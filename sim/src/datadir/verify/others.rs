//! Every file that is neither a log, a snapshot nor an epoch file: the
//! durability hint, the repair marker, temporaries of atomic writes, and
//! anything the core does not write (reported, never read by recovery).

use super::report::{FileKind, FileReport, FileStatus, Finding, Severity};
use super::Findings;
use crate::datadir::read::{DirContents, OtherWhat};
use crate::datadir::render::zxid as zx;
use zksim_core::persist::epoch_file::decode_epoch;
use zksim_core::persist::names::{
    classify, FileKind as NameKind, REPAIR_MARKER, RESTORE_MARKER, TMP_SUFFIX,
};
use zksim_core::persist::synced_hint::decode_hint;

/// Reports every file the other checks do not, and every entry that is not a regular file.
pub fn check(contents: &DirContents, found: &mut Findings) {
    for (name, bytes) in &contents.files {
        let len = bytes.len() as u64;
        let report = match classify(name) {
            NameKind::SyncedHint => hint(name, bytes),
            NameKind::Temporary => temporary(name, bytes),
            NameKind::Unknown if name == REPAIR_MARKER => repair_marker(name, len),
            NameKind::Unknown if name == RESTORE_MARKER => restore_marker(name, len),
            NameKind::Unknown => unknown(name, len),
            NameKind::Log(_)
            | NameKind::Snapshot(_)
            | NameKind::AcceptedEpoch
            | NameKind::CurrentEpoch => continue,
        };
        found.insert(report);
    }
    for entry in &contents.others {
        // A name that is not UTF-8, made readable, may read like another file's.
        let name = if found.files.contains_key(&entry.name) {
            format!("{} (not UTF-8)", entry.name)
        } else {
            entry.name.clone()
        };
        let mut report = FileReport::new(&name, FileKind::NotAFile, 0);
        report.status = FileStatus::Ignored;
        report.summary = entry.what.describe().to_string();
        let finding = match entry.what {
            OtherWhat::NonUtf8Name => Finding::new(
                Severity::Damage,
                "a file name that is not UTF-8: the server cannot read this directory \
                 (rename or remove the file)",
            ),
            _ => Finding::new(
                Severity::Warning,
                "not a regular file: recovery never reads it (the core writes only regular files)",
            ),
        };
        report.add(finding);
        found.insert(report);
    }
}

fn hint(name: &str, bytes: &[u8]) -> FileReport {
    let mut report = FileReport::new(name, FileKind::SyncedHint, bytes.len() as u64);
    match decode_hint(bytes) {
        Some(zxid) => {
            report.summary = format!("durability hint: {} was fsynced", zx(zxid));
            report.hint_zxid = Some(zx(zxid));
        }
        None if bytes.is_empty() => {
            report.summary = "durability hint not written yet (empty)".to_string();
        }
        None => {
            report.summary = "durability hint unreadable".to_string();
            let message = "the hint does not check out (torn while being rewritten, or \
                           damaged): it proves nothing and recovery ignores it";
            report.add(Finding::new(Severity::Warning, message));
        }
    }
    report
}

fn temporary(name: &str, bytes: &[u8]) -> FileReport {
    let mut report = FileReport::new(name, FileKind::Temporary, bytes.len() as u64);
    report.status = FileStatus::Ignored;
    let target = name.strip_suffix(TMP_SUFFIX).unwrap_or(name);
    let held = match decode_epoch(bytes) {
        Ok(epoch)
            if matches!(
                classify(target),
                NameKind::AcceptedEpoch | NameKind::CurrentEpoch
            ) =>
        {
            format!(" (it holds epoch {epoch})")
        }
        _ => String::new(),
    };
    report.summary = format!("temporary copy of {target}{held}");
    let message = format!(
        "left by an atomic replacement of {target} that was cut short: recovery ignores it, \
         and the next replacement removes it"
    );
    report.add(Finding::new(Severity::Info, message));
    report
}

fn repair_marker(name: &str, len: u64) -> FileReport {
    let mut report = FileReport::new(name, FileKind::RepairMarker, len);
    report.summary = "repair marker".to_string();
    let message = "a rebuild from the leader was cut short: recovery discards this \
                   directory's history (keeping intact epoch files) and the replica \
                   syncs everything from the leader again";
    report.add(Finding::new(Severity::Loss, message));
    report
}

fn restore_marker(name: &str, len: u64) -> FileReport {
    let mut report = FileReport::new(name, FileKind::RestoreMarker, len);
    report.summary = "restore marker".to_string();
    let message = "restored from a backup by an operator: recovery keeps the history, and the \
                   replica votes again only once a leader has brought it up to date";
    report.add(Finding::new(Severity::Info, message));
    report
}

fn unknown(name: &str, len: u64) -> FileReport {
    let mut report = FileReport::new(name, FileKind::Unknown, len);
    report.status = FileStatus::Ignored;
    report.summary = format!("unknown file, {len} bytes");
    let looks_like = ["log.", "snapshot."]
        .into_iter()
        .find(|prefix| name.starts_with(prefix));
    let message = match looks_like {
        Some(prefix) => format!(
            "named like a {} file, but `{}` is not a zxid in hex: recovery ignores it",
            prefix.trim_end_matches('.'),
            &name[prefix.len()..]
        ),
        None => "not a file the core writes: recovery ignores it".to_string(),
    };
    report.add(Finding::new(Severity::Warning, message));
    report
}
