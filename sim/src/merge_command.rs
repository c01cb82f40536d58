//! `zksim merge`: joins the outputs of one run split across machines (`zksim run --shard
//! K/N`, or adjacent `--seeds` ranges) into the summary, Markdown and JUnit of the whole
//! run, and judges the whole run: coverage requirements only mean something over all
//! of its seeds.

use crate::cli::{bad_input, EXIT_FAIL, EXIT_PASS};
use clap::Args;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use zksim_reports::junit::junit_xml;
use zksim_reports::merge::{merge_labelled_junit, merge_labelled_summaries};
use zksim_reports::RunSummary;

/// Combine the outputs of a run split across machines into those of the whole run.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  zksim run my.json --seeds 0..100000 --shard 1/4 --out shard-1     (one per machine)
  zksim merge shard-1 shard-2 shard-3 shard-4 --out merged

Every part must be of the same scenario and planted bug; together they must cover the
seed range exactly once (all N shards of a split, or adjacent ranges). Wall time in the
merged summary is machine time summed over the parts, not elapsed time.

Exit codes: 0 = merged and every seed passed, 1 = merged but some seed failed, a coverage
requirement is unmet or a seed was nondeterministic, 2 = bad input (an unreadable,
malformed or newer-schema file, or parts that do not fit together; the message names
the file and the reason).")]
pub struct MergeArgs {
    /// Summaries of the parts: summary JSON files (from `zksim run --out DIR` or
    /// `--summary-json FILE`), or the directories holding their summary.json.
    #[arg(required = true, value_name = "SUMMARY")]
    pub inputs: Vec<PathBuf>,
    /// Write the merged DIR/summary.json, DIR/summary.md and DIR/junit.xml (creating DIR).
    /// Without it, only print the merged verdict.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The parts' JUnit files, to combine into DIR/junit.xml instead of regenerating it
    /// from the merged summary (keeps their test cases; coverage and determinism are
    /// recomputed for the whole run). Needs --out.
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "out")]
    pub junit: Vec<PathBuf>,
    /// Seeds per JUnit test case when regenerating DIR/junit.xml; cases align to
    /// multiples of N, as `zksim run --junit-group N` makes them.
    #[arg(
        long,
        value_name = "N",
        alias = "junit-group",
        default_value_t = 100,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub group_size: u64,
}

/// How many failing seeds the printed summary shows in full.
const FAILURES_SHOWN: usize = 10;
/// How many nondeterministic seeds the printed summary shows.
const DIVERGENCES_SHOWN: usize = 5;

/// Runs `zksim merge`: 0 merged and passed, 1 merged but the whole run failed, 2 bad input.
pub fn run(args: &MergeArgs) -> u8 {
    match merge(args) {
        Ok((summary, written)) => {
            print!("{}", render_verdict(&summary, args.inputs.len(), &written));
            if summary.verdict_passed() {
                EXIT_PASS
            } else {
                EXIT_FAIL
            }
        }
        Err(message) => bad_input(format!("merge: {message}")),
    }
}

/// Merges the inputs and writes the outputs; returns the merged summary and the files
/// written. Every error names the file it is about.
fn merge(args: &MergeArgs) -> Result<(RunSummary, Vec<PathBuf>), String> {
    let parts = args
        .inputs
        .iter()
        .map(|input| load_summary(input))
        .collect::<Result<Vec<_>, String>>()?;
    let summary = merge_labelled_summaries(parts)?;
    assert_eq!(summary.passed + summary.failed, summary.seeds_run);
    let Some(out) = &args.out else {
        return Ok((summary, Vec::new()));
    };
    let junit = match args.junit.as_slice() {
        [] => junit_xml(std::slice::from_ref(&summary), args.group_size),
        files => merge_labelled_junit(&read_all(files)?)?,
    };
    let written = write_outputs(out, &summary, &junit)?;
    Ok((summary, written))
}

