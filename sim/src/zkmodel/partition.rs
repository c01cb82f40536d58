//! Partitioning: ops whose results can depend on each other's effects share
//! a partition; the rest are checked apart (P-compositionality).
//!
//! Keys, joined by union-find: `Data(p)` is node p's existence, data and Stat;
//! `Children(p)` its set of children and cversion. A partition owns a node's
//! children only if something observes them (a getChildren, a sequential
//! create, a delete of the node); elsewhere creates and deletes of children
//! leave the parent's cversion and numChildren unchecked. closeSession and
//! expiry have no keys: they are copied into every partition that holds an
//! op of their session (createSession is no operation at all, see `order.rs`).

use std::collections::{BTreeMap, BTreeSet};

use zksim_core::ids::SessionId;
use zksim_core::tree::sequential_path;

use super::convert::Logical;
use super::model::Group;
use super::tables::{PathId, Tables};
use super::types::{GroupId, WriteOp, ZkRequest};

/// Keys shown in a partition's name before "+N more".
const NAME_KEYS_MAX: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Data(PathId),
    Children(PathId),
}

/// Which nodes' children are observed, and which are parents of sequential creates.
#[derive(Default)]
struct Observed {
    children: BTreeSet<PathId>,
    sequential_parents: BTreeSet<PathId>,
}

/// The partitions of a history's logical ops.
pub struct Partitioning {
    /// Per logical op: its partition (session ops: `None`, see `session_groups`).
    pub group_of: Vec<Option<GroupId>>,
    /// Per session: the partitions its session ops are copied into (sorted).
    pub session_groups: BTreeMap<SessionId, Vec<GroupId>>,
    pub groups: Vec<Group>,
    pub homes: Vec<Option<(GroupId, u32)>>,
    pub seq_names: BTreeMap<PathId, Vec<PathId>>,
}

pub fn partition(logical: &[Logical], tables: &mut Tables) -> Partitioning {
    let observed = observe(logical, tables);
    let seq_names = sequential_names(logical, tables, &observed);
    let mut keys = KeySets::default();
    let mut first_keys = vec![None; logical.len()];
    let mut scratch = Vec::new();
    for (index, op) in logical.iter().enumerate() {
        scratch.clear();
        keys_of(&op.request, tables, &observed, &mut scratch);
        if let Some((first, rest)) = scratch.split_first() {
            let first = keys.id(*first, true);
            for key in rest {
                let other = keys.id(*key, true);
                keys.union(first, other);
            }
            first_keys[index] = Some(first);
        }
    }
    // Sequential names live with their parent's children.
    for (prefix, names) in &seq_names {
        let parent = tables
            .path_info(*prefix)
            .parent
            .expect("a sequential prefix has a parent");
        let children = keys.id(Key::Children(parent), false);
        for name in names {
            let data = keys.id(Key::Data(*name), false);
            keys.union(children, data);
        }
    }
    let mut builder = Builder::new(tables.path_count());
    let mut group_of = vec![None; logical.len()];
    let mut session_groups: BTreeMap<SessionId, BTreeSet<GroupId>> = BTreeMap::new();
    for (index, op) in logical.iter().enumerate() {
        if let Some(first) = first_keys[index] {
            let group = builder.group_for(keys.find(first));
            group_of[index] = Some(group);
            session_groups.entry(op.session).or_default().insert(group);
        }
    }
    // A session with nothing but session ops gets a partition of its own.
    for op in logical.iter().filter(|op| op.is_session_op()) {
        if !session_groups.contains_key(&op.session) {
            let group = builder.group_for(usize::MAX - builder.groups.len());
            session_groups.entry(op.session).or_default().insert(group);
            builder.names[group.0 as usize].push(format!("session {}", op.session));
        }
    }
    builder.home_keys(&mut keys, tables);
    let session_groups = session_groups
        .into_iter()
        .map(|(session, groups)| (session, groups.into_iter().collect()))
        .collect();
    let Builder { groups, homes, .. } = builder.finish();
    Partitioning {
        group_of,
        session_groups,
        groups,
        homes,
        seq_names,
    }
}

