//! Reading a history file: every error names the line and the field.

use serde_json::{Map, Value};

use zksim_core::ids::{SessionId, Zxid};
use zksim_core::request::{ClientOp, MultiOp, MultiResult, OpResult};
use zksim_core::tree::{CreateMode, ErrorCode, Stat};
use zksim_core::watch::{WatchEvent, WatchKind};

use super::HEX_PREFIX;
use crate::history::{History, HistoryOp, HistoryRequest, Outcome, WatchDelivery};
use crate::zkmodel::describe::mode_name;

pub fn history_from_json(text: &str) -> Result<History, String> {
    let mut history = History::default();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_number = number + 1;
        let value: Value = serde_json::from_str(line)
            .map_err(|error| format!("line {line_number}: not JSON: {error}"))?;
        let at = At::root(&value, line_number);
        match at.field("type")?.str()? {
            "op" => {
                if let Some(index) = at.optional("index") {
                    let expected = history.ops.len();
                    if index.u64()? != expected as u64 {
                        return Err(
                            index.error(&format!("op {expected} is numbered {}", index.value))
                        );
                    }
                }
                let op = parse_op(&at)?;
                history.ops.push(op);
            }
            "watch" => history.watches.push(parse_watch(&at)?),
            other => return Err(at.field("type")?.error(&format!("unknown type {other:?}"))),
        }
    }
    Ok(history)
}

/// A value and where it is: the line and the field path, for errors.
struct At<'a> {
    value: &'a Value,
    line: usize,
    path: String,
}

impl<'a> At<'a> {
    fn root(value: &'a Value, line: usize) -> At<'a> {
        At {
            value,
            line,
            path: String::new(),
        }
    }

    fn error(&self, problem: &str) -> String {
        let field = if self.path.is_empty() {
            "the line"
        } else {
            &self.path
        };
        format!("line {}: {field}: {problem}", self.line)
    }

    fn object(&self) -> Result<&'a Map<String, Value>, String> {
        self.value
            .as_object()
            .ok_or_else(|| self.error("expected an object"))
    }

    fn child(&self, name: &str, value: &'a Value) -> At<'a> {
        let path = if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        };
        At {
            value,
            line: self.line,
            path,
        }
    }

    fn field(&self, name: &str) -> Result<At<'a>, String> {
        match self.object()?.get(name) {
            Some(value) => Ok(self.child(name, value)),
            None => Err(self.child(name, &Value::Null).error("missing")),
        }
    }

    /// Missing or null: None.
    fn optional(&self, name: &str) -> Option<At<'a>> {
        let value = self.value.as_object()?.get(name)?;
        (!value.is_null()).then(|| self.child(name, value))
    }

    fn items(&self) -> Result<Vec<At<'a>>, String> {
        let array = self
            .value
            .as_array()
            .ok_or_else(|| self.error("expected an array"))?;
        Ok(array
            .iter()
            .enumerate()
            .map(|(index, value)| At {
                value,
                line: self.line,
                path: format!("{}[{index}]", self.path),
            })
            .collect())
    }

    fn str(&self) -> Result<&'a str, String> {
        self.value
            .as_str()
            .ok_or_else(|| self.error("expected a string"))
    }

    fn bool(&self) -> Result<bool, String> {
        self.value
            .as_bool()
            .ok_or_else(|| self.error("expected true or false"))
    }

    fn u64(&self) -> Result<u64, String> {
        self.value
            .as_u64()
            .ok_or_else(|| self.error("expected a non-negative integer"))
    }

    fn int<T: TryFrom<i64>>(&self, what: &str) -> Result<T, String> {
        self.value
            .as_i64()
            .and_then(|value| T::try_from(value).ok())
            .ok_or_else(|| self.error(&format!("expected an integer ({what})")))
    }

    /// A session id or zxid: "0x1a2b" or a plain number.
    fn id(&self) -> Result<u64, String> {
        if let Some(number) = self.value.as_u64() {
            return Ok(number);
        }
        let text = self
            .str()
            .map_err(|_| self.error("expected \"0x…\" or a number"))?;
        let hex = text
            .strip_prefix("0x")
            .ok_or_else(|| self.error("expected \"0x…\" or a number"))?;
        u64::from_str_radix(hex, 16).map_err(|_| self.error(&format!("bad hex id {text:?}")))
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        let text = self.str()?;
        let Some(hex) = text.strip_prefix(HEX_PREFIX) else {
            return Ok(text.as_bytes().to_vec());
        };
        if hex.len() % 2 != 0 || !hex.is_ascii() {
            return Err(self.error("odd or non-ASCII hex after \"hex:\""));
        }
        (0..hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&hex[at..at + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| self.error("bad hex after \"hex:\""))
    }
}

