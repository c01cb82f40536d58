//! Rebuilding a node's state from its data directory: the newest usable
//! snapshot, then every logged txn after it. Damage that a crash can cause (a
//! torn log tail, an unsealed snapshot) is repaired or worked around and
//! reported; damage a crash cannot cause is an error naming the file.

use crate::bugs::{Bugs, PlantedBug};
use crate::ids::{Epoch, Zxid};
use crate::persist::epoch_file::decode_epoch;
use crate::persist::log_format::LogRecord;
use crate::persist::log_scan::{scan_log, LogFileImage, LogScanError, SkippedTail, TornTail};
use crate::persist::names::{classify, FileKind, ACCEPTED_EPOCH, CURRENT_EPOCH, RESTORE_MARKER};
use crate::persist::snapshot_format::decode_snapshot;
use crate::persist::snapshot_format::decode_snapshot_unsealed;
use crate::tree::DataTree;
use std::collections::BTreeMap;
use std::fmt;

/// A data directory as read from disk: file name → content.
pub type DataDirImage = BTreeMap<String, Vec<u8>>;

/// The recovered state and everything recovery noticed.
#[derive(Clone, Debug)]
pub struct Recovered {
    pub tree: DataTree,
    /// The last txn in the recovered state (the snapshot's zxid or the last replayed).
    pub last_zxid: Zxid,
    pub accepted_epoch: Epoch,
    pub current_epoch: Epoch,
    /// The snapshot the state was built from, if any.
    pub snapshot_used: Option<Zxid>,
    /// Snapshots passed over, newest first, with the reason.
    pub snapshots_rejected: Vec<(String, String)>,
    pub txns_replayed: u64,
    pub torn_tail: Option<TornTail>,
    /// Damage the log scan skipped after the last valid record (see
    /// [`crate::persist::log_scan::LogScan::skipped_tail`]).
    pub skipped_tail: Option<SkippedTail>,
    /// Log files that remain after the torn tail's plan, by first zxid.
    pub log_files: BTreeMap<Zxid, String>,
    /// Usable snapshots by zxid.
    pub snapshot_files: BTreeMap<Zxid, String>,
    /// Every other file (temp files, rejected snapshots, unknown names).
    pub other_files: Vec<String>,
    /// The state the snapshot held (empty without one), before any replay.
    pub snapshot_tree: DataTree,
    /// Every valid logged record, in order (including those the snapshot covers).
    pub log_records: Vec<LogRecord>,
    /// The directory is being rebuilt from a leader (its marker file exists, or
    /// damage was found): nothing in it is trusted, every file is listed in `other_files`.
    pub repairing: bool,
    /// The directory was restored from a backup (`RESTORE_MARKER`): its
    /// history is kept, but the replica must not vote until synced.
    pub restored: bool,
}

impl Recovered {
    /// A directory to rebuild from scratch: every file in it goes, except the
    /// epoch files when they are intact — acceptedEpoch is a promise never to
    /// follow an older leader, and must outlive the history it came with.
    pub fn for_repair(image: &DataDirImage) -> Recovered {
        let epochs = read_epoch_files(image);
        let keep =
            |name: &String| epochs.is_some() && (name == ACCEPTED_EPOCH || name == CURRENT_EPOCH);
        let files = image.keys().filter(|name| !keep(name)).cloned().collect();
        let (accepted_epoch, current_epoch) = epochs.unwrap_or((Epoch(0), Epoch(0)));
        Recovered {
            tree: DataTree::new(),
            last_zxid: Zxid::ZERO,
            accepted_epoch,
            current_epoch,
            snapshot_used: None,
            snapshots_rejected: Vec::new(),
            txns_replayed: 0,
            torn_tail: None,
            skipped_tail: None,
            log_files: BTreeMap::new(),
            snapshot_files: BTreeMap::new(),
            other_files: files,
            snapshot_tree: DataTree::new(),
            log_records: Vec::new(),
            repairing: true,
            restored: false,
        }
    }
}

/// Damage recovery will not paper over: the node must not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryError {
    pub file: Option<String>,
    pub offset: Option<u64>,
    pub reason: String,
}

impl fmt::Display for RecoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.offset) {
            (Some(file), Some(offset)) => write!(f, "{file} at byte {offset}: {}", self.reason),
            (Some(file), None) => write!(f, "{file}: {}", self.reason),
            _ => write!(f, "{}", self.reason),
        }
    }
}

