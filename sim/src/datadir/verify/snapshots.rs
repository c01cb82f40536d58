//! The snapshots: each one's seal, header and tree, and whether recovery can
//! use it — judged by the core's own `recovery::load_snapshot` (sealed, of
//! this database, named for its zxid, reached and continued by the log, a
//! consistent tree). For a snapshot whose seal fails, how far its records
//! still decode, which narrows down where the damage is.

use super::logs::LogOutcome;
use super::report::{FileKind, FileReport, FileStatus, Finding, Severity, SnapshotFacts};
use super::Findings;
use crate::datadir::render::zxid as zx;
use std::collections::BTreeMap;
use zksim_core::bugs::Bugs;
use zksim_core::ids::Zxid;
use zksim_core::persist::names::{classify, snapshot_name, FileKind as NameKind};
use zksim_core::persist::recovery::load_snapshot;
use zksim_core::persist::snapshot_format::{
    decode_snapshot, salvage_snapshot, SnapshotContents, SnapshotSalvage,
};

/// Which snapshots recovery can use.
#[derive(Debug, Default)]
pub struct SnapshotOutcome {
    /// The newest usable snapshot: recovery starts from it.
    pub used: Option<(Zxid, String)>,
    /// Every usable snapshot, by zxid.
    pub usable: BTreeMap<Zxid, String>,
    /// Snapshots recovery passes over, by name.
    pub rejected: Vec<String>,
}

/// Reports every snapshot file; returns which ones recovery can use.
pub fn check(
    files: &BTreeMap<String, Vec<u8>>,
    dbid: u64,
    logs: &LogOutcome,
    found: &mut Findings,
) -> SnapshotOutcome {
    let mut snapshots: Vec<(Zxid, &str, &[u8])> = files
        .iter()
        .filter_map(|(name, bytes)| match classify(name) {
            NameKind::Snapshot(zxid) => Some((zxid, name.as_str(), bytes.as_slice())),
            _ => None,
        })
        .collect();
    // Newest first, as recovery tries them.
    snapshots.sort_by_key(|(zxid, _, _)| std::cmp::Reverse(*zxid));
    let mut outcome = SnapshotOutcome::default();
    for (named, name, bytes) in snapshots {
        let mut report = FileReport::new(name, FileKind::Snapshot, bytes.len() as u64);
        if name != snapshot_name(named) {
            let message = format!("not the name the core gives it ({})", snapshot_name(named));
            report.add(Finding::new(Severity::Warning, message));
        }
        match decode_snapshot(bytes) {
            Ok(contents) => {
                let usable = usability(bytes, named, logs, dbid);
                judge_sealed(&contents, usable, &mut report, &mut outcome);
            }
            Err(reason) => judge_unsealed(bytes, &reason, &mut report, &mut outcome),
        }
        found.insert(report);
    }
    outcome
}

fn judge_sealed(
    contents: &SnapshotContents,
    usable: Result<(), String>,
    report: &mut FileReport,
    outcome: &mut SnapshotOutcome,
) {
    let mut facts = SnapshotFacts {
        sealed: true,
        dbid: Some(contents.dbid),
        zxid: Some(zx(contents.zxid)),
        nodes: Some(contents.nodes.len()),
        sessions: Some(contents.sessions.len()),
        usable: false,
        used: false,
    };
    let described = format!(
        "zxid {}, sealed, {} nodes, {} sessions",
        zx(contents.zxid),
        contents.nodes.len(),
        contents.sessions.len()
    );
    match usable {
        Ok(()) => {
            facts.usable = true;
            facts.used = outcome.used.is_none();
            report.summary = if facts.used {
                format!(
                    "{described}: recovery starts here and replays the log from the txn after {}",
                    zx(contents.zxid)
                )
            } else {
                format!("{described}: usable (an older fallback)")
            };
            if facts.used {
                outcome.used = Some((contents.zxid, report.name.clone()));
            }
            outcome.usable.insert(contents.zxid, report.name.clone());
        }
        Err(reason) => {
            report.status = FileStatus::Unusable;
            report.summary = format!("{described}: unusable");
            let message = format!("unusable: {reason}; recovery passes over it");
            report.add(Finding::new(Severity::Loss, message));
            outcome.rejected.push(report.name.clone());
        }
    }
    report.snapshot = Some(facts);
}

