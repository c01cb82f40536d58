//! `DigestLedger`: the tree digest after each history the ghosts have replayed,
//! shared by every node's ghost of one run.
//!
//! A write reaches every replica, so every node's ghost logs the same record after
//! the same history and would replay it into its own tree only to find the same
//! digest. The ledger is a trie of histories: an entry is a base (the zxid and
//! digest a history starts from) followed by records, each step named by the
//! record's zxid and content hash. The first ghost to log a record replays it and
//! files the digest; a ghost that logs the same record after the same history
//! reads it. Entries are named exactly by their path, so the ledger trusts no
//! more than the ghost already does: records by their content hash, a base by its
//! digest.
//!
//! Architecture invariant: lookups only, by ordered maps; nothing iterates.

use std::collections::BTreeMap;
use zksim_core::ids::Zxid;

/// One history in the ledger: an index into its entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LedgerEntry(u32);

/// A record that extends a history: its zxid and content hash.
type Step = (Zxid, u64);

#[derive(Debug, Default)]
pub struct DigestLedger {
    /// (base zxid, base digest) -> the empty history on that base.
    bases: BTreeMap<(Zxid, u64), LedgerEntry>,
    /// The tree digest after each entry's history.
    digests: Vec<u64>,
    /// The first extension filed of each entry: histories rarely fork, so
    /// this is the one a lookup almost always finds.
    first_extension: Vec<Option<(Step, LedgerEntry)>>,
    /// Every later extension, by (history, step).
    forks: BTreeMap<(LedgerEntry, Step), LedgerEntry>,
}

impl DigestLedger {
    /// The empty history on a base whose tree has `digest` at `zxid`.
    pub fn base(&mut self, zxid: Zxid, digest: u64) -> LedgerEntry {
        if let Some(&entry) = self.bases.get(&(zxid, digest)) {
            assert_eq!(self.digests[entry.0 as usize], digest);
            return entry;
        }
        let entry = self.push(digest);
        self.bases.insert((zxid, digest), entry);
        entry
    }

    /// `history` extended by the record (`zxid`, `content`), if some ghost filed it.
    pub fn extension(&self, history: LedgerEntry, zxid: Zxid, content: u64) -> Option<LedgerEntry> {
        let step = (zxid, content);
        match self.first_extension[history.0 as usize] {
            None => None,
            Some((first, entry)) if first == step => Some(entry),
            Some(_) => self.forks.get(&(history, step)).copied(),
        }
    }

    /// Files `history` extended by the record (`zxid`, `content`), whose tree has `digest`.
    pub fn extend(
        &mut self,
        history: LedgerEntry,
        zxid: Zxid,
        content: u64,
        digest: u64,
    ) -> LedgerEntry {
        assert!(
            (history.0 as usize) < self.digests.len(),
            "extending a history of this ledger"
        );
        assert!(
            self.extension(history, zxid, content).is_none(),
            "a history is filed once"
        );
        let entry = self.push(digest);
        let step = (zxid, content);
        let first = &mut self.first_extension[history.0 as usize];
        if first.is_none() {
            *first = Some((step, entry));
        } else {
            self.forks.insert((history, step), entry);
        }
        entry
    }

    /// The tree digest after `entry`'s history.
    pub fn digest(&self, entry: LedgerEntry) -> u64 {
        self.digests[entry.0 as usize]
    }

    /// Histories filed so far.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    fn push(&mut self, digest: u64) -> LedgerEntry {
        let entry = LedgerEntry(u32::try_from(self.digests.len()).expect("under 2^32 histories"));
        self.digests.push(digest);
        self.first_extension.push(None);
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_are_named_by_their_whole_path() {
        let mut ledger = DigestLedger::default();
        let root = ledger.base(Zxid(0), 7);
        assert_eq!(ledger.base(Zxid(0), 7), root, "one entry per base");
        assert_ne!(
            ledger.base(Zxid(0), 8),
            root,
            "another digest, another base"
        );
        assert_eq!(ledger.extension(root, Zxid(1), 11), None);
        let one = ledger.extend(root, Zxid(1), 11, 100);
        assert_eq!(ledger.extension(root, Zxid(1), 11), Some(one));
        assert_eq!(ledger.digest(one), 100);
        // The same record after another history, or another record after the same one, is
        // another entry.
        let other_base = ledger.base(Zxid(0), 8);
        assert_eq!(ledger.extension(other_base, Zxid(1), 11), None);
        assert_eq!(ledger.extension(root, Zxid(1), 12), None);
        assert_eq!(ledger.extension(root, Zxid(2), 11), None);
        let two = ledger.extend(one, Zxid(2), 13, 200);
        assert_eq!(ledger.digest(two), 200);
        // A fork: a second and a third record after the same history.
        let fork = ledger.extend(root, Zxid(1), 12, 300);
        let fork2 = ledger.extend(root, Zxid(2), 11, 400);
        assert_eq!(ledger.extension(root, Zxid(1), 11), Some(one));
        assert_eq!(ledger.extension(root, Zxid(1), 12), Some(fork));
        assert_eq!(ledger.extension(root, Zxid(2), 11), Some(fork2));
        assert_eq!(ledger.digest(fork2), 400);
        assert_eq!(ledger.len(), 6);
    }

    #[test]
    #[should_panic(expected = "a history is filed once")]
    fn filing_a_history_twice_is_a_bug() {
        let mut ledger = DigestLedger::default();
        let root = ledger.base(Zxid(0), 7);
        ledger.extend(root, Zxid(1), 11, 100);
        ledger.extend(root, Zxid(1), 11, 100);
    }
}
