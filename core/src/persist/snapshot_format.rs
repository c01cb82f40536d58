//! The snapshot file format, written in chunks while the tree keeps changing.
//!
//! ```text
//! file    := header node* end seal
//! header  := magic "ZKSN" (u32) | version 2 (u32) | dbid (u64) | zxid (u64)
//!            | session count (u32) | (session id (u64) | timeout_ms (u32))*
//! node    := 0x01 | path | Stat | data           (encode_znode)
//! end     := 0x00 | node count (u64) | fuzzy until (u64)
//! seal    := crc32c of everything before it (u32) | magic "SEAL" (u32)
//! ```
//! The zxid is the last txn applied when the walk began; the content is fuzzy
//! (each node as of some moment during the walk), so recovery replays the log
//! from zxid + 1. "Fuzzy until" is the last txn applied when the walk ended:
//! the content may hold its effects, so the snapshot is only consistent with
//! a log that reaches it (a backup copying the snapshot but an older log would
//! otherwise recover to a state that never was). A snapshot without a
//! matching seal is not used.

use crate::codec::{Reader, Writer, MAX_LIST_ITEMS};
use crate::ids::{SessionId, Zxid};
use crate::tree::{decode_znode, encode_znode, Znode, STAT_BYTES};
use std::borrow::Borrow;
use std::collections::BTreeMap;

pub const SNAPSHOT_MAGIC: u32 = u32::from_be_bytes(*b"ZKSN");
pub const SNAPSHOT_VERSION: u32 = 2;
pub const SEAL_MAGIC: u32 = u32::from_be_bytes(*b"SEAL");
const TAG_NODE: u8 = 1;
const TAG_END: u8 = 0;
const SEAL_BYTES: usize = 8;

/// Encodes a snapshot incrementally, keeping the running checksum.
#[derive(Debug)]
pub struct SnapshotEncoder {
    crc: u32,
    node_count: u64,
    bytes: u64,
}

impl SnapshotEncoder {
    /// Starts a snapshot; returns the encoder and the header bytes to write first.
    pub fn begin(
        dbid: u64,
        zxid: Zxid,
        sessions: &BTreeMap<SessionId, u32>,
    ) -> (SnapshotEncoder, Vec<u8>) {
        let mut bytes = Vec::with_capacity(28 + sessions.len() * 12);
        let mut writer = Writer::new(&mut bytes);
        writer.u32(SNAPSHOT_MAGIC);
        writer.u32(SNAPSHOT_VERSION);
        writer.u64(dbid);
        writer.u64(zxid.0);
        writer.u32(sessions.len() as u32);
        for (session, timeout_ms) in sessions {
            writer.u64(session.0);
            writer.u32(*timeout_ms);
        }
        let encoder = SnapshotEncoder {
            crc: crc32c::crc32c(&bytes),
            node_count: 0,
            bytes: bytes.len() as u64,
        };
        (encoder, bytes)
    }

    /// The bytes for a chunk of nodes (owned or borrowed).
    pub fn chunk<Z: Borrow<Znode>>(&mut self, nodes: &[(String, Z)]) -> Vec<u8> {
        let size: usize = nodes
            .iter()
            .map(|(path, znode)| node_record_bytes(path, znode.borrow()))
            .sum();
        let mut bytes = Vec::with_capacity(size);
        let mut writer = Writer::new(&mut bytes);
        for (path, znode) in nodes {
            writer.u8(TAG_NODE);
            encode_znode(path, znode.borrow(), &mut writer);
        }
        assert_eq!(bytes.len(), size, "chunk: records are sized exactly");
        self.absorb(&bytes);
        self.node_count += nodes.len() as u64;
        bytes
    }

