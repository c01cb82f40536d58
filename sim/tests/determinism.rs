//! The same seed and scenario give the same trace hash; different seeds differ.

use zksim::builtin::{resolve, BUILTIN};
use zksim::world::run_seed;
use zksim_core::bugs::Bugs;

#[test]
fn every_builtin_scenario_is_deterministic() {
    for (name, _) in BUILTIN {
        let scenario = resolve(name).expect("built-in scenarios load");
        let mut hashes = Vec::new();
        let mut events_max = 0;
        for seed in 0..4 {
            let first = run_seed(&scenario, seed, Bugs::none(), None);
            let second = run_seed(&scenario, seed, Bugs::none(), None);
            assert_eq!(
                first.trace_hash, second.trace_hash,
                "{name} seed {seed} diverged"
            );
            assert_eq!(first.events, second.events);
            assert_eq!(first.violations, second.violations);
            events_max = events_max.max(first.events);
            hashes.push(first.trace_hash);
        }
        // A seed may end early (a lone node refusing to start), but not all of them.
        assert!(
            events_max > 1_000,
            "{name} did too little: at most {events_max} events"
        );
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(
            hashes.len(),
            4,
            "{name}: different seeds must give different traces"
        );
    }
}

#[test]
fn the_written_trace_does_not_change_the_hash() {
    let scenario = resolve("single-node-crash").expect("loads");
    let silent = run_seed(&scenario, 3, Bugs::none(), None);
    let sink = tempfile::NamedTempFile::new().expect("temp file");
    let writer = Box::new(std::io::BufWriter::new(sink.reopen().expect("reopen")));
    let traced = run_seed(&scenario, 3, Bugs::none(), Some(writer));
    assert_eq!(silent.trace_hash, traced.trace_hash);
    let lines = std::fs::read_to_string(sink.path()).expect("trace written");
    assert_eq!(lines.lines().count() as u64, traced.events);
    let first: serde_json::Value =
        serde_json::from_str(lines.lines().next().expect("a line")).expect("JSON lines");
    assert!(first.get("t_us").is_some() && first.get("event").is_some());
}
