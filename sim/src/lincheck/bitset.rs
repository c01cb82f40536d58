//! A fixed-size set of operation indices, and its Zobrist hash.

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Bitset {
    words: Vec<u64>,
    len: usize,
}

impl Bitset {
    pub(super) fn new(len: usize) -> Bitset {
        Bitset {
            words: vec![0; len.div_ceil(64).max(1)],
            len,
        }
    }

    pub(super) fn contains(&self, index: usize) -> bool {
        assert!(index < self.len, "bit {index} of {}", self.len);
        self.words[index / 64] & (1 << (index % 64)) != 0
    }

    pub(super) fn insert(&mut self, index: usize) {
        debug_assert!(!self.contains(index), "bit {index} already set");
        self.words[index / 64] |= 1 << (index % 64);
    }

    pub(super) fn remove(&mut self, index: usize) {
        debug_assert!(self.contains(index), "bit {index} not set");
        self.words[index / 64] &= !(1 << (index % 64));
    }

    pub(super) fn words(&self) -> &[u64] {
        &self.words
    }

    pub(super) fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }
}

/// The Zobrist key of one member: the hash of a set is the XOR of its members' keys, so it is
/// updated in O(1) when a member comes or goes.
pub(super) fn member_key(index: usize) -> u64 {
    mix(index as u64 ^ 0x6a09_e667_f3bc_c908)
}

/// The murmur3 64-bit finalizer.
pub(super) fn mix(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xff51_afd7_ed55_8ccd);
    value ^= value >> 33;
    value = value.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    value ^= value >> 33;
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_come_and_go() {
        let mut set = Bitset::new(130);
        set.insert(0);
        set.insert(64);
        set.insert(129);
        assert!(set.contains(64));
        assert!(!set.contains(63));
        assert_eq!(set.count(), 3);
        set.remove(64);
        assert!(!set.contains(64));
        assert_eq!(set.words().len(), 3);
    }

    #[test]
    fn member_keys_differ() {
        let keys: std::collections::BTreeSet<u64> = (0..10_000).map(member_key).collect();
        assert_eq!(keys.len(), 10_000);
    }
}
