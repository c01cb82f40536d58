//! The shrinker on real runs.

use super::edit;
use crate::builtin::resolve;
use crate::rng::{stream, Stream};
use crate::world::run_seed;
use zksim_core::bugs::Bugs;

/// Replaying a seed's recorded faults as an explicit schedule injects the
/// same faults at the same instants, and the run ends the same way: the
/// shrinker's starting point is the same run, not a lookalike.
#[test]
fn the_explicit_schedule_replays_the_same_faults() {
    let mut same = 0;
    let seeds = 0..12;
    for name in ["swarm", "clients", "leader-failover"] {
        let scenario = resolve(name).expect("built in");
        for seed in seeds.clone() {
            let original = run_seed(&scenario, seed, Bugs::none(), None);
            let (concrete, _) = scenario.for_seed(&mut stream(seed, Stream::Swarm));
            let explicit = edit::explicit(&concrete, &original.faults);
            explicit.validate().expect("the recorded schedule is valid");
            let replayed = run_seed(&explicit, seed, Bugs::none(), None);
            let acked = |o: &crate::world::RunOutcome| o.probes.get("writes-acknowledged").copied();
            if replayed.faults == original.faults && acked(&replayed) == acked(&original) {
                same += 1;
            } else {
                let first = original
                    .faults
                    .iter()
                    .zip(&replayed.faults)
                    .find(|(a, b)| a != b);
                eprintln!(
                    "{name} seed {seed}: {} vs {} faults, first diff {first:?}; acked {:?} vs {:?}",
                    original.faults.len(),
                    replayed.faults.len(),
                    acked(&original),
                    acked(&replayed)
                );
            }
        }
    }
    assert!(same >= 30, "only {same} of 36 replays were the same run");
}
