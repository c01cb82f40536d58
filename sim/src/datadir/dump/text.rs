//! The dump as text: a heading per file, then its contents, one record or
//! node per entry with the details indented under it.

use super::{DumpDocument, EpochDump, FileDump, HintDump, LogDump, OtherDump, SnapshotDump};
use crate::datadir::render::{data_text, stat_text, txn_text};
use std::fmt::Write;

/// The whole dump as text; `full` shows data values unshortened.
pub fn render(document: &DumpDocument, full: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "data directory {}", document.directory);
    for file in &document.files {
        let _ = writeln!(out);
        match file {
            FileDump::Log(log) => render_log(log, full, &mut out),
            FileDump::Snapshot(snapshot) => render_snapshot(snapshot, full, &mut out),
            FileDump::AcceptedEpoch(epoch) | FileDump::CurrentEpoch(epoch) => {
                render_epoch(epoch, &mut out)
            }
            FileDump::SyncedHint(hint) => render_hint(hint, &mut out),
            FileDump::Other(other) => render_other(other, &mut out),
        }
    }
    out
}

fn render_log(log: &LogDump, full: bool, out: &mut String) {
    let header = match (&log.dbid, &log.header_error) {
        (Some(dbid), _) => format!("database {dbid}"),
        (None, Some(error)) => format!("HEADER DAMAGED ({error})"),
        (None, None) => "no header".to_string(),
    };
    let _ = writeln!(
        out,
        "== {}: log, {} bytes, {header}, {} records",
        log.name,
        log.bytes,
        log.records.len()
    );
    // Records, non-padding skips and stops, in file order.
    let mut events: Vec<(u64, String)> = Vec::new();
    for record in &log.records {
        let damage = if record.after_damage {
            "  [after damage: recovery never reads it]"
        } else {
            ""
        };
        let mut text = format!(
            "  {} @{}  session {} cxid {} time {}  (prev {}, synced {}){damage}",
            record.zxid,
            record.offset,
            record.session,
            record.cxid,
            record.time_ms,
            record.prev_zxid,
            record.synced_zxid
        );
        for line in txn_text(&record.raw.txn, full) {
            let _ = write!(text, "\n      {line}");
        }
        events.push((record.offset, text));
    }
    for region in log.unparsed.iter().filter(|region| !region.zeros) {
        let text = format!(
            "  @{}..{}  unparsable ({}): skipped to the sector boundary",
            region.offset, region.end, region.reason
        );
        events.push((region.offset, text));
    }
    for stop in &log.stops {
        let then = match stop.resumed_at {
            Some(at) => format!("dump resumes at byte {at}"),
            None => "the file ends before the next sector".to_string(),
        };
        let text = format!(
            "  @{}  STOPS: {} (recovery reads no further); {then}",
            stop.offset, stop.reason
        );
        events.push((stop.offset, text));
    }
    events.sort_by_key(|(offset, _)| *offset);
    for (_, text) in events {
        let _ = writeln!(out, "{text}");
    }
}

fn render_snapshot(snapshot: &SnapshotDump, full: bool, out: &mut String) {
    let seal = match (&snapshot.sealed, &snapshot.error) {
        (true, _) => "sealed".to_string(),
        (false, Some(error)) => format!("NOT SEALED ({error}): shown as far as it decodes"),
        (false, None) => "NOT SEALED".to_string(),
    };
    let _ = writeln!(
        out,
        "== {}: snapshot, {} bytes, {seal}",
        snapshot.name, snapshot.bytes
    );
    let (Some(dbid), Some(zxid)) = (&snapshot.dbid, &snapshot.zxid) else {
        return;
    };
    let _ = writeln!(
        out,
        "  database {dbid}, zxid {zxid} (replay the log from the txn after it)"
    );
    let _ = writeln!(out, "  sessions ({}):", snapshot.sessions.len());
    for session in &snapshot.sessions {
        let owned = if session.ephemerals.is_empty() {
            "no ephemerals".to_string()
        } else {
            format!("ephemerals {}", session.ephemerals.join(", "))
        };
        let _ = writeln!(
            out,
            "    {} timeout {}ms, {owned}",
            session.session, session.timeout_ms
        );
    }
    let _ = writeln!(out, "  nodes ({}):", snapshot.nodes.len());
    for node in &snapshot.nodes {
        let _ = writeln!(
            out,
            "    {}  data {}",
            node.path,
            data_text(&node.raw.data, full)
        );
        let _ = writeln!(out, "        {}", stat_text(&node.raw.stat));
    }
    if let Some(stopped) = &snapshot.stopped {
        let _ = writeln!(
            out,
            "  @{}  records stop decoding: {}",
            stopped.offset, stopped.reason
        );
    }
}

fn render_epoch(epoch: &EpochDump, out: &mut String) {
    let value = match (&epoch.epoch, &epoch.error) {
        (Some(value), _) => format!("epoch {value}"),
        (None, Some(error)) => format!("UNREADABLE: {error}"),
        (None, None) => "empty".to_string(),
    };
    let _ = writeln!(out, "== {}: {value}", epoch.name);
}

fn render_hint(hint: &HintDump, out: &mut String) {
    let value = match (&hint.zxid, hint.bytes) {
        (Some(zxid), _) => format!("durability hint: {zxid} was fsynced"),
        (None, 0) => "durability hint, not written yet (empty)".to_string(),
        (None, _) => "durability hint, unreadable (torn or damaged: proves nothing)".to_string(),
    };
    let _ = writeln!(out, "== {}: {value}", hint.name);
}

fn render_other(other: &OtherDump, out: &mut String) {
    let _ = writeln!(
        out,
        "== {}: {}, {} bytes",
        other.name, other.what, other.bytes
    );
}
