//! `LoggedRecords`: a replica's logged records in memory, in zxid order.
//!
//! A log only grows at its end, loses its end to a TRUNC and its start to a purge, so
//! the records live in a deque: appending is O(1) and a zxid is found by binary search.

use crate::ids::Zxid;
use crate::persist::LogRecord;
use std::collections::VecDeque;

/// Records with strictly increasing zxids.
#[derive(Clone, Debug, Default)]
pub struct LoggedRecords {
    records: VecDeque<LogRecord>,
}

impl LoggedRecords {
    /// Records in zxid order, each zxid once.
    pub fn from_sorted(records: Vec<LogRecord>) -> LoggedRecords {
        assert!(
            records
                .windows(2)
                .all(|pair| pair[0].zxid() < pair[1].zxid()),
            "recovered zxids are distinct and in order"
        );
        LoggedRecords {
            records: records.into(),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The index of the first record at or after `zxid`.
    fn index_from(&self, zxid: Zxid) -> usize {
        self.records.partition_point(|record| record.zxid() < zxid)
    }

    pub fn get(&self, zxid: Zxid) -> Option<&LogRecord> {
        self.records
            .get(self.index_from(zxid))
            .filter(|record| record.zxid() == zxid)
    }

    pub fn contains(&self, zxid: Zxid) -> bool {
        self.get(zxid).is_some()
    }

    pub fn last(&self) -> Option<&LogRecord> {
        self.records.back()
    }

    /// Every record, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogRecord> {
        self.records.iter()
    }

    /// The records with zxids in `from..=to`, in order.
    pub fn between(&self, from: Zxid, to: Zxid) -> impl Iterator<Item = &LogRecord> {
        self.records
            .range(self.index_from(from)..)
            .take_while(move |record| record.zxid() <= to)
    }

    /// The records after `zxid`, in order.
    pub fn after(&self, zxid: Zxid) -> impl Iterator<Item = &LogRecord> {
        let start = self.records.partition_point(|record| record.zxid() <= zxid);
        self.records.range(start..)
    }

    /// Appends a record past the last one.
    pub fn push(&mut self, record: LogRecord) {
        assert!(
            self.last().is_none_or(|last| last.zxid() < record.zxid()),
            "records are appended in zxid order"
        );
        self.records.push_back(record);
    }

    /// Drops every record after `zxid`.
    pub fn truncate_after(&mut self, zxid: Zxid) {
        let keep = self.records.partition_point(|record| record.zxid() <= zxid);
        self.records.truncate(keep);
        assert!(self.last().is_none_or(|last| last.zxid() <= zxid));
    }

    /// Drops every record before `zxid`.
    pub fn drop_before(&mut self, zxid: Zxid) {
        let drop = self.index_from(zxid);
        self.records.drain(..drop);
        assert!(self
            .records
            .front()
            .is_none_or(|first| first.zxid() >= zxid));
    }

    pub fn clear(&mut self) {
        self.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SessionId;
    use crate::txn::{Txn, TxnHeader};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn record(zxid: u64) -> LogRecord {
        LogRecord {
            prev_zxid: Zxid(zxid.saturating_sub(1)),
            synced_zxid: Zxid(0),
            header: TxnHeader {
                session: SessionId(1),
                cxid: 0,
                zxid: Zxid(zxid),
                time_ms: 0,
            },
            txn: Txn::CreateSession { timeout_ms: 1 }.into(),
        }
    }

    #[derive(Clone, Debug)]
    enum Step {
        Push(u64),
        TruncateAfter(u64),
        DropBefore(u64),
        Clear,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (1u64..4).prop_map(Step::Push),
            1 => (0u64..60).prop_map(Step::TruncateAfter),
            1 => (0u64..60).prop_map(Step::DropBefore),
            1 => Just(Step::Clear),
        ]
    }

    proptest! {
        /// Every lookup agrees with a map from zxid to record, whatever the edits.
        #[test]
        fn behaves_as_an_ordered_map(
            start in prop::collection::btree_set(1u64..40, 0..12),
            steps in prop::collection::vec(step(), 0..40),
            probes in prop::collection::vec(0u64..70, 8),
        ) {
            let mut model: BTreeMap<u64, LogRecord> =
                start.iter().map(|&z| (z, record(z))).collect();
            let mut logged = LoggedRecords::from_sorted(model.values().cloned().collect());
            for step in steps {
                match step {
                    Step::Push(gap) => {
                        let zxid = model.keys().next_back().copied().unwrap_or(0) + gap;
                        model.insert(zxid, record(zxid));
                        logged.push(record(zxid));
                    }
                    Step::TruncateAfter(zxid) => {
                        model.retain(|z, _| *z <= zxid);
                        logged.truncate_after(Zxid(zxid));
                    }
                    Step::DropBefore(zxid) => {
                        model.retain(|z, _| *z >= zxid);
                        logged.drop_before(Zxid(zxid));
                    }
                    Step::Clear => {
                        model.clear();
                        logged.clear();
                    }
                }
                prop_assert_eq!(logged.len(), model.len());
                prop_assert_eq!(logged.last(), model.values().next_back());
                for &probe in &probes {
                    prop_assert_eq!(logged.get(Zxid(probe)), model.get(&probe));
                    prop_assert_eq!(logged.contains(Zxid(probe)), model.contains_key(&probe));
                    let after: Vec<_> = logged.after(Zxid(probe)).collect();
                    let expected: Vec<_> = model.range(probe + 1..).map(|(_, r)| r).collect();
                    prop_assert_eq!(after, expected);
                    let between: Vec<_> = logged.between(Zxid(probe), Zxid(probe + 5)).collect();
                    let expected: Vec<_> = model.range(probe..=probe + 5).map(|(_, r)| r).collect();
                    prop_assert_eq!(between, expected);
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "records are appended in zxid order")]
    fn appending_out_of_order_is_a_bug() {
        let mut logged = LoggedRecords::from_sorted(vec![record(5)]);
        logged.push(record(5));
    }
}
