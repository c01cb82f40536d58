//! A linearizability checker: is there a total order of a history's operations that respects
//! real time (and each session's order) and that a sequential model accepts?
//!
//! The search is Wing & Gong's, with Lowe's memoization, in the style of P-compositional
//! checkers: the model may split a history into independent partitions (e.g. one per key), each
//! checked alone. Inside a partition, the call and return events sit in a doubly linked list in
//! time order; an operation is *lifted* out of the list when the model accepts it in the current
//! state, and *unlifted* when backtracking. A cache of (set of linearized operations, model
//! state) pairs, keyed by a fixed-seed hash, stops the search from exploring the same
//! configuration twice. Read-only operations are committed as soon as they fit, and operations
//! with unknown outcomes are tried last and only when they change something.
//!
//! Budgets are deterministic: a number of steps and an approximate number of cache bytes.
//! Running out yields [`PartitionVerdict::Unknown`], never a panic. Partitions are searched in
//! rounds of growing budgets, so that a cheap violation is found before an expensive partition
//! uses the budget. A wall-clock deadline exists for the command line only
//! ([`check_with_deadline`]); the simulator uses [`check`], whose verdicts depend on nothing
//! but its inputs.
//!
//! When a partition is not linearizable, [`Explanation`] names a 1-minimal subset of its
//! operations that is still not linearizable, found by delta debugging, preferring subsets whose
//! results can all be explained in some order (so they show an ordering violation, not a read
//! whose write was removed).
//!
//! Modules: [`model`] (the trait and the operation type); `events` (the event list),
//! `configuration` (the done set, state and cache), `search` (one partition), `check`
//! (partitions, rounds and verdicts); `minimize` (ddmin), `unordered` (explained in some
//! order?), `explain` (the text), `restrict` (sub-histories that keep session order
//! transitive); `bitset`, `slots`, `memo`, `states` (the cache's tables); [`models`] (registers,
//! key-value, multi-register); [`formats`] (Jepsen EDN, Jepsen logs, JSON); [`command`] and
//! `render` (`zksim check`); `deadline` (the command line's wall clock).

mod bitset;
mod check;
pub mod command;
mod configuration;
mod deadline;
mod events;
mod explain;
pub mod formats;
mod memo;
mod minimize;
pub mod model;
pub mod models;
mod render;
mod report;
mod restrict;
mod search;
mod slots;
mod states;
mod unordered;

pub use check::check;
pub use deadline::{check_with_deadline, TimedReport};
pub use model::{Model, Operation};
pub use report::{Budget, Explanation, Overall, PartitionReport, PartitionVerdict, Report};

#[cfg(test)]
mod tests;
