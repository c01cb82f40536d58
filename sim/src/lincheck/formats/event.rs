//! One line of a history: a process invoking an operation or learning how it ended.

use super::datum::Datum;
use super::error::FormatError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Invoke,
    /// It happened, with this result.
    Ok,
    /// It did not happen.
    Fail,
    /// Unknown: it may happen at any time after the invocation, or never.
    Info,
}

impl EventKind {
    pub fn from_name(name: &str) -> Option<EventKind> {
        match name {
            "invoke" => Some(EventKind::Invoke),
            "ok" => Some(EventKind::Ok),
            "fail" => Some(EventKind::Fail),
            "info" => Some(EventKind::Info),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Invoke => "invoke",
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            EventKind::Info => "info",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Where it is in the file (1-based).
    pub line: usize,
    pub process: u64,
    pub kind: EventKind,
    /// The operation's name (`read`, `cas`, `append`, `txn`, ...).
    pub f: String,
    pub value: Datum,
    /// Every field of the event by name, `process`, `type`, `f` and `value` included, for models
    /// that read more (`key`, ...).
    pub fields: Vec<(String, Datum)>,
}

impl Event {
    pub fn field(&self, name: &str) -> Option<&Datum> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }
}

/// The event an op map describes, or None when its process is not a client (Jepsen's
/// `:nemesis`: any process that is not an integer).
pub fn event_from_map(datum: &Datum, line: usize) -> Result<Option<Event>, FormatError> {
    let error = |message: String| FormatError::at_line(line, message);
    let fields = fields_of(datum).map_err(error)?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, v)| v)
    };
    let required = |name: &str| get(name).ok_or_else(|| error(format!("missing field `{name}`")));
    let process = match required("process")? {
        Datum::Int(process) => {
            u64::try_from(*process).map_err(|_| error(format!("process {process} is negative")))?
        }
        Datum::Keyword(_) | Datum::Symbol(_) | Datum::Str(_) => return Ok(None),
        other => {
            let message = format!("process must be an integer (a client) or a name, found {other}");
            return Err(error(message));
        }
    };
    let kind = required("type")?;
    let kind = kind
        .as_name()
        .and_then(EventKind::from_name)
        .ok_or_else(|| {
            error(format!(
                "type must be invoke, ok, fail or info, found {kind}"
            ))
        })?;
    let f = required("f")?;
    let f = f
        .as_name()
        .map(str::to_string)
        .ok_or_else(|| error(format!("f must be a name, found {f}")))?;
    let value = get("value").cloned().unwrap_or(Datum::Nil);
    Ok(Some(Event {
        line,
        process,
        kind,
        f,
        value,
        fields,
    }))
}

/// The entries of an op map by name.
fn fields_of(datum: &Datum) -> Result<Vec<(String, Datum)>, String> {
    let Datum::Map(entries) = datum else {
        return Err(format!("expected an operation map, found {}", datum.kind()));
    };
    let mut fields: Vec<(String, Datum)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let Some(name) = key.as_name() else {
            return Err(format!(
                "field names must be keywords or strings, found {key}"
            ));
        };
        if fields.iter().any(|(seen, _)| seen == name) {
            return Err(format!("field `{name}` appears twice"));
        }
        fields.push((name.to_string(), value.clone()));
    }
    Ok(fields)
}
