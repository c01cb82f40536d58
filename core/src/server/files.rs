//! The files a server knows it has, and the purge rule: keep the newest
//! `retain` snapshots and every log that holds a txn after the oldest of them.

use crate::bugs::{Bugs, PlantedBug};
use crate::ids::Zxid;
use crate::persist::names::{classify, FileKind};
use crate::persist::snapshot_format::decode_snapshot;
use crate::persist::DataDirImage;
use std::collections::BTreeMap;

/// What an operator's purge (ZooKeeper's `PurgeTxnLog`, `zkCleanup.sh -n`)
/// deletes from a data directory: the same rule as the replica's own
/// purge, judged from the files alone (a snapshot counts only if its seal
/// checks). The newest log is never deleted: every snapshot needs it.
pub fn purge_plan(image: &DataDirImage, retain: usize, bugs: Bugs) -> Vec<String> {
    assert!(retain >= 1, "purge must keep at least one snapshot");
    let mut files = FileSet::default();
    for (name, bytes) in image {
        match classify(name) {
            FileKind::Log(first) => {
                files.logs.insert(first, name.clone());
            }
            FileKind::Snapshot(zxid) if decode_snapshot(bytes).is_ok() => {
                files.snapshots.insert(zxid, name.clone());
            }
            FileKind::Snapshot(zxid) => {
                files.damaged_snapshots.insert(zxid, name.clone());
            }
            _ => {}
        }
    }
    let plan = files.purgeable(retain, None, bugs);
    assert!(plan.iter().all(|name| image.contains_key(name)));
    plan
}

#[derive(Clone, Debug, Default)]
pub(crate) struct FileSet {
    /// Log files by first zxid.
    pub logs: BTreeMap<Zxid, String>,
    /// Complete, usable snapshots by zxid.
    pub snapshots: BTreeMap<Zxid, String>,
    /// Unusable snapshots (unsealed or damaged) by the zxid in their name.
    pub damaged_snapshots: BTreeMap<Zxid, String>,
}

impl FileSet {
    /// The files purge may delete, oldest first. `active_log` is never among them.
    pub fn purgeable(&self, retain: usize, active_log: Option<&str>, bugs: Bugs) -> Vec<String> {
        assert!(retain >= 1, "purge must keep at least one snapshot");
        if self.snapshots.len() < retain {
            return Vec::new();
        }
        let oldest_kept = *self
            .snapshots
            .keys()
            .rev()
            .nth(retain - 1)
            .expect("at least `retain` snapshots");
        let needed_from = if bugs.has(PlantedBug::PurgeDeletesNeededLog) {
            // The planted bug: logs are kept for the newest snapshot only.
            *self.snapshots.keys().next_back().expect("at least one")
        } else {
            oldest_kept
        };
        let mut doomed: Vec<String> = self
            .snapshots
            .range(..oldest_kept)
            .chain(self.damaged_snapshots.range(..oldest_kept))
            .map(|(_, name)| name.clone())
            .collect();
        // A log is needed unless the next log starts at or before the oldest kept snapshot.
        let firsts: Vec<Zxid> = self.logs.keys().copied().collect();
        for (index, first) in firsts.iter().enumerate() {
            let next_first = firsts.get(index + 1);
            let name = &self.logs[first];
            if next_first.is_some_and(|next| *next <= needed_from)
                && Some(name.as_str()) != active_log
            {
                doomed.push(name.clone());
            }
        }
        doomed
    }

    pub fn forget(&mut self, name: &str) {
        self.logs.retain(|_, file| file != name);
        self.snapshots.retain(|_, file| file != name);
        self.damaged_snapshots.retain(|_, file| file != name);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.logs
            .values()
            .chain(self.snapshots.values())
            .chain(self.damaged_snapshots.values())
            .any(|file| file == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Epoch;

    fn z(counter: u32) -> Zxid {
        Zxid::new(Epoch(1), counter)
    }

    #[test]
    fn purge_keeps_the_newest_snapshots_and_the_logs_they_need() {
        let mut files = FileSet::default();
        for first in [1, 50, 100, 150] {
            files.logs.insert(z(first), format!("log.{first}"));
        }
        for at in [40, 90, 140, 160] {
            files.snapshots.insert(z(at), format!("snapshot.{at}"));
        }
        files.damaged_snapshots.insert(z(30), "snapshot.30".into());
        let doomed = files.purgeable(3, Some("log.150"), Bugs::none());
        // Oldest kept snapshot is 90: log.50 holds 90's successors' predecessors (50..99) — kept;
        // log.1 ends before 50 <= 90 — purged.
        assert_eq!(doomed, vec!["snapshot.40", "snapshot.30", "log.1"]);
        assert!(files.purgeable(5, None, Bugs::none()).is_empty());
    }

    #[test]
    fn purge_never_deletes_the_active_log() {
        let mut files = FileSet::default();
        files.logs.insert(z(1), "log.1".into());
        files.logs.insert(z(10), "log.10".into());
        files.snapshots.insert(z(20), "snapshot.20".into());
        assert_eq!(
            files.purgeable(1, Some("log.1"), Bugs::none()),
            Vec::<String>::new()
        );
        assert_eq!(
            files.purgeable(1, None, Bugs::none()),
            vec!["log.1".to_string()]
        );
    }
}
