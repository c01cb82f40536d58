//! Limits and cross-field rules of the scenario format.
//!
//! Checks run in document order and stop at the first error, so a file is
//! fixed one message at a time, top to bottom.

use std::fmt::Display;

use crate::violation::ViolationKind;

use super::{
    Clock, Cluster, Disk, FaultAction, FaultEvent, Faults, Millis, Network, PartitionSpec,
    Scenario, ScenarioError, SectorFates, Workload, MAX_NODES,
};

type Check = Result<(), ScenarioError>;

/// Longest allowed `name`, in characters (it becomes a directory name).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest allowed `description`, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Upper limit of every network latency range, in microseconds.
pub const MAX_LATENCY_US: u64 = 10_000_000;
/// Upper limit of `clock.max_drift_ppm`.
pub const MAX_DRIFT_PPM: u32 = 200_000;
/// Upper limit of the fault duration ranges and of a pause, in milliseconds.
pub const MAX_FAULT_DURATION_MS: u64 = 3_600_000;

pub(super) fn scenario(s: &Scenario) -> Check {
    name(&s.name)?;
    description(&s.description)?;
    cluster(&s.cluster)?;
    workload(&s.workload)?;
    disk(&s.disk)?;
    network(&s.network)?;
    clock(&s.clock)?;
    in_range("duration_ms", s.duration_ms, 1, 86_400_000)?;
    in_range("heal_ms", s.heal_ms, 0, 3_600_000)?;
    let shape = Shape {
        nodes: s.cluster.nodes,
        clients: s.workload.total_clients(),
    };
    faults(&s.faults, s.total_ms(), shape)?;
    operator_actions(s)?;
    let c = &s.checks;
    in_range(
        "checks.linearizability_max_steps",
        c.linearizability_max_steps,
        1,
        1_000_000_000_000,
    )?;
    in_range(
        "checks.linearizability_max_memory_mb",
        c.linearizability_max_memory_mb,
        1,
        65_536,
    )?;
    for (probe, at_least) in &s.expect.probes {
        let field = format!("expect.probes.{probe}");
        let well_formed = !probe.is_empty()
            && probe
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            return err(
                field,
                "is not a probe name (lowercase letters, digits and `-`)",
            );
        }
        in_range(&field, *at_least, 1, u64::MAX)?;
    }
    Ok(())
}

/// Beyond-model actions need the loss they cause listed as expected; a
/// disaster recovery starts a new era, which the recipes' checks do not span.
fn operator_actions(s: &Scenario) -> Check {
    for (index, event) in s.faults.schedule.iter().enumerate() {
        let field = format!("faults.schedule[{index}].action");
        let action = event.action;
        if action.is_beyond_model() && !s.expect.allows(ViolationKind::LostAckedWrite) {
            return err(
                field,
                format!(
                    "`{}` is beyond the fault model and can lose acknowledged writes: list \
                     `lost-acked-write` in `expect.allow` to have the loss reported, not failed",
                    action.name()
                ),
            );
        }
        let recipes = &s.workload.recipes;
        let recipe_clients = recipes.lock_clients + recipes.config_readers + recipes.config_writes;
        if action == FaultAction::DisasterRecovery && recipe_clients > 0 {
            return err(
                field,
                "`disaster-recovery` cannot be combined with recipe clients \
                 (workload.recipes): their checks do not span the new era",
            );
        }
        if action == FaultAction::RestoreOntoQuorum && s.cluster.nodes < 2 {
            return err(field, "`restore-onto-quorum` needs at least 2 nodes");
        }
    }
    Ok(())
}

fn err(field: impl Into<String>, message: impl Into<String>) -> Check {
    Err(ScenarioError::new(field, message))
}

fn in_range<T: PartialOrd + Display>(field: &str, v: T, lo: T, hi: T) -> Check {
    if v < lo || v > hi {
        return err(field, format!("must be in {lo}..={hi}, got {v}"));
    }
    Ok(())
}

