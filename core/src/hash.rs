//! A stable 64-bit hasher: the same output on every machine, target width and
//! Rust version, so digests can be compared across replicas and stored in files.
//!
//! Not cryptographic. The body is MurmurHash3-style (multiply, rotate, multiply
//! per 8-byte little-endian word); the finish is the murmur3 64-bit finalizer.

use std::hash::Hasher;

const K1: u64 = 0x87c3_7b91_1142_53d5;
const K2: u64 = 0x4cf5_ad43_2745_937f;

/// A seeded, stable [`Hasher`]. Every integer is hashed little-endian, and
/// `usize`/`isize` are widened to 8 bytes so 32- and 64-bit targets agree.
#[derive(Clone, Debug)]
pub struct StableHasher {
    state: u64,
    /// Total bytes written; folded in at `finish` so "ab" + "" != "a" + "b".
    length: u64,
}

impl StableHasher {
    pub fn new(seed: u64) -> StableHasher {
        StableHasher {
            state: fmix64(seed ^ K2),
            length: 0,
        }
    }

    fn mix_word(&mut self, word: u64) {
        let scrambled = word.wrapping_mul(K1).rotate_left(31).wrapping_mul(K2);
        self.state = (self.state ^ scrambled)
            .rotate_left(27)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
    }
}

/// Up to 7 bytes as a little-endian word, zero-padded: by two overlapping
/// loads, not a copy of variable length (which is a call to `memcpy`, made
/// for every string and byte string hashed).
fn tail_word(tail: &[u8]) -> u64 {
    let length = tail.len();
    assert!(length < 8, "a tail is shorter than a word");
    if length >= 4 {
        let low = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        let end = &tail[length - 4..];
        let high = u32::from_le_bytes([end[0], end[1], end[2], end[3]]);
        u64::from(low) | (u64::from(high) << (8 * (length - 4)))
    } else if length >= 2 {
        let low = u16::from_le_bytes([tail[0], tail[1]]);
        let high = u16::from_le_bytes([tail[length - 2], tail[length - 1]]);
        u64::from(low) | (u64::from(high) << (8 * (length - 2)))
    } else {
        tail.first().map_or(0, |&byte| u64::from(byte))
    }
}

/// The murmur3 64-bit finalizer: every input bit affects every output bit.
pub fn fmix64(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xff51_afd7_ed55_8ccd);
    value ^= value >> 33;
    value = value.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    value ^= value >> 33;
    value
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        fmix64(self.state ^ self.length)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix_word(u64::from_le_bytes(word));
        }
        let tail = chunks.remainder();
        assert!(tail.len() < 8);
        // The tail is padded with zeros and tagged with its length (in the
        // top byte), so a shorter tail never collides with a longer one
        // ending in zeros.
        let tag = u64::from(0x80 | tail.len() as u8) << 56;
        self.mix_word(tail_word(tail) | tag);
        self.length = self.length.wrapping_add(bytes.len() as u64);
    }

    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }

    fn write_u16(&mut self, value: u16) {
        self.write_u64(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.mix_word(value);
        self.length = self.length.wrapping_add(8);
    }

    fn write_u128(&mut self, value: u128) {
        self.write_u64(value as u64);
        self.write_u64((value >> 64) as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_i8(&mut self, value: i8) {
        self.write_i64(i64::from(value));
    }

    fn write_i16(&mut self, value: i16) {
        self.write_i64(i64::from(value));
    }

    fn write_i32(&mut self, value: i32) {
        self.write_i64(i64::from(value));
    }

    fn write_i64(&mut self, value: i64) {
        self.write_u64(value as u64);
    }

    fn write_i128(&mut self, value: i128) {
        self.write_u128(value as u128);
    }

    fn write_isize(&mut self, value: isize) {
        // Sign-extend first: on a 32-bit target `-1isize as usize` is 0xffff_ffff.
        self.write_i64(value as i64);
    }
}

/// Hashes one byte string with a seed.
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut hasher = StableHasher::new(seed);
    hasher.write(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    #[test]
    fn outputs_are_pinned() {
        // A change here changes every stored digest: do it on purpose only.
        assert_eq!(hash_bytes(0, b""), PINNED[0]);
        assert_eq!(hash_bytes(0, b"a"), PINNED[1]);
        assert_eq!(hash_bytes(1, b"a"), PINNED[2]);
        assert_eq!(hash_bytes(7, b"/zookeeper/quota"), PINNED[3]);
        let mut hasher = StableHasher::new(42);
        hasher.write_u32(7);
        hasher.write_i64(-1);
        hasher.write_usize(3);
        assert_eq!(hasher.finish(), PINNED[4]);
    }

    const PINNED: [u64; 5] = [
        0xed90_093c_7482_9c32,
        0xbfce_a424_83bc_e8b5,
        0x0f92_5cab_cd81_a68f,
        0x8168_c1eb_56d6_3b09,
        0xc742_4031_fdcd_0fe7,
    ];

    /// Every tail length packs its bytes as the padded little-endian word
    /// `tail_word` replaced (a copy into a zeroed `[u8; 8]`).
    #[test]
    fn tail_words_are_the_padded_bytes() {
        let bytes: Vec<u8> = (1..=7).map(|i| 0x11 * i).collect();
        for length in 0..8 {
            let tail = &bytes[..length];
            let mut word = [0u8; 8];
            word[..length].copy_from_slice(tail);
            assert_eq!(tail_word(tail), u64::from_le_bytes(word), "length {length}");
        }
        assert_eq!(tail_word(&[0xff; 7]), 0x00ff_ffff_ffff_ffff);
    }

    #[test]
    fn widths_and_signs_are_normalized() {
        let mut narrow = StableHasher::new(3);
        narrow.write_isize(-1);
        narrow.write_usize(5);
        let mut wide = StableHasher::new(3);
        wide.write_i64(-1);
        wide.write_u64(5);
        assert_eq!(narrow.finish(), wide.finish());
        let mut small = StableHasher::new(3);
        small.write_i8(-1);
        small.write_u8(5);
        assert_eq!(small.finish(), wide.finish());
    }

    #[test]
    fn tails_and_splits_are_distinguished() {
        assert_ne!(hash_bytes(0, b"a"), hash_bytes(0, b"a\0"));
        assert_ne!(hash_bytes(0, b""), hash_bytes(0, b"\0"));
        assert_ne!(hash_bytes(0, b"abcdefgh"), hash_bytes(0, b"abcdefgh\0"));
        assert_ne!(hash_bytes(0, b"a"), hash_bytes(1, b"a"));
        let mut split = StableHasher::new(0);
        split.write(b"a");
        split.write(b"b");
        let mut joined = StableHasher::new(0);
        joined.write(b"ab");
        joined.write(b"");
        assert_ne!(split.finish(), joined.finish());
    }

    #[test]
    fn std_hash_uses_the_normalized_writes() {
        let mut by_trait = StableHasher::new(9);
        "path".hash(&mut by_trait);
        7u32.hash(&mut by_trait);
        let mut by_hand = StableHasher::new(9);
        by_hand.write(b"path");
        by_hand.write_u8(0xff);
        by_hand.write_u32(7);
        assert_eq!(by_trait.finish(), by_hand.finish());
    }
}
