//! The ghost record: what the simulator saw a node log and acknowledge, kept
//! outside the core. Checks compare what the core recovers against it.

use std::collections::BTreeSet;
use zksim_core::ids::Zxid;
use zksim_core::persist::LogRecord;
use zksim_core::tree::DataTree;

#[derive(Debug, Default)]
pub struct Ghost {
    /// The node's history as logged: a chain by `prev_zxid`.
    records: Vec<LogRecord>,
    /// The tree digest after each record.
    digests: Vec<u64>,
    /// The state after the last record.
    tree: DataTree,
    /// Every zxid whose outcome a client was told.
    acked: BTreeSet<Zxid>,
}

impl Ghost {
    pub fn last_zxid(&self) -> Zxid {
        self.records.last().map_or(Zxid::ZERO, LogRecord::zxid)
    }

    /// A txn was handed to the log; it must extend the chain.
    pub fn on_logged(&mut self, record: &LogRecord) -> Result<(), String> {
        if record.prev_zxid != self.last_zxid() {
            return Err(format!(
                "logged {} after {}, but the last logged txn is {}",
                record.zxid(),
                record.prev_zxid,
                self.last_zxid()
            ));
        }
        let _ = self.tree.apply(&record.header, &record.txn);
        self.records.push(record.clone());
        self.digests.push(self.tree.digest());
        Ok(())
    }

    pub fn on_acked(&mut self, zxid: Zxid) {
        self.acked.insert(zxid);
    }

    pub fn max_acked(&self) -> Zxid {
        self.acked.last().copied().unwrap_or(Zxid::ZERO)
    }

    pub fn acked_count(&self) -> usize {
        self.acked.len()
    }

    /// Acknowledged zxids above `zxid`, for loss reports.
    pub fn acked_after(&self, zxid: Zxid) -> Vec<Zxid> {
        self.acked.range(Zxid(zxid.0 + 1)..).copied().collect()
    }

    fn index_of(&self, zxid: Zxid) -> Option<usize> {
        self.records
            .binary_search_by_key(&zxid, LogRecord::zxid)
            .ok()
    }

    /// Whether `zxid` is in the history (zero, the empty state, always is).
    pub fn contains(&self, zxid: Zxid) -> bool {
        zxid == Zxid::ZERO || self.index_of(zxid).is_some()
    }

    /// The digest of the state after `zxid`.
    pub fn digest_at(&self, zxid: Zxid) -> Option<u64> {
        if zxid == Zxid::ZERO {
            return Some(DataTree::new().digest());
        }
        self.index_of(zxid).map(|index| self.digests[index])
    }

    /// The state after `zxid`, rebuilt by replay.
    pub fn tree_at(&self, zxid: Zxid) -> DataTree {
        let mut tree = DataTree::new();
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
        self.records
            .iter()
            .filter(move |record| record.zxid() > after && record.zxid() <= up_to)
    }

    /// The node came back at `zxid`: what was logged after it is gone.
    pub fn truncate_to(&mut self, zxid: Zxid) {
        assert!(
            self.contains(zxid),
            "truncation point must be in the history"
        );
        let keep = if zxid == Zxid::ZERO {
            0
        } else {
            self.index_of(zxid).expect("contained") + 1
        };
        if keep == self.records.len() {
            return;
        }
        self.records.truncate(keep);
        self.digests.truncate(keep);
        self.tree = self.tree_at(zxid);
        self.acked.retain(|acked| *acked <= zxid);
    }
}