impl std::error::Error for RecoveryError {}

fn error(file: Option<&str>, reason: String) -> RecoveryError {
    RecoveryError {
        file: file.map(str::to_string),
        offset: None,
        reason,
    }
}

pub fn recover(image: &DataDirImage, dbid: u64) -> Result<Recovered, RecoveryError> {
    recover_with_bugs(image, dbid, Bugs::none())
}

/// [`recover`], with a planted bug in how snapshots are trusted.
pub fn recover_with_bugs(
    image: &DataDirImage,
    dbid: u64,
    bugs: Bugs,
) -> Result<Recovered, RecoveryError> {
    if image.contains_key(crate::persist::names::REPAIR_MARKER) {
        // A repair was interrupted: what the directory holds is not a history.
        return Ok(Recovered::for_repair(image));
    }
    let mut logs = Vec::new();
    let mut snapshots = Vec::new();
    let mut other_files = Vec::new();
    for (name, bytes) in image {
        match classify(name) {
            FileKind::Log(first_zxid) => logs.push(LogFileImage {
                name,
                first_zxid,
                bytes,
            }),
            FileKind::Snapshot(zxid) => snapshots.push((zxid, name.as_str(), bytes.as_slice())),
            FileKind::AcceptedEpoch | FileKind::CurrentEpoch | FileKind::SyncedHint => {}
            FileKind::Unknown if name == RESTORE_MARKER => {}
            FileKind::Temporary | FileKind::Unknown => other_files.push(name.clone()),
        }
    }
    // Stable: files naming one zxid stay in name order (an error names them).
    logs.sort_by_key(|file| file.first_zxid);
    snapshots.sort_by_key(|(zxid, _, _)| std::cmp::Reverse(*zxid));

    let scan = scan_log(&logs, dbid).map_err(scan_error)?;
    let mut recovered = rebuild(scan.records, &snapshots, dbid, bugs)?;
    recovered.restored = image.contains_key(RESTORE_MARKER);
    recovered.other_files.extend(other_files);
    if image.contains_key(crate::persist::synced_hint::SYNCED_HINT) {
        recovered
            .other_files
            .push(crate::persist::synced_hint::SYNCED_HINT.to_string());
    }
    recovered.torn_tail = scan.torn_tail;
    recovered.skipped_tail = scan.skipped_tail;
    recovered.log_files = surviving_logs(&logs, recovered.torn_tail.as_ref());
    check_synced_hint(image, &recovered)?;
    let (accepted, current) = read_epochs(image, recovered.last_zxid)?;
    recovered.accepted_epoch = accepted;
    recovered.current_epoch = current;
    recovered
        .tree
        .check_invariants()
        .map_err(|broken| error(None, format!("recovered tree is inconsistent: {broken}")))?;
    Ok(recovered)
}

fn scan_error(scan: LogScanError) -> RecoveryError {
    match scan {
        LogScanError::Corrupt(corruption) => RecoveryError {
            file: Some(corruption.file),
            offset: Some(corruption.offset),
            reason: corruption.reason,
        },
        LogScanError::DuplicateFirstZxid { ref files, .. } => RecoveryError {
            // The last in name order: `zksim datadir verify` flags every one after the first.
            file: files.last().cloned(),
            offset: None,
            reason: scan.to_string(),
        },
    }
}

