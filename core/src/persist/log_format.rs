//! The txn log file format.
//!
//! ```text
//! file   := header record*
//! header := magic "ZKLG" (u32) | version 2 (u32) | dbid (u64)
//! record := crc32c (u32) | len (u32) | payload[len] | 0x42 'B' (end of record)
//! payload := prev_zxid (u64) | synced_zxid (u64) | TxnHeader | Txn
//! ```
//! The checksum covers `len` and `payload` (ZooKeeper's covers only the payload).
//! `prev_zxid` chains each record to the one before it, so a gap is visible even
//! across an epoch change. `synced_zxid` is the highest zxid known durable when the
//! record was written: a record found after a damaged one whose `synced_zxid` is
//! beyond the damage proves the damaged bytes had been fsynced, which tells bit rot
//! (an error) from a torn tail (quietly truncated).
//!
//! A crash may tear any sector with unsynced writes into garbage, so a sector
//! that holds durable bytes must never be written again: each fsync batch is
//! padded with zeros to a sector boundary, and the next batch starts on a fresh
//! sector. Readers skip from the end of a batch to the boundary.

use crate::codec::{DecodeError, Reader, Writer, MAX_DATA_BYTES};
use crate::ids::Zxid;
use crate::txn::{Txn, TxnHeader};
use std::sync::Arc;

pub const LOG_MAGIC: u32 = u32::from_be_bytes(*b"ZKLG");
pub const LOG_VERSION: u32 = 2;
pub const LOG_HEADER_BYTES: usize = 16;
/// Bytes of framing around a payload: crc, len, end-of-record marker.
pub const FRAME_OVERHEAD_BYTES: usize = 9;
pub const END_OF_RECORD: u8 = 0x42;
/// The device's sector size: the unit a crash tears.
pub const SECTOR_BYTES: u64 = 512;
/// The largest payload a record may carry.
pub const MAX_RECORD_BYTES: usize = 4 * MAX_DATA_BYTES;

/// One txn as logged.
///
/// The txn is shared, not copied, between the holders of one record (a replica's log and
/// its proposals, the notes it gives, the records it applies): it never changes once
/// logged. Equality and hashing see through the sharing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LogRecord {
    pub prev_zxid: Zxid,
    pub synced_zxid: Zxid,
    pub header: TxnHeader,
    pub txn: Arc<Txn>,
}

impl LogRecord {
    pub fn zxid(&self) -> Zxid {
        self.header.zxid
    }
}

pub fn encode_log_header(dbid: u64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(LOG_HEADER_BYTES);
    let mut writer = Writer::new(&mut bytes);
    writer.u32(LOG_MAGIC);
    writer.u32(LOG_VERSION);
    writer.u64(dbid);
    debug_assert_eq!(bytes.len(), LOG_HEADER_BYTES);
    bytes
}

/// The dbid of a well-formed header, or why it is not one.
pub fn decode_log_header(bytes: &[u8]) -> Result<u64, String> {
    if bytes.len() < LOG_HEADER_BYTES {
        return Err(format!(
            "header is {} bytes, expected {LOG_HEADER_BYTES}",
            bytes.len()
        ));
    }
    let mut reader = Reader::new(&bytes[..LOG_HEADER_BYTES]);
    let magic = reader.u32().map_err(|e| e.to_string())?;
    let version = reader.u32().map_err(|e| e.to_string())?;
    let dbid = reader.u64().map_err(|e| e.to_string())?;
    if magic != LOG_MAGIC {
        return Err(format!("bad magic 0x{magic:08x}"));
    }
    if version != LOG_VERSION {
        return Err(format!("unsupported version {version}"));
    }
    Ok(dbid)
}

/// A record whose payload exceeds [`MAX_RECORD_BYTES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordTooLarge(pub usize);

