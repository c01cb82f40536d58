//! Scenario edits the shrinker tries: each gives a smaller scenario, or None
//! when the edit does not apply or the result would not be valid.

use crate::scenario::{FaultAction, FaultEvent, Millis, PartitionSpec, Scenario};

/// The scenario as one seed runs it, with every random fault replaced by the
/// explicit schedule of the faults that seed injected (`recorded`).
pub fn explicit(concrete: &Scenario, recorded: &[FaultEvent]) -> Scenario {
    let mut s = concrete.clone();
    assert!(
        !s.faults.swarm,
        "a concrete scenario has no swarm mode left"
    );
    let f = &mut s.faults;
    f.crash_interval_ms = 0;
    f.crash_all_probability = 0.0;
    f.crash_mid_fsync_probability = 0.0;
    f.crash_mid_snapshot_probability = 0.0;
    f.partition_interval_ms = 0;
    f.pause_interval_ms = 0;
    f.client_disconnect_interval_ms = 0;
    f.purge_interval_ms = 0;
    f.backup_interval_ms = 0;
    f.restore_interval_ms = 0;
    f.schedule = recorded.to_vec();
    s.disk.bit_rot_interval_ms = 0;
    s.network.reset_interval_ms = 0;
    s.clock.step_interval_ms = 0;
    s
}

/// Only valid scenarios are tried.
pub fn valid(s: Scenario) -> Option<Scenario> {
    s.validate().ok().map(|()| s)
}

/// The fault phase cut to `duration_ms`; schedule events past the end of
/// the run are dropped.
pub fn with_duration(s: &Scenario, duration_ms: u64) -> Option<Scenario> {
    if duration_ms == 0 || duration_ms >= s.duration_ms {
        return None;
    }
    let mut smaller = s.clone();
    smaller.duration_ms = duration_ms;
    let end = Millis::from_ms(smaller.total_ms());
    smaller.faults.schedule.retain(|event| event.at_ms <= end);
    valid(smaller)
}

pub fn with_heal(s: &Scenario, heal_ms: u64) -> Option<Scenario> {
    if heal_ms >= s.heal_ms {
        return None;
    }
    let mut smaller = s.clone();
    smaller.heal_ms = heal_ms;
    let end = Millis::from_ms(smaller.total_ms());
    smaller.faults.schedule.retain(|event| event.at_ms <= end);
    valid(smaller)
}

/// An ensemble of `nodes`: events acting on the removed nodes are dropped.
pub fn with_nodes(s: &Scenario, nodes: u32) -> Option<Scenario> {
    if nodes == 0 || nodes >= s.cluster.nodes {
        return None;
    }
    let mut smaller = s.clone();
    smaller.cluster.nodes = nodes;
    smaller.faults.schedule = s
        .faults
        .schedule
        .iter()
        .filter_map(|event| event_within(event, nodes))
        .collect();
    valid(smaller)
}

/// The event on an ensemble of `nodes`, if it only names nodes below that.
fn event_within(event: &FaultEvent, nodes: u32) -> Option<FaultEvent> {
    let mut event = event.clone();
    let names_node = !matches!(
        event.action,
        FaultAction::CrashAll
            | FaultAction::RestartAll
            | FaultAction::CrashLeader
            | FaultAction::Heal
            | FaultAction::Partition
            | FaultAction::ClientDisconnect
    );
    if names_node && event.node >= nodes {
        return None;
    }
    if event.peer.is_some_and(|peer| peer >= nodes) {
        return None;
    }
    if let Some(restarts) = &mut event.restarts_after_ms {
        restarts.truncate(nodes as usize);
    }
    if let Some(spec) = &event.partition {
        if spec_nodes(spec).iter().any(|n| *n >= nodes) {
            return None;
        }
    }
    Some(event)
}