/// Reads one part: a summary file, or a directory's summary.json. The label is the path.
fn load_summary(input: &Path) -> Result<(String, RunSummary), String> {
    let file = if input.is_dir() {
        let file = input.join("summary.json");
        if !file.is_file() {
            return Err(format!(
                "{}: no summary.json in this directory (was it written by `zksim run --out`?)",
                input.display()
            ));
        }
        file
    } else {
        input.to_path_buf()
    };
    let label = file.display().to_string();
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{label}: cannot read: {e}"))?;
    let summary = RunSummary::from_json(&text).map_err(|e| format!("{label}: {e}"))?;
    Ok((label, summary))
}

fn read_all(files: &[PathBuf]) -> Result<Vec<(String, String)>, String> {
    files
        .iter()
        .map(|file| {
            let label = file.display().to_string();
            match std::fs::read_to_string(file) {
                Ok(text) => Ok((label, text)),
                Err(e) => Err(format!("{label}: cannot read: {e}")),
            }
        })
        .collect()
}

fn write_outputs(out: &Path, summary: &RunSummary, junit: &str) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(out)
        .map_err(|e| format!("{}: cannot create the directory: {e}", out.display()))?;
    let json = serde_json::to_string_pretty(summary).expect("a summary serializes");
    let files = [
        ("summary.json", json),
        ("summary.md", summary.to_markdown()),
        ("junit.xml", junit.to_string()),
    ];
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = out.join(name);
        std::fs::write(&path, contents)
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The one-screen merged summary: verdict, counts, why it failed, failing seeds with
/// their replay commands, and what was written.
fn render_verdict(summary: &RunSummary, parts: usize, written: &[PathBuf]) -> String {
    let mut out = String::new();
    let verdict = if summary.verdict_passed() {
        "PASS"
    } else {
        "FAIL"
    };
    let bug = summary
        .bug
        .as_deref()
        .map(|bug| format!(" with planted bug {bug}"));
    let _ = writeln!(
        out,
        "{verdict}: scenario {} seeds {}..{}{}, merged from {parts} part(s)",
        summary.scenario,
        summary.seed_start,
        summary.seed_end,
        bug.unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "  seeds:        {} run, {} passed, {} failed",
        summary.seeds_run, summary.passed, summary.failed
    );
    let _ = writeln!(
        out,
        "  machine time: {:.1} s summed over the parts ({:.1} seeds/s per machine)",
        summary.wall_seconds,
        summary.seeds_per_second()
    );
    render_checks(&mut out, summary);
    render_failures(&mut out, summary);
    if !written.is_empty() {
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        let _ = writeln!(out, "wrote {}", names.join(", "));
    }
    out
}

/// Coverage requirements and determinism, when the run had them.
fn render_checks(out: &mut String, summary: &RunSummary) {
    if !summary.probe_requirements.is_empty() {
        let unmet = summary.unmet_requirements();
        let listed: Vec<String> = unmet
            .iter()
            .map(|r| format!("{} hit {} < {}", r.probe, r.hit, r.at_least))
            .collect();
        let _ = writeln!(
            out,
            "  coverage:     {} requirement(s) met, {} unmet{}",
            summary.probe_requirements.len() - unmet.len(),
            unmet.len(),
            if listed.is_empty() {
                String::new()
            } else {
                format!(": {}", listed.join(", "))
            }
        );
    }
    if summary.determinism_checked > 0 || !summary.nondeterministic.is_empty() {
        let _ = writeln!(
            out,
            "  determinism:  {} seed(s) run twice, {} diverged",
            summary.determinism_checked,
            summary.nondeterministic.len()
        );
    }
    for record in summary.nondeterministic.iter().take(DIVERGENCES_SHOWN) {
        let _ = writeln!(
            out,
            "NONDETERMINISTIC seed {}: {}",
            record.seed, record.divergence
        );
    }
}

