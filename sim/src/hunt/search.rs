//! The hunt loop of one starting seed: consecutive seeds, in parallel across
//! jobs, until the first that shows the bug.
//!
//! The answer does not depend on the number of jobs: workers take seed
//! offsets in increasing order from one counter, and stop taking offsets
//! past the smallest detecting offset seen so far. Every offset below the
//! detecting one has then been taken, and each taken offset is run to the
//! end, so the smallest detecting offset is found whatever the timing. Only
//! the waste (offsets past it that were already running) varies.

use super::policy::Detector;
use crate::scenario::Scenario;
use crate::world::run_seed;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use zksim_core::bugs::Bugs;

/// What a hunt runs: the scenarios taken in turn, with the bug planted.
pub struct Target<'a> {
    /// (how the scenario was named, the scenario).
    pub scenarios: &'a [(String, Scenario)],
    pub detector: Detector,
    pub bugs: Bugs,
}

/// The seed that showed the bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    /// Offset from the starting seed, counting every simulation (0: the first).
    pub offset: u64,
    /// Index into the target's scenarios.
    pub scenario: usize,
    pub seed: u64,
    /// The distinct violation kinds the seed showed, in the order found
    /// (`nondeterministic` for a determinism-check difference).
    pub kinds: Vec<String>,
}

/// What the hunt from one starting seed gave.
#[derive(Clone, Debug)]
pub struct StartOutcome {
    pub start: u64,
    pub detection: Option<Detection>,
    /// Seeds simulated (offsets past the detection that were already running included).
    pub seeds_simulated: u64,
}

/// The scenario index and seed of an offset: offsets cycle through the
/// scenarios, and each scenario's seeds run consecutively from `start`.
pub fn candidate(start: u64, offset: u64, scenarios: usize) -> (usize, u64) {
    assert!(scenarios >= 1);
    let count = scenarios as u64;
    ((offset % count) as usize, start + offset / count)
}

/// Runs one seed; the kinds that show the bug, or None.
pub fn detect(target: &Target<'_>, scenario: usize, seed: u64) -> Option<Vec<String>> {
    let scenario = &target.scenarios[scenario].1;
    match target.detector {
        Detector::Violation => {
            let outcome = run_seed(scenario, seed, target.bugs, None);
            let mut kinds: Vec<String> = Vec::new();
            for violation in &outcome.violations {
                let name = violation.kind.name().to_string();
                if !kinds.contains(&name) {
                    kinds.push(name);
                }
            }
            (!kinds.is_empty()).then_some(kinds)
        }
        Detector::Determinism => {
            let check = crate::determinism::check_seed(scenario, seed, target.bugs);
            check
                .divergence
                .map(|_| vec!["nondeterministic".to_string()])
        }
    }
}

/// Hunts from `start` through at most `max_seeds` offsets on `jobs` threads.
pub fn hunt_start(target: &Target<'_>, start: u64, max_seeds: u64, jobs: usize) -> StartOutcome {
    assert!(jobs >= 1);
    assert!(max_seeds >= 1);
    let next = AtomicU64::new(0);
    let best = AtomicU64::new(u64::MAX);
    let simulated = AtomicU64::new(0);
    let found: Mutex<Vec<Detection>> = Mutex::new(Vec::new());
    let workers = jobs.min(max_seeds.min(usize::MAX as u64) as usize);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let offset = next.fetch_add(1, Ordering::SeqCst);
                if offset >= max_seeds || offset > best.load(Ordering::SeqCst) {
                    break;
                }
                let (scenario, seed) = candidate(start, offset, target.scenarios.len());
                let kinds = detect(target, scenario, seed);
                simulated.fetch_add(1, Ordering::SeqCst);
                if let Some(kinds) = kinds {
                    best.fetch_min(offset, Ordering::SeqCst);
                    let detection = Detection {
                        offset,
                        scenario,
                        seed,
                        kinds,
                    };
                    found.lock().expect("no worker panics").push(detection);
                }
            });
        }
    });
    let detection = found
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .min_by_key(|detection| detection.offset);
    let best = best.into_inner();
    assert_eq!(detection.as_ref().map_or(u64::MAX, |d| d.offset), best);
    StartOutcome {
        start,
        detection,
        seeds_simulated: simulated.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_cycle_through_the_scenarios() {
        assert_eq!(candidate(100, 0, 1), (0, 100));
        assert_eq!(candidate(100, 5, 1), (0, 105));
        assert_eq!(candidate(100, 0, 2), (0, 100));
        assert_eq!(candidate(100, 1, 2), (1, 100));
        assert_eq!(candidate(100, 2, 2), (0, 101));
        assert_eq!(candidate(100, 5, 2), (1, 102));
    }
}
