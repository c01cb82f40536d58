//! The search's current configuration: which operations are done, the model state, the event
//! list without the done operations, and the cache of configurations already seen. Operations
//! are applied and undone in stack order.
//!
//! Giving up: an operation without a return that must precede another one (`after`) either
//! takes effect before it or never. Applying the later one therefore marks such pending
//! predecessors done without applying them, as part of the same step.
//!
//! Ruling out: a configuration whose state rules out (see [`Model::rules_out`]) an operation
//! that returned and is not done has no linearization (that operation must still be
//! linearized, and no state reachable from here accepts it), so it is never entered. Only the
//! operations the model says may be ruled out are asked about (`guards`), and of those only the
//! first `GUARDS_ASKED_MAX` not done, by call time: the earliest are the ones a wrong choice
//! rules out first, and asking fewer only prunes less (never wrongly), while asking all would
//! make each step as slow as the partition is long.

use super::bitset::{member_key, Bitset};
use super::events::Events;
use super::memo::Memo;
use super::model::{Model, Operation};
use super::states::States;

/// How many guards (returned operations not done, earliest call first) each change asks about.
const GUARDS_ASKED_MAX: usize = 16;

struct Applied {
    op: usize,
    /// Read-only: undoing it means the configuration before it is exhausted too.
    committed: bool,
    /// The state before it.
    state: u32,
    /// Where its given-up operations start in `Configuration::abandoned`.
    abandoned_from: usize,
    /// `Configuration::guards_done` before it.
    guards_done: usize,
}

pub(super) struct Configuration<'a, M: Model> {
    model: &'a M,
    ops: &'a [Operation<M::Input, M::Output>],
    read_only: Vec<bool>,
    /// Returned operations that [`Model::may_be_ruled_out`], by call time: asked about after
    /// every change of the state.
    guards: Vec<usize>,
    /// How many guards, from the first, are done: the scan for ruled-out guards starts there
    /// (the search linearizes roughly by call, so without this each step would walk past
    /// every guard already linearized).
    guards_done: usize,
    pub events: Events,
    states: States<M::State>,
    memo: Memo,
    done: Bitset,
    done_hash: u64,
    state: u32,
    applied: Vec<Applied>,
    abandoned: Vec<usize>,
    /// Operations with a return that are not done.
    returns_left: usize,
    /// One past the latest call entry of a guard that ruled a configuration out: a failing
    /// search's prefix must hold it (see `search::Outcome::NotLinearizable`).
    ruled_out_frontier: u32,
}

impl<'a, M: Model> Configuration<'a, M> {
    pub(super) fn new(model: &'a M, ops: &'a [Operation<M::Input, M::Output>]) -> Self {
        let done = Bitset::new(ops.len());
        let mut states = States::new();
        let state = states.intern(model.init(), |s| model.state_heap_bytes(s));
        let mut configuration = Configuration {
            model,
            ops,
            read_only: ops
                .iter()
                .map(|op| model.is_read_only(&op.input, op.output.as_ref()))
                .collect(),
            guards: Vec::new(),
            guards_done: 0,
            events: Events::new(ops),
            states,
            memo: Memo::new(done.words().len()),
            done,
            done_hash: 0,
            state,
            applied: Vec::new(),
            abandoned: Vec::new(),
            returns_left: ops.iter().filter(|op| op.returned()).count(),
            ruled_out_frontier: 0,
        };
        configuration.guards = guards(model, ops, &configuration.events);
        configuration
    }

    pub(super) fn ruled_out_frontier(&self) -> u32 {
        self.ruled_out_frontier
    }

    pub(super) fn returns_left(&self) -> usize {
        self.returns_left
    }

    pub(super) fn depth(&self) -> usize {
        self.applied.len()
    }

    /// The operations applied, in order.
    pub(super) fn sequence(&self) -> Vec<usize> {
        self.applied.iter().map(|applied| applied.op).collect()
    }

    pub(super) fn read_only(&self, op: usize) -> bool {
        self.read_only[op]
    }

    pub(super) fn cache_bytes(&self) -> u64 {
        self.memo.bytes() + self.states.bytes()
    }

    /// Whether the search should consider `op` here at all: pending read-only operations can
    /// have no effect, and `after` must be satisfied.
    pub(super) fn eligible(&self, op: usize) -> bool {
        let operation = &self.ops[op];
        if self.read_only[op] && !operation.returned() {
            return false;
        }
        operation.after.iter().all(|&before| {
            self.done.contains(before) || (before != op && !self.ops[before].returned())
        })
    }

