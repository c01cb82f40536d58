//! Binary forms of a Stat and of a znode record (path, Stat, data), as
//! stored in snapshots.

use super::path::validate_path;
use super::{Stat, Znode};
use crate::codec::{DecodeError, Reader, Writer, MAX_DATA_BYTES, MAX_PATH_BYTES};
use crate::ids::{SessionId, Zxid};

/// Bytes in an encoded Stat: 5 × u64, 3 × i32, u64, 2 × u32.
pub const STAT_BYTES: usize = 5 * 8 + 3 * 4 + 8 + 2 * 4;

impl Stat {
    pub fn encode(&self, w: &mut Writer<'_>) {
        let start = w.len();
        w.raw(&self.encoded());
        assert_eq!(w.len() - start, STAT_BYTES);
    }

    /// The encoded fields, written into one array (one append, not eleven).
    fn encoded(&self) -> [u8; STAT_BYTES] {
        let mut bytes = [0u8; STAT_BYTES];
        let mut at = 0;
        let mut put = |field: &[u8]| {
            bytes[at..at + field.len()].copy_from_slice(field);
            at += field.len();
        };
        put(&self.czxid.0.to_be_bytes());
        put(&self.mzxid.0.to_be_bytes());
        put(&self.pzxid.0.to_be_bytes());
        put(&self.ctime_ms.to_be_bytes());
        put(&self.mtime_ms.to_be_bytes());
        put(&self.version.to_be_bytes());
        put(&self.cversion.to_be_bytes());
        put(&self.aversion.to_be_bytes());
        put(&self.ephemeral_owner.0.to_be_bytes());
        put(&self.data_length.to_be_bytes());
        put(&self.num_children.to_be_bytes());
        assert_eq!(at, STAT_BYTES, "encoded: every byte is a field's");
        bytes
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Stat, DecodeError> {
        if r.remaining() < STAT_BYTES {
            // The error names the field that runs short.
            return Stat::decode_fields(r);
        }
        let bytes = r.take(STAT_BYTES)?;
        Ok(Stat::from_bytes(bytes.try_into().expect("took STAT_BYTES")))
    }

    /// `encoded` undone; every array is a Stat.
    fn from_bytes(bytes: &[u8; STAT_BYTES]) -> Stat {
        let u64_at = |at: usize| u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8"));
        let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4"));
        Stat {
            czxid: Zxid(u64_at(0)),
            mzxid: Zxid(u64_at(8)),
            pzxid: Zxid(u64_at(16)),
            ctime_ms: u64_at(24),
            mtime_ms: u64_at(32),
            version: u32_at(40) as i32,
            cversion: u32_at(44) as i32,
            aversion: u32_at(48) as i32,
            ephemeral_owner: SessionId(u64_at(52)),
            data_length: u32_at(60),
            num_children: u32_at(64),
        }
    }

    /// Field by field, for input that may end inside the Stat.
    fn decode_fields(r: &mut Reader<'_>) -> Result<Stat, DecodeError> {
        Ok(Stat {
            czxid: Zxid(r.u64()?),
            mzxid: Zxid(r.u64()?),
            pzxid: Zxid(r.u64()?),
            ctime_ms: r.u64()?,
            mtime_ms: r.u64()?,
            version: r.i32()?,
            cversion: r.i32()?,
            aversion: r.i32()?,
            ephemeral_owner: SessionId(r.u64()?),
            data_length: r.u32()?,
            num_children: r.u32()?,
        })
    }
}

/// `path | Stat | data`.
pub fn encode_znode(path: &str, znode: &Znode, w: &mut Writer<'_>) {
    assert!(
        validate_path(path).is_ok(),
        "encode_znode: invalid path {path:?}"
    );
    assert_eq!(
        znode.stat.data_length as usize,
        znode.data.len(),
        "{path}: data_length"
    );
    w.str(path);
    znode.stat.encode(w);
    w.bytes(&znode.data);
}

/// Decodes a znode record; rejects an invalid path or a wrong data_length.
pub fn decode_znode(r: &mut Reader<'_>) -> Result<(String, Znode), DecodeError> {
    let at = r.position();
    let path = r.string(MAX_PATH_BYTES)?;
    if validate_path(&path).is_err() {
        return Err(DecodeError::Invalid {
            at,
            what: "znode path",
        });
    }
    let stat = Stat::decode(r)?;
    let at = r.position();
    let data = r.bytes(MAX_DATA_BYTES)?.to_vec();
    if stat.data_length as usize != data.len() {
        return Err(DecodeError::Invalid {
            at,
            what: "znode data_length",
        });
    }
    Ok((path, Znode { data, stat }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_stat() -> impl Strategy<Value = Stat> {
        (
            any::<[u64; 5]>(),
            any::<[i32; 3]>(),
            any::<u64>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(|(wide, versions, owner, data_length, num_children)| Stat {
                czxid: Zxid(wide[0]),
                mzxid: Zxid(wide[1]),
                pzxid: Zxid(wide[2]),
                ctime_ms: wide[3],
                mtime_ms: wide[4],
                version: versions[0],
                cversion: versions[1],
                aversion: versions[2],
                ephemeral_owner: SessionId(owner),
                data_length,
                num_children,
            })
    }

    proptest! {
        #[test]
        fn stat_round_trips(stat in arb_stat()) {
            let mut buf = Vec::new();
            stat.encode(&mut Writer::new(&mut buf));
            prop_assert_eq!(buf.len(), STAT_BYTES);
            let mut reader = Reader::new(&buf);
            prop_assert_eq!(Stat::decode(&mut reader).unwrap(), stat);
            prop_assert!(reader.expect_end().is_ok());
        }

        #[test]
        fn znode_round_trips(path in "(/[a-z0-9.]{1,6}){1,4}", data in proptest::collection::vec(any::<u8>(), 0..40), stat in arb_stat()) {
            prop_assume!(validate_path(&path).is_ok());
            let znode = Znode { stat: Stat { data_length: data.len() as u32, ..stat }, data };
            let mut buf = Vec::new();
            encode_znode(&path, &znode, &mut Writer::new(&mut buf));
            let mut reader = Reader::new(&buf);
            prop_assert_eq!(decode_znode(&mut reader).unwrap(), (path, znode));
            prop_assert!(reader.expect_end().is_ok());
        }

        #[test]
        fn stat_decode_matches_field_by_field(raw in proptest::collection::vec(any::<u8>(), 0..80)) {
            let mut fast = Reader::new(&raw);
            let mut slow = Reader::new(&raw);
            prop_assert_eq!(Stat::decode(&mut fast), Stat::decode_fields(&mut slow));
            prop_assert_eq!(fast.position(), slow.position());
        }

        #[test]
        fn znode_decode_of_any_bytes_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..160)) {
            let _ = decode_znode(&mut Reader::new(&raw));
            let _ = Stat::decode(&mut Reader::new(&raw));
        }
    }

    fn encoded(path: &str, data_length: u32) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut writer = Writer::new(&mut buf);
        writer.str(path);
        Stat {
            data_length,
            ..Stat::default()
        }
        .encode(&mut writer);
        writer.bytes(b"xy");
        buf
    }

    #[test]
    fn bad_records_are_rejected() {
        assert!(decode_znode(&mut Reader::new(&encoded("/a", 2))).is_ok());
        assert_eq!(
            decode_znode(&mut Reader::new(&encoded("/a/", 2))),
            Err(DecodeError::Invalid {
                at: 0,
                what: "znode path"
            })
        );
        assert!(matches!(
            decode_znode(&mut Reader::new(&encoded("/a", 3))),
            Err(DecodeError::Invalid {
                what: "znode data_length",
                ..
            })
        ));
    }
}
