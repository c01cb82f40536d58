//! For the command line only: a check that also stops at a wall-clock deadline and measures the
//! time each partition took. Its verdicts can depend on the machine's speed, so the simulator
//! never uses it (it calls [`super::check`]).

use super::check::{check_watched, Watch};
use super::model::{Model, Operation};
use super::report::{Budget, Report};
use std::time::{Duration, Instant};

pub struct TimedReport {
    pub report: Report,
    /// Wall time of each partition, in the order of `report.partitions`.
    pub elapsed: Vec<Duration>,
}

/// Like [`super::check`], and also stops when `deadline` passes (the verdict of the partition
/// under way, and of the ones after it, becomes Unknown).
pub fn check_with_deadline<M: Model>(
    model: &M,
    ops: &[Operation<M::Input, M::Output>],
    budget: &Budget,
    deadline: Option<Instant>,
) -> TimedReport {
    let mut watch = WallClock {
        deadline,
        started: None,
        elapsed: Vec::new(),
    };
    let report = check_watched(model, ops, budget, &mut watch);
    let mut elapsed = watch.elapsed;
    elapsed.resize(report.partitions.len(), Duration::ZERO);
    TimedReport { report, elapsed }
}

struct WallClock {
    deadline: Option<Instant>,
    /// The partition being worked on, and since when.
    started: Option<(usize, Instant)>,
    elapsed: Vec<Duration>,
}

impl Watch for WallClock {
    fn expired(&mut self) -> bool {
        self.deadline.is_some_and(|deadline| now() >= deadline)
    }

    fn resume(&mut self, index: usize) {
        assert!(self.started.is_none(), "one partition at a time");
        self.started = Some((index, now()));
    }

    fn pause(&mut self, index: usize) {
        let (started_index, started) = self.started.take().expect("resumed before");
        assert_eq!(started_index, index);
        if self.elapsed.len() <= index {
            self.elapsed.resize(index + 1, Duration::ZERO);
        }
        self.elapsed[index] += now() - started;
    }
}

#[allow(clippy::disallowed_methods)] // the command line's deadline and timings, never a simulation
fn now() -> Instant {
    Instant::now()
}