/// Whether recovery can use a sealed snapshot: the core's own rules
/// (`recovery::load_snapshot`), so verify can never judge it differently.
fn usability(bytes: &[u8], named: Zxid, logs: &LogOutcome, dbid: u64) -> Result<(), String> {
    load_snapshot(bytes, named, dbid, logs.records(), Bugs::none()).map(drop)
}

/// A snapshot without a valid seal: what it holds as far as it decodes, and
/// whether it looks unfinished (no seal: torn) or damaged (a bad seal: loss).
fn judge_unsealed(
    bytes: &[u8],
    reason: &str,
    report: &mut FileReport,
    outcome: &mut SnapshotOutcome,
) {
    let len = bytes.len() as u64;
    let unfinished = reason.starts_with("no seal") || len < 8;
    let salvage = salvage_snapshot(bytes);
    let (decoded, facts) = match &salvage {
        Ok(salvage) => {
            let stopped = salvage_extent(salvage);
            let facts = SnapshotFacts {
                sealed: false,
                dbid: Some(salvage.dbid),
                zxid: Some(zx(salvage.zxid)),
                nodes: Some(salvage.nodes.len()),
                sessions: Some(salvage.sessions.len()),
                usable: false,
                used: false,
            };
            (stopped, facts)
        }
        Err(why) => (format!("even its {why}"), unsealed_facts()),
    };
    let (status, severity, what) = if unfinished {
        let place = if len < 8 {
            format!("only {len} bytes")
        } else {
            format!("bytes {}..{len}", len - 8)
        };
        let what = format!(
            "no seal at the end ({place}): a snapshot the node was still writing when it \
             stopped, or a file cut short; recovery passes over it"
        );
        (FileStatus::Incomplete, Severity::Torn, what)
    } else {
        let what = format!("{reason}: a finished snapshot damaged since; recovery passes over it");
        (FileStatus::Unusable, Severity::Loss, what)
    };
    report.status = status;
    let seal = if unfinished {
        "no seal"
    } else {
        "seal does not match"
    };
    report.summary = match &facts.zxid {
        Some(zxid) => format!("zxid {zxid} (from its header), {seal}"),
        None => format!("header damaged, {seal}"),
    };
    report.add(Finding::new(severity, format!("{what}; {decoded}")));
    report.snapshot = Some(facts);
    outcome.rejected.push(report.name.clone());
    assert!(report.status != FileStatus::Ok);
}

/// How far an unsealed snapshot's records decode: where they stop, or where
/// an end marker comes early (a zeroed range reads as one).
fn salvage_extent(salvage: &SnapshotSalvage) -> String {
    let count = salvage.nodes.len();
    match (&salvage.stopped, salvage.end_marker) {
        (Some((at, why)), _) => {
            format!("its records decode up to byte {at} ({why}), {count} nodes")
        }
        // The end marker's count agrees: every record is there.
        (None, Some(_)) if salvage.node_count == Some(count as u64) => {
            format!("its {count} node records all decode: the damage is inside them")
        }
        (None, Some(at)) => format!(
            "its records end early, at an end marker at byte {at} (zeros read as one), \
             after {count} nodes: the damage is at or before byte {at}"
        ),
        (None, None) => format!("{count} nodes decode"),
    }
}

fn unsealed_facts() -> SnapshotFacts {
    SnapshotFacts {
        sealed: false,
        dbid: None,
        zxid: None,
        nodes: None,
        sessions: None,
        usable: false,
        used: false,
    }
}