/// Appends one framed record to `out`; on `Err`, `out` holds garbage past its old length.
pub fn encode_record(record: &LogRecord, out: &mut Vec<u8>) -> Result<(), RecordTooLarge> {
    let start = out.len();
    // Most records fit: one allocation instead of a growth step per field.
    out.reserve(RECORD_CAPACITY_HINT);
    out.extend_from_slice(&[0; 8]);
    let mut writer = Writer::new(out);
    writer.u64(record.prev_zxid.0);
    writer.u64(record.synced_zxid.0);
    record.header.encode(&mut writer);
    record.txn.encode(&mut writer);
    let len = out.len() - start - 8;
    assert!(
        record.prev_zxid < record.zxid(),
        "records are logged in zxid order"
    );
    if len > MAX_RECORD_BYTES {
        return Err(RecordTooLarge(len));
    }
    out[start + 4..start + 8].copy_from_slice(&(len as u32).to_be_bytes());
    let crc = crc32c::crc32c(&out[start + 4..]);
    out[start..start + 4].copy_from_slice(&crc.to_be_bytes());
    out.push(END_OF_RECORD);
    Ok(())
}

/// The buffer space `encode_record` reserves up front (a frame, two zxids, a
/// header and a typical txn); larger records grow the buffer as needed.
const RECORD_CAPACITY_HINT: usize = 256;

/// Why the bytes at some offset are not a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameFault {
    /// The file ends inside the frame.
    Partial,
    /// A zero length (lost or never-written sectors read as zeros).
    ZeroLength,
    /// A length beyond any record's.
    UnreasonableLength(u32),
    MissingEndMarker,
    ChecksumMismatch,
    /// The checksum matched but the payload does not decode.
    Undecodable(DecodeError),
}

impl std::fmt::Display for FrameFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameFault::Partial => write!(f, "partial record (file ends inside it)"),
            FrameFault::ZeroLength => write!(f, "zero record length"),
            FrameFault::UnreasonableLength(len) => write!(f, "unreasonable record length {len}"),
            FrameFault::MissingEndMarker => write!(f, "missing end-of-record marker"),
            FrameFault::ChecksumMismatch => write!(f, "checksum mismatch"),
            FrameFault::Undecodable(error) => write!(f, "undecodable record: {error}"),
        }
    }
}

/// Parses the record framed at `bytes[offset..]`; on success also returns its total size.
pub fn parse_record(bytes: &[u8], offset: usize) -> Result<(LogRecord, usize), FrameFault> {
    let rest = &bytes[offset.min(bytes.len())..];
    if rest.len() < 8 {
        return Err(FrameFault::Partial);
    }
    let crc = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
    let len = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]);
    if len == 0 {
        return Err(FrameFault::ZeroLength);
    }
    if len as usize > MAX_RECORD_BYTES {
        return Err(FrameFault::UnreasonableLength(len));
    }
    let total = len as usize + FRAME_OVERHEAD_BYTES;
    if rest.len() < total {
        return Err(FrameFault::Partial);
    }
    if rest[total - 1] != END_OF_RECORD {
        return Err(FrameFault::MissingEndMarker);
    }
    if crc32c::crc32c(&rest[4..total - 1]) != crc {
        return Err(FrameFault::ChecksumMismatch);
    }
    let record = decode_payload(&rest[8..total - 1]).map_err(FrameFault::Undecodable)?;
    Ok((record, total))
}

fn decode_payload(payload: &[u8]) -> Result<LogRecord, DecodeError> {
    let mut reader = Reader::new(payload);
    let prev_zxid = Zxid(reader.u64()?);
    let synced_zxid = Zxid(reader.u64()?);
    let header = TxnHeader::decode(&mut reader)?;
    let txn = Txn::decode(&mut reader)?;
    reader.expect_end()?;
    if prev_zxid >= header.zxid {
        return Err(DecodeError::Invalid {
            at: 0,
            what: "zxid order (prev_zxid >= zxid)",
        });
    }
    Ok(LogRecord {
        prev_zxid,
        synced_zxid,
        header,
        txn: Arc::new(txn),
    })
}

/// The next sector boundary at or after `offset`.
pub fn align_up(offset: u64) -> u64 {
    offset.div_ceil(SECTOR_BYTES) * SECTOR_BYTES
}
