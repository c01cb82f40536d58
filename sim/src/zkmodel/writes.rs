//! Writes as the leader prepares them (`core/src/tree/prepare.rs`), with the
//! same checks in the same order, run on a copy-on-write state.

use zksim_core::ids::SessionId;
use zksim_core::tree::{CreateMode, ErrorCode};

use super::observed::stored;
use super::scope::{owner_for, Scope};
use super::state::{Edit, Node, ZkState};
use super::tables::{DataId, PathId};
use super::types::{WriteOp, WriteResult};

/// Runs `ops` in order on `edit`. On failure, the index of the failing op
/// and its code; `edit` is then half-done and must be dropped.
pub fn run_writes(
    scope: Scope<'_>,
    edit: &mut Edit,
    session: SessionId,
    ops: &[WriteOp],
) -> Result<Vec<WriteResult>, (usize, ErrorCode)> {
    let mut results = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let result = match op {
            WriteOp::Create { path, data, mode } => {
                create(scope, edit, session, *path, *data, *mode)
            }
            WriteOp::Delete { path, version } => delete(scope, edit, *path, *version),
            WriteOp::SetData {
                path,
                data,
                version,
            } => set_data(scope, edit, *path, *data, *version),
            WriteOp::Check { path, version } => check(scope, edit, *path, *version),
        };
        results.push(result.map_err(|code| (index, code))?);
    }
    assert_eq!(results.len(), ops.len());
    Ok(results)
}

/// A failed multi's results: `Ok` before the failing op, its code, then
/// `RuntimeInconsistency`.
pub fn multi_error_results(count: usize, failed: usize, code: ErrorCode) -> Vec<WriteResult> {
    assert!(failed < count);
    (0..count)
        .map(|index| {
            WriteResult::Error(match index.cmp(&failed) {
                std::cmp::Ordering::Less => ErrorCode::Ok,
                std::cmp::Ordering::Equal => code,
                std::cmp::Ordering::Greater => ErrorCode::RuntimeInconsistency,
            })
        })
        .collect()
}

/// ZooKeeper's `checkAndIncVersion`.
fn check_version(node: &Node, expected: i32) -> Result<i32, ErrorCode> {
    if expected != -1 && expected != node.version {
        return Err(ErrorCode::BadVersion);
    }
    Ok(node.version.wrapping_add(1))
}

/// Path shape, parent exists, final path, NodeExists, ephemeral parent.
fn create(
    scope: Scope<'_>,
    edit: &mut Edit,
    session: SessionId,
    path: PathId,
    data: DataId,
    mode: CreateMode,
) -> Result<WriteResult, ErrorCode> {
    let tables = scope.tables();
    if tables.data_info(data).oversized {
        return Err(ErrorCode::BadArguments);
    }
    let parent = tables
        .path_info(path)
        .parent
        .ok_or(ErrorCode::BadArguments)?;
    if !tables.path_info(parent).valid {
        return Err(ErrorCode::BadArguments);
    }
    let parent_slot = scope.input_slot(parent);
    let parent_node = *edit.node(parent_slot).ok_or(ErrorCode::NoNode)?;
    let final_path = if mode.is_sequential() {
        assert!(
            scope.owns_children(parent),
            "{}: a sequential create's partition owns the parent's children",
            tables.text(parent)
        );
        scope.sequential_name(path, parent_node.cversion)
    } else {
        path
    };
    if !tables.path_info(final_path).valid || final_path == PathId::ROOT {
        return Err(ErrorCode::BadArguments);
    }
    let slot = scope.input_slot(final_path);
    if edit.node(slot).is_some() {
        return Err(ErrorCode::NodeExists);
    }
    if parent_node.ephemeral_owner != SessionId::NONE {
        return Err(ErrorCode::NoChildrenForEphemerals);
    }
    let node = Node::new(data, owner_for(mode.is_ephemeral(), session));
    edit.set(slot, Some(stored(tables, final_path, node)));
    child_changed(scope, edit, parent, 1);
    Ok(WriteResult::Created {
        path: final_path,
        stat: scope.stat(&node),
    })
}

