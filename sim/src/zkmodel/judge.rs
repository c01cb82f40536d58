//! Is a reported result possible in a state? Reads as `DataTree::read`
//! serves them, writes as prepared and applied.

use zksim_core::ids::SessionId;
use zksim_core::tree::ErrorCode;

use super::scope::{stat_matches, Scope};
use super::state::ZkState;
use super::tables::PathId;
use super::types::{WriteOp, WriteResult, ZkOutput, ZkRequest};
use super::writes::{end_session, multi_error_results, run_writes};

/// The state after a write if `output` (None: unknown) is possible in `state`.
pub fn step_write(
    scope: Scope<'_>,
    state: &ZkState,
    session: SessionId,
    ops: &[WriteOp],
    multi: bool,
    output: Option<&ZkOutput>,
) -> Option<ZkState> {
    assert!(multi || ops.len() == 1, "a plain write is one op");
    if let Some(ZkOutput::Error(ErrorCode::SessionExpired)) = output {
        return Some(end_session(scope, state, session));
    }
    if !state.is_live(session) {
        // Refused: nothing else is possible, and an unknown outcome had no effect.
        return output.is_none().then(|| state.clone());
    }
    let mut edit = state.edit();
    match (run_writes(scope, &mut edit, session, ops), output) {
        (Ok(_), None) => Some(edit.finish()),
        (Err(_), None) => Some(state.clone()),
        (Ok(expected), Some(ZkOutput::Written(reported))) => {
            results_match(scope, ops, &expected, reported).then(|| edit.finish())
        }
        (Err((failed, code)), Some(ZkOutput::Written(reported))) => {
            let expected = multi_error_results(ops.len(), failed, code);
            (multi && *reported == expected).then(|| state.clone())
        }
        // A multi's failure may also be reported as its failing op's code
        // (as ZooKeeper's Java client throws it).
        (Err((_, code)), Some(ZkOutput::Error(reported))) => {
            (code == *reported).then(|| state.clone())
        }
        (Ok(_), Some(_)) | (Err(_), Some(_)) => None,
    }
}

fn results_match(
    scope: Scope<'_>,
    ops: &[WriteOp],
    expected: &[WriteResult],
    reported: &[WriteResult],
) -> bool {
    assert_eq!(ops.len(), expected.len());
    expected.len() == reported.len()
        && ops
            .iter()
            .zip(expected.iter().zip(reported))
            .all(|(op, (expected, reported))| result_matches(scope, op, expected, reported))
}

/// A Stat in a result is the node's as of that op (before any later op of
/// the same multi).
fn result_matches(
    scope: Scope<'_>,
    op: &WriteOp,
    expected: &WriteResult,
    reported: &WriteResult,
) -> bool {
    match (expected, reported) {
        (
            WriteResult::Created { path, stat },
            WriteResult::Created {
                path: reported_path,
                stat: reported_stat,
            },
        ) => path == reported_path && stat_matches(stat, reported_stat, true),
        (
            WriteResult::SetData { stat },
            WriteResult::SetData {
                stat: reported_stat,
            },
        ) => stat_matches(stat, reported_stat, scope.owns_children(op.path())),
        (WriteResult::Deleted, WriteResult::Deleted)
        | (WriteResult::Checked, WriteResult::Checked) => true,
        (WriteResult::Error(a), WriteResult::Error(b)) => a == b,
        _ => false,
    }
}

/// The state after a read or sync if `reported` is what it returns in
/// `state`: the state itself, or, for SessionExpired, the session ended.
pub fn step_read(
    scope: Scope<'_>,
    state: &ZkState,
    session: SessionId,
    request: &ZkRequest,
    reported: &ZkOutput,
) -> Option<ZkState> {
    if *reported == ZkOutput::Error(ErrorCode::SessionExpired) {
        return Some(end_session(scope, state, session));
    }
    // A server answers only a connection whose session it knows.
    let matches = state.is_live(session) && read_matches(scope, state, request, reported);
    matches.then(|| state.clone())
}

fn read_matches(
    scope: Scope<'_>,
    state: &ZkState,
    request: &ZkRequest,
    reported: &ZkOutput,
) -> bool {
    let path = match request {
        ZkRequest::Sync { path }
        | ZkRequest::GetData { path }
        | ZkRequest::Exists { path }
        | ZkRequest::GetChildren { path } => *path,
        _ => unreachable!("read_matches judges reads"),
    };
    if !scope.tables().path_info(path).valid {
        // Refused before the tree is looked at (BadArguments was accepted earlier).
        return false;
    }
    let node = state.node(scope.input_slot(path));
    let children_known = scope.owns_children(path);
    match (request, node, reported) {
        (ZkRequest::Sync { .. }, _, ZkOutput::Synced) => true,
        (ZkRequest::Exists { .. }, None, ZkOutput::Exists(None)) => true,
        (ZkRequest::Exists { .. }, Some(node), ZkOutput::Exists(Some(stat))) => {
            stat_matches(&scope.stat(node), stat, children_known)
        }
        (ZkRequest::GetData { .. } | ZkRequest::GetChildren { .. }, None, reported) => {
            *reported == ZkOutput::Error(ErrorCode::NoNode)
        }
        (ZkRequest::GetData { .. }, Some(node), ZkOutput::GetData { data, stat }) => {
            node.data == *data && stat_matches(&scope.stat(node), stat, children_known)
        }
        (ZkRequest::GetChildren { .. }, Some(node), ZkOutput::GetChildren { children, stat }) => {
            assert!(
                children_known,
                "a getChildren's partition owns the children"
            );
            stat_matches(&scope.stat(node), stat, true)
                && children_match(scope, state, path, node.num_children, children)
        }
        _ => false,
    }
}

/// The reported children are exactly the node's: distinct, existing
/// children of `parent`, as many as the partition counts.
fn children_match(
    scope: Scope<'_>,
    state: &ZkState,
    parent: PathId,
    num_children: u32,
    reported: &[PathId],
) -> bool {
    if reported.len() != num_children as usize {
        return false;
    }
    let distinct = reported.windows(2).all(|pair| pair[0] < pair[1]);
    distinct
        && reported.iter().all(|child| {
            scope.tables().path_info(*child).parent == Some(parent)
                && scope
                    .slot(*child)
                    .is_some_and(|slot| state.node(slot).is_some())
        })
}
