//! What a hunt reports: per bug, how many seeds each start needed, and the
//! size of the first detection once shrunk. Serialized as the JSON of
//! `zksim hunt --json` (schema in docs/HUNT.md) and printed as a table.

use super::search::StartOutcome;
use super::Plan;
use crate::scenario::Scenario;
use crate::shrink::Size;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped on any incompatible change of the JSON.
pub const HUNT_SCHEMA_VERSION: u32 = 1;

/// A whole hunt.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HuntReport {
    pub schema_version: u32,
    pub build: zksim_reports::report::BuildInfo,
    /// The command line, as given.
    pub command: String,
    pub starts: u32,
    pub start_stride: u64,
    pub max_seeds: u64,
    pub jobs: usize,
    /// The shrinker's budget of runs, or null with --no-shrink.
    pub shrink_max_runs: Option<u64>,
    pub wall_seconds: f64,
    /// Whether every bug was found from every start.
    pub all_found: bool,
    pub bugs: Vec<BugRecord>,
}

/// One bug's hunt.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BugRecord {
    pub bug: String,
    pub description: String,
    /// `violation` or `determinism`.
    pub detector: String,
    pub scenarios: Vec<String>,
    /// Why the policy hunts in these scenarios.
    pub why: String,
    /// Starts that found the bug, of `starts.len()`.
    pub detections: u32,
    /// Lower median of the seeds to detection over every start, a start that
    /// did not find the bug counting as infinitely many; null if that is the median.
    pub seeds_to_detection_median: Option<u64>,
    /// Null if some start did not find the bug.
    pub seeds_to_detection_max: Option<u64>,
    pub seeds_simulated: u64,
    pub hunt_wall_seconds: f64,
    /// The first violation kind of each detection (what caught it) -> how many detections.
    pub caught_by: BTreeMap<String, u32>,
    /// Every violation kind -> how many detections showed it.
    pub kinds: BTreeMap<String, u32>,
    pub starts: Vec<StartRecord>,
    pub shrunk: Option<ShrinkRecord>,
    /// Why `shrunk` is null, when it is.
    pub shrink_note: Option<String>,
}

/// The hunt from one starting seed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StartRecord {
    pub start_seed: u64,
    pub found: bool,
    /// Seeds simulated up to and including the detecting one (1: the first seed); null if not found.
    pub seeds_to_detection: Option<u64>,
    pub seed: Option<u64>,
    pub scenario: Option<String>,
    /// The distinct violation kinds of the detecting seed, in the order found.
    pub kinds: Vec<String>,
    /// Seeds simulated, including those past the detection already running (varies with jobs).
    pub seeds_simulated: u64,
    /// The command that reproduces the detection (a violation), or checks it (determinism).
    pub replay: Option<String>,
}

/// The shrunk first detection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShrinkRecord {
    pub scenario: String,
    pub seed: u64,
    /// The kind the shrunk scenario still fails with (the seed's first).
    pub kind: String,
    pub before: SizeRecord,
    pub after: SizeRecord,
    pub runs: u64,
    pub budget_exhausted: bool,
    /// Whether the random faults became an explicit schedule.
    pub explicit: bool,
    pub wall_seconds: f64,
}

/// A scenario's size, as the shrinker measures it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeRecord {
    pub faults: usize,
    pub replicas: u32,
    pub clients: u32,
    pub ops_per_client: u32,
    pub duration_ms: u64,
    pub heal_ms: u64,
}

impl SizeRecord {
    pub fn of(size: &Size) -> SizeRecord {
        SizeRecord {
            faults: size.faults,
            replicas: size.nodes,
            clients: size.clients,
            ops_per_client: size.ops_per_client,
            duration_ms: size.duration_ms,
            heal_ms: size.heal_ms,
        }
    }
}

impl StartRecord {
    pub fn of(outcome: &StartOutcome, scenarios: &[(String, Scenario)]) -> StartRecord {
        let detection = outcome.detection.as_ref();
        let scenario = detection.map(|d| scenarios[d.scenario].0.clone());
        StartRecord {
            start_seed: outcome.start,
            found: detection.is_some(),
            seeds_to_detection: detection.map(|d| d.offset + 1),
            seed: detection.map(|d| d.seed),
            scenario,
            kinds: detection.map(|d| d.kinds.clone()).unwrap_or_default(),
            seeds_simulated: outcome.seeds_simulated,
            replay: None,
        }
    }
}

/// The lower median and the maximum of the seeds to detection, a miss
/// counting as infinite (None).
pub fn median_and_max(counts: &[Option<u64>]) -> (Option<u64>, Option<u64>) {
    assert!(!counts.is_empty());
    let mut sorted: Vec<u64> = counts.iter().map(|c| c.unwrap_or(u64::MAX)).collect();
    sorted.sort_unstable();
    let finite = |value: u64| (value != u64::MAX).then_some(value);
    let median = finite(sorted[(sorted.len() - 1) / 2]);
    let max = finite(*sorted.last().expect("not empty"));
    (median, max)
}