    /// The closing bytes: end marker, node count, the last txn applied while
    /// the walk ran (`fuzzy_until`), and the seal.
    pub fn finish(mut self, fuzzy_until: Zxid) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(17 + SEAL_BYTES);
        let mut writer = Writer::new(&mut bytes);
        writer.u8(TAG_END);
        writer.u64(self.node_count);
        writer.u64(fuzzy_until.0);
        self.absorb(&bytes);
        let crc = self.crc;
        let mut writer = Writer::new(&mut bytes);
        writer.u32(crc);
        writer.u32(SEAL_MAGIC);
        bytes
    }

    /// Bytes produced so far (the offset of the next chunk).
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    fn absorb(&mut self, bytes: &[u8]) {
        self.crc = crc32c::crc32c_append(self.crc, bytes);
        self.bytes += bytes.len() as u64;
    }
}

/// The smallest node record: a one-byte path, no data.
const MIN_NODE_RECORD_BYTES: usize = 1 + 4 + 1 + STAT_BYTES + 4;

/// Bytes in a node record: tag, path (u32 length first), Stat, data (likewise).
fn node_record_bytes(path: &str, znode: &Znode) -> usize {
    1 + 4 + path.len() + STAT_BYTES + 4 + znode.data.len()
}

/// A decoded, seal-checked snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotContents {
    pub dbid: u64,
    pub zxid: Zxid,
    pub sessions: BTreeMap<SessionId, u32>,
    pub nodes: Vec<(String, Znode)>,
    /// The last txn whose effects the content may hold.
    pub fuzzy_until: Zxid,
}

/// Checks the seal, then decodes. Every damage is an `Err` naming it.
pub fn decode_snapshot(bytes: &[u8]) -> Result<SnapshotContents, String> {
    if bytes.len() < SEAL_BYTES {
        return Err(format!(
            "{} bytes is too short to be a snapshot",
            bytes.len()
        ));
    }
    let (body, seal) = bytes.split_at(bytes.len() - SEAL_BYTES);
    let stored_crc = u32::from_be_bytes([seal[0], seal[1], seal[2], seal[3]]);
    let magic = u32::from_be_bytes([seal[4], seal[5], seal[6], seal[7]]);
    if magic != SEAL_MAGIC {
        return Err("no seal at the end (incomplete snapshot)".to_string());
    }
    if crc32c::crc32c(body) != stored_crc {
        return Err("seal checksum mismatch".to_string());
    }
    decode_body(body).map_err(|error| format!("sealed but undecodable: {error}"))
}

/// The planted bug `snapshot-seal-unchecked`: decodes whatever the file
/// holds, seal or not, keeping every complete node before the bytes run out
/// (a snapshot cut short by a crash reads as a smaller tree).
pub fn decode_snapshot_unsealed(bytes: &[u8]) -> Result<SnapshotContents, String> {
    if let Ok(contents) = decode_snapshot(bytes) {
        return Ok(contents);
    }
    let salvage = salvage_snapshot(bytes)?;
    Ok(SnapshotContents {
        dbid: salvage.dbid,
        zxid: salvage.zxid,
        sessions: salvage.sessions,
        nodes: salvage.nodes,
        fuzzy_until: salvage.zxid,
    })
}

