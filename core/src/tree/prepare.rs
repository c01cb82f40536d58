//! Leader side: validate a write against the tree and turn it into a txn.
//!
//! Validation never mutates the tree. A multi's ops see the effects of the
//! earlier ops of the same multi through an [`Overlay`] of changed Stats.

use std::collections::BTreeMap;

use super::path::{parent_of, sequential_path, validate_path};
use super::{CreateMode, DataTree, ErrorCode, Stat};
use crate::codec::{MAX_DATA_BYTES, MAX_LIST_ITEMS};
use crate::ids::{SessionId, Zxid};
use crate::request::{ClientOp, MultiOp};
use crate::txn::{EphemeralDeletion, Txn, TxnHeader};

/// The tree as an in-flight multi sees it: `changes` wins over `tree`
/// (`None` = deleted). Only Stats are tracked: validation needs no data.
struct Overlay<'a> {
    tree: &'a DataTree,
    changes: BTreeMap<String, Option<Stat>>,
}

impl<'a> Overlay<'a> {
    fn new(tree: &'a DataTree) -> Overlay<'a> {
        Overlay {
            tree,
            changes: BTreeMap::new(),
        }
    }

    fn stat(&self, path: &str) -> Option<Stat> {
        match self.changes.get(path) {
            Some(change) => *change,
            None => self.tree.node(path).map(|znode| znode.stat),
        }
    }

    fn set(&mut self, path: &str, stat: Option<Stat>) {
        assert!(
            self.changes.len() <= 2 * MAX_LIST_ITEMS + 2,
            "overlay is bounded by the multi"
        );
        self.changes.insert(path.to_owned(), stat);
    }

    /// Records one child created (+1) or deleted (-1) under `parent`.
    fn child_changed(&mut self, parent: &str, delta: i32, zxid: Zxid) -> i32 {
        let mut stat = self
            .stat(parent)
            .expect("the parent of a changed node exists");
        assert!(delta == 1 || delta == -1);
        assert!(
            delta == 1 || stat.num_children > 0,
            "{parent}: deleting from no children"
        );
        stat.cversion = stat.cversion.wrapping_add(1);
        stat.pzxid = zxid;
        stat.num_children = stat.num_children.wrapping_add_signed(delta);
        self.set(parent, Some(stat));
        stat.cversion
    }
}

impl DataTree {
    /// Validates a write against this tree and returns its txn; never mutates.
    /// Failure is `Txn::Error` (or `Txn::MultiError` for a multi).
    pub fn prepare(&self, header: &TxnHeader, op: &ClientOp) -> Txn {
        assert!(op.is_write(), "prepare: {} is not a write", op.name());
        if !self.sessions.contains_key(&header.session) {
            return Txn::Error {
                code: ErrorCode::SessionExpired,
            };
        }
        let mut overlay = Overlay::new(self);
        let prepared = match op {
            ClientOp::Create { path, data, mode } => {
                prepare_create(&mut overlay, header, path, data, *mode)
            }
            ClientOp::Delete { path, version } => {
                prepare_delete(&mut overlay, header, path, *version)
            }
            ClientOp::SetData {
                path,
                data,
                version,
            } => prepare_set_data(&mut overlay, header, path, data, *version),
            ClientOp::Multi(ops) => return prepare_multi(&mut overlay, header, ops),
            ClientOp::GetData { .. }
            | ClientOp::Exists { .. }
            | ClientOp::GetChildren { .. }
            | ClientOp::Sync { .. } => {
                unreachable!("asserted a write above")
            }
        };
        prepared.unwrap_or_else(|code| Txn::Error { code })
    }

    pub fn prepare_create_session(&self, timeout_ms: u32) -> Txn {
        Txn::CreateSession { timeout_ms }
    }

    /// A CloseSession listing every ephemeral `session` owns (sorted), each
    /// with its parent's cversion after the deletions before it.
    pub fn prepare_close_session(&self, session: SessionId) -> Txn {
        if !self.sessions.contains_key(&session) {
            return Txn::Error {
                code: ErrorCode::SessionExpired,
            };
        }
        let mut overlay = Overlay::new(self);
        let mut ephemerals = Vec::new();
        for path in self.ephemerals_of(session) {
            let stat = overlay.stat(&path).expect("an indexed ephemeral exists");
            assert_eq!(stat.ephemeral_owner, session);
            assert_eq!(stat.num_children, 0, "{path}: an ephemeral has no children");
            overlay.set(&path, None);
            let parent = parent_of(&path).expect("an ephemeral is never the root");
            // The zxid only feeds the overlay's pzxid, which is not emitted here.
            let parent_cversion = overlay.child_changed(parent, -1, Zxid::ZERO);
            ephemerals.push(EphemeralDeletion {
                path,
                parent_cversion,
            });
        }
        Txn::CloseSession { ephemerals }
    }
}

fn prepare_multi(overlay: &mut Overlay<'_>, header: &TxnHeader, ops: &[MultiOp]) -> Txn {
    let mut txns = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        match prepare_multi_op(overlay, header, op) {
            Ok(txn) => txns.push(txn),
            Err(code) => {
                let mut results = vec![ErrorCode::Ok; index];
                results.push(code);
                results.resize(ops.len(), ErrorCode::RuntimeInconsistency);
                return Txn::MultiError { results };
            }
        }
    }
    assert_eq!(txns.len(), ops.len());
    Txn::Multi(txns)
}