fn range_pair<T: PartialOrd + Display + Copy>(field: &str, r: [T; 2], limit: T) -> Check {
    let [min, max] = r;
    if min > max {
        return err(field, format!("min {min} is greater than max {max}"));
    }
    if max > limit {
        return err(field, format!("max {max} is above the limit {limit}"));
    }
    Ok(())
}

fn probability(field: &str, p: f64) -> Check {
    if !(0.0..=1.0).contains(&p) {
        return err(field, format!("must be a probability in 0..=1, got {p}"));
    }
    Ok(())
}

fn name(n: &str) -> Check {
    if n.is_empty() {
        return err("name", "must not be empty");
    }
    if let Some(c) = n
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return err(
            "name",
            format!("character {c:?} is not allowed: use only lowercase a-z, digits 0-9 and '-'"),
        );
    }
    if n.len() > MAX_NAME_CHARS {
        return err(
            "name",
            format!(
                "is {} characters long, at most {MAX_NAME_CHARS} allowed",
                n.len()
            ),
        );
    }
    Ok(())
}

fn description(d: &str) -> Check {
    if d.trim().is_empty() {
        return err("description", "must not be empty");
    }
    if d.contains(['\n', '\r']) {
        return err("description", "must be a single line (no line breaks)");
    }
    let chars = d.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return err(
            "description",
            format!("is {chars} characters long, at most {MAX_DESCRIPTION_CHARS} allowed"),
        );
    }
    Ok(())
}

fn cluster(c: &Cluster) -> Check {
    if c.nodes == 0 {
        return err("cluster.nodes", "must be at least 1, got 0");
    }
    if c.nodes > MAX_NODES {
        return err(
            "cluster.nodes",
            format!(
                "{} nodes requested: ensembles of more than {MAX_NODES} nodes are not supported",
                c.nodes
            ),
        );
    }
    in_range("cluster.tick_ms", c.tick_ms, 1, 60_000)?;
    if c.snapshot_every_txns == 1 {
        return err(
            "cluster.snapshot_every_txns",
            "must be 0 (never) or at least 2, got 1",
        );
    }
    in_range(
        "cluster.snapshot_chunk_nodes",
        c.snapshot_chunk_nodes,
        1,
        100_000,
    )?;
    in_range("cluster.log_roll_bytes", c.log_roll_bytes, 512, 1 << 32)?;
    in_range("cluster.snapshot_retain", c.snapshot_retain, 1, 100)?;
    in_range("cluster.init_limit_ticks", c.init_limit_ticks, 1, 1_000)?;
    in_range("cluster.sync_limit_ticks", c.sync_limit_ticks, 1, 1_000)?;
    in_range(
        "cluster.committed_log_txns",
        c.committed_log_txns,
        0,
        1_000_000,
    )?;
    Ok(())
}

fn workload(w: &Workload) -> Check {
    in_range("workload.clients", w.clients, 1, 256)?;
    in_range("workload.ops_per_client", w.ops_per_client, 0, 1_000_000)?;
    range_pair("workload.think_time_ms", w.think_time_ms, 60_000)?;
    in_range("workload.paths", w.paths, 1, 10_000)?;
    range_pair("workload.value_bytes", w.value_bytes, 1_048_576)?;
    in_range(
        "workload.session_timeout_ms",
        w.session_timeout_ms,
        1,
        600_000,
    )?;
    in_range("workload.watch_percent", w.watch_percent, 0, 100)?;
    if w.mix.total() == 0 {
        return err("workload.mix", "all weights are 0");
    }
    let r = &w.recipes;
    in_range("workload.recipes.lock_clients", r.lock_clients, 0, 64)?;
    range_pair("workload.recipes.lock_hold_ms", r.lock_hold_ms, 60_000)?;
    in_range("workload.recipes.config_readers", r.config_readers, 0, 64)?;
    in_range(
        "workload.recipes.config_writes",
        r.config_writes,
        0,
        100_000,
    )?;
    if r.config_readers > 0 && r.config_writes == 0 {
        return err(
            "workload.recipes.config_writes",
            "config readers need a writer: give at least 1 write",
        );
    }
    Ok(())
}

