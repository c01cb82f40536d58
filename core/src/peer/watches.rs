//! One-shot watches of a replica's connections (ZooKeeper's `WatchManager`):
//! data watches (getData, exists) and child watches (getChildren). Applying a
//! txn fires and removes the watches it touches; the events go out on each
//! connection before any later reply, so a client sees the event before data
//! that shows the change.

use crate::ids::{ConnId, Zxid};
use crate::tree::{parent_of, DataTree};
use crate::txn::Txn;
use crate::watch::{WatchEvent, WatchKind, WatchType};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub struct Watches {
    data: BTreeMap<String, BTreeSet<ConnId>>,
    child: BTreeMap<String, BTreeSet<ConnId>>,
}

impl Watches {
    pub fn add(&mut self, kind: WatchType, path: &str, conn: ConnId) {
        let list = match kind {
            WatchType::Data => &mut self.data,
            WatchType::Child => &mut self.child,
        };
        list.entry(path.to_string()).or_default().insert(conn);
    }

    /// Forgets a closed connection's watches.
    pub fn remove_conn(&mut self, conn: ConnId) {
        for list in [&mut self.data, &mut self.child] {
            list.retain(|_, conns| {
                conns.remove(&conn);
                !conns.is_empty()
            });
        }
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.child.clear();
    }

    /// Fires the watches `txn` (applied at `zxid`) touches, in ZooKeeper's order.
    pub fn trigger(&mut self, txn: &Txn, zxid: Zxid, fired: &mut Vec<(ConnId, WatchEvent)>) {
        match txn {
            Txn::Create { path, .. } => {
                self.fire(WatchType::Data, path, WatchKind::NodeCreated, zxid, fired);
                self.fire_parent(path, zxid, fired);
            }
            Txn::Delete { path, .. } => self.deleted(path, zxid, fired),
            Txn::SetData { path, .. } => {
                self.fire(
                    WatchType::Data,
                    path,
                    WatchKind::NodeDataChanged,
                    zxid,
                    fired,
                );
            }
            Txn::CloseSession { ephemerals } => {
                for ephemeral in ephemerals {
                    self.deleted(&ephemeral.path, zxid, fired);
                }
            }
            Txn::Multi(txns) => {
                for txn in txns {
                    self.trigger(txn, zxid, fired);
                }
            }
            Txn::CreateSession { .. }
            | Txn::Check { .. }
            | Txn::Error { .. }
            | Txn::MultiError { .. } => {}
        }
    }

    fn deleted(&mut self, path: &str, zxid: Zxid, fired: &mut Vec<(ConnId, WatchEvent)>) {
        self.fire(WatchType::Data, path, WatchKind::NodeDeleted, zxid, fired);
        self.fire(WatchType::Child, path, WatchKind::NodeDeleted, zxid, fired);
        self.fire_parent(path, zxid, fired);
    }

    /// A child of the parent of `path` came or went.
    fn fire_parent(&mut self, path: &str, zxid: Zxid, fired: &mut Vec<(ConnId, WatchEvent)>) {
        let parent = parent_of(path).expect("the root is never created or deleted");
        let kind = WatchKind::NodeChildrenChanged;
        self.fire(WatchType::Child, parent, kind, zxid, fired);
    }

    fn fire(
        &mut self,
        list: WatchType,
        path: &str,
        kind: WatchKind,
        zxid: Zxid,
        fired: &mut Vec<(ConnId, WatchEvent)>,
    ) {
        let list = match list {
            WatchType::Data => &mut self.data,
            WatchType::Child => &mut self.child,
        };
        let Some(conns) = list.remove(path) else {
            return;
        };
        for conn in conns {
            let event = WatchEvent {
                kind,
                path: path.to_string(),
                zxid,
            };
            fired.push((conn, event));
        }
    }

    /// Re-registers a reconnecting client's watches (ZooKeeper's setWatches):
    /// a watch whose node changed after `relative` fires at once; the others are kept.
    pub fn set_watches(
        &mut self,
        tree: &DataTree,
        conn: ConnId,
        relative: Zxid,
        data: &[String],
        exist: &[String],
        child: &[String],
    ) -> Vec<WatchEvent> {
        let mut fired = Vec::new();
        let event = |kind, path: &String| WatchEvent {
            kind,
            path: path.clone(),
            zxid: Zxid::ZERO,
        };
        for path in data {
            match tree.node(path) {
                None => fired.push(event(WatchKind::NodeDeleted, path)),
                Some(node) if node.stat.mzxid > relative => {
                    fired.push(event(WatchKind::NodeDataChanged, path))
                }
                Some(_) => self.add(WatchType::Data, path, conn),
            }
        }
        for path in exist {
            match tree.node(path) {
                Some(_) => fired.push(event(WatchKind::NodeCreated, path)),
                None => self.add(WatchType::Data, path, conn),
            }
        }
        for path in child {
            match tree.node(path) {
                None => fired.push(event(WatchKind::NodeDeleted, path)),
                Some(node) if node.stat.pzxid > relative => {
                    fired.push(event(WatchKind::NodeChildrenChanged, path))
                }
                Some(_) => self.add(WatchType::Child, path, conn),
            }
        }
        fired
    }

    /// Watches held.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.data
            .values()
            .chain(self.child.values())
            .map(BTreeSet::len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SessionId;
    use crate::txn::EphemeralDeletion;

    fn zxid(counter: u32) -> Zxid {
        Zxid::new(crate::ids::Epoch(1), counter)
    }

    #[test]
    fn a_create_fires_the_data_watch_and_the_parents_child_watch_once() {
        let mut watches = Watches::default();
        watches.add(WatchType::Data, "/a/b", ConnId(1));
        watches.add(WatchType::Child, "/a", ConnId(2));
        watches.add(WatchType::Child, "/a/b", ConnId(3));
        let create = Txn::Create {
            path: "/a/b".into(),
            data: vec![],
            ephemeral_owner: SessionId::NONE,
            parent_cversion: 1,
        };
        let mut fired = Vec::new();
        watches.trigger(&create, zxid(5), &mut fired);
        let kinds: Vec<_> = fired.iter().map(|(c, e)| (c.0, e.kind)).collect();
        assert_eq!(
            kinds,
            [
                (1, WatchKind::NodeCreated),
                (2, WatchKind::NodeChildrenChanged)
            ]
        );
        fired.clear();
        watches.trigger(&create, zxid(6), &mut fired);
        assert!(fired.is_empty(), "watches are one-shot");
        assert_eq!(watches.count(), 1, "the child watch on /a/b is untouched");
    }

    #[test]
    fn closing_a_session_fires_deletes_of_its_ephemerals() {
        let mut watches = Watches::default();
        watches.add(WatchType::Data, "/e", ConnId(1));
        watches.add(WatchType::Child, "/", ConnId(1));
        let close = Txn::CloseSession {
            ephemerals: vec![EphemeralDeletion {
                path: "/e".into(),
                parent_cversion: 2,
            }],
        };
        let mut fired = Vec::new();
        watches.trigger(&close, zxid(9), &mut fired);
        assert_eq!(fired.len(), 2);
        assert_eq!(fired[0].1.kind, WatchKind::NodeDeleted);
        assert_eq!(fired[1].1.kind, WatchKind::NodeChildrenChanged);
        watches.add(WatchType::Data, "/x", ConnId(4));
        watches.remove_conn(ConnId(4));
        assert_eq!(watches.count(), 0);
    }
}
