//! The script file of `zksim exec` (documented in `docs/EXEC-FORMAT.md`):
//! parsing, validation, and resolving named sessions to clients.
//!
//! The JSON is read into a `serde_json::Value` and walked by hand rather than
//! derived, so that every error names the exact field (`ops[3].version`) and
//! says what was expected there. Nothing here panics on any input.

use crate::scenario::MAX_NODES;
use crate::world::{Script, ScriptAction, ScriptStep};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use zksim_core::request::{ClientOp, MultiOp};
use zksim_core::tree::{validate_path, CreateMode};

/// The ensemble size when the file gives none.
pub const DEFAULT_ENSEMBLE: u32 = 3;

/// Fields every top-level op may have besides its own.
const COMMON_FIELDS: [&str; 3] = ["session", "op", "server"];

/// The top-level ops, in the order the documentation lists them.
const OPS: [&str; 10] = [
    "connect",
    "close",
    "create",
    "setData",
    "delete",
    "getData",
    "exists",
    "getChildren",
    "multi",
    "sync",
];

/// The ops a multi may hold.
const MULTI_OPS: [&str; 4] = ["create", "setData", "delete", "check"];

/// A script that failed to parse or validate: `field` is the full path of
/// the offending field (`ops[3].version`), empty for the document itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for FormatError {}

fn error<T>(field: &str, message: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError {
        field: field.to_string(),
        message: message.into(),
    })
}

/// How an output line names its op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepLabel {
    /// The session's name in the file.
    pub session: String,
    /// The op as the file spells it (`getData`).
    pub op: &'static str,
    /// The path the op was given, if it takes one.
    pub path: Option<String>,
}

/// A validated script: what to run, and the labels of its output lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecScript {
    pub ensemble: u32,
    pub script: Script,
    /// One per step, in order.
    pub labels: Vec<StepLabel>,
}

/// Parses and validates a script file's text.
pub fn parse(text: &str) -> Result<ExecScript, FormatError> {
    let document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(e) => return error("", format!("invalid JSON: {e}")),
    };
    let (ensemble, ops) = match &document {
        Value::Array(ops) => (DEFAULT_ENSEMBLE, ops),
        Value::Object(map) => top_level(map)?,
        _ => return error("", "expected an object with \"ops\", or an array of ops"),
    };
    let mut sessions = Sessions::new(ensemble);
    let mut steps = Vec::with_capacity(ops.len());
    let mut labels = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let parsed = parse_op(&format!("ops[{index}]"), op, ensemble)?;
        steps.push(sessions.resolve(index, &parsed)?);
        labels.push(StepLabel {
            session: parsed.session,
            op: parsed.op,
            path: parsed.path,
        });
    }
    let script = Script {
        clients: sessions.clients,
        steps,
    };
    Ok(ExecScript {
        ensemble,
        script,
        labels,
    })
}

fn top_level(map: &Map<String, Value>) -> Result<(u32, &Vec<Value>), FormatError> {
    if let Some(key) = map
        .keys()
        .find(|key| !["ensemble", "ops"].contains(&key.as_str()))
    {
        return error(key, "unknown field; a script has \"ensemble\" and \"ops\"");
    }
    let ensemble = match map.get("ensemble") {
        None => DEFAULT_ENSEMBLE,
        Some(value) => integer("ensemble", value, 1, i64::from(MAX_NODES))? as u32,
    };
    match map.get("ops") {
        None => error("ops", "missing (the list of operations)"),
        Some(Value::Array(ops)) => Ok((ensemble, ops)),
        Some(_) => error("ops", "expected an array of operations"),
    }
}

/// One top-level op as written, before sessions are resolved.
struct ParsedOp {
    session: String,
    op: &'static str,
    server: Option<u32>,
    path: Option<String>,
    action: ScriptAction,
}

