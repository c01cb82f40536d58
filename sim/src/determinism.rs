//! The determinism check: run one seed twice and compare the runs event by
//! event, so that a nondeterminism (a hash map's iteration order, a wall
//! clock, state leaking between runs) is caught where it first shows, not
//! only as two different final hashes.
//!
//! Both runs record a fingerprint (the running trace hash after every event),
//! which costs 8 bytes an event and nothing else: when the runs agree, that is
//! all the check pays. When they differ, the first differing entry is the
//! first diverging event, and a third and a fourth run render it (capture
//! mode) so the report can show it (up to `RERUNS_MAX` re-runs in all, should
//! the first two reproduce the same run). Those re-runs are only as faithful
//! as the nondeterminism allows: a rendering is kept for a run only if a
//! re-run reproduced that run's running hash up to and including the event.

use crate::scenario::Scenario;
use crate::trace::{
    format_hash, TraceEvent, TraceObservations, TraceOptions, FINGERPRINT_EVENTS_MAX,
};
use crate::world::{run_seed_traced, RunOutcome};
use std::fmt;
use zksim_core::bugs::Bugs;

/// The most re-runs spent rendering a diverging event: two suffice when each
/// reproduces a different run; the rest are for a coin-flip nondeterminism
/// that reproduced the same run twice. Bounded, since a nondeterminism that
/// never repeats (a wall clock, state leaking between runs) defeats them all.
pub const RERUNS_MAX: usize = 4;

/// What the determinism check of one seed found.
#[derive(Clone, Debug)]
pub struct DeterminismCheck {
    /// The outcome of the first run (what a plain `run_seed` would report).
    pub outcome: RunOutcome,
    /// Where the second run first differed from the first, if it did.
    pub divergence: Option<Divergence>,
}

impl DeterminismCheck {
    /// Whether the two runs agreed in every event and in their outcomes.
    pub fn deterministic(&self) -> bool {
        self.divergence.is_none()
    }
}

/// How far the fingerprints could locate a divergence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Located {
    /// Event `index` differs between the runs.
    Event,
    /// The runs agree on their first `index` events; then one ended and the other went on.
    Length,
    /// The runs agree on the first `index` events (all a fingerprint holds,
    /// see `FINGERPRINT_EVENTS_MAX`), and their final hashes differ: somewhere later.
    BeyondFingerprint,
    /// The traces agree in all `index` events, yet the outcomes differ: in
    /// state the trace does not show.
    OutcomeOnly,
}

/// Where and how two runs of one seed first differed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// Each run's final trace hash.
    pub first_hash: u64,
    pub second_hash: u64,
    /// Each run's number of events.
    pub first_events: u64,
    pub second_events: u64,
    /// The first diverging event's index (see `located` for what it means
    /// when the runs never differ in an event both have).
    pub index: u64,
    /// Event `index` as the first run rendered it, obtained by re-running (a
    /// third and a fourth run, more if needed up to `RERUNS_MAX`, capturing
    /// that index). `None` if that run has no such event, or if no re-run
    /// reproduced it.
    pub first: Option<TraceEvent>,
    /// Event `index` as the second run rendered it (as for `first`).
    pub second: Option<TraceEvent>,
    pub located: Located,
    /// The fields of `RunOutcome` that differ between the runs.
    pub outcome_fields: Vec<&'static str>,
}