fn observe(logical: &[Logical], tables: &Tables) -> Observed {
    let mut observed = Observed::default();
    for op in logical {
        match &op.request {
            ZkRequest::GetChildren { path } => {
                observed.children.insert(*path);
            }
            ZkRequest::Write { ops, .. } => {
                for write in ops {
                    match write {
                        WriteOp::Create { path, mode, .. } if mode.is_sequential() => {
                            if let Some(parent) = tables.path_info(*path).parent {
                                observed.children.insert(parent);
                                observed.sequential_parents.insert(parent);
                            }
                        }
                        WriteOp::Delete { path, .. } => {
                            observed.children.insert(*path);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    observed
}

/// Every name a sequential create could produce: the parent's cversion is
/// bounded by the number of child creates and deletes under it in the
/// history (closeSession deletes only what creates made).
fn sequential_names(
    logical: &[Logical],
    tables: &mut Tables,
    observed: &Observed,
) -> BTreeMap<PathId, Vec<PathId>> {
    let mut child_changes: BTreeMap<PathId, usize> = BTreeMap::new();
    let mut prefixes = BTreeSet::new();
    for op in logical {
        let ZkRequest::Write { ops, .. } = &op.request else {
            continue;
        };
        for write in ops {
            let (path, weight) = match write {
                WriteOp::Create { path, mode, .. } => {
                    if mode.is_sequential() {
                        prefixes.insert(*path);
                    }
                    // A create may later be deleted by a closeSession too.
                    (*path, 2)
                }
                WriteOp::Delete { path, .. } => (*path, 1),
                WriteOp::SetData { .. } | WriteOp::Check { .. } => continue,
            };
            if let Some(parent) = tables.path_info(path).parent {
                if observed.sequential_parents.contains(&parent) {
                    *child_changes.entry(parent).or_default() += weight;
                }
            }
        }
    }
    let mut names = BTreeMap::new();
    for prefix in prefixes {
        let Some(parent) = tables.path_info(prefix).parent else {
            continue;
        };
        let bound = child_changes.get(&parent).copied().unwrap_or(0);
        let bound = i32::try_from(bound).expect("fewer than 2^31 child changes");
        let text = tables.text(prefix).to_owned();
        let list: Vec<PathId> = (0..=bound)
            .map(|cversion| tables.path(&sequential_path(&text, cversion)))
            .collect();
        names.insert(prefix, list);
    }
    names
}

/// The keys an op reads or writes.
fn keys_of(request: &ZkRequest, tables: &Tables, observed: &Observed, keys: &mut Vec<Key>) {
    let on_path = |path: PathId, keys: &mut Vec<Key>| {
        keys.push(Key::Data(path));
        // A sequential create of unknown outcome may have made any child.
        if let Some(parent) = tables.path_info(path).parent {
            if observed.sequential_parents.contains(&parent) {
                keys.push(Key::Children(parent));
            }
        }
    };
    match request {
        ZkRequest::CreateSession | ZkRequest::CloseSession | ZkRequest::Expiry => {}
        ZkRequest::Sync { path } | ZkRequest::GetData { path } | ZkRequest::Exists { path } => {
            on_path(*path, keys);
        }
        ZkRequest::GetChildren { path } => {
            on_path(*path, keys);
            keys.push(Key::Children(*path));
        }
        ZkRequest::Write { ops, .. } => {
            for op in ops {
                on_path(op.path(), keys);
                let parent = tables.path_info(op.path()).parent;
                match op {
                    WriteOp::Create { mode, .. } => {
                        if let Some(parent) = parent {
                            // The root always exists and is never ephemeral.
                            if parent != PathId::ROOT {
                                keys.push(Key::Data(parent));
                            }
                            if mode.is_sequential() || observed.children.contains(&parent) {
                                keys.push(Key::Children(parent));
                            }
                        }
                    }
                    WriteOp::Delete { path, .. } => {
                        keys.push(Key::Children(*path));
                        if let Some(parent) = parent.filter(|p| observed.children.contains(p)) {
                            keys.push(Key::Children(parent));
                        }
                    }
                    WriteOp::SetData { .. } | WriteOp::Check { .. } => {}
                }
            }
        }
    }
}

/// Keys by dense id, with union-find over the ids.
#[derive(Default)]
struct KeySets {
    ids: BTreeMap<Key, usize>,
    keys: Vec<Key>,
    /// Named by an op (not only a possible sequential name): shown in names.
    from_op: Vec<bool>,
    parent: Vec<usize>,
}

impl KeySets {
    fn id(&mut self, key: Key, from_op: bool) -> usize {
        if let Some(&id) = self.ids.get(&key) {
            self.from_op[id] |= from_op;
            return id;
        }
        let id = self.keys.len();
        self.ids.insert(key, id);
        self.keys.push(key);
        self.from_op.push(from_op);
        self.parent.push(id);
        id
    }

    fn find(&mut self, mut id: usize) -> usize {
        while self.parent[id] != id {
            self.parent[id] = self.parent[self.parent[id]];
            id = self.parent[id];
        }
        id
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // The smaller id stays the root: deterministic.
            let (low, high) = (a.min(b), a.max(b));
            self.parent[high] = low;
        }
    }
}

/// Partitions numbered by first appearance, and the slots of their nodes.
struct Builder {
    by_root: BTreeMap<usize, GroupId>,
    groups: Vec<Group>,
    names: Vec<Vec<String>>,
    homes: Vec<Option<(GroupId, u32)>>,
}

impl Builder {
    fn new(path_count: usize) -> Builder {
        Builder {
            by_root: BTreeMap::new(),
            groups: Vec::new(),
            names: Vec::new(),
            homes: vec![None; path_count],
        }
    }

    fn group_for(&mut self, root: usize) -> GroupId {
        if let Some(group) = self.by_root.get(&root) {
            return *group;
        }
        let group = GroupId(u32::try_from(self.groups.len()).expect("fewer than 2^32 partitions"));
        self.by_root.insert(root, group);
        self.groups.push(Group {
            name: String::new(),
            paths: vec![PathId::ROOT],
            owns_children: vec![false],
        });
        self.names.push(Vec::new());
        group
    }

    /// Gives every Data key's node a slot in its partition and marks the
    /// children each partition owns.
    fn home_keys(&mut self, keys: &mut KeySets, tables: &Tables) {
        let all: Vec<Key> = keys.keys.clone();
        let mut children_keys = Vec::new();
        for (id, key) in all.iter().enumerate() {
            let root = keys.find(id);
            let Some(&group) = self.by_root.get(&root) else {
                continue; // Sequential names of a prefix no op reaches.
            };
            match key {
                Key::Data(path) => {
                    if keys.from_op[id] {
                        self.names[group.0 as usize].push(tables.text(*path).to_owned());
                    }
                    if *path != PathId::ROOT {
                        let slots = &mut self.groups[group.0 as usize];
                        let slot = u32::try_from(slots.paths.len()).expect("fewer than 2^32 slots");
                        slots.paths.push(*path);
                        slots.owns_children.push(false);
                        assert!(self.homes[path.0 as usize].is_none(), "one home per path");
                        self.homes[path.0 as usize] = Some((group, slot));
                    }
                }
                Key::Children(path) => children_keys.push((group, *path)),
            }
        }
        for (group, path) in children_keys {
            self.names[group.0 as usize].push(format!("children of {}", tables.text(path)));
            let slot = if path == PathId::ROOT {
                0
            } else {
                match self.homes[path.0 as usize] {
                    Some((home, slot)) => {
                        assert_eq!(
                            home,
                            group,
                            "{}: children live with the node",
                            tables.text(path)
                        );
                        slot as usize
                    }
                    None => panic!("{}: an observed node has a Data key", tables.text(path)),
                }
            };
            self.groups[group.0 as usize].owns_children[slot] = true;
        }
    }

    fn finish(mut self) -> Builder {
        for (group, names) in self.groups.iter_mut().zip(&self.names) {
            group.name = readable_name(names);
        }
        self
    }
}

/// "/k3 + children of /seq", long lists cut.
fn readable_name(keys: &[String]) -> String {
    let mut sorted: Vec<&str> = keys.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let extra = sorted.len().saturating_sub(NAME_KEYS_MAX);
    let mut name = sorted[..sorted.len().min(NAME_KEYS_MAX)].join(" + ");
    if extra > 0 {
        name.push_str(&format!(" + {extra} more"));
    }
    if name.is_empty() {
        name.push_str("(no keys)");
    }
    name
}
