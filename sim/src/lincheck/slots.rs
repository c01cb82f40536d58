//! An open-addressing index from 64-bit hashes to entry ids (linear probing, power-of-two size,
//! at most half full). The entries themselves live with the caller, which says whether an id
//! matches; nothing here depends on iteration order, so lookups are deterministic.

pub(super) struct Slots {
    /// 0 = empty, else the hash's upper 32 bits (a tag that rejects most mismatches without
    /// touching the entries) above entry id + 1.
    slots: Vec<u64>,
    filled: usize,
}

fn packed(hash: u64, id: u32) -> u64 {
    (hash & 0xffff_ffff_0000_0000) | u64::from(id + 1)
}

fn id_of(stored: u64) -> u32 {
    (stored as u32) - 1
}

pub(super) enum Probe {
    Found(u32),
    Vacant(usize),
}

const INITIAL_SLOTS: usize = 64;

impl Slots {
    pub(super) fn new() -> Slots {
        Slots {
            slots: vec![0; INITIAL_SLOTS],
            filled: 0,
        }
    }

    /// Slots allocated (each 8 bytes).
    pub(super) fn len_slots(&self) -> usize {
        self.slots.len()
    }

    /// The entry with this hash for which `is_match` holds, or the slot to fill for a new one.
    pub(super) fn probe(&self, hash: u64, mut is_match: impl FnMut(u32) -> bool) -> Probe {
        let mask = self.slots.len() - 1;
        let tag = hash & 0xffff_ffff_0000_0000;
        let mut slot = (hash as usize) & mask;
        for _ in 0..self.slots.len() {
            match self.slots[slot] {
                0 => return Probe::Vacant(slot),
                stored if stored & 0xffff_ffff_0000_0000 == tag && is_match(id_of(stored)) => {
                    return Probe::Found(id_of(stored))
                }
                _ => slot = (slot + 1) & mask,
            }
        }
        unreachable!("the slot table is never full");
    }

    /// Fills a slot returned by `probe` (with no insertion since) and grows when half full;
    /// `hash_of` gives the hash of any id already stored.
    pub(super) fn fill(&mut self, slot: usize, id: u32, hash: u64, hash_of: impl Fn(u32) -> u64) {
        assert_eq!(self.slots[slot], 0, "slot {slot} is taken");
        assert!(id < u32::MAX, "too many entries");
        self.slots[slot] = packed(hash, id);
        self.filled += 1;
        if self.filled * 2 > self.slots.len() {
            self.grow(hash_of);
        }
    }

    fn grow(&mut self, hash_of: impl Fn(u32) -> u64) {
        let doubled = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for stored in old.into_iter().filter(|&stored| stored != 0) {
            let mut slot = (hash_of(id_of(stored)) as usize) & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = stored;
        }
        debug_assert_eq!(
            self.slots.iter().filter(|&&stored| stored != 0).count(),
            self.filled
        );
    }
}

/// Makes room for `additional` more items, doubling the capacity exactly when full, so that the
/// capacity (what the memory budget counts) is the same on every run and close to what is
/// allocated.
pub(super) fn reserve_counted<T>(vector: &mut Vec<T>, additional: usize) {
    if vector.len() + additional > vector.capacity() {
        let wanted = (vector.capacity() * 2)
            .max(vector.len() + additional)
            .max(16);
        vector.reserve_exact(wanted - vector.len());
    }
}
