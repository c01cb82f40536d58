//! Runs many seeds: in parallel across seeds (each simulation stays
//! single-threaded), with a progress bar, aggregating into a `RunSummary`.
//! This is the one place that uses threads and a wall clock.

use crate::scenario::Scenario;
use crate::trace::format_hash;
use crate::world::{run_seed, RunOutcome};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use zksim_core::bugs::{Bugs, PlantedBug};
use zksim_reports::summary::{NondeterminismRecord, ShardInfo};
use zksim_reports::{FailureRecord, RunSummary, ViolationRecord};

pub struct RunRequest<'a> {
    pub scenario: &'a Scenario,
    /// How the user named the scenario (used in replay commands).
    pub scenario_ref: &'a str,
    pub seeds: Range<u64>,
    pub jobs: usize,
    pub bug: Option<PlantedBug>,
    pub progress: bool,
    /// Run each seed twice and compare the traces event by event.
    pub check_determinism: bool,
    /// When the seeds are one shard of a larger range.
    pub shard: Option<ShardInfo>,
}

/// One seed's result: its outcome, and how a second run differed, if it did.
struct SeedResult {
    outcome: RunOutcome,
    nondeterminism: Option<NondeterminismRecord>,
}

fn run_one(request: &RunRequest<'_>, seed: u64, bugs: Bugs) -> SeedResult {
    if !request.check_determinism {
        let outcome = run_seed(request.scenario, seed, bugs, None);
        return SeedResult {
            outcome,
            nondeterminism: None,
        };
    }
    let check = crate::determinism::check_seed(request.scenario, seed, bugs);
    let nondeterminism = check.divergence.map(|divergence| NondeterminismRecord {
        seed,
        first_hash: format_hash(divergence.first_hash),
        second_hash: format_hash(divergence.second_hash),
        divergence: divergence
            .to_string()
            .trim_start_matches("nondeterministic: ")
            .to_string(),
    });
    SeedResult {
        outcome: check.outcome,
        nondeterminism,
    }
}

pub fn bugs_for(bug: Option<PlantedBug>) -> Bugs {
    match bug {
        #[cfg(feature = "planted-bugs")]
        Some(bug) => Bugs::with(bug),
        #[cfg(not(feature = "planted-bugs"))]
        Some(bug) => {
            panic!("planted bug {bug} requested from a build without the planted-bugs feature")
        }
        None => Bugs::none(),
    }
}

/// The command that reproduces one seed exactly.
pub fn replay_command(scenario_ref: &str, seed: u64, bug: Option<PlantedBug>) -> String {
    let mut command = format!("zksim replay --scenario {scenario_ref} --seed {seed}");
    if let Some(bug) = bug {
        command.push_str(&format!(" --bug {bug}"));
    }
    command
}

pub fn run_seeds(request: &RunRequest<'_>) -> RunSummary {
    assert!(request.jobs >= 1);
    let bugs = bugs_for(request.bug);
    let total = request.seeds.end.saturating_sub(request.seeds.start);
    let progress = progress_bar(total, request.progress);
    #[allow(clippy::disallowed_methods)] // wall time of the whole run, outside every simulation
    let started = std::time::Instant::now();
    let next = AtomicU64::new(request.seeds.start);
    let (sender, receiver) = mpsc::channel::<SeedResult>();
    let mut summary = empty_summary(request);
    std::thread::scope(|scope| {
        for _ in 0..request.jobs.min(total.max(1) as usize) {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= request.seeds.end {
                    break;
                }
                let result = run_one(request, seed, bugs);
                if sender.send(result).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        for result in receiver {
            absorb(&mut summary, request, &result.outcome);
            if request.check_determinism {
                summary.determinism_checked += 1;
            }
            summary.nondeterministic.extend(result.nondeterminism);
            progress.inc(1);
            if !result.outcome.passed() || !summary.nondeterministic.is_empty() {
                progress.set_message(format!(
                    "{} failed, {} nondeterministic",
                    summary.failed,
                    summary.nondeterministic.len()
                ));
            }
        }
    });
    progress.finish_and_clear();
    summary.wall_seconds = started.elapsed().as_secs_f64();
    summary.failures.sort_by_key(|failure| failure.seed);
    summary.nondeterministic.sort_by_key(|record| record.seed);
    assert_eq!(summary.passed + summary.failed, summary.seeds_run);
    assert_eq!(summary.seeds_run, total);
    summary
}

fn progress_bar(total: u64, enabled: bool) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} seeds {per_sec} eta {eta} {msg}",
    )
    .expect("valid template")
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

fn empty_summary(request: &RunRequest<'_>) -> RunSummary {
    let bug = request.bug.map(|bug| bug.name());
    let mut summary = RunSummary::empty(
        &request.scenario.name,
        request.scenario_ref,
        request.seeds.clone(),
        bug,
    );
    summary.shard = request.shard;
    summary
}

fn absorb(summary: &mut RunSummary, request: &RunRequest<'_>, outcome: &RunOutcome) {
    summary.seeds_run += 1;
    summary.events += outcome.events;
    summary.virtual_ms += outcome.virtual_ms;
    for (probe, count) in &outcome.probes {
        *summary.probes.entry(probe.to_string()).or_insert(0) += count;
    }
    for violation in &outcome.expected {
        *summary
            .expected
            .entry(violation.kind.name().to_string())
            .or_insert(0) += 1;
    }
    if outcome.passed() {
        summary.passed += 1;
        return;
    }
    summary.failed += 1;
    summary
        .failures
        .push(failure_record(request.scenario_ref, request.bug, outcome));
}

pub fn failure_record(
    scenario_ref: &str,
    bug: Option<PlantedBug>,
    outcome: &RunOutcome,
) -> FailureRecord {
    FailureRecord {
        seed: outcome.seed,
        trace_hash: format_hash(outcome.trace_hash),
        violations: violation_records(outcome),
        replay: replay_command(scenario_ref, outcome.seed, bug),
        report: None,
    }
}

/// The run's failing violations in the report schema.
pub fn violation_records(outcome: &RunOutcome) -> Vec<ViolationRecord> {
    outcome
        .violations
        .iter()
        .map(|violation| ViolationRecord {
            kind: violation.kind.name().to_string(),
            time_ms: violation.time_ms,
            node: violation.node,
            message: violation.message.clone(),
        })
        .collect()
}
