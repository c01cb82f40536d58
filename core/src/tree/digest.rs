//! The tree digest: an order-independent wrapping sum of one stable hash per
//! node (path, data, every Stat field) and per session (id, timeout).
//!
//! A sum (not a XOR) so that two identical entries do not cancel; order
//! independence lets it be updated in O(1) per change: subtract the old
//! entry's hash, add the new one's.

use std::hash::Hasher;

use super::{Stat, Znode};
use crate::hash::StableHasher;
use crate::ids::SessionId;

const NODE_SEED: u64 = 0x7a6b_5f6e_6f64_6501;
const SESSION_SEED: u64 = 0x7a6b_5f73_6573_7301;

pub(super) fn node_hash(path: &str, znode: &Znode) -> u64 {
    let mut hasher = StableHasher::new(NODE_SEED);
    hasher.write(path.as_bytes());
    hasher.write(&znode.data);
    write_stat(&mut hasher, &znode.stat);
    hasher.finish()
}

fn write_stat(hasher: &mut StableHasher, stat: &Stat) {
    hasher.write_u64(stat.czxid.0);
    hasher.write_u64(stat.mzxid.0);
    hasher.write_u64(stat.pzxid.0);
    hasher.write_u64(stat.ctime_ms);
    hasher.write_u64(stat.mtime_ms);
    hasher.write_i32(stat.version);
    hasher.write_i32(stat.cversion);
    hasher.write_i32(stat.aversion);
    hasher.write_u64(stat.ephemeral_owner.0);
    hasher.write_u32(stat.data_length);
    hasher.write_u32(stat.num_children);
}

pub(super) fn session_hash(session: SessionId, timeout_ms: u32) -> u64 {
    let mut hasher = StableHasher::new(SESSION_SEED);
    hasher.write_u64(session.0);
    hasher.write_u32(timeout_ms);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stat_field_counts() {
        let base = Znode::default();
        let mut changed = Vec::new();
        for field in 0..11 {
            let mut znode = base.clone();
            let stat = &mut znode.stat;
            match field {
                0 => stat.czxid.0 = 1,
                1 => stat.mzxid.0 = 1,
                2 => stat.pzxid.0 = 1,
                3 => stat.ctime_ms = 1,
                4 => stat.mtime_ms = 1,
                5 => stat.version = 1,
                6 => stat.cversion = 1,
                7 => stat.aversion = 1,
                8 => stat.ephemeral_owner = SessionId(1),
                9 => stat.data_length = 1,
                _ => stat.num_children = 1,
            }
            changed.push(node_hash("/a", &znode));
        }
        changed.push(node_hash("/a", &base));
        changed.push(node_hash("/b", &base));
        changed.sort_unstable();
        changed.dedup();
        assert_eq!(changed.len(), 13);
        assert_ne!(session_hash(SessionId(1), 2), session_hash(SessionId(1), 3));
    }
}
