//! The command line: `zksim run`, `zksim replay`, `zksim hunt`, `zksim bench`, `zksim list`,
//! `zksim check`.

use crate::builtin::{resolve, BUILTIN};
use crate::hunt_command::HuntArgs;
use crate::lincheck::command::CheckArgs;
use crate::merge_command::MergeArgs;
pub use crate::run_command::RunArgs;
use crate::runner::{bugs_for, failure_record};
use crate::scenario::Scenario;
use crate::shrink::command::ShrinkArgs;
use crate::trace::format_hash;
use crate::world::run_seed_with_history;
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;
use zksim_core::bugs::{Bugs, PlantedBug};

/// Exit codes: 0 all seeds passed, 1 some failed, 2 bad input.
pub const EXIT_PASS: u8 = 0;
pub const EXIT_FAIL: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "zksim",
    version,
    about = "Deterministic simulation testbed for a ZooKeeper-style replicated store",
    long_about = "Runs seeded simulations of a ZooKeeper-style replicated store (ZAB) under crashes, \
                  disk faults and network partitions, checks every recovery and ZooKeeper's own \
                  invariants, and reproduces any failure exactly from its seed.\n\n\
                  A failing seed gets a report folder (HTML with plots, JSON); `zksim shrink` \
                  minimizes it to a scenario file; `zksim merge` combines sharded runs; \
                  `zksim hunt` measures how many seeds each planted bug takes to find, \
                  `zksim bench` how fast the simulator and the checker run. Also \
                  checks recorded histories for linearizability (`zksim check`).\n\n\
                  Exit codes: 0 = every seed passed, 1 = some seed failed (or ran differently \
                  twice, or missed the scenario's required coverage; `zksim hunt`: some bug \
                  was not found from some start), 2 = bad input; \
                  `zksim check`: 0 = linearizable, 1 = not linearizable, 2 = bad input, \
                  3 = unknown within the budget."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario over a range of seeds, in parallel across seeds.
    ///
    /// Writes summary.json, summary.md, junit.xml and a report folder per failing seed
    /// (report.json, index.html with plots, summary.md) to --out.
    Run(RunArgs),
    /// Minimize a failure to a small scenario file that still fails the same way.
    ///
    /// Reads a report folder (or its report.json) written by `zksim run`, and writes a
    /// scenario with an explicit fault schedule: replay it with the seed it prints.
    Shrink(ShrinkArgs),
    /// Combine the outputs of sharded runs (`zksim run --shard K/N`) into one.
    ///
    /// Reads summary.json files (or output folders holding one) and writes the merged
    /// summary.json, summary.md and junit.xml.
    Merge(MergeArgs),
    /// Re-run one seed exactly and print its trace hash.
    Replay(ReplayArgs),
    /// Measure how many seeds each planted bug takes to find (needs `--features planted-bugs`).
    ///
    /// For each bug and each of --starts far-apart starting seeds, runs consecutive seeds of
    /// the bug's scenarios until the first that fails (for nondeterministic-iteration: whose
    /// two runs differ), then shrinks the first detection. Prints the seeds to detection
    /// (median, max), the wall time, the violation kinds and the shrunk size; --json writes
    /// them (docs/HUNT.md). Exit 0 if every bug was found from every start, 1 if not.
    Hunt(HuntArgs),
    /// List the built-in scenarios and the planted bugs.
    List,
    /// Check or print a data directory written by the core (`verify`, `dump`).
    Datadir(crate::datadir::DatadirArgs),
    /// Run a script of client operations against a fault-free ensemble and print each
    /// result as JSON (docs/EXEC-FORMAT.md).
    Exec(crate::exec::ExecArgs),
    /// Check a recorded history for linearizability against a model.
    ///
    /// Exit codes: 0 = linearizable, 1 = not linearizable, 2 = bad input, 3 = unknown within
    /// the budget.
    Check(CheckArgs),
    /// Measure the simulator and the checker on this machine: events per second on one core,
    /// committed writes per wall second on a 5-replica ensemble, seeds per second across jobs,
    /// checker times, peak memory (docs/PERFORMANCE.md).
    Bench(crate::bench_command::BenchArgs),
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A scenario file, or the name of a built-in scenario.
    #[arg(long)]
    pub scenario: String,
    #[arg(long)]
    pub seed: u64,
    /// Plant a bug by name, as the failing run did.
    #[arg(long)]
    pub bug: Option<String>,
    /// Write every event of the run to this file as JSON lines.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Write the client history to this file as JSON lines (check it with `zksim check --model zk`).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Also write the run's report folder (index.html, plots, report.json) here, failing or not.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

