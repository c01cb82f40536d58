//! The ghost record: what the simulator saw a node log and acknowledge, kept
//! outside the core. Checks compare what the core recovers against it.
//!
//! A node's history is a base (the empty tree, or the snapshot a leader sent
//! in a SNAP sync) followed by a chain of logged records.

use crate::digest_ledger::{DigestLedger, LedgerEntry};
use std::collections::BTreeSet;
use zksim_core::ids::Zxid;
use zksim_core::peer::content_hash;
use zksim_core::persist::LogRecord;
use zksim_core::tree::DataTree;

#[derive(Debug, Default, Clone)]
pub struct Ghost {
    base_zxid: Zxid,
    base_tree: DataTree,
    /// The node's history as logged after the base: a chain by `prev_zxid`,
    /// so in increasing zxid order.
    records: Vec<LogRecord>,
    /// The content hash of each record (`content_hash`), computed once when
    /// it is logged: commits and deliveries look them up per txn.
    contents: Vec<u64>,
    /// The zxid of each record: searched without touching the records.
    zxids: Vec<Zxid>,
    /// The tree digest after each record.
    digests: Vec<u64>,
    /// The ledger's name for the history up to each record (see [`DigestLedger`]).
    entries: Vec<LedgerEntry>,
    /// The ledger's name for the empty history on the base, once asked.
    base_entry: Option<LedgerEntry>,
    /// The state after the first `replayed` records: replayed only when the
    /// ledger does not know a history's digest yet, so it may lag behind.
    tree: DataTree,
    replayed: usize,
    /// Every zxid whose outcome a client was told by this node.
    acked: BTreeSet<Zxid>,
}

impl Ghost {
    pub fn last_zxid(&self) -> Zxid {
        self.records.last().map_or(self.base_zxid, LogRecord::zxid)
    }

    pub fn base_zxid(&self) -> Zxid {
        self.base_zxid
    }

    /// A txn was handed to the log; it must extend the chain. `content` is
    /// its `content_hash`, which the caller has computed already. The digest
    /// after it comes from `ledger` when another ghost has logged the same
    /// history, and from a replay otherwise.
    pub fn on_logged(
        &mut self,
        record: LogRecord,
        content: u64,
        ledger: &mut DigestLedger,
    ) -> Result<(), String> {
        if record.prev_zxid != self.last_zxid() {
            return Err(format!(
                "logged {} after {}, but the last logged txn is {}",
                record.zxid(),
                record.prev_zxid,
                self.last_zxid()
            ));
        }
        debug_assert_eq!(content, content_hash(&record));
        let history = self.last_entry(ledger);
        let zxid = record.zxid();
        self.contents.push(content);
        self.zxids.push(zxid);
        self.records.push(record);
        let entry = match ledger.extension(history, zxid, content) {
            // Tests replay anyway, to check that the ledger gives what a replay gives.
            Some(entry) if !cfg!(debug_assertions) => entry,
            known => {
                let digest = self.replay_all();
                if let Some(entry) = known {
                    assert_eq!(ledger.digest(entry), digest, "one history, one digest");
                }
                known.unwrap_or_else(|| ledger.extend(history, zxid, content, digest))
            }
        };
        self.entries.push(entry);
        self.digests.push(ledger.digest(entry));
        assert_eq!(self.contents.len(), self.records.len());
        assert_eq!(self.zxids.len(), self.records.len());
        assert_eq!(self.entries.len(), self.records.len());
        Ok(())
    }

    /// The ledger's name for the history up to the last record.
    fn last_entry(&mut self, ledger: &mut DigestLedger) -> LedgerEntry {
        if let Some(&entry) = self.entries.last() {
            return entry;
        }
        *self
            .base_entry
            .get_or_insert_with(|| ledger.base(self.base_zxid, self.base_tree.digest()))
    }

    /// Brings the tree up to the last record; its digest.
    fn replay_all(&mut self) -> u64 {
        assert!(self.replayed <= self.records.len());
        for record in &self.records[self.replayed..] {
            let _ = self.tree.apply(&record.header, &record.txn);
        }
        self.replayed = self.records.len();
        self.tree.digest()
    }

    pub fn on_acked(&mut self, zxid: Zxid) {
        self.acked.insert(zxid);
    }

    /// Acknowledged zxids above `zxid`, for loss reports.
    pub fn acked_after(&self, zxid: Zxid) -> Vec<Zxid> {
        self.acked.range(Zxid(zxid.0 + 1)..).copied().collect()
    }