/// Picks the newest usable snapshot and replays the log after it. The
/// records end up in `Recovered::log_records` (moved, not copied).
fn rebuild(
    records: Vec<LogRecord>,
    snapshots: &[(Zxid, &str, &[u8])],
    dbid: u64,
    bugs: Bugs,
) -> Result<Recovered, RecoveryError> {
    let mut rejected = Vec::new();
    let mut usable = BTreeMap::new();
    let mut base: Option<(Zxid, DataTree)> = None;
    for (zxid, name, bytes) in snapshots {
        match load_snapshot(bytes, *zxid, dbid, &records, bugs) {
            Ok(tree) => {
                usable.insert(*zxid, name.to_string());
                if base.is_none() {
                    base = Some((*zxid, tree));
                }
            }
            Err(reason) => rejected.push((name.to_string(), reason)),
        }
    }
    let (snapshot_used, mut tree) = match base {
        Some((zxid, tree)) => (Some(zxid), tree),
        None => {
            // A damaged snapshot with no log from the beginning behind it: the
            // state it held is gone. That is damage to report, not an empty database.
            let from_beginning = records
                .first()
                .is_some_and(|first| first.prev_zxid == Zxid::ZERO);
            if !rejected.is_empty() && !from_beginning {
                let (name, reason) = &rejected[0];
                return Err(error(
                    Some(name),
                    format!("no usable snapshot ({reason}) and no log from the beginning to replay instead"),
                ));
            }
            if let Some(first) = records.first() {
                if first.prev_zxid != Zxid::ZERO {
                    return Err(error(
                        None,
                        format!(
                            "no usable snapshot, and the log starts at {} after {} rather than at the beginning",
                            first.zxid(),
                            first.prev_zxid
                        ),
                    ));
                }
            }
            (None, DataTree::new())
        }
    };
    let start = snapshot_used.unwrap_or(Zxid::ZERO);
    let snapshot_tree = tree.clone();
    let (last_zxid, txns_replayed) = replay(&mut tree, start, &records);
    let other_files = rejected.iter().map(|(name, _)| name.clone()).collect();
    Ok(Recovered {
        tree,
        last_zxid,
        accepted_epoch: Epoch(0),
        current_epoch: Epoch(0),
        snapshot_used,
        snapshots_rejected: rejected,
        txns_replayed,
        torn_tail: None,
        skipped_tail: None,
        log_files: BTreeMap::new(),
        snapshot_files: usable,
        other_files,
        snapshot_tree,
        log_records: records,
        repairing: false,
        restored: false,
    })
}

/// Applies every record after `start` to `tree`, as recovery replays the log:
/// returns the last zxid of the state and the txns replayed.
fn replay(tree: &mut DataTree, start: Zxid, records: &[LogRecord]) -> (Zxid, u64) {
    assert!(
        tree.last_processed_zxid() <= start,
        "the replay starts at the tree's state"
    );
    let mut txns_replayed = 0;
    for record in records.iter().filter(|record| record.zxid() > start) {
        // A failed txn's error result is part of the replay, not a recovery problem.
        let _outcome = tree.apply(&record.header, &record.txn);
        txns_replayed += 1;
    }
    let last_zxid = records
        .last()
        .map_or(start, |record| record.zxid().max(start));
    tree.set_last_processed_zxid(last_zxid);
    assert!(last_zxid >= start);
    (last_zxid, txns_replayed)
}

/// The state recovery reaches from one snapshot when it is the newest usable
/// one: the snapshot (judged as [`load_snapshot`] judges it), then every
/// record of `records` after it, then the tree's own consistency check. With
/// `records` the log a recovery of the same directory read, this is that
/// recovery's tree and last zxid, without scanning the log again (the purge
/// checker asks it of every retained snapshot at every restart).
pub fn recover_from_snapshot(
    bytes: &[u8],
    zxid: Zxid,
    dbid: u64,
    records: &[LogRecord],
) -> Result<(DataTree, Zxid), String> {
    let mut tree = load_snapshot(bytes, zxid, dbid, records, Bugs::none())?;
    let (last_zxid, _) = replay(&mut tree, zxid, records);
    tree.check_invariants()
        .map_err(|broken| format!("recovered tree is inconsistent: {broken}"))?;
    Ok((tree, last_zxid))
}

