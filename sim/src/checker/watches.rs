//! The watch check. ZooKeeper promises that a client sees a watch's event
//! before it sees any data that shows the change, and that a triggered watch
//! is never lost while its session lives. The check keeps every applied txn's
//! effects (from the simulator's own record of what replicas logged) and, at
//! each message a client receives, asks whether the state that message
//! reflects includes a change that should already have fired one of the
//! client's pending watches.

use std::collections::BTreeMap;
use zksim_core::ids::Zxid;
use zksim_core::tree::parent_of;
use zksim_core::txn::Txn;
use zksim_core::watch::{WatchEvent, WatchKind};

/// Which of the client's watch lists a watch sits in (ZooKeeper's client keeps three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchList {
    /// Left by getData on an existing node.
    Data,
    /// Left by exists (on a node that exists or not).
    Exist,
    /// Left by getChildren.
    Child,
}

impl WatchList {
    /// Whether a change of this kind at the watched path fires a watch of this list.
    pub fn fired_by(self, kind: WatchKind) -> bool {
        match self {
            WatchList::Data | WatchList::Exist => matches!(
                kind,
                WatchKind::NodeCreated | WatchKind::NodeDeleted | WatchKind::NodeDataChanged
            ),
            WatchList::Child => {
                matches!(
                    kind,
                    WatchKind::NodeDeleted | WatchKind::NodeChildrenChanged
                )
            }
        }
    }
}

/// A watch the client left and has not yet seen fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingWatch {
    pub list: WatchList,
    pub path: String,
    /// The state of the server that registered it.
    pub since: Zxid,
}

/// Every applied txn's watch-relevant effects, by path and then zxid: a
/// pending watch looks only at the changes of its own path (a scan of every
/// change since the watch was set, at every message, grew with the run).
#[derive(Debug, Default)]
pub struct ChangeIndex {
    /// Per path, the kinds of change each txn made to it, in the txn's order.
    by_path: BTreeMap<String, BTreeMap<Zxid, Vec<WatchKind>>>,
}

impl ChangeIndex {
    /// A replica applied `txn` at `zxid` (committed: replicas apply nothing
    /// else, so every replica applies the same txn at a zxid).
    pub fn on_applied(&mut self, zxid: Zxid, txn: &Txn) {
        // Asked before building the effects (their paths are allocated):
        // every replica but the first finds the txn indexed already.
        let Some(first_path) = first_effect_path(txn) else {
            return; // no watch-relevant effect
        };
        let indexed = self
            .by_path
            .get(first_path)
            .is_some_and(|changes| changes.contains_key(&zxid));
        if indexed {
            return; // another replica applied it first
        }
        let mut effects = Vec::new();
        effects_of(txn, &mut effects);
        assert_eq!(
            effects.first().map(|(path, _)| path.as_str()),
            Some(first_path),
            "first_effect_path disagrees with effects_of"
        );
        for (path, kind) in effects {
            let changes = self.by_path.entry(path).or_default();
            changes.entry(zxid).or_default().push(kind);
        }
    }

    /// The first change after `watch.since`, up to `state`, that fires `watch`.
    pub fn first_firing(&self, watch: &PendingWatch, state: Zxid) -> Option<(Zxid, WatchKind)> {
        if state <= watch.since {
            return None;
        }
        let after = Zxid(watch.since.0 + 1);
        self.by_path
            .get(&watch.path)?
            .range(after..=state)
            .find_map(|(zxid, kinds)| {
                kinds
                    .iter()
                    .find(|kind| watch.list.fired_by(**kind))
                    .map(|kind| (*zxid, *kind))
            })
    }
}

/// The parent of a created or deleted node (never the root).
fn parent(path: &str) -> String {
    parent_of(path).unwrap_or("/").to_string()
}

/// The path of the first effect `effects_of` finds, without building them.
fn first_effect_path(txn: &Txn) -> Option<&str> {
    match txn {
        Txn::Create { path, .. } | Txn::Delete { path, .. } | Txn::SetData { path, .. } => {
            Some(path)
        }
        Txn::CloseSession { ephemerals } => ephemerals.first().map(|e| e.path.as_str()),
        Txn::Multi(txns) => txns.iter().find_map(first_effect_path),
        Txn::CreateSession { .. }
        | Txn::Check { .. }
        | Txn::Error { .. }
        | Txn::MultiError { .. } => None,
    }
}

