//! ZooKeeper-ish one-liners for explanations: `setData /k1 "v7" version=3`
//! → `ok version=4`, or `BadVersion`.

use std::fmt::Write;

use zksim_core::ids::SessionId;
use zksim_core::tree::CreateMode;

use super::tables::{DataId, PathId, Tables};
use super::types::{StatView, WriteOp, WriteResult, ZkInput, ZkOutput, ZkRequest};

/// Data longer than this is shown cut.
const DATA_SHOWN_CHARS_MAX: usize = 24;
/// Children beyond this are counted, not listed.
const CHILDREN_SHOWN_MAX: usize = 8;

pub fn input(tables: &Tables, input: &ZkInput) -> String {
    let session = input.session;
    match &input.request {
        ZkRequest::CreateSession => format!("createSession → {session}"),
        ZkRequest::CloseSession => format!("closeSession {session}"),
        ZkRequest::Expiry => format!("expiry of session {session}"),
        ZkRequest::Sync { path } => format!("sync {}", tables.text(*path)),
        ZkRequest::GetData { path } => format!("getData {}", tables.text(*path)),
        ZkRequest::Exists { path } => format!("exists {}", tables.text(*path)),
        ZkRequest::GetChildren { path } => format!("getChildren {}", tables.text(*path)),
        ZkRequest::Write { ops, multi: false } if ops.len() == 1 => {
            write_op(tables, &ops[0], session)
        }
        ZkRequest::Write { ops, .. } => {
            let parts: Vec<String> = ops.iter().map(|op| write_op(tables, op, session)).collect();
            format!("multi [{}]", parts.join("; "))
        }
    }
}

fn write_op(tables: &Tables, op: &WriteOp, session: SessionId) -> String {
    match op {
        WriteOp::Create { path, data, mode } => {
            let owner = if mode.is_ephemeral() {
                format!(" owner={session}")
            } else {
                String::new()
            };
            format!(
                "create {} {} {}{owner}",
                tables.text(*path),
                data_text(tables, *data),
                mode_name(*mode)
            )
        }
        WriteOp::Delete { path, version } => {
            format!("delete {} version={version}", tables.text(*path))
        }
        WriteOp::SetData {
            path,
            data,
            version,
        } => format!(
            "setData {} {} version={version}",
            tables.text(*path),
            data_text(tables, *data)
        ),
        WriteOp::Check { path, version } => {
            format!("check {} version={version}", tables.text(*path))
        }
    }
}

pub fn mode_name(mode: CreateMode) -> &'static str {
    match mode {
        CreateMode::Persistent => "PERSISTENT",
        CreateMode::Ephemeral => "EPHEMERAL",
        CreateMode::PersistentSequential => "PERSISTENT_SEQUENTIAL",
        CreateMode::EphemeralSequential => "EPHEMERAL_SEQUENTIAL",
    }
}

pub fn output(tables: &Tables, output: &ZkOutput) -> String {
    match output {
        ZkOutput::SessionCreated => "ok".to_owned(),
        ZkOutput::SessionClosed => "ok (closed)".to_owned(),
        ZkOutput::Expired => "expired".to_owned(),
        ZkOutput::Synced => "ok".to_owned(),
        ZkOutput::GetData { data, stat } => {
            format!("{} {}", data_text(tables, *data), stat_text(stat))
        }
        ZkOutput::Exists(None) => "null (no node)".to_owned(),
        ZkOutput::Exists(Some(stat)) => stat_text(stat),
        ZkOutput::GetChildren { children, stat } => {
            format!("{} {}", children_text(tables, children), stat_text(stat))
        }
        ZkOutput::Written(results) if results.len() == 1 => result_text(tables, &results[0]),
        ZkOutput::Written(results) => {
            let parts: Vec<String> = results.iter().map(|r| result_text(tables, r)).collect();
            format!("[{}]", parts.join("; "))
        }
        ZkOutput::Error(code) => code.name().to_owned(),
        ZkOutput::Mismatched(reply) => format!("mismatched reply {reply}"),
    }
}

fn result_text(tables: &Tables, result: &WriteResult) -> String {
    match result {
        WriteResult::Created { path, stat } => {
            format!("ok {} {}", tables.text(*path), stat_text(stat))
        }
        WriteResult::Deleted | WriteResult::Checked => "ok".to_owned(),
        WriteResult::SetData { stat } => format!("ok {}", stat_text(stat)),
        WriteResult::Error(code) => code.name().to_owned(),
    }
}

/// `version=4`, then the other judged fields where they are not zero.
pub fn stat_text(stat: &StatView) -> String {
    let mut text = format!("version={}", stat.version);
    if stat.cversion != 0 || stat.num_children != 0 {
        let _ = write!(
            text,
            " cversion={} numChildren={}",
            stat.cversion, stat.num_children
        );
    }
    if stat.ephemeral_owner != SessionId::NONE {
        let _ = write!(text, " ephemeralOwner={}", stat.ephemeral_owner);
    }
    let _ = write!(text, " dataLength={}", stat.data_length);
    text
}

fn children_text(tables: &Tables, children: &[PathId]) -> String {
    let mut names: Vec<&str> = children
        .iter()
        .map(|child| zksim_core::tree::name_of(tables.text(*child)))
        .collect();
    names.sort_unstable();
    let extra = names.len().saturating_sub(CHILDREN_SHOWN_MAX);
    names.truncate(CHILDREN_SHOWN_MAX);
    let mut text = format!("[{}", names.join(", "));
    if extra > 0 {
        let _ = write!(text, ", … +{extra}");
    }
    text.push(']');
    text
}

/// UTF-8 data quoted, anything else as hex; long values cut.
pub fn data_text(tables: &Tables, data: DataId) -> String {
    let bytes = &tables.data_info(data).bytes;
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let shown: String = text.chars().take(DATA_SHOWN_CHARS_MAX).collect();
            if shown.len() < text.len() {
                format!("{shown:?}…({} bytes)", bytes.len())
            } else {
                format!("{shown:?}")
            }
        }
        Err(_) => {
            let shown: String = bytes
                .iter()
                .take(DATA_SHOWN_CHARS_MAX / 2)
                .map(|b| format!("{b:02x}"))
                .collect();
            if bytes.len() > DATA_SHOWN_CHARS_MAX / 2 {
                format!("0x{shown}…({} bytes)", bytes.len())
            } else {
                format!("0x{shown}")
            }
        }
    }
}
