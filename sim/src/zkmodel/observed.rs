//! Which nodes' data and versions some op can see. Where none can, the model
//! stores a canonical value instead (empty data, version 0): states that
//! differ only in what nobody observes become equal, and the search's cache
//! merges them. This matters for sequential children that are only created
//! and deleted: lost creates then commute instead of multiplying the states.
//!
//! Sound because every op's result depends only on what is marked here:
//! data and dataLength are seen by getData, exists and getChildren of the
//! node (a setData's or create's result Stat takes dataLength from the op's
//! own data); the version by those reads, by a setData's result Stat, and by
//! any version other than -1 in a setData, delete or check.

use super::convert::Logical;
use super::state::Node;
use super::tables::{DataId, PathId, Tables};
use super::types::{WriteOp, ZkRequest};

pub fn mark(logical: &[Logical], tables: &mut Tables) {
    for op in logical {
        match &op.request {
            ZkRequest::GetData { path }
            | ZkRequest::Exists { path }
            | ZkRequest::GetChildren { path } => {
                tables.observe_data(*path);
                tables.observe_version(*path);
            }
            ZkRequest::Write { ops, .. } => {
                for write in ops {
                    mark_write(write, op.output.is_some(), tables);
                }
            }
            ZkRequest::CreateSession
            | ZkRequest::CloseSession
            | ZkRequest::Expiry
            | ZkRequest::Sync { .. } => {}
        }
    }
}

fn mark_write(write: &WriteOp, answered: bool, tables: &mut Tables) {
    match write {
        WriteOp::Create { .. } => {}
        WriteOp::SetData { path, version, .. } => {
            if answered || *version != -1 {
                tables.observe_version(*path);
            }
        }
        WriteOp::Delete { path, version } | WriteOp::Check { path, version } => {
            if *version != -1 {
                tables.observe_version(*path);
            }
        }
    }
}

/// The node as stored at `path`: what nobody observes made canonical.
pub fn stored(tables: &Tables, path: PathId, mut node: Node) -> Node {
    let info = tables.path_info(path);
    if !info.data_observed {
        node.data = DataId::EMPTY;
    }
    if !info.version_observed {
        node.version = 0;
    }
    node
}
