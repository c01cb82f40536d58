//! The durability hint: when the log goes idle after an fsync, the zxid it made
//! durable is written to `syncedZxid` and fsynced (off the critical path: no
//! reply waits for it). While writes go on, the next records carry the same
//! proof in their `synced_zxid`. A log that ends below a surviving hint lost
//! bytes that had been fsynced: damage (bit rot of the last record looks
//! exactly like a torn write otherwise), never a torn tail. A lost or torn
//! hint proves nothing and is ignored.

use crate::ids::Zxid;

pub const SYNCED_HINT: &str = "syncedZxid";
const HINT_BYTES: usize = 12;

pub fn encode_hint(zxid: Zxid) -> Vec<u8> {
    let mut bytes = zxid.0.to_be_bytes().to_vec();
    bytes.extend_from_slice(&crc32c::crc32c(&bytes).to_be_bytes());
    debug_assert_eq!(bytes.len(), HINT_BYTES);
    bytes
}

/// The hinted zxid, if the hint is intact.
pub fn decode_hint(bytes: &[u8]) -> Option<Zxid> {
    if bytes.len() < HINT_BYTES {
        return None;
    }
    let (value, crc) = bytes[..HINT_BYTES].split_at(8);
    let stored = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32c::crc32c(value) != stored {
        return None;
    }
    let mut array = [0u8; 8];
    array.copy_from_slice(value);
    Some(Zxid(u64::from_be_bytes(array)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn hints_round_trip(value: u64) {
            prop_assert_eq!(decode_hint(&encode_hint(Zxid(value))), Some(Zxid(value)));
        }

        #[test]
        fn damaged_hints_are_ignored_never_misread(value: u64, flip in 0usize..96) {
            let mut bytes = encode_hint(Zxid(value));
            bytes[flip / 8] ^= 1 << (flip % 8);
            prop_assert_eq!(decode_hint(&bytes), None);
        }

        #[test]
        fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = decode_hint(&raw);
        }
    }
}
