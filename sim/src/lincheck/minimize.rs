//! Delta debugging (Zeller's ddmin) over the operations of a failing partition: the smallest
//! subset found that is still not linearizable, 1-minimal unless the budget ran out.
//!
//! A candidate "fails" when its search ends NotLinearizable; unknown counts as not failing. A
//! failing search also names the prefix of the candidate that fails by itself (see
//! `search::Outcome`), which replaces the candidate at no extra cost.
//!
//! Explained subsets: removing the write of a value that a kept read returned makes almost any
//! history fail ("read 3" alone, with nothing writing 3), which explains nothing. So when the
//! failing operations can be explained in *some* order (ignoring real time and session order,
//! see `unordered`), a candidate fails only if an order explaining it is found too: the subset
//! shows an ordering violation, and is 1-minimal among such subsets (removing any one operation
//! leaves a subset that is linearizable, unknown, or not explained in any order found). When no
//! order explains the failing operations, ddmin finds the smallest failing subset that stays
//! unexplained even with all the state-changing operations added back (e.g. one read of a value
//! never written, rather than a read whose write was removed).

use super::model::{Model, Operation};
use super::restrict::restrict;
use super::search::{search, Limit, Limits, Outcome};
use super::unordered::Unordered;

pub(super) struct Minimized {
    /// Indices into the partition's operations, ascending.
    pub members: Vec<usize>,
    /// Whether ddmin finished (so `members` is 1-minimal).
    pub minimal: bool,
    /// Whether the subsets were required to be explainable in some order (see above).
    pub ordering_only: bool,
    /// What stopped it early, if anything.
    pub stopped: Option<Limit>,
    pub tests: u64,
    pub steps: u64,
}

/// `start` must be a failing subset of `ops`; `witness`, the longest linearization the search
/// of `ops` found. `limits.max_steps` bounds all tests together; `limits.max_cache_bytes` each.
pub(super) fn minimize<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    start: Vec<usize>,
    witness: &[usize],
    limits: Limits,
    interrupted: &mut dyn FnMut() -> bool,
) -> Minimized {
    assert!(!start.is_empty(), "an empty history is linearizable");
    let mut ddmin = Ddmin {
        model,
        ops,
        unordered: Unordered::new(model, ops, witness),
        limits,
        interrupted,
        ordering_only: false,
        writes: start
            .iter()
            .copied()
            .filter(|&op| !model.is_read_only(&ops[op].input, ops[op].output.as_ref()))
            .collect(),
        stopped: None,
        tests: 0,
        steps: 0,
    };
    ddmin.ordering_only = ddmin.explainable(&start);
    let (members, minimal) = ddmin.run(start);
    Minimized {
        members,
        minimal,
        ordering_only: ddmin.ordering_only,
        stopped: ddmin.stopped,
        tests: ddmin.tests,
        steps: ddmin.steps,
    }
}

struct Ddmin<'a, 'w, M: Model> {
    model: &'a M,
    ops: &'a [Operation<M::Input, M::Output>],
    unordered: Unordered<'a, M>,
    limits: Limits,
    interrupted: &'w mut dyn FnMut() -> bool,
    ordering_only: bool,
    /// The state-changing operations of the starting subset.
    writes: Vec<usize>,
    stopped: Option<Limit>,
    tests: u64,
    steps: u64,
}

impl<M: Model> Ddmin<'_, '_, M> {
    fn run(&mut self, mut current: Vec<usize>) -> (Vec<usize>, bool) {
        current.sort_unstable();
        let mut granularity = 2;
        while current.len() >= 2 {
            granularity = granularity.min(current.len());
            let chunks = split(&current, granularity);
            if let Some(smaller) = self.first_failing(chunks.iter().cloned()) {
                current = smaller;
                granularity = 2;
            } else if let Some(smaller) = self.first_failing_complement(&current, &chunks) {
                current = smaller;
                granularity = (granularity - 1).max(2);
            } else if self.stopped.is_some() {
                return (current, false);
            } else if granularity >= current.len() {
                return (current, true);
            } else {
                granularity = (granularity * 2).min(current.len());
            }
            if self.stopped.is_some() {
                return (current, false);
            }
        }
        // One operation that fails alone: removing it leaves the empty, linearizable history.
        (current, self.stopped.is_none())
    }

