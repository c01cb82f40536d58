//! Shrinking a failure: from a failing seed of a scenario to the smallest
//! scenario (same format, explicit fault schedule) whose run with the same
//! seed still fails with the same kind of violation.
//!
//! The shrinker first makes the failure explicit: the seed's concrete
//! scenario (swarm choices fixed) with every random fault replaced by the
//! schedule of faults that run injected, each at its exact microsecond and
//! with its exact restart delay and its place among simultaneous events. The
//! randomness left (network latencies, the workload, the disk) is drawn from
//! separate streams, so replaying the explicit schedule repeats the run
//! exactly (a test checks it in every built-in scenario). Then, until nothing more
//! helps or the budget of runs is spent, it tries in turn: delta debugging
//! over the schedule's events; a shorter fault phase and healing phase;
//! fewer replicas; fewer clients of each kind; fewer operations per client;
//! turning off disk errors, delay spikes, clock drift and kinds of
//! operations. Every candidate is re-run deterministically and kept only if
//! it still fails with the target kind.

pub mod command;
mod ddmin;
pub mod edit;

use crate::scenario::Scenario;
use crate::violation::ViolationKind;
use crate::world::run_seed;
use edit::ClientKind;
use zksim_core::bugs::Bugs;

/// What to shrink.
pub struct ShrinkRequest<'a> {
    pub scenario: &'a Scenario,
    pub seed: u64,
    pub bugs: Bugs,
    /// The violation kind the result must still show.
    pub kind: ViolationKind,
    /// Most runs of the simulation to spend.
    pub max_runs: u64,
    /// Called with each step the shrinker keeps.
    pub progress: &'a mut dyn FnMut(&Progress),
}

/// One kept step, for the progress display.
pub struct Progress {
    pub runs: u64,
    pub max_runs: u64,
    pub step: String,
    pub size: Size,
}

/// How big a scenario is, in the terms the shrinker reduces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Size {
    pub faults: usize,
    pub nodes: u32,
    pub clients: u32,
    pub ops_per_client: u32,
    pub duration_ms: u64,
    pub heal_ms: u64,
}

impl Size {
    /// The size of `s`, whose run injected `faults` faults.
    pub fn of(s: &Scenario, faults: usize) -> Size {
        Size {
            faults,
            nodes: s.cluster.nodes,
            clients: s.workload.total_clients(),
            ops_per_client: s.workload.ops_per_client,
            duration_ms: s.duration_ms,
            heal_ms: s.heal_ms,
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} faults, {} replicas, {} clients x {} ops, {} ms + {} ms healing",
            self.faults,
            self.nodes,
            self.clients,
            self.ops_per_client,
            self.duration_ms,
            self.heal_ms
        )
    }
}

/// What shrinking gave.
pub struct Shrunk {
    pub scenario: Scenario,
    pub original: Size,
    pub size: Size,
    pub runs: u64,
    /// Whether the random faults could be replaced by an explicit schedule
    /// (if replaying the recorded schedule did not fail the same way, the
    /// random fault rates are kept and only the other dimensions shrink).
    pub explicit: bool,
    /// The budget ran out before a fixpoint.
    pub budget_exhausted: bool,
}

/// Why shrinking could not start.
#[derive(Debug)]
pub enum ShrinkError {
    /// The seed does not fail with the target kind in this build.
    DoesNotReproduce { kinds: Vec<String> },
}

impl std::fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShrinkError::DoesNotReproduce { kinds } if kinds.is_empty() => {
                write!(f, "the seed passes with this build: nothing to shrink")
            }
            ShrinkError::DoesNotReproduce { kinds } => write!(
                f,
                "the seed fails, but not with the reported kind (it shows: {})",
                kinds.join(", ")
            ),
        }
    }
}

/// Most passes over every dimension (each pass stops early at a fixpoint).
const ROUNDS_MAX: usize = 8;

struct Shrinker<'a, 'b> {
    request: &'a mut ShrinkRequest<'b>,
    runs: u64,
    best: Scenario,
}

pub fn shrink(request: &mut ShrinkRequest<'_>) -> Result<Shrunk, ShrinkError> {
    let first = run_seed(request.scenario, request.seed, request.bugs, None);
    let original = Size::of(request.scenario, first.faults.len());
    if !first.violations.iter().any(|v| v.kind == request.kind) {
        let kinds = first.violations.iter().map(|v| v.kind.name().to_string());
        return Err(ShrinkError::DoesNotReproduce {
            kinds: kinds.collect(),
        });
    }
    let mut shrinker = Shrinker {
        runs: 1,
        best: request.scenario.clone(),
        request,
    };
    let explicit = shrinker.make_explicit(&first.faults);
    for _ in 0..ROUNDS_MAX {
        let before = shrinker.best.clone();
        if shrinker.round().is_none() || shrinker.best == before {
            break;
        }
    }
    let budget_exhausted = shrinker.runs >= shrinker.request.max_runs;
    // One more run, to count the faults the result injects.
    let last = run_seed(
        &shrinker.best,
        shrinker.request.seed,
        shrinker.request.bugs,
        None,
    );
    assert!(last
        .violations
        .iter()
        .any(|v| v.kind == shrinker.request.kind));
    Ok(Shrunk {
        size: Size::of(&shrinker.best, last.faults.len()),
        scenario: shrinker.best,
        original,
        runs: shrinker.runs,
        explicit,
        budget_exhausted,
    })
}

