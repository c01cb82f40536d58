//! Bugs planted on purpose, so that every check can be shown to catch one.
//!
//! The names exist in every build (so the CLI can list them and explain that a
//! build lacks them), but `Bugs::has` is a constant `false` unless the crate is
//! built with the `planted-bugs` feature: default builds carry none.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlantedBug {
    /// Reply to a write once its log write completes, before the fsync.
    AckBeforeFsync,
    /// After a crash, leave a torn log tail in place instead of truncating it.
    SkipTornTailTruncation,
    /// ZOOKEEPER-1154: DIFF instead of TRUNC for a follower's divergent tail.
    DiffInsteadOfTrunc,
    /// ZOOKEEPER-3911: a follower ACKs NEWLEADER before the synced txns are logged.
    AckNewLeaderBeforeLogging,
    /// ZOOKEEPER-4643: a follower writes currentEpoch before the synced txns are durable.
    EpochBeforeTxns,
    /// ZOOKEEPER-4712: a follower that left its leader keeps logging that leader's proposals.
    StaleProposalsAfterShutdown,
    /// ZOOKEEPER-4646/4785: a follower applies committed txns before its own log holds them durably.
    ApplyBeforeDurable,
    /// The leader commits a proposal on its own ack, without a quorum.
    CommitWithoutQuorum,
    /// A follower lets a session reconnect although it has seen newer state than the follower holds.
    StaleReadAfterReconnect,
    /// The version check of a setData inside a multi is skipped: a lost update.
    LostUpdateInMulti,
    /// Expiring a session (not closing it) leaves its ephemerals behind.
    EphemeralAfterExpiry,
    /// Watch events wait for the next tick, after replies that already show the change.
    WatchAfterRead,
    /// setWatches re-registers watches without firing those whose node changed meanwhile.
    SetWatchesIgnoresZxid,
    /// The leader sends proposals to its followers in a randomly seeded hash set's
    /// order: not a safety bug, a determinism bug (found by the determinism check).
    NondeterministicIteration,
    /// Purge keeps only the logs the newest snapshot needs, deleting logs an
    /// older retained snapshot still needs (cf. ZOOKEEPER-1797).
    PurgeDeletesNeededLog,
    /// Recovery loads a snapshot without checking its seal.
    SnapshotSealUnchecked,
    /// An operator's restore copies the backup over the data directory
    /// instead of replacing it: log files newer than the backup stay.
    RestoreKeepsNewerLog,
}