impl Divergence {
    /// Describes one run's side of the diverging event.
    fn side(&self, run: &str, event: &Option<TraceEvent>, events: u64) -> String {
        match event {
            Some(event) => format!("{run} run: {event}"),
            None if events <= self.index => {
                format!("{run} run: no event #{} (it ended after {events} events)", self.index)
            }
            None => format!(
                "{run} run: event #{} not reproduced by a re-run (the nondeterminism struck differently)",
                self.index
            ),
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "nondeterministic: trace-hash {} vs {}, {} vs {} events",
            format_hash(self.first_hash),
            format_hash(self.second_hash),
            self.first_events,
            self.second_events
        )?;
        match self.located {
            Located::Event => write!(f, "; first diverging event #{}", self.index)?,
            Located::Length => write!(
                f,
                "; the runs agree on {} events, then one run had fewer events",
                self.index
            )?,
            Located::BeyondFingerprint => write!(
                f,
                "; the runs agree on the first {} events (all a fingerprint holds), then differ",
                self.index
            )?,
            Located::OutcomeOnly => write!(
                f,
                "; the traces agree on all {} events, but the outcomes differ",
                self.index
            )?,
        }
        if !self.outcome_fields.is_empty() {
            write!(f, "; outcomes differ in {}", self.outcome_fields.join(", "))?;
        }
        if matches!(self.located, Located::Event | Located::Length) {
            let first = self.side("first", &self.first, self.first_events);
            let second = self.side("second", &self.second, self.second_events);
            write!(f, "\n  {first}\n  {second}")?;
        }
        Ok(())
    }
}

/// One run of the seed with the trace options of a check.
struct Run {
    outcome: RunOutcome,
    observations: TraceObservations,
}

fn run(scenario: &Scenario, seed: u64, bugs: Bugs, options: TraceOptions) -> Run {
    let (outcome, _, observations) = run_seed_traced(scenario, seed, bugs, options);
    Run {
        outcome,
        observations,
    }
}

/// Runs `seed` twice and compares the runs event by event (and their
/// outcomes); on a difference, runs it again (twice, up to `RERUNS_MAX`
/// times) to render the first diverging event. Cheap when the runs agree:
/// two runs and their fingerprints, nothing rendered.
pub fn check_seed(scenario: &Scenario, seed: u64, bugs: Bugs) -> DeterminismCheck {
    let fingerprint = TraceOptions {
        fingerprint: true,
        ..TraceOptions::default()
    };
    let first = run(scenario, seed, bugs, fingerprint.clone());
    let second = run(scenario, seed, bugs, fingerprint);
    for run in [&first, &second] {
        assert_eq!(
            run.observations.fingerprint.len() as u64,
            run.outcome.events.min(FINGERPRINT_EVENTS_MAX),
            "one fingerprint entry per event, up to the limit"
        );
    }
    let divergence = compare(&first, &second).map(|mut divergence| {
        if matches!(divergence.located, Located::Event | Located::Length) {
            render(scenario, seed, bugs, &first, &second, &mut divergence);
        }
        divergence
    });
    assert!(
        divergence.is_some() || first.outcome.trace_hash == second.outcome.trace_hash,
        "runs with different hashes diverge"
    );
    DeterminismCheck {
        outcome: first.outcome,
        divergence,
    }
}

/// Where two runs first differ, without renderings (`render` adds them).
fn compare(first: &Run, second: &Run) -> Option<Divergence> {
    let (a, b) = (&first.observations, &second.observations);
    let common = a.fingerprint.len().min(b.fingerprint.len());
    let differing = (0..common).find(|&i| a.fingerprint[i] != b.fingerprint[i]);
    let outcome_fields = outcome_differences(&first.outcome, &second.outcome);
    let complete = a.fingerprint_complete && b.fingerprint_complete;
    let (index, located) = match differing {
        Some(i) => (i, Located::Event),
        None if a.fingerprint.len() != b.fingerprint.len() => (common, Located::Length),
        None if !complete && first.outcome.trace_hash != second.outcome.trace_hash => {
            (common, Located::BeyondFingerprint)
        }
        None if !outcome_fields.is_empty() => (common, Located::OutcomeOnly),
        None => return None,
    };
    assert!(index <= common, "the runs agree before the divergence");
    assert!(
        located != Located::Event || index < common,
        "a diverging event lies within both fingerprints"
    );
    Some(Divergence {
        first_hash: first.outcome.trace_hash,
        second_hash: second.outcome.trace_hash,
        first_events: first.outcome.events,
        second_events: second.outcome.events,
        index: index as u64,
        first: None,
        second: None,
        located,
        outcome_fields,
    })
}