    fn index_of(&self, zxid: Zxid) -> Option<usize> {
        self.zxids.binary_search(&zxid).ok()
    }

    /// Whether `zxid` is in the history (the base always is).
    pub fn contains(&self, zxid: Zxid) -> bool {
        zxid == self.base_zxid || self.index_of(zxid).is_some()
    }

    /// The content hash of a logged txn.
    pub fn content_of(&self, zxid: Zxid) -> Option<u64> {
        self.index_of(zxid).map(|index| self.contents[index])
    }

    /// The logged record of `zxid`.
    pub fn record_of(&self, zxid: Zxid) -> Option<&LogRecord> {
        self.index_of(zxid).map(|index| &self.records[index])
    }

    /// The logged record of `zxid` and its content hash.
    pub fn logged(&self, zxid: Zxid) -> Option<(&LogRecord, u64)> {
        self.index_of(zxid)
            .map(|index| (&self.records[index], self.contents[index]))
    }

    /// (zxid, content) of every record after the base, in order.
    pub fn chain(&self) -> impl Iterator<Item = (Zxid, u64)> + '_ {
        self.chain_between(self.base_zxid, Zxid(u64::MAX))
    }

    /// (zxid, content) of the records after `after` up to and including
    /// `up_to`, in order: found by binary search (the chain is sorted), so a
    /// commit costs its own txns, not the whole history.
    pub fn chain_between(
        &self,
        after: Zxid,
        up_to: Zxid,
    ) -> impl Iterator<Item = (Zxid, u64)> + '_ {
        let range = self.range_between(after, up_to);
        self.records[range.clone()]
            .iter()
            .zip(&self.contents[range])
            .map(|(record, content)| (record.zxid(), *content))
    }

    /// The indices of the records after `after` up to and including `up_to`.
    fn range_between(&self, after: Zxid, up_to: Zxid) -> std::ops::Range<usize> {
        let start = self
            .records
            .partition_point(|record| record.zxid() <= after);
        let end = self
            .records
            .partition_point(|record| record.zxid() <= up_to);
        start..end.max(start)
    }

    /// The digest of the state after `zxid`.
    pub fn digest_at(&self, zxid: Zxid) -> Option<u64> {
        if zxid == self.base_zxid {
            return Some(self.base_tree.digest());
        }
        self.index_of(zxid).map(|index| self.digests[index])
    }

    /// The state after `zxid`, rebuilt by replay from the base.
    pub fn tree_at(&self, zxid: Zxid) -> DataTree {
        let mut tree = self.base_tree.clone();
        for record in self
            .records
            .iter()
            .take_while(|record| record.zxid() <= zxid)
        {
            let _ = tree.apply(&record.header, &record.txn);
        }
        tree
    }

    /// Records after `after` up to and including `up_to`.
    pub fn records_between(&self, after: Zxid, up_to: Zxid) -> impl Iterator<Item = &LogRecord> {
        self.records[self.range_between(after, up_to)].iter()
    }

    /// The node's log now ends at `zxid` (recovery, or a TRUNC): what came after is gone.
    pub fn truncate_to(&mut self, zxid: Zxid) {
        assert!(
            self.contains(zxid),
            "truncation point must be in the history"
        );
        let keep = if zxid == self.base_zxid {
            0
        } else {
            self.index_of(zxid).expect("contained") + 1
        };
        if keep == self.records.len() {
            return;
        }
        self.records.truncate(keep);
        self.contents.truncate(keep);
        self.zxids.truncate(keep);
        self.digests.truncate(keep);
        self.entries.truncate(keep);
        if self.replayed > keep {
            self.tree = self.base_tree.clone();
            self.replayed = 0;
        }
        self.acked.retain(|acked| *acked <= zxid);
    }

    /// The node replaced its state with a snapshot at `zxid` holding `tree`.
    pub fn reset_to_snapshot(&mut self, zxid: Zxid, tree: DataTree) {
        self.base_zxid = zxid;
        self.base_tree = tree.clone();
        self.tree = tree;
        self.replayed = 0;
        self.base_entry = None;
        self.records.clear();
        self.contents.clear();
        self.zxids.clear();
        self.digests.clear();
        self.entries.clear();
        self.acked.retain(|acked| *acked <= zxid);
    }
}
