//! For every planted bug, `zksim run` writes a full report folder for the
//! failing seed, and `zksim shrink` turns it into a scenario file that still
//! fails the same way when replayed.
#![cfg(feature = "planted-bugs")]

use crate::common::{hunt_for, stdout, zksim};
use std::path::Path;
use zksim_core::bugs::PlantedBug;
use zksim_reports::{FailureReport, RunSummary, REPORT_SCHEMA_VERSION};

const REPORT_FILES: [&str; 7] = [
    "index.html",
    "latency.svg",
    "messages.svg",
    "operations.svg",
    "report.json",
    "summary.md",
    "timeline.svg",
];

fn check_report_folder(bug: PlantedBug, folder: &Path) -> FailureReport {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("the report folder exists")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, REPORT_FILES, "{bug}");
    let json = std::fs::read_to_string(folder.join("report.json")).expect("report.json");
    let report: FailureReport = serde_json::from_str(&json).expect("a valid report");
    assert_eq!(report.schema_version, REPORT_SCHEMA_VERSION);
    assert_eq!(report.bug.as_deref(), Some(bug.name()));
    assert!(!report.timeline.is_empty(), "{bug}: a row per replica");
    assert!(report.kind().is_some(), "{bug}: the violation");
    let html = std::fs::read_to_string(folder.join("index.html")).expect("index.html");
    assert_eq!(html.matches("<svg").count(), 4, "{bug}: four plots inlined");
    report
}

#[test]
fn every_planted_bug_gets_a_report_and_a_shrunk_scenario_that_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bug in PlantedBug::ALL {
        let Some((scenario, seeds)) = hunt_for(bug) else {
            continue;
        };
        let out = dir.path().join(bug.name());
        let out_arg = out.to_str().expect("utf-8");
        let run = zksim(&[
            "run",
            scenario,
            "--seeds",
            seeds,
            "--quiet",
            "--bug",
            bug.name(),
            "--out",
            out_arg,
            "--max-reports",
            "1",
        ]);
        assert_eq!(run.status.code(), Some(1), "{bug}: {}", stdout(&run));
        let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
        let summary = RunSummary::from_json(&summary).expect("a valid summary");
        let failure = summary.failures.first().expect("a failing seed");
        let folder = failure.report.as_deref().expect("its report folder");
        let report = check_report_folder(bug, Path::new(folder));
        assert!(out.join("junit.xml").exists());

        let shrunk = out.join("shrunk.json");
        let shrunk_arg = shrunk.to_str().expect("utf-8");
        let shrink = zksim(&[
            "shrink",
            folder,
            "--out",
            shrunk_arg,
            "--max-runs",
            "40",
            "--quiet",
        ]);
        assert_eq!(shrink.status.code(), Some(0), "{bug}: {}", stdout(&shrink));
        let seed = report.seed.to_string();
        let shrunk_report = out.join("shrunk-report");
        let replay = zksim(&[
            "replay",
            "--scenario",
            shrunk_arg,
            "--seed",
            &seed,
            "--bug",
            bug.name(),
            "--report",
            shrunk_report.to_str().expect("utf-8"),
        ]);
        let kind = report.kind().expect("a kind");
        assert_eq!(replay.status.code(), Some(1), "{bug}: {}", stdout(&replay));
        assert!(
            stdout(&replay).contains(&format!("[{kind}]")),
            "{bug}: {}",
            stdout(&replay)
        );
        let shrunk = check_report_folder(bug, &shrunk_report);
        assert!(
            shrunk
                .violations
                .iter()
                .any(|v| Some(v.kind.as_str()) == report.kind()),
            "{bug}: the shrunk run's report shows the violation"
        );
    }
}
