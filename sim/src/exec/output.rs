//! What `zksim exec` prints (documented in `docs/EXEC-FORMAT.md`): one JSON
//! object per answered op, carrying what ZooKeeper's client API returns —
//! created paths, full Stats, data, children, multi results, error codes by
//! name — plus the watch events the session received before the reply.
//!
//! Objects are typed structs (not `serde_json::Value`) so that keys come out
//! in a fixed, readable order, the Stat's in ZooKeeper's own field order.

use super::format::{ExecScript, StepLabel};
use crate::world::{ScriptAction, StepResult};
use serde::Serialize;
use zksim_core::request::{ClientOp, MultiOp, MultiResult, OpResult};
use zksim_core::tree::{ErrorCode, Stat};
use zksim_core::watch::WatchEvent;

/// One output line.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    /// The op's position in the script's `ops`.
    pub index: usize,
    pub session: String,
    /// The session's id (hex); null if it never got one.
    pub session_id: Option<String>,
    pub op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The replica that answered.
    pub server: u32,
    /// The zxid in the reply header.
    pub zxid: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watches: Vec<WatchJson>,
}

/// ZooKeeper's Stat, in its field order, zxids and the owner in hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatJson {
    pub czxid: String,
    pub mzxid: String,
    pub ctime: u64,
    pub mtime: u64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: String,
    pub data_length: u32,
    pub num_children: u32,
    pub pzxid: String,
}

impl From<&Stat> for StatJson {
    fn from(stat: &Stat) -> StatJson {
        StatJson {
            czxid: stat.czxid.to_string(),
            mzxid: stat.mzxid.to_string(),
            ctime: stat.ctime_ms,
            mtime: stat.mtime_ms,
            version: stat.version,
            cversion: stat.cversion,
            aversion: stat.aversion,
            ephemeral_owner: stat.ephemeral_owner.to_string(),
            data_length: stat.data_length,
            num_children: stat.num_children,
            pzxid: stat.pzxid.to_string(),
        }
    }
}

/// Data as the script writes it: text when it is UTF-8, else hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DataJson {
    Text(String),
    Hex { hex: String },
}

impl DataJson {
    pub fn of(data: &[u8]) -> DataJson {
        match std::str::from_utf8(data) {
            Ok(text) => DataJson::Text(text.to_string()),
            Err(_) => DataJson::Hex {
                hex: data.iter().map(|byte| format!("{byte:02x}")).collect(),
            },
        }
    }
}

/// An op's result; which fields appear depends on the op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ResultJson {
    /// connect: the negotiated session timeout.
    Connected {
        timeout_ms: u32,
    },
    /// create (the path with its sequence suffix), setData.
    Stat {
        #[serde(skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        stat: StatJson,
    },
    GetData {
        data: DataJson,
        stat: StatJson,
    },
    /// exists: the Stat, or null for a missing node.
    Exists {
        stat: Option<StatJson>,
    },
    /// getChildren: names sorted (ZooKeeper leaves their order unspecified).
    GetChildren {
        children: Vec<String>,
        stat: StatJson,
    },
    Synced {
        path: String,
    },
    Multi {
        results: Vec<SubResultJson>,
    },
    /// close, delete.
    Empty {},
}

/// One multi sub-op's result: ZooKeeper's CreateResult, DeleteResult,
/// SetDataResult, CheckResult or ErrorResult.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubResultJson {
    pub op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stat: Option<StatJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
}

/// A watch event as ZooKeeper's WatchedEvent reports it (with its zxid).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WatchJson {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub path: String,
    pub zxid: String,
}

impl From<&WatchEvent> for WatchJson {
    fn from(event: &WatchEvent) -> WatchJson {
        WatchJson {
            kind: event.kind.name(),
            path: event.path.clone(),
            zxid: event.zxid.to_string(),
        }
    }
}

/// The output lines of the answered steps, in order.
pub fn lines(script: &ExecScript, results: &[StepResult]) -> Vec<Line> {
    assert!(
        results.len() <= script.labels.len(),
        "a result per step at most"
    );
    results
        .iter()
        .enumerate()
        .map(|(index, result)| {
            let action = &script.script.steps[index].action;
            line(index, &script.labels[index], action, result)
        })
        .collect()
}

