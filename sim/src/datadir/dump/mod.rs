//! `zksim datadir dump DIR`: what a data directory holds, decoded by the
//! core's own functions — each log's txns in order, each snapshot's header,
//! sessions and tree, the epoch files and the durability hint.
//!
//! Damaged files are shown as far as they decode: a log past a record that
//! does not parse resumes at the next sector boundary (records found there are
//! flagged `after_damage`: recovery never reads them); a snapshot without a
//! valid seal is salvaged node by node. Dump judges nothing; `verify` does.

pub mod text;

use crate::datadir::log_walk::{walk_log, WalkedRecord};
use crate::datadir::read::{read_dir, DirContents};
use crate::datadir::render::{self, DataDump, StatDump, TxnDump};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use zksim_core::ids::SessionId;
use zksim_core::persist::epoch_file::decode_epoch;
use zksim_core::persist::log_format::{align_up, LogRecord};
use zksim_core::persist::names::{classify, FileKind, REPAIR_MARKER, RESTORE_MARKER};
use zksim_core::persist::snapshot_format::{decode_snapshot, salvage_snapshot};
use zksim_core::persist::synced_hint::decode_hint;
use zksim_core::tree::Znode;

#[derive(Clone, Debug, Default)]
pub struct DumpOptions {
    /// Only this file of the directory.
    pub file: Option<String>,
    /// Data values in full, not shortened.
    pub full: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct DumpDocument {
    pub directory: String,
    pub files: Vec<FileDump>,
}

/// One file; `kind` says which shape follows.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FileDump {
    Log(LogDump),
    Snapshot(SnapshotDump),
    AcceptedEpoch(EpochDump),
    CurrentEpoch(EpochDump),
    SyncedHint(HintDump),
    /// Temporaries, the repair marker, unknown files, non-files.
    Other(OtherDump),
}

