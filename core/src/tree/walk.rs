//! Fuzzy snapshots: a depth-first walk taken while writes continue (the tree
//! is rebuilt from one in `load`).
//!
//! A node is emitted with its state at the moment it is visited, and its
//! children as they are at that moment are queued. A queued path gone by the
//! time it is visited is skipped with its subtree. So every emitted node's
//! parent was emitted earlier: a snapshot never holds an orphan. Replaying
//! every txn after `zxid` over it (see `apply`) gives the live tree.

use std::collections::BTreeMap;

use super::path::child_path;
use super::{DataTree, Znode};
use crate::codec::MAX_LIST_ITEMS;
use crate::ids::{SessionId, Zxid};

#[derive(Clone, Debug)]
pub struct FuzzyWalk {
    zxid: Zxid,
    sessions: BTreeMap<SessionId, u32>,
    /// Paths still to visit; the top is next.
    stack: Vec<String>,
}

impl DataTree {
    /// Starts a fuzzy snapshot at `last_processed_zxid`.
    pub fn fuzzy_walk(&self) -> FuzzyWalk {
        FuzzyWalk {
            zxid: self.last_processed_zxid,
            sessions: self.sessions.clone(),
            stack: vec!["/".to_owned()],
        }
    }
}

impl FuzzyWalk {
    /// The tree's last processed zxid when the walk started: replay from after it.
    pub fn zxid(&self) -> Zxid {
        self.zxid
    }

    /// The sessions as they were when the walk started.
    pub fn sessions(&self) -> &BTreeMap<SessionId, u32> {
        &self.sessions
    }

    /// Emits up to `max_nodes` more nodes into `out`; true when the walk is done.
    pub fn next_chunk(
        &mut self,
        tree: &DataTree,
        max_nodes: usize,
        out: &mut Vec<(String, Znode)>,
    ) -> bool {
        let before = out.len();
        let done = self.visit_chunk(tree, max_nodes, |path, znode| {
            out.push((path, znode.clone()));
        });
        assert!(out.len() - before <= max_nodes);
        done
    }

    /// `next_chunk` without copying the znodes: `visit` gets each emitted
    /// node's path and its state in `tree`, in walk order.
    pub fn visit_chunk<'t>(
        &mut self,
        tree: &'t DataTree,
        max_nodes: usize,
        mut visit: impl FnMut(String, &'t Znode),
    ) -> bool {
        assert!(max_nodes > 0, "next_chunk: a chunk holds at least one node");
        let mut emitted = 0;
        while emitted < max_nodes {
            let Some(path) = self.stack.pop() else { break };
            let Some(node) = tree.nodes.get(&path) else {
                continue;
            };
            // Reverse, so the smallest name is popped (visited) first.
            for name in node.children.iter().rev() {
                self.stack.push(child_path(&path, name));
            }
            assert!(
                self.stack.len() <= tree.nodes.len() + MAX_LIST_ITEMS,
                "walk stack is bounded"
            );
            visit(path, &node.znode);
            emitted += 1;
        }
        assert!(emitted <= max_nodes);
        self.stack.is_empty()
    }
}
