//! A key-value store of strings: `:get` (a missing key reads ""), `:put`, `:append`
//! (concatenation). Keys are independent, so each key is a partition. Ops name their key in a
//! `key` field; values are strings.

use super::{invoke_error, operation, result_error};
use crate::lincheck::formats::{Completion, Datum, FormatError, History, RawOp};
use crate::lincheck::model::{Model, Operation};
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvInput {
    Get { key: u32 },
    Put { key: u32, value: String },
    Append { key: u32, value: String },
}

impl KvInput {
    fn key(&self) -> u32 {
        match self {
            KvInput::Get { key } | KvInput::Put { key, .. } | KvInput::Append { key, .. } => *key,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvOutput {
    Value(String),
    Done,
}

/// The values of the keys written so far, sorted by key id; absent keys hold "". Shared, so
/// that a get (which returns the state unchanged) copies nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvState(Rc<Vec<(u32, String)>>);

impl KvState {
    fn get(&self, key: u32) -> &str {
        match self.0.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(at) => &self.0[at].1,
            Err(_) => "",
        }
    }

    /// A copy with `key`'s value replaced by `prefix` (or the current value) followed by
    /// `suffix`, built in one allocation per string.
    fn with(&self, key: u32, prefix: Option<&str>, suffix: &str) -> KvState {
        let mut entries = Vec::with_capacity(self.0.len() + 1);
        let mut written = false;
        for (k, v) in self.0.iter() {
            if *k == key {
                entries.push((key, joined(prefix.unwrap_or(v), suffix)));
                written = true;
            } else {
                entries.push((*k, v.clone()));
            }
        }
        if !written {
            entries.push((key, joined(prefix.unwrap_or(""), suffix)));
            entries.sort_unstable_by_key(|(k, _)| *k);
        }
        KvState(Rc::new(entries))
    }
}

fn joined(prefix: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + suffix.len());
    out.push_str(prefix);
    out.push_str(suffix);
    out
}

#[derive(Clone, Debug)]
pub struct KvModel {
    /// Key names by id.
    pub keys: Vec<String>,
}

pub type KvOperation = Operation<KvInput, KvOutput>;

impl Model for KvModel {
    type State = KvState;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> KvState {
        KvState::default()
    }

    fn step(&self, state: &KvState, input: &KvInput, output: Option<&KvOutput>) -> Option<KvState> {
        match (input, output) {
            (KvInput::Get { .. }, None) => Some(state.clone()),
            (KvInput::Get { key }, Some(KvOutput::Value(value))) => {
                (state.get(*key) == value).then(|| state.clone())
            }
            (KvInput::Put { key, value }, None | Some(KvOutput::Done)) => {
                Some(state.with(*key, Some(""), value))
            }
            (KvInput::Append { key, value }, None | Some(KvOutput::Done)) => {
                Some(state.with(*key, None, value))
            }
            _ => None,
        }
    }

    fn is_read_only(&self, input: &KvInput, _output: Option<&KvOutput>) -> bool {
        matches!(input, KvInput::Get { .. })
    }

    fn partition(&self, ops: &[KvOperation]) -> Vec<Vec<usize>> {
        let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, op) in ops.iter().enumerate() {
            by_key
                .entry(&self.keys[op.input.key() as usize])
                .or_default()
                .push(index);
        }
        by_key.into_values().collect()
    }

    fn partition_name(&self, ops: &[KvOperation], members: &[usize]) -> String {
        match members.first() {
            Some(&first) => format!("key {:?}", self.keys[ops[first].input.key() as usize]),
            None => "empty".to_string(),
        }
    }

    fn describe_input(&self, input: &KvInput) -> String {
        let key = |key: &u32| &self.keys[*key as usize];
        match input {
            KvInput::Get { key: k } => format!("get {:?}", key(k)),
            KvInput::Put { key: k, value } => format!("put {:?} {value:?}", key(k)),
            KvInput::Append { key: k, value } => format!("append {:?} {value:?}", key(k)),
        }
    }

    fn describe_output(&self, output: &KvOutput) -> String {
        match output {
            KvOutput::Value(value) => format!("{value:?}"),
            KvOutput::Done => "ok".to_string(),
        }
    }

    fn state_heap_bytes(&self, state: &KvState) -> u64 {
        let entry = std::mem::size_of::<(u32, String)>();
        state
            .0
            .iter()
            .map(|(_, value)| (entry + value.len()) as u64)
            .sum()
    }
}

/// The model and the operations of `history`.
pub fn from_history(history: &History) -> Result<(KvModel, Vec<KvOperation>), FormatError> {
    let mut key_ids: BTreeMap<String, u32> = BTreeMap::new();
    let mut keys = Vec::new();
    let mut ops = Vec::with_capacity(history.ops.len());
    for raw in &history.ops {
        if !matches!(raw.f(), "get" | "put" | "append") {
            return Err(invoke_error(
                raw,
                "is not a key-value operation (get, put, append)",
            ));
        }
        let name = key_name(raw)?;
        let key = *key_ids.entry(name.clone()).or_insert_with(|| {
            keys.push(name);
            (keys.len() - 1) as u32
        });
        let input = input(raw, key)?;
        let output = match &raw.completion {
            Completion::Ok(event) => output(raw, &input, &event.value)?,
            Completion::Fail(_) => continue, // did not happen
            Completion::Info(_) | Completion::Missing => None,
        };
        ops.push(operation(raw, input, output));
    }
    Ok((KvModel { keys }, ops))
}

fn key_name(raw: &RawOp) -> Result<String, FormatError> {
    match raw.invoke.field("key") {
        Some(Datum::Str(key) | Datum::Keyword(key)) => Ok(key.clone()),
        Some(Datum::Int(key)) => Ok(key.to_string()),
        Some(other) => Err(invoke_error(
            raw,
            format!("needs a string key, found {other}"),
        )),
        None => Err(invoke_error(raw, "needs a `key` field")),
    }
}

fn input(raw: &RawOp, key: u32) -> Result<KvInput, FormatError> {
    let value = || match &raw.invoke.value {
        Datum::Str(value) => Ok(value.clone()),
        other => Err(invoke_error(
            raw,
            format!("needs a string value, found {other}"),
        )),
    };
    match raw.f() {
        "get" => Ok(KvInput::Get { key }),
        "put" => Ok(KvInput::Put {
            key,
            value: value()?,
        }),
        "append" => Ok(KvInput::Append {
            key,
            value: value()?,
        }),
        _ => Err(invoke_error(
            raw,
            "is not a key-value operation (get, put, append)",
        )),
    }
}

fn output(raw: &RawOp, input: &KvInput, value: &Datum) -> Result<Option<KvOutput>, FormatError> {
    match (input, value) {
        (KvInput::Get { .. }, Datum::Str(value)) => Ok(Some(KvOutput::Value(value.clone()))),
        (KvInput::Get { .. }, Datum::Nil) => Ok(None),
        (KvInput::Get { .. }, other) => {
            Err(result_error(raw, format!("read a string, not {other}")))
        }
        _ => Ok(Some(KvOutput::Done)),
    }
}
