//! What one partition's steps may see: its slots, which children it owns, the
//! tables. The partition is named by each input (`ZkInput::group`): the
//! checker runs every partition with the same model.

use zksim_core::ids::SessionId;

use super::model::ZkModel;
use super::state::Node;
use super::tables::{PathId, Tables};
use super::types::{GroupId, StatView};

#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub model: &'a ZkModel,
    pub group: GroupId,
}

impl<'a> Scope<'a> {
    pub fn tables(&self) -> &'a Tables {
        &self.model.tables
    }

    /// The slot of `path` in this partition, if the partition holds it.
    pub fn slot(&self, path: PathId) -> Option<usize> {
        if path == PathId::ROOT {
            return Some(0);
        }
        match self.model.homes.get(path.0 as usize) {
            Some(Some((group, slot))) if *group == self.group => Some(*slot as usize),
            _ => None,
        }
    }

    /// The slot of a path an input names: translation homes every one.
    pub fn input_slot(&self, path: PathId) -> usize {
        self.slot(path).unwrap_or_else(|| {
            panic!(
                "{}: translation homes every input path in its partition",
                self.tables().text(path)
            )
        })
    }

    /// This partition sees every child change of `path` (so its cversion,
    /// numChildren and children are exact).
    pub fn owns_children(&self, path: PathId) -> bool {
        self.slot(path)
            .is_some_and(|slot| self.model.groups[self.group.0 as usize].owns_children[slot])
    }

    /// The final path of a sequential create of `prefix` when the parent's cversion is `cversion`.
    pub fn sequential_name(&self, prefix: PathId, cversion: i32) -> PathId {
        let names = self
            .model
            .seq_names
            .get(&prefix)
            .expect("translation names every sequential prefix");
        let index = usize::try_from(cversion).expect("cversion stays below its bound");
        *names
            .get(index)
            .expect("translation bounds cversion by the child changes in the history")
    }

    /// The Stat fields a node shows.
    pub fn stat(&self, node: &Node) -> StatView {
        StatView {
            version: node.version,
            cversion: node.cversion,
            data_length: self.tables().data_len(node.data),
            num_children: node.num_children,
            ephemeral_owner: node.ephemeral_owner,
        }
    }
}

/// Compares what the model expects with what was reported: version,
/// dataLength and ephemeralOwner always; cversion and numChildren only where
/// the partition owns the children.
pub fn stat_matches(expected: &StatView, reported: &StatView, children_known: bool) -> bool {
    let own = expected.version == reported.version
        && expected.data_length == reported.data_length
        && expected.ephemeral_owner == reported.ephemeral_owner;
    let children =
        expected.cversion == reported.cversion && expected.num_children == reported.num_children;
    own && (!children_known || children)
}

/// The owner ephemerals of `session` would get.
pub fn owner_for(ephemeral: bool, session: SessionId) -> SessionId {
    if ephemeral {
        session
    } else {
        SessionId::NONE
    }
}