pub fn parse_seeds(text: &str) -> Result<Range<u64>, String> {
    let parse = |part: &str| {
        part.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{part}` is not a seed number"))
    };
    let range = match text.split_once("..") {
        Some((start, end)) => parse(start)?..parse(end)?,
        None => {
            let seed = parse(text)?;
            seed..seed.checked_add(1).ok_or("seed too large")?
        }
    };
    if range.start >= range.end {
        return Err(format!(
            "`{text}` is an empty range (write A..B with A < B)"
        ));
    }
    Ok(range)
}

pub fn main_with(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Run(args) => crate::run_command::run(args),
        Command::Shrink(args) => crate::shrink::command::run(&args),
        Command::Merge(args) => crate::merge_command::run(&args),
        Command::Replay(args) => replay(args),
        Command::Hunt(args) => crate::hunt_command::run(&args),
        Command::List => list(),
        Command::Exec(args) => crate::exec::run(&args),
        Command::Datadir(args) => crate::datadir::run(&args),
        Command::Check(args) => crate::lincheck::command::run(&args),
        Command::Bench(args) => crate::bench_command::run(&args),
    };
    ExitCode::from(code)
}

pub(crate) fn bad_input(message: impl std::fmt::Display) -> u8 {
    eprintln!("zksim: {message}");
    EXIT_BAD_INPUT
}

pub(crate) fn parse_bug(name: Option<&str>) -> Result<Option<PlantedBug>, String> {
    let Some(name) = name else { return Ok(None) };
    let Some(bug) = PlantedBug::from_name(name) else {
        let known: Vec<&str> = PlantedBug::ALL.iter().map(|bug| bug.name()).collect();
        return Err(format!(
            "unknown planted bug `{name}`; known: {}",
            known.join(", ")
        ));
    };
    if !Bugs::AVAILABLE {
        return Err(format!(
            "this build carries no planted bugs; rebuild with `--features planted-bugs` to use --bug {name}"
        ));
    }
    Ok(Some(bug))
}

fn load(reference: &str) -> Result<Scenario, u8> {
    resolve(reference).map_err(bad_input)
}

/// The scenario and the planted bug named on the command line, or the exit code.
pub(crate) fn load_with_bug(
    reference: &str,
    bug: Option<&str>,
) -> Result<(Scenario, Option<PlantedBug>), u8> {
    let scenario = load(reference)?;
    let bug = parse_bug(bug).map_err(bad_input)?;
    Ok((scenario, bug))
}

fn replay(args: ReplayArgs) -> u8 {
    let (scenario, bug) = match load_with_bug(&args.scenario, args.bug.as_deref()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let sink: Option<Box<dyn Write>> = match &args.trace {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Some(Box::new(std::io::BufWriter::new(file))),
            Err(error) => return bad_input(format!("cannot create {}: {error}", path.display())),
        },
        None => None,
    };
    crate::panics::quiet_hook();
    let (outcome, history) = run_seed_with_history(&scenario, args.seed, bugs_for(bug), sink);
    if let Some(path) = &args.history {
        let json = crate::zkmodel::history_to_json(&history);
        if let Err(error) = std::fs::write(path, json) {
            return bad_input(format!("cannot write {}: {error}", path.display()));
        }
    }
    if let Some(dir) = &args.report {
        let report = crate::report::build(&args.scenario, &scenario, args.seed, bug);
        assert_eq!(
            report.trace_hash,
            format_hash(outcome.trace_hash),
            "the same run"
        );
        if let Err(error) = zksim_reports::render::write_report_folder(&report, dir) {
            return bad_input(format!(
                "cannot write the report {}: {error}",
                dir.display()
            ));
        }
        println!("report: {}/index.html", dir.display());
    }
    let record = failure_record(&args.scenario, bug, &outcome);
    for violation in &record.violations {
        let node = violation
            .node
            .map(|node| format!(" n{node}"))
            .unwrap_or_default();
        println!(
            "[{}] t={}ms{node}: {}",
            violation.kind, violation.time_ms, violation.message
        );
    }
    for violation in &outcome.expected {
        println!("expected (beyond the fault model): {violation}");
    }
    println!(
        "events: {}, virtual time: {} ms",
        outcome.events, outcome.virtual_ms
    );
    println!("trace-hash: {}", format_hash(outcome.trace_hash));
    if outcome.passed() {
        EXIT_PASS
    } else {
        EXIT_FAIL
    }
}

fn list() -> u8 {
    println!("Built-in scenarios (zksim run NAME):");
    for (name, json) in BUILTIN {
        let description = Scenario::from_json_str(json)
            .map(|s| s.description)
            .unwrap_or_default();
        println!("  {name:<28} {description}");
    }
    let availability = if Bugs::AVAILABLE {
        ""
    } else {
        " (not in this build: rebuild with --features planted-bugs)"
    };
    println!("\nPlanted bugs (zksim run --bug NAME){availability}:");
    for bug in PlantedBug::ALL {
        println!("  {:<28} {}", bug.name(), bug.description());
    }
    EXIT_PASS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_parse_with_clear_errors() {
        assert_eq!(parse_seeds("0..10"), Ok(0..10));
        assert_eq!(parse_seeds("7"), Ok(7..8));
        assert!(parse_seeds("5..5").unwrap_err().contains("empty range"));
        assert!(parse_seeds("a..3")
            .unwrap_err()
            .contains("not a seed number"));
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
