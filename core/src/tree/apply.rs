//! Applying txns: deterministic, and idempotent over a fuzzy snapshot.
//!
//! A fuzzy snapshot may already hold some effects of the txns replayed over
//! it, and even a later incarnation of a node (deleted and re-created during
//! the walk). Hence the rules: values are set absolutely, parent counters only
//! move up, and a txn older than a node's `czxid` (or, for setData, `mzxid`)
//! leaves that node alone: it was meant for an earlier incarnation.

use super::path::parent_of;
use super::{DataTree, ErrorCode, Znode};
use crate::ids::{SessionId, Zxid};
use crate::request::{MultiResult, OpOutcome, OpResult};
use crate::txn::{EphemeralDeletion, Txn, TxnHeader};

impl DataTree {
    /// Applies a txn and returns what the client is told. Raises
    /// `last_processed_zxid` to `header.zxid`.
    pub fn apply(&mut self, header: &TxnHeader, txn: &Txn) -> OpOutcome {
        let outcome = match txn {
            Txn::CreateSession { timeout_ms } => {
                self.apply_create_session(header.session, *timeout_ms)
            }
            Txn::CloseSession { ephemerals } => {
                self.apply_close_session(header, ephemerals);
                Ok(OpResult::SessionClosed)
            }
            Txn::Multi(txns) => {
                let results = txns
                    .iter()
                    .map(|sub| self.apply_multi_op(header, sub))
                    .collect();
                Ok(OpResult::Multi(results))
            }
            Txn::Error { code } => Err(*code),
            Txn::MultiError { results } => Ok(OpResult::Multi(
                results
                    .iter()
                    .map(|code| MultiResult::Error(*code))
                    .collect(),
            )),
            Txn::Create { .. } | Txn::Delete { .. } | Txn::SetData { .. } | Txn::Check { .. } => {
                match self.apply_multi_op(header, txn) {
                    MultiResult::Created { path, stat } => Ok(OpResult::Created { path, stat }),
                    MultiResult::Deleted => Ok(OpResult::Deleted),
                    MultiResult::SetData { stat } => Ok(OpResult::SetData { stat }),
                    // A check alone is never prepared: there is no client result for it.
                    MultiResult::Checked => Err(ErrorCode::BadArguments),
                    MultiResult::Error(code) => Err(code),
                }
            }
        };
        self.last_processed_zxid = self.last_processed_zxid.max(header.zxid);
        outcome
    }

    /// One node-level txn. Errors here mean the txn did not fit this tree
    /// (replay over a fuzzy snapshot, or a diverged replica) and nothing changed.
    fn apply_multi_op(&mut self, header: &TxnHeader, txn: &Txn) -> MultiResult {
        let applied = match txn {
            Txn::Create {
                path,
                data,
                ephemeral_owner,
                parent_cversion,
            } => self.apply_create(
                header.zxid,
                header.time_ms,
                path,
                data,
                *ephemeral_owner,
                *parent_cversion,
            ),
            Txn::Delete {
                path,
                parent_cversion,
            } => self
                .apply_delete(header.zxid, path, *parent_cversion)
                .map(|()| MultiResult::Deleted),
            Txn::SetData {
                path,
                data,
                version,
            } => self.apply_set_data(header, path, data, *version),
            Txn::Check { .. } => Ok(MultiResult::Checked),
            // Never inside a multi: the codec rejects these too.
            Txn::CreateSession { .. }
            | Txn::CloseSession { .. }
            | Txn::Multi(_)
            | Txn::Error { .. }
            | Txn::MultiError { .. } => Err(ErrorCode::BadArguments),
        };
        applied.unwrap_or_else(MultiResult::Error)
    }

