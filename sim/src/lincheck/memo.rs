//! Lowe's memoization: the configurations already explored, as (set of linearized operations,
//! state id). Each set is stored as its bitset words in one arena.

use super::bitset::mix;
use super::slots::{reserve_counted, Probe, Slots};

pub(super) struct Memo {
    words_per_entry: usize,
    arena: Vec<u64>,
    states: Vec<u32>,
    hashes: Vec<u64>,
    slots: Slots,
}

impl Memo {
    pub(super) fn new(words_per_entry: usize) -> Memo {
        assert!(words_per_entry > 0);
        Memo {
            words_per_entry,
            arena: Vec::new(),
            states: Vec::new(),
            hashes: Vec::new(),
            slots: Slots::new(),
        }
    }

    /// The hash of a configuration, from the Zobrist hash of its set and its state's hash.
    pub(super) fn key(set_hash: u64, state_hash: u64) -> u64 {
        set_hash ^ mix(state_hash ^ 0x3c6e_f372_fe94_f82b)
    }

    /// Records the configuration; false if it was already there.
    pub(super) fn insert(&mut self, hash: u64, set: &[u64], state: u32) -> bool {
        assert_eq!(set.len(), self.words_per_entry);
        let width = self.words_per_entry;
        let probe = self.slots.probe(hash, |id| {
            let id = id as usize;
            self.states[id] == state
                && self.arena[id * width..(id + 1) * width]
                    .iter()
                    .zip(set)
                    .all(|(stored, word)| stored == word)
        });
        match probe {
            Probe::Found(_) => false,
            Probe::Vacant(slot) => {
                let id = u32::try_from(self.states.len()).expect("fewer than 2^32 entries");
                reserve_counted(&mut self.arena, set.len());
                reserve_counted(&mut self.states, 1);
                reserve_counted(&mut self.hashes, 1);
                self.arena.extend_from_slice(set);
                self.states.push(state);
                self.hashes.push(hash);
                let hashes = &self.hashes;
                self.slots
                    .fill(slot, id, hash, |other| hashes[other as usize]);
                true
            }
        }
    }

    /// Bytes held by the tables, from their capacities (deterministic: see `reserve_counted`).
    pub(super) fn bytes(&self) -> u64 {
        let words = self.arena.capacity() * 8;
        let states = self.states.capacity() * 4;
        let hashes = self.hashes.capacity() * 8;
        (words + states + hashes + self.slots.len_slots() * 8) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurations_are_remembered_exactly() {
        let mut memo = Memo::new(2);
        assert!(memo.insert(7, &[1, 0], 0));
        assert!(!memo.insert(7, &[1, 0], 0));
        // Same hash, different set or state: distinct entries.
        assert!(memo.insert(7, &[2, 0], 0));
        assert!(memo.insert(7, &[1, 0], 1));
        for i in 0..1000u64 {
            assert!(memo.insert(Memo::key(i, 3), &[i, 1], 3));
        }
        assert!(!memo.insert(Memo::key(500, 3), &[500, 1], 3));
        assert!(memo.bytes() > 1000 * 28);
    }
}