#[derive(Clone, Debug, Serialize)]
pub struct LogDump {
    pub name: String,
    pub bytes: u64,
    pub dbid: Option<u64>,
    pub header_error: Option<String>,
    pub records: Vec<RecordDump>,
    /// Bytes skipped inside a sector: zero padding, or the remains of a torn write.
    pub unparsed: Vec<UnparsedDump>,
    /// Where the file stops parsing on a sector boundary, and where the dump resumed.
    pub stops: Vec<StopDump>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecordDump {
    pub offset: u64,
    pub size: u64,
    pub zxid: String,
    pub prev_zxid: String,
    pub synced_zxid: String,
    pub session: String,
    pub cxid: u32,
    pub time_ms: u64,
    pub txn: TxnDump,
    /// Found after the first place the file stops parsing: recovery never reads it.
    pub after_damage: bool,
    #[serde(skip)]
    pub raw: LogRecord,
}

#[derive(Clone, Debug, Serialize)]
pub struct UnparsedDump {
    pub offset: u64,
    pub end: u64,
    pub reason: String,
    pub zeros: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct StopDump {
    pub offset: u64,
    pub reason: String,
    /// The sector boundary the dump went on from (`null`: the file ends first).
    pub resumed_at: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotDump {
    pub name: String,
    pub bytes: u64,
    /// The seal checks out: this is exactly what was written.
    pub sealed: bool,
    /// Why the snapshot does not decode as sealed, if it does not.
    pub error: Option<String>,
    pub dbid: Option<u64>,
    pub zxid: Option<String>,
    pub sessions: Vec<SessionDump>,
    pub nodes: Vec<NodeDump>,
    /// For an unsealed snapshot: where its records stop decoding.
    pub stopped: Option<UnparsedAt>,
}

#[derive(Clone, Debug, Serialize)]
pub struct UnparsedAt {
    pub offset: u64,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SessionDump {
    pub session: String,
    pub timeout_ms: u32,
    /// Paths of the snapshot's nodes this session owns.
    pub ephemerals: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NodeDump {
    pub path: String,
    pub stat: StatDump,
    pub data: DataDump,
    #[serde(skip)]
    pub raw: Znode,
}

#[derive(Clone, Debug, Serialize)]
pub struct EpochDump {
    pub name: String,
    pub bytes: u64,
    pub epoch: Option<u32>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HintDump {
    pub name: String,
    pub bytes: u64,
    /// The zxid the hint says was fsynced (`null`: empty or damaged).
    pub zxid: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OtherDump {
    pub name: String,
    pub bytes: u64,
    pub what: String,
}

/// Reads and dumps `path`; `Err` on bad input (unreadable, no such `--file`).
pub fn dump_dir(path: &Path, options: &DumpOptions) -> Result<DumpDocument, String> {
    let contents = read_dir(path)?;
    dump_contents(&path.display().to_string(), &contents, options)
}

/// Dumps a directory already in memory; `Err` only when `--file` names no file of it.
pub fn dump_contents(
    directory: &str,
    contents: &DirContents,
    options: &DumpOptions,
) -> Result<DumpDocument, String> {
    let wanted = |name: &str| options.file.as_deref().is_none_or(|file| file == name);
    let mut files: Vec<(FileKind, String, FileDump)> = Vec::new();
    for (name, bytes) in contents.files.iter().filter(|(name, _)| wanted(name)) {
        let kind = classify(name);
        files.push((
            kind.clone(),
            name.clone(),
            dump_file(name, &kind, bytes, options.full),
        ));
    }
    for entry in contents.others.iter().filter(|entry| wanted(&entry.name)) {
        let dump = FileDump::Other(OtherDump {
            name: entry.name.clone(),
            bytes: 0,
            what: entry.what.describe().to_string(),
        });
        files.push((FileKind::Unknown, entry.name.clone(), dump));
    }
    if let (Some(file), true) = (&options.file, files.is_empty()) {
        return Err(format!("{directory} holds no file named {file}"));
    }
    // Logs and snapshots in zxid order, then epoch files, the hint and the rest.
    files.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert!(options.file.is_none() || files.len() == 1);
    Ok(DumpDocument {
        directory: directory.to_string(),
        files: files.into_iter().map(|(_, _, dump)| dump).collect(),
    })
}

fn dump_file(name: &str, kind: &FileKind, bytes: &[u8], full: bool) -> FileDump {
    let len = bytes.len() as u64;
    match kind {
        FileKind::Log(_) => FileDump::Log(dump_log(name, bytes, full)),
        FileKind::Snapshot(_) => FileDump::Snapshot(dump_snapshot(name, bytes, full)),
        FileKind::AcceptedEpoch => FileDump::AcceptedEpoch(dump_epoch(name, bytes)),
        FileKind::CurrentEpoch => FileDump::CurrentEpoch(dump_epoch(name, bytes)),
        FileKind::SyncedHint => FileDump::SyncedHint(HintDump {
            name: name.to_string(),
            bytes: len,
            zxid: decode_hint(bytes).map(render::zxid),
        }),
        FileKind::Temporary => other(name, len, "temporary file of an atomic replacement"),
        FileKind::Unknown if name == REPAIR_MARKER => other(name, len, "repair marker"),
        FileKind::Unknown if name == RESTORE_MARKER => other(name, len, "restore marker"),
        FileKind::Unknown => other(name, len, "unknown file"),
    }
}

fn other(name: &str, bytes: u64, what: &str) -> FileDump {
    FileDump::Other(OtherDump {
        name: name.to_string(),
        bytes,
        what: what.to_string(),
    })
}

/// Every record of the file, including those past where recovery stops.
fn dump_log(name: &str, bytes: &[u8], full: bool) -> LogDump {
    let walk = walk_log(bytes);
    let len = bytes.len() as u64;
    let records = walk
        .records
        .iter()
        .map(|walked| record(walked, full))
        .collect();
    let unparsed = walk
        .unparsed
        .iter()
        .map(|region| UnparsedDump {
            offset: region.offset,
            end: region.end,
            reason: region.fault.to_string(),
            zeros: region.zeros,
        })
        .collect();
    let stops = walk
        .stops
        .iter()
        .map(|stop| {
            let resume = align_up(stop.offset + 1);
            StopDump {
                offset: stop.offset,
                reason: stop.fault.to_string(),
                resumed_at: (resume < len).then_some(resume),
            }
        })
        .collect();
    LogDump {
        name: name.to_string(),
        bytes: len,
        dbid: walk.header.as_ref().ok().copied(),
        header_error: walk.header.err(),
        records,
        unparsed,
        stops,
    }
}

fn record(walked: &WalkedRecord, full: bool) -> RecordDump {
    let record = &walked.record;
    RecordDump {
        offset: walked.offset,
        size: walked.size,
        zxid: render::zxid(record.zxid()),
        prev_zxid: render::zxid(record.prev_zxid),
        synced_zxid: render::zxid(record.synced_zxid),
        session: render::session(record.header.session),
        cxid: record.header.cxid,
        time_ms: record.header.time_ms,
        txn: render::txn(&record.txn, full),
        after_damage: walked.after_stop,
        raw: record.clone(),
    }
}

fn dump_snapshot(name: &str, bytes: &[u8], full: bool) -> SnapshotDump {
    let mut dump = SnapshotDump {
        name: name.to_string(),
        bytes: bytes.len() as u64,
        sealed: false,
        error: None,
        dbid: None,
        zxid: None,
        sessions: Vec::new(),
        nodes: Vec::new(),
        stopped: None,
    };
    let (dbid, zxid, sessions, nodes) = match decode_snapshot(bytes) {
        Ok(contents) => {
            dump.sealed = true;
            (
                contents.dbid,
                contents.zxid,
                contents.sessions,
                contents.nodes,
            )
        }
        Err(reason) => match salvage_snapshot(bytes) {
            Ok(salvage) => {
                dump.error = Some(reason);
                dump.stopped = salvage
                    .stopped
                    .map(|(offset, reason)| UnparsedAt { offset, reason });
                (salvage.dbid, salvage.zxid, salvage.sessions, salvage.nodes)
            }
            Err(why) => {
                dump.error = Some(format!("{reason}; {why}"));
                return dump;
            }
        },
    };
    dump.dbid = Some(dbid);
    dump.zxid = Some(render::zxid(zxid));
    dump.sessions = sessions_of(&sessions, &nodes);
    dump.nodes = nodes
        .into_iter()
        .map(|(path, znode)| NodeDump {
            stat: render::stat(&znode.stat),
            data: render::data(&znode.data, full),
            path,
            raw: znode,
        })
        .collect();
    dump
}

/// Each session with the ephemerals it owns among `nodes`.
fn sessions_of(sessions: &BTreeMap<SessionId, u32>, nodes: &[(String, Znode)]) -> Vec<SessionDump> {
    sessions
        .iter()
        .map(|(session, timeout_ms)| SessionDump {
            session: render::session(*session),
            timeout_ms: *timeout_ms,
            ephemerals: nodes
                .iter()
                .filter(|(_, znode)| znode.stat.ephemeral_owner == *session)
                .map(|(path, _)| path.clone())
                .collect(),
        })
        .collect()
}

fn dump_epoch(name: &str, bytes: &[u8]) -> EpochDump {
    let decoded = decode_epoch(bytes);
    EpochDump {
        name: name.to_string(),
        bytes: bytes.len() as u64,
        epoch: decoded.as_ref().ok().map(|epoch| epoch.0),
        error: decoded.err(),
    }
}
