//! Reads, served from the local tree.

use super::path::validate_path;
use super::{DataTree, ErrorCode};
use crate::request::{ClientOp, OpOutcome, OpResult};

impl DataTree {
    /// Serves getData, exists, getChildren and sync. Panics on a write.
    pub fn read(&self, op: &ClientOp) -> OpOutcome {
        assert!(!op.is_write(), "read: {} is a write", op.name());
        let path = match op {
            ClientOp::GetData { path, .. }
            | ClientOp::Exists { path, .. }
            | ClientOp::GetChildren { path, .. }
            | ClientOp::Sync { path } => path,
            ClientOp::Create { .. }
            | ClientOp::Delete { .. }
            | ClientOp::SetData { .. }
            | ClientOp::Multi(_) => {
                unreachable!("asserted a read above")
            }
        };
        validate_path(path).map_err(|_| ErrorCode::BadArguments)?;
        let node = self.nodes.get(path.as_str());
        match op {
            ClientOp::Exists { .. } => Ok(OpResult::Exists {
                stat: node.map(|node| node.znode.stat),
            }),
            ClientOp::Sync { .. } => Ok(OpResult::Synced { path: path.clone() }),
            ClientOp::GetData { .. } => {
                let node = node.ok_or(ErrorCode::NoNode)?;
                Ok(OpResult::GetData {
                    data: node.znode.data.clone(),
                    stat: node.znode.stat,
                })
            }
            _ => {
                let node = node.ok_or(ErrorCode::NoNode)?;
                Ok(OpResult::GetChildren {
                    children: node.children.iter().cloned().collect(),
                    stat: node.znode.stat,
                })
            }
        }
    }
}
