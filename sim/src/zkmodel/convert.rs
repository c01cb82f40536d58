//! History ops → the model's requests and replies ("logical ops"), before
//! partitioning and ordering. Decides what is dropped and what is unknown.

use std::collections::BTreeSet;

use zksim_core::ids::SessionId;
use zksim_core::request::{ClientOp, MultiOp, MultiResult, OpResult};
use zksim_core::tree::{ErrorCode, Stat};

use super::tables::{PathId, Tables};
use super::types::{GroupId, StatView, WriteOp, WriteResult, ZkInput, ZkOutput, ZkRequest};
use crate::history::{History, HistoryOp, HistoryRequest, Outcome};

/// One history op the model judges.
#[derive(Clone, Debug)]
pub struct Logical {
    pub history_index: usize,
    pub client: usize,
    pub session: SessionId,
    pub request: ZkRequest,
    /// None: unknown (the op may take effect at any time after its call, or never).
    pub output: Option<ZkOutput>,
    pub call_us: u64,
    /// Some exactly when `output` is.
    pub ret_us: Option<u64>,
}

impl Logical {
    /// closeSession and expiry: copied into every partition that holds an
    /// op of the session.
    pub fn is_session_op(&self) -> bool {
        matches!(self.request, ZkRequest::CloseSession | ZkRequest::Expiry)
    }

    /// createSession: no effect on the model (every session not ended is
    /// live), but its call bounds the session's first reads and its expiry.
    pub fn is_create_session(&self) -> bool {
        matches!(self.request, ZkRequest::CreateSession)
    }

    /// Reads are sequentially consistent, not linearizable: see `order.rs`.
    pub fn is_plain_read(&self) -> bool {
        matches!(
            self.request,
            ZkRequest::GetData { .. } | ZkRequest::Exists { .. } | ZkRequest::GetChildren { .. }
        )
    }

    /// Completed, and possible only while the session is live: such an op
    /// precedes the session's expiry.
    pub fn needs_live_session(&self) -> bool {
        match &self.output {
            None => false,
            Some(ZkOutput::Error(ErrorCode::SessionExpired | ErrorCode::BadArguments)) => false,
            Some(_) => !matches!(self.request, ZkRequest::Expiry),
        }
    }

    pub fn input(&self, group: GroupId) -> ZkInput {
        ZkInput {
            group,
            session: self.session,
            request: self.request.clone(),
        }
    }
}

/// The ops the model judges, in history order. Dropped: what tells nothing
/// (reads without a reply, createSessions without an id, reconnections) and
/// ops of no session (`SessionId::NONE`).
pub fn convert(history: &History, tables: &mut Tables) -> Vec<Logical> {
    let mut created = BTreeSet::new();
    history
        .ops
        .iter()
        .enumerate()
        .filter_map(|(index, op)| convert_op(index, op, tables, &mut created))
        .filter(|op| op.session != SessionId::NONE)
        .collect()
}

fn convert_op(
    index: usize,
    op: &HistoryOp,
    tables: &mut Tables,
    created: &mut BTreeSet<SessionId>,
) -> Option<Logical> {
    let mut session = op.session;
    let (request, output) = match &op.request {
        HistoryRequest::CreateSession => {
            // A failed or unknown creation has no id: nothing can belong to
            // it. A second one with a known id is a reconnection. The id is
            // the one in the reply.
            match &op.outcome {
                Outcome::Ok(OpResult::SessionCreated { session: id, .. })
                    if *id != SessionId::NONE && created.insert(*id) =>
                {
                    session = *id;
                    (ZkRequest::CreateSession, Some(ZkOutput::SessionCreated))
                }
                _ => return None,
            }
        }
        HistoryRequest::CloseSession => {
            let output = match &op.outcome {
                Outcome::Ok(OpResult::SessionClosed) => Some(ZkOutput::SessionClosed),
                Outcome::Ok(other) => Some(mismatched(other)),
                Outcome::Fail(code) => decided(*code).map(ZkOutput::Error),
                Outcome::Unknown => None,
            };
            (ZkRequest::CloseSession, output)
        }
        HistoryRequest::Expiry => (
            ZkRequest::Expiry,
            op.ret_us.is_some().then_some(ZkOutput::Expired),
        ),
        HistoryRequest::Op(client_op) => {
            let request = request_of(client_op, tables);
            let output = match &op.outcome {
                Outcome::Ok(result) => Some(output_of(client_op, result, tables)),
                Outcome::Fail(code) => decided(*code).map(ZkOutput::Error),
                Outcome::Unknown => None,
            }
            .filter(|_| op.ret_us.is_some());
            // A read whose reply is unknown tells nothing.
            if output.is_none() && !client_op.is_write() {
                return None;
            }
            (request, output)
        }
    };
    // A reply without a return time is no reply.
    let output = output.filter(|_| op.ret_us.is_some());
    let ret_us = output.as_ref().and(op.ret_us);
    Some(Logical {
        history_index: index,
        client: op.client,
        session,
        request,
        output,
        call_us: op.call_us,
        ret_us,
    })
}

/// ConnectionLoss says nothing about the outcome: unknown.
fn decided(code: ErrorCode) -> Option<ErrorCode> {
    (code != ErrorCode::ConnectionLoss).then_some(code)
}

