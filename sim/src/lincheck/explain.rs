//! The explanation of a failing partition: a minimized subset and a text a person can follow.

use super::minimize::{minimize, Minimized};
use super::model::{Model, Operation};
use super::report::Explanation;
use super::restrict::{restrict, Restricted};
use super::search::{search, Limits, Outcome};
use std::fmt::Write;

/// A partition's failing search: the failing prefix, and the longest linearization it found.
pub(super) struct Failure {
    pub prefix: Vec<usize>,
    pub longest: Vec<usize>,
}

/// `failure`: what the search of the partition found (local indices). The explanation's
/// indices are those of the original history (`partition.origin`).
pub(super) fn explain<M: Model>(
    model: &M,
    partition: &Restricted<M::Input, M::Output>,
    failure: Failure,
    limits: Limits,
    interrupted: &mut dyn FnMut() -> bool,
) -> Explanation {
    let ops = &partition.ops;
    let minimized = minimize(
        model,
        ops,
        failure.prefix,
        &failure.longest,
        limits,
        interrupted,
    );
    let longest = longest_order(model, ops, &minimized.members, limits, interrupted);
    let mut text = header(&minimized, ops.len());
    for &member in &minimized.members {
        let origin = partition.origin[member];
        writeln!(text, "  {}", describe(model, origin, &ops[member])).expect("string");
    }
    let order: Vec<String> = longest
        .iter()
        .map(|&member| format!("#{}", partition.origin[member]))
        .collect();
    if order.is_empty() {
        writeln!(text, "  none of them can be linearized first").expect("string");
    } else {
        writeln!(
            text,
            "  longest linearizable order: {}; none of the others can follow it",
            order.join(", ")
        )
        .expect("string");
    }
    Explanation {
        ops: minimized
            .members
            .iter()
            .map(|&member| partition.origin[member])
            .collect(),
        text,
    }
}

fn header(minimized: &Minimized, partition_ops: usize) -> String {
    let size = minimized.members.len();
    let quality = if minimized.minimal && minimized.ordering_only {
        "each result can be explained in some order, but not in one that respects real time \
         and session order; removing any one operation removes that contradiction"
            .to_string()
    } else if minimized.minimal {
        "a minimal subset (removing any one operation makes it linearizable)".to_string()
    } else {
        let why = minimized
            .stopped
            .map(|limit| limit.to_string())
            .unwrap_or_else(|| "stopped".to_string());
        format!(
            "the smallest subset found before the minimization stopped ({why}), not proven minimal"
        )
    };
    format!(
        "{size} of {partition_ops} operations are not linearizable on their own; {quality} \
         ({} tests, {} steps):\n",
        minimized.tests, minimized.steps
    )
}

/// `#index client C  call..ret  input -> output`; `?` for what is unknown.
pub(super) fn describe<M: Model>(
    model: &M,
    index: usize,
    op: &Operation<M::Input, M::Output>,
) -> String {
    let ret = op.ret.map_or("?".to_string(), |ret| ret.to_string());
    let output = op
        .output
        .as_ref()
        .map_or("?".to_string(), |output| model.describe_output(output));
    format!(
        "#{index} client {} {}..{ret} {} -> {output}",
        op.client,
        op.shown_call,
        model.describe_input(&op.input)
    )
}

/// The longest sequence of `members` the search linearized, as partition-local indices.
fn longest_order<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    members: &[usize],
    limits: Limits,
    interrupted: &mut dyn FnMut() -> bool,
) -> Vec<usize> {
    let sub = restrict(ops, members);
    match search(model, &sub.ops, limits, interrupted).0 {
        Outcome::NotLinearizable { longest, .. } => {
            longest.iter().map(|&op| sub.origin[op]).collect()
        }
        _ => Vec::new(),
    }
}
