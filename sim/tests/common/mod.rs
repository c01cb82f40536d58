//! What the integration tests share: running the built binary, and where
//! each planted bug is found.
#![allow(dead_code)] // each test file uses its own part

use std::process::{Command, Output};
use zksim_core::bugs::PlantedBug;

pub fn zksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zksim"))
        .args(args)
        .output()
        .expect("zksim runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Where each bug is looked for: a scenario and a seed range that holds at
/// least one detection (see `zksim run --bug` for how often each is found).
/// None for the one bug found by `--check-determinism`, not by a violation.
pub fn hunt_for(bug: PlantedBug) -> Option<(&'static str, &'static str)> {
    Some(match bug {
        PlantedBug::AckBeforeFsync => ("single-node-crash", "0..1"),
        PlantedBug::SkipTornTailTruncation => ("single-node-disk-faults", "0..1"),
        PlantedBug::DiffInsteadOfTrunc => ("leader-failover", "1..2"),
        PlantedBug::AckNewLeaderBeforeLogging => ("swarm", "16..17"),
        PlantedBug::EpochBeforeTxns => ("leader-failover", "13..14"),
        PlantedBug::StaleProposalsAfterShutdown => ("clock-drift-sessions", "5..6"),
        PlantedBug::ApplyBeforeDurable => ("leader-failover", "20..21"),
        PlantedBug::CommitWithoutQuorum => ("leader-failover", "1..2"),
        PlantedBug::StaleReadAfterReconnect => ("stale-followers", "3..4"),
        PlantedBug::LostUpdateInMulti => ("clients", "0..1"),
        PlantedBug::EphemeralAfterExpiry => ("clients", "4..5"),
        PlantedBug::WatchAfterRead => ("clients", "0..1"),
        PlantedBug::SetWatchesIgnoresZxid => ("config-watchers", "0..1"),
        PlantedBug::PurgeDeletesNeededLog => ("single-node-crash", "0..1"),
        PlantedBug::SnapshotSealUnchecked => ("crash-during-sync", "0..1"),
        PlantedBug::RestoreKeepsNewerLog => ("backup-restore", "14..15"),
        PlantedBug::NondeterministicIteration => return None,
    })
}