fn disk(d: &Disk) -> Check {
    range_pair("disk.write_latency_us", d.write_latency_us, 10_000_000)?;
    range_pair("disk.fsync_latency_us", d.fsync_latency_us, 10_000_000)?;
    sector_fates(&d.crash_sectors)?;
    probability("disk.write_error_probability", d.write_error_probability)?;
    probability("disk.fsync_error_probability", d.fsync_error_probability)?;
    if let Some(capacity) = d.capacity_bytes {
        if capacity < 4096 {
            return err(
                "disk.capacity_bytes",
                format!("must be at least 4096 (or null for unlimited), got {capacity}"),
            );
        }
    }
    Ok(())
}

fn sector_fates(f: &SectorFates) -> Check {
    for (field, w) in [
        ("disk.crash_sectors.kept", f.kept),
        ("disk.crash_sectors.lost", f.lost),
        ("disk.crash_sectors.torn", f.torn),
    ] {
        if !w.is_finite() || w < 0.0 {
            return err(field, format!("must be a finite weight >= 0, got {w}"));
        }
    }
    let total = f.total();
    if !total.is_finite() || total <= 0.0 {
        return err(
            "disk.crash_sectors",
            "weights must sum to a finite value above 0",
        );
    }
    Ok(())
}

fn network(n: &Network) -> Check {
    range_pair("network.latency_us", n.latency_us, MAX_LATENCY_US)?;
    probability("network.spike_probability", n.spike_probability)?;
    range_pair(
        "network.spike_latency_us",
        n.spike_latency_us,
        MAX_LATENCY_US,
    )?;
    range_pair(
        "network.client_latency_us",
        n.client_latency_us,
        MAX_LATENCY_US,
    )?;
    Ok(())
}

fn clock(c: &Clock) -> Check {
    in_range("clock.max_drift_ppm", c.max_drift_ppm, 0, MAX_DRIFT_PPM)?;
    range_pair("clock.step_ms", c.step_ms, MAX_FAULT_DURATION_MS)?;
    Ok(())
}

fn faults(f: &Faults, run_ms: u64, shape: Shape) -> Check {
    range_pair(
        "faults.restart_delay_ms",
        f.restart_delay_ms,
        MAX_FAULT_DURATION_MS,
    )?;
    probability("faults.crash_all_probability", f.crash_all_probability)?;
    probability(
        "faults.crash_mid_fsync_probability",
        f.crash_mid_fsync_probability,
    )?;
    probability(
        "faults.crash_mid_snapshot_probability",
        f.crash_mid_snapshot_probability,
    )?;
    range_pair(
        "faults.partition_duration_ms",
        f.partition_duration_ms,
        MAX_FAULT_DURATION_MS,
    )?;
    if f.partition_interval_ms > 0 && f.partition_kinds.is_empty() {
        return err(
            "faults.partition_kinds",
            "must name at least one kind when partition_interval_ms is above 0",
        );
    }
    for (i, kind) in f.partition_kinds.iter().enumerate() {
        if f.partition_kinds[..i].contains(kind) {
            return err(
                format!("faults.partition_kinds[{i}]"),
                format!("`{}` is listed twice", super::kind_name(kind)),
            );
        }
    }
    range_pair(
        "faults.pause_duration_ms",
        f.pause_duration_ms,
        MAX_FAULT_DURATION_MS,
    )?;
    range_pair(
        "faults.client_disconnect_ms",
        f.client_disconnect_ms,
        MAX_FAULT_DURATION_MS,
    )?;
    in_range("faults.purge_retain", f.purge_retain, 1, 1_000)?;
    for (i, event) in f.schedule.iter().enumerate() {
        fault_event(&format!("faults.schedule[{i}]"), event, run_ms, shape)?;
    }
    Ok(())
}