/// The fields of two outcomes of one seed that differ. The named ones are
/// compared one by one (to say which); `other` catches any field added later.
fn outcome_differences(first: &RunOutcome, second: &RunOutcome) -> Vec<&'static str> {
    assert_eq!(first.seed, second.seed, "two runs of one seed");
    let named = [
        ("trace-hash", first.trace_hash == second.trace_hash),
        ("events", first.events == second.events),
        ("virtual-time", first.virtual_ms == second.virtual_ms),
        ("violations", first.violations == second.violations),
        ("expected", first.expected == second.expected),
        ("probes", first.probes == second.probes),
        ("swarm", first.swarm == second.swarm),
    ];
    let mut fields: Vec<&'static str> = named
        .iter()
        .filter(|(_, equal)| !equal)
        .map(|(name, _)| *name)
        .collect();
    if fields.is_empty() && format!("{first:?}") != format!("{second:?}") {
        fields.push("other");
    }
    fields
}

/// Re-runs the seed (at least twice, at most `RERUNS_MAX` times), capturing
/// event `divergence.index`, and keeps each rendering for the original run
/// whose running hash the re-run reproduced just before and at that index
/// (the same history up to and including it). A nondeterminism that strikes
/// at random may reproduce one run twice: the extra re-runs give the other a
/// chance; one that never repeats (a wall clock) leaves the slots empty.
fn render(
    scenario: &Scenario,
    seed: u64,
    bugs: Bugs,
    first: &Run,
    second: &Run,
    divergence: &mut Divergence,
) {
    let index = divergence.index;
    assert!(matches!(
        divergence.located,
        Located::Event | Located::Length
    ));
    let capture = TraceOptions {
        fingerprint: true,
        capture: index..index + 1,
        excerpt: 0,
    };
    let originals = [&first.observations, &second.observations];
    let has_event =
        |observations: &TraceObservations| observations.fingerprint.len() as u64 > index;
    for _ in 0..RERUNS_MAX {
        let missing = |divergence: &Divergence| {
            (has_event(originals[0]) && divergence.first.is_none())
                || (has_event(originals[1]) && divergence.second.is_none())
        };
        if !missing(divergence) {
            break;
        }
        let rerun = run(scenario, seed, bugs, capture.clone()).observations;
        assert!(rerun.captured.len() <= 1, "one event captured at most");
        let slots = [&mut divergence.first, &mut divergence.second];
        for (original, slot) in originals.iter().zip(slots) {
            if slot.is_none() && reproduces(&rerun, original, index) {
                *slot = rerun.captured.first().cloned();
            }
        }
    }
}

