//! `zksim shrink REPORT`: reads a failure report, shrinks the failure, and
//! writes the smallest failing scenario as a scenario file.

use super::{shrink, Progress, ShrinkRequest};
use crate::cli::{bad_input, parse_bug, EXIT_FAIL, EXIT_PASS};
use crate::runner::bugs_for;
use crate::scenario::Scenario;
use crate::violation::ViolationKind;
use clap::Args;
use std::path::{Path, PathBuf};
use zksim_reports::{FailureReport, REPORT_SCHEMA_VERSION};

#[derive(Args, Debug)]
pub struct ShrinkArgs {
    /// A report folder written by `zksim run` (or the report.json inside it).
    pub report: PathBuf,
    /// Where to write the shrunk scenario (default: <scenario>-seed-<N>-shrunk.json here).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Most simulation runs to spend; the smallest failing scenario found by then is written.
    #[arg(long, default_value_t = 400)]
    pub max_runs: u64,
    /// Print only the result, not each step kept.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: &ShrinkArgs) -> u8 {
    let report = match load_report(&args.report) {
        Ok(report) => report,
        Err(message) => return bad_input(message),
    };
    let scenario = match scenario_of(&report) {
        Ok(scenario) => scenario,
        Err(message) => return bad_input(message),
    };
    let bug = match parse_bug(report.bug.as_deref()) {
        Ok(bug) => bug,
        Err(message) => return bad_input(message),
    };
    let Some(kind) = report.kind().and_then(ViolationKind::from_name) else {
        return bad_input(format!(
            "{}: the report names no violation kind this build knows",
            args.report.display()
        ));
    };
    crate::panics::quiet_hook();
    let quiet = args.quiet;
    let mut show = |progress: &Progress| {
        if !quiet {
            eprintln!(
                "[run {}/{}] {}: {}",
                progress.runs, progress.max_runs, progress.step, progress.size
            );
        }
    };
    let mut request = ShrinkRequest {
        scenario: &scenario,
        seed: report.seed,
        bugs: bugs_for(bug),
        kind,
        max_runs: args.max_runs.max(1),
        progress: &mut show,
    };
    let shrunk = match shrink(&mut request) {
        Ok(shrunk) => shrunk,
        Err(error) => {
            eprintln!("zksim: cannot shrink seed {}: {error}", report.seed);
            return EXIT_FAIL;
        }
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}-seed-{}-shrunk.json",
            scenario.name, report.seed
        ))
    });
    let mut result = shrunk.scenario.clone();
    result.name = shrunk_name(&scenario.name);
    result.description = describe(&scenario.name, report.seed, kind, report.bug.as_deref());
    if let Err(error) = std::fs::write(&out, result.to_json_pretty()) {
        return bad_input(format!("cannot write {}: {error}", out.display()));
    }
    println!(
        "shrunk in {} runs{}:",
        shrunk.runs,
        budget_note(shrunk.budget_exhausted)
    );
    println!("  from: {}", shrunk.original);
    println!("  to:   {}", shrunk.size);
    if !shrunk.explicit {
        println!("  (the recorded faults did not replay the failure: random fault rates kept)");
    }
    println!("wrote {}", out.display());
    let bug_flag = report
        .bug
        .map(|b| format!(" --bug {b}"))
        .unwrap_or_default();
    println!(
        "replay: zksim replay --scenario {} --seed {}{bug_flag}",
        out.display(),
        report.seed
    );
    EXIT_PASS
}

fn budget_note(exhausted: bool) -> &'static str {
    if exhausted {
        " (budget spent: raise --max-runs to shrink further)"
    } else {
        ""
    }
}

fn load_report(path: &Path) -> Result<FailureReport, String> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let report: FailureReport = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a zksim report: {e}", file.display()))?;
    if report.schema_version != REPORT_SCHEMA_VERSION {
        return Err(format!(
            "{}: report schema version {} (this build reads {REPORT_SCHEMA_VERSION})",
            file.display(),
            report.schema_version
        ));
    }
    Ok(report)
}

fn scenario_of(report: &FailureReport) -> Result<Scenario, String> {
    let text = report.scenario_json.to_string();
    Scenario::from_json_str(&text).map_err(|e| format!("the report's scenario: {e}"))
}

fn shrunk_name(name: &str) -> String {
    let mut shrunk = format!("{name}-shrunk");
    shrunk.truncate(crate::scenario::MAX_NAME_CHARS);
    shrunk
}

fn describe(scenario: &str, seed: u64, kind: ViolationKind, bug: Option<&str>) -> String {
    let bug = bug
        .map(|b| format!(" with planted bug {b}"))
        .unwrap_or_default();
    let mut text =
        format!("Shrunk from {scenario} seed {seed}{bug}: fails with {kind} at seed {seed}");
    text.truncate(crate::scenario::MAX_DESCRIPTION_CHARS);
    text
}
