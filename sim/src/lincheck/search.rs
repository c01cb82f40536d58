//! The search over one partition: Wing & Gong's depth-first search with Lowe's cache.
//!
//! In each configuration the candidates are the operations called before the first return in
//! the event list (an operation returning there must be linearized before anything called after
//! it). Applying one is allowed when every operation in its `after` is done (or, having no
//! return, may be given up for good, see `configuration`), when the model accepts it in the
//! current state, and when the resulting configuration (done set, state) is not in the cache.
//! When no candidate is left, backtrack. The search succeeds when no return entry is left
//! (operations without a return may stay pending forever).
//!
//! Order: read-only operations first, then the others that returned, pending ones last, each
//! group by call time. Any order finds a linearization if there is one; this one tends to find
//! it early (trying the operation that returns first first was worse on the kv histories).
//!
//! A search can be resumed: stopped by its step limit, it continues from where it was when run
//! again with a higher one.
//!
//! Read-only operations (see [`Model::is_read_only`]) are committed: once one is linearized,
//! the search never backtracks to try a later point for it. If the configuration after it has
//! no linearization, neither has the one before it. (Not when linearizing it gives up pending
//! operations: that choice is not free.) A read-only operation without a return is never
//! linearized at all, as it can have no effect.
//!
//! An operation without a return that would not change the state is not linearized either:
//! leaving it pending keeps every option open.

use super::configuration::Configuration;
use super::events::NIL;
use super::model::{Model, Operation};

#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub max_steps: u64,
    pub max_cache_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Linearizable,
    /// `prefix`: the operations called before the latest return at which the search ever had
    /// to backtrack, and every operation called before one that ruled a configuration out (see
    /// `configuration`); they alone are not linearizable either (the search over them is the
    /// same search: the same candidates, and the same guards, which are ordered by call).
    /// `longest`: the longest sequence of operations linearized at some point.
    NotLinearizable {
        prefix: Vec<usize>,
        longest: Vec<usize>,
    },
    Exhausted(Limit),
}

/// Which limit stopped a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Limit {
    Steps(u64),
    CacheBytes(u64),
    Deadline,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Steps(steps) => write!(f, "step budget of {steps} exhausted"),
            Limit::CacheBytes(bytes) => write!(f, "cache budget of {bytes} bytes exhausted"),
            Limit::Deadline => write!(f, "deadline reached"),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Stats {
    pub steps: u64,
    pub peak_cache_bytes: u64,
}

/// How often (in steps) the deadline callback and the internal consistency checks run.
const POLL_INTERVAL_STEPS: u64 = 1 << 12;

pub(super) fn search<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    limits: Limits,
    interrupted: &mut dyn FnMut() -> bool,
) -> (Outcome, Stats) {
    let mut search = Search::new(model, ops);
    let outcome = search.run(limits, interrupted);
    (outcome, search.stats())
}

/// The operations one configuration may apply next, in the order to try them, and how far
/// the search got through them.
#[derive(Default)]
struct Node {
    candidates: Vec<usize>,
    cursor: usize,
    /// The entry of the first return in the list: nothing called after it is a candidate.
    first_return: u32,
}

pub(super) struct Search<'a, M: Model> {
    ops: &'a [Operation<M::Input, M::Output>],
    config: Configuration<'a, M>,
    /// `nodes[0..=config.depth()]` are live; the rest keep their buffers for reuse.
    nodes: Vec<Node>,
    steps: u64,
    next_poll: u64,
    peak_bytes: u64,
    /// The latest return entry at which a configuration ran out of candidates.
    frontier: u32,
    longest: Vec<usize>,
}

