//! Big-endian binary encoding primitives shared by every on-disk and on-wire format.
//!
//! Decoding never panics: every malformed input is a [`DecodeError`] naming the offset.

use std::fmt;

/// Largest znode data or txn payload accepted (ZooKeeper's `jute.maxbuffer` default).
pub const MAX_DATA_BYTES: usize = 1024 * 1024;
/// Largest path accepted.
pub const MAX_PATH_BYTES: usize = 4096;
/// Largest number of items in any decoded list (multi ops, children, sessions per chunk).
pub const MAX_LIST_ITEMS: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    UnexpectedEnd {
        at: usize,
        wanted: usize,
    },
    LengthTooLarge {
        at: usize,
        len: u64,
        max: u64,
    },
    InvalidUtf8 {
        at: usize,
    },
    InvalidTag {
        at: usize,
        what: &'static str,
        tag: u32,
    },
    Invalid {
        at: usize,
        what: &'static str,
    },
    TrailingBytes {
        at: usize,
        count: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnexpectedEnd { at, wanted } => {
                write!(
                    f,
                    "unexpected end of input at byte {at} (wanted {wanted} more)"
                )
            }
            DecodeError::LengthTooLarge { at, len, max } => {
                write!(f, "length {len} at byte {at} exceeds the limit {max}")
            }
            DecodeError::InvalidUtf8 { at } => write!(f, "invalid UTF-8 string at byte {at}"),
            DecodeError::InvalidTag { at, what, tag } => {
                write!(f, "invalid {what} tag {tag} at byte {at}")
            }
            DecodeError::Invalid { at, what } => write!(f, "invalid {what} at byte {at}"),
            DecodeError::TrailingBytes { at, count } => {
                write!(f, "{count} unexpected trailing bytes at byte {at}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Appends big-endian values to a byte buffer.
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    pub fn new(buf: &'a mut Vec<u8>) -> Writer<'a> {
        Writer { buf }
    }

    pub fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    pub fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    pub fn i32(&mut self, value: i32) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    pub fn u64(&mut self, value: u64) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    pub fn i64(&mut self, value: i64) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// A u32 length followed by the bytes.
    pub fn bytes(&mut self, value: &[u8]) {
        assert!(
            value.len() <= u32::MAX as usize,
            "byte string too long to encode"
        );
        self.u32(value.len() as u32);
        self.buf.extend_from_slice(value);
    }

    pub fn str(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    pub fn raw(&mut self, value: &[u8]) {
        self.buf.extend_from_slice(value);
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// Reads big-endian values from a byte slice, tracking the offset for errors.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < count {
            return Err(DecodeError::UnexpectedEnd {
                at: self.pos,
                wanted: count - self.remaining(),
            });
        }
        let slice = &self.bytes[self.pos..self.pos + count];
        self.pos += count;
        Ok(slice)
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(self.u32()? as i32)
    }

    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        let bytes = self.take(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_be_bytes(array))
    }

    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(self.u64()? as i64)
    }

    /// A u32 length (at most `max`) followed by that many bytes.
    pub fn bytes(&mut self, max: usize) -> Result<&'a [u8], DecodeError> {
        let at = self.pos;
        let len = self.u32()? as usize;
        if len > max {
            return Err(DecodeError::LengthTooLarge {
                at,
                len: len as u64,
                max: max as u64,
            });
        }
        self.take(len)
    }

    pub fn string(&mut self, max: usize) -> Result<String, DecodeError> {
        let at = self.pos;
        let bytes = self.bytes(max)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(_) => Err(DecodeError::InvalidUtf8 { at }),
        }
    }

    /// A u32 item count, bounded by `max`.
    pub fn count(&mut self, max: usize) -> Result<usize, DecodeError> {
        let at = self.pos;
        let count = self.u32()? as usize;
        if count > max {
            return Err(DecodeError::LengthTooLarge {
                at,
                len: count as u64,
                max: max as u64,
            });
        }
        Ok(count)
    }

    pub fn expect_end(&self) -> Result<(), DecodeError> {
        if self.remaining() != 0 {
            return Err(DecodeError::TrailingBytes {
                at: self.pos,
                count: self.remaining(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn values_round_trip(a: u8, b: u32, c: i32, d: u64, e: i64, s in ".{0,40}", raw in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut buf = Vec::new();
            let mut writer = Writer::new(&mut buf);
            writer.u8(a); writer.u32(b); writer.i32(c); writer.u64(d); writer.i64(e);
            writer.str(&s); writer.bytes(&raw);
            let mut reader = Reader::new(&buf);
            prop_assert_eq!(reader.u8().unwrap(), a);
            prop_assert_eq!(reader.u32().unwrap(), b);
            prop_assert_eq!(reader.i32().unwrap(), c);
            prop_assert_eq!(reader.u64().unwrap(), d);
            prop_assert_eq!(reader.i64().unwrap(), e);
            prop_assert_eq!(reader.string(MAX_PATH_BYTES).unwrap(), s);
            prop_assert_eq!(reader.bytes(MAX_DATA_BYTES).unwrap(), &raw[..]);
            prop_assert!(reader.expect_end().is_ok());
        }

        #[test]
        fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut reader = Reader::new(&raw);
            let _ = reader.string(16);
            let _ = reader.bytes(8);
            let _ = reader.u64();
            let _ = reader.count(3);
        }
    }

    #[test]
    fn oversized_length_is_an_error() {
        let mut buf = Vec::new();
        Writer::new(&mut buf).bytes(&[1, 2, 3]);
        assert_eq!(
            Reader::new(&buf).bytes(2),
            Err(DecodeError::LengthTooLarge {
                at: 0,
                len: 3,
                max: 2
            })
        );
    }
}