fn effects_of(txn: &Txn, effects: &mut Vec<(String, WatchKind)>) {
    let deleted = |path: &str, effects: &mut Vec<(String, WatchKind)>| {
        effects.push((path.to_string(), WatchKind::NodeDeleted));
        effects.push((parent(path), WatchKind::NodeChildrenChanged));
    };
    match txn {
        Txn::Create { path, .. } => {
            effects.push((path.clone(), WatchKind::NodeCreated));
            effects.push((parent(path), WatchKind::NodeChildrenChanged));
        }
        Txn::Delete { path, .. } => deleted(path, effects),
        Txn::SetData { path, .. } => effects.push((path.clone(), WatchKind::NodeDataChanged)),
        Txn::CloseSession { ephemerals } => {
            for ephemeral in ephemerals {
                deleted(&ephemeral.path, effects);
            }
        }
        Txn::Multi(txns) => {
            for txn in txns {
                effects_of(txn, effects);
            }
        }
        Txn::CreateSession { .. }
        | Txn::Check { .. }
        | Txn::Error { .. }
        | Txn::MultiError { .. } => {}
    }
}

/// A client's pending watches.
#[derive(Clone, Debug, Default)]
pub struct ClientWatches {
    pending: Vec<PendingWatch>,
}

impl ClientWatches {
    pub fn add(&mut self, list: WatchList, path: &str, since: Zxid) {
        self.pending.push(PendingWatch {
            list,
            path: path.to_string(),
            since,
        });
    }

    /// An event arrived: the watches it fires are gone (one-shot).
    pub fn on_event(&mut self, event: &WatchEvent) {
        self.pending
            .retain(|watch| !(watch.path == event.path && watch.list.fired_by(event.kind)));
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Re-registered by setWatches at a server in state `state`: an exists
    /// watch that did not fire there (its node is absent) now counts from
    /// `state`, as ZooKeeper documents (a node created and deleted while the
    /// client was disconnected fires nothing).
    pub fn rebase_exist_watches(&mut self, state: Zxid) {
        for watch in &mut self.pending {
            if watch.list == WatchList::Exist {
                watch.since = watch.since.max(state);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Paths per list, for a setWatches request after a reconnect.
    pub fn lists(&self) -> [Vec<String>; 3] {
        let mut lists: [Vec<String>; 3] = Default::default();
        for watch in &self.pending {
            let slot = match watch.list {
                WatchList::Data => 0,
                WatchList::Exist => 1,
                WatchList::Child => 2,
            };
            if !lists[slot].contains(&watch.path) {
                lists[slot].push(watch.path.clone());
            }
        }
        lists
    }

    /// A message reflecting `state` arrived: the first pending watch a change
    /// up to `state` should have fired already, with that change.
    pub fn missed(
        &self,
        index: &ChangeIndex,
        state: Zxid,
    ) -> Option<(&PendingWatch, Zxid, WatchKind)> {
        self.pending.iter().find_map(|watch| {
            index
                .first_firing(watch, state)
                .map(|(zxid, kind)| (watch, zxid, kind))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zksim_core::ids::{Epoch, SessionId};

    fn zxid(counter: u32) -> Zxid {
        Zxid::new(Epoch(1), counter)
    }

    fn set(path: &str) -> Txn {
        Txn::SetData {
            path: path.into(),
            data: vec![1],
            version: 1,
        }
    }

    #[test]
    fn a_reply_showing_a_change_before_its_event_is_caught() {
        let mut index = ChangeIndex::default();
        let mut watches = ClientWatches::default();
        watches.add(WatchList::Data, "/a", zxid(3));
        index.on_applied(zxid(4), &set("/b"));
        index.on_applied(zxid(5), &set("/a"));
        assert!(
            watches.missed(&index, zxid(4)).is_none(),
            "/a unchanged by 4"
        );
        let (watch, at, kind) = watches.missed(&index, zxid(5)).expect("5 changed /a");
        assert_eq!(
            (watch.path.as_str(), at, kind),
            ("/a", zxid(5), WatchKind::NodeDataChanged)
        );
        watches.on_event(&WatchEvent {
            kind: WatchKind::NodeDataChanged,
            path: "/a".into(),
            zxid: zxid(5),
        });
        assert!(
            watches.missed(&index, zxid(9)).is_none(),
            "the event came first"
        );
    }

    #[test]
    fn child_watches_fire_on_creates_below_and_exist_watches_on_creation() {
        let mut index = ChangeIndex::default();
        let create = Txn::Create {
            path: "/p/c".into(),
            data: vec![],
            ephemeral_owner: SessionId::NONE,
            parent_cversion: 1,
        };
        index.on_applied(zxid(2), &create);
        let mut watches = ClientWatches::default();
        watches.add(WatchList::Child, "/p", zxid(1));
        watches.add(WatchList::Exist, "/p/c", zxid(1));
        watches.add(WatchList::Child, "/q", zxid(1));
        assert_eq!(watches.lists()[2], ["/p", "/q"]);
        let (watch, _, kind) = watches.missed(&index, zxid(2)).expect("fired");
        assert_eq!(
            (watch.path.as_str(), kind),
            ("/p", WatchKind::NodeChildrenChanged)
        );
    }
}