/// Whether `rerun` has the same running hash as `original` just before and at
/// event `index` (both `None` where a run has no such event).
fn reproduces(rerun: &TraceObservations, original: &TraceObservations, index: u64) -> bool {
    let at = |observations: &TraceObservations, i: Option<u64>| {
        i.and_then(|i| observations.fingerprint.get(i as usize).copied())
    };
    let before = index.checked_sub(1);
    at(rerun, before) == at(original, before) && at(rerun, Some(index)) == at(original, Some(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::resolve;

    /// A built-in scenario cut short, so a test runs it several times quickly.
    fn short(name: &str) -> Scenario {
        let mut scenario = resolve(name).expect("built-in scenario");
        scenario.duration_ms = scenario.duration_ms.min(6_000);
        scenario.heal_ms = scenario.heal_ms.min(3_000);
        scenario
    }

    #[test]
    fn clean_seeds_are_deterministic() {
        for name in ["swarm", "leader-failover", "clients"] {
            let scenario = short(name);
            for seed in 0..2 {
                let check = check_seed(&scenario, seed, Bugs::none());
                assert!(
                    check.deterministic(),
                    "{name} seed {seed}: {:?}",
                    check.divergence
                );
                assert_eq!(check.outcome.seed, seed);
                assert!(check.outcome.events > 100, "{name} seed {seed} ran");
            }
        }
    }

    #[test]
    fn the_check_reports_the_plain_runs_outcome() {
        let scenario = short("single-node-crash");
        let check = check_seed(&scenario, 1, Bugs::none());
        let plain = crate::world::run_seed(&scenario, 1, Bugs::none(), None);
        assert_eq!(check.outcome.trace_hash, plain.trace_hash);
        assert_eq!(check.outcome.events, plain.events);
    }

    /// A run with a hand-made fingerprint (and hash and event count to match)
    /// on top of a real outcome, so the fields compared are realistic.
    fn fake(base: &RunOutcome, fingerprint: Vec<u64>, probes: u64) -> Run {
        let mut outcome = base.clone();
        outcome.trace_hash = fingerprint.last().copied().unwrap_or(0);
        outcome.events = fingerprint.len() as u64;
        outcome.probes.insert("fake", probes);
        Run {
            outcome,
            observations: TraceObservations {
                fingerprint,
                fingerprint_complete: true,
                ..TraceObservations::default()
            },
        }
    }

    #[test]
    fn compare_locates_each_kind_of_divergence() {
        let base = crate::world::run_seed(&short("single-node-crash"), 0, Bugs::none(), None);
        let fake = |fingerprint: Vec<u64>, probes| fake(&base, fingerprint, probes);
        let event = compare(&fake(vec![1, 2, 3], 0), &fake(vec![1, 5, 6], 0)).expect("differ");
        assert_eq!((event.index, event.located), (1, Located::Event));
        let length = compare(&fake(vec![1, 2], 0), &fake(vec![1, 2, 3], 0)).expect("differ");
        assert_eq!((length.index, length.located), (2, Located::Length));
        let text = length.to_string();
        assert!(text.contains("one run had fewer events"), "{text}");
        assert!(
            text.contains("no event #2 (it ended after 2 events)"),
            "{text}"
        );
        assert!(
            text.contains("event #2 not reproduced by a re-run"),
            "{text}"
        );
        let outcome = compare(&fake(vec![1, 2], 0), &fake(vec![1, 2], 1)).expect("differ");
        assert_eq!(outcome.located, Located::OutcomeOnly);
        assert_eq!(outcome.outcome_fields, vec!["probes"]);
        assert!(compare(&fake(vec![1, 2], 0), &fake(vec![1, 2], 0)).is_none());
    }

    #[test]
    fn a_rerun_reproduces_only_the_same_history() {
        let observed = |fingerprint: Vec<u64>| TraceObservations {
            fingerprint,
            fingerprint_complete: true,
            ..TraceObservations::default()
        };
        let original = observed(vec![1, 2, 3]);
        assert!(reproduces(&observed(vec![1, 2, 4]), &original, 1));
        assert!(!reproduces(&observed(vec![1, 9, 3]), &original, 1));
        assert!(reproduces(&observed(vec![1, 2, 3]), &original, 0));
        // A run that ended at the index is reproduced by one that ended there too.
        assert!(reproduces(&observed(vec![1, 2, 3]), &original, 3));
        assert!(!reproduces(&observed(vec![1, 2, 3, 4]), &original, 3));
    }

    #[cfg(feature = "planted-bugs")]
    #[test]
    fn the_planted_nondeterminism_is_found_at_an_event() {
        use zksim_core::bugs::PlantedBug;
        let scenario = short("leader-failover");
        let check = check_seed(
            &scenario,
            0,
            Bugs::with(PlantedBug::NondeterministicIteration),
        );
        let divergence = check.divergence.expect("the hash-set order diverges");
        assert_eq!(divergence.located, Located::Event, "{divergence}");
        assert!(divergence.index < divergence.first_events.min(divergence.second_events));
        let text = divergence.to_string();
        assert!(
            text.contains(&format!("first diverging event #{}", divergence.index)),
            "{text}"
        );
        for event in [&divergence.first, &divergence.second]
            .into_iter()
            .flatten()
        {
            assert_eq!(event.index, divergence.index);
            assert!(text.contains(&event.detail), "{text}");
        }
    }
}