fn parse_op(at: &str, value: &Value, ensemble: u32) -> Result<ParsedOp, FormatError> {
    let fields = Fields::new(at, value)?;
    let op = fields.op_name(&OPS)?;
    fields.only(op, &COMMON_FIELDS, own_fields(op))?;
    let session = match fields.map.get("session") {
        None => {
            return error(
                &fields.name("session"),
                "missing (name the session, e.g. \"a\")",
            )
        }
        Some(Value::String(name)) if !name.is_empty() => name.clone(),
        Some(_) => return error(&fields.name("session"), "expected a non-empty string"),
    };
    let server = match fields.map.get("server") {
        None => None,
        Some(value) => {
            let top = i64::from(ensemble) - 1;
            let message = format!("expected a replica number from 0 to {top}");
            let Some(node) = value.as_i64().filter(|node| (0..=top).contains(node)) else {
                return error(&fields.name("server"), message);
            };
            Some(node as u32)
        }
    };
    let action = match op {
        "connect" => ScriptAction::Connect,
        "close" => ScriptAction::Close,
        "multi" => ScriptAction::Op(ClientOp::Multi(multi_ops(&fields)?)),
        _ => ScriptAction::Op(client_op(&fields, op)?),
    };
    let path = match &action {
        ScriptAction::Op(op) => op_path(op).map(str::to_string),
        ScriptAction::Connect | ScriptAction::Close => None,
    };
    Ok(ParsedOp {
        session,
        op,
        server,
        path,
        action,
    })
}

/// The path an op was given (a multi has one per sub-op, none of its own).
fn op_path(op: &ClientOp) -> Option<&str> {
    match op {
        ClientOp::Create { path, .. }
        | ClientOp::Delete { path, .. }
        | ClientOp::SetData { path, .. }
        | ClientOp::GetData { path, .. }
        | ClientOp::Exists { path, .. }
        | ClientOp::GetChildren { path, .. }
        | ClientOp::Sync { path } => Some(path),
        ClientOp::Multi(_) => None,
    }
}

/// The fields an op takes besides `session`, `op` and `server`.
fn own_fields(op: &str) -> &'static [&'static str] {
    match op {
        "create" => &["path", "data", "mode"],
        "setData" => &["path", "data", "version"],
        "delete" | "check" => &["path", "version"],
        "getData" | "exists" | "getChildren" => &["path", "watch"],
        "sync" => &["path"],
        "multi" => &["ops"],
        _ => &[],
    }
}

/// A single (non-multi) data-tree op.
fn client_op(fields: &Fields<'_>, op: &str) -> Result<ClientOp, FormatError> {
    Ok(match op {
        "create" => {
            let mode = fields.mode()?;
            ClientOp::Create {
                path: fields.path(mode.is_sequential())?,
                data: fields.data()?,
                mode,
            }
        }
        "setData" => ClientOp::SetData {
            path: fields.path(false)?,
            data: fields.data()?,
            version: fields.version()?,
        },
        "delete" => ClientOp::Delete {
            path: fields.path(false)?,
            version: fields.version()?,
        },
        "getData" => ClientOp::GetData {
            path: fields.path(false)?,
            watch: fields.watch()?,
        },
        "exists" => ClientOp::Exists {
            path: fields.path(false)?,
            watch: fields.watch()?,
        },
        "getChildren" => ClientOp::GetChildren {
            path: fields.path(false)?,
            watch: fields.watch()?,
        },
        "sync" => ClientOp::Sync {
            path: fields.path(false)?,
        },
        _ => unreachable!("op names are checked against OPS"),
    })
}

fn multi_ops(fields: &Fields<'_>) -> Result<Vec<MultiOp>, FormatError> {
    let at = fields.name("ops");
    let Some(value) = fields.map.get("ops") else {
        return error(&at, "missing (the operations of the multi)");
    };
    let Value::Array(ops) = value else {
        return error(&at, "expected an array of operations");
    };
    let mut parsed = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let sub_at = format!("{at}[{index}]");
        let sub = Fields::new(&sub_at, op)?;
        let name = sub.op_name(&MULTI_OPS)?;
        sub.only(name, &["op"], own_fields(name))?;
        parsed.push(match name {
            "create" => {
                let mode = sub.mode()?;
                MultiOp::Create {
                    path: sub.path(mode.is_sequential())?,
                    data: sub.data()?,
                    mode,
                }
            }
            "setData" => MultiOp::SetData {
                path: sub.path(false)?,
                data: sub.data()?,
                version: sub.version()?,
            },
            "delete" => MultiOp::Delete {
                path: sub.path(false)?,
                version: sub.version()?,
            },
            "check" => MultiOp::Check {
                path: sub.path(false)?,
                version: sub.version()?,
            },
            _ => unreachable!("op names are checked against MULTI_OPS"),
        });
    }
    Ok(parsed)
}

