//! Jepsen's console log, as in Porcupine's etcd files:
//! `INFO  jepsen.util - 3<TAB>:invoke<TAB>:cas<TAB>[3 0]`.
//!
//! A line is an op line when its message (the text after `jepsen.util - `, or the whole line if
//! that tag is absent) is `PROCESS :TYPE :F VALUE` with TYPE one of invoke, ok, fail, info,
//! separated by tabs or spaces; VALUE is EDN. Such a line must parse, or it is an error. Every
//! other line (another logger, a stack trace, a blank line, a message of another shape) is
//! clearly not an op and is counted as ignored. A PROCESS that is a name (`:nemesis`) is not a
//! client; its lines are ignored too.

use super::datum::Datum;
use super::edn::read_one;
use super::error::FormatError;
use super::event::{Event, EventKind};

const TAG: &str = "jepsen.util - ";

#[derive(Debug)]
pub struct LogEvents {
    pub events: Vec<Event>,
    pub ignored_lines: usize,
}

pub fn read_events(text: &str) -> Result<LogEvents, FormatError> {
    let mut events = Vec::new();
    let mut ignored_lines = 0;
    for (index, line) in text.lines().enumerate() {
        match read_line(line, index + 1)? {
            Some(event) => events.push(event),
            None => ignored_lines += 1,
        }
    }
    Ok(LogEvents {
        events,
        ignored_lines,
    })
}

/// Whether the line has the shape of an op line (used to detect the format).
pub fn is_op_line(line: &str) -> bool {
    op_message(line).is_some()
}

/// The message of an op line and its byte offset in the line.
fn op_message(line: &str) -> Option<(&str, usize)> {
    let start = line.find(TAG).map_or(0, |at| at + TAG.len());
    let message = &line[start..];
    let mut words = message.split_whitespace();
    let process = words.next()?;
    let kind = words.next()?.strip_prefix(':')?;
    let process_ok = process.parse::<u64>().is_ok() || process.starts_with(':');
    (process_ok && EventKind::from_name(kind).is_some()).then_some((message, start))
}

fn read_line(line: &str, number: usize) -> Result<Option<Event>, FormatError> {
    let Some((message, offset)) = op_message(line) else {
        return Ok(None);
    };
    let mut rest = message;
    let mut word = || {
        let trimmed = rest.trim_start();
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let (word, tail) = trimmed.split_at(end);
        rest = tail;
        word
    };
    let (process, kind, f) = (word(), word(), word());
    let Ok(process) = process.parse::<u64>() else {
        return Ok(None); // a named process such as :nemesis
    };
    let kind = EventKind::from_name(&kind[1..]).expect("op_message checked the type");
    let Some(f) = f.strip_prefix(':').filter(|f| !f.is_empty()) else {
        return Err(FormatError::at_line(
            number,
            format!(
                "expected the operation as a keyword after :{}, found `{f}`",
                kind.name()
            ),
        ));
    };
    let value_column = offset + (message.len() - rest.len()) + 1;
    let value = if rest.trim().is_empty() {
        Datum::Nil
    } else {
        read_one(rest, number, value_column)?
    };
    Ok(Some(Event {
        line: number,
        process,
        kind,
        f: f.to_string(),
        value: value.clone(),
        fields: vec![("value".to_string(), value)],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tabs_and_spaces_and_ignores_other_lines() {
        let text = "INFO  jepsen.util - 3\t:invoke\t:cas\t[3 0]\n\
                    INFO  jepsen.util - 1   :ok :read  nil\n\
                    INFO  jepsen.core - Worker 2 starting\n\
                    \n\
                    INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n\
                    INFO  jepsen.util - 4\t:info\t:write\t:timed-out\n";
        let log = read_events(text).expect("valid");
        assert_eq!(log.events.len(), 3);
        assert_eq!(log.ignored_lines, 3);
        let first = &log.events[0];
        assert_eq!(
            (first.line, first.process, first.kind),
            (1, 3, EventKind::Invoke)
        );
        assert_eq!(first.f, "cas");
        assert_eq!(first.value, Datum::List(vec![Datum::Int(3), Datum::Int(0)]));
        assert_eq!(log.events[1].value, Datum::Nil);
        assert_eq!(log.events[2].value, Datum::Keyword("timed-out".to_string()));
    }

    #[test]
    fn malformed_op_lines_are_errors() {
        let error = read_events("INFO  jepsen.util - 3\t:invoke\t:cas\t[3 0\n")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "line 1, column 36: `[` is never closed");
        let error = read_events("ok\nINFO  jepsen.util - 3\t:ok\tcas\t[3 0]\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("line 2: expected the operation as a keyword"),
            "{error}"
        );
    }
}
