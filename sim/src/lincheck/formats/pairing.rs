//! Pairs each process's invocation with how it ended, into operations.
//!
//! Time is the position of an event among the client events of the file (0, 1, 2, ...): Jepsen
//! writes a history in the order it observed the events, and that order is what real time
//! means here. `:time` fields are not used for ordering (in knossos's samples they can disagree
//! with the file's order).

use super::error::FormatError;
use super::event::{Event, EventKind};
use std::collections::BTreeMap;

/// How an invoked operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    Ok(Event),
    Fail(Event),
    Info(Event),
    /// The history ends with the operation still open: as `Info`.
    Missing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawOp {
    pub process: u64,
    pub invoke: Event,
    pub completion: Completion,
    /// Positions of the invocation and of the completion among the client events.
    pub call: u64,
    pub ret: Option<u64>,
}

impl RawOp {
    pub fn f(&self) -> &str {
        &self.invoke.f
    }

    /// The `ok` completion, if the operation is known to have happened.
    pub fn ok(&self) -> Option<&Event> {
        match &self.completion {
            Completion::Ok(event) => Some(event),
            _ => None,
        }
    }

    /// Whether the operation is known not to have happened.
    pub fn failed(&self) -> bool {
        matches!(self.completion, Completion::Fail(_))
    }

    /// The line of the completion, else of the invocation (for messages about results).
    pub fn completion_line(&self) -> usize {
        match &self.completion {
            Completion::Ok(event) | Completion::Fail(event) | Completion::Info(event) => event.line,
            Completion::Missing => self.invoke.line,
        }
    }
}

pub fn pair(events: Vec<Event>) -> Result<Vec<RawOp>, FormatError> {
    let mut ops: Vec<RawOp> = Vec::new();
    let mut open: BTreeMap<u64, usize> = BTreeMap::new();
    for (position, event) in events.into_iter().enumerate() {
        let position = position as u64;
        if event.kind == EventKind::Invoke {
            if let Some(&index) = open.get(&event.process) {
                return Err(FormatError::at_line(
                    event.line,
                    format!(
                        "process {} invokes :{} while its :{} from line {} is still open",
                        event.process,
                        event.f,
                        ops[index].f(),
                        ops[index].invoke.line
                    ),
                ));
            }
            open.insert(event.process, ops.len());
            ops.push(RawOp {
                process: event.process,
                invoke: event,
                completion: Completion::Missing,
                call: position,
                ret: None,
            });
            continue;
        }
        let Some(index) = open.remove(&event.process) else {
            return Err(FormatError::at_line(
                event.line,
                format!(
                    "process {} completes :{} ({}) but has no open invocation",
                    event.process,
                    event.f,
                    event.kind.name()
                ),
            ));
        };
        complete(&mut ops[index], event, position)?;
    }
    Ok(ops)
}

fn complete(op: &mut RawOp, event: Event, position: u64) -> Result<(), FormatError> {
    if event.f != op.invoke.f {
        return Err(FormatError::at_line(
            event.line,
            format!(
                "process {} completes :{} but invoked :{} at line {}",
                event.process, event.f, op.invoke.f, op.invoke.line
            ),
        ));
    }
    op.completion = match event.kind {
        EventKind::Ok => {
            op.ret = Some(position);
            Completion::Ok(event)
        }
        EventKind::Fail => {
            op.ret = Some(position);
            Completion::Fail(event)
        }
        EventKind::Info => Completion::Info(event),
        EventKind::Invoke => unreachable!("handled by the caller"),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::datum::Datum;
    use super::*;

    fn event(line: usize, process: u64, kind: EventKind, f: &str) -> Event {
        Event {
            line,
            process,
            kind,
            f: f.to_string(),
            value: Datum::Nil,
            fields: vec![],
        }
    }

    #[test]
    fn pairs_per_process() {
        let ops = pair(vec![
            event(1, 1, EventKind::Invoke, "read"),
            event(2, 2, EventKind::Invoke, "write"),
            event(3, 2, EventKind::Info, "write"),
            event(4, 1, EventKind::Ok, "read"),
            event(5, 3, EventKind::Invoke, "cas"),
        ])
        .expect("valid");
        assert_eq!(ops.len(), 3);
        assert_eq!((ops[0].call, ops[0].ret), (0, Some(3)));
        assert_eq!((ops[1].call, ops[1].ret), (1, None));
        assert!(matches!(ops[1].completion, Completion::Info(_)));
        assert_eq!(ops[2].completion, Completion::Missing);
    }

    #[test]
    fn mismatches_are_errors_naming_lines() {
        let cases = [
            (
                vec![
                    event(1, 1, EventKind::Invoke, "read"),
                    event(2, 1, EventKind::Invoke, "read"),
                ],
                "line 2: process 1 invokes :read while its :read from line 1 is still open",
            ),
            (
                vec![event(7, 1, EventKind::Ok, "read")],
                "line 7: process 1 completes :read (ok) but has no open invocation",
            ),
            (
                vec![
                    event(1, 1, EventKind::Invoke, "read"),
                    event(2, 1, EventKind::Ok, "write"),
                ],
                "line 2: process 1 completes :write but invoked :read at line 1",
            ),
        ];
        for (events, expected) in cases {
            assert_eq!(pair(events).unwrap_err().to_string(), expected);
        }
    }
}
