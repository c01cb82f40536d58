//! Sequential counters: a parent's cversion only grows while the parent
//! exists, and replies pin it. A sequential create returning the name
//! numbered `n` took effect when the cversion was `n`; a read of the parent
//! reports its cversion; a getChildren that lists a sequential name needs
//! that child to exist, and it can only be made while the cversion is its
//! number. Once the cversion has passed such a value, the reply can never
//! be explained. The search then drops the configuration at once (see
//! `Model::rules_out`) instead of trying every way to go on with the
//! pending (unknown-outcome) creates and deletes, which is what made the
//! partitions of ephemeral- and persistent-sequential children explode: a
//! wrong choice of which unknown create filled a gap in the numbers showed
//! only at the next getChildren, after all the choices in between.
//!
//! Sound when the parent is *stable*: no op of the history deletes it (a
//! delete, plain or in a multi, of any outcome) and none creates it
//! ephemeral (a session's end would remove it). Then, once it exists, it
//! exists in every later state, and its cversion changes only by
//! `child_changed`, which adds one: setData keeps it, a create finds the slot
//! taken, `end_session` removes only ephemerals. So a state where it exists
//! with a cversion above `n` rules out:
//! - a sequential create under it returning the name numbered `n` (in a
//!   multi: the cversion before the multi is at most `n`, as its earlier ops
//!   cannot remove the parent either);
//! - a reply with the parent's Stat showing cversion `n`, where that
//!   cversion is judged (the partition owns the children: a read, a
//!   setData's result);
//! - a getChildren listing a child numbered `n` that does not exist, unless
//!   some op creates that path by name (not sequentially).
//!
//! A parent not yet created rules nothing out (it will start at 0).

use std::collections::BTreeMap;

use super::convert::Logical;
use super::scope::Scope;
use super::state::ZkState;
use super::tables::{PathId, Tables};
use super::types::{WriteOp, WriteResult, ZkOutput, ZkRequest};

/// What the translation knows about sequential names and their parents, indexed by path
/// (the search asks about a getChildren's every child at every step: no tree lookups). Built
/// once the tables hold every path of the history, so every path indexes them.
#[derive(Clone, Debug)]
pub struct Counters {
    /// Final path → (its prefix, the parent's cversion that names it).
    numbers: Vec<Option<(PathId, i32)>>,
    /// Parents no op of the history can remove.
    stable: Vec<bool>,
    /// Paths some op creates by name (not sequentially).
    named: Vec<bool>,
}

fn flag(flags: &[bool], path: PathId) -> bool {
    flags[path.0 as usize]
}

fn set_flag(flags: &mut [bool], path: PathId, value: bool) {
    flags[path.0 as usize] = value;
}

/// One value a reply pins, as a parent's cversion it cannot be past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pin {
    /// The reply is possible only while the cversion is at most `number`.
    Cversion { parent: PathId, number: i32 },
    /// The reply needs `child` to exist: made only at cversion `number`.
    Child {
        parent: PathId,
        child: PathId,
        number: i32,
    },
}

impl Counters {
    /// From every sequential prefix's names (by cversion, see `partition.rs`)
    /// and every create and delete of the history.
    pub fn new(
        logical: &[Logical],
        tables: &Tables,
        seq_names: &BTreeMap<PathId, Vec<PathId>>,
    ) -> Counters {
        let paths = tables.path_count();
        let mut counters = Counters {
            numbers: vec![None; paths],
            stable: vec![false; paths],
            named: vec![false; paths],
        };
        for (prefix, names) in seq_names {
            for (cversion, name) in names.iter().enumerate() {
                let cversion = i32::try_from(cversion).expect("cversions fit in i32");
                counters.numbers[name.0 as usize] = Some((*prefix, cversion));
            }
            if let Some(parent) = tables.path_info(*prefix).parent {
                set_flag(&mut counters.stable, parent, true);
            }
        }
        for write in logical.iter().flat_map(writes_of) {
            match write {
                WriteOp::Delete { path, .. } => set_flag(&mut counters.stable, *path, false),
                WriteOp::Create { path, mode, .. } => {
                    if mode.is_ephemeral() {
                        set_flag(&mut counters.stable, *path, false);
                    }
                    if !mode.is_sequential() {
                        set_flag(&mut counters.named, *path, true);
                    }
                }
                WriteOp::SetData { .. } | WriteOp::Check { .. } => {}
            }
        }
        counters
    }