impl Shrinker<'_, '_> {
    /// Whether `candidate` still fails with the target kind; None when the
    /// budget is spent.
    fn fails(&mut self, candidate: &Scenario) -> Option<bool> {
        if self.runs >= self.request.max_runs {
            return None;
        }
        self.runs += 1;
        let outcome = run_seed(candidate, self.request.seed, self.request.bugs, None);
        Some(
            outcome
                .violations
                .iter()
                .any(|v| v.kind == self.request.kind),
        )
    }

    /// Keeps `candidate` if it still fails; None when the budget is spent.
    fn try_keep(&mut self, step: &str, candidate: Scenario) -> Option<bool> {
        let kept = self.fails(&candidate)?;
        if kept {
            self.best = candidate;
            let progress = Progress {
                runs: self.runs,
                max_runs: self.request.max_runs,
                step: step.to_string(),
                size: Size::of(&self.best, self.best.faults.schedule.len()),
            };
            (self.request.progress)(&progress);
        }
        Some(kept)
    }

    fn make_explicit(&mut self, recorded: &[crate::scenario::FaultEvent]) -> bool {
        let mut rng = crate::rng::stream(self.request.seed, crate::rng::Stream::Swarm);
        let (concrete, _) = self.best.for_seed(&mut rng);
        let candidate = edit::explicit(&concrete, recorded);
        if edit::valid(candidate.clone()).is_none() {
            return false;
        }
        self.try_keep("explicit fault schedule", candidate) == Some(true)
    }

    /// One pass over every dimension; None when the budget is spent.
    fn round(&mut self) -> Option<()> {
        self.schedule()?;
        self.durations()?;
        self.nodes()?;
        self.clients()?;
        self.ops()?;
        self.simplify()?;
        Some(())
    }

    fn schedule(&mut self) -> Option<()> {
        let events = self.best.faults.schedule.clone();
        if events.is_empty() {
            return Some(());
        }
        let base = self.best.clone();
        let mut exhausted = false;
        let kept = ddmin::ddmin(&events, &mut |subset| {
            let mut candidate = base.clone();
            candidate.faults.schedule = subset.to_vec();
            let answer = self.fails(&candidate);
            exhausted |= answer.is_none();
            answer
        });
        if kept.len() < events.len() {
            let mut candidate = base;
            candidate.faults.schedule = kept;
            // Already known to fail (ddmin's last success), unless the budget
            // stopped it on the original list.
            self.try_keep("fewer faults", candidate)?;
        }
        (!exhausted).then_some(())
    }

    /// Shorter phases: the smallest of a few fractions that still fails.
    fn durations(&mut self) -> Option<()> {
        for eighths in [1, 2, 4, 6] {
            let duration = self.best.duration_ms * eighths / 8;
            if let Some(candidate) = edit::with_duration(&self.best, duration) {
                if self.try_keep("shorter fault phase", candidate)? {
                    break;
                }
            }
        }
        for heal in [0, self.best.heal_ms / 4, self.best.heal_ms / 2] {
            if let Some(candidate) = edit::with_heal(&self.best, heal) {
                if self.try_keep("shorter healing phase", candidate)? {
                    break;
                }
            }
        }
        Some(())
    }

    fn nodes(&mut self) -> Option<()> {
        for nodes in [1, 3, 5, 7] {
            if let Some(candidate) = edit::with_nodes(&self.best, nodes) {
                if self.try_keep("fewer replicas", candidate)? {
                    break;
                }
            }
        }
        Some(())
    }

    fn clients(&mut self) -> Option<()> {
        for kind in [
            ClientKind::OpMix,
            ClientKind::Lock,
            ClientKind::ConfigReader,
        ] {
            while let Some(candidate) = edit::without_client(&self.best, kind) {
                if !self.try_keep("fewer clients", candidate)? {
                    break;
                }
            }
        }
        Some(())
    }

    fn ops(&mut self) -> Option<()> {
        let ops = self.best.workload.ops_per_client;
        for fraction in [8, 4, 2] {
            if let Some(candidate) = edit::with_ops_per_client(&self.best, ops / fraction) {
                if self.try_keep("fewer operations", candidate)? {
                    break;
                }
            }
        }
        Some(())
    }

    fn simplify(&mut self) -> Option<()> {
        for (step, edit) in edit::SIMPLIFICATIONS {
            if let Some(candidate) = edit::simplified(&self.best, edit) {
                self.try_keep(step, candidate)?;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests;