fn prepare_multi_op(
    overlay: &mut Overlay<'_>,
    header: &TxnHeader,
    op: &MultiOp,
) -> Result<Txn, ErrorCode> {
    match op {
        MultiOp::Create { path, data, mode } => prepare_create(overlay, header, path, data, *mode),
        MultiOp::Delete { path, version } => prepare_delete(overlay, header, path, *version),
        MultiOp::SetData {
            path,
            data,
            version,
        } => prepare_set_data(overlay, header, path, data, *version),
        MultiOp::Check { path, version } => {
            validate_path(path).map_err(|_| ErrorCode::BadArguments)?;
            let stat = overlay.stat(path).ok_or(ErrorCode::NoNode)?;
            check_version(&stat, *version)?;
            Ok(Txn::Check { path: path.clone() })
        }
    }
}

/// ZooKeeper's `checkAndIncVersion`: the new version, or BadVersion.
fn check_version(stat: &Stat, expected: i32) -> Result<i32, ErrorCode> {
    if expected != -1 && expected != stat.version {
        return Err(ErrorCode::BadVersion);
    }
    Ok(stat.version.wrapping_add(1))
}

/// The checks in ZooKeeper's order: path shape, parent exists, final path,
/// NodeExists, ephemeral parent.
fn prepare_create(
    overlay: &mut Overlay<'_>,
    header: &TxnHeader,
    path: &str,
    data: &[u8],
    mode: CreateMode,
) -> Result<Txn, ErrorCode> {
    if data.len() > MAX_DATA_BYTES {
        return Err(ErrorCode::BadArguments);
    }
    let parent = parent_of(path).ok_or(ErrorCode::BadArguments)?;
    validate_path(parent).map_err(|_| ErrorCode::BadArguments)?;
    let mut parent_stat = overlay.stat(parent).ok_or(ErrorCode::NoNode)?;
    let final_path = if mode.is_sequential() {
        sequential_path(path, parent_stat.cversion)
    } else {
        path.to_owned()
    };
    validate_path(&final_path).map_err(|_| ErrorCode::BadArguments)?;
    if final_path == "/" {
        return Err(ErrorCode::BadArguments);
    }
    if overlay.stat(&final_path).is_some() {
        return Err(ErrorCode::NodeExists);
    }
    if parent_stat.ephemeral_owner != SessionId::NONE {
        return Err(ErrorCode::NoChildrenForEphemerals);
    }
    let ephemeral_owner = if mode.is_ephemeral() {
        header.session
    } else {
        SessionId::NONE
    };
    let stat = new_stat(header, ephemeral_owner, data.len());
    overlay.set(&final_path, Some(stat));
    parent_stat.cversion = overlay.child_changed(parent, 1, header.zxid);
    Ok(Txn::Create {
        path: final_path,
        data: data.to_vec(),
        ephemeral_owner,
        parent_cversion: parent_stat.cversion,
    })
}

fn new_stat(header: &TxnHeader, ephemeral_owner: SessionId, data_length: usize) -> Stat {
    Stat {
        czxid: header.zxid,
        mzxid: header.zxid,
        pzxid: header.zxid,
        ctime_ms: header.time_ms,
        mtime_ms: header.time_ms,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeral_owner,
        data_length: data_length as u32,
        num_children: 0,
    }
}

fn prepare_delete(
    overlay: &mut Overlay<'_>,
    header: &TxnHeader,
    path: &str,
    version: i32,
) -> Result<Txn, ErrorCode> {
    validate_path(path).map_err(|_| ErrorCode::BadArguments)?;
    let parent = parent_of(path).ok_or(ErrorCode::BadArguments)?;
    let stat = overlay.stat(path).ok_or(ErrorCode::NoNode)?;
    check_version(&stat, version)?;
    if stat.num_children > 0 {
        return Err(ErrorCode::NotEmpty);
    }
    overlay.set(path, None);
    let parent_cversion = overlay.child_changed(parent, -1, header.zxid);
    Ok(Txn::Delete {
        path: path.to_owned(),
        parent_cversion,
    })
}

fn prepare_set_data(
    overlay: &mut Overlay<'_>,
    header: &TxnHeader,
    path: &str,
    data: &[u8],
    version: i32,
) -> Result<Txn, ErrorCode> {
    validate_path(path).map_err(|_| ErrorCode::BadArguments)?;
    if data.len() > MAX_DATA_BYTES {
        return Err(ErrorCode::BadArguments);
    }
    let mut stat = overlay.stat(path).ok_or(ErrorCode::NoNode)?;
    let new_version = check_version(&stat, version)?;
    stat.version = new_version;
    stat.mzxid = header.zxid;
    stat.mtime_ms = header.time_ms;
    stat.data_length = data.len() as u32;
    overlay.set(path, Some(stat));
    Ok(Txn::SetData {
        path: path.to_owned(),
        data: data.to_vec(),
        version: new_version,
    })
}
