//! Writing a history file.

use serde_json::{json, Value};

use zksim_core::request::{ClientOp, MultiOp, MultiResult, OpResult};
use zksim_core::tree::Stat;

use super::HEX_PREFIX;
use crate::history::{History, HistoryOp, HistoryRequest, Outcome, WatchDelivery};
use crate::zkmodel::describe::mode_name;

pub fn history_to_json(history: &History) -> String {
    let mut text = String::new();
    for (index, op) in history.ops.iter().enumerate() {
        text.push_str(&op_json(index, op).to_string());
        text.push('\n');
    }
    for watch in &history.watches {
        text.push_str(&watch_json(watch).to_string());
        text.push('\n');
    }
    text
}

fn hex_id(value: u64) -> Value {
    Value::String(format!("0x{value:x}"))
}

fn data_json(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.starts_with(HEX_PREFIX) => Value::String(text.to_owned()),
        _ => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            Value::String(format!("{HEX_PREFIX}{hex}"))
        }
    }
}

fn op_json(index: usize, op: &HistoryOp) -> Value {
    json!({
        "type": "op",
        "index": index,
        "client": op.client,
        "session": hex_id(op.session.0),
        "node": op.node,
        "call_us": op.call_us,
        "ret_us": op.ret_us,
        "request": request_json(&op.request),
        "outcome": outcome_json(&op.outcome),
        "reply_zxid": op.reply_zxid.map(|zxid| hex_id(zxid.0)),
    })
}

fn request_json(request: &HistoryRequest) -> Value {
    match request {
        HistoryRequest::CreateSession => json!({"kind": "createSession"}),
        HistoryRequest::CloseSession => json!({"kind": "closeSession"}),
        HistoryRequest::Expiry => json!({"kind": "expiry"}),
        HistoryRequest::Op(op) => client_op_json(op),
    }
}

fn client_op_json(op: &ClientOp) -> Value {
    match op {
        ClientOp::Create { path, data, mode } => {
            json!({"kind": "create", "path": path, "data": data_json(data), "mode": mode_name(*mode)})
        }
        ClientOp::Delete { path, version } => {
            json!({"kind": "delete", "path": path, "version": version})
        }
        ClientOp::SetData {
            path,
            data,
            version,
        } => json!({"kind": "setData", "path": path, "data": data_json(data), "version": version}),
        ClientOp::Multi(ops) => {
            json!({"kind": "multi", "ops": ops.iter().map(multi_op_json).collect::<Vec<_>>()})
        }
        ClientOp::GetData { path, watch } => {
            json!({"kind": "getData", "path": path, "watch": watch})
        }
        ClientOp::Exists { path, watch } => json!({"kind": "exists", "path": path, "watch": watch}),
        ClientOp::GetChildren { path, watch } => {
            json!({"kind": "getChildren", "path": path, "watch": watch})
        }
        ClientOp::Sync { path } => json!({"kind": "sync", "path": path}),
    }
}

fn multi_op_json(op: &MultiOp) -> Value {
    match op {
        MultiOp::Create { path, data, mode } => {
            json!({"kind": "create", "path": path, "data": data_json(data), "mode": mode_name(*mode)})
        }
        MultiOp::Delete { path, version } => {
            json!({"kind": "delete", "path": path, "version": version})
        }
        MultiOp::SetData {
            path,
            data,
            version,
        } => json!({"kind": "setData", "path": path, "data": data_json(data), "version": version}),
        MultiOp::Check { path, version } => {
            json!({"kind": "check", "path": path, "version": version})
        }
    }
}

fn outcome_json(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Ok(result) => json!({"status": "ok", "result": result_json(result)}),
        Outcome::Fail(code) => json!({"status": "fail", "error": code.name()}),
        Outcome::Unknown => json!({"status": "unknown"}),
    }
}

fn stat_json(stat: &Stat) -> Value {
    json!({
        "czxid": hex_id(stat.czxid.0),
        "mzxid": hex_id(stat.mzxid.0),
        "pzxid": hex_id(stat.pzxid.0),
        "ctime_ms": stat.ctime_ms,
        "mtime_ms": stat.mtime_ms,
        "version": stat.version,
        "cversion": stat.cversion,
        "aversion": stat.aversion,
        "ephemeral_owner": hex_id(stat.ephemeral_owner.0),
        "data_length": stat.data_length,
        "num_children": stat.num_children,
    })
}

fn result_json(result: &OpResult) -> Value {
    match result {
        OpResult::Created { path, stat } => {
            json!({"kind": "created", "path": path, "stat": stat_json(stat)})
        }
        OpResult::Deleted => json!({"kind": "deleted"}),
        OpResult::SetData { stat } => json!({"kind": "setData", "stat": stat_json(stat)}),
        OpResult::Multi(results) => {
            json!({"kind": "multi", "results": results.iter().map(multi_result_json).collect::<Vec<_>>()})
        }
        OpResult::GetData { data, stat } => {
            json!({"kind": "getData", "data": data_json(data), "stat": stat_json(stat)})
        }
        OpResult::Exists { stat } => {
            json!({"kind": "exists", "stat": stat.as_ref().map(stat_json)})
        }
        OpResult::GetChildren { children, stat } => {
            json!({"kind": "getChildren", "children": children, "stat": stat_json(stat)})
        }
        OpResult::Synced { path } => json!({"kind": "synced", "path": path}),
        OpResult::SessionCreated {
            session,
            timeout_ms,
        } => {
            json!({"kind": "sessionCreated", "session": hex_id(session.0), "timeout_ms": timeout_ms})
        }
        OpResult::WatchesSet => json!({"kind": "watchesSet"}),
        OpResult::SessionClosed => json!({"kind": "sessionClosed"}),
    }
}

fn multi_result_json(result: &MultiResult) -> Value {
    match result {
        MultiResult::Created { path, stat } => {
            json!({"kind": "created", "path": path, "stat": stat_json(stat)})
        }
        MultiResult::Deleted => json!({"kind": "deleted"}),
        MultiResult::SetData { stat } => json!({"kind": "setData", "stat": stat_json(stat)}),
        MultiResult::Checked => json!({"kind": "checked"}),
        MultiResult::Error(code) => json!({"kind": "error", "error": code.name()}),
    }
}

fn watch_json(watch: &WatchDelivery) -> Value {
    json!({
        "type": "watch",
        "client": watch.client,
        "session": hex_id(watch.session.0),
        "time_us": watch.time_us,
        "event": {
            "kind": watch.event.kind.name(),
            "path": watch.event.path,
            "zxid": hex_id(watch.event.zxid.0),
        },
    })
}
