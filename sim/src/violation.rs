//! Kinds of violations a run can report, and one reported violation.
//!
//! The kebab-case names are part of the scenario file format (`expect.allow`)
//! and of the report schema: do not rename them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of property a run broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    LostAckedWrite,
    RecoveryMismatch,
    SnapshotMismatch,
    InvariantBroken,
    SequentialOrder,
    CorruptionDetected,
    Unavailable,
    Panic,
    ZabLeadership,
    ZabPrefixConsistency,
    ZabIntegrity,
    ZabAgreement,
    ZabTotalOrder,
    ZabPrimaryOrder,
    ZabPrimaryIntegrity,
    ZabLeaderCompleteness,
    ZabMonotonicRead,
    Divergence,
    NotLinearizable,
    LinearizabilityUnknown,
    WatchOrder,
    OrphanEphemeral,
    MutualExclusion,
    LockExpiredHolder,
    ConfigStale,
    NeededFilePurged,
    BackupInconsistent,
}

impl ViolationKind {
    /// Every kind, in declaration order.
    pub const ALL: [ViolationKind; 27] = [
        ViolationKind::LostAckedWrite,
        ViolationKind::RecoveryMismatch,
        ViolationKind::SnapshotMismatch,
        ViolationKind::InvariantBroken,
        ViolationKind::SequentialOrder,
        ViolationKind::CorruptionDetected,
        ViolationKind::Unavailable,
        ViolationKind::Panic,
        ViolationKind::ZabLeadership,
        ViolationKind::ZabPrefixConsistency,
        ViolationKind::ZabIntegrity,
        ViolationKind::ZabAgreement,
        ViolationKind::ZabTotalOrder,
        ViolationKind::ZabPrimaryOrder,
        ViolationKind::ZabPrimaryIntegrity,
        ViolationKind::ZabLeaderCompleteness,
        ViolationKind::ZabMonotonicRead,
        ViolationKind::Divergence,
        ViolationKind::NotLinearizable,
        ViolationKind::LinearizabilityUnknown,
        ViolationKind::WatchOrder,
        ViolationKind::OrphanEphemeral,
        ViolationKind::MutualExclusion,
        ViolationKind::LockExpiredHolder,
        ViolationKind::ConfigStale,
        ViolationKind::NeededFilePurged,
        ViolationKind::BackupInconsistent,
    ];

