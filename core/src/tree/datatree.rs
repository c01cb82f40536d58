//! The data tree's state and the structural edits every higher layer goes
//! through, each keeping the children sets, the ephemeral index, the
//! `num_children` counts and the digest in step.

use std::collections::{BTreeMap, BTreeSet};

use super::digest::{node_hash, session_hash};
use super::path::{child_path, name_of, parent_of};
use super::{Stat, Znode};
use crate::ids::{SessionId, Zxid};

/// A znode and the names of its children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Node {
    pub(super) znode: Znode,
    pub(super) children: BTreeSet<String>,
}

/// ZooKeeper's DataTree: znodes by path, sessions, and the ephemeral index.
#[derive(Clone, Debug)]
pub struct DataTree {
    pub(super) nodes: BTreeMap<String, Node>,
    pub(super) sessions: BTreeMap<SessionId, u32>,
    /// session → paths of the ephemerals it owns (derived from the nodes).
    pub(super) ephemerals: BTreeMap<SessionId, BTreeSet<String>>,
    pub(super) last_processed_zxid: Zxid,
    /// Wrapping sum of `node_hash` over nodes and `session_hash` over sessions.
    pub(super) digest: u64,
}

impl DataTree {
    /// A tree holding just the root "/" with an all-zero Stat.
    pub fn new() -> DataTree {
        let root = Znode::default();
        let digest = node_hash("/", &root);
        let mut nodes = BTreeMap::new();
        nodes.insert(
            "/".to_owned(),
            Node {
                znode: root,
                children: BTreeSet::new(),
            },
        );
        DataTree {
            nodes,
            sessions: BTreeMap::new(),
            ephemerals: BTreeMap::new(),
            last_processed_zxid: Zxid::ZERO,
            digest,
        }
    }

    pub fn last_processed_zxid(&self) -> Zxid {
        self.last_processed_zxid
    }

    pub fn set_last_processed_zxid(&mut self, zxid: Zxid) {
        self.last_processed_zxid = zxid;
    }

    pub fn node(&self, path: &str) -> Option<&Znode> {
        self.nodes.get(path).map(|node| &node.znode)
    }

    /// Sorted child names, `None` when the node does not exist.
    pub fn children(&self, path: &str) -> Option<Vec<String>> {
        let node = self.nodes.get(path)?;
        Some(node.children.iter().cloned().collect())
    }

    /// The number of znodes, including "/".
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// session → timeout_ms.
    pub fn sessions(&self) -> &BTreeMap<SessionId, u32> {
        &self.sessions
    }

    /// The sorted paths of the ephemerals `session` owns.
    pub fn ephemerals_of(&self, session: SessionId) -> Vec<String> {
        match self.ephemerals.get(&session) {
            Some(paths) => paths.iter().cloned().collect(),
            None => Vec::new(),
        }
    }

    /// The digest, maintained on every change: O(1).
    pub fn digest(&self) -> u64 {
        self.digest
    }

    /// The digest computed from scratch; always equals `digest()`.
    pub fn recompute_digest(&self) -> u64 {
        let nodes = self
            .nodes
            .iter()
            .map(|(path, node)| node_hash(path, &node.znode));
        let sessions = self
            .sessions
            .iter()
            .map(|(id, timeout)| session_hash(*id, *timeout));
        nodes.chain(sessions).fold(0u64, u64::wrapping_add)
    }

    /// Changes one existing node's data or Stat, keeping the digest in step.
    /// `num_children` and `data_length` are owned by the tree and restored.
    pub(super) fn modify_node(&mut self, path: &str, change: impl FnOnce(&mut Znode)) {
        let node = self
            .nodes
            .get_mut(path)
            .expect("modify_node: the node exists");
        edit_node(&mut self.digest, path, node, |node| change(&mut node.znode));
    }

    /// Links a new node under its existing parent. Structural only: the
    /// parent's cversion and pzxid are the caller's business.
    pub(super) fn insert_node(&mut self, path: String, mut znode: Znode) {
        let parent = parent_of(&path).expect("insert_node: never the root");
        assert!(
            self.nodes.contains_key(parent),
            "insert_node: {path} has no parent"
        );
        assert!(
            !self.nodes.contains_key(&path),
            "insert_node: {path} exists"
        );
        znode.stat.num_children = 0;
        znode.stat.data_length = znode.data.len() as u32;
        let owner = znode.stat.ephemeral_owner;
        if owner != SessionId::NONE {
            self.ephemerals
                .entry(owner)
                .or_default()
                .insert(path.clone());
        }
        self.digest = self.digest.wrapping_add(node_hash(&path, &znode));
        // The parent first, while `path` (which the map then takes) can lend
        // it the parent's path and the new name.
        self.modify_parent_children(parent, |children| {
            children.insert(name_of(&path).to_owned())
        });
        self.nodes.insert(
            path,
            Node {
                znode,
                children: BTreeSet::new(),
            },
        );
    }