fn mismatched(result: &OpResult) -> ZkOutput {
    ZkOutput::Mismatched(format!("{result:?}"))
}

fn request_of(op: &ClientOp, tables: &mut Tables) -> ZkRequest {
    match op {
        ClientOp::Create { path, data, mode } => single(WriteOp::Create {
            path: tables.path(path),
            data: tables.data(data),
            mode: *mode,
        }),
        ClientOp::Delete { path, version } => single(WriteOp::Delete {
            path: tables.path(path),
            version: *version,
        }),
        ClientOp::SetData {
            path,
            data,
            version,
        } => single(WriteOp::SetData {
            path: tables.path(path),
            data: tables.data(data),
            version: *version,
        }),
        ClientOp::Multi(ops) => ZkRequest::Write {
            ops: ops.iter().map(|op| multi_op(op, tables)).collect(),
            multi: true,
        },
        ClientOp::GetData { path, .. } => ZkRequest::GetData {
            path: tables.path(path),
        },
        ClientOp::Exists { path, .. } => ZkRequest::Exists {
            path: tables.path(path),
        },
        ClientOp::GetChildren { path, .. } => ZkRequest::GetChildren {
            path: tables.path(path),
        },
        ClientOp::Sync { path } => ZkRequest::Sync {
            path: tables.path(path),
        },
    }
}

fn single(op: WriteOp) -> ZkRequest {
    ZkRequest::Write {
        ops: vec![op],
        multi: false,
    }
}

fn multi_op(op: &MultiOp, tables: &mut Tables) -> WriteOp {
    match op {
        MultiOp::Create { path, data, mode } => WriteOp::Create {
            path: tables.path(path),
            data: tables.data(data),
            mode: *mode,
        },
        MultiOp::Delete { path, version } => WriteOp::Delete {
            path: tables.path(path),
            version: *version,
        },
        MultiOp::SetData {
            path,
            data,
            version,
        } => WriteOp::SetData {
            path: tables.path(path),
            data: tables.data(data),
            version: *version,
        },
        MultiOp::Check { path, version } => WriteOp::Check {
            path: tables.path(path),
            version: *version,
        },
    }
}

pub fn stat_view(stat: &Stat) -> StatView {
    StatView {
        version: stat.version,
        cversion: stat.cversion,
        data_length: stat.data_length,
        num_children: stat.num_children,
        ephemeral_owner: stat.ephemeral_owner,
    }
}

/// A child's full path, written into `out`; unlike `child_path`, never
/// panics on a bad name (the result is then simply not a child of `parent`).
fn join_into(out: &mut String, parent: &str, name: &str) {
    out.clear();
    if parent != "/" {
        out.push_str(parent);
    }
    out.push('/');
    out.push_str(name);
}

fn output_of(op: &ClientOp, result: &OpResult, tables: &mut Tables) -> ZkOutput {
    let written = |results: Vec<WriteResult>| ZkOutput::Written(results);
    match (op, result) {
        (ClientOp::Create { .. }, OpResult::Created { path, stat }) => {
            written(vec![WriteResult::Created {
                path: tables.path(path),
                stat: stat_view(stat),
            }])
        }
        (ClientOp::Delete { .. }, OpResult::Deleted) => written(vec![WriteResult::Deleted]),
        (ClientOp::SetData { .. }, OpResult::SetData { stat }) => {
            written(vec![WriteResult::SetData {
                stat: stat_view(stat),
            }])
        }
        (ClientOp::Multi(ops), OpResult::Multi(results)) if ops.len() == results.len() => written(
            results
                .iter()
                .map(|result| multi_result(result, tables))
                .collect(),
        ),
        (ClientOp::GetData { .. }, OpResult::GetData { data, stat }) => ZkOutput::GetData {
            data: tables.data(data),
            stat: stat_view(stat),
        },
        (ClientOp::Exists { .. }, OpResult::Exists { stat }) => {
            ZkOutput::Exists(stat.as_ref().map(stat_view))
        }
        (ClientOp::GetChildren { path, .. }, OpResult::GetChildren { children, stat }) => {
            // One buffer for every child's path: a getChildren of a busy
            // parent names hundreds of children.
            let mut child_path = String::new();
            let mut children: Vec<PathId> = children
                .iter()
                .map(|name| {
                    join_into(&mut child_path, path, name);
                    tables.path(&child_path)
                })
                .collect();
            children.sort_unstable();
            ZkOutput::GetChildren {
                children,
                stat: stat_view(stat),
            }
        }
        (ClientOp::Sync { .. }, OpResult::Synced { .. }) => ZkOutput::Synced,
        (_, other) => mismatched(other),
    }
}

fn multi_result(result: &MultiResult, tables: &mut Tables) -> WriteResult {
    match result {
        MultiResult::Created { path, stat } => WriteResult::Created {
            path: tables.path(path),
            stat: stat_view(stat),
        },
        MultiResult::Deleted => WriteResult::Deleted,
        MultiResult::SetData { stat } => WriteResult::SetData {
            stat: stat_view(stat),
        },
        MultiResult::Checked => WriteResult::Checked,
        MultiResult::Error(code) => WriteResult::Error(*code),
    }
}
