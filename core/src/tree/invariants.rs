//! The tree's invariants, and a field-by-field diff of two trees.

use super::datatree::Node;
use super::path::{child_path, name_of, parent_of};
use super::{DataTree, Stat};
use crate::ids::SessionId;

impl DataTree {
    /// Checks every invariant; `Err` names the first broken one.
    pub fn check_invariants(&self) -> Result<(), String> {
        let root = self.nodes.get("/").ok_or("the root is missing")?;
        if root.znode.stat.ephemeral_owner != SessionId::NONE {
            return Err("the root is ephemeral".to_owned());
        }
        // Every non-root node is among its parent's children (check_node), a
        // pairing of nodes with child entries that is one to one: with as many
        // entries as non-root nodes, no entry names a missing node, and the
        // entries need no lookup each. Otherwise, or when anything else is
        // broken, the nodes are checked again with every entry looked up, so
        // the error names the first broken node exactly as before.
        let entries: usize = self.nodes.values().map(|node| node.children.len()).sum();
        let paired = entries + 1 == self.nodes.len();
        if !(paired && self.check_nodes(false).is_ok()) {
            self.check_nodes(true)?;
        }
        self.check_ephemeral_index()?;
        let recomputed = self.recompute_digest();
        if self.digest != recomputed {
            return Err(format!(
                "digest cache {:#x} != recomputed {recomputed:#x}",
                self.digest
            ));
        }
        Ok(())
    }

    /// Each node in path order; `look_up_children` also checks that every
    /// child entry names an existing node.
    fn check_nodes(&self, look_up_children: bool) -> Result<(), String> {
        for (path, node) in &self.nodes {
            self.check_node(path, node, look_up_children)
                .map_err(|why| format!("{path}: {why}"))?;
        }
        Ok(())
    }

    fn check_node(&self, path: &str, node: &Node, look_up_children: bool) -> Result<(), String> {
        let stat = &node.znode.stat;
        if stat.num_children as usize != node.children.len() {
            return Err(format!(
                "num_children {} but {} children",
                stat.num_children,
                node.children.len()
            ));
        }
        if stat.data_length as usize != node.znode.data.len() {
            return Err(format!(
                "data_length {} but {} bytes",
                stat.data_length,
                node.znode.data.len()
            ));
        }
        if let Some(parent) = parent_of(path) {
            let parent_node = self.nodes.get(parent).ok_or("parent missing")?;
            if !parent_node.children.contains(name_of(path)) {
                return Err("not among its parent's children".to_owned());
            }
        }
        for name in node.children.iter().filter(|_| look_up_children) {
            if !self.nodes.contains_key(&child_path(path, name)) {
                return Err(format!("child {name} missing"));
            }
        }
        if stat.ephemeral_owner != SessionId::NONE && !node.children.is_empty() {
            return Err("ephemeral with children".to_owned());
        }
        if stat.czxid > stat.mzxid || stat.czxid > stat.pzxid {
            return Err(format!(
                "czxid {} after mzxid {} or pzxid {}",
                stat.czxid, stat.mzxid, stat.pzxid
            ));
        }
        // Reaching a negative version takes 2^31 changes; none of zksim's runs do.
        if stat.version < 0 || stat.cversion < 0 || stat.aversion != 0 {
            return Err(format!(
                "version {} cversion {} aversion {}",
                stat.version, stat.cversion, stat.aversion
            ));
        }
        Ok(())
    }

    /// Ephemeral znodes whose owner is no longer a session: the data model
    /// forbids them, but they are a finding for the checkers, not a broken
    /// structure (recovery still loads such a tree).
    pub fn orphan_ephemerals(&self) -> Vec<(String, SessionId)> {
        self.ephemerals
            .iter()
            .filter(|(session, _)| !self.sessions.contains_key(session))
            .flat_map(|(session, paths)| paths.iter().map(|path| (path.clone(), *session)))
            .collect()
    }

    fn check_ephemeral_index(&self) -> Result<(), String> {
        let mut indexed = 0usize;
        for (session, paths) in &self.ephemerals {
            if paths.is_empty() {
                return Err(format!("ephemeral index: empty entry for {session}"));
            }
            for path in paths {
                let node = self
                    .nodes
                    .get(path)
                    .ok_or(format!("ephemeral index: {path} missing"))?;
                if node.znode.stat.ephemeral_owner != *session {
                    return Err(format!("ephemeral index: {path} is not owned by {session}"));
                }
                indexed += 1;
            }
        }
        let owned = self
            .nodes
            .values()
            .filter(|node| node.znode.stat.ephemeral_owner != SessionId::NONE)
            .count();
        if owned != indexed {
            return Err(format!(
                "ephemeral index holds {indexed} paths but {owned} nodes are ephemeral"
            ));
        }
        Ok(())
    }