fn spec_nodes(spec: &PartitionSpec) -> Vec<u32> {
    match spec {
        PartitionSpec::Split { groups } => groups.iter().flatten().copied().collect(),
        PartitionSpec::OneWay { from, to } => from.iter().chain(to).copied().collect(),
        PartitionSpec::Bridge {
            left,
            bridge,
            right,
        } => left.iter().chain(right).chain([bridge]).copied().collect(),
        PartitionSpec::Isolate { node } => vec![*node],
        PartitionSpec::IsolateLeader {} | PartitionSpec::MinorityMajority {} => Vec::new(),
    }
}

/// Which kind of client to drop: they are numbered op-mix clients first, then
/// lock clients, then the configuration writer and readers.
#[derive(Clone, Copy, Debug)]
pub enum ClientKind {
    OpMix,
    Lock,
    ConfigReader,
}

/// One client fewer of `kind` (the last of its kind); disconnect events of
/// that client are dropped and later client ids shift down.
pub fn without_client(s: &Scenario, kind: ClientKind) -> Option<Scenario> {
    let mut smaller = s.clone();
    let w = &mut smaller.workload;
    let locks_base = w.clients;
    let config_base = w.clients + w.recipes.lock_clients;
    // The ids removed, as a half-open range.
    let (first, end) = match kind {
        ClientKind::OpMix if w.clients > 0 => {
            w.clients -= 1;
            (locks_base - 1, locks_base)
        }
        ClientKind::Lock if w.recipes.lock_clients > 0 => {
            w.recipes.lock_clients -= 1;
            (config_base - 1, config_base)
        }
        ClientKind::ConfigReader if w.recipes.config_readers > 0 => {
            let readers = w.recipes.config_readers;
            w.recipes.config_readers -= 1;
            // The writer (id `config_base`) goes with the last reader.
            let first = if readers == 1 {
                config_base
            } else {
                config_base + readers
            };
            (first, config_base + readers + 1)
        }
        _ => return None,
    };
    assert!(first < end);
    let removed = end - first;
    smaller
        .faults
        .schedule
        .retain_mut(|event| match event.client {
            Some(client) if (first..end).contains(&client) => false,
            Some(client) if client >= end => {
                event.client = Some(client - removed);
                true
            }
            _ => true,
        });
    valid(smaller)
}

pub fn with_ops_per_client(s: &Scenario, ops: u32) -> Option<Scenario> {
    if ops >= s.workload.ops_per_client {
        return None;
    }
    let mut smaller = s.clone();
    smaller.workload.ops_per_client = ops;
    valid(smaller)
}

/// An edit that turns off one remaining source of randomness or one feature
/// of the workload, named for the shrinker's log.
pub type Simplification = (&'static str, fn(&mut Scenario));

pub const SIMPLIFICATIONS: [Simplification; 15] = [
    ("no write errors", |c| c.disk.write_error_probability = 0.0),
    ("no fsync errors", |c| c.disk.fsync_error_probability = 0.0),
    ("no delay spikes", |c| c.network.spike_probability = 0.0),
    ("no clock drift", |c| c.clock.max_drift_ppm = 0),
    ("no watches", |c| c.workload.watch_percent = 0),
    ("no multi", |c| c.workload.mix.multi = 0),
    ("no sync", |c| c.workload.mix.sync = 0),
    ("no getChildren", |c| c.workload.mix.get_children = 0),
    ("no exists", |c| c.workload.mix.exists = 0),
    ("no getData", |c| c.workload.mix.get_data = 0),
    ("no ephemerals", |c| c.workload.mix.create_ephemeral = 0),
    ("no sequentials", |c| c.workload.mix.create_sequential = 0),
    ("no deletes", |c| c.workload.mix.delete = 0),
    ("no snapshots", |c| c.cluster.snapshot_every_txns = 0),
    ("no linearizability check", |c| {
        c.checks.linearizability = false
    }),
];

/// `s` with the simplification applied, if it changes anything and stays valid.
pub fn simplified(s: &Scenario, edit: fn(&mut Scenario)) -> Option<Scenario> {
    let mut candidate = s.clone();
    edit(&mut candidate);
    if candidate == *s {
        return None;
    }
    valid(candidate)
}