    fn number(&self, path: PathId) -> Option<(PathId, i32)> {
        self.numbers[path.0 as usize]
    }

    /// Whether some value of this reply may ever be ruled out.
    pub fn may_rule_out(&self, scope: Scope<'_>, request: &ZkRequest, output: &ZkOutput) -> bool {
        self.any_pin(scope, request, output, |_| true)
    }

    /// Whether `state` rules the reply out for good: a stable parent exists
    /// with a cversion past a value the reply pins.
    pub fn rules_out(
        &self,
        scope: Scope<'_>,
        state: &ZkState,
        request: &ZkRequest,
        output: &ZkOutput,
    ) -> bool {
        let node = |path: PathId| scope.slot(path).and_then(|slot| state.node(slot));
        self.any_pin(scope, request, output, |pin| match pin {
            Pin::Cversion { parent, number } => node(parent).is_some_and(|n| n.cversion > number),
            Pin::Child {
                parent,
                child,
                number,
            } => node(child).is_none() && node(parent).is_some_and(|n| n.cversion > number),
        })
    }

    /// Whether `any` holds for some value the reply pins.
    fn any_pin(
        &self,
        scope: Scope<'_>,
        request: &ZkRequest,
        output: &ZkOutput,
        mut any: impl FnMut(Pin) -> bool,
    ) -> bool {
        let tables = scope.tables();
        let owned = |path: PathId| flag(&self.stable, path) && scope.owns_children(path);
        match (request, output) {
            (ZkRequest::Write { ops, .. }, ZkOutput::Written(results)) => ops
                .iter()
                .zip(results)
                .any(|(op, result)| match (op, result) {
                    (
                        WriteOp::Create { path, mode, .. },
                        WriteResult::Created { path: made, .. },
                    ) => {
                        let parent = tables.path_info(*path).parent;
                        match (parent, self.number(*made)) {
                            (Some(parent), Some((prefix, number)))
                                if mode.is_sequential() && prefix == *path && owned(parent) =>
                            {
                                any(Pin::Cversion { parent, number })
                            }
                            _ => false,
                        }
                    }
                    (WriteOp::SetData { path, .. }, WriteResult::SetData { stat }) => {
                        owned(*path)
                            && any(Pin::Cversion {
                                parent: *path,
                                number: stat.cversion,
                            })
                    }
                    _ => false,
                }),
            (ZkRequest::Exists { path }, ZkOutput::Exists(Some(stat)))
            | (ZkRequest::GetData { path }, ZkOutput::GetData { stat, .. }) => {
                owned(*path)
                    && any(Pin::Cversion {
                        parent: *path,
                        number: stat.cversion,
                    })
            }
            (ZkRequest::GetChildren { path }, ZkOutput::GetChildren { children, stat }) => {
                if !owned(*path) {
                    return false;
                }
                let parent = *path;
                any(Pin::Cversion {
                    parent,
                    number: stat.cversion,
                }) || children.iter().any(|child| match self.number(*child) {
                    Some((prefix, number))
                        if !flag(&self.named, *child)
                            && tables.path_info(prefix).parent == Some(parent) =>
                    {
                        any(Pin::Child {
                            parent,
                            child: *child,
                            number,
                        })
                    }
                    _ => false,
                })
            }
            _ => false,
        }
    }
}

fn writes_of(op: &Logical) -> &[WriteOp] {
    match &op.request {
        ZkRequest::Write { ops, .. } => ops,
        _ => &[],
    }
}
