//! The log files: each one walked record by record, the core's own scan run
//! over all of them (its verdict — intact, torn tail, corrupt — is recovery's),
//! and the zxid chain checked within and across files.

use super::report::{FileKind, FileReport, FileStatus, Finding, LogFacts, Severity};
use super::Findings;
use crate::datadir::log_walk::{walk_log, LogWalk, Unparsed, WalkedRecord};
use crate::datadir::render::zxid as zx;
use std::collections::BTreeMap;
use zksim_core::ids::Zxid;
use zksim_core::persist::log_format::{LogRecord, LOG_HEADER_BYTES};
use zksim_core::persist::log_scan::{
    scan_log, LogCorruption, LogFileImage, LogScan, LogScanError, TornTail,
};
use zksim_core::persist::names::{classify, log_name, FileKind as NameKind};

/// One log file and its walk.
#[derive(Debug)]
pub struct LogFile {
    pub name: String,
    /// The zxid in its name.
    pub named: Zxid,
    pub walk: LogWalk,
}

/// What the logs hold, for the checks that follow.
#[derive(Debug)]
pub struct LogOutcome {
    /// Every log file in zxid order; of two naming the same zxid, only the first.
    pub files: Vec<LogFile>,
    /// The core's scan of `files`.
    pub scan: Result<LogScan, LogCorruption>,
    /// Bytes that are not padding and do not parse, after the last valid record.
    pub trailing: Vec<(String, Unparsed)>,
    /// Where the last valid record ends: index into `files`, and byte.
    pub end: Option<(usize, u64)>,
    /// Where the log is corrupt (when the core's scan says it is).
    pub damage: Option<Damage>,
}

/// Where the log is corrupt: where the core's scan says it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub file: String,
    pub offset: u64,
    pub reason: String,
}

impl LogOutcome {
    /// The file the last valid record is in, and the byte after it.
    pub fn end(&self) -> Option<(&str, u64)> {
        let (index, offset) = self.end?;
        Some((self.files[index].name.as_str(), offset))
    }

    /// The valid records, in order (none when the log is corrupt).
    pub fn records(&self) -> &[LogRecord] {
        match &self.scan {
            Ok(scan) => &scan.records,
            Err(_) => &[],
        }
    }
}

