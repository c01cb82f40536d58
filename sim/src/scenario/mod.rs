//! Scenario files: what to simulate, under which faults, for how long.
//!
//! A scenario is a JSON document (documented in `docs/SCENARIO-FORMAT.md`).
//! Loading never panics: any input gives either a validated [`Scenario`] or a
//! [`ScenarioError`] naming the offending field by its full dotted path.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::violation::ViolationKind;

pub use error::ScenarioError;

mod error;
mod format;
#[cfg(test)]
mod tests;
mod validate;

/// Largest ensemble the simulator supports. Raise to 9 once ensembles exist.
pub const MAX_NODES: u32 = 1;

/// A named situation to simulate: cluster shape, workload, disk model, faults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Non-empty, only `[a-z0-9-]`.
    pub name: String,
    /// Non-empty, one line, at most 200 characters.
    pub description: String,
    #[serde(default)]
    pub cluster: Cluster,
    #[serde(default)]
    pub workload: Workload,
    #[serde(default)]
    pub disk: Disk,
    #[serde(default)]
    pub faults: Faults,
    /// Length of the fault phase in virtual milliseconds.
    pub duration_ms: u64,
    /// Length of the healing phase: faults stop, the node must recover and
    /// answer every request.
    #[serde(default = "default_heal_ms")]
    pub heal_ms: u64,
    #[serde(default)]
    pub expect: Expect,
}

fn default_heal_ms() -> u64 {
    5_000
}

/// Shape and tuning of the ensemble.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cluster {
    pub nodes: u32,
    pub tick_ms: u64,
    /// 0 = never; otherwise a snapshot starts after a random number of txns
    /// in `[n/2+1, n]`.
    pub snapshot_every_txns: u64,
    /// Nodes serialized per step of a fuzzy snapshot.
    pub snapshot_chunk_nodes: u32,
    /// Roll the txn log to a new file past this size.
    pub log_roll_bytes: u64,
    /// Snapshots kept by purge (plus the logs they need).
    pub snapshot_retain: u32,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            nodes: 1,
            tick_ms: 100,
            snapshot_every_txns: 200,
            snapshot_chunk_nodes: 16,
            log_roll_bytes: 65_536,
            snapshot_retain: 3,
        }
    }
}

/// The clients and what they do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    pub clients: u32,
    pub ops_per_client: u32,
    /// `[min, max]` pause between a reply and the client's next request.
    pub think_time_ms: [u64; 2],
    /// Distinct znode names the workload touches.
    pub paths: u32,
    /// `[min, max]` size of written values.
    pub value_bytes: [u32; 2],
    pub session_timeout_ms: u32,
    pub mix: OpMix,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            clients: 3,
            ops_per_client: 200,
            think_time_ms: [0, 20],
            paths: 8,
            value_bytes: [0, 32],
            session_timeout_ms: 10_000,
            mix: OpMix::default(),
        }
    }
}

/// Relative weights of the operations a client issues.
///
/// `OpMix::default()` is the standard mix; inside a JSON `"mix"` object a
/// missing field is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpMix {
    #[serde(default)]
    pub create: u32,
    #[serde(default)]
    pub create_sequential: u32,
    #[serde(default)]
    pub create_ephemeral: u32,
    #[serde(default)]
    pub delete: u32,
    #[serde(default)]
    pub set_data: u32,
    #[serde(default)]
    pub get_data: u32,
    #[serde(default)]
    pub exists: u32,
    #[serde(default)]
    pub get_children: u32,
    #[serde(default)]
    pub multi: u32,
}

impl Default for OpMix {
    fn default() -> Self {
        OpMix {
            create: 15,
            create_sequential: 10,
            create_ephemeral: 5,
            delete: 10,
            set_data: 25,
            get_data: 15,
            exists: 5,
            get_children: 5,
            multi: 10,
        }
    }
}

impl OpMix {
    /// Every weight 0 (not a valid mix on its own).
    pub const ZERO: OpMix = OpMix {
        create: 0,
        create_sequential: 0,
        create_ephemeral: 0,
        delete: 0,
        set_data: 0,
        get_data: 0,
        exists: 0,
        get_children: 0,
        multi: 0,
    };