    /// The kebab-case name, as written in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::LostAckedWrite => "lost-acked-write",
            ViolationKind::RecoveryMismatch => "recovery-mismatch",
            ViolationKind::SnapshotMismatch => "snapshot-mismatch",
            ViolationKind::InvariantBroken => "invariant-broken",
            ViolationKind::SequentialOrder => "sequential-order",
            ViolationKind::CorruptionDetected => "corruption-detected",
            ViolationKind::Unavailable => "unavailable",
            ViolationKind::Panic => "panic",
            ViolationKind::ZabLeadership => "zab-leadership",
            ViolationKind::ZabPrefixConsistency => "zab-prefix-consistency",
            ViolationKind::ZabIntegrity => "zab-integrity",
            ViolationKind::ZabAgreement => "zab-agreement",
            ViolationKind::ZabTotalOrder => "zab-total-order",
            ViolationKind::ZabPrimaryOrder => "zab-primary-order",
            ViolationKind::ZabPrimaryIntegrity => "zab-primary-integrity",
            ViolationKind::ZabLeaderCompleteness => "zab-leader-completeness",
            ViolationKind::ZabMonotonicRead => "zab-monotonic-read",
            ViolationKind::Divergence => "divergence",
            ViolationKind::NotLinearizable => "not-linearizable",
            ViolationKind::LinearizabilityUnknown => "linearizability-unknown",
            ViolationKind::WatchOrder => "watch-order",
            ViolationKind::OrphanEphemeral => "orphan-ephemeral",
            ViolationKind::MutualExclusion => "mutual-exclusion",
            ViolationKind::LockExpiredHolder => "lock-expired-holder",
            ViolationKind::ConfigStale => "config-stale",
            ViolationKind::NeededFilePurged => "needed-file-purged",
            ViolationKind::BackupInconsistent => "backup-inconsistent",
        }
    }

    /// One line saying what the violation means.
    pub fn description(self) -> &'static str {
        match self {
            ViolationKind::LostAckedWrite => {
                "a write acknowledged to a client is missing after recovery"
            }
            ViolationKind::RecoveryMismatch => {
                "recovered state differs from the replay of the durable log prefix"
            }
            ViolationKind::SnapshotMismatch => {
                "snapshot plus log replay differs from the live tree"
            }
            ViolationKind::InvariantBroken => "a data-tree or Stat invariant does not hold",
            ViolationKind::SequentialOrder => {
                "acknowledged sequential names under a parent are not unique and increasing"
            }
            ViolationKind::CorruptionDetected => {
                "a lone node refused to start because its data directory is damaged"
            }
            ViolationKind::Unavailable => {
                "a request or a node did not recover before the end of the healing phase"
            }
            ViolationKind::Panic => "the core panicked on a broken invariant",
            ViolationKind::ZabLeadership => {
                "two nodes were established as leader of one epoch, or a non-leader proposed in it"
            }
            ViolationKind::ZabPrefixConsistency => {
                "two replicas' delivered sequences are not prefixes of one another"
            }
            ViolationKind::ZabIntegrity => {
                "a replica delivered a txn that no leader proposed or held in its initial history"
            }
            ViolationKind::ZabAgreement => {
                "two different txns were delivered or committed under the same zxid"
            }
            ViolationKind::ZabTotalOrder => {
                "two replicas delivered the same txns in different orders"
            }
            ViolationKind::ZabPrimaryOrder => {
                "delivered txns out of their leader's proposal order, or older epoch after newer"
            }
            ViolationKind::ZabPrimaryIntegrity => {
                "a new leader's initial history lacks an older-epoch txn some replica had delivered"
            }
            ViolationKind::ZabLeaderCompleteness => {
                "a new leader's initial history lacks a txn committed before it was established"
            }
            ViolationKind::ZabMonotonicRead => {
                "a replica lost txns it had delivered, by recovery or by a snapshot sync"
            }
            ViolationKind::Divergence => "replicas' trees differ after healing",
            ViolationKind::NotLinearizable => {
                "the client history is not linearizable under ZooKeeper's guarantees"
            }
            ViolationKind::LinearizabilityUnknown => {
                "the linearizability check ran out of its budget on some partition"
            }
            ViolationKind::WatchOrder => {
                "a client saw data newer than a change whose watch it set, before the watch's event (or the event was lost)"
            }
            ViolationKind::OrphanEphemeral => "an ephemeral znode outlived its session",
            ViolationKind::MutualExclusion => "two clients held the lock recipe's lock at once",
            ViolationKind::LockExpiredHolder => {
                "a lock holder's session expired before it could tell, and another client took the lock (ZooKeeper's documented caveat)"
            }
            ViolationKind::ConfigStale => {
                "a reader of the configuration recipe did not converge to the last value written"
            }
            ViolationKind::BackupInconsistent => {
                "a live backup recovers to a state its node never held (neither usable nor detected as damaged)"
            }
            ViolationKind::NeededFilePurged => {
                "a purge removed a log an older snapshot still on disk needs: recovery falling back to that snapshot would lose txns"
            }
        }
    }

    /// The kind with this kebab-case name, if any.
    pub fn from_name(name: &str) -> Option<ViolationKind> {
        ViolationKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One violation found by a check during a run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Violation {
    pub kind: ViolationKind,
    /// Virtual time at which it was detected.
    pub time_ms: u64,
    /// The node it concerns, if it concerns one.
    pub node: Option<u32>,
    pub message: String,
}

impl fmt::Display for Violation {
    /// `[lost-acked-write] t=1234ms n0: message` (no `nN` part without a node).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] t={}ms", self.kind, self.time_ms)?;
        if let Some(node) = self.node {
            write!(f, " n{node}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_round_trip() {
        for kind in ViolationKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            let back: ViolationKind = serde_json::from_str(&json).unwrap();
            assert_eq!(back, kind);
            assert_eq!(ViolationKind::from_name(kind.name()), Some(kind));
            assert_eq!(kind.to_string(), kind.name());
            assert!(!kind.description().is_empty());
            assert!(!kind.description().contains('\n'));
        }
        assert_eq!(ViolationKind::from_name("nope"), None);
    }

    #[test]
    fn all_is_complete_and_sorted() {
        let mut sorted = ViolationKind::ALL;
        sorted.sort();
        assert_eq!(sorted, ViolationKind::ALL);
        let names: std::collections::BTreeSet<_> =
            ViolationKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), ViolationKind::ALL.len());
    }

    #[test]
    fn display() {
        let v = Violation {
            kind: ViolationKind::LostAckedWrite,
            time_ms: 1234,
            node: Some(0),
            message: "zxid 0x100000005 setData /a".to_string(),
        };
        assert_eq!(
            v.to_string(),
            "[lost-acked-write] t=1234ms n0: zxid 0x100000005 setData /a"
        );
        let v = Violation { node: None, ..v };
        assert_eq!(
            v.to_string(),
            "[lost-acked-write] t=1234ms: zxid 0x100000005 setData /a"
        );
    }
}
