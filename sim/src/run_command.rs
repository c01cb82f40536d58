//! `zksim run`: many seeds in parallel, a one-screen summary, and an output
//! folder for CI (summary JSON and Markdown, JUnit, a report folder per
//! failing seed).

use crate::builtin::DEFAULT_SCENARIO;
use crate::cli::{bad_input, load_with_bug, parse_seeds, EXIT_FAIL, EXIT_PASS};
use crate::runner::{run_seeds, RunRequest};
use crate::scenario::Scenario;
use clap::Args;
use std::ops::Range;
use std::path::{Path, PathBuf};
use zksim_core::bugs::PlantedBug;
use zksim_reports::summary::{parse_shard, shard_range, ProbeRequirement, ShardInfo};
use zksim_reports::RunSummary;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// A scenario file, or the name of a built-in scenario.
    #[arg(default_value = DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Seeds to run: `A..B` (B excluded) or a single seed `N`.
    #[arg(long, default_value = "0..1000", value_parser = parse_seeds)]
    pub seeds: Range<u64>,
    /// Run only shard K of N (`K/N`, 1-based): the K-th of N contiguous blocks of the seed
    /// range. Run each shard on its own machine and combine them with `zksim merge`.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Parallel simulations (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Plant a bug by name (needs a build with the `planted-bugs` feature; see `zksim list`).
    #[arg(long)]
    pub bug: Option<String>,
    /// Run every seed twice and fail on any difference between the two traces, naming the
    /// first diverging event.
    #[arg(long)]
    pub check_determinism: bool,
    /// Output folder: summary.json, summary.md, junit.xml, and reports/<scenario>-seed-<N>/
    /// for each failing seed (report.json, index.html, plots, summary.md).
    #[arg(long, default_value = "zksim-out")]
    pub out: PathBuf,
    /// Write nothing to the output folder.
    #[arg(long)]
    pub no_out: bool,
    /// Report folders written at most (for the first failing seeds).
    #[arg(long, default_value_t = 5)]
    pub max_reports: usize,
    /// Seeds per JUnit test case.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub junit_group: u64,
    /// Also write the run summary as JSON to this file.
    #[arg(long)]
    pub summary_json: Option<PathBuf>,
    /// Also write the run summary as Markdown to this file.
    #[arg(long)]
    pub summary_md: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: RunArgs) -> u8 {
    let (scenario, bug) = match load_with_bug(&args.scenario, args.bug.as_deref()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let (seeds, shard) = match args.shard {
        Some((index, count)) => {
            let block = shard_range(args.seeds.clone(), index, count);
            let info = ShardInfo {
                index,
                count,
                seed_start: args.seeds.start,
                seed_end: args.seeds.end,
            };
            (block, Some(info))
        }
        None => (args.seeds.clone(), None),
    };
    crate::panics::quiet_hook();
    let request = RunRequest {
        scenario: &scenario,
        scenario_ref: &args.scenario,
        seeds,
        jobs,
        bug,
        progress: !args.quiet,
        check_determinism: args.check_determinism,
        shard,
    };
    let mut summary = run_seeds(&request);
    summary.probe_requirements = requirements(&scenario, &summary);
    if !args.no_out {
        if let Err(message) = write_reports(&mut summary, &args, &scenario, bug) {
            return bad_input(message);
        }
    }
    print_summary(&summary, jobs);
    if let Err(message) = write_summaries(&summary, &args) {
        return bad_input(message);
    }
    if summary.verdict_passed() {
        EXIT_PASS
    } else {
        EXIT_FAIL
    }
}

/// The scenario's required probes against what the run reached.
fn requirements(scenario: &Scenario, summary: &RunSummary) -> Vec<ProbeRequirement> {
    scenario
        .expect
        .probes
        .iter()
        .map(|(probe, at_least)| ProbeRequirement {
            probe: probe.clone(),
            at_least: *at_least,
            hit: summary.probes.get(probe).copied().unwrap_or(0),
        })
        .collect()
}

/// The folder name of a failing seed's report.
pub fn report_name(scenario: &str, seed: u64, bug: Option<PlantedBug>) -> String {
    match bug {
        Some(bug) => format!("{scenario}-seed-{seed}-{bug}"),
        None => format!("{scenario}-seed-{seed}"),
    }
}

/// Re-runs the first failing seeds for their report folders.
fn write_reports(
    summary: &mut RunSummary,
    args: &RunArgs,
    scenario: &Scenario,
    bug: Option<PlantedBug>,
) -> Result<(), String> {
    let reports = args.out.join("reports");
    for failure in summary.failures.iter_mut().take(args.max_reports) {
        let dir = reports.join(report_name(&scenario.name, failure.seed, bug));
        create_dir(&reports)?;
        let report = crate::report::build(&args.scenario, scenario, failure.seed, bug);
        assert_eq!(
            report.trace_hash, failure.trace_hash,
            "the recorded re-run must be the same run"
        );
        zksim_reports::render::write_report_folder(&report, &dir)
            .map_err(|e| format!("cannot write the report {}: {e}", dir.display()))?;
        failure.report = Some(dir.display().to_string());
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn write_summaries(summary: &RunSummary, args: &RunArgs) -> Result<(), String> {
    let json = serde_json::to_string_pretty(summary).expect("summary serializes");
    if !args.no_out {
        create_dir(&args.out)?;
        write_file(&args.out.join("summary.json"), &json)?;
        write_file(&args.out.join("summary.md"), &summary.to_markdown())?;
        let junit =
            zksim_reports::junit::junit_xml(std::slice::from_ref(summary), args.junit_group);
        write_file(&args.out.join("junit.xml"), &junit)?;
    }
    if let Some(path) = &args.summary_json {
        write_file(path, &json)?;
    }
    if let Some(path) = &args.summary_md {
        write_file(path, &summary.to_markdown())?;
    }
    Ok(())
}

/// How many failures the summary prints in full.
const FAILURES_SHOWN: usize = 20;

fn print_summary(summary: &RunSummary, jobs: usize) {
    let verdict = if summary.verdict_passed() {
        "PASS"
    } else {
        "FAIL"
    };
    let shard = summary
        .shard
        .map(|s| {
            format!(
                " (shard {}/{} of {}..{})",
                s.index, s.count, s.seed_start, s.seed_end
            )
        })
        .unwrap_or_default();
    let bug = summary
        .bug
        .as_deref()
        .map(|bug| format!(" with planted bug {bug}"))
        .unwrap_or_default();
    println!(
        "{verdict}: scenario {} seeds {}..{}{shard}{bug}",
        summary.scenario, summary.seed_start, summary.seed_end
    );
    println!(
        "  seeds:    {} run, {} passed, {} failed",
        summary.seeds_run, summary.passed, summary.failed
    );
    println!(
        "  speed:    {:.1} s wall on {jobs} job(s), {:.1} seeds/s, {:.2} M events/s, virtual time {:.0}x wall",
        summary.wall_seconds,
        summary.seeds_per_second(),
        summary.events_per_second() / 1e6,
        summary.time_ratio()
    );
    if summary.determinism_checked > 0 {
        println!(
            "  determinism: {} seeds run twice, {} differed",
            summary.determinism_checked,
            summary.nondeterministic.len()
        );
    }
    print_counts("expected (beyond the fault model)", &summary.expected);
    print_counts("coverage", &summary.probes);
    for requirement in &summary.probe_requirements {
        let met = if requirement.hit >= requirement.at_least {
            "met"
        } else {
            "NOT MET"
        };
        println!(
            "  required: {} >= {}: hit {} ({met})",
            requirement.probe, requirement.at_least, requirement.hit
        );
    }
    for record in summary.nondeterministic.iter().take(FAILURES_SHOWN) {
        println!(
            "NONDETERMINISTIC seed {} ({} vs {}): {}",
            record.seed, record.first_hash, record.second_hash, record.divergence
        );
    }
    print_failures(summary);
}

fn print_counts(title: &str, counts: &std::collections::BTreeMap<String, u64>) {
    if counts.is_empty() {
        return;
    }
    let items: Vec<String> = counts
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!("  {title}: {}", items.join(", "));
}

fn print_failures(summary: &RunSummary) {
    for failure in summary.failures.iter().take(FAILURES_SHOWN) {
        println!(
            "FAIL seed {} (trace-hash {})",
            failure.seed, failure.trace_hash
        );
        for violation in failure.violations.iter().take(3) {
            let node = violation
                .node
                .map(|node| format!(" n{node}"))
                .unwrap_or_default();
            println!(
                "  [{}] t={}ms{node}: {}",
                violation.kind, violation.time_ms, violation.message
            );
        }
        println!("  replay: {}", failure.replay);
        if let Some(report) = &failure.report {
            println!("  report: {report}/index.html");
        }
    }
    if summary.failures.len() > FAILURES_SHOWN {
        println!(
            "... and {} more failing seeds",
            summary.failures.len() - FAILURES_SHOWN
        );
    }
}
