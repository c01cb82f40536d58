//! What the record holds about a txn a replica delivers, looked up once per
//! delivery: whether a leader knows it, the first txn delivered under its
//! zxid, and its place among its leader's proposals.
//!
//! Every replica delivers each txn, and all but the first find it at their
//! position in the canonical sequence. So each canonical entry keeps the
//! facts of its txn, and those replicas read them there instead of searching
//! three maps. A cached fact never goes stale: the first delivery under a
//! zxid is fixed once recorded, and `known` and a proposal position, once
//! recorded, are never removed (while absent they are looked up again).

use super::{TxnId, Witness, ZabChecker};
use zksim_core::ids::Epoch;

/// What the record holds about one delivered txn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Facts {
    /// Some leader proposed it or held it in its initial history.
    pub(super) known: bool,
    /// The first txn delivered under its zxid (itself, if it was the first).
    pub(super) first: Witness,
    /// Its epoch, and its position among that epoch's leader's proposals.
    pub(super) proposal: Option<(Epoch, usize)>,
}

impl ZabChecker {
    /// The facts of `txn`, which `node` delivers now at `time_ms`; the
    /// delivery becomes the first under its zxid if there was none.
    pub(super) fn facts(&mut self, time_ms: u64, node: u32, txn: TxnId) -> Facts {
        let position = self.replica(node).delivered().len();
        let on_canonical = self
            .canonical
            .get(position)
            .is_some_and(|entry| entry.txn == txn);
        if on_canonical {
            self.cached_facts(position, txn)
        } else {
            self.looked_up_facts(Witness { txn, node, time_ms })
        }
    }

    /// The facts of a txn first delivered under its zxid now or before:
    /// searched in the record's maps.
    fn looked_up_facts(&mut self, delivery: Witness) -> Facts {
        let txn = delivery.txn;
        let first = *self.delivered_first.entry(txn.zxid).or_insert(delivery);
        assert_eq!(first.txn.zxid, txn.zxid, "first delivery of another zxid");
        Facts {
            known: self.known.contains(&txn),
            first,
            proposal: self.proposal_position.get(&txn).copied(),
        }
    }

    /// The facts kept with canonical entry `position`, whose txn is `txn`;
    /// the ones still absent are looked up again (they may have appeared).
    fn cached_facts(&mut self, position: usize, txn: TxnId) -> Facts {
        assert_eq!(self.canonical[position].txn, txn, "cache of another txn");
        let cached = &mut self.canonical_facts[position];
        if !cached.known {
            cached.known = self.known.contains(&txn);
        }
        if cached.proposal.is_none() {
            cached.proposal = self.proposal_position.get(&txn).copied();
        }
        let facts = *cached;
        debug_assert_eq!(
            Some(facts),
            self.delivered_first.get(&txn.zxid).map(|&first| Facts {
                known: self.known.contains(&txn),
                first,
                proposal: self.proposal_position.get(&txn).copied(),
            }),
            "cached facts of {txn:?} differ from the record's"
        );
        facts
    }
}