/// Path shape, not the root, NoNode, BadVersion, NotEmpty.
fn delete(
    scope: Scope<'_>,
    edit: &mut Edit,
    path: PathId,
    version: i32,
) -> Result<WriteResult, ErrorCode> {
    let tables = scope.tables();
    if !tables.path_info(path).valid {
        return Err(ErrorCode::BadArguments);
    }
    let parent = tables
        .path_info(path)
        .parent
        .ok_or(ErrorCode::BadArguments)?;
    let slot = scope.input_slot(path);
    let node = *edit.node(slot).ok_or(ErrorCode::NoNode)?;
    check_version(&node, version)?;
    assert!(
        scope.owns_children(path),
        "{}: a delete's partition owns the node's children",
        tables.text(path)
    );
    if node.num_children > 0 {
        return Err(ErrorCode::NotEmpty);
    }
    edit.set(slot, None);
    child_changed(scope, edit, parent, -1);
    Ok(WriteResult::Deleted)
}

fn set_data(
    scope: Scope<'_>,
    edit: &mut Edit,
    path: PathId,
    data: DataId,
    version: i32,
) -> Result<WriteResult, ErrorCode> {
    let tables = scope.tables();
    if !tables.path_info(path).valid || tables.data_info(data).oversized {
        return Err(ErrorCode::BadArguments);
    }
    let slot = scope.input_slot(path);
    let mut node = *edit.node(slot).ok_or(ErrorCode::NoNode)?;
    node.version = check_version(&node, version)?;
    node.data = data;
    edit.set(slot, Some(stored(tables, path, node)));
    Ok(WriteResult::SetData {
        stat: scope.stat(&node),
    })
}

fn check(
    scope: Scope<'_>,
    edit: &mut Edit,
    path: PathId,
    version: i32,
) -> Result<WriteResult, ErrorCode> {
    if !scope.tables().path_info(path).valid {
        return Err(ErrorCode::BadArguments);
    }
    let node = edit.node(scope.input_slot(path)).ok_or(ErrorCode::NoNode)?;
    check_version(node, version)?;
    Ok(WriteResult::Checked)
}

/// One child of `parent` created (+1) or deleted (-1): counted where the
/// partition owns the parent's children, else left alone (never compared).
fn child_changed(scope: Scope<'_>, edit: &mut Edit, parent: PathId, delta: i32) {
    if !scope.owns_children(parent) {
        return;
    }
    let slot = scope.input_slot(parent);
    let mut node = *edit
        .node(slot)
        .expect("the parent of a changed node exists");
    assert!(
        delta == 1 || node.num_children > 0,
        "{}: deleting from no children",
        scope.tables().text(parent)
    );
    node.cversion = node.cversion.wrapping_add(1);
    node.num_children = node.num_children.wrapping_add_signed(delta);
    edit.set(slot, Some(node));
}

/// A session ends (closeSession, expiry, or a SessionExpired reply that
/// shows it ended): its ephemerals in this partition go, each bumping its
/// parent's cversion. No effect on a session that already ended.
pub fn end_session(scope: Scope<'_>, state: &ZkState, session: SessionId) -> ZkState {
    if !state.is_live(session) {
        return state.clone();
    }
    let group = &scope.model.groups[scope.group.0 as usize];
    let mut edit = state.edit();
    let owned: Vec<usize> = edit
        .nodes()
        .filter(|(_, node)| node.ephemeral_owner == session)
        .map(|(slot, _)| slot)
        .collect();
    for slot in owned {
        let path = group.paths[slot];
        let parent = scope
            .tables()
            .path_info(path)
            .parent
            .expect("an ephemeral is never the root");
        edit.set(slot, None);
        child_changed(scope, &mut edit, parent, -1);
    }
    edit.end_session(session);
    let ended = edit.finish();
    assert!(!ended.is_live(session));
    ended
}