fn line(index: usize, label: &StepLabel, action: &ScriptAction, result: &StepResult) -> Line {
    let (error, rendered) = match &result.outcome {
        Ok(value) => (multi_error(value), Some(result_json(action, value))),
        Err(code) => (Some(*code), None),
    };
    Line {
        index,
        session: label.session.clone(),
        session_id: result.session.map(|session| session.to_string()),
        op: label.op,
        path: label.path.clone(),
        server: result.server,
        zxid: result.zxid.to_string(),
        ok: error.is_none(),
        error: error.map(ErrorCode::name),
        code: error.map(ErrorCode::code),
        result: rendered,
        watches: result.watches.iter().map(WatchJson::from).collect(),
    }
}

/// A failed multi's error, as ZooKeeper's client throws it: the first
/// sub-op's error that is not `Ok`.
fn multi_error(value: &OpResult) -> Option<ErrorCode> {
    let OpResult::Multi(results) = value else {
        return None;
    };
    results.iter().find_map(|result| match result {
        MultiResult::Error(ErrorCode::Ok) => None,
        MultiResult::Error(code) => Some(*code),
        _ => None,
    })
}

fn result_json(action: &ScriptAction, value: &OpResult) -> ResultJson {
    match value {
        OpResult::SessionCreated { timeout_ms, .. } => ResultJson::Connected {
            timeout_ms: *timeout_ms,
        },
        OpResult::Created { path, stat } => ResultJson::Stat {
            path: Some(path.clone()),
            stat: stat.into(),
        },
        OpResult::SetData { stat } => ResultJson::Stat {
            path: None,
            stat: stat.into(),
        },
        OpResult::GetData { data, stat } => ResultJson::GetData {
            data: DataJson::of(data),
            stat: stat.into(),
        },
        OpResult::Exists { stat } => ResultJson::Exists {
            stat: stat.as_ref().map(StatJson::from),
        },
        OpResult::GetChildren { children, stat } => {
            let mut children = children.clone();
            children.sort();
            ResultJson::GetChildren {
                children,
                stat: stat.into(),
            }
        }
        OpResult::Synced { path } => ResultJson::Synced { path: path.clone() },
        OpResult::Multi(results) => {
            let ScriptAction::Op(ClientOp::Multi(ops)) = action else {
                panic!("a multi result answers a multi, not {action:?}");
            };
            assert_eq!(ops.len(), results.len(), "one result per sub-op");
            let results = ops.iter().zip(results).map(sub_result).collect();
            ResultJson::Multi { results }
        }
        OpResult::Deleted | OpResult::SessionClosed | OpResult::WatchesSet => ResultJson::Empty {},
    }
}

fn sub_result((op, result): (&MultiOp, &MultiResult)) -> SubResultJson {
    let name = match op {
        MultiOp::Create { .. } => "create",
        MultiOp::Delete { .. } => "delete",
        MultiOp::SetData { .. } => "setData",
        MultiOp::Check { .. } => "check",
    };
    let mut json = SubResultJson {
        op: name,
        path: None,
        stat: None,
        error: None,
        code: None,
    };
    match result {
        MultiResult::Created { path, stat } => {
            json.path = Some(path.clone());
            json.stat = Some(stat.into());
        }
        MultiResult::SetData { stat } => json.stat = Some(stat.into()),
        MultiResult::Deleted | MultiResult::Checked => {}
        MultiResult::Error(code) => {
            json.error = Some(code.name());
            json.code = Some(code.code());
        }
    }
    json
}

/// The lines as JSON lines (one compact object per line), or with `pretty`
/// as one indented array; either way ending in a newline.
pub fn render(lines: &[Line], pretty: bool) -> String {
    if pretty {
        let mut text = serde_json::to_string_pretty(lines).expect("serializable");
        text.push('\n');
        return text;
    }
    lines
        .iter()
        .map(|line| serde_json::to_string(line).expect("serializable") + "\n")
        .collect()
}
