//! Seeds of the built-in scenarios that once failed, each for a cause in the
//! core; the clean core must pass them. (Seeds of the operator scenarios are
//! in `operator_actions.rs`.)
//!
//! purge-under-load:
//! - 1224: bit rot turned a repairing replica's acceptedEpoch from 28 into 68.
//!   Every established leader met it, stepped down, and the next epoch climbed
//!   by one only (a repairing follower joins no discovery): no leader at the
//!   end of the healing phase. A leader that steps down now promises that
//!   epoch itself, so the next one is above it.
//! - 2664: bit rot hit the end-of-record marker of the last record of a log
//!   file that the next file followed. The records of the next file, logged
//!   before the roll, carried an older `synced_zxid`, so recovery truncated the
//!   acknowledged txn as a torn tail. Damage in any log file but the last is
//!   now corruption: a file is started only once the one before is durable.
//!
//! clock-drift-sessions:
//! - 7305: n0 received NEWLEADER of epoch 13 and began writing currentEpoch,
//!   then was paused. Unpaused, it joined epoch 16's leader, and the epoch-13
//!   write completed before epoch 16's NEWLEADER arrived; the follower took
//!   that completion for its own write, acknowledged NEWLEADER without writing
//!   16, and logged epoch-16 txns under currentEpoch 13. Its election vote,
//!   ordered by currentEpoch first, then lost to a replica of epoch 15 holding
//!   less, whose TRUNC dropped txns n0 had applied (leaderLogCompleteness).
//!   Only a write started in the current round now completes it.

use zksim::world::run_seed;
use zksim_core::bugs::Bugs;

fn passes(scenario: &str, seed: u64) {
    let built_in = zksim::builtin::resolve(scenario).expect("built-in");
    let outcome = run_seed(&built_in, seed, Bugs::none(), None);
    assert!(
        outcome.violations.is_empty(),
        "{scenario} seed {seed}: {:?}",
        outcome.violations
    );
}

#[test]
fn a_repairing_follower_with_a_rotted_accepted_epoch_is_synced_in_time() {
    passes("purge-under-load", 1224);
}

#[test]
fn rot_at_the_end_of_an_earlier_log_file_is_repaired_not_truncated() {
    passes("purge-under-load", 2664);
}

#[test]
fn a_current_epoch_write_of_an_earlier_round_does_not_complete_this_one() {
    passes("clock-drift-sessions", 7305);
}