fn node_id(field: &str, node: u32, nodes: u32) -> Check {
    if node >= nodes {
        return err(
            field,
            format!(
                "node {node} does not exist: the cluster has {nodes} node{} (0..={})",
                if nodes == 1 { "" } else { "s" },
                nodes.saturating_sub(1)
            ),
        );
    }
    Ok(())
}

/// `field` (`faults.schedule[3]`) must be present iff `needed`.
fn present_iff<T>(field: String, value: &Option<T>, needed: bool, action: FaultAction) -> Check {
    match (value.is_some(), needed) {
        (false, true) => err(field, format!("is required by action `{}`", action.name())),
        (true, false) => err(
            field,
            format!("is not allowed with action `{}`", action.name()),
        ),
        _ => Ok(()),
    }
}

fn fault_event(at: &str, event: &FaultEvent, run_ms: u64, shape: Shape) -> Check {
    if event.at_ms > Millis::from_ms(run_ms) {
        return err(
            format!("{at}.at_ms"),
            format!(
                "{} is after the end of the run (duration_ms + heal_ms = {run_ms})",
                event.at_ms
            ),
        );
    }
    let nodes = shape.nodes;
    node_id(&format!("{at}.node"), event.node, nodes)?;
    fault_event_fields(at, event)?;
    let action = event.action;
    if action == FaultAction::CrashLeader && nodes < 2 {
        return err(
            format!("{at}.action"),
            format!("`crash-leader` needs at least 2 nodes, the cluster has {nodes}"),
        );
    }
    if let Some(restarts) = &event.restarts_after_ms {
        if restarts.len() != nodes as usize {
            return err(
                format!("{at}.restarts_after_ms"),
                format!(
                    "lists {} restart(s): it needs one per node ({nodes})",
                    restarts.len()
                ),
            );
        }
    }
    let restarts = event.restarts_after_ms.iter().flatten().flatten().copied();
    let spans = [
        ("duration_ms", event.duration_ms),
        ("restart_after_ms", event.restart_after_ms),
        ("step_ms", event.step_ms),
    ]
    .into_iter()
    .chain(restarts.map(|r| ("restarts_after_ms", Some(r))));
    for (name, value) in spans {
        if let Some(value) = value {
            let limit = Millis::from_ms(MAX_FAULT_DURATION_MS);
            if value.as_us() == 0 || value > limit {
                return err(
                    format!("{at}.{name}"),
                    format!("{value} is out of range (more than 0, at most {limit})"),
                );
            }
        }
    }
    if let Some(client) = event.client {
        if client >= shape.clients {
            return err(
                format!("{at}.client"),
                format!(
                    "client {client} does not exist: the workload has {} client(s)",
                    shape.clients
                ),
            );
        }
    }
    if let Some(peer) = event.peer {
        let field = format!("{at}.peer");
        node_id(&field, peer, nodes)?;
        if peer == event.node {
            return err(
                field,
                format!("must differ from `node` (both are {peer}): a connection has two ends"),
            );
        }
    }
    if let Some(spec) = &event.partition {
        partition_spec(&format!("{at}.partition"), spec, nodes)?;
    }
    Ok(())
}