    /// Applies `op` if the model accepts it, it changes something when pending, and the new
    /// configuration is not in the cache.
    pub(super) fn apply(&mut self, op: usize) -> bool {
        debug_assert!(self.eligible(op) && !self.done.contains(op));
        let operation = &self.ops[op];
        let current = self.states.get(self.state);
        let Some(next) = self
            .model
            .step(current, &operation.input, operation.output.as_ref())
        else {
            return false;
        };
        let next = if self.read_only[op] {
            debug_assert_eq!(
                &next,
                self.states.get(self.state),
                "read-only op {op} changed the state"
            );
            self.state
        } else {
            self.states.intern(next, |s| self.model.state_heap_bytes(s))
        };
        if next == self.state && !operation.returned() {
            return false; // no effect now; leaving it pending keeps every option open
        }
        let abandoned_from = self.abandoned.len();
        self.mark(op);
        for &before in &operation.after {
            if !self.done.contains(before) {
                self.abandoned.push(before);
                self.mark(before);
            }
        }
        // The cache first: a configuration seen before is dropped without asking the guards
        // again. A ruled-out one stays in the cache, rightly: it has no linearization.
        let key = Memo::key(self.done_hash, self.states.hash(next));
        if !self.memo.insert(key, self.done.words(), next)
            || (next != self.state && self.ruled_out(next).is_some())
        {
            self.unmark_abandoned(abandoned_from, false);
            self.unmark(op);
            return false;
        }
        self.events.lift(op);
        for &given_up in &self.abandoned[abandoned_from..] {
            self.events.lift(given_up);
        }
        self.applied.push(Applied {
            op,
            committed: self.read_only[op] && self.abandoned.len() == abandoned_from,
            state: self.state,
            abandoned_from,
            guards_done: self.guards_done,
        });
        while self
            .guards
            .get(self.guards_done)
            .is_some_and(|&guard| self.done.contains(guard))
        {
            self.guards_done += 1;
        }
        self.state = next;
        self.returns_left -= usize::from(operation.returned());
        true
    }

    /// Undoes the last applied operation; true if it was committed (read-only).
    pub(super) fn undo(&mut self) -> bool {
        let applied = self.applied.pop().expect("something to undo");
        self.unmark_abandoned(applied.abandoned_from, true);
        self.events.unlift(applied.op);
        self.unmark(applied.op);
        self.returns_left += usize::from(self.ops[applied.op].returned());
        self.state = applied.state;
        self.guards_done = applied.guards_done;
        applied.committed
    }

    /// The first of the first guards not done that `state` rules out (the operation being
    /// applied is marked done already), noting how far a failing prefix must reach.
    fn ruled_out(&mut self, state: u32) -> Option<usize> {
        let state = self.states.get(state);
        let guard = self.guards[self.guards_done..]
            .iter()
            .copied()
            .filter(|&guard| !self.done.contains(guard))
            .take(GUARDS_ASKED_MAX)
            .find(|&guard| {
                let operation = &self.ops[guard];
                let output = operation.output.as_ref().expect("guards returned");
                self.model.rules_out(state, &operation.input, output)
            })?;
        let frontier = self.events.call_entry(guard) + 1;
        self.ruled_out_frontier = self.ruled_out_frontier.max(frontier);
        Some(guard)
    }

    fn unmark_abandoned(&mut self, from: usize, lifted: bool) {
        while self.abandoned.len() > from {
            let given_up = self.abandoned.pop().expect("len > from");
            if lifted {
                self.events.unlift(given_up);
            }
            self.unmark(given_up);
        }
    }

    fn mark(&mut self, op: usize) {
        self.done.insert(op);
        self.done_hash ^= member_key(op);
    }

    fn unmark(&mut self, op: usize) {
        self.done.remove(op);
        self.done_hash ^= member_key(op);
    }

    pub(super) fn check_invariants(&self) {
        assert_eq!(self.done.count(), self.applied.len() + self.abandoned.len());
        let returns_left = (0..self.ops.len())
            .filter(|&op| self.ops[op].returned() && !self.done.contains(op))
            .count();
        assert_eq!(returns_left, self.returns_left);
        assert!(self.guards[..self.guards_done]
            .iter()
            .all(|&guard| self.done.contains(guard)));
        for &given_up in &self.abandoned {
            assert!(
                !self.ops[given_up].returned(),
                "only pending ops are given up"
            );
        }
    }
}

/// The operations that returned and that the model may rule out, by call entry (so those
/// called before any entry are a prefix of the list, as a failing prefix needs).
fn guards<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    events: &Events,
) -> Vec<usize> {
    let mut guards: Vec<usize> = (0..ops.len())
        .filter(|&op| {
            let operation = &ops[op];
            operation.returned()
                && operation
                    .output
                    .as_ref()
                    .is_some_and(|output| model.may_be_ruled_out(&operation.input, output))
        })
        .collect();
    guards.sort_unstable_by_key(|&op| events.call_entry(op));
    guards
}