impl PlantedBug {
    pub const ALL: [PlantedBug; 17] = [
        PlantedBug::AckBeforeFsync,
        PlantedBug::SkipTornTailTruncation,
        PlantedBug::DiffInsteadOfTrunc,
        PlantedBug::AckNewLeaderBeforeLogging,
        PlantedBug::EpochBeforeTxns,
        PlantedBug::StaleProposalsAfterShutdown,
        PlantedBug::ApplyBeforeDurable,
        PlantedBug::CommitWithoutQuorum,
        PlantedBug::StaleReadAfterReconnect,
        PlantedBug::LostUpdateInMulti,
        PlantedBug::EphemeralAfterExpiry,
        PlantedBug::WatchAfterRead,
        PlantedBug::SetWatchesIgnoresZxid,
        PlantedBug::NondeterministicIteration,
        PlantedBug::PurgeDeletesNeededLog,
        PlantedBug::SnapshotSealUnchecked,
        PlantedBug::RestoreKeepsNewerLog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlantedBug::AckBeforeFsync => "ack-before-fsync",
            PlantedBug::SkipTornTailTruncation => "skip-torn-tail-truncation",
            PlantedBug::DiffInsteadOfTrunc => "zk-1154-diff-instead-of-trunc",
            PlantedBug::AckNewLeaderBeforeLogging => "zk-3911-ack-newleader-before-logging",
            PlantedBug::EpochBeforeTxns => "zk-4643-epoch-before-txns",
            PlantedBug::StaleProposalsAfterShutdown => "zk-4712-stale-proposals-after-shutdown",
            PlantedBug::ApplyBeforeDurable => "zk-4785-apply-before-durable",
            PlantedBug::CommitWithoutQuorum => "commit-without-quorum",
            PlantedBug::StaleReadAfterReconnect => "stale-read-after-reconnect",
            PlantedBug::LostUpdateInMulti => "lost-update-in-multi",
            PlantedBug::EphemeralAfterExpiry => "ephemeral-after-expiry",
            PlantedBug::WatchAfterRead => "watch-after-read",
            PlantedBug::SetWatchesIgnoresZxid => "set-watches-ignores-zxid",
            PlantedBug::NondeterministicIteration => "nondeterministic-iteration",
            PlantedBug::PurgeDeletesNeededLog => "purge-deletes-needed-log",
            PlantedBug::SnapshotSealUnchecked => "snapshot-seal-unchecked",
            PlantedBug::RestoreKeepsNewerLog => "restore-keeps-newer-log",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            PlantedBug::AckBeforeFsync => {
                "acknowledges a write when its log write completes, before fsync makes it durable"
            }
            PlantedBug::SkipTornTailTruncation => {
                "recovery leaves a torn log tail in place instead of truncating it durably"
            }
            PlantedBug::DiffInsteadOfTrunc => {
                "ZOOKEEPER-1154: a follower with a divergent uncommitted tail gets a DIFF, not a TRUNC, and keeps the tail"
            }
            PlantedBug::AckNewLeaderBeforeLogging => {
                "ZOOKEEPER-3911: a follower acknowledges NEWLEADER before the synced txns are durable"
            }
            PlantedBug::EpochBeforeTxns => {
                "ZOOKEEPER-4643: a follower writes currentEpoch before the synced txns are durable"
            }
            PlantedBug::StaleProposalsAfterShutdown => {
                "ZOOKEEPER-4712: a follower that left its leader still logs that leader's in-flight proposals"
            }
            PlantedBug::ApplyBeforeDurable => {
                "ZOOKEEPER-4646/4785: a follower applies committed txns before its own log holds them durably"
            }
            PlantedBug::CommitWithoutQuorum => "the leader commits a proposal on its own acknowledgement alone",
            PlantedBug::StaleReadAfterReconnect => {
                "a server accepts a reconnecting session that has seen newer state than it holds, and serves it a stale view"
            }
            PlantedBug::LostUpdateInMulti => {
                "the version check of a setData inside a multi is skipped, so a compare-and-set can lose an update"
            }
            PlantedBug::EphemeralAfterExpiry => {
                "expiring a session leaves its ephemeral znodes behind (an explicit close still deletes them)"
            }
            PlantedBug::WatchAfterRead => {
                "watch events are sent at the next tick, after replies that already show the change"
            }
            PlantedBug::SetWatchesIgnoresZxid => {
                "after a reconnect, setWatches re-registers every watch without firing those whose node changed while the client was away"
            }
            PlantedBug::PurgeDeletesNeededLog => {
                "purge (the replica's own and the operator's) keeps only the logs the newest snapshot needs, deleting logs an older retained snapshot still needs"
            }
            PlantedBug::RestoreKeepsNewerLog => {
                "an operator's restore copies the backup over the data directory instead of replacing it, so log files newer than the backup point stay behind"
            }
            PlantedBug::SnapshotSealUnchecked => {
                "recovery loads the newest snapshot without checking its seal, so a snapshot cut short by a crash is trusted"
            }
            PlantedBug::NondeterministicIteration => {
                "the leader iterates its followers through a randomly seeded hash set (std's RandomState), so message order differs between runs of the same seed"
            }
        }
    }

    pub fn from_name(name: &str) -> Option<PlantedBug> {
        PlantedBug::ALL.into_iter().find(|bug| bug.name() == name)
    }
}

impl fmt::Display for PlantedBug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The planted bug a core instance runs with, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    #[cfg(feature = "planted-bugs")]
    enabled: Option<PlantedBug>,
}

impl Bugs {
    pub fn none() -> Bugs {
        Bugs::default()
    }

    /// Whether this build can plant bugs at all.
    pub const AVAILABLE: bool = cfg!(feature = "planted-bugs");

    #[cfg(feature = "planted-bugs")]
    pub fn with(bug: PlantedBug) -> Bugs {
        Bugs { enabled: Some(bug) }
    }

    #[inline]
    pub fn has(self, bug: PlantedBug) -> bool {
        #[cfg(feature = "planted-bugs")]
        {
            self.enabled == Some(bug)
        }
        #[cfg(not(feature = "planted-bugs"))]
        {
            let _ = bug;
            false
        }
    }
}