fn render_failures(out: &mut String, summary: &RunSummary) {
    for failure in summary.failures.iter().take(FAILURES_SHOWN) {
        let _ = writeln!(
            out,
            "FAIL seed {} (trace-hash {})",
            failure.seed, failure.trace_hash
        );
        for violation in failure.violations.iter().take(2) {
            let _ = writeln!(
                out,
                "  [{}] t={}ms: {}",
                violation.kind, violation.time_ms, violation.message
            );
        }
        let _ = writeln!(out, "  replay: {}", failure.replay);
        if let Some(report) = &failure.report {
            let _ = writeln!(out, "  report: {report}");
        }
    }
    if summary.failures.len() > FAILURES_SHOWN {
        let _ = writeln!(
            out,
            "... and {} more failing seeds (all in summary.md)",
            summary.failures.len() - FAILURES_SHOWN
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use zksim_reports::{FailureRecord, ShardInfo, ViolationRecord, SUMMARY_SCHEMA_VERSION};

    /// Shard `index` of 2 over seeds 0..10; seed 7 fails when `failing`.
    fn shard(index: u32, failing: bool) -> RunSummary {
        let block = if index == 1 { 0..5 } else { 5..10 };
        let mut summary = RunSummary::empty("s", "s.json", block, None);
        summary.shard = Some(ShardInfo {
            index,
            count: 2,
            seed_start: 0,
            seed_end: 10,
        });
        summary.seeds_run = 5;
        summary.passed = 5;
        summary.wall_seconds = 1.5;
        if failing && index == 2 {
            summary.passed = 4;
            summary.failed = 1;
            summary.failures.push(FailureRecord {
                seed: 7,
                trace_hash: "0007".into(),
                violations: vec![ViolationRecord {
                    kind: "lost-acked-write".into(),
                    time_ms: 3,
                    node: None,
                    message: "write 4 lost".into(),
                }],
                replay: "zksim replay --scenario s.json --seed 7".into(),
                report: Some("shard-2/reports/s-seed-7".into()),
            });
        }
        summary
    }

    fn write_json(path: &Path, summary: &RunSummary) {
        std::fs::write(path, serde_json::to_string(summary).unwrap()).unwrap();
    }

    /// Shard 1 as `DIR/shard-1/summary.json` (given as its directory), shard 2 as a file.
    fn inputs(dir: &Path, failing: bool) -> Vec<PathBuf> {
        let shard_dir = dir.join("shard-1");
        std::fs::create_dir(&shard_dir).unwrap();
        write_json(&shard_dir.join("summary.json"), &shard(1, failing));
        let file = dir.join("shard-2.json");
        write_json(&file, &shard(2, failing));
        vec![shard_dir, file]
    }

    fn args(inputs: Vec<PathBuf>, out: Option<PathBuf>) -> MergeArgs {
        MergeArgs {
            inputs,
            out,
            junit: Vec::new(),
            group_size: 5,
        }
    }

    #[test]
    fn merging_writes_the_three_outputs_and_exits_by_the_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("merged");
        let merge_args = args(inputs(dir.path(), true), Some(out.clone()));
        assert_eq!(run(&merge_args), EXIT_FAIL);
        let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
        let merged = RunSummary::from_json(&text).unwrap();
        assert_eq!((merged.seeds_run, merged.passed, merged.failed), (10, 9, 1));
        assert_eq!(
            (merged.shard, merged.schema_version),
            (None, SUMMARY_SCHEMA_VERSION)
        );
        assert_eq!(merged.wall_seconds, 3.0);
        let markdown = std::fs::read_to_string(out.join("summary.md")).unwrap();
        assert!(markdown.contains("report `shard-2/reports/s-seed-7`"));
        let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
        assert!(junit.contains("name=\"seeds 5..10\"") && junit.contains("failures=\"1\""));

        let clean = tempfile::tempdir().unwrap();
        assert_eq!(run(&args(inputs(clean.path(), false), None)), EXIT_PASS);
        assert!(!clean.path().join("merged").exists());
    }

    #[test]
    fn the_printed_verdict_names_failing_seeds_with_replay_and_report() {
        let dir = tempfile::tempdir().unwrap();
        let (summary, written) = merge(&args(inputs(dir.path(), true), None)).unwrap();
        assert!(written.is_empty());
        let printed = render_verdict(&summary, 2, &written);
        for needle in [
            "FAIL: scenario s seeds 0..10, merged from 2 part(s)",
            "10 run, 9 passed, 1 failed",
            "3.0 s summed over the parts",
            "FAIL seed 7 (trace-hash 0007)",
            "[lost-acked-write] t=3ms: write 4 lost",
            "replay: zksim replay --scenario s.json --seed 7",
            "report: shard-2/reports/s-seed-7",
        ] {
            assert!(printed.contains(needle), "missing {needle:?} in\n{printed}");
        }
        assert!(printed.lines().count() <= 24, "not one screen:\n{printed}");
    }

    #[test]
    fn given_junit_files_are_combined_instead_of_regenerated() {
        let dir = tempfile::tempdir().unwrap();
        let mut junit_files = Vec::new();
        for index in [1, 2] {
            let file = dir.path().join(format!("junit-{index}.xml"));
            std::fs::write(&file, junit_xml(&[shard(index, true)], 2)).unwrap();
            junit_files.push(file);
        }
        let out = dir.path().join("merged");
        let mut merge_args = args(inputs(dir.path(), true), Some(out.clone()));
        merge_args.junit = junit_files;
        merge(&merge_args).unwrap();
        let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
        // Groups of 2 (from the files), not of 5 (--group-size): 0..2 2..4 4..5+5..6 6..8 8..10.
        assert_eq!(junit.matches("<testcase ").count(), 5, "{junit}");
        assert!(junit.contains("name=\"seeds 4..6\""));
    }

    #[test]
    fn bad_inputs_are_errors_naming_the_file_and_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.json");
        write_json(&good, &shard(1, false));
        let malformed = dir.path().join("malformed.json");
        std::fs::write(&malformed, "{\"schema_version\": 2, \"scenario\": ").unwrap();
        let newer = dir.path().join("newer.json");
        std::fs::write(&newer, "{\"schema_version\": 99}").unwrap();
        let empty_dir = dir.path().join("empty");
        std::fs::create_dir(&empty_dir).unwrap();
        let bad_junit = dir.path().join("junit.xml");
        std::fs::write(&bad_junit, "<testsuites>").unwrap();
        let cases: [(Vec<PathBuf>, &str); 5] = [
            (
                vec![dir.path().join("absent.json")],
                "absent.json: cannot read",
            ),
            (vec![malformed.clone()], "malformed.json: not valid JSON"),
            (
                vec![newer],
                "newer.json: summary schema version 99 is newer",
            ),
            (vec![empty_dir], "empty: no summary.json in this directory"),
            (vec![good.clone()], "missing shard(s) 2/2 of seeds 0..10"),
        ];
        for (inputs, expected) in cases {
            let error = merge(&args(inputs, None)).unwrap_err();
            assert!(
                error.contains(expected),
                "expected {expected:?} in: {error}"
            );
        }
        let mut junit_args = args(inputs(dir.path(), false), Some(dir.path().join("out")));
        junit_args.junit = vec![bad_junit];
        let error = merge(&junit_args).unwrap_err();
        assert!(error.contains("junit.xml: not valid XML"), "{error}");
        assert_eq!(
            run(&args(vec![malformed], None)),
            crate::cli::EXIT_BAD_INPUT
        );
    }

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        merge: MergeArgs,
    }

    #[test]
    fn the_command_line_parses_and_rejects_nonsense() {
        let cli = Cli::try_parse_from([
            "merge",
            "a",
            "b/",
            "--out",
            "m",
            "--junit",
            "a.xml",
            "b.xml",
            "--junit-group",
            "50",
        ])
        .unwrap();
        assert_eq!(cli.merge.inputs, [PathBuf::from("a"), PathBuf::from("b/")]);
        assert_eq!(
            cli.merge.junit,
            [PathBuf::from("a.xml"), PathBuf::from("b.xml")]
        );
        assert_eq!(
            (cli.merge.group_size, cli.merge.out),
            (50, Some(PathBuf::from("m")))
        );
        assert_eq!(
            Cli::try_parse_from(["merge", "a"])
                .unwrap()
                .merge
                .group_size,
            100
        );
        for bad in [
            vec!["merge"],
            vec!["merge", "a", "--group-size", "0"],
            vec!["merge", "a", "--junit", "a.xml"],
        ] {
            assert!(Cli::try_parse_from(&bad).is_err(), "{bad:?} parsed");
        }
    }
}