fn decode_body(body: &[u8]) -> Result<SnapshotContents, String> {
    let mut reader = Reader::new(body);
    let err = |e: crate::codec::DecodeError| e.to_string();
    if reader.u32().map_err(err)? != SNAPSHOT_MAGIC {
        return Err("bad magic".to_string());
    }
    let version = reader.u32().map_err(err)?;
    if version != SNAPSHOT_VERSION {
        return Err(format!("unsupported version {version}"));
    }
    let dbid = reader.u64().map_err(err)?;
    let zxid = Zxid(reader.u64().map_err(err)?);
    let session_count = reader.count(MAX_LIST_ITEMS).map_err(err)?;
    let mut sessions = BTreeMap::new();
    for _ in 0..session_count {
        let session = SessionId(reader.u64().map_err(err)?);
        sessions.insert(session, reader.u32().map_err(err)?);
    }
    // An upper bound on the node count, so the list never grows by copying.
    let mut nodes = Vec::with_capacity(reader.remaining() / MIN_NODE_RECORD_BYTES);
    loop {
        match reader.u8().map_err(err)? {
            TAG_NODE => nodes.push(decode_znode(&mut reader).map_err(err)?),
            TAG_END => break,
            tag => {
                return Err(format!(
                    "invalid record tag {tag} at byte {}",
                    reader.position() - 1
                ))
            }
        }
    }
    let node_count = reader.u64().map_err(err)?;
    let fuzzy_until = Zxid(reader.u64().map_err(err)?);
    reader.expect_end().map_err(err)?;
    if fuzzy_until < zxid {
        return Err(format!(
            "fuzzy until {fuzzy_until}, before its own zxid {zxid}"
        ));
    }
    if node_count != nodes.len() as u64 {
        return Err(format!("says {node_count} nodes, holds {}", nodes.len()));
    }
    Ok(SnapshotContents {
        dbid,
        zxid,
        sessions,
        nodes,
        fuzzy_until,
    })
}

/// What a snapshot holds as far as it decodes, seal or no seal: for inspection
/// tools looking at an unsealed or damaged file. Nothing here was checked
/// against the seal, so none of it may be trusted for recovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotSalvage {
    pub dbid: u64,
    pub zxid: Zxid,
    pub sessions: BTreeMap<SessionId, u32>,
    /// The node records that decode, in file order, up to the first that does not.
    pub nodes: Vec<(String, Znode)>,
    /// Where decoding stopped and why; `None` when the end marker was reached.
    pub stopped: Option<(u64, String)>,
    /// The offset of the end marker, when decoding reached one.
    pub end_marker: Option<u64>,
    /// The node count that follows the end marker, when it can be read.
    pub node_count: Option<u64>,
}

/// Decodes `bytes` (a whole snapshot file) without checking the seal, keeping
/// every node record before the first that does not decode. `Err` when even
/// the header does not decode.
pub fn salvage_snapshot(bytes: &[u8]) -> Result<SnapshotSalvage, String> {
    let mut reader = Reader::new(bytes);
    let err = |e: crate::codec::DecodeError| format!("header: {e}");
    let magic = reader.u32().map_err(err)?;
    if magic != SNAPSHOT_MAGIC {
        return Err(format!("header: bad magic 0x{magic:08x}"));
    }
    let version = reader.u32().map_err(err)?;
    if version != SNAPSHOT_VERSION {
        return Err(format!("header: unsupported version {version}"));
    }
    let dbid = reader.u64().map_err(err)?;
    let zxid = Zxid(reader.u64().map_err(err)?);
    let session_count = reader.count(MAX_LIST_ITEMS).map_err(err)?;
    let mut sessions = BTreeMap::new();
    for _ in 0..session_count {
        let session = SessionId(reader.u64().map_err(err)?);
        sessions.insert(session, reader.u32().map_err(err)?);
    }
    let mut nodes = Vec::new();
    let mut end_marker = None;
    let mut node_count = None;
    let stopped = loop {
        let at = reader.position() as u64;
        match reader.u8() {
            Ok(TAG_NODE) => match decode_znode(&mut reader) {
                Ok(node) => nodes.push(node),
                Err(error) => break Some((at, format!("node record: {error}"))),
            },
            Ok(TAG_END) => {
                end_marker = Some(at);
                node_count = reader.u64().ok();
                break None;
            }
            Ok(tag) => break Some((at, format!("invalid record tag {tag}"))),
            Err(error) => break Some((at, error.to_string())),
        }
    };
    debug_assert!(nodes.len() <= bytes.len(), "each node record takes bytes");
    Ok(SnapshotSalvage {
        dbid,
        zxid,
        sessions,
        nodes,
        stopped,
        end_marker,
        node_count,
    })
}