fn parse_op(at: &At<'_>) -> Result<HistoryOp, String> {
    let call_us = at.field("call_us")?.u64()?;
    let ret_us = match at.optional("ret_us") {
        Some(ret) => {
            let ret_us = ret.u64()?;
            if ret_us < call_us {
                return Err(ret.error(&format!(
                    "returns at {ret_us}, before its call at {call_us}"
                )));
            }
            Some(ret_us)
        }
        None => None,
    };
    let outcome = parse_outcome(&at.field("outcome")?)?;
    if matches!(outcome, Outcome::Unknown) != ret_us.is_none() {
        return Err(at
            .field("outcome")?
            .error("an unknown outcome has no ret_us, a known one has"));
    }
    Ok(HistoryOp {
        client: at.field("client")?.int("client number")?,
        session: SessionId(at.field("session")?.id()?),
        node: at.field("node")?.int("server number")?,
        call_us,
        ret_us,
        request: parse_request(&at.field("request")?)?,
        outcome,
        reply_zxid: match at.optional("reply_zxid") {
            Some(zxid) => Some(Zxid(zxid.id()?)),
            None => None,
        },
    })
}

fn parse_request(at: &At<'_>) -> Result<HistoryRequest, String> {
    let kind = at.field("kind")?;
    Ok(match kind.str()? {
        "createSession" => HistoryRequest::CreateSession,
        "closeSession" => HistoryRequest::CloseSession,
        "expiry" => HistoryRequest::Expiry,
        "multi" => HistoryRequest::Op(ClientOp::Multi(
            at.field("ops")?
                .items()?
                .iter()
                .map(parse_multi_op)
                .collect::<Result<_, _>>()?,
        )),
        "getData" => HistoryRequest::Op(ClientOp::GetData {
            path: path(at)?,
            watch: watch_flag(at)?,
        }),
        "exists" => HistoryRequest::Op(ClientOp::Exists {
            path: path(at)?,
            watch: watch_flag(at)?,
        }),
        "getChildren" => HistoryRequest::Op(ClientOp::GetChildren {
            path: path(at)?,
            watch: watch_flag(at)?,
        }),
        "sync" => HistoryRequest::Op(ClientOp::Sync { path: path(at)? }),
        "create" | "delete" | "setData" => HistoryRequest::Op(match parse_multi_op(at)? {
            MultiOp::Create { path, data, mode } => ClientOp::Create { path, data, mode },
            MultiOp::Delete { path, version } => ClientOp::Delete { path, version },
            MultiOp::SetData {
                path,
                data,
                version,
            } => ClientOp::SetData {
                path,
                data,
                version,
            },
            MultiOp::Check { .. } => unreachable!("kind is create, delete or setData"),
        }),
        other => return Err(kind.error(&format!("unknown request {other:?}"))),
    })
}

fn path(at: &At<'_>) -> Result<String, String> {
    Ok(at.field("path")?.str()?.to_owned())
}

fn watch_flag(at: &At<'_>) -> Result<bool, String> {
    at.optional("watch").map_or(Ok(false), |watch| watch.bool())
}

fn version(at: &At<'_>) -> Result<i32, String> {
    at.field("version")?.int("i32")
}

fn parse_multi_op(at: &At<'_>) -> Result<MultiOp, String> {
    let kind = at.field("kind")?;
    Ok(match kind.str()? {
        "create" => MultiOp::Create {
            path: path(at)?,
            data: at.field("data")?.bytes()?,
            mode: parse_mode(&at.field("mode")?)?,
        },
        "delete" => MultiOp::Delete {
            path: path(at)?,
            version: version(at)?,
        },
        "setData" => MultiOp::SetData {
            path: path(at)?,
            data: at.field("data")?.bytes()?,
            version: version(at)?,
        },
        "check" => MultiOp::Check {
            path: path(at)?,
            version: version(at)?,
        },
        other => return Err(kind.error(&format!("unknown multi op {other:?}"))),
    })
}

fn parse_mode(at: &At<'_>) -> Result<CreateMode, String> {
    let text = at.str()?;
    [
        CreateMode::Persistent,
        CreateMode::Ephemeral,
        CreateMode::PersistentSequential,
        CreateMode::EphemeralSequential,
    ]
    .into_iter()
    .find(|mode| mode_name(*mode) == text)
    .ok_or_else(|| at.error(&format!("unknown create mode {text:?}")))
}