/// A snapshot is usable when sealed, of this database, named for its zxid, and
/// continued by the log (the record after its zxid, if any, chains to it).
/// Public for inspection tools (`zksim datadir verify`), which must judge a
/// snapshot exactly as recovery does.
pub fn load_snapshot(
    bytes: &[u8],
    named_zxid: Zxid,
    dbid: u64,
    records: &[LogRecord],
    bugs: Bugs,
) -> Result<DataTree, String> {
    let contents = if bugs.has(PlantedBug::SnapshotSealUnchecked) {
        decode_snapshot_unsealed(bytes)?
    } else {
        decode_snapshot(bytes)?
    };
    if contents.dbid != dbid {
        return Err(format!(
            "database id {} is not this node's {dbid}",
            contents.dbid
        ));
    }
    if contents.zxid != named_zxid {
        return Err(format!(
            "holds zxid {} but is named for {named_zxid}",
            contents.zxid
        ));
    }
    let log_end = records.last().map_or(Zxid::ZERO, LogRecord::zxid);
    if contents.fuzzy_until > contents.zxid && log_end < contents.fuzzy_until {
        return Err(format!(
            "its content may hold txns up to {} (applied while it was written), but the log ends at {log_end}: the log it needs is missing",
            contents.fuzzy_until
        ));
    }
    let next = records.iter().find(|record| record.zxid() > contents.zxid);
    let covered = records.iter().any(|record| record.zxid() == contents.zxid);
    if let Some(next) = next {
        if !covered && next.prev_zxid != contents.zxid {
            return Err(format!(
                "the log continues with {} after {}, not after the snapshot's {}",
                next.zxid(),
                next.prev_zxid,
                contents.zxid
            ));
        }
    }
    DataTree::from_snapshot(contents.zxid, contents.sessions, contents.nodes)
}

fn surviving_logs(logs: &[LogFileImage<'_>], torn: Option<&TornTail>) -> BTreeMap<Zxid, String> {
    logs.iter()
        .filter(|file| match torn {
            Some(torn) => {
                let dropped = torn.dropped_files.iter().any(|name| name == file.name);
                let removed = torn.file == file.name && torn.valid_bytes == 0;
                !dropped && !removed
            }
            None => true,
        })
        .map(|file| (file.first_zxid, file.name.to_string()))
        .collect()
}

/// A surviving durability hint above the recovered state: fsynced bytes were lost.
fn check_synced_hint(image: &DataDirImage, recovered: &Recovered) -> Result<(), RecoveryError> {
    use crate::persist::synced_hint::{decode_hint, SYNCED_HINT};
    let Some(hint) = image.get(SYNCED_HINT).and_then(|bytes| decode_hint(bytes)) else {
        return Ok(());
    };
    if hint <= recovered.last_zxid {
        return Ok(());
    }
    let (file, reason) = match &recovered.torn_tail {
        Some(torn) => (
            Some(torn.file.as_str()),
            format!("{} at byte {}", torn.reason, torn.valid_bytes),
        ),
        None => (None, "the log ends there".to_string()),
    };
    Err(error(
        file,
        format!(
            "the log ends at {} but {hint} had been fsynced ({SYNCED_HINT}): {reason}",
            recovered.last_zxid
        ),
    ))
}

/// Both epoch files, when both decode and agree (acceptedEpoch >= currentEpoch).
pub fn read_epoch_files(image: &DataDirImage) -> Option<(Epoch, Epoch)> {
    let accepted = decode_epoch(image.get(ACCEPTED_EPOCH)?).ok()?;
    let current = decode_epoch(image.get(CURRENT_EPOCH)?).ok()?;
    (accepted >= current).then_some((accepted, current))
}

/// Reads both epoch files (a missing one defaults to the epoch of the last
/// zxid, as ZooKeeper does) and checks them against each other and the log.
fn read_epochs(image: &DataDirImage, last_zxid: Zxid) -> Result<(Epoch, Epoch), RecoveryError> {
    let read = |name: &str| -> Result<Epoch, RecoveryError> {
        match image.get(name) {
            Some(bytes) => decode_epoch(bytes).map_err(|reason| error(Some(name), reason)),
            None => Ok(last_zxid.epoch()),
        }
    };
    let accepted = read(ACCEPTED_EPOCH)?;
    let current = read(CURRENT_EPOCH)?;
    if accepted < current {
        return Err(error(
            Some(ACCEPTED_EPOCH),
            format!("acceptedEpoch {accepted} is less than currentEpoch {current}"),
        ));
    }
    if last_zxid.epoch() > current && accepted >= last_zxid.epoch() {
        // A sync was interrupted between logging the new epoch's txns and writing
        // currentEpoch (ZOOKEEPER-1653). The log holds the whole synced history
        // before them, so the log's epoch is this node's current one.
        return Ok((accepted, last_zxid.epoch()));
    }
    if last_zxid.epoch() > current {
        return Err(error(
            Some(CURRENT_EPOCH),
            format!(
                "the log holds {last_zxid} of epoch {} but currentEpoch is {current}",
                last_zxid.epoch()
            ),
        ));
    }
    Ok((accepted, current))
}
