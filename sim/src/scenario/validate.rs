//! Limits and cross-field rules of the scenario format.
//!
//! Checks run in document order and stop at the first error, so a file is
//! fixed one message at a time, top to bottom.

use std::fmt::Display;

use super::{Cluster, Disk, Faults, Scenario, ScenarioError, SectorFates, Workload, MAX_NODES};

type Check = Result<(), ScenarioError>;

/// Longest allowed `name`, in characters (it becomes a directory name).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest allowed `description`, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

pub(super) fn scenario(s: &Scenario) -> Check {
    name(&s.name)?;
    description(&s.description)?;
    cluster(&s.cluster)?;
    workload(&s.workload)?;
    disk(&s.disk)?;
    in_range("duration_ms", s.duration_ms, 1, 86_400_000)?;
    in_range("heal_ms", s.heal_ms, 0, 3_600_000)?;
    faults(&s.faults, s.duration_ms, s.cluster.nodes)?;
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
                "{} nodes requested: ensembles of more than {MAX_NODES} node{} are not implemented yet",
                c.nodes,
                if MAX_NODES == 1 { "" } else { "s" }
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
    if w.mix.total() == 0 {
        return err("workload.mix", "all weights are 0");
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

fn faults(f: &Faults, duration_ms: u64, nodes: u32) -> Check {
    range_pair("faults.restart_delay_ms", f.restart_delay_ms, 3_600_000)?;
    probability(
        "faults.crash_mid_fsync_probability",
        f.crash_mid_fsync_probability,
    )?;
    probability(
        "faults.crash_mid_snapshot_probability",
        f.crash_mid_snapshot_probability,
    )?;
    for (i, event) in f.schedule.iter().enumerate() {
        if event.at_ms > duration_ms {
            return err(
                format!("faults.schedule[{i}].at_ms"),
                format!(
                    "{} is after the end of the fault phase (duration_ms {duration_ms})",
                    event.at_ms
                ),
            );
        }
        if event.node >= nodes {
            return err(
                format!("faults.schedule[{i}].node"),
                format!(
                    "node {} does not exist: the cluster has {nodes} node{} (0..={})",
                    event.node,
                    if nodes == 1 { "" } else { "s" },
                    nodes.saturating_sub(1)
                ),
            );
        }
    }
    Ok(())
}
