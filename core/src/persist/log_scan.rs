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
//! holds durable bytes. When a record breaks the chain, the error names the
//! first skipped bytes that were not zero padding (those held the missing
//! record); when everything skipped was zeros, it names the record itself.
//! Before the first valid record there is no predecessor to check: a file
//! whose bytes were all skipped, followed by a file that parses, is a break too
//! (the skipped file was named for a record the log no longer holds).
//!
//! Two files that name the same first zxid (`log.100` and
//! `log.0000000000000100`) leave the log's order undefined: the scan refuses
//! with [`LogScanError::DuplicateFirstZxid`] rather than pick one.

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
    /// Damaged bytes after the last valid record, inside a sector, that the
    /// scan skipped as the remains of a torn batch (no record after them shows
    /// they had been durable). Nothing is removed for them; reported so a
    /// reader can tell that the log may have ended with a record there.
    pub skipped_tail: Option<SkippedTail>,
}

/// Unparsable, non-zero bytes at the end of the log, skipped rather than
/// truncated: the scan cannot tell a torn batch from a damaged record there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedTail {
    pub file: String,
    pub offset: u64,
    pub reason: String,
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

/// Why the log cannot be read. Either way recovery must refuse: nothing is
/// chosen, truncated or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogScanError {
    /// Durable bytes are damaged, or records are missing.
    Corrupt(LogCorruption),
    /// These files (two or more, in the order given) all name `zxid` as their
    /// first record's, so which one holds the log from there on is undefined.
    /// The core only ever writes the 16-digit name; another spelling
    /// (`log.100`, upper-case hex) comes from outside. An operator must move
    /// all but one away.
    DuplicateFirstZxid { zxid: Zxid, files: Vec<String> },
}

impl fmt::Display for LogScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogScanError::Corrupt(corruption) => corruption.fmt(f),
            LogScanError::DuplicateFirstZxid { zxid, files } => write!(
                f,
                "{} all name {zxid} as their first zxid: the log's order is undefined, so it is \
                 not read (move all but one of them out of the directory)",
                files.join(", ")
            ),
        }
    }
}

struct Stop {
    file_index: usize,
    offset: usize,
    reason: String,
}