    fn apply_create(
        &mut self,
        zxid: Zxid,
        time_ms: u64,
        path: &str,
        data: &[u8],
        ephemeral_owner: SessionId,
        parent_cversion: i32,
    ) -> Result<MultiResult, ErrorCode> {
        if let Some(existing) = self.node(path) {
            // Already in the snapshot (this or a later incarnation).
            let stat = existing.stat;
            self.fix_up_parent(path, parent_cversion, zxid);
            return Ok(MultiResult::Created {
                path: path.to_owned(),
                stat,
            });
        }
        let parent = parent_of(path).ok_or(ErrorCode::BadArguments)?;
        let parent_stat = self.node(parent).ok_or(ErrorCode::NoNode)?.stat;
        if parent_stat.ephemeral_owner != SessionId::NONE {
            return Err(ErrorCode::NoChildrenForEphemerals);
        }
        if ephemeral_owner != SessionId::NONE && !self.sessions.contains_key(&ephemeral_owner) {
            return Err(ErrorCode::SessionExpired);
        }
        let mut znode = Znode {
            data: data.to_vec(),
            ..Znode::default()
        };
        let stat = &mut znode.stat;
        (stat.czxid, stat.mzxid, stat.pzxid) = (zxid, zxid, zxid);
        (stat.ctime_ms, stat.mtime_ms) = (time_ms, time_ms);
        stat.ephemeral_owner = ephemeral_owner;
        self.insert_node(path.to_owned(), znode);
        self.fix_up_parent(path, parent_cversion, zxid);
        let stat = self.node(path).expect("just inserted").stat;
        assert_eq!(stat.czxid, zxid);
        Ok(MultiResult::Created {
            path: path.to_owned(),
            stat,
        })
    }

    fn apply_delete(
        &mut self,
        zxid: Zxid,
        path: &str,
        parent_cversion: i32,
    ) -> Result<(), ErrorCode> {
        if parent_of(path).is_none() {
            return Err(ErrorCode::BadArguments);
        }
        if let Some(existing) = self.nodes.get(path) {
            // A node created after this txn is a later incarnation: keep it.
            // Otherwise its children (possible only in a fuzzy snapshot) go too:
            // they are re-created by the txns that follow.
            if existing.znode.stat.czxid <= zxid {
                if existing.children.is_empty() {
                    self.remove_leaf(path); // what remove_subtree does for a leaf
                } else {
                    self.remove_subtree(path);
                }
            }
        }
        self.fix_up_parent(path, parent_cversion, zxid);
        Ok(())
    }

    fn apply_set_data(
        &mut self,
        header: &TxnHeader,
        path: &str,
        data: &[u8],
        version: i32,
    ) -> Result<MultiResult, ErrorCode> {
        let existing = self.node(path).ok_or(ErrorCode::NoNode)?.stat;
        if existing.czxid > header.zxid || existing.mzxid > header.zxid {
            // Already newer than this txn.
            return Ok(MultiResult::SetData { stat: existing });
        }
        self.modify_node(path, |znode| {
            znode.data = data.to_vec();
            znode.stat.version = version;
            znode.stat.mzxid = header.zxid;
            znode.stat.mtime_ms = header.time_ms;
        });
        let stat = self.node(path).expect("still there").stat;
        assert_eq!(stat.data_length as usize, data.len());
        Ok(MultiResult::SetData { stat })
    }

    fn apply_create_session(&mut self, session: SessionId, timeout_ms: u32) -> OpOutcome {
        if session == SessionId::NONE {
            // NONE marks "no owner" in a Stat: it can never own ephemerals.
            return Err(ErrorCode::BadArguments);
        }
        if !self.sessions.contains_key(&session) {
            self.insert_session(session, timeout_ms);
        }
        let timeout_ms = self.sessions[&session];
        Ok(OpResult::SessionCreated {
            session,
            timeout_ms,
        })
    }

    fn apply_close_session(&mut self, header: &TxnHeader, ephemerals: &[EphemeralDeletion]) {
        // The txn lists every ephemeral the session owned when it was prepared,
        // and a closing session creates no more: the list is authoritative (an
        // ephemeral it missed would be an orphan, which `orphan_ephemerals` reports).
        for deletion in ephemerals {
            // Skipped when already gone; the parent is still fixed up.
            let _ = self.apply_delete(header.zxid, &deletion.path, deletion.parent_cversion);
        }
        self.remove_session(header.session);
    }
}