    /// The weights with their JSON field names, in declaration order.
    pub fn entries(&self) -> [(&'static str, u32); 9] {
        [
            ("create", self.create),
            ("create_sequential", self.create_sequential),
            ("create_ephemeral", self.create_ephemeral),
            ("delete", self.delete),
            ("set_data", self.set_data),
            ("get_data", self.get_data),
            ("exists", self.exists),
            ("get_children", self.get_children),
            ("multi", self.multi),
        ]
    }

    /// Sum of the weights (as u64: cannot overflow).
    pub fn total(&self) -> u64 {
        self.entries().iter().map(|&(_, w)| u64::from(w)).sum()
    }
}

/// The virtual disk under each node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Disk {
    /// `[min, max]` latency of a write request.
    pub write_latency_us: [u64; 2],
    /// `[min, max]` latency of an fsync.
    pub fsync_latency_us: [u64; 2],
    /// What becomes of each un-fsynced sector at a crash.
    pub crash_sectors: SectorFates,
    /// Per write request, probability of EIO.
    pub write_error_probability: f64,
    /// Per fsync, probability of EIO.
    pub fsync_error_probability: f64,
    /// Mean virtual time between flips of one bit in a durable sector; 0 = never.
    pub bit_rot_interval_ms: u64,
    /// None = unlimited; otherwise ENOSPC past it.
    pub capacity_bytes: Option<u64>,
}

impl Default for Disk {
    fn default() -> Self {
        Disk {
            write_latency_us: [5, 50],
            fsync_latency_us: [200, 2_000],
            crash_sectors: SectorFates::default(),
            write_error_probability: 0.0,
            fsync_error_probability: 0.0,
            bit_rot_interval_ms: 0,
            capacity_bytes: None,
        }
    }
}

/// Relative weights of the fates of an un-fsynced sector at a crash: kept
/// (the new contents survive), lost (the old contents remain), torn (garbage).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorFates {
    pub kept: f64,
    pub lost: f64,
    pub torn: f64,
}

impl Default for SectorFates {
    fn default() -> Self {
        SectorFates {
            kept: 0.5,
            lost: 0.3,
            torn: 0.2,
        }
    }
}

impl SectorFates {
    /// Sum of the three weights.
    pub fn total(&self) -> f64 {
        self.kept + self.lost + self.torn
    }
}

/// Process faults: random crashes and an explicit schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Mean virtual time between random crashes; 0 = none.
    pub crash_interval_ms: u64,
    /// `[min, max]` time from a crash to the restart.
    pub restart_delay_ms: [u64; 2],
    /// Per fsync, probability of crashing while it is in flight.
    pub crash_mid_fsync_probability: f64,
    /// Per snapshot, probability of crashing while it is being written.
    pub crash_mid_snapshot_probability: f64,
    /// Explicit fault events; need not be sorted (see [`Faults::sorted_schedule`]).
    pub schedule: Vec<FaultEvent>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            crash_interval_ms: 0,
            restart_delay_ms: [10, 500],
            crash_mid_fsync_probability: 0.0,
            crash_mid_snapshot_probability: 0.0,
            schedule: Vec::new(),
        }
    }
}

impl Faults {
    /// The schedule sorted by `at_ms`, stably (equal times keep file order).
    pub fn sorted_schedule(&self) -> Vec<FaultEvent> {
        let mut events = self.schedule.clone();
        events.sort_by_key(|e| e.at_ms);
        events
    }
}

/// One explicit fault at a given virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultEvent {
    pub at_ms: u64,
    pub action: FaultAction,
    #[serde(default)]
    pub node: u32,
}

/// What an explicit fault event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultAction {
    Crash,
    Restart,
    BitRot,
}

/// What the run is expected to show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Expect {
    /// Violations of these kinds are reported as expected (beyond-model
    /// faults) instead of failing the run.
    pub allow: Vec<ViolationKind>,
}

impl Expect {
    /// Whether a violation of this kind is expected rather than a failure.
    pub fn allows(&self, kind: ViolationKind) -> bool {
        self.allow.contains(&kind)
    }
}

impl Scenario {
    /// Parses and validates a scenario from JSON text.
    pub fn from_json_str(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = error::parse(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads, parses and validates a scenario file; errors name the file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ScenarioError::new("", format!("cannot read the file: {e}")).with_source(&source)
        })?;
        Scenario::from_json_str(&text).map_err(|e| e.with_source(&source))
    }

    /// Checks every limit the format sets, and the cross-field rules.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        validate::scenario(self)
    }

    /// Pretty JSON (2-space indent, short arrays and small objects on one
    /// line, trailing newline) that [`Scenario::from_json_str`] reads back
    /// to an equal scenario.
    pub fn to_json_pretty(&self) -> String {
        format::to_json_pretty(self)
    }

    /// Fault phase plus healing phase.
    pub fn total_ms(&self) -> u64 {
        self.duration_ms.saturating_add(self.heal_ms)
    }
}
