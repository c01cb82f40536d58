//! `zksim bench`: how fast the simulator and the checker run on this machine.
//!
//! Five measurements, each in its own file: `simulation.rs` (events per second on one core and
//! the virtual-to-wall ratio of the default scenario; committed client writes per wall second on
//! a fault-free 5-replica ensemble; seeds per second across jobs), `checker.rs` (the
//! linearizability checker on simulated histories of about 1k, 10k and 100k operations and on
//! the external corpus), `memory.rs` (the process's peak resident memory). `scenarios.rs`
//! defines the bench's own scenarios; `table.rs` prints the results. The JSON schema is in
//! docs/PERFORMANCE.md.
//!
//! **Not part of any simulation.** This is the one module besides the runner and `zksim
//! check` that reads a wall clock ([`Stopwatch`]); every simulation it times runs exactly as
//! `zksim run` runs it.

pub mod checker;
pub mod memory;
pub mod scenarios;
pub mod simulation;
pub mod table;

use serde::Serialize;
use std::time::Instant;

/// Bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// How much each part runs.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub quick: bool,
    /// Seeds of the default scenario run on one thread.
    pub single_core_seeds: u64,
    /// Seeds of the write scenario, and its clients and requests per client.
    pub write_seeds: u64,
    pub write_clients: u32,
    pub write_ops_per_client: u32,
    /// Seeds of the default scenario run across `jobs` threads.
    pub parallel_seeds: u64,
    /// (clients, requests per client) of each checked history.
    pub histories: &'static [(u32, u32)],
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        quick: false,
        single_core_seeds: 100,
        write_seeds: 4,
        write_clients: 20,
        write_ops_per_client: 2_500,
        parallel_seeds: 200,
        histories: &[(10, 100), (20, 500), (40, 2_500)],
    };
    /// A few seconds in all, for CI: every part runs, tiny.
    pub const QUICK: Sizes = Sizes {
        quick: true,
        single_core_seeds: 2,
        write_seeds: 1,
        write_clients: 5,
        write_ops_per_client: 100,
        parallel_seeds: 4,
        histories: &[(10, 100)],
    };
}

/// Everything `zksim bench` measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub schema_version: u32,
    pub quick: bool,
    pub machine: Machine,
    pub single_core: simulation::SingleCore,
    pub writes: simulation::Writes,
    pub parallel: simulation::Parallel,
    pub checker: checker::CheckerTimes,
    /// The process's peak resident memory over the whole bench (VmHWM); None where unknown.
    pub peak_memory_bytes: Option<u64>,
}

/// Where the figures were taken.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub os: &'static str,
    pub arch: &'static str,
    /// Cores available to this process.
    pub cores: usize,
    /// /proc/loadavg's 1-, 5- and 15-minute averages at the start, if readable: other work on
    /// the machine makes every wall figure a lower bound.
    pub load_average_start: Option<[f64; 3]>,
    pub load_average_end: Option<[f64; 3]>,
}

impl Machine {
    fn here() -> Machine {
        Machine {
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            load_average_start: memory::load_average(),
            load_average_end: None,
        }
    }
}

/// Runs every part in turn (the checker's largest history last: it uses the most memory).
pub fn run(sizes: &Sizes, jobs: usize, progress: &mut dyn FnMut(&str)) -> BenchReport {
    assert!(jobs >= 1);
    let mut machine = Machine::here();
    progress("single core: the default scenario on one thread");
    let single_core = simulation::single_core(sizes);
    progress("writes: a fault-free 5-replica ensemble");
    let writes = simulation::writes(sizes);
    progress("parallel: the default scenario across jobs");
    let parallel = simulation::parallel(sizes, jobs);
    progress("checker: simulated histories and the external corpus");
    let checker = checker::run(sizes, progress);
    machine.load_average_end = memory::load_average();
    BenchReport {
        schema_version: SCHEMA_VERSION,
        quick: sizes.quick,
        machine,
        single_core,
        writes,
        parallel,
        checker,
        peak_memory_bytes: memory::peak_resident_bytes(),
    }
}

/// Wall time, for the bench's measurements only.
pub struct Stopwatch(Instant);

impl Stopwatch {
    #[allow(clippy::disallowed_methods)] // measures runs from outside; no simulation reads it
    pub fn start() -> Stopwatch {
        Stopwatch(Instant::now())
    }

    pub fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// `numerator / seconds`, 0 when no time passed.
fn per_second(numerator: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        numerator as f64 / seconds
    } else {
        0.0
    }
}
