//! Models of the objects in the external corpus and their reading of history files: a register
//! (read, write), a CAS register (also cas), a key-value store (get, put, append; one partition
//! per key) and a multi-register (transactions of reads and writes).
//!
//! Each model's `from_history` turns paired operations into [`Operation`]s, with errors naming
//! the line. Common rules: `:fail` means the operation did not happen (it is dropped), `:info`
//! or no completion means its outcome is unknown (`ret` None). A `nil` read result is unknown
//! (matches anything) unless nil is a value the object can hold, as knossos reads its histories.

pub mod kv;
pub mod multi_register;
pub mod register;

use super::formats::{FormatError, RawOp};
use super::model::{Model, Operation};

/// What a model makes of a history: itself and the operations, or what is wrong with the file.
pub type Built<M> =
    Result<(M, Vec<Operation<<M as Model>::Input, <M as Model>::Output>>), FormatError>;

/// The operation `raw` with this input and, if it returned (ok, or fail where a model reads
/// that as a result), this output.
pub(crate) fn operation<I, O>(raw: &RawOp, input: I, output: Option<O>) -> Operation<I, O> {
    let ret = raw.ret;
    Operation {
        client: raw.process,
        call: raw.call,
        ret,
        input,
        output: output.filter(|_| ret.is_some()),
        after: Vec::new(),
        shown_call: raw.call,
    }
}

/// An error about `raw`'s invocation.
pub(crate) fn invoke_error(raw: &RawOp, message: impl std::fmt::Display) -> FormatError {
    FormatError::at_line(raw.invoke.line, format!(":{} {message}", raw.f()))
}

/// An error about `raw`'s result.
pub(crate) fn result_error(raw: &RawOp, message: impl std::fmt::Display) -> FormatError {
    FormatError::at_line(raw.completion_line(), format!(":{} {message}", raw.f()))
}

/// Any model, checked as one partition (to compare with checkers that do not partition).
pub struct Unpartitioned<M>(pub M);

impl<M: Model> Model for Unpartitioned<M> {
    type State = M::State;
    type Input = M::Input;
    type Output = M::Output;

    fn init(&self) -> M::State {
        self.0.init()
    }

    fn step(
        &self,
        state: &M::State,
        input: &M::Input,
        output: Option<&M::Output>,
    ) -> Option<M::State> {
        self.0.step(state, input, output)
    }

    fn is_read_only(&self, input: &M::Input, output: Option<&M::Output>) -> bool {
        self.0.is_read_only(input, output)
    }

    fn may_be_ruled_out(&self, input: &M::Input, output: &M::Output) -> bool {
        self.0.may_be_ruled_out(input, output)
    }

    fn rules_out(&self, state: &M::State, input: &M::Input, output: &M::Output) -> bool {
        self.0.rules_out(state, input, output)
    }

    fn describe_input(&self, input: &M::Input) -> String {
        self.0.describe_input(input)
    }

    fn describe_output(&self, output: &M::Output) -> String {
        self.0.describe_output(output)
    }

    fn state_heap_bytes(&self, state: &M::State) -> u64 {
        self.0.state_heap_bytes(state)
    }
}

#[cfg(test)]
mod tests;
