//! Registers of integers, all initially 0, accessed by transactions:
//! `:txn [[:read :x nil] [:write :y 2]]`. The `ok` completion carries the values read; a read of
//! nil in it is unknown (knossos). Registers that no transaction uses together are independent,
//! so each connected group of registers is a partition.

use super::{invoke_error, operation, result_error};
use crate::lincheck::formats::{Completion, Datum, FormatError, History, RawOp};
use crate::lincheck::model::{Model, Operation};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MicroOp {
    Read { register: u32 },
    Write { register: u32, value: i64 },
}

impl MicroOp {
    fn register(self) -> u32 {
        match self {
            MicroOp::Read { register } | MicroOp::Write { register, .. } => register,
        }
    }
}

/// Per micro-op, the value it read (None: unknown, or a write).
pub type TxnOutput = Vec<Option<i64>>;

#[derive(Clone, Debug)]
pub struct MultiRegisterModel {
    /// Register names by id.
    pub registers: Vec<String>,
}

pub type TxnOperation = Operation<Vec<MicroOp>, TxnOutput>;

impl Model for MultiRegisterModel {
    /// Every register's value, by id.
    type State = Vec<i64>;
    type Input = Vec<MicroOp>;
    type Output = TxnOutput;

    fn init(&self) -> Vec<i64> {
        vec![0; self.registers.len()]
    }

    fn step(
        &self,
        state: &Vec<i64>,
        input: &Vec<MicroOp>,
        output: Option<&TxnOutput>,
    ) -> Option<Vec<i64>> {
        let mut next = state.clone();
        for (index, micro) in input.iter().enumerate() {
            match *micro {
                MicroOp::Read { register } => {
                    let read = output.and_then(|values| values.get(index).copied().flatten());
                    if read.is_some_and(|value| value != next[register as usize]) {
                        return None;
                    }
                }
                MicroOp::Write { register, value } => next[register as usize] = value,
            }
        }
        Some(next)
    }

    fn is_read_only(&self, input: &Vec<MicroOp>, _output: Option<&TxnOutput>) -> bool {
        input
            .iter()
            .all(|micro| matches!(micro, MicroOp::Read { .. }))
    }

    fn partition(&self, ops: &[TxnOperation]) -> Vec<Vec<usize>> {
        let mut groups = Groups::new(self.registers.len());
        for op in ops {
            for pair in op.input.windows(2) {
                groups.join(pair[0].register(), pair[1].register());
            }
        }
        let mut by_root: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (index, op) in ops.iter().enumerate() {
            let root = op
                .input
                .first()
                .map_or(u32::MAX, |micro| groups.root(micro.register()));
            by_root.entry(root).or_default().push(index);
        }
        by_root.into_values().collect()
    }

    fn partition_name(&self, ops: &[TxnOperation], members: &[usize]) -> String {
        let mut names: Vec<&str> = members
            .iter()
            .flat_map(|&op| ops[op].input.iter())
            .map(|micro| self.registers[micro.register() as usize].as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        format!("registers {}", names.join(","))
    }

    fn describe_input(&self, input: &Vec<MicroOp>) -> String {
        let parts: Vec<String> = input
            .iter()
            .map(|micro| match *micro {
                MicroOp::Read { register } => format!("read {}", self.registers[register as usize]),
                MicroOp::Write { register, value } => {
                    format!("write {} {value}", self.registers[register as usize])
                }
            })
            .collect();
        format!("txn [{}]", parts.join(", "))
    }

    fn describe_output(&self, output: &TxnOutput) -> String {
        let parts: Vec<String> = output
            .iter()
            .map(|value| value.map_or("_".to_string(), |value| value.to_string()))
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

/// Union-find over register ids.
struct Groups {
    parent: Vec<u32>,
}

impl Groups {
    fn new(len: usize) -> Groups {
        Groups {
            parent: (0..len as u32).collect(),
        }
    }

    fn root(&mut self, mut register: u32) -> u32 {
        while self.parent[register as usize] != register {
            let grandparent = self.parent[self.parent[register as usize] as usize];
            self.parent[register as usize] = grandparent;
            register = grandparent;
        }
        register
    }

    fn join(&mut self, a: u32, b: u32) {
        let (a, b) = (self.root(a), self.root(b));
        self.parent[a.max(b) as usize] = a.min(b);
    }
}

/// The model and the operations of `history`.
pub fn from_history(
    history: &History,
) -> Result<(MultiRegisterModel, Vec<TxnOperation>), FormatError> {
    let mut ids: BTreeMap<String, u32> = BTreeMap::new();
    let mut registers = Vec::new();
    let mut ops = Vec::with_capacity(history.ops.len());
    for raw in &history.ops {
        if raw.f() != "txn" {
            return Err(invoke_error(raw, "is not a multi-register operation (txn)"));
        }
        let micro_ops = micro_ops(raw, &raw.invoke.value, |name| {
            *ids.entry(name.to_string()).or_insert_with(|| {
                registers.push(name.to_string());
                (registers.len() - 1) as u32
            })
        })?;
        let output = match &raw.completion {
            Completion::Ok(event) => Some(reads(raw, &micro_ops, &event.value)?),
            Completion::Fail(_) => continue, // did not happen
            Completion::Info(_) | Completion::Missing => None,
        };
        ops.push(operation(raw, micro_ops, output));
    }
    Ok((MultiRegisterModel { registers }, ops))
}

/// `[[:read :x nil] [:write :y 2]]` as micro-ops; `id` names registers.
fn micro_ops(
    raw: &RawOp,
    value: &Datum,
    mut id: impl FnMut(&str) -> u32,
) -> Result<Vec<MicroOp>, FormatError> {
    let Some(items) = value.as_list() else {
        return Err(invoke_error(
            raw,
            format!("needs a list of micro-ops, found {value}"),
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let micro = match item.as_list() {
            Some([kind, register, value]) => match (kind.as_name(), register.as_name(), value) {
                (Some("read"), Some(register), _) => MicroOp::Read {
                    register: id(register),
                },
                (Some("write"), Some(register), Datum::Int(value)) => MicroOp::Write {
                    register: id(register),
                    value: *value,
                },
                _ => {
                    return Err(invoke_error(
                        raw,
                        format!("has a malformed micro-op {item}"),
                    ))
                }
            },
            _ => {
                return Err(invoke_error(
                    raw,
                    format!("has a malformed micro-op {item}"),
                ))
            }
        };
        out.push(micro);
    }
    Ok(out)
}

/// The values read, from the `ok` completion's micro-ops (which must match the invocation's).
fn reads(raw: &RawOp, invoked: &[MicroOp], value: &Datum) -> Result<TxnOutput, FormatError> {
    let items = value.as_list().unwrap_or_default();
    if items.len() != invoked.len() {
        return Err(result_error(
            raw,
            format!(
                "completes with {} micro-ops, invoked {}",
                items.len(),
                invoked.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (item, micro) in items.iter().zip(invoked) {
        let read = match (item.as_list(), micro) {
            (Some([kind, _, Datum::Int(value)]), MicroOp::Read { .. })
                if kind.as_name() == Some("read") =>
            {
                Some(*value)
            }
            (Some([kind, _, Datum::Nil]), MicroOp::Read { .. })
                if kind.as_name() == Some("read") =>
            {
                None
            }
            (Some([kind, _, _]), MicroOp::Write { .. }) if kind.as_name() == Some("write") => None,
            _ => {
                return Err(result_error(
                    raw,
                    format!("completes with micro-op {item}, which does not match its invocation"),
                ))
            }
        };
        out.push(read);
    }
    Ok(out)
}
