//! File names in a data directory: `log.<zxid hex>`, `snapshot.<zxid hex>`,
//! `acceptedEpoch`, `currentEpoch`, and `<name>.tmp` for atomic replacement.

use crate::ids::Zxid;

pub const ACCEPTED_EPOCH: &str = "acceptedEpoch";
pub const CURRENT_EPOCH: &str = "currentEpoch";
pub const TMP_SUFFIX: &str = ".tmp";
/// Present while a replica rebuilds a damaged data directory from its leader.
pub const REPAIR_MARKER: &str = "repairing";
/// Put by an operator beside a data directory restored from a backup: the
/// replica keeps the restored history but votes again only once a leader
/// established without it has brought it up to date (a restored replica
/// has forgotten what it acknowledged after the backup).
pub const RESTORE_MARKER: &str = "restored";

const LOG_PREFIX: &str = "log.";
const SNAPSHOT_PREFIX: &str = "snapshot.";

/// What a file in the data directory is, judged by its name alone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// A txn log whose first record has this zxid.
    Log(Zxid),
    /// A snapshot of the tree as of this zxid (fuzzy: replay from zxid + 1).
    Snapshot(Zxid),
    AcceptedEpoch,
    CurrentEpoch,
    /// A leftover of an interrupted atomic write.
    Temporary,
    /// The durability hint (`synced_hint.rs`).
    SyncedHint,
    Unknown,
}

pub fn log_name(first: Zxid) -> String {
    format!("{LOG_PREFIX}{:016x}", first.0)
}

pub fn snapshot_name(zxid: Zxid) -> String {
    format!("{SNAPSHOT_PREFIX}{:016x}", zxid.0)
}

pub fn tmp_name(name: &str) -> String {
    format!("{name}{TMP_SUFFIX}")
}

pub fn classify(name: &str) -> FileKind {
    if name.ends_with(TMP_SUFFIX) {
        return FileKind::Temporary;
    }
    if let Some(hex) = name.strip_prefix(LOG_PREFIX) {
        return parse_hex(hex).map_or(FileKind::Unknown, FileKind::Log);
    }
    if let Some(hex) = name.strip_prefix(SNAPSHOT_PREFIX) {
        return parse_hex(hex).map_or(FileKind::Unknown, FileKind::Snapshot);
    }
    match name {
        ACCEPTED_EPOCH => FileKind::AcceptedEpoch,
        crate::persist::synced_hint::SYNCED_HINT => FileKind::SyncedHint,
        CURRENT_EPOCH => FileKind::CurrentEpoch,
        _ => FileKind::Unknown,
    }
}

fn parse_hex(hex: &str) -> Option<Zxid> {
    if hex.is_empty() || hex.len() > 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok().map(Zxid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Epoch;

    #[test]
    fn names_round_trip_through_classify() {
        let zxid = Zxid::new(Epoch(3), 17);
        assert_eq!(classify(&log_name(zxid)), FileKind::Log(zxid));
        assert_eq!(classify(&snapshot_name(zxid)), FileKind::Snapshot(zxid));
        assert_eq!(classify(ACCEPTED_EPOCH), FileKind::AcceptedEpoch);
        assert_eq!(classify(&tmp_name(CURRENT_EPOCH)), FileKind::Temporary);
        assert_eq!(classify("log.xyz"), FileKind::Unknown);
        assert_eq!(classify("log."), FileKind::Unknown);
        assert_eq!(classify("notes.txt"), FileKind::Unknown);
    }
}