/// Scans `files` (sorted by first zxid) of database `dbid`.
pub fn scan_log(files: &[LogFileImage<'_>], dbid: u64) -> Result<LogScan, LogScanError> {
    assert!(
        files
            .windows(2)
            .all(|pair| pair[0].first_zxid <= pair[1].first_zxid),
        "log files must be given in zxid order"
    );
    if let Some(duplicate) = duplicate_first_zxid(files) {
        return Err(duplicate);
    }
    let mut scan = LogScan::default();
    let stop = scan_valid_prefix(files, dbid, &mut scan.records, &mut scan.skipped_tail)
        .map_err(LogScanError::Corrupt)?;
    let Some(stop) = stop else {
        return Ok(scan);
    };
    let durable_threshold = match scan.records.last() {
        Some(record) => record.zxid(),
        None => Zxid(files[stop.file_index].first_zxid.0.saturating_sub(1)),
    };
    if let Some((file, offset, record)) = find_durable_record_after(files, &stop, durable_threshold)
    {
        return Err(LogScanError::Corrupt(LogCorruption {
            file: files[stop.file_index].name.to_string(),
            offset: stop.offset as u64,
            reason: format!(
                "{}; yet record {} at {file} byte {offset} was written after {} was durable",
                stop.reason,
                record.zxid(),
                record.synced_zxid
            ),
        }));
    }
    // The writer starts a file only once every byte of the one before is
    // durable (`server::log_writer`), so damage in any file but the last was
    // durable: corruption, even when no later record proves it (a record
    // waiting for the roll carries the `synced_zxid` of when it was logged).
    if let Some(next) = files.get(stop.file_index + 1) {
        return Err(LogScanError::Corrupt(LogCorruption {
            file: files[stop.file_index].name.to_string(),
            offset: stop.offset as u64,
            reason: format!(
                "{}; yet {} was started after every byte of this file was durable",
                stop.reason, next.name
            ),
        }));
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

/// The first run of files that name one first zxid (`files` is sorted).
fn duplicate_first_zxid(files: &[LogFileImage<'_>]) -> Option<LogScanError> {
    let at = files
        .windows(2)
        .position(|pair| pair[0].first_zxid == pair[1].first_zxid)?;
    let zxid = files[at].first_zxid;
    let names: Vec<String> = files[at..]
        .iter()
        .take_while(|file| file.first_zxid == zxid)
        .map(|file| file.name.to_string())
        .collect();
    assert!(names.len() >= 2);
    Some(LogScanError::DuplicateFirstZxid { zxid, files: names })
}

/// Unparsable bytes inside a sector that the scan skipped to the boundary.
struct Skip {
    file_index: usize,
    offset: usize,
    fault: FrameFault,
}

/// What was skipped since the last valid record: if the next record breaks
/// the chain, the missing records were in those bytes.
#[derive(Default)]
struct Skipped {
    /// The first skipped bytes that are not all zeros: damage.
    damage: Option<Skip>,
    /// The first skipped bytes that are all zeros: batch padding (which
    /// never holds a record), or records lost to zeros (indistinguishable).
    zeros: Option<Skip>,
}

impl Skipped {
    fn add(&mut self, skip: Skip, bytes: &[u8]) {
        let end = (align_up(skip.offset as u64) as usize).min(bytes.len());
        // An OR over the whole gap (a sector's padding at most) vectorizes;
        // a short-circuiting `all` went byte by byte at every batch's padding.
        let ored = bytes[skip.offset..end]
            .iter()
            .fold(0u8, |ored, byte| ored | byte);
        let slot = if ored == 0 {
            &mut self.zeros
        } else {
            &mut self.damage
        };
        slot.get_or_insert(skip);
    }

    /// The first file bytes were skipped in, if it is before `file_index`.
    fn earlier_file(&self, file_index: usize) -> Option<usize> {
        let skips = [self.damage.as_ref(), self.zeros.as_ref()];
        let first = skips
            .into_iter()
            .flatten()
            .map(|skip| skip.file_index)
            .min()?;
        (first < file_index).then_some(first)
    }

    /// Where the chain break of the record at `file_index`, `offset` is
    /// reported, and why.
    fn blame(
        self,
        files: &[LogFileImage<'_>],
        file_index: usize,
        offset: usize,
        reason: String,
    ) -> LogCorruption {
        let (file_index, offset, reason) = match (self.damage, self.zeros) {
            (Some(skip), _) => (
                skip.file_index,
                skip.offset,
                format!("{}, and {reason}", skip.fault),
            ),
            (None, Some(zeros)) => (
                file_index,
                offset,
                format!(
                    "{reason}; the only bytes skipped before it are zeros at {} byte {} \
                     (batch padding, or records lost to zeros)",
                    files[zeros.file_index].name, zeros.offset
                ),
            ),
            (None, None) => (file_index, offset, reason),
        };
        LogCorruption {
            file: files[file_index].name.to_string(),
            offset: offset as u64,
            reason,
        }
    }
}

/// Collects valid records until the first damaged one; returns where it
/// stopped. When it reads to the end, `skipped_tail` is the damage it
/// skipped after the last valid record, if any.
fn scan_valid_prefix(
    files: &[LogFileImage<'_>],
    dbid: u64,
    records: &mut Vec<LogRecord>,
    skipped_tail: &mut Option<SkippedTail>,
) -> Result<Option<Stop>, LogCorruption> {
    let mut skipped = Skipped::default();
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
                    let skip = Skip {
                        file_index,
                        offset,
                        fault,
                    };
                    skipped.add(skip, file.bytes);
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
            let lost = match records.is_empty() {
                true => skipped.earlier_file(file_index).map(|index| &files[index]),
                false => None,
            };
            if let Err(reason) = check_chain(file, first_in_file, records.last(), lost, &record) {
                return Err(skipped.blame(files, file_index, offset, reason));
            }
            skipped = Skipped::default();
            records.push(record);
            first_in_file = false;
            offset += size;
        }
    }
    assert!(skipped_tail.is_none(), "set only here, once");
    *skipped_tail = skipped.damage.map(|skip| SkippedTail {
        file: files[skip.file_index].name.to_string(),
        offset: skip.offset as u64,
        reason: skip.fault.to_string(),
    });
    Ok(None)
}

/// Checks `record` against its file's name and the record before it; before
/// the first valid record, `lost` is an earlier file that yielded none (its
/// bytes were skipped), whose records are then missing.
fn check_chain(
    file: &LogFileImage<'_>,
    first_in_file: bool,
    previous: Option<&LogRecord>,
    lost: Option<&LogFileImage<'_>>,
    record: &LogRecord,
) -> Result<(), String> {
    if first_in_file && record.zxid() != file.first_zxid {
        return Err(format!(
            "first record is {} but the file is named for {}",
            record.zxid(),
            file.first_zxid
        ));
    }
    if let (None, Some(lost)) = (previous, lost) {
        return Err(format!(
            "record {} is the first that parses, but {} before it, named for {}, yields none \
             (a gap in the log)",
            record.zxid(),
            lost.name,
            lost.first_zxid
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
