//! A register of integers, possibly nil: read and write, and for the CAS register also
//! compare-and-set (`:cas [expected new]`).
//!
//! The initial value is a choice: nil for Porcupine's etcd logs, 0 for knossos's histories. A
//! nil read result is an observation of nil only when the initial value is nil (no operation
//! can write nil); otherwise it is unknown, as knossos reads it.
//!
//! A `:fail`ed cas did not happen, by Jepsen's convention; Porcupine reads its etcd logs more
//! strictly: there a `:fail`ed cas is etcd's "compare failed", a result that says the register
//! did not hold `expected` at that moment ([`FailedCas::CompareFailed`]).

use super::{invoke_error, operation, result_error};
use crate::lincheck::formats::{Completion, Datum, FormatError, History};
use crate::lincheck::model::{Model, Operation};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Read and write.
    Plain,
    /// Read, write and cas.
    Cas,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedCas {
    DidNotHappen,
    CompareFailed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterOptions {
    pub flavor: Flavor,
    /// None is nil.
    pub initial: Option<i64>,
    pub failed_cas: FailedCas,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterInput {
    Read,
    Write(i64),
    Cas { expected: i64, new: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterOutput {
    /// What a read returned (None is nil).
    Value(Option<i64>),
    Written,
    Swapped,
    NotSwapped,
}

#[derive(Clone, Debug)]
pub struct RegisterModel {
    pub initial: Option<i64>,
}

pub type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

impl Model for RegisterModel {
    type State = Option<i64>;
    type Input = RegisterInput;
    type Output = RegisterOutput;

    fn init(&self) -> Option<i64> {
        self.initial
    }

    fn step(
        &self,
        state: &Option<i64>,
        input: &RegisterInput,
        output: Option<&RegisterOutput>,
    ) -> Option<Option<i64>> {
        match (input, output) {
            (RegisterInput::Read, None) => Some(*state),
            (RegisterInput::Read, Some(RegisterOutput::Value(value))) => {
                (value == state).then_some(*state)
            }
            (RegisterInput::Write(value), None | Some(RegisterOutput::Written)) => {
                Some(Some(*value))
            }
            (RegisterInput::Cas { expected, new }, None) => Some(if *state == Some(*expected) {
                Some(*new)
            } else {
                *state
            }),
            (RegisterInput::Cas { expected, new }, Some(RegisterOutput::Swapped)) => {
                (*state == Some(*expected)).then_some(Some(*new))
            }
            (RegisterInput::Cas { expected, .. }, Some(RegisterOutput::NotSwapped)) => {
                (*state != Some(*expected)).then_some(*state)
            }
            _ => None,
        }
    }

    fn is_read_only(&self, input: &RegisterInput, output: Option<&RegisterOutput>) -> bool {
        matches!(
            (input, output),
            (RegisterInput::Read, _)
                | (RegisterInput::Cas { .. }, Some(RegisterOutput::NotSwapped))
        )
    }

    fn describe_input(&self, input: &RegisterInput) -> String {
        match input {
            RegisterInput::Read => "read".to_string(),
            RegisterInput::Write(value) => format!("write {value}"),
            RegisterInput::Cas { expected, new } => format!("cas {expected} -> {new}"),
        }
    }

    fn describe_output(&self, output: &RegisterOutput) -> String {
        match output {
            RegisterOutput::Value(Some(value)) => value.to_string(),
            RegisterOutput::Value(None) => "nil".to_string(),
            RegisterOutput::Written | RegisterOutput::Swapped => "ok".to_string(),
            RegisterOutput::NotSwapped => "failed".to_string(),
        }
    }
}

/// The model and the operations of `history`.
pub fn from_history(
    history: &History,
    options: RegisterOptions,
) -> Result<(RegisterModel, Vec<RegisterOperation>), FormatError> {
    let mut ops = Vec::with_capacity(history.ops.len());
    for raw in &history.ops {
        let input = input(raw, options.flavor)?;
        let output = match &raw.completion {
            Completion::Ok(event) => output(raw, input, &event.value, options.initial)?,
            Completion::Fail(_) => match (input, options.failed_cas) {
                (RegisterInput::Cas { .. }, FailedCas::CompareFailed) => {
                    Some(RegisterOutput::NotSwapped)
                }
                _ => continue, // did not happen
            },
            Completion::Info(_) | Completion::Missing => None,
        };
        ops.push(operation(raw, input, output));
    }
    let model = RegisterModel {
        initial: options.initial,
    };
    Ok((model, ops))
}

fn input(
    raw: &crate::lincheck::formats::RawOp,
    flavor: Flavor,
) -> Result<RegisterInput, FormatError> {
    let value = &raw.invoke.value;
    match (raw.f(), flavor) {
        ("read", _) => Ok(RegisterInput::Read),
        ("write", _) => match value.as_int() {
            Some(value) => Ok(RegisterInput::Write(value)),
            None => Err(invoke_error(
                raw,
                format!("needs an integer value, found {value}"),
            )),
        },
        ("cas", Flavor::Cas) => match value.as_list() {
            Some([Datum::Int(expected), Datum::Int(new)]) => Ok(RegisterInput::Cas {
                expected: *expected,
                new: *new,
            }),
            _ => Err(invoke_error(
                raw,
                format!("needs [expected new] integers, found {value}"),
            )),
        },
        ("cas", Flavor::Plain) => Err(invoke_error(
            raw,
            "is not an operation of a plain register (use cas-register)",
        )),
        _ => Err(invoke_error(
            raw,
            "is not a register operation (read, write, cas)",
        )),
    }
}

fn output(
    raw: &crate::lincheck::formats::RawOp,
    input: RegisterInput,
    value: &Datum,
    initial: Option<i64>,
) -> Result<Option<RegisterOutput>, FormatError> {
    let output = match input {
        RegisterInput::Read => match value {
            Datum::Int(value) => Some(RegisterOutput::Value(Some(*value))),
            Datum::Nil if initial.is_none() => Some(RegisterOutput::Value(None)),
            Datum::Nil => None,
            other => {
                return Err(result_error(
                    raw,
                    format!("read an integer or nil, not {other}"),
                ))
            }
        },
        RegisterInput::Write(_) => Some(RegisterOutput::Written),
        RegisterInput::Cas { .. } => Some(RegisterOutput::Swapped),
    };
    Ok(output)
}
