//! Reading a txn log back: the valid prefix, a torn tail to truncate, or an error.
//!
//! The log ends at the first record that does not parse. What follows decides
//! what that means: if any well-formed record after it carries a `synced_zxid`
//! beyond the valid prefix, the damaged bytes had been fsynced — that is
//! corruption, reported as an error and never skipped. So is damage in any file
//! but the last: a file is started only once the one before is entirely durable.
//! Otherwise the damage lies in writes that never became durable: a torn tail,
//! truncated quietly.
//!
//! Bytes that do not parse as a record in the rest of a sector after a record
//! are padding (or the dead remains of a torn batch): the scan resumes at the
//! sector boundary. Every record names its predecessor, so a record skipped
//! this way breaks the chain and is reported, never silently lost. A torn tail
//! is truncated at a sector boundary, so truncation never touches a sector that
//! holds durable bytes.

use crate::ids::Zxid;
use crate::persist::log_format::{
    align_up, decode_log_header, parse_record, FrameFault, LogRecord, LOG_HEADER_BYTES,
    SECTOR_BYTES,
};
use std::fmt;

/// One log file as the scanner sees it.
#[derive(Clone, Copy, Debug)]
pub struct LogFileImage<'a> {
    pub name: &'a str,
    /// The zxid in the file's name: that of its first record.
    pub first_zxid: Zxid,
    pub bytes: &'a [u8],
}

/// Where the log stopped being valid, and what recovery must remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    pub file: String,
    /// Valid bytes of `file` (0 when even its header is damaged: remove the file).
    pub valid_bytes: u64,
    pub reason: String,
    /// Later files to remove. Always empty since a torn tail can only be in
    /// the last file (damage in an earlier one is corruption); kept because
    /// `zksim datadir verify` reports it.
    pub dropped_files: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct LogScan {
    /// Every valid record, in log order.
    pub records: Vec<LogRecord>,
    pub torn_tail: Option<TornTail>,
}

/// Damage that recovery must not paper over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogCorruption {
    pub file: String,
    pub offset: u64,
    pub reason: String,
}

impl fmt::Display for LogCorruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}: {}", self.file, self.offset, self.reason)
    }
}

struct Stop {
    file_index: usize,
    offset: usize,
    reason: String,
}

