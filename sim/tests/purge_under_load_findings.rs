//! purge-under-load seeds that once failed, each for a cause in the core; the
//! clean core must pass them.
//!
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

use zksim::world::run_seed;
use zksim_core::bugs::Bugs;

fn passes(seed: u64) {
    let scenario = zksim::builtin::resolve("purge-under-load").expect("built-in");
    let outcome = run_seed(&scenario, seed, Bugs::none(), None);
    assert!(
        outcome.violations.is_empty(),
        "purge-under-load seed {seed}: {:?}",
        outcome.violations
    );
}

#[test]
fn a_repairing_follower_with_a_rotted_accepted_epoch_is_synced_in_time() {
    passes(1224);
}

#[test]
fn rot_at_the_end_of_an_earlier_log_file_is_repaired_not_truncated() {
    passes(2664);
}