    fn first_failing_complement(
        &mut self,
        current: &[usize],
        chunks: &[Vec<usize>],
    ) -> Option<Vec<usize>> {
        if chunks.len() == 2 {
            return None; // the complements are the chunks themselves
        }
        let complements = chunks.iter().map(|chunk| {
            current
                .iter()
                .copied()
                .filter(|op| chunk.binary_search(op).is_err())
                .collect::<Vec<usize>>()
        });
        self.first_failing(complements)
    }

    fn first_failing(
        &mut self,
        candidates: impl Iterator<Item = Vec<usize>>,
    ) -> Option<Vec<usize>> {
        for candidate in candidates {
            if self.stopped.is_some() {
                return None;
            }
            if let Some(failing) = self.fails(&candidate) {
                return Some(failing);
            }
        }
        None
    }

    /// If `candidate` is not linearizable, the failing prefix of it.
    fn fails(&mut self, candidate: &[usize]) -> Option<Vec<usize>> {
        let remaining = self.limits.max_steps.saturating_sub(self.steps);
        if remaining == 0 {
            self.stopped = Some(Limit::Steps(self.limits.max_steps));
            return None;
        }
        if (self.interrupted)() {
            self.stopped = Some(Limit::Deadline);
            return None;
        }
        let sub = restrict(self.ops, candidate);
        let limits = Limits {
            max_steps: remaining,
            ..self.limits
        };
        let (outcome, stats) = search(self.model, &sub.ops, limits, self.interrupted);
        self.tests += 1;
        self.steps += stats.steps;
        match outcome {
            Outcome::NotLinearizable { prefix, .. } => {
                debug_assert!(!prefix.is_empty());
                let prefix: Vec<usize> = prefix.iter().map(|&op| sub.origin[op]).collect();
                self.explainable_choice(candidate, prefix)
            }
            Outcome::Linearizable | Outcome::Exhausted(Limit::CacheBytes(_)) => None,
            Outcome::Exhausted(Limit::Steps(_)) => {
                self.stopped = Some(Limit::Steps(self.limits.max_steps));
                None
            }
            Outcome::Exhausted(Limit::Deadline) => {
                self.stopped = Some(Limit::Deadline);
                None
            }
        }
    }
}

impl<M: Model> Ddmin<'_, '_, M> {
    /// Of a failing candidate and its failing prefix, the smaller one that is explainable in
    /// some order (when that is required).
    fn explainable_choice(
        &mut self,
        candidate: &[usize],
        prefix: Vec<usize>,
    ) -> Option<Vec<usize>> {
        if self.acceptable(&prefix) {
            return Some(prefix);
        }
        if prefix.len() < candidate.len() && self.acceptable(candidate) {
            return Some(candidate.to_vec());
        }
        None
    }

    /// For a failing subset: when explanations must show an ordering violation, whether an
    /// order explains it; otherwise, whether it stays unexplained even with every
    /// state-changing operation of the failing prefix added (so a read of 1 whose write was
    /// removed does not pass for the read of a value nobody wrote).
    fn acceptable(&mut self, failing: &[usize]) -> bool {
        if self.ordering_only {
            return self.explainable(failing);
        }
        let mut with_writes: Vec<usize> = failing.iter().chain(&self.writes).copied().collect();
        with_writes.sort_unstable();
        with_writes.dedup();
        !self.explainable(&with_writes)
    }

    /// Whether an order explaining `members` was found (see `unordered`).
    fn explainable(&mut self, members: &[usize]) -> bool {
        let remaining = self.limits.max_steps.saturating_sub(self.steps);
        let limits = Limits {
            max_steps: UNORDERED_STEPS.min(remaining),
            ..self.limits
        };
        let (explained, steps) = self.unordered.explains(members, limits, self.interrupted);
        self.steps += steps;
        explained
    }
}

/// The budget of one search for an order of a candidate.
const UNORDERED_STEPS: u64 = 1 << 14;

/// `list` in `parts` contiguous chunks of near-equal length.
fn split(list: &[usize], parts: usize) -> Vec<Vec<usize>> {
    assert!(parts >= 1 && parts <= list.len());
    (0..parts)
        .map(|part| list[part * list.len() / parts..(part + 1) * list.len() / parts].to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn chunks_cover_the_list_in_order() {
        let list: Vec<usize> = (0..10).collect();
        let chunks = split(&list, 3);
        assert_eq!(chunks.len(), 3);
        assert!(chunks.iter().all(|chunk| !chunk.is_empty()));
        assert_eq!(chunks.concat(), list);
        assert_eq!(split(&list, 10).len(), 10);
    }
}