/// Each optional field is present iff the action needs it.
fn fault_event_fields(at: &str, event: &FaultEvent) -> Check {
    let action = event.action;
    let crash = matches!(
        action,
        FaultAction::Crash
            | FaultAction::CrashLeader
            | FaultAction::CrashMidSnapshot
            | FaultAction::Restore
            | FaultAction::RestoreLeader
            | FaultAction::DisasterRecovery
            | FaultAction::RestoreOntoQuorum
            | FaultAction::Wipe
    );
    let lasting = matches!(action, FaultAction::Pause | FaultAction::ClientDisconnect);
    present_iff(
        format!("{at}.partition"),
        &event.partition,
        action == FaultAction::Partition,
        action,
    )?;
    present_iff(
        format!("{at}.duration_ms"),
        &event.duration_ms,
        lasting,
        action,
    )?;
    present_iff(
        format!("{at}.peer"),
        &event.peer,
        action == FaultAction::ResetConnections,
        action,
    )?;
    present_iff(
        format!("{at}.client"),
        &event.client,
        action == FaultAction::ClientDisconnect,
        action,
    )?;
    present_iff(
        format!("{at}.retain"),
        &event.retain,
        action == FaultAction::Purge,
        action,
    )?;
    if event.retain == Some(0) {
        return err(
            format!("{at}.retain"),
            "must be at least 1: a purge keeps a snapshot",
        );
    }
    present_iff(
        format!("{at}.step_ms"),
        &event.step_ms,
        action == FaultAction::ClockStep,
        action,
    )?;
    if event.restart_after_ms.is_some() && !crash {
        return err(
            format!("{at}.restart_after_ms"),
            format!("is not allowed with action `{}`", action.name()),
        );
    }
    if event.restarts_after_ms.is_some() && action != FaultAction::CrashAll {
        return err(
            format!("{at}.restarts_after_ms"),
            format!("is not allowed with action `{}`", action.name()),
        );
    }
    Ok(())
}

/// What the schedule's ids refer to.
#[derive(Clone, Copy)]
struct Shape {
    nodes: u32,
    clients: u32,
}

fn partition_spec(at: &str, spec: &PartitionSpec, nodes: u32) -> Check {
    // Named lists of node ids, in document order.
    let bridge;
    let lists: Vec<(String, &[u32])> = match spec {
        PartitionSpec::Split { groups } => {
            if groups.is_empty() {
                return err(format!("{at}.groups"), "must list at least one group");
            }
            groups
                .iter()
                .enumerate()
                .map(|(i, g)| (format!("groups[{i}]"), g.as_slice()))
                .collect()
        }
        PartitionSpec::OneWay { from, to } => {
            vec![("from".to_string(), from), ("to".to_string(), to)]
        }
        PartitionSpec::Bridge {
            left,
            bridge: b,
            right,
        } => {
            bridge = [*b];
            vec![
                ("left".to_string(), left),
                ("bridge".to_string(), &bridge),
                ("right".to_string(), right),
            ]
        }
        PartitionSpec::Isolate { node } => return node_id(&format!("{at}.node"), *node, nodes),
        PartitionSpec::IsolateLeader {} => return min_nodes(at, "isolate-leader", 2, nodes),
        PartitionSpec::MinorityMajority {} => return min_nodes(at, "minority-majority", 3, nodes),
    };
    for (i, (name, list)) in lists.iter().enumerate() {
        if list.is_empty() {
            return err(format!("{at}.{name}"), "must not be empty");
        }
        // `bridge` is a single id, not a list.
        let single = matches!(spec, PartitionSpec::Bridge { .. }) && name == "bridge";
        for (j, &node) in list.iter().enumerate() {
            let field = if single {
                format!("{at}.{name}")
            } else {
                format!("{at}.{name}[{j}]")
            };
            node_id(&field, node, nodes)?;
            let earlier = lists[..i]
                .iter()
                .find(|(_, l)| l.contains(&node))
                .map(|(n, _)| n.as_str())
                .or_else(|| list[..j].contains(&node).then_some(name.as_str()));
            if let Some(other) = earlier {
                return err(
                    field,
                    format!("node {node} is already in `{other}`: a node may be on one side only"),
                );
            }
        }
    }
    Ok(())
}

fn min_nodes(at: &str, kind: &str, min: u32, nodes: u32) -> Check {
    if nodes < min {
        return err(
            format!("{at}.kind"),
            format!("`{kind}` needs at least {min} nodes, the cluster has {nodes}"),
        );
    }
    Ok(())
}