impl BugRecord {
    pub fn new(
        plan: &Plan,
        mut starts: Vec<StartRecord>,
        hunt_wall_seconds: f64,
        shrunk: Option<ShrinkRecord>,
        shrink_note: Option<String>,
    ) -> BugRecord {
        let bug = plan.bug;
        for start in &mut starts {
            start.replay = start.seed.map(|seed| {
                let scenario = start.scenario.as_deref().expect("found with a scenario");
                let mut command = crate::runner::replay_command(scenario, seed, Some(bug));
                if plan.detector == super::policy::Detector::Determinism {
                    command = format!(
                        "zksim run {scenario} --seeds {seed} --bug {bug} --check-determinism --no-out"
                    );
                }
                command
            });
        }
        let counts: Vec<Option<u64>> = starts.iter().map(|s| s.seeds_to_detection).collect();
        let (median, max) = median_and_max(&counts);
        let mut kinds = BTreeMap::new();
        for kind in starts.iter().flat_map(|s| &s.kinds) {
            *kinds.entry(kind.clone()).or_insert(0) += 1;
        }
        let mut caught_by = BTreeMap::new();
        for kind in starts.iter().filter_map(|s| s.kinds.first()) {
            *caught_by.entry(kind.clone()).or_insert(0) += 1;
        }
        BugRecord {
            bug: bug.name().to_string(),
            description: bug.description().to_string(),
            detector: plan.detector.name().to_string(),
            scenarios: plan.scenarios.iter().map(|(n, _)| n.clone()).collect(),
            why: plan.why.clone(),
            detections: starts.iter().filter(|s| s.found).count() as u32,
            seeds_to_detection_median: median,
            seeds_to_detection_max: max,
            seeds_simulated: starts.iter().map(|s| s.seeds_simulated).sum(),
            hunt_wall_seconds,
            caught_by,
            kinds,
            starts,
            shrunk,
            shrink_note,
        }
    }

    pub fn all_found(&self) -> bool {
        self.detections as usize == self.starts.len()
    }
}

/// "12", or ">N" for a start (or median) that did not find the bug.
fn count_text(count: Option<u64>, max_seeds: u64) -> String {
    count.map_or(format!(">{max_seeds}"), |c| c.to_string())
}

/// "28→1 faults, 1 replica, 3×75 ops, 937+0 ms"
pub fn shrunk_text(shrunk: &ShrinkRecord) -> String {
    let (before, after) = (&shrunk.before, &shrunk.after);
    let budget = if shrunk.budget_exhausted {
        " (budget)"
    } else {
        ""
    };
    format!(
        "{}→{} faults, {} repl, {}×{} ops, {}+{} ms{budget}",
        before.faults,
        after.faults,
        after.replicas,
        after.clients,
        after.ops_per_client,
        after.duration_ms,
        after.heal_ms
    )
}

/// The one-screen table of a hunt.
pub fn table(report: &HuntReport) -> String {
    let mut lines = vec![format!(
        "{:<38} {:>5} {:>7} {:>7} {:>7} {:>8}  {:<34} {}",
        "bug", "found", "median", "max", "seeds", "wall s", "caught by", "shrunk"
    )];
    for bug in &report.bugs {
        let shrunk = match (&bug.shrunk, &bug.shrink_note) {
            (Some(shrunk), _) => shrunk_text(shrunk),
            (None, Some(note)) => format!("({note})"),
            (None, None) => String::new(),
        };
        let caught: Vec<String> = bug.caught_by.keys().cloned().collect();
        lines.push(format!(
            "{:<38} {:>5} {:>7} {:>7} {:>7} {:>8.1}  {:<34} {shrunk}",
            bug.bug,
            format!("{}/{}", bug.detections, bug.starts.len()),
            count_text(bug.seeds_to_detection_median, report.max_seeds),
            count_text(bug.seeds_to_detection_max, report.max_seeds),
            bug.seeds_simulated,
            bug.hunt_wall_seconds,
            caught.join(", "),
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_counts_a_miss_as_infinite() {
        assert_eq!(median_and_max(&[Some(3)]), (Some(3), Some(3)));
        assert_eq!(
            median_and_max(&[Some(5), Some(1), Some(9), Some(2), Some(7)]),
            (Some(5), Some(9))
        );
        // Lower median of an even count.
        assert_eq!(median_and_max(&[Some(4), Some(1)]), (Some(1), Some(4)));
        assert_eq!(median_and_max(&[Some(4), None, Some(1)]), (Some(4), None));
        assert_eq!(median_and_max(&[None, None, Some(1)]), (None, None));
    }
}
