//! The simulator's speed: events per second on one core, committed writes per wall second,
//! and seeds per second across jobs. Every seed runs exactly as `zksim run` runs it (checks
//! included), so the figures are what a user's run gets.

use super::{per_second, scenarios, Sizes, Stopwatch};
use crate::builtin::{resolve, DEFAULT_SCENARIO};
use crate::runner::{run_seeds, RunRequest};
use crate::scenario::Scenario;
use crate::world::run_seed;
use serde::Serialize;
use std::ops::Range;
use zksim_core::bugs::Bugs;

/// The default scenario, seed after seed on the calling thread.
#[derive(Clone, Debug, Serialize)]
pub struct SingleCore {
    pub scenario: String,
    pub seeds: String,
    pub passed: u64,
    pub events: u64,
    pub virtual_ms: u64,
    pub wall_seconds: f64,
    pub events_per_second: f64,
    /// Virtual time simulated per unit of wall time.
    pub virtual_to_wall: f64,
}

/// Committed client writes on a fault-free 5-replica ensemble (`scenarios::writes`).
#[derive(Clone, Debug, Serialize)]
pub struct Writes {
    pub scenario: String,
    pub replicas: u32,
    pub clients: u32,
    pub seeds: String,
    pub passed: u64,
    /// Writes the clients were told succeeded (the `writes-acknowledged` probe).
    pub committed_writes: u64,
    pub events: u64,
    pub virtual_ms: u64,
    pub wall_seconds: f64,
    pub writes_per_second: f64,
    /// Wall time per committed write, in microseconds (on one core).
    pub wall_us_per_write: f64,
    pub events_per_second: f64,
}

/// The default scenario over `jobs` threads, as `zksim run --jobs J` runs it.
#[derive(Clone, Debug, Serialize)]
pub struct Parallel {
    pub scenario: String,
    pub seeds: String,
    pub jobs: usize,
    pub passed: u64,
    pub events: u64,
    pub wall_seconds: f64,
    pub seeds_per_second: f64,
    pub events_per_second: f64,
    pub virtual_to_wall: f64,
}

/// Totals of seeds run one after another on this thread.
struct Serial {
    passed: u64,
    events: u64,
    virtual_ms: u64,
    writes: u64,
    wall_seconds: f64,
}

fn serial(scenario: &Scenario, seeds: Range<u64>) -> Serial {
    let mut totals = Serial {
        passed: 0,
        events: 0,
        virtual_ms: 0,
        writes: 0,
        wall_seconds: 0.0,
    };
    let clock = Stopwatch::start();
    for seed in seeds {
        let outcome = run_seed(scenario, seed, Bugs::none(), None);
        totals.passed += u64::from(outcome.passed());
        totals.events += outcome.events;
        totals.virtual_ms += outcome.virtual_ms;
        totals.writes += outcome
            .probes
            .get("writes-acknowledged")
            .copied()
            .unwrap_or(0);
    }
    totals.wall_seconds = clock.seconds();
    totals
}

fn default_scenario() -> Scenario {
    resolve(DEFAULT_SCENARIO).expect("the default scenario is built in")
}

pub fn single_core(sizes: &Sizes) -> SingleCore {
    let scenario = default_scenario();
    let seeds = 0..sizes.single_core_seeds;
    let totals = serial(&scenario, seeds.clone());
    SingleCore {
        scenario: scenario.name,
        seeds: format!("{}..{}", seeds.start, seeds.end),
        passed: totals.passed,
        events: totals.events,
        virtual_ms: totals.virtual_ms,
        wall_seconds: totals.wall_seconds,
        events_per_second: per_second(totals.events, totals.wall_seconds),
        virtual_to_wall: per_second(totals.virtual_ms, totals.wall_seconds) / 1000.0,
    }
}

pub fn writes(sizes: &Sizes) -> Writes {
    let scenario = scenarios::writes(sizes.write_clients, sizes.write_ops_per_client);
    let seeds = 0..sizes.write_seeds;
    let totals = serial(&scenario, seeds.clone());
    let wall_us_per_write = if totals.writes > 0 {
        totals.wall_seconds * 1e6 / totals.writes as f64
    } else {
        0.0
    };
    Writes {
        scenario: scenario.name,
        replicas: scenario.cluster.nodes,
        clients: scenario.workload.clients,
        seeds: format!("{}..{}", seeds.start, seeds.end),
        passed: totals.passed,
        committed_writes: totals.writes,
        events: totals.events,
        virtual_ms: totals.virtual_ms,
        wall_seconds: totals.wall_seconds,
        writes_per_second: per_second(totals.writes, totals.wall_seconds),
        wall_us_per_write,
        events_per_second: per_second(totals.events, totals.wall_seconds),
    }
}

pub fn parallel(sizes: &Sizes, jobs: usize) -> Parallel {
    let scenario = default_scenario();
    let seeds = 1_000_000..1_000_000 + sizes.parallel_seeds;
    let request = RunRequest {
        scenario: &scenario,
        scenario_ref: DEFAULT_SCENARIO,
        seeds: seeds.clone(),
        jobs,
        bug: None,
        progress: false,
        check_determinism: false,
        shard: None,
    };
    let summary = run_seeds(&request);
    Parallel {
        scenario: scenario.name,
        seeds: format!("{}..{}", seeds.start, seeds.end),
        jobs,
        passed: summary.passed,
        events: summary.events,
        wall_seconds: summary.wall_seconds,
        seeds_per_second: per_second(summary.seeds_run, summary.wall_seconds),
        events_per_second: per_second(summary.events, summary.wall_seconds),
        virtual_to_wall: per_second(summary.virtual_ms, summary.wall_seconds) / 1000.0,
    }
}
