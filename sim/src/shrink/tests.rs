//! The shrinker on real runs.

use super::edit;
use crate::builtin::{resolve, BUILTIN};
use crate::rng::{stream, Stream};
use crate::world::run_seed;
use zksim_core::bugs::Bugs;

/// Replaying a seed's recorded faults as an explicit schedule is the same
/// run: the same faults at the same instants, the same coverage. So the
/// shrinker starts from the failing run itself, not from a lookalike.
#[test]
fn the_explicit_schedule_replays_the_same_run_in_every_scenario() {
    for (name, _) in BUILTIN {
        let scenario = resolve(name).expect("built in");
        for seed in 0..2 {
            let original = run_seed(&scenario, seed, Bugs::none(), None);
            let (concrete, _) = scenario.for_seed(&mut stream(seed, Stream::Swarm));
            let explicit = edit::explicit(&concrete, &original.faults);
            explicit.validate().expect("the recorded schedule is valid");
            let replayed = run_seed(&explicit, seed, Bugs::none(), None);
            assert_eq!(replayed.faults, original.faults, "{name} seed {seed}");
            assert_eq!(replayed.probes, original.probes, "{name} seed {seed}");
            assert_eq!(replayed.violations.len(), original.violations.len());
        }
    }
}