fn parse_error(at: &At<'_>) -> Result<ErrorCode, String> {
    let text = at.str()?;
    ErrorCode::ALL
        .into_iter()
        .find(|code| code.name() == text)
        .ok_or_else(|| at.error(&format!("unknown error code {text:?}")))
}

fn parse_outcome(at: &At<'_>) -> Result<Outcome, String> {
    let status = at.field("status")?;
    Ok(match status.str()? {
        "ok" => Outcome::Ok(parse_result(&at.field("result")?)?),
        "fail" => Outcome::Fail(parse_error(&at.field("error")?)?),
        "unknown" => Outcome::Unknown,
        other => return Err(status.error(&format!("unknown status {other:?}"))),
    })
}

fn parse_stat(at: &At<'_>) -> Result<Stat, String> {
    Ok(Stat {
        czxid: Zxid(at.field("czxid")?.id()?),
        mzxid: Zxid(at.field("mzxid")?.id()?),
        pzxid: Zxid(at.field("pzxid")?.id()?),
        ctime_ms: at.field("ctime_ms")?.u64()?,
        mtime_ms: at.field("mtime_ms")?.u64()?,
        version: at.field("version")?.int("i32")?,
        cversion: at.field("cversion")?.int("i32")?,
        aversion: at.field("aversion")?.int("i32")?,
        ephemeral_owner: SessionId(at.field("ephemeral_owner")?.id()?),
        data_length: at.field("data_length")?.int("u32")?,
        num_children: at.field("num_children")?.int("u32")?,
    })
}

fn parse_result(at: &At<'_>) -> Result<OpResult, String> {
    let kind = at.field("kind")?;
    Ok(match kind.str()? {
        "created" => OpResult::Created {
            path: path(at)?,
            stat: parse_stat(&at.field("stat")?)?,
        },
        "deleted" => OpResult::Deleted,
        "setData" => OpResult::SetData {
            stat: parse_stat(&at.field("stat")?)?,
        },
        "multi" => OpResult::Multi(
            at.field("results")?
                .items()?
                .iter()
                .map(parse_multi_result)
                .collect::<Result<_, _>>()?,
        ),
        "getData" => OpResult::GetData {
            data: at.field("data")?.bytes()?,
            stat: parse_stat(&at.field("stat")?)?,
        },
        "exists" => OpResult::Exists {
            stat: at
                .optional("stat")
                .map(|stat| parse_stat(&stat))
                .transpose()?,
        },
        "getChildren" => OpResult::GetChildren {
            children: at
                .field("children")?
                .items()?
                .iter()
                .map(|child| child.str().map(str::to_owned))
                .collect::<Result<_, _>>()?,
            stat: parse_stat(&at.field("stat")?)?,
        },
        "synced" => OpResult::Synced { path: path(at)? },
        "sessionCreated" => OpResult::SessionCreated {
            session: SessionId(at.field("session")?.id()?),
            timeout_ms: at.field("timeout_ms")?.int("u32")?,
        },
        "watchesSet" => OpResult::WatchesSet,
        "sessionClosed" => OpResult::SessionClosed,
        other => return Err(kind.error(&format!("unknown result {other:?}"))),
    })
}

fn parse_multi_result(at: &At<'_>) -> Result<MultiResult, String> {
    let kind = at.field("kind")?;
    Ok(match kind.str()? {
        "created" => MultiResult::Created {
            path: path(at)?,
            stat: parse_stat(&at.field("stat")?)?,
        },
        "deleted" => MultiResult::Deleted,
        "setData" => MultiResult::SetData {
            stat: parse_stat(&at.field("stat")?)?,
        },
        "checked" => MultiResult::Checked,
        "error" => MultiResult::Error(parse_error(&at.field("error")?)?),
        other => return Err(kind.error(&format!("unknown multi result {other:?}"))),
    })
}

fn parse_watch(at: &At<'_>) -> Result<WatchDelivery, String> {
    let event = at.field("event")?;
    let kind = event.field("kind")?;
    let kind_text = kind.str()?;
    let kind = [
        WatchKind::NodeCreated,
        WatchKind::NodeDeleted,
        WatchKind::NodeDataChanged,
        WatchKind::NodeChildrenChanged,
    ]
    .into_iter()
    .find(|candidate| candidate.name() == kind_text)
    .ok_or_else(|| kind.error(&format!("unknown watch event {kind_text:?}")))?;
    Ok(WatchDelivery {
        client: at.field("client")?.int("client number")?,
        session: SessionId(at.field("session")?.id()?),
        time_us: at.field("time_us")?.u64()?,
        event: WatchEvent {
            kind,
            path: event.field("path")?.str()?.to_owned(),
            zxid: Zxid(event.field("zxid")?.id()?),
        },
    })
}