    /// Unlinks a node that has no children.
    pub(super) fn remove_leaf(&mut self, path: &str) {
        let parent = parent_of(path).expect("remove_leaf: never the root");
        let node = self
            .nodes
            .remove(path)
            .expect("remove_leaf: the node exists");
        assert!(node.children.is_empty(), "remove_leaf: {path} has children");
        self.digest = self.digest.wrapping_sub(node_hash(path, &node.znode));
        let owner = node.znode.stat.ephemeral_owner;
        if owner != SessionId::NONE {
            let owned = self
                .ephemerals
                .get_mut(&owner)
                .expect("an ephemeral is indexed");
            assert!(
                owned.remove(path),
                "remove_leaf: {path} missing from the index"
            );
            if owned.is_empty() {
                self.ephemerals.remove(&owner);
            }
        }
        self.modify_parent_children(parent, |children| children.remove(name_of(path)));
    }

    /// Unlinks a node and everything below it, deepest first.
    pub(super) fn remove_subtree(&mut self, path: &str) {
        let mut order = Vec::new();
        let mut stack = vec![path.to_owned()];
        while let Some(next) = stack.pop() {
            let node = self
                .nodes
                .get(&next)
                .expect("remove_subtree: nodes in the subtree exist");
            stack.extend(node.children.iter().map(|name| child_path(&next, name)));
            order.push(next);
            assert!(order.len() <= self.nodes.len(), "remove_subtree: a cycle");
        }
        for doomed in order.iter().rev() {
            self.remove_leaf(doomed);
        }
    }

    fn modify_parent_children(
        &mut self,
        parent: &str,
        edit: impl FnOnce(&mut BTreeSet<String>) -> bool,
    ) {
        let node = self.nodes.get_mut(parent).expect("the parent exists");
        // edit_node recomputes num_children from the children set.
        edit_node(&mut self.digest, parent, node, |node| {
            let changed = edit(&mut node.children);
            assert!(changed, "{parent}: children set out of step");
        });
    }

    pub(super) fn insert_session(&mut self, session: SessionId, timeout_ms: u32) {
        let previous = self.sessions.insert(session, timeout_ms);
        assert!(previous.is_none(), "insert_session: {session} exists");
        self.digest = self.digest.wrapping_add(session_hash(session, timeout_ms));
    }

    pub(super) fn remove_session(&mut self, session: SessionId) {
        if let Some(timeout_ms) = self.sessions.remove(&session) {
            self.digest = self.digest.wrapping_sub(session_hash(session, timeout_ms));
        }
    }

    /// Raises a parent's cversion and pzxid after a child change, never
    /// lowering them: replay over a fuzzy snapshot may see a newer parent.
    /// A parent created after `zxid` is a later incarnation and is left alone.
    pub(super) fn fix_up_parent(&mut self, child: &str, parent_cversion: i32, zxid: Zxid) {
        let Some(parent) = parent_of(child) else {
            return;
        };
        let Some(node) = self.nodes.get_mut(parent) else {
            return;
        };
        if node.znode.stat.czxid > zxid {
            return;
        }
        edit_node(&mut self.digest, parent, node, |node| {
            let stat: &mut Stat = &mut node.znode.stat;
            // The second arm lets a cversion wrap past i32::MAX, as ZooKeeper's int does.
            if parent_cversion > stat.cversion || parent_cversion == stat.cversion.wrapping_add(1) {
                stat.cversion = parent_cversion;
            }
            stat.pzxid = stat.pzxid.max(zxid);
        });
    }
}

/// Changes one node found in the tree, keeping the tree's `digest` in step:
/// `num_children` and `data_length` are owned by the tree and restored, and
/// the owner of an ephemeral never changes. One lookup serves the whole edit.
fn edit_node(digest: &mut u64, path: &str, node: &mut Node, change: impl FnOnce(&mut Node)) {
    let owner_before = node.znode.stat.ephemeral_owner;
    *digest = digest.wrapping_sub(node_hash(path, &node.znode));
    change(node);
    node.znode.stat.num_children = node.children.len() as u32;
    node.znode.stat.data_length = node.znode.data.len() as u32;
    assert_eq!(
        node.znode.stat.ephemeral_owner, owner_before,
        "{path}: owner is fixed"
    );
    *digest = digest.wrapping_add(node_hash(path, &node.znode));
}

impl Default for DataTree {
    fn default() -> DataTree {
        DataTree::new()
    }
}

/// Equal nodes (data, Stat, children) and sessions; the digest cache and
/// `last_processed_zxid` are not compared.
impl PartialEq for DataTree {
    fn eq(&self, other: &DataTree) -> bool {
        self.nodes == other.nodes && self.sessions == other.sessions
    }
}

impl Eq for DataTree {}
