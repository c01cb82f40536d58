//! History files: Jepsen EDN (one vector of op maps, or one map per line), Jepsen console logs,
//! and JSON (docs/HISTORY-FORMAT.md). Each is read into events, and the events are paired into
//! operations ([`RawOp`]) that a model then interprets. Malformed input is an error naming the
//! line, never a panic.

pub mod datum;
pub mod edn;
pub mod error;
pub mod event;
pub mod jepsen_log;
pub mod json;
pub mod pairing;

pub use datum::Datum;
pub use error::FormatError;
pub use event::{Event, EventKind};
pub use pairing::{Completion, RawOp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Edn,
    JepsenLog,
    Json,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Edn => "edn",
            Format::JepsenLog => "jepsen-log",
            Format::Json => "json",
        }
    }
}

/// A history file, read and paired.
#[derive(Clone, Debug)]
pub struct History {
    pub format: Format,
    /// The format and its shape, for reports ("edn (one vector)", ...).
    pub description: String,
    pub ops: Vec<RawOp>,
    /// Events of processes that are not clients (`:nemesis`) and, in logs, lines that are not
    /// op lines.
    pub ignored: usize,
}

/// Reads a history in `format`, or in the format detected from its content.
pub fn read_history(text: &str, format: Option<Format>) -> Result<History, FormatError> {
    let format = match format {
        Some(format) => format,
        None => detect(text)?,
    };
    let (events, ignored, description) = match format {
        Format::Edn => {
            let (shape, items) = edn::read_items(text)?;
            let description = match shape {
                edn::Shape::Vector => "edn (one vector of op maps)",
                edn::Shape::Lines => "edn (one op map per line)",
            };
            let (events, ignored) =
                events_of(items.into_iter().map(|form| (form.datum, form.line)))?;
            (events, ignored, description)
        }
        Format::Json => {
            let (events, ignored) = events_of(json::read_values(text)?)?;
            (events, ignored, "json")
        }
        Format::JepsenLog => {
            let log = jepsen_log::read_events(text)?;
            (log.events, log.ignored_lines, "jepsen-log")
        }
    };
    Ok(History {
        format,
        description: description.to_string(),
        ops: pairing::pair(events)?,
        ignored,
    })
}

/// The client events of op maps, and how many were not client events.
fn events_of(
    items: impl IntoIterator<Item = (Datum, usize)>,
) -> Result<(Vec<Event>, usize), FormatError> {
    let mut events = Vec::new();
    let mut ignored = 0;
    for (datum, line) in items {
        match event::event_from_map(&datum, line)? {
            Some(event) => events.push(event),
            None => ignored += 1,
        }
    }
    Ok((events, ignored))
}

/// The format, from the first significant characters: `{"` or `[{"` is JSON, `{:`, `[{:`, `(`
/// is EDN, a Jepsen op line among the first lines is a log. An empty file reads as EDN.
pub fn detect(text: &str) -> Result<Format, FormatError> {
    let significant: Vec<char> = significant_chars(text).take(4).collect();
    match significant.as_slice() {
        [] => return Ok(Format::Edn),
        ['{', '"', ..] | ['[', '{', '"', ..] => return Ok(Format::Json),
        ['{', ..] | ['(', ..] | ['[', ..] => return Ok(Format::Edn),
        _ => {}
    }
    const LINES_LOOKED_AT: usize = 50;
    if text
        .lines()
        .take(LINES_LOOKED_AT)
        .any(jepsen_log::is_op_line)
    {
        return Ok(Format::JepsenLog);
    }
    Err(FormatError::at_line(
        0,
        "cannot tell the history's format (EDN, a Jepsen log or JSON); name it with --format",
    ))
}

/// Characters other than whitespace, commas and `;` comments.
fn significant_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut in_comment = false;
    text.chars().filter(move |&c| {
        if in_comment {
            in_comment = c != '\n';
            return false;
        }
        if c == ';' {
            in_comment = true;
            return false;
        }
        !c.is_whitespace() && c != ','
    })
}

#[cfg(test)]
mod tests;