    /// The first difference between two trees, for error messages.
    pub fn first_difference(&self, other: &DataTree) -> Option<String> {
        if self.sessions != other.sessions {
            return Some(format!(
                "sessions differ: {:?} vs {:?}",
                self.sessions, other.sessions
            ));
        }
        let mut left = self.nodes.iter();
        let mut right = other.nodes.iter();
        loop {
            match (left.next(), right.next()) {
                (None, None) => return None,
                (Some((path, _)), None) => return Some(format!("{path} only in the first tree")),
                (None, Some((path, _))) => return Some(format!("{path} only in the second tree")),
                (Some((a_path, a)), Some((b_path, b))) => {
                    if a_path != b_path {
                        let (path, which) = if a_path < b_path {
                            (a_path, "first")
                        } else {
                            (b_path, "second")
                        };
                        return Some(format!("{path} only in the {which} tree"));
                    }
                    if let Some(difference) = node_difference(a, b) {
                        return Some(format!("{a_path}: {difference}"));
                    }
                }
            }
        }
    }
}

fn node_difference(a: &Node, b: &Node) -> Option<String> {
    if a.znode.stat != b.znode.stat {
        return Some(stat_difference(&a.znode.stat, &b.znode.stat));
    }
    if a.znode.data != b.znode.data {
        return Some(format!("data {:?} vs {:?}", a.znode.data, b.znode.data));
    }
    if a.children != b.children {
        return Some(format!("children {:?} vs {:?}", a.children, b.children));
    }
    None
}

fn stat_difference(a: &Stat, b: &Stat) -> String {
    let fields = [
        ("czxid", a.czxid.to_string(), b.czxid.to_string()),
        ("mzxid", a.mzxid.to_string(), b.mzxid.to_string()),
        ("pzxid", a.pzxid.to_string(), b.pzxid.to_string()),
        ("ctime_ms", a.ctime_ms.to_string(), b.ctime_ms.to_string()),
        ("mtime_ms", a.mtime_ms.to_string(), b.mtime_ms.to_string()),
        ("version", a.version.to_string(), b.version.to_string()),
        ("cversion", a.cversion.to_string(), b.cversion.to_string()),
        ("aversion", a.aversion.to_string(), b.aversion.to_string()),
        (
            "ephemeral_owner",
            a.ephemeral_owner.to_string(),
            b.ephemeral_owner.to_string(),
        ),
        (
            "data_length",
            a.data_length.to_string(),
            b.data_length.to_string(),
        ),
        (
            "num_children",
            a.num_children.to_string(),
            b.num_children.to_string(),
        ),
    ];
    let differing: Vec<String> = fields
        .into_iter()
        .filter(|(_, left, right)| left != right)
        .map(|(name, left, right)| format!("{name} {left} vs {right}"))
        .collect();
    assert!(!differing.is_empty(), "called only for unequal stats");
    differing.join(", ")
}

#[cfg(test)]
mod tests {
    use crate::tree::{DataTree, Znode};

    fn tree_of(paths: &[&str]) -> DataTree {
        let mut tree = DataTree::new();
        for path in paths {
            tree.insert_node(path.to_string(), Znode::default());
        }
        tree.check_invariants()
            .expect("built by the tree's own edits");
        tree
    }

    #[test]
    fn a_child_entry_naming_no_node_is_found_and_named() {
        let mut tree = tree_of(&["/a", "/a/b", "/c"]);
        let c = tree.nodes.get_mut("/c").expect("built");
        c.children.insert("ghost".to_string());
        c.znode.stat.num_children = 1;
        tree.digest = tree.recompute_digest();
        assert_eq!(
            tree.check_invariants(),
            Err("/c: child ghost missing".to_string())
        );
    }

    #[test]
    fn with_as_many_entries_as_nodes_the_first_broken_node_is_still_named() {
        // "/a" lists a child that does not exist, and "/a/b" is missing from
        // "/a"'s children: as many entries as non-root nodes, both broken.
        // The error names "/a", the first in path order.
        let mut tree = tree_of(&["/a", "/a/b"]);
        let a = tree.nodes.get_mut("/a").expect("built");
        a.children = ["z".to_string()].into_iter().collect();
        tree.digest = tree.recompute_digest();
        assert_eq!(
            tree.check_invariants(),
            Err("/a: child z missing".to_string())
        );
    }
}
