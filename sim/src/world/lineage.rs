//! Which txn each node holds under each zxid, across SNAP syncs, restores
//! and wipes: the loss account's evidence after beyond-model actions, when
//! two txns can share a zxid and a node's own record (its ghost) starts at a
//! snapshot taken from another node. Kept only in runs whose schedule has a
//! beyond-model action.

use super::World;
use std::collections::BTreeMap;
use zksim_core::ids::Zxid;

/// Content hash of the txn under each zxid.
pub type Lineage = BTreeMap<Zxid, u64>;

impl World {
    /// The node logged `content` under `zxid`, after truncating what followed.
    pub(super) fn lineage_logged(&mut self, node: u32, zxid: Zxid, content: u64) {
        if !self.track_lineage {
            return;
        }
        let lineage = &mut self.nodes[node as usize].lineage;
        let _dropped = lineage.split_off(&zxid);
        lineage.insert(zxid, content);
        assert_eq!(lineage.last_key_value(), Some((&zxid, &content)));
    }

    /// The node's history now ends at `zxid` (a TRUNC, or a recovery).
    pub(super) fn lineage_truncate(&mut self, node: u32, zxid: Zxid) {
        if self.track_lineage {
            let lineage = &mut self.nodes[node as usize].lineage;
            let _dropped = lineage.split_off(&Zxid(zxid.0 + 1));
            assert!(lineage.keys().next_back().is_none_or(|last| *last <= zxid));
        }
    }

    /// The node installed its leader's snapshot at `zxid`: up to there, its
    /// history is the leader's.
    pub(super) fn lineage_snap(&mut self, node: u32, zxid: Zxid) {
        if !self.track_lineage {
            return;
        }
        let leader = self.nodes[node as usize]
            .server
            .as_ref()
            .and_then(|peer| peer.followed_leader())
            .map(|leader| leader.0);
        let inherited: Lineage = match leader {
            Some(leader) if leader != node => self.nodes[leader as usize]
                .lineage
                .range(..=zxid)
                .map(|(z, c)| (*z, *c))
                .collect(),
            _ => self.nodes[node as usize]
                .lineage
                .range(..=zxid)
                .map(|(z, c)| (*z, *c))
                .collect(),
        };
        self.nodes[node as usize].lineage = inherited;
    }
}

/// What a copy holds: the lineage its node had when the copy started, up to
/// the copy's snapshot base, then the txns the copy logged after it.
pub fn lineage_of_copy(at_start: &Lineage, record: &crate::ghost::Ghost) -> Lineage {
    let mut lineage: Lineage = at_start
        .range(..=record.base_zxid())
        .map(|(z, c)| (*z, *c))
        .collect();
    lineage.extend(record.chain());
    assert!(lineage
        .keys()
        .next_back()
        .is_none_or(|last| *last <= record.last_zxid()));
    lineage
}