/// An op's JSON object, with its location for error messages.
struct Fields<'a> {
    at: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(at: &'a str, value: &'a Value) -> Result<Fields<'a>, FormatError> {
        match value {
            Value::Object(map) => Ok(Fields { at, map }),
            _ => error(at, "expected an object such as {\"session\": \"a\", \"op\": \"create\", \"path\": \"/x\"}"),
        }
    }

    fn name(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    /// The `op` field, one of `known`.
    fn op_name(&self, known: &[&'static str]) -> Result<&'static str, FormatError> {
        let at = self.name("op");
        let expected = format!("expected one of {}", known.join(", "));
        match self.map.get("op") {
            None => error(&at, format!("missing; {expected}")),
            Some(Value::String(name)) => match known.iter().find(|known| *known == name) {
                Some(op) => Ok(op),
                None => error(&at, format!("unknown op \"{name}\"; {expected}")),
            },
            Some(_) => error(&at, format!("expected a string; {expected}")),
        }
    }

    /// Rejects any field but `common` and `own`.
    fn only(&self, op: &str, common: &[&str], own: &[&str]) -> Result<(), FormatError> {
        let allowed = || common.iter().chain(own);
        let Some(key) = self.map.keys().find(|key| !allowed().any(|a| a == key)) else {
            return Ok(());
        };
        let takes: Vec<&str> = allowed().copied().collect();
        error(
            &self.name(key),
            format!("unknown field; {op} takes {}", takes.join(", ")),
        )
    }

    /// The `path`; a sequential create's may end in `/` (the suffix follows).
    fn path(&self, sequential: bool) -> Result<String, FormatError> {
        let at = self.name("path");
        let path = match self.map.get("path") {
            None => return error(&at, "missing"),
            Some(Value::String(path)) => path,
            Some(_) => return error(&at, "expected a string"),
        };
        // As ZooKeeper's client checks it: with the suffix a sequential create adds.
        let full = if sequential {
            format!("{path}0000000000")
        } else {
            path.clone()
        };
        match validate_path(&full) {
            Ok(()) => Ok(path.clone()),
            Err(rule) => error(&at, format!("invalid path \"{path}\": {rule}")),
        }
    }

    /// The `data`: text (its UTF-8 bytes) or `{"hex": "..."}`; empty if absent.
    fn data(&self) -> Result<Vec<u8>, FormatError> {
        let at = self.name("data");
        match self.map.get("data") {
            None => Ok(Vec::new()),
            Some(Value::String(text)) => Ok(text.as_bytes().to_vec()),
            Some(Value::Object(map)) if map.len() == 1 && map.contains_key("hex") => {
                let at = format!("{at}.hex");
                match &map["hex"] {
                    Value::String(hex) => {
                        decode_hex(hex).map_err(|message| FormatError { field: at, message })
                    }
                    _ => error(&at, "expected a string of hex digits"),
                }
            }
            Some(_) => error(&at, "expected a string (UTF-8) or {\"hex\": \"00ff\"}"),
        }
    }

    /// The expected `version`: -1 (any, the default) or a version number.
    fn version(&self) -> Result<i32, FormatError> {
        match self.map.get("version") {
            None => Ok(-1),
            Some(value) => {
                integer(&self.name("version"), value, -1, i64::from(i32::MAX)).map(|v| v as i32)
            }
        }
    }

    fn watch(&self) -> Result<bool, FormatError> {
        match self.map.get("watch") {
            None => Ok(false),
            Some(Value::Bool(watch)) => Ok(*watch),
            Some(_) => error(&self.name("watch"), "expected true or false"),
        }
    }

    fn mode(&self) -> Result<CreateMode, FormatError> {
        let at = self.name("mode");
        let expected =
            "expected persistent, ephemeral, persistent-sequential or ephemeral-sequential";
        match self.map.get("mode") {
            None => Ok(CreateMode::Persistent),
            Some(Value::String(mode)) => match mode.as_str() {
                "persistent" => Ok(CreateMode::Persistent),
                "ephemeral" => Ok(CreateMode::Ephemeral),
                "persistent-sequential" => Ok(CreateMode::PersistentSequential),
                "ephemeral-sequential" => Ok(CreateMode::EphemeralSequential),
                _ => error(&at, format!("unknown mode \"{mode}\"; {expected}")),
            },
            Some(_) => error(&at, expected),
        }
    }
}

/// An integer field within `[low, high]`.
fn integer(at: &str, value: &Value, low: i64, high: i64) -> Result<i64, FormatError> {
    match value.as_i64() {
        Some(n) if (low..=high).contains(&n) => Ok(n),
        Some(_) => error(at, format!("expected an integer from {low} to {high}")),
        None => error(at, "expected an integer"),
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let chars: Vec<char> = hex.chars().collect();
    if !chars.len().is_multiple_of(2) {
        return Err("expected an even number of hex digits".into());
    }
    let digit = |c: char| {
        c.to_digit(16)
            .ok_or_else(|| format!("'{c}' is not a hex digit"))
    };
    chars
        .chunks(2)
        .map(|pair| Ok((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

/// Where a named session stands at a point of the script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SessionState {
    /// Its client has not connected yet.
    New,
    /// Open since the op with this index.
    Open(usize),
    /// Closed by the op with this index.
    Closed(usize),
}

#[derive(Debug)]
struct NamedSession {
    client: usize,
    /// The replica its next connect goes to.
    server: u32,
    state: SessionState,
}

/// Named sessions resolved to clients: one client per session opened, since
/// a closed session's client is done (a new connect opens a new session).
struct Sessions {
    ensemble: u32,
    by_name: BTreeMap<String, NamedSession>,
    clients: usize,
}

impl Sessions {
    fn new(ensemble: u32) -> Sessions {
        Sessions {
            ensemble,
            by_name: BTreeMap::new(),
            clients: 0,
        }
    }

    fn resolve(&mut self, index: usize, op: &ParsedOp) -> Result<ScriptStep, FormatError> {
        let at = format!("ops[{index}]");
        if !self.by_name.contains_key(&op.session) {
            // The n-th session named starts on replica n modulo the ensemble.
            let server = self.by_name.len() as u32 % self.ensemble;
            let session = self.new_client(server);
            self.by_name.insert(op.session.clone(), session);
        }
        let clients = &mut self.clients;
        let session = self.by_name.get_mut(&op.session).expect("inserted");
        let name = &op.session;
        session.server = op.server.unwrap_or(session.server);
        session.state = match (session.state, &op.action) {
            (SessionState::Open(by), ScriptAction::Connect) => {
                let message = format!("session \"{name}\" is already open (since ops[{by}])");
                return error(&at, message);
            }
            (SessionState::Closed(_), ScriptAction::Connect) => {
                session.client = *clients;
                *clients += 1;
                SessionState::Open(index)
            }
            (SessionState::New, ScriptAction::Close) => {
                return error(&at, format!("session \"{name}\" is not open"));
            }
            (SessionState::Open(_), ScriptAction::Close) => SessionState::Closed(index),
            (SessionState::Closed(by), _) => {
                let message = format!(
                    "session \"{name}\" was closed by ops[{by}]; \
                     {{\"session\": \"{name}\", \"op\": \"connect\"}} opens a new one"
                );
                return error(&at, message);
            }
            (SessionState::New, _) => SessionState::Open(index),
            (SessionState::Open(by), _) => SessionState::Open(by),
        };
        assert!(session.server < self.ensemble, "validated replica");
        Ok(ScriptStep {
            client: session.client,
            server: session.server,
            action: op.action.clone(),
        })
    }

    fn new_client(&mut self, server: u32) -> NamedSession {
        self.clients += 1;
        NamedSession {
            client: self.clients - 1,
            server,
            state: SessionState::New,
        }
    }
}
