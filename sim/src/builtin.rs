//! Scenarios compiled into the binary, so `zksim run NAME` works from any
//! directory. A path to a file always wins over a built-in name.

use crate::scenario::{Scenario, ScenarioError};
use std::path::Path;

pub const DEFAULT_SCENARIO: &str = "swarm";

pub const BUILTIN: &[(&str, &str)] = &[
    (
        "single-node-crash",
        include_str!("../../scenarios/single-node-crash.json"),
    ),
    (
        "single-node-disk-faults",
        include_str!("../../scenarios/single-node-disk-faults.json"),
    ),
    (
        "single-node-bit-rot",
        include_str!("../../scenarios/single-node-bit-rot.json"),
    ),
    (
        "leader-failover",
        include_str!("../../scenarios/leader-failover.json"),
    ),
    (
        "partition-leader-minority",
        include_str!("../../scenarios/partition-leader-minority.json"),
    ),
    (
        "asymmetric-partition",
        include_str!("../../scenarios/asymmetric-partition.json"),
    ),
    (
        "rolling-restarts",
        include_str!("../../scenarios/rolling-restarts.json"),
    ),
    (
        "power-loss",
        include_str!("../../scenarios/power-loss.json"),
    ),
    (
        "crash-during-sync",
        include_str!("../../scenarios/crash-during-sync.json"),
    ),
    (
        "follower-bit-rot",
        include_str!("../../scenarios/follower-bit-rot.json"),
    ),
    ("swarm", include_str!("../../scenarios/swarm.json")),
    ("clients", include_str!("../../scenarios/clients.json")),
    ("clients-5", include_str!("../../scenarios/clients-5.json")),
    (
        "stale-followers",
        include_str!("../../scenarios/stale-followers.json"),
    ),
    (
        "lock-partitions",
        include_str!("../../scenarios/lock-partitions.json"),
    ),
    (
        "config-watchers",
        include_str!("../../scenarios/config-watchers.json"),
    ),
    ("swarm-5", include_str!("../../scenarios/swarm-5.json")),
    (
        "purge-under-load",
        include_str!("../../scenarios/purge-under-load.json"),
    ),
    (
        "backup-restore",
        include_str!("../../scenarios/backup-restore.json"),
    ),
    (
        "restore-leader",
        include_str!("../../scenarios/restore-leader.json"),
    ),
    (
        "disaster-recovery",
        include_str!("../../scenarios/disaster-recovery.json"),
    ),
    (
        "clock-drift-sessions",
        include_str!("../../scenarios/clock-drift-sessions.json"),
    ),
    (
        "beyond-model-restore",
        include_str!("../../scenarios/beyond-model-restore.json"),
    ),
    (
        "wipe-voter",
        include_str!("../../scenarios/wipe-voter.json"),
    ),
];

/// Loads a scenario by path, or by built-in name.
pub fn resolve(reference: &str) -> Result<Scenario, ScenarioError> {
    let path = Path::new(reference);
    if path.exists() {
        return Scenario::load(path);
    }
    match BUILTIN.iter().find(|(name, _)| *name == reference) {
        Some((name, json)) => Scenario::from_json_str(json).map_err(|mut error| {
            error.source_name = Some(format!("built-in scenario {name}"));
            error
        }),
        None => Scenario::load(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_under_its_own_name() {
        for (name, _) in BUILTIN {
            let scenario = resolve(name).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(scenario.name, *name);
        }
        assert!(BUILTIN.iter().any(|(name, _)| *name == DEFAULT_SCENARIO));
    }

    #[test]
    fn every_scenario_file_is_built_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        for entry in std::fs::read_dir(dir).expect("scenarios/ exists") {
            let path = entry.expect("readable").path();
            let stem = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .expect("utf-8 name");
            assert!(
                BUILTIN.iter().any(|(name, _)| *name == stem),
                "{stem} is not in BUILTIN"
            );
        }
    }
}
