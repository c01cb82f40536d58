//! Whether a set of operations can be explained in *some* order, real time and session order
//! ignored: every result is one the model could give in a sequence of all of them.
//!
//! Deciding that is a search without the real-time pruning, so it can take exponential time
//! to prove there is no such order. Finding one is quick when the search starts from a good
//! guess, so that is all this does: it proposes an order and lets the search try it (and
//! nearby orders) within a small budget. No order found counts as "not explained".
//!
//! The guess: the operations that change state in the order of a witness (the longest
//! linearization the partition's search found), the others after them by return time; each
//! read-only operation just after the first state in that sequence where its result is legal.

use super::model::{Model, Operation};
use super::search::{search, Limits, Outcome};

pub(super) struct Unordered<'a, M: Model> {
    model: &'a M,
    ops: &'a [Operation<M::Input, M::Output>],
    read_only: Vec<bool>,
    /// Each operation's position in the witness, or `usize::MAX`.
    witness_rank: Vec<usize>,
}

impl<'a, M: Model> Unordered<'a, M> {
    pub(super) fn new(
        model: &'a M,
        ops: &'a [Operation<M::Input, M::Output>],
        witness: &[usize],
    ) -> Self {
        let mut witness_rank = vec![usize::MAX; ops.len()];
        for (rank, &op) in witness.iter().enumerate() {
            witness_rank[op] = rank;
        }
        let read_only = ops
            .iter()
            .map(|op| model.is_read_only(&op.input, op.output.as_ref()))
            .collect();
        Unordered {
            model,
            ops,
            read_only,
            witness_rank,
        }
    }

    /// Whether an order of `members` was found, and the steps the search took.
    pub(super) fn explains(
        &self,
        members: &[usize],
        limits: Limits,
        interrupted: &mut dyn FnMut() -> bool,
    ) -> (bool, u64) {
        let unordered: Vec<Operation<M::Input, M::Output>> = self
            .guess(members)
            .into_iter()
            .map(|op| Operation {
                call: 0,
                ret: self.ops[op].ret.map(|_| 1),
                after: Vec::new(),
                ..self.ops[op].clone()
            })
            .collect();
        let (outcome, stats) = search(self.model, &unordered, limits, interrupted);
        (outcome == Outcome::Linearizable, stats.steps)
    }

    /// `members` in the guessed order (the search tries operations in index order first).
    fn guess(&self, members: &[usize]) -> Vec<usize> {
        let mut writes: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&op| !self.read_only[op])
            .collect();
        writes.sort_by_key(|&op| {
            (
                self.witness_rank[op],
                self.ops[op].ret.unwrap_or(u64::MAX),
                op,
            )
        });
        let states = self.states_along(&writes);
        let mut slots: Vec<Vec<usize>> = vec![Vec::new(); writes.len() + 1];
        for &op in members.iter().filter(|&&op| self.read_only[op]) {
            let operation = &self.ops[op];
            let slot = states
                .iter()
                .position(|state| {
                    self.model
                        .step(state, &operation.input, operation.output.as_ref())
                        .is_some()
                })
                .unwrap_or(writes.len());
            slots[slot].push(op);
        }
        let mut order = Vec::with_capacity(members.len());
        for (slot, reads) in slots.into_iter().enumerate() {
            order.extend(reads);
            order.extend(writes.get(slot));
        }
        debug_assert_eq!(order.len(), members.len());
        order
    }

    /// The states before each write and after the last (a write its state rejects is skipped).
    fn states_along(&self, writes: &[usize]) -> Vec<M::State> {
        let mut states = Vec::with_capacity(writes.len() + 1);
        let mut state = self.model.init();
        for &op in writes {
            let operation = &self.ops[op];
            let next = self
                .model
                .step(&state, &operation.input, operation.output.as_ref());
            states.push(state.clone());
            state = next.unwrap_or(state);
        }
        states.push(state);
        states
    }
}
