//! Where each planted bug is hunted: the scenario (or scenarios) whose seeds
//! reach the bug's trigger most often, and how a detection shows.
//!
//! A policy is a hunting choice, not a proof that the bug is found only
//! there: `zksim hunt --scenario NAME` tries any other scenario. The match is
//! exhaustive, so a new planted bug cannot be added without a policy.

use zksim_core::bugs::PlantedBug;

/// How a seed shows the bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    /// The seed fails with a violation.
    Violation,
    /// Two runs of the seed differ (the determinism check): for a bug that
    /// breaks no property.
    Determinism,
}

impl Detector {
    pub fn name(self) -> &'static str {
        match self {
            Detector::Violation => "violation",
            Detector::Determinism => "determinism",
        }
    }
}

/// The hunting policy of one bug.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Built-in scenario names; seed offsets take them in turn.
    pub scenarios: &'static [&'static str],
    pub detector: Detector,
    /// Why these scenarios: what the bug needs and who provides it.
    pub why: &'static str,
}

const fn violation(scenarios: &'static [&'static str], why: &'static str) -> Policy {
    Policy {
        scenarios,
        detector: Detector::Violation,
        why,
    }
}

pub fn policy(bug: PlantedBug) -> Policy {
    match bug {
        PlantedBug::AckBeforeFsync => violation(
            &["single-node-crash"],
            "any crash with an acknowledged but unsynced write loses it; one node, crashed at random, has nobody to repair it",
        ),
        PlantedBug::SkipTornTailTruncation => violation(
            &["single-node-disk-faults"],
            "needs a torn tail left by a crash or EIO, then a later restart: destructive disks on a lone node",
        ),
        PlantedBug::DiffInsteadOfTrunc => violation(
            &["leader-failover"],
            "needs a leader that crashes with an uncommitted tail and rejoins after a new leader committed past it",
        ),
        PlantedBug::AckNewLeaderBeforeLogging => violation(
            &["swarm"],
            "needs a follower crashed right after its NEWLEADER ACK while a quorum depends on it: crashes mixed with power loss",
        ),
        PlantedBug::EpochBeforeTxns => violation(
            &["leader-failover"],
            "needs a follower crashed between writing currentEpoch and logging the synced txns, then elected",
        ),
        PlantedBug::StaleProposalsAfterShutdown => violation(
            &["clock-drift-sessions"],
            "needs a follower that gives up on a leader which is still sending proposals: process pauses and clock jumps do that \
             (17 of seeds 0..200 here, about 1 in 100 in swarm, none in 60 seeds of the partition scenarios)",
        ),
        PlantedBug::ApplyBeforeDurable => violation(
            &["leader-failover"],
            "needs a follower crashed after applying a commit whose txn it had not yet made durable",
        ),
        PlantedBug::CommitWithoutQuorum => violation(
            &["leader-failover"],
            "needs the leader to crash with a txn it committed alone, so the next leader lacks it",
        ),
        PlantedBug::StaleReadAfterReconnect => violation(
            &["stale-followers"],
            "needs a client to hop from an up-to-date server to a lagging follower: delay spikes and long syncLimit",
        ),
        PlantedBug::LostUpdateInMulti => violation(
            &["clients"],
            "needs two clients racing a versioned setData inside multi on one path: the op mix with multis",
        ),
        PlantedBug::EphemeralAfterExpiry => violation(
            &["clients"],
            "needs a session expiry (not a close) while the session owns ephemerals: short sessions, client cut-offs",
        ),
        PlantedBug::WatchAfterRead => violation(
            &["clients"],
            "needs a read that sees a change while the reader's watch event is still queued: watches under load",
        ),
        PlantedBug::SetWatchesIgnoresZxid => violation(
            &["config-watchers"],
            "needs a watcher that reconnects after its node changed: readers following /config through disconnects",
        ),
        PlantedBug::NondeterministicIteration => Policy {
            scenarios: &["leader-failover"],
            detector: Detector::Determinism,
            why: "breaks no property; any run where the leader has two followers to send to shows it, under the determinism check",
        },
        PlantedBug::PurgeDeletesNeededLog => violation(
            &["single-node-crash"],
            "needs a purge while an older retained snapshot still needs a log: every snapshot interval on a busy node",
        ),
        PlantedBug::SnapshotSealUnchecked => violation(
            &["crash-during-sync"],
            "needs a crash mid-snapshot, then a recovery from that snapshot: crashes aimed at snapshots",
        ),
        PlantedBug::RestoreKeepsNewerLog => violation(
            &["backup-restore"],
            "needs an operator restore onto a node whose log outgrew the backup: the scenario restores now and then",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_names_built_in_scenarios() {
        for bug in PlantedBug::ALL {
            let policy = policy(bug);
            assert!(!policy.scenarios.is_empty(), "{bug}");
            assert!(!policy.why.is_empty(), "{bug}");
            for name in policy.scenarios {
                assert!(
                    crate::builtin::BUILTIN.iter().any(|(n, _)| n == name),
                    "{bug}: {name} is not built in"
                );
            }
        }
    }
}