/// Where a file stands in the core's scan.
enum Fate<'a> {
    Read,
    TornHere(&'a TornTail),
    Dropped(&'a TornTail),
    CorruptHere(&'a Damage),
    /// After the corrupt file: recovery does not get to use it.
    Unread(&'a Damage),
}

/// Reports every log file and the chain; returns what the logs hold.
pub fn check(files: &BTreeMap<String, Vec<u8>>, dbid: u64, found: &mut Findings) -> LogOutcome {
    let logs = collect(files, found);
    let images: Vec<LogFileImage<'_>> = logs
        .iter()
        .map(|file| LogFileImage {
            name: &file.name,
            first_zxid: file.named,
            bytes: &files[&file.name],
        })
        .collect();
    let scan = scan_log(&images, dbid).map_err(as_corruption);
    let damage = scan.as_ref().err().map(|corruption| Damage {
        file: corruption.file.clone(),
        offset: corruption.offset,
        reason: corruption.reason.clone(),
    });
    let mut outcome = LogOutcome {
        files: logs,
        scan,
        trailing: Vec::new(),
        end: None,
        damage,
    };
    locate_end(&mut outcome);
    for index in 0..outcome.files.len() {
        let report = file_report(&outcome, index, dbid);
        found.insert(report);
    }
    super::chain::check(&outcome, found);
    outcome
}

/// The log files in zxid order; a name that repeats a zxid is reported as
/// damage (recovery refuses such a directory) and left out of the walk.
fn collect(files: &BTreeMap<String, Vec<u8>>, found: &mut Findings) -> Vec<LogFile> {
    let mut by_zxid: BTreeMap<Zxid, LogFile> = BTreeMap::new();
    for (name, bytes) in files {
        let NameKind::Log(named) = classify(name) else {
            continue;
        };
        if let Some(first) = by_zxid.get(&named) {
            let mut report = FileReport::new(name, FileKind::Log, bytes.len() as u64);
            report.status = FileStatus::Corrupt;
            report.summary = format!("names first zxid {} like {}", zx(named), first.name);
            report.add(Finding::new(
                Severity::Damage,
                format!(
                    "names the same first zxid {} as {}: which one continues the log is undefined, \
                     so recovery refuses the directory (move all but one out of it)",
                    zx(named),
                    first.name
                ),
            ));
            if *name != log_name(named) {
                let message = format!("not the name the core gives it ({})", log_name(named));
                report.add(Finding::new(Severity::Warning, message));
            }
            found.insert(report);
            continue;
        }
        let file = LogFile {
            name: name.clone(),
            named,
            walk: walk_log(bytes),
        };
        by_zxid.insert(named, file);
    }
    by_zxid.into_values().collect()
}

fn fate(outcome: &LogOutcome, index: usize) -> Fate<'_> {
    let name = &outcome.files[index].name;
    if let Some(damage) = &outcome.damage {
        let at = outcome
            .files
            .iter()
            .position(|file| file.name == damage.file);
        return match at {
            Some(at) if at == index => Fate::CorruptHere(damage),
            Some(at) if at < index => Fate::Unread(damage),
            _ => Fate::Read,
        };
    }
    match &outcome.scan {
        Ok(LogScan {
            torn_tail: Some(torn),
            ..
        }) if torn.file == *name => Fate::TornHere(torn),
        Ok(LogScan {
            torn_tail: Some(torn),
            ..
        }) if torn.dropped_files.contains(name) => Fate::Dropped(torn),
        _ => Fate::Read,
    }
}

/// The scan's error as damage at a place. `collect` keeps one file per zxid,
/// so the scan never finds two (recovery does: verify reports it there).
fn as_corruption(error: LogScanError) -> LogCorruption {
    match error {
        LogScanError::Corrupt(corruption) => corruption,
        LogScanError::DuplicateFirstZxid { ref files, .. } => LogCorruption {
            file: files.last().cloned().unwrap_or_default(),
            offset: 0,
            reason: error.to_string(),
        },
    }
}

fn file_report(outcome: &LogOutcome, index: usize, dbid: u64) -> FileReport {
    let file = &outcome.files[index];
    let fate = fate(outcome, index);
    let walk = &file.walk;
    let mut report = FileReport::new(&file.name, FileKind::Log, walk.len);
    report.summary = summary(file);
    report.log = Some(facts(file));
    if file.name != log_name(file.named) {
        report.add(Finding::new(
            Severity::Warning,
            format!("not the name the core gives it ({})", log_name(file.named)),
        ));
    }
    let covered_at = apply_fate(&fate, walk, &mut report);
    match &walk.header {
        Err(reason) if covered_at != Some(0) => {
            let severity = if matches!(fate, Fate::Read) {
                Severity::Damage
            } else {
                Severity::Info
            };
            report.add(Finding::new(severity, format!("damaged header: {reason}")).at(0));
        }
        Ok(found) if *found != dbid && covered_at != Some(0) => {
            report.add(
                Finding::new(
                    Severity::Damage,
                    format!("database id {found} differs from this directory's {dbid}"),
                )
                .at(0),
            );
        }
        _ => {}
    }
    note_mid_log_remains(outcome, index, covered_at, &mut report);
    report
}

/// Records the core's verdict on the file; returns the offset it names, if any.
fn apply_fate(fate: &Fate<'_>, walk: &LogWalk, report: &mut FileReport) -> Option<u64> {
    match fate {
        Fate::Read => None,
        Fate::CorruptHere(damage) => {
            report.status = FileStatus::Corrupt;
            let message = format!("corrupt: {}", damage.reason);
            report.add(Finding::new(Severity::Damage, message).at(damage.offset));
            Some(damage.offset)
        }
        Fate::Unread(damage) => {
            report.status = FileStatus::Unread;
            let message = format!(
                "not used: recovery stops at the damage in {} at byte {}",
                damage.file, damage.offset
            );
            report.add(Finding::new(Severity::Info, message));
            note_stop(walk, report);
            None
        }
        Fate::TornHere(torn) => {
            report.status = FileStatus::Torn;
            report.add(Finding::new(Severity::Torn, torn_message(torn)).at(torn.valid_bytes));
            Some(torn.valid_bytes)
        }
        Fate::Dropped(torn) => {
            report.status = FileStatus::Dropped;
            let message = format!(
                "comes after the torn tail in {} and holds nothing durable: recovery deletes it",
                torn.file
            );
            report.add(Finding::new(Severity::Torn, message));
            note_stop(walk, report);
            None
        }
    }
}

fn torn_message(torn: &TornTail) -> String {
    let action = if torn.valid_bytes == 0 {
        "recovery deletes the file".to_string()
    } else {
        format!("recovery truncates the file to {} bytes", torn.valid_bytes)
    };
    let dropped = if torn.dropped_files.is_empty() {
        String::new()
    } else {
        format!(" and deletes {}", torn.dropped_files.join(", "))
    };
    format!(
        "torn tail: {}; no later record proves it was ever durable (a write cut short by a crash): {action}{dropped}",
        torn.reason
    )
}

fn note_stop(walk: &LogWalk, report: &mut FileReport) {
    if let Some(stop) = walk.first_stop() {
        let message = format!("does not parse from here on: {}", stop.fault);
        report.add(Finding::new(Severity::Info, message).at(stop.offset));
    }
}

/// Unparsable, non-zero bytes before the last valid record: records after
/// them chain on intact, so they are the remains of a torn batch that an
/// earlier recovery cut at a sector boundary (the cut keeps the sector's start).
fn note_mid_log_remains(
    outcome: &LogOutcome,
    index: usize,
    covered_at: Option<u64>,
    report: &mut FileReport,
) {
    let Some((end_index, end_offset)) = outcome.end else {
        return;
    };
    for region in outcome.files[index].walk.remains() {
        let before_end = (index, region.offset) < (end_index, end_offset);
        if !before_end || Some(region.offset) == covered_at {
            continue;
        }
        let message = format!(
            "bytes {}..{} do not parse ({}) and are skipped as padding: the remains of an \
             earlier torn write; the records after them chain on intact, so nothing was lost",
            region.offset, region.end, region.fault
        );
        report.add(Finding::new(Severity::Info, message).at(region.offset));
    }
}

fn summary(file: &LogFile) -> String {
    let walk = &file.walk;
    let readable: Vec<&LogRecord> = walk.readable().map(|walked| &walked.record).collect();
    let contents = match (readable.first(), readable.last()) {
        (Some(first), Some(_)) if readable.len() == 1 => format!(
            "1 record {} (after {})",
            zx(first.zxid()),
            zx(first.prev_zxid)
        ),
        (Some(first), Some(last)) => format!(
            "{} records {}..{} (after {})",
            readable.len(),
            zx(first.zxid()),
            zx(last.zxid()),
            zx(first.prev_zxid)
        ),
        _ => "no records".to_string(),
    };
    let beyond = walk.records.len() - readable.len();
    let beyond = match beyond {
        0 => String::new(),
        count => format!(" (+{count} past where it stops parsing)"),
    };
    format!("{contents}{beyond}, {} bytes", walk.len)
}

fn facts(file: &LogFile) -> LogFacts {
    let walk = &file.walk;
    let readable: Vec<_> = walk.readable().collect();
    LogFacts {
        dbid: walk.header.as_ref().ok().copied(),
        named_zxid: zx(file.named),
        records: readable.len(),
        records_past_stop: walk.records.len() - readable.len(),
        first_zxid: readable.first().map(|r| zx(r.record.zxid())),
        last_zxid: readable.last().map(|r| zx(r.record.zxid())),
        prev_zxid: readable.first().map(|r| zx(r.record.prev_zxid)),
        records_end: readable
            .last()
            .map_or(LOG_HEADER_BYTES as u64, |last| last.offset + last.size),
        stops_at: walk.first_stop().map(|stop| stop.offset),
    }
}

/// Finds where the last valid record ends, and every unparsable non-zero
/// region after it (up to a torn tail's cut, before the files it drops).
fn locate_end(outcome: &mut LogOutcome) {
    let Ok(scan) = &outcome.scan else {
        return;
    };
    let last = scan.records.last().map(LogRecord::zxid);
    let mut after_last = last.is_none();
    for (index, file) in outcome.files.iter().enumerate() {
        let torn = scan.torn_tail.as_ref();
        if torn.is_some_and(|torn| torn.dropped_files.contains(&file.name)) {
            break;
        }
        let cut = torn
            .filter(|torn| torn.file == file.name)
            .map_or(u64::MAX, |torn| torn.valid_bytes);
        let mut from = 0;
        let holds_last = |r: &&WalkedRecord| Some(r.record.zxid()) == last;
        let found = if after_last {
            None
        } else {
            file.walk.readable().find(holds_last)
        };
        if let Some(walked) = found {
            from = walked.offset + walked.size;
            outcome.end = Some((index, from));
            after_last = true;
        }
        if !after_last {
            continue;
        }
        for region in file.walk.remains() {
            if region.offset >= from && region.offset < cut {
                outcome.trailing.push((file.name.clone(), region.clone()));
            }
        }
    }
    let found_last = outcome.end.is_some() || last.is_none();
    assert!(found_last, "the scan's last record is in some file");
}
