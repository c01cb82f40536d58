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
        let children = child_index(&records, &order)?;
        let nodes = into_nodes(records, &order, &children);
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

/// Each record's children, by its position in `order`: the records (indices
/// into `records`) at `children[starts[p]..starts[p + 1]]`, in name order.
/// Flat, so building it allocates a few lists rather than one per parent.
struct ChildIndex {
    starts: Vec<usize>,
    children: Vec<usize>,
}

impl ChildIndex {
    fn of(&self, position: usize) -> &[usize] {
        &self.children[self.starts[position]..self.starts[position + 1]]
    }
}

/// The children of each record. `Err` names the first record, in path
/// order, whose parent is not in the snapshot.
fn child_index(records: &[(String, Znode)], order: &[usize]) -> Result<ChildIndex, String> {
    assert_eq!(
        records[order[0]].0, "/",
        "child_index: the root comes first"
    );
    // The parent's position of each record after the root.
    let mut parents = Vec::with_capacity(order.len() - 1);
    for (position, &index) in order.iter().enumerate().skip(1) {
        let path = records[index].0.as_str();
        let (parent, _) = split_path(path);
        let parent_position = parent_position(records, &order[..position], parent)
            .ok_or_else(|| format!("snapshot node {path} has no parent"))?;
        parents.push(parent_position);
    }
    let mut starts = vec![0; order.len() + 1];
    for &parent in &parents {
        starts[parent + 1] += 1;
    }
    for position in 0..order.len() {
        starts[position + 1] += starts[position];
    }
    // Children are placed in path order, which for siblings is name order.
    let mut next = starts.clone();
    let mut children = vec![0; parents.len()];
    for (&parent, &index) in parents.iter().zip(&order[1..]) {
        children[next[parent]] = index;
        next[parent] += 1;
    }
    assert_eq!(next[..order.len()], starts[1..], "every child is placed");
    assert_eq!(
        children.len() + 1,
        order.len(),
        "every node but the root is a child"
    );
    Ok(ChildIndex { starts, children })
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
    children: &ChildIndex,
) -> BTreeMap<String, Node> {
    assert_eq!(children.starts.len(), order.len() + 1);
    let count = records.len();
    let nodes: BTreeMap<String, Node> = order
        .iter()
        .enumerate()
        .map(|(position, &index)| {
            // The children sort after their parent: none is taken yet.
            let names = child_set(&records, children.of(position));
            let (path, mut znode) = std::mem::take(&mut records[index]);
            znode.stat.num_children = children.of(position).len() as u32;
            // A set drops repeats silently, as does the map below.
            assert_eq!(
                names.len(),
                znode.stat.num_children as usize,
                "into_nodes: {path} has distinct children"
            );
            (
                path,
                Node {
                    znode,
                    children: names,
                },
            )
        })
        .collect();
    assert_eq!(nodes.len(), count, "into_nodes: every record is a node");
    nodes
}

/// The names of the records at `children` (siblings, in increasing order).
/// Most nodes have none or one: those skip the sort and bulk build of `collect`.
fn child_set(records: &[(String, Znode)], children: &[usize]) -> BTreeSet<String> {
    let names = children.iter().map(|&index| name_of(&records[index].0));
    let mut set = BTreeSet::new();
    if children.len() <= 1 {
        set.extend(names.map(str::to_owned));
        return set;
    }
    let mut last = "";
    for name in names.clone() {
        assert!(
            last < name,
            "child_set: {name} arrives after its smaller siblings"
        );
        last = name;
    }
    set = names.map(str::to_owned).collect();
    assert_eq!(set.len(), children.len(), "child_set: names are distinct");
    set
}
