//! `zksim hunt`: how many seeds each planted bug takes to find, from several
//! starting seeds, and how small its first detection shrinks (docs/HUNT.md).

use crate::cli::{bad_input, EXIT_FAIL, EXIT_PASS};
use crate::hunt::report::{table, HuntReport, HUNT_SCHEMA_VERSION};
use crate::hunt::search::StartOutcome;
use crate::hunt::{hunt_bug, HuntSettings, Plan, MAX_SEEDS_MAX, STARTS_MAX, START_STRIDE};
use clap::Args;
use std::path::PathBuf;
use zksim_core::bugs::{Bugs, PlantedBug};

#[derive(Args, Debug)]
pub struct HuntArgs {
    /// Planted bugs to hunt, by name (default: every one; see `zksim list`).
    pub bugs: Vec<String>,
    /// Starting seeds per bug: start i is seed i × 1000003.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=i64::from(STARTS_MAX)))]
    pub starts: u32,
    /// Most seeds run from each start before the bug counts as not found there.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=MAX_SEEDS_MAX))]
    pub max_seeds: u64,
    /// Parallel simulations (default: the number of cores). The seeds to detection do not
    /// depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Also write the results as JSON to this file (schema in docs/HUNT.md).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Do not shrink the first detection of each bug.
    #[arg(long)]
    pub no_shrink: bool,
    /// The shrinker's budget of runs per bug.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(1..))]
    pub shrink_runs: u64,
    /// Hunt every named bug in this scenario (file or built-in name) instead of its own.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Print only the table, not a line per start.
    #[arg(long)]
    pub quiet: bool,
}

/// The bugs named (in order, once each), or every bug.
fn parse_bugs(names: &[String]) -> Result<Vec<PlantedBug>, String> {
    if names.is_empty() {
        return Ok(PlantedBug::ALL.to_vec());
    }
    let mut bugs = Vec::new();
    for name in names {
        let Some(bug) = PlantedBug::from_name(name) else {
            let known: Vec<&str> = PlantedBug::ALL.iter().map(|bug| bug.name()).collect();
            return Err(format!(
                "unknown planted bug `{name}`; known: {}",
                known.join(", ")
            ));
        };
        if !bugs.contains(&bug) {
            bugs.push(bug);
        }
    }
    Ok(bugs)
}

fn plans(args: &HuntArgs, bugs: &[PlantedBug]) -> Result<Vec<Plan>, String> {
    let scenario = match &args.scenario {
        Some(reference) => {
            let scenario = crate::builtin::resolve(reference).map_err(|e| e.to_string())?;
            Some((reference.clone(), scenario))
        }
        None => None,
    };
    bugs.iter()
        .map(|bug| Plan::new(*bug, scenario.clone()))
        .collect()
}

pub fn run(args: &HuntArgs) -> u8 {
    let bugs = match parse_bugs(&args.bugs) {
        Ok(bugs) => bugs,
        Err(message) => return bad_input(message),
    };
    if !Bugs::AVAILABLE {
        return bad_input(
            "this build carries no planted bugs, so there is nothing to hunt; rebuild with \
             `--features planted-bugs` (cargo build --release -p zksim --features planted-bugs)",
        );
    }
    let plans = match plans(args, &bugs) {
        Ok(plans) => plans,
        Err(message) => return bad_input(message),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let settings = HuntSettings {
        starts: args.starts,
        max_seeds: args.max_seeds,
        jobs,
        shrink_max_runs: (!args.no_shrink).then_some(args.shrink_runs),
    };
    crate::panics::quiet_hook();
    let report = hunt_all(args, &plans, &settings);
    println!("{}", table(&report));
    print_misses(&report);
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).expect("the report serializes");
        if let Err(error) = std::fs::write(path, json + "\n") {
            return bad_input(format!("cannot write {}: {error}", path.display()));
        }
    }
    if report.all_found {
        EXIT_PASS
    } else {
        EXIT_FAIL
    }
}

fn hunt_all(args: &HuntArgs, plans: &[Plan], settings: &HuntSettings) -> HuntReport {
    #[allow(clippy::disallowed_methods)] // wall time of the whole hunt, outside every simulation
    let started = std::time::Instant::now();
    let quiet = args.quiet;
    let starts = settings.starts;
    let mut show = |bug: PlantedBug, index: u32, outcome: &StartOutcome, plan: &Plan| {
        if !quiet {
            eprintln!("{}", start_line(bug, index, starts, outcome, plan));
        }
    };
    let bugs: Vec<_> = plans
        .iter()
        .map(|plan| hunt_bug(plan, settings, &mut show))
        .collect();
    HuntReport {
        schema_version: HUNT_SCHEMA_VERSION,
        build: crate::report::build_info(),
        command: command_line(),
        starts: settings.starts,
        start_stride: START_STRIDE,
        max_seeds: settings.max_seeds,
        jobs: settings.jobs,
        shrink_max_runs: settings.shrink_max_runs,
        wall_seconds: started.elapsed().as_secs_f64(),
        all_found: bugs.iter().all(|bug| bug.all_found()),
        bugs,
    }
}

fn start_line(
    bug: PlantedBug,
    index: u32,
    starts: u32,
    outcome: &StartOutcome,
    plan: &Plan,
) -> String {
    let head = format!(
        "{bug}: start {}/{starts} (seed {})",
        index + 1,
        outcome.start
    );
    match &outcome.detection {
        Some(found) => format!(
            "{head}: found after {} seed(s), at {} seed {} ({})",
            found.offset + 1,
            plan.scenarios[found.scenario].0,
            found.seed,
            found.kinds.join(", ")
        ),
        None => format!("{head}: NOT FOUND in {} seeds", outcome.seeds_simulated),
    }
}

fn print_misses(report: &HuntReport) {
    for bug in report.bugs.iter().filter(|bug| !bug.all_found()) {
        let missed: Vec<String> = bug
            .starts
            .iter()
            .filter(|start| !start.found)
            .map(|start| start.start_seed.to_string())
            .collect();
        println!(
            "NOT FOUND: {} within {} seeds from start(s) {}",
            bug.bug,
            report.max_seeds,
            missed.join(", ")
        );
    }
    if report.all_found {
        println!(
            "every bug found from every start ({:.1} s wall on {} job(s))",
            report.wall_seconds, report.jobs
        );
    }
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("zksim {}", args.join(" "))
}
