//! Checking a history: its partitions, searched in rounds of growing step budgets, and an
//! explanation for each failing one.
//!
//! Rounds: every undecided partition is searched up to `FIRST_ROUND_STEPS` steps, then up to
//! four times that, and so on up to `Budget::max_steps`; between rounds a search is suspended
//! and later resumed where it stopped (unless the suspended searches together would hold more
//! than one partition's cache budget: then the largest are dropped and start again). Cheap
//! partitions are decided first, as a parallel checker would decide them, and once a round ends
//! with some partition not linearizable, the history is not linearizable: the partitions still
//! undecided are not searched further (their verdict is Unknown, saying so). Without this, one
//! hard partition could keep a history with an easy violation undecided.

use super::explain::{explain, Failure};
use super::model::{Model, Operation};
use super::report::{Budget, PartitionReport, PartitionVerdict, Report};
use super::restrict::{restrict, Restricted};
use super::search::{Limit, Limits, Outcome, Search};

/// The step budget of the first round.
const FIRST_ROUND_STEPS: u64 = 1 << 14;

/// What a check polls while it runs: the command line's wall clock, or nothing.
pub(super) trait Watch {
    /// Whether to stop now (verdicts not reached yet become Unknown).
    fn expired(&mut self) -> bool;
    /// Work on a partition (by its position in the report) starts; it may be resumed later.
    fn resume(&mut self, index: usize);
    /// Work on that partition stops for now.
    fn pause(&mut self, index: usize);
}

/// The simulator's watch: deterministic, never expires.
struct NoWatch;

impl Watch for NoWatch {
    fn expired(&mut self) -> bool {
        false
    }

    fn resume(&mut self, _index: usize) {}

    fn pause(&mut self, _index: usize) {}
}

/// Checks a history within a deterministic budget. The verdict depends only on the arguments.
pub fn check<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    budget: &Budget,
) -> Report {
    check_watched(model, ops, budget, &mut NoWatch)
}

/// A partition while the rounds run.
struct Partition {
    report: PartitionReport,
    /// Set once decided; for a failing partition, what to minimize.
    decided: bool,
    failure: Option<Failure>,
    /// Steps of searches of it that were dropped (to bound memory) and started again.
    dropped_steps: u64,
}

pub(super) fn check_watched<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    budget: &Budget,
    watch: &mut dyn Watch,
) -> Report {
    validate(ops);
    let groups = model.partition(ops);
    assert_partition(&groups, ops.len());
    let subs: Vec<Restricted<M::Input, M::Output>> = groups
        .iter()
        .map(|members| restrict(ops, members))
        .collect();
    let mut partitions: Vec<Partition> = groups
        .iter()
        .zip(&subs)
        .map(|(members, sub)| new_partition(model.partition_name(ops, members), sub.ops.len()))
        .collect();
    Rounds {
        model,
        subs: &subs,
        budget,
        suspended: (0..subs.len()).map(|_| None).collect(),
    }
    .run(&mut partitions, watch);
    for (index, partition) in partitions.iter_mut().enumerate() {
        if let Some(failure) = partition.failure.take() {
            watch.resume(index);
            let limits = limits(budget, budget.max_steps);
            let explanation = explain(model, &subs[index], failure, limits, &mut || {
                watch.expired()
            });
            partition.report.verdict = PartitionVerdict::NotLinearizable { explanation };
            watch.pause(index);
        }
    }
    Report {
        partitions: partitions
            .into_iter()
            .map(|partition| partition.report)
            .collect(),
    }
}

fn new_partition(name: String, ops: usize) -> Partition {
    let report = PartitionReport {
        name,
        ops,
        verdict: PartitionVerdict::Unknown {
            reason: "not searched".to_string(),
        },
        steps: 0,
        peak_cache_bytes: 0,
    };
    Partition {
        report,
        decided: false,
        failure: None,
        dropped_steps: 0,
    }
}

fn limits(budget: &Budget, max_steps: u64) -> Limits {
    Limits {
        max_steps,
        max_cache_bytes: budget.max_cache_bytes,
    }
}

/// The rounds, with the searches of undecided partitions suspended between them (dropped and
/// started again later when together they would hold more than one partition's cache budget).
struct Rounds<'a, M: Model> {
    model: &'a M,
    subs: &'a [Restricted<M::Input, M::Output>],
    budget: &'a Budget,
    suspended: Vec<Option<Search<'a, M>>>,
}

