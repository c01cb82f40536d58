//! Model states, interned: each distinct state is stored once and named by a small id, so cache
//! entries compare states by id and a large state (a string, a map) is not copied per entry.

use super::slots::{reserve_counted, Probe, Slots};
use std::hash::{Hash, Hasher};
use zksim_core::hash::StableHasher;

const STATE_HASH_SEED: u64 = 0x1f83_d9ab_fb41_bd6b;

pub(super) struct States<S> {
    states: Vec<S>,
    hashes: Vec<u64>,
    slots: Slots,
    heap_bytes: u64,
}

impl<S: Clone + Eq + Hash> States<S> {
    pub(super) fn new() -> States<S> {
        States {
            states: Vec::new(),
            hashes: Vec::new(),
            slots: Slots::new(),
            heap_bytes: 0,
        }
    }

    /// The id of `state`, storing it if new; `heap_bytes` is what it owns on the heap.
    pub(super) fn intern(&mut self, state: S, heap_bytes: impl FnOnce(&S) -> u64) -> u32 {
        let hash = hash_state(&state);
        let probe = self
            .slots
            .probe(hash, |id| self.states[id as usize] == state);
        match probe {
            Probe::Found(id) => id,
            Probe::Vacant(slot) => {
                let id = u32::try_from(self.states.len()).expect("fewer than 2^32 states");
                self.heap_bytes += heap_bytes(&state);
                reserve_counted(&mut self.states, 1);
                reserve_counted(&mut self.hashes, 1);
                self.states.push(state);
                self.hashes.push(hash);
                let hashes = &self.hashes;
                self.slots
                    .fill(slot, id, hash, |other| hashes[other as usize]);
                id
            }
        }
    }

    pub(super) fn get(&self, id: u32) -> &S {
        &self.states[id as usize]
    }

    pub(super) fn hash(&self, id: u32) -> u64 {
        self.hashes[id as usize]
    }

    /// Bytes held: the states (inline and, as the model reports, on the heap), their hashes
    /// and the slots. Counted from lengths and capacities grown by `reserve_counted`, so the same
    /// on every run.
    pub(super) fn bytes(&self) -> u64 {
        let inline = self.states.capacity() * std::mem::size_of::<S>();
        let hashes = self.hashes.capacity() * std::mem::size_of::<u64>();
        let slots = self.slots.len_slots() * std::mem::size_of::<u64>();
        (inline + hashes + slots) as u64 + self.heap_bytes
    }
}

fn hash_state<S: Hash>(state: &S) -> u64 {
    let mut hasher = StableHasher::new(STATE_HASH_SEED);
    state.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_states_share_an_id() {
        let mut states = States::new();
        let a = states.intern("a".to_string(), |s| s.len() as u64);
        let b = states.intern("b".to_string(), |s| s.len() as u64);
        assert_ne!(a, b);
        for _ in 0..1000 {
            assert_eq!(states.intern("a".to_string(), |_| 0), a);
        }
        let many: Vec<u32> = (0..1000)
            .map(|i| states.intern(i.to_string(), |_| 0))
            .collect();
        assert_eq!(states.intern("999".to_string(), |_| 0), many[999]);
        assert_eq!(states.get(b), "b");
    }
}
