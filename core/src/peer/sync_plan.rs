//! Choosing how to synchronize a follower (ZooKeeper's `syncFollower`): an
//! empty or non-empty DIFF, TRUNC (+DIFF) for a divergent or longer tail, or
//! SNAP when the follower is older than the leader's in-memory history.

use crate::ids::Zxid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPlan {
    /// Send the records after `after`.
    Diff { after: Zxid },
    /// Truncate the follower to `to`, then send the records after it.
    Trunc { to: Zxid },
    /// Send the applied tree, then the records after it.
    Snap,
}

/// `history`: the zxids of the leader's recent logged records, ascending,
/// ending at `leader_last`; `base`: the zxid just before the first of them
/// (the leader holds every record after `base`).
pub fn plan_sync(
    history: &[Zxid],
    base: Zxid,
    leader_last: Zxid,
    follower_last: Zxid,
    diff_instead_of_trunc: bool,
) -> SyncPlan {
    assert!(
        history.windows(2).all(|pair| pair[0] < pair[1]),
        "history is ascending"
    );
    assert!(
        history.last().is_none_or(|last| *last == leader_last),
        "history ends at the leader's last zxid"
    );
    if follower_last == leader_last {
        return SyncPlan::Diff {
            after: follower_last,
        };
    }
    if follower_last < base {
        return SyncPlan::Snap;
    }
    if follower_last > leader_last {
        return SyncPlan::Trunc { to: leader_last };
    }
    if follower_last == base || history.binary_search(&follower_last).is_ok() {
        return SyncPlan::Diff {
            after: follower_last,
        };
    }
    // The follower's tail diverges inside the window: cut it back to the last
    // zxid the leader has below it (ZOOKEEPER-1154).
    if diff_instead_of_trunc {
        return SyncPlan::Diff {
            after: follower_last,
        };
    }
    let common = match history.binary_search(&follower_last) {
        Ok(_) => unreachable!("handled above"),
        Err(0) => base,
        Err(index) => history[index - 1],
    };
    assert!(common < follower_last);
    SyncPlan::Trunc { to: common }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Epoch;

    fn z(epoch: u32, counter: u32) -> Zxid {
        Zxid::new(Epoch(epoch), counter)
    }

    #[test]
    fn each_case_of_the_sync_decision() {
        let history = [z(1, 3), z(1, 4), z(3, 1), z(3, 2)];
        let plan = |follower| plan_sync(&history, z(1, 2), z(3, 2), follower, false);
        assert_eq!(
            plan(z(3, 2)),
            SyncPlan::Diff { after: z(3, 2) },
            "up to date: empty DIFF"
        );
        assert_eq!(
            plan(z(1, 4)),
            SyncPlan::Diff { after: z(1, 4) },
            "in the window: DIFF"
        );
        assert_eq!(
            plan(z(1, 2)),
            SyncPlan::Diff { after: z(1, 2) },
            "at the base: DIFF of everything"
        );
        assert_eq!(plan(z(1, 1)), SyncPlan::Snap, "older than the window: SNAP");
        assert_eq!(
            plan(z(3, 5)),
            SyncPlan::Trunc { to: z(3, 2) },
            "ahead: TRUNC"
        );
        assert_eq!(
            plan(z(2, 7)),
            SyncPlan::Trunc { to: z(1, 4) },
            "divergent tail: TRUNC to the common point"
        );
        assert_eq!(plan(z(1, 5)), SyncPlan::Trunc { to: z(1, 4) });
        assert_eq!(
            plan_sync(&history, z(1, 2), z(3, 2), z(2, 7), true),
            SyncPlan::Diff { after: z(2, 7) }
        );
    }

    #[test]
    fn an_empty_leader_truncates_everything() {
        assert_eq!(
            plan_sync(&[], Zxid::ZERO, Zxid::ZERO, z(1, 3), false),
            SyncPlan::Trunc { to: Zxid::ZERO }
        );
        assert_eq!(
            plan_sync(&[], Zxid::ZERO, Zxid::ZERO, Zxid::ZERO, false),
            SyncPlan::Diff { after: Zxid::ZERO }
        );
    }
}