impl<'a, M: Model> Rounds<'a, M> {
    fn run(&mut self, partitions: &mut [Partition], watch: &mut dyn Watch) {
        let mut round_steps = FIRST_ROUND_STEPS.min(self.budget.max_steps);
        loop {
            for (index, partition) in partitions.iter_mut().enumerate() {
                if !partition.decided {
                    watch.resume(index);
                    self.search_round(index, partition, round_steps, watch);
                    watch.pause(index);
                }
            }
            self.bound_memory(partitions);
            let undecided = partitions.iter().any(|p| !p.decided);
            if !undecided || round_steps >= self.budget.max_steps {
                return;
            }
            if let Some(failing) = partitions.iter().find(|p| p.failure.is_some()) {
                let reason = format!(
                    "not searched to the end: partition {} is not linearizable",
                    failing.report.name
                );
                for partition in partitions.iter_mut().filter(|p| !p.decided) {
                    partition.report.verdict = PartitionVerdict::Unknown {
                        reason: reason.clone(),
                    };
                }
                return;
            }
            round_steps = round_steps.saturating_mul(4).min(self.budget.max_steps);
        }
    }

    /// Runs (or resumes) a partition's search up to `round_steps` steps in all.
    fn search_round(
        &mut self,
        index: usize,
        partition: &mut Partition,
        round_steps: u64,
        watch: &mut dyn Watch,
    ) {
        let mut search = self.suspended[index]
            .take()
            .unwrap_or_else(|| Search::new(self.model, &self.subs[index].ops));
        let outcome = if watch.expired() {
            Outcome::Exhausted(Limit::Deadline)
        } else {
            search.run(limits(self.budget, round_steps), &mut || watch.expired())
        };
        let stats = search.stats();
        let report = &mut partition.report;
        report.steps = partition.dropped_steps + stats.steps;
        report.peak_cache_bytes = report.peak_cache_bytes.max(stats.peak_cache_bytes);
        partition.decided = true;
        match outcome {
            Outcome::Linearizable => report.verdict = PartitionVerdict::Linearizable,
            Outcome::NotLinearizable { prefix, longest } => {
                partition.failure = Some(Failure { prefix, longest })
            }
            Outcome::Exhausted(Limit::Steps(_)) if round_steps < self.budget.max_steps => {
                partition.decided = false;
                self.suspended[index] = Some(search);
            }
            Outcome::Exhausted(limit) => {
                report.verdict = PartitionVerdict::Unknown {
                    reason: limit.to_string(),
                }
            }
        }
    }

    /// Drops the largest suspended searches while together they hold more than the budget.
    fn bound_memory(&mut self, partitions: &mut [Partition]) {
        loop {
            let held =
                |search: &Option<Search<'a, M>>| search.as_ref().map_or(0, Search::cache_bytes);
            let total: u64 = self.suspended.iter().map(held).sum();
            if total <= self.budget.max_cache_bytes {
                return;
            }
            let largest = (0..self.suspended.len())
                .max_by_key(|&index| (held(&self.suspended[index]), std::cmp::Reverse(index)))
                .expect("something is suspended");
            let dropped = self.suspended[largest]
                .take()
                .expect("the largest holds something");
            partitions[largest].dropped_steps += dropped.stats().steps;
        }
    }
}

/// The caller's contract (a broken one is a bug in the caller, so it panics).
fn validate<I, O>(ops: &[Operation<I, O>]) {
    for (index, op) in ops.iter().enumerate() {
        if let Some(ret) = op.ret {
            assert!(
                ret >= op.call,
                "operation {index}: ret {ret} < call {}",
                op.call
            );
        } else {
            assert!(
                op.output.is_none(),
                "operation {index} has an output but no return"
            );
        }
        for &before in &op.after {
            assert!(
                before < ops.len(),
                "operation {index}: after {before} is out of range"
            );
        }
    }
}

fn assert_partition(groups: &[Vec<usize>], len: usize) {
    let mut seen = vec![false; len];
    for &op in groups.iter().flatten() {
        assert!(op < len, "partition names operation {op} of {len}");
        assert!(!seen[op], "operation {op} is in two partitions");
        seen[op] = true;
    }
    assert!(seen.iter().all(|&s| s), "every operation is in a partition");
}
