//! clock-drift-sessions seeds that once failed for a cause in the core; the
//! clean core must pass them.
//!
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

fn passes(seed: u64) {
    let scenario = zksim::builtin::resolve("clock-drift-sessions").expect("built-in");
    let outcome = run_seed(&scenario, seed, Bugs::none(), None);
    assert!(
        outcome.violations.is_empty(),
        "clock-drift-sessions seed {seed}: {:?}",
        outcome.violations
    );
}

#[test]
fn a_current_epoch_write_of_an_earlier_round_does_not_complete_this_one() {
    passes(7305);
}
