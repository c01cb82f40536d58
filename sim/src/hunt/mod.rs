//! Hunting the planted bugs: for each bug, run consecutive seeds of its
//! scenarios from several far-apart starting seeds until the first seed that
//! shows it, and measure how many seeds that took (`zksim hunt`).
//!
//! The figures are deterministic: the seeds to detection of a start do not
//! depend on the number of jobs or on timing (see `search`), and the shrunk
//! size comes from the deterministic shrinker. Only wall times vary.

pub mod policy;
pub mod report;
pub mod search;

use crate::scenario::Scenario;
use crate::shrink::{shrink, ShrinkRequest};
use crate::violation::ViolationKind;
use policy::Detector;
use report::{BugRecord, ShrinkRecord, SizeRecord, StartRecord};
use search::{hunt_start, StartOutcome, Target};
use zksim_core::bugs::{Bugs, PlantedBug};

/// Distance between consecutive starting seeds: a prime, far beyond any
/// `max_seeds`, so no two starts share a seed.
pub const START_STRIDE: u64 = 1_000_003;
/// Most starting seeds per bug.
pub const STARTS_MAX: u32 = 1_000;
/// Most seeds per start (below `START_STRIDE`, so starts never overlap).
pub const MAX_SEEDS_MAX: u64 = 1_000_000;

/// The i-th starting seed.
pub fn start_seed(index: u32) -> u64 {
    u64::from(index) * START_STRIDE
}

/// How to hunt.
pub struct HuntSettings {
    pub starts: u32,
    pub max_seeds: u64,
    pub jobs: usize,
    /// Shrink the first detection with this budget of runs; None: do not shrink.
    pub shrink_max_runs: Option<u64>,
}

/// Where one bug is hunted: the scenarios, resolved, and how it shows.
pub struct Plan {
    pub bug: PlantedBug,
    pub scenarios: Vec<(String, Scenario)>,
    pub detector: Detector,
    pub why: String,
}

impl Plan {
    /// The bug's policy, or `scenario` (already resolved) in its place.
    pub fn new(bug: PlantedBug, scenario: Option<(String, Scenario)>) -> Result<Plan, String> {
        let policy = policy::policy(bug);
        let (scenarios, why) = match scenario {
            Some(named) => (vec![named], "named on the command line".to_string()),
            None => {
                let mut resolved = Vec::new();
                for name in policy.scenarios {
                    let scenario = crate::builtin::resolve(name).map_err(|e| e.to_string())?;
                    resolved.push((name.to_string(), scenario));
                }
                (resolved, policy.why.to_string())
            }
        };
        Ok(Plan {
            bug,
            scenarios,
            detector: policy.detector,
            why,
        })
    }
}

/// Called after each start with the bug, the start's index and its outcome.
pub type StartProgress<'a> = dyn FnMut(PlantedBug, u32, &StartOutcome, &Plan) + 'a;

/// Hunts one bug from every starting seed, then shrinks its first detection.
pub fn hunt_bug(
    plan: &Plan,
    settings: &HuntSettings,
    progress: &mut StartProgress<'_>,
) -> BugRecord {
    assert!(settings.starts >= 1 && settings.starts <= STARTS_MAX);
    assert!(settings.max_seeds >= 1 && settings.max_seeds <= MAX_SEEDS_MAX);
    let target = Target {
        scenarios: &plan.scenarios,
        detector: plan.detector,
        bugs: crate::runner::bugs_for(Some(plan.bug)),
    };
    #[allow(clippy::disallowed_methods)] // wall time of the hunt, outside every simulation
    let started = std::time::Instant::now();
    let mut starts = Vec::new();
    for index in 0..settings.starts {
        let outcome = hunt_start(
            &target,
            start_seed(index),
            settings.max_seeds,
            settings.jobs,
        );
        progress(plan.bug, index, &outcome, plan);
        starts.push(outcome);
    }
    let hunt_seconds = started.elapsed().as_secs_f64();
    let first = starts.iter().find_map(|start| start.detection.clone());
    let shrunk = match (&first, settings.shrink_max_runs, plan.detector) {
        (Some(detection), Some(max_runs), Detector::Violation) => {
            shrink_detection(plan, target.bugs, detection, max_runs)
        }
        _ => None,
    };
    let shrink_note = shrink_note(first.is_some(), settings.shrink_max_runs, plan.detector);
    let records: Vec<StartRecord> = starts
        .iter()
        .map(|start| StartRecord::of(start, &plan.scenarios))
        .collect();
    BugRecord::new(plan, records, hunt_seconds, shrunk, shrink_note)
}

/// Why there is no shrunk scenario, when there is none by design.
fn shrink_note(found: bool, max_runs: Option<u64>, detector: Detector) -> Option<String> {
    if !found {
        return Some("not found: nothing to shrink".to_string());
    }
    if max_runs.is_none() {
        return Some("--no-shrink".to_string());
    }
    (detector == Detector::Determinism).then(|| {
        "found by the determinism check: breaks no property, so nothing to shrink to".to_string()
    })
}

fn shrink_detection(
    plan: &Plan,
    bugs: Bugs,
    detection: &search::Detection,
    max_runs: u64,
) -> Option<ShrinkRecord> {
    let (name, scenario) = &plan.scenarios[detection.scenario];
    let kind = ViolationKind::from_name(detection.kinds.first()?)?;
    #[allow(clippy::disallowed_methods)] // wall time of the shrink, outside every simulation
    let started = std::time::Instant::now();
    let mut quiet = |_: &crate::shrink::Progress| {};
    let mut request = ShrinkRequest {
        scenario,
        seed: detection.seed,
        bugs,
        kind,
        max_runs,
        progress: &mut quiet,
    };
    let shrunk = shrink(&mut request).expect("the detecting seed fails with its first kind");
    Some(ShrinkRecord {
        scenario: name.clone(),
        seed: detection.seed,
        kind: kind.name().to_string(),
        before: SizeRecord::of(&shrunk.original),
        after: SizeRecord::of(&shrunk.size),
        runs: shrunk.runs,
        budget_exhausted: shrunk.budget_exhausted,
        explicit: shrunk.explicit,
        wall_seconds: started.elapsed().as_secs_f64(),
    })
}
