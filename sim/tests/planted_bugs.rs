//! Every planted bug is caught by `zksim run`, and the replay command it
//! prints reproduces the failure with the same trace hash; the clean core
//! passes the same seeds.
#![cfg(feature = "planted-bugs")]

use std::process::Command;
use zksim_core::bugs::PlantedBug;
use zksim_reports::RunSummary;

/// Where each bug is looked for: a scenario and a seed range that holds at
/// least one detection (see `zksim run --bug` for how often each is found).
fn hunt_for(bug: PlantedBug) -> (&'static str, &'static str) {
    match bug {
        PlantedBug::AckBeforeFsync => ("single-node-crash", "0..3"),
        PlantedBug::SkipTornTailTruncation => ("single-node-disk-faults", "0..3"),
        PlantedBug::DiffInsteadOfTrunc => ("leader-failover", "2..4"),
        PlantedBug::AckNewLeaderBeforeLogging => ("swarm", "7..8"),
        PlantedBug::EpochBeforeTxns => ("leader-failover", "6..7"),
        PlantedBug::StaleProposalsAfterShutdown => ("swarm", "56..57"),
        PlantedBug::ApplyBeforeDurable => ("leader-failover", "12..13"),
        PlantedBug::CommitWithoutQuorum => ("leader-failover", "1..3"),
        PlantedBug::StaleReadAfterReconnect => ("stale-followers", "3..4"),
        PlantedBug::LostUpdateInMulti => ("clients", "0..3"),
        PlantedBug::EphemeralAfterExpiry => ("clients", "0..10"),
        PlantedBug::WatchAfterRead => ("clients", "0..3"),
        PlantedBug::SetWatchesIgnoresZxid => ("config-watchers", "0..3"),
    }
}

fn zksim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zksim"))
        .args(args)
        .output()
        .expect("zksim runs")
}

#[test]
fn every_planted_bug_is_found_and_replays_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bug in PlantedBug::ALL {
        let (scenario, seeds) = hunt_for(bug);
        let json = dir.path().join(format!("{bug}.json"));
        let json_arg = json.to_str().expect("utf-8");
        let output = zksim(&[
            "run",
            scenario,
            "--seeds",
            seeds,
            "--quiet",
            "--bug",
            bug.name(),
            "--summary-json",
            json_arg,
        ]);
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
        let replayed = zksim(&replay[1..]);
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
        let (scenario, seeds) = hunt_for(bug);
        let output = zksim(&["run", scenario, "--seeds", seeds, "--quiet"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{scenario} {seeds}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}
