//! The tree rebuilt from a (possibly fuzzy) snapshot: ZooKeeper's
//! `DataTree.deserialize`.
//!
//! The records are checked, put in path order (a parent is a prefix of its
//! descendants, so it sorts before them), linked to their parents in one
//! pass, and moved into the node map. The ephemeral index and the digest are
//! derived once from the finished map: the structural edits in `datatree`
//! keep them in step edit by edit, which for a whole tree means rehashing a
//! parent for every child it gains.

use std::collections::{BTreeMap, BTreeSet};

use super::datatree::Node;
use super::path::{name_of, parent_of, validate_path};
use super::{DataTree, Znode};
use crate::ids::{SessionId, Zxid};

impl DataTree {
    /// Rebuilds a tree from a (possibly fuzzy) snapshot, in any node order.
    /// `num_children` is recounted from the nodes present (a fuzzy parent may
    /// count children deleted before they were visited). Owners may be
    /// sessions the snapshot does not list yet (created during the walk):
    /// `check_invariants` holds again once the txns after `zxid` are replayed.
    ///
    /// `Err` names the first problem a one-pass load would meet: an invalid
    /// path, a wrong data_length or a repeated path (in input order), then a
    /// missing or ephemeral root, then a node without a parent (in path order).
    pub fn from_snapshot(
        zxid: Zxid,
        sessions: BTreeMap<SessionId, u32>,
        records: Vec<(String, Znode)>,
    ) -> Result<DataTree, String> {
        let order = path_order(&records)?;
        check_root(&records, &order)?;
        let children = child_names(&records, &order)?;
        let nodes = into_nodes(records, &order, children);
        Ok(DataTree::from_nodes(zxid, sessions, nodes))
    }

    /// A tree over a linked node map; the ephemeral index and the digest are
    /// derived from it and the sessions.
    fn from_nodes(
        zxid: Zxid,
        sessions: BTreeMap<SessionId, u32>,
        nodes: BTreeMap<String, Node>,
    ) -> DataTree {
        let root = nodes.get("/").expect("from_nodes: the root is present");
        assert_eq!(
            root.znode.stat.ephemeral_owner,
            SessionId::NONE,
            "from_nodes: the root is not ephemeral"
        );
        let mut ephemerals: BTreeMap<SessionId, BTreeSet<String>> = BTreeMap::new();
        for (path, node) in &nodes {
            let owner = node.znode.stat.ephemeral_owner;
            if owner != SessionId::NONE {
                ephemerals.entry(owner).or_default().insert(path.clone());
            }
        }
        let mut tree = DataTree {
            nodes,
            sessions,
            ephemerals,
            last_processed_zxid: zxid,
            digest: 0,
        };
        tree.digest = tree.recompute_digest();
        tree
    }
}

/// The records' indices sorted by path. `Err` names the first record, in
/// input order, with an invalid path or data_length, or whose path an
/// earlier record holds.
fn path_order(records: &[(String, Znode)]) -> Result<Vec<usize>, String> {
    let mut order: Vec<usize> = (0..records.len()).collect();
    // Ties go by position, so a repeated path's later copies follow its first.
    order.sort_unstable_by(|&a, &b| records[a].0.cmp(&records[b].0).then(a.cmp(&b)));
    let first_repeat = order
        .windows(2)
        .filter(|pair| records[pair[0]].0 == records[pair[1]].0)
        .map(|pair| pair[1])
        .min();
    // A repeat is found only after the record itself passes its checks.
    let checked = first_repeat.map_or(records.len(), |index| index + 1);
    for (path, znode) in &records[..checked] {
        check_record(path, znode)?;
    }
    if let Some(index) = first_repeat {
        return Err(format!("snapshot node {} appears twice", records[index].0));
    }
    assert_eq!(order.len(), records.len());
    Ok(order)
}

fn check_record(path: &str, znode: &Znode) -> Result<(), String> {
    validate_path(path).map_err(|why| format!("snapshot node {path:?}: {why}"))?;
    if znode.stat.data_length as usize != znode.data.len() {
        return Err(format!(
            "snapshot node {path}: data_length {} but {} bytes",
            znode.stat.data_length,
            znode.data.len()
        ));
    }
    Ok(())
}

