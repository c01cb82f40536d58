//! Every planted bug is caught by `zksim run`, and the replay command it
//! prints reproduces the failure with the same trace hash.
#![cfg(feature = "planted-bugs")]

use std::process::Command;
use zksim_core::bugs::PlantedBug;
use zksim_reports::RunSummary;

fn scenario_for(bug: PlantedBug) -> &'static str {
    match bug {
        PlantedBug::AckBeforeFsync => "single-node-crash",
        PlantedBug::SkipTornTailTruncation => "single-node-disk-faults",
    }
}

#[test]
fn every_planted_bug_is_found_and_replays_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bug in PlantedBug::ALL {
        let json = dir.path().join(format!("{bug}.json"));
        let output = Command::new(env!("CARGO_BIN_EXE_zksim"))
            .args([
                "run",
                scenario_for(bug),
                "--seeds",
                "0..40",
                "--quiet",
                "--bug",
                bug.name(),
            ])
            .arg("--summary-json")
            .arg(&json)
            .output()
            .expect("zksim runs");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{bug} must be found: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        let summary: RunSummary =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("summary")).expect("valid");
        let failure = summary.failures.first().expect("a failing seed");
        let replay: Vec<&str> = failure.replay.split_whitespace().collect();
        assert_eq!(replay[0], "zksim");
        assert!(
            failure.replay.contains(&format!("--bug {bug}")),
            "{}",
            failure.replay
        );
        let replayed = Command::new(env!("CARGO_BIN_EXE_zksim"))
            .args(&replay[1..])
            .output()
            .expect("replay runs");
        let stdout = String::from_utf8_lossy(&replayed.stdout);
        assert_eq!(
            replayed.status.code(),
            Some(1),
            "{bug}: replay must fail too: {stdout}"
        );
        assert!(
            stdout.contains(&format!("trace-hash: {}", failure.trace_hash)),
            "{bug}: {stdout}"
        );
        assert!(
            stdout.contains(&format!("[{}]", failure.violations[0].kind)),
            "{bug}: {stdout}"
        );
    }
}

#[test]
fn the_clean_core_passes_the_same_seeds() {
    for bug in PlantedBug::ALL {
        let output = Command::new(env!("CARGO_BIN_EXE_zksim"))
            .args(["run", scenario_for(bug), "--seeds", "0..40", "--quiet"])
            .output()
            .expect("zksim runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}