/// Scans `files` (sorted by first zxid) of database `dbid`.
pub fn scan_log(files: &[LogFileImage<'_>], dbid: u64) -> Result<LogScan, LogCorruption> {
    assert!(
        files
            .windows(2)
            .all(|pair| pair[0].first_zxid < pair[1].first_zxid),
        "log files must be given in zxid order"
    );
    let mut scan = LogScan::default();
    let Some(stop) = scan_valid_prefix(files, dbid, &mut scan.records)? else {
        return Ok(scan);
    };
    let durable_threshold = match scan.records.last() {
        Some(record) => record.zxid(),
        None => Zxid(files[stop.file_index].first_zxid.0.saturating_sub(1)),
    };
    if let Some((file, offset, record)) = find_durable_record_after(files, &stop, durable_threshold)
    {
        return Err(LogCorruption {
            file: files[stop.file_index].name.to_string(),
            offset: stop.offset as u64,
            reason: format!(
                "{}; yet record {} at {file} byte {offset} was written after {} was durable",
                stop.reason,
                record.zxid(),
                record.synced_zxid
            ),
        });
    }
    // The writer starts a file only once every byte of the one before is
    // durable (`server::log_writer`), so damage in any file but the last was
    // durable: corruption, even when no later record proves it (a record
    // waiting for the roll carries the `synced_zxid` of when it was logged).
    if let Some(next) = files.get(stop.file_index + 1) {
        return Err(LogCorruption {
            file: files[stop.file_index].name.to_string(),
            offset: stop.offset as u64,
            reason: format!(
                "{}; yet {} was started after every byte of this file was durable",
                stop.reason, next.name
            ),
        });
    }
    assert_eq!(stop.file_index + 1, files.len());
    scan.torn_tail = Some(TornTail {
        file: files[stop.file_index].name.to_string(),
        valid_bytes: stop.offset as u64,
        reason: stop.reason,
        dropped_files: Vec::new(),
    });
    Ok(scan)
}

/// Collects valid records until the first damaged one; returns where it stopped.
fn scan_valid_prefix(
    files: &[LogFileImage<'_>],
    dbid: u64,
    records: &mut Vec<LogRecord>,
) -> Result<Option<Stop>, LogCorruption> {
    // Where unparsable bytes were last skipped as padding: if the next record
    // breaks the chain, those bytes were a record, and the damage is there.
    let mut skipped: Option<(usize, usize, FrameFault)> = None;
    for (file_index, file) in files.iter().enumerate() {
        match decode_log_header(file.bytes) {
            Ok(found) if found != dbid => {
                return Err(LogCorruption {
                    file: file.name.to_string(),
                    offset: 0,
                    reason: format!("database id {found} differs from this node's {dbid}"),
                })
            }
            Ok(_) => {}
            Err(reason) => {
                let reason = format!("damaged header: {reason}");
                return Ok(Some(Stop {
                    file_index,
                    offset: 0,
                    reason,
                }));
            }
        }
        let mut offset = LOG_HEADER_BYTES;
        let mut first_in_file = true;
        while offset < file.bytes.len() {
            let (record, size) = match parse_record(file.bytes, offset) {
                Ok(parsed) => parsed,
                Err(fault) if !(offset as u64).is_multiple_of(SECTOR_BYTES) => {
                    skipped.get_or_insert((file_index, offset, fault));
                    offset = align_up(offset as u64) as usize;
                    continue;
                }
                Err(fault) => {
                    let reason = fault.to_string();
                    return Ok(Some(Stop {
                        file_index,
                        offset,
                        reason,
                    }));
                }
            };
            if let Err(reason) = check_chain(file, first_in_file, records.last(), &record) {
                let (file_index, offset, reason) = match skipped.take() {
                    Some((index, at, fault)) => (index, at, format!("{fault}, and {reason}")),
                    None => (file_index, offset, reason),
                };
                return Err(LogCorruption {
                    file: files[file_index].name.to_string(),
                    offset: offset as u64,
                    reason,
                });
            }
            skipped = None;
            records.push(record);
            first_in_file = false;
            offset += size;
        }
    }
    Ok(None)
}

fn check_chain(
    file: &LogFileImage<'_>,
    first_in_file: bool,
    previous: Option<&LogRecord>,
    record: &LogRecord,
) -> Result<(), String> {
    if first_in_file && record.zxid() != file.first_zxid {
        return Err(format!(
            "first record is {} but the file is named for {}",
            record.zxid(),
            file.first_zxid
        ));
    }
    if let Some(previous) = previous {
        if record.prev_zxid != previous.zxid() {
            return Err(format!(
                "record {} follows {} but says its predecessor is {} (a gap in the log)",
                record.zxid(),
                previous.zxid(),
                record.prev_zxid
            ));
        }
    }
    Ok(())
}

/// A well-formed record after the stop that was written once something beyond
/// `threshold` was durable, searched at every byte offset.
fn find_durable_record_after(
    files: &[LogFileImage<'_>],
    stop: &Stop,
    threshold: Zxid,
) -> Option<(String, usize, LogRecord)> {
    for (index, file) in files.iter().enumerate().skip(stop.file_index) {
        let start = if index == stop.file_index {
            stop.offset + 1
        } else {
            0
        };
        for offset in start..file.bytes.len() {
            if let Ok((record, _)) = parse_record(file.bytes, offset) {
                if record.synced_zxid > threshold {
                    return Some((file.name.to_string(), offset, record));
                }
            }
        }
    }
    None
}
