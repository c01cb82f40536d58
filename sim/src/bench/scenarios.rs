//! The scenarios `zksim bench` runs besides the default one, defined in code from the built-in
//! `clients` scenario: a fault-free, write-heavy ensemble (committed writes per wall second),
//! and fault-free client runs whose histories the checker is timed on.

use crate::builtin::resolve;
use crate::scenario::{OpMix, Scenario};

/// The base of every bench scenario: `clients` with every fault off.
fn fault_free(name: &str, description: &str) -> Scenario {
    let mut scenario = resolve("clients").expect("the built-in clients scenario loads");
    scenario.name = name.to_string();
    scenario.description = description.to_string();
    scenario.faults = Default::default();
    scenario.disk.write_error_probability = 0.0;
    scenario.disk.fsync_error_probability = 0.0;
    scenario.disk.bit_rot_interval_ms = 0;
    scenario.network.spike_probability = 0.0;
    scenario.network.reset_interval_ms = 0;
    scenario.clock.max_drift_ppm = 0;
    scenario.clock.step_interval_ms = 0;
    scenario.expect = Default::default();
    scenario
}

/// Five replicas, no faults, `clients` clients issuing `ops_per_client` requests each with no
/// think time, 90% writes (create, setData, delete, multi). The run's linearizability check is
/// off: the figure is the simulation's.
pub fn writes(clients: u32, ops_per_client: u32) -> Scenario {
    let mut scenario = fault_free(
        "bench-writes-5",
        "Bench: five replicas, no faults, clients writing back to back",
    );
    scenario.cluster.nodes = 5;
    let workload = &mut scenario.workload;
    workload.clients = clients;
    workload.ops_per_client = ops_per_client;
    workload.think_time_ms = [0, 0];
    workload.paths = 64;
    workload.value_bytes = [16, 64];
    workload.session_timeout_ms = 10_000;
    workload.watch_percent = 0;
    workload.mix = OpMix {
        create: 20,
        delete: 10,
        set_data: 50,
        multi: 10,
        get_data: 10,
        ..OpMix::ZERO
    };
    // Long enough for every client to finish; an idle ensemble only ticks.
    scenario.duration_ms = 5_000 + u64::from(ops_per_client) * 5;
    scenario.heal_ms = 1_000;
    scenario.checks.linearizability = false;
    scenario
        .validate()
        .expect("the bench's write scenario is valid");
    scenario
}

/// Three replicas, no faults, `clients` clients of the standard op mix (reads, writes, watches,
/// syncs) over 64 paths: a history of about `clients * ops_per_client` operations (plus
/// session opens and closes) for the checker. The run itself checks nothing of it.
pub fn history(clients: u32, ops_per_client: u32) -> Scenario {
    let mut scenario = fault_free(
        "bench-history",
        "Bench: three replicas, no faults, a long client history for the checker",
    );
    let workload = &mut scenario.workload;
    workload.clients = clients;
    workload.ops_per_client = ops_per_client;
    workload.think_time_ms = [0, 10];
    workload.paths = 64;
    workload.session_timeout_ms = 10_000;
    scenario.duration_ms = 5_000 + u64::from(ops_per_client) * 12;
    scenario.heal_ms = 1_000;
    scenario.checks.linearizability = false;
    scenario
        .validate()
        .expect("the bench's history scenario is valid");
    scenario
}