/// Every valid path extends "/", so the root, when present, sorts first.
fn check_root(records: &[(String, Znode)], order: &[usize]) -> Result<(), String> {
    let root = match order.first() {
        Some(&index) if records[index].0 == "/" => &records[index].1,
        _ => return Err("snapshot has no root".to_owned()),
    };
    if root.stat.ephemeral_owner != SessionId::NONE {
        return Err("snapshot root is ephemeral".to_owned());
    }
    Ok(())
}

/// The child names of each record, by its position in `order`. `Err` names
/// the first record, in path order, whose parent is not in the snapshot.
fn child_names(records: &[(String, Znode)], order: &[usize]) -> Result<Vec<Vec<String>>, String> {
    assert_eq!(
        records[order[0]].0, "/",
        "child_names: the root comes first"
    );
    let mut children: Vec<Vec<String>> = vec![Vec::new(); order.len()];
    for (position, &index) in order.iter().enumerate().skip(1) {
        let path = records[index].0.as_str();
        let (parent, name) = split_path(path);
        let parent_position = parent_position(records, &order[..position], parent)
            .ok_or_else(|| format!("snapshot node {path} has no parent"))?;
        let siblings = &mut children[parent_position];
        assert!(
            siblings.last().is_none_or(|last| last.as_str() < name),
            "child_names: {path} arrives after its smaller siblings"
        );
        siblings.push(name.to_owned());
    }
    let linked: usize = children.iter().map(Vec::len).sum();
    assert_eq!(
        linked + 1,
        order.len(),
        "every node but the root is a child"
    );
    Ok(children)
}

/// `(parent_of(path), name_of(path))` of a valid path other than the root,
/// from one scan for the last '/'.
fn split_path(path: &str) -> (&str, &str) {
    let last_slash = path
        .bytes()
        .rposition(|byte| byte == b'/')
        .expect("a valid path has a '/'");
    let parent = if last_slash == 0 {
        "/"
    } else {
        &path[..last_slash]
    };
    let name = &path[last_slash + 1..];
    debug_assert_eq!((Some(parent), name), (parent_of(path), name_of(path)));
    (parent, name)
}

/// Where `parent` is among `before`, if anywhere: `before` holds the records
/// sorting before its child, and a parent, a prefix of its child, would be
/// one of them. Mostly the root or the record just before; otherwise found
/// by bisection.
fn parent_position(records: &[(String, Znode)], before: &[usize], parent: &str) -> Option<usize> {
    assert!(!before.is_empty(), "parent_position: the root sorts first");
    let last = before.len() - 1;
    if parent == "/" {
        return Some(0);
    }
    if records[before[last]].0 == parent {
        return Some(last);
    }
    before
        .binary_search_by(|&other| records[other].0.as_str().cmp(parent))
        .ok()
}

/// Moves the records into a node map, each with its children and their count.
fn into_nodes(
    mut records: Vec<(String, Znode)>,
    order: &[usize],
    children: Vec<Vec<String>>,
) -> BTreeMap<String, Node> {
    assert_eq!(children.len(), order.len());
    let count = records.len();
    let nodes: BTreeMap<String, Node> = order
        .iter()
        .zip(children)
        .map(|(&index, names)| {
            let (path, mut znode) = std::mem::take(&mut records[index]);
            znode.stat.num_children = names.len() as u32;
            let children = child_set(names);
            // A set drops repeats silently, as does the map below.
            assert_eq!(
                children.len(),
                znode.stat.num_children as usize,
                "into_nodes: {path} has distinct children"
            );
            (path, Node { znode, children })
        })
        .collect();
    assert_eq!(nodes.len(), count, "into_nodes: every record is a node");
    nodes
}

/// The set of a node's child names, given in increasing order. Most nodes
/// have none or one: those skip the sort and bulk build of `collect`.
fn child_set(names: Vec<String>) -> BTreeSet<String> {
    let count = names.len();
    let mut set = BTreeSet::new();
    if count <= 1 {
        set.extend(names);
    } else {
        set = names.into_iter().collect();
    }
    assert!(set.len() <= count, "child_set: no name is made up");
    set
}
