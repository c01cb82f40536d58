//! Every planted bug is caught by `zksim run`, and the replay command it
//! prints reproduces the failure with the same trace hash; the clean core
//! passes the same seeds. The planted nondeterminism breaks no property: the
//! determinism check finds it instead.
#![cfg(feature = "planted-bugs")]

use zksim::determinism::{check_seed, Located};
use zksim_core::bugs::{Bugs, PlantedBug};
use zksim_reports::RunSummary;

use crate::common::{hunt_for, zksim};

#[test]
fn every_planted_bug_is_found_and_replays_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bug in PlantedBug::ALL {
        let Some((scenario, seeds)) = hunt_for(bug) else {
            continue;
        };
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
            "--no-out",
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
        let Some((scenario, seeds)) = hunt_for(bug) else {
            continue;
        };
        let output = zksim(&["run", scenario, "--seeds", seeds, "--quiet", "--no-out"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{scenario} {seeds}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn the_planted_nondeterminism_is_found_by_the_determinism_check() {
    let scenario = zksim::builtin::resolve("leader-failover").expect("built-in");
    let bug = PlantedBug::NondeterministicIteration;
    let check = check_seed(&scenario, 0, Bugs::with(bug));
    let divergence = check.divergence.expect("two runs of the seed differ");
    assert_eq!(divergence.located, Located::Event, "{divergence}");
    assert_ne!(divergence.first_hash, divergence.second_hash);
    let text = divergence.to_string();
    assert!(
        text.contains(&format!("first diverging event #{}", divergence.index)),
        "{text}"
    );
    // The re-runs render the event for each run they reproduced (a coin flip
    // per proposal decides which), always the diverging one.
    for event in [&divergence.first, &divergence.second]
        .into_iter()
        .flatten()
    {
        assert_eq!(event.index, divergence.index, "{text}");
    }
    let clean = check_seed(&scenario, 0, Bugs::none());
    assert!(clean.deterministic(), "{:?}", clean.divergence);
}

#[test]
fn run_check_determinism_fails_on_the_planted_nondeterminism() {
    let bug = PlantedBug::NondeterministicIteration.name();
    let common = [
        "run",
        "leader-failover",
        "--seeds",
        "0..3",
        "--check-determinism",
        "--quiet",
        "--no-out",
    ];
    let planted = zksim(&[&common[..], &["--bug", bug]].concat());
    let stdout = String::from_utf8_lossy(&planted.stdout);
    assert_eq!(planted.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("first diverging event #"), "{stdout}");
    let clean = zksim(&common);
    let stdout = String::from_utf8_lossy(&clean.stdout);
    assert_eq!(clean.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("first diverging event"), "{stdout}");
}