impl<'a, M: Model> Search<'a, M> {
    pub(super) fn new(model: &'a M, ops: &'a [Operation<M::Input, M::Output>]) -> Search<'a, M> {
        let mut search = Search {
            ops,
            config: Configuration::new(model, ops),
            nodes: Vec::new(),
            steps: 0,
            next_poll: POLL_INTERVAL_STEPS,
            peak_bytes: 0,
            frontier: 0,
            longest: Vec::new(),
        };
        search.enter_node();
        search
    }

    pub(super) fn stats(&self) -> Stats {
        Stats {
            steps: self.steps,
            peak_cache_bytes: self.peak_bytes,
        }
    }

    /// Current cache size (what a suspended search holds on to).
    pub(super) fn cache_bytes(&self) -> u64 {
        self.config.cache_bytes()
    }

    /// Searches until a verdict or a limit (`limits.max_steps` counts all steps so far, so a
    /// search stopped by it can be run again with a higher one).
    pub(super) fn run(&mut self, limits: Limits, interrupted: &mut dyn FnMut() -> bool) -> Outcome {
        loop {
            if self.config.returns_left() == 0 {
                return Outcome::Linearizable;
            }
            let depth = self.config.depth();
            let node = &mut self.nodes[depth];
            if let Some(&op) = node.candidates.get(node.cursor) {
                node.cursor += 1;
                self.steps += 1;
                if self.config.apply(op) {
                    self.peak_bytes = self.peak_bytes.max(self.config.cache_bytes());
                    self.enter_node();
                }
            } else {
                self.frontier = self.frontier.max(node.first_return);
                if !self.backtrack() {
                    return self.failure();
                }
            }
            if let Some(limit) = self.over_budget(limits, interrupted) {
                return Outcome::Exhausted(limit);
            }
        }
    }

    /// Fills the node of the current configuration: the operations called before the first
    /// return in the list. Read-only ones first (applying one is never a wrong choice, and it
    /// leaves fewer candidates), then the other returned ones, then pending ones (which can
    /// always wait); each group by call time.
    fn enter_node(&mut self) {
        let depth = self.config.depth();
        if self.nodes.len() <= depth {
            self.nodes.resize_with(depth + 1, Node::default);
        }
        let mut candidates = std::mem::take(&mut self.nodes[depth].candidates);
        candidates.clear();
        let events = &self.config.events;
        let mut entry = events.first();
        while entry != NIL && !events.is_return(entry) {
            let op = events.op(entry);
            if self.config.eligible(op) {
                candidates.push(op);
            }
            entry = events.next(entry);
        }
        let (ops, config) = (self.ops, &self.config);
        candidates.sort_unstable_by_key(|&op| {
            let class = match ops[op].ret {
                Some(_) if config.read_only(op) => 0,
                Some(_) => 1,
                None => 2,
            };
            (class, ops[op].call, op)
        });
        self.nodes[depth] = Node {
            candidates,
            cursor: 0,
            first_return: entry,
        };
        if depth > self.longest.len() {
            self.longest = self.config.sequence();
        }
    }

    /// Leaves the exhausted current configuration: undoes the operation that led to it, and
    /// keeps undoing while the undone one was committed (read-only: the configuration before it
    /// has no linearization either). False when nothing is left to undo.
    fn backtrack(&mut self) -> bool {
        loop {
            if self.config.depth() == 0 {
                return false;
            }
            self.steps += 1;
            if !self.config.undo() {
                return true;
            }
        }
    }

    fn over_budget(
        &mut self,
        limits: Limits,
        interrupted: &mut dyn FnMut() -> bool,
    ) -> Option<Limit> {
        if self.steps > limits.max_steps {
            return Some(Limit::Steps(limits.max_steps));
        }
        if self.peak_bytes > limits.max_cache_bytes {
            return Some(Limit::CacheBytes(limits.max_cache_bytes));
        }
        if self.steps >= self.next_poll {
            self.next_poll = self.steps + POLL_INTERVAL_STEPS;
            self.config.check_invariants();
            if interrupted() {
                return Some(Limit::Deadline);
            }
        }
        None
    }

    fn failure(&self) -> Outcome {
        debug_assert_eq!(self.config.depth(), 0);
        let frontier = self.frontier.max(self.config.ruled_out_frontier());
        let prefix = (0..self.ops.len())
            .filter(|&op| self.config.events.call_entry(op) < frontier)
            .collect();
        Outcome::NotLinearizable {
            prefix,
            longest: self.longest.clone(),
        }
    }
}
