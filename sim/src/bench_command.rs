//! `zksim bench`: measures the simulator and the checker on this machine, prints a table and
//! optionally writes JSON (schema in docs/PERFORMANCE.md). No figure is asserted: the machine
//! and its load decide them.

use crate::bench::{self, Sizes};
use crate::cli::{bad_input, EXIT_PASS};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Run every part tiny (a few seconds in all): a smoke test for CI, not a measurement.
    #[arg(long)]
    pub quick: bool,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Parallel simulations for the seeds-per-second part (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print no progress lines (stderr).
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: &BenchArgs) -> u8 {
    let sizes = if args.quick {
        Sizes::QUICK
    } else {
        Sizes::FULL
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let quiet = args.quiet;
    let mut progress = |step: &str| {
        if !quiet {
            eprintln!("bench: {step}");
        }
    };
    crate::panics::quiet_hook();
    let report = bench::run(&sizes, jobs, &mut progress);
    print!("{}", bench::table::render(&report));
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).expect("the report serializes");
        if let Err(error) = std::fs::write(path, json + "\n") {
            return bad_input(format!("cannot write {}: {error}", path.display()));
        }
    }
    EXIT_PASS
}
