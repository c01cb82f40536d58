//! Scenario files: what to simulate, under which faults, for how long.
//!
//! A scenario is a JSON document (documented in `docs/SCENARIO-FORMAT.md`).
//! Loading never panics: any input gives either a validated [`Scenario`] or a
//! [`ScenarioError`] naming the offending field by its full dotted path.

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::network::PartitionKind;
use crate::violation::ViolationKind;

pub use error::ScenarioError;
pub use millis::Millis;
pub use validate::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS};

mod error;
mod format;
mod millis;
mod swarm;
#[cfg(test)]
mod tests;
mod validate;

/// Largest ensemble the simulator supports.
pub const MAX_NODES: u32 = 9;

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
    pub network: Network,
    #[serde(default)]
    pub clock: Clock,
    #[serde(default)]
    pub faults: Faults,
    /// Length of the fault phase in virtual milliseconds.
    pub duration_ms: u64,
    /// Length of the healing phase: faults stop, the node must recover and
    /// answer every request.
    #[serde(default = "default_heal_ms")]
    pub heal_ms: u64,
    #[serde(default)]
    pub checks: Checks,
    #[serde(default)]
    pub expect: Expect,
}

/// Optional checks and their budgets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Checks {
    /// Check the client history for linearizability under ZooKeeper's guarantees.
    pub linearizability: bool,
    /// Search steps per partition before its verdict is "unknown".
    pub linearizability_max_steps: u64,
    /// Memory for the search's cache, per partition.
    pub linearizability_max_memory_mb: u64,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            linearizability: true,
            linearizability_max_steps: 1_000_000_000,
            linearizability_max_memory_mb: 4096,
        }
    }
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
    /// ZooKeeper's `initLimit`: ticks a new leader has to gather a quorum
    /// of followers (discovery + sync).
    pub init_limit_ticks: u32,
    /// ZooKeeper's `syncLimit`: ticks without hearing from the leader (a
    /// follower), or from a quorum (a leader), before giving up.
    pub sync_limit_ticks: u32,
    /// Txns the leader keeps in memory to sync a follower by DIFF; a
    /// follower further behind gets a SNAP.
    pub committed_log_txns: u32,
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
            init_limit_ticks: 10,
            sync_limit_ticks: 5,
            committed_log_txns: 500,
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
    /// Percent of reads (getData, exists, getChildren) that leave a watch.
    pub watch_percent: u32,
    pub mix: OpMix,
    /// Clients running ZooKeeper recipes, besides the op-mix clients.
    pub recipes: Recipes,
}

impl Workload {
    /// Every client of a run: the op-mix clients, then the lock clients, then
    /// the configuration writer and its readers (client ids in that order).
    pub fn total_clients(&self) -> u32 {
        let recipes = &self.recipes;
        let config = if recipes.config_readers > 0 {
            recipes.config_readers + 1
        } else {
            0
        };
        self.clients + recipes.lock_clients + config
    }
}

/// Clients that run ZooKeeper recipes, each with its own check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Recipes {
    /// Clients contending for one lock (ephemeral-sequential nodes under
    /// `/lock`, lowest wins, each waiter watching its predecessor).
    pub lock_clients: u32,
    /// How long a lock holder keeps the lock.
    pub lock_hold_ms: [u64; 2],
    /// Clients watching the configuration znode `/config`.
    pub config_readers: u32,
    /// Values the configuration writer (one extra client) writes.
    pub config_writes: u32,
}

impl Default for Recipes {
    fn default() -> Self {
        Recipes {
            lock_clients: 0,
            lock_hold_ms: [10, 200],
            config_readers: 0,
            config_writes: 0,
        }
    }
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
            watch_percent: 40,
            mix: OpMix::default(),
            recipes: Recipes::default(),
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
    /// A sync, then a getData of the same path.
    #[serde(default)]
    pub sync: u32,
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
            sync: 5,
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
        sync: 0,
    };

    /// The weights with their JSON field names, in declaration order.
    pub fn entries(&self) -> [(&'static str, u32); 10] {
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
            ("sync", self.sync),
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

/// The virtual network between the nodes, and between clients and nodes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Network {
    /// `[min, max]` one-way delay of a message between two nodes.
    pub latency_us: [u64; 2],
    /// Per message between nodes, probability of a delay spike instead.
    pub spike_probability: f64,
    /// `[min, max]` delay of a spiked message.
    pub spike_latency_us: [u64; 2],
    /// Mean virtual time between resets of the connection between a random
    /// pair of nodes (in-flight messages lost); 0 = never.
    pub reset_interval_ms: u64,
    /// `[min, max]` one-way delay between a client and a node.
    pub client_latency_us: [u64; 2],
}

impl Default for Network {
    fn default() -> Self {
        Network {
            latency_us: [200, 2_000],
            spike_probability: 0.0,
            spike_latency_us: [20_000, 200_000],
            reset_interval_ms: 0,
            client_latency_us: [100, 1_000],
        }
    }
}

/// Each node's virtual clock: drift and steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Clock {
    /// Each node's clock runs fast or slow by a random amount within
    /// ±this many parts per million.
    pub max_drift_ppm: u32,
    /// Mean virtual time between forward steps of a random node's clock;
    /// 0 = never.
    pub step_interval_ms: u64,
    /// `[min, max]` size of a clock step.
    pub step_ms: [u64; 2],
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            max_drift_ppm: 0,
            step_interval_ms: 0,
            step_ms: [10, 1_000],
        }
    }
}

/// Process faults: random crashes and an explicit schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Swarm mode: each seed keeps a random subset of the random fault kinds
    /// below, at randomly scaled rates (see [`Scenario::for_seed`]).
    pub swarm: bool,
    /// Mean virtual time between random crashes; 0 = none.
    pub crash_interval_ms: u64,
    /// `[min, max]` time from a crash to the restart.
    pub restart_delay_ms: [u64; 2],
    /// When a random crash fires, probability that it is a whole-ensemble
    /// power loss (every node crashes at once) rather than one node.
    pub crash_all_probability: f64,
    /// Per fsync, probability of crashing while it is in flight.
    pub crash_mid_fsync_probability: f64,
    /// Per snapshot, probability of crashing while it is being written.
    pub crash_mid_snapshot_probability: f64,
    /// Mean virtual time between random partitions; 0 = none.
    pub partition_interval_ms: u64,
    /// `[min, max]` time a random partition lasts before it heals.
    pub partition_duration_ms: [u64; 2],
    /// The kinds a random partition is drawn from (uniformly).
    pub partition_kinds: Vec<PartitionKind>,
    /// Mean virtual time between pauses of a random node (it stops running
    /// without crashing); 0 = none.
    pub pause_interval_ms: u64,
    /// `[min, max]` length of a random pause.
    pub pause_duration_ms: [u64; 2],
    /// Mean virtual time between disconnections of a random client from every
    /// server (its session may expire meanwhile); 0 = none.
    pub client_disconnect_interval_ms: u64,
    /// `[min, max]` time a disconnected client stays unable to reach any server.
    pub client_disconnect_ms: [u64; 2],
    /// Mean virtual time between operator purges of a random node's old
    /// snapshots and logs; 0 = none.
    pub purge_interval_ms: u64,
    /// Snapshots an operator purge keeps (`zkCleanup.sh -n`), at least 1.
    pub purge_retain: u32,
    /// Mean virtual time between live backups of a random node; 0 = none.
    pub backup_interval_ms: u64,
    /// Mean virtual time between restores of a random node from its newest
    /// usable backup; 0 = none.
    pub restore_interval_ms: u64,
    /// Explicit fault events; need not be sorted (see [`Faults::sorted_schedule`]).
    pub schedule: Vec<FaultEvent>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            swarm: false,
            crash_interval_ms: 0,
            restart_delay_ms: [10, 500],
            crash_all_probability: 0.0,
            crash_mid_fsync_probability: 0.0,
            crash_mid_snapshot_probability: 0.0,
            partition_interval_ms: 0,
            partition_duration_ms: [500, 5_000],
            partition_kinds: ALL_PARTITION_KINDS.to_vec(),
            pause_interval_ms: 0,
            pause_duration_ms: [100, 2_000],
            client_disconnect_interval_ms: 0,
            client_disconnect_ms: [100, 3_000],
            purge_interval_ms: 0,
            purge_retain: 3,
            backup_interval_ms: 0,
            restore_interval_ms: 0,
            schedule: Vec::new(),
        }
    }
}

/// Every partition kind, in the order of the documentation (the default of
/// `faults.partition_kinds`).
pub const ALL_PARTITION_KINDS: [PartitionKind; 5] = [
    PartitionKind::Symmetric,
    PartitionKind::Asymmetric,
    PartitionKind::Bridge,
    PartitionKind::IsolateLeader,
    PartitionKind::MinorityMajority,
];

impl Faults {
    /// The schedule sorted by `at_ms`, stably (equal times keep file order).
    pub fn sorted_schedule(&self) -> Vec<FaultEvent> {
        let mut events = self.schedule.clone();
        events.sort_by_key(|e| e.at_ms);
        events
    }
}

/// The name of a partition kind in scenario files (`isolate-leader`).
pub(crate) fn kind_name(kind: &PartitionKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

/// One explicit fault at a given virtual time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultEvent {
    /// When, in virtual milliseconds from the start (to the microsecond).
    pub at_ms: Millis,
    pub action: FaultAction,
    /// The node acted on (`crash`, `restart`, `bit-rot`, `pause`,
    /// `clock-step`; one end for `reset-connections`); ignored by the other
    /// actions.
    #[serde(default)]
    pub node: u32,
    /// The cut to make; present iff `action` is `partition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionSpec>,
    /// How long the fault lasts; present iff `action` is `pause` or
    /// `client-disconnect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<Millis>,
    /// The other end of the connection; present iff `action` is
    /// `reset-connections`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<u32>,
    /// For `crash` and `crash-leader`: when the node restarts. Absent: after
    /// a random delay in `faults.restart_delay_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_after_ms: Option<Millis>,
    /// For `crash-all`: when each node restarts (one per node, n0 first;
    /// `null` for a random delay, as for a node that was already down).
    /// Absent: each after a random delay in `faults.restart_delay_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts_after_ms: Option<Vec<Option<Millis>>>,
    /// The client cut off; present iff `action` is `client-disconnect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<u32>,
    /// How far the node's clock jumps forward; present iff `action` is
    /// `clock-step`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_ms: Option<Millis>,
    /// How many other events due at the same microsecond run before this
    /// one. Written by the shrinker so that a recorded fault lands exactly
    /// where it did among simultaneous events; absent: before them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_events: Option<u32>,
    /// Snapshots a `purge` keeps (with the logs they need); required by
    /// `purge`, not allowed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain: Option<u32>,
}

impl FaultEvent {
    /// An event of `action` on `node` with no optional field set.
    pub fn new(at_ms: impl Into<Millis>, action: FaultAction, node: u32) -> FaultEvent {
        FaultEvent {
            at_ms: at_ms.into(),
            action,
            node,
            partition: None,
            duration_ms: None,
            peer: None,
            restart_after_ms: None,
            restarts_after_ms: None,
            client: None,
            step_ms: None,
            after_events: None,
            retain: None,
        }
    }
}

/// What an explicit fault event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultAction {
    /// Crash `node`.
    Crash,
    /// Restart `node` (if it is down).
    Restart,
    /// Flip one bit in one of `node`'s durable sectors.
    BitRot,
    /// Crash every node at once (power loss).
    CrashAll,
    /// Restart every node that is down.
    RestartAll,
    /// Crash the current leader (if there is none, nothing happens).
    CrashLeader,
    /// Cut the network as `partition` says, replacing any cut in force.
    Partition,
    /// Heal every partition in force.
    Heal,
    /// Pause `node` for `duration_ms`.
    Pause,
    /// Reset the connection between `node` and `peer`.
    ResetConnections,
    /// Cut `client` off from every server for `duration_ms`.
    ClientDisconnect,
    /// Step `node`'s clock forward by `step_ms`.
    ClockStep,
    /// Arm `node` to crash at its next disk completion while it writes a
    /// snapshot (a recorded mid-snapshot crash, replayed exactly).
    CrashMidSnapshot,
    /// An operator purges `node`'s old snapshots and logs, keeping `retain`
    /// snapshots and the logs they need.
    Purge,
    /// An operator starts a live backup of `node`'s data directory.
    Backup,
    /// An operator stops `node`, replaces its data directory with its newest
    /// usable backup and restarts it (after `restart_after_ms`).
    Restore,
    /// As `restore`, on whichever node leads at that moment (if any).
    RestoreLeader,
    /// Disaster recovery: every node is stopped, and a fresh ensemble is built
    /// from `node`'s newest usable backup (each node gets a copy) and started
    /// after `restart_after_ms`. What was acknowledged after the backup point
    /// is lost by design; the rest of the run is a new era.
    DisasterRecovery,
    /// Beyond the fault model: `node`'s oldest usable backup is put on a
    /// quorum (`node` and the next ones, wrapping) as if it were current, and
    /// they restart. Acknowledged writes can be lost: the scenario must list
    /// `lost-acked-write` in `expect.allow`.
    RestoreOntoQuorum,
    /// Beyond the fault model: `node`'s data directory is erased and it
    /// restarts as a voter with nothing. Acknowledged writes can be lost: the
    /// scenario must list `lost-acked-write` in `expect.allow`.
    Wipe,
}

impl FaultAction {
    /// The name used in scenario files (`crash-leader`).
    pub fn name(self) -> &'static str {
        match self {
            FaultAction::Crash => "crash",
            FaultAction::Restart => "restart",
            FaultAction::BitRot => "bit-rot",
            FaultAction::CrashAll => "crash-all",
            FaultAction::RestartAll => "restart-all",
            FaultAction::CrashLeader => "crash-leader",
            FaultAction::Partition => "partition",
            FaultAction::Heal => "heal",
            FaultAction::Pause => "pause",
            FaultAction::ResetConnections => "reset-connections",
            FaultAction::ClientDisconnect => "client-disconnect",
            FaultAction::ClockStep => "clock-step",
            FaultAction::CrashMidSnapshot => "crash-mid-snapshot",
            FaultAction::Purge => "purge",
            FaultAction::Backup => "backup",
            FaultAction::Restore => "restore",
            FaultAction::RestoreLeader => "restore-leader",
            FaultAction::DisasterRecovery => "disaster-recovery",
            FaultAction::RestoreOntoQuorum => "restore-onto-quorum",
            FaultAction::Wipe => "wipe",
        }
    }

    /// An operator action beyond the fault model: it can lose acknowledged
    /// writes, which the run then reports instead of failing.
    pub fn is_beyond_model(self) -> bool {
        matches!(self, FaultAction::RestoreOntoQuorum | FaultAction::Wipe)
    }
}

/// An explicit network cut, as written in a `partition` schedule event.
/// Node lists hold node ids; no node may appear twice in one spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "kebab-case")]
pub enum PartitionSpec {
    /// Links between nodes of different groups are cut, both ways; the
    /// nodes listed in no group form one more group together.
    Split { groups: Vec<Vec<u32>> },
    /// Messages from every node of `from` to every node of `to` are dropped;
    /// the other direction still works.
    OneWay { from: Vec<u32>, to: Vec<u32> },
    /// `left` and `right` cannot talk to each other; `bridge` talks to both.
    Bridge {
        left: Vec<u32>,
        bridge: u32,
        right: Vec<u32>,
    },
    /// `node` is cut from every other node, both ways.
    Isolate { node: u32 },
    /// The leader at that instant is cut from every other node (nothing
    /// happens if there is no leader).
    IsolateLeader {},
    /// A random minority of the nodes (perhaps with the leader) is cut from
    /// the majority.
    MinorityMajority {},
}

/// What the run is expected to show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Expect {
    /// Violations of these kinds are reported as expected (beyond-model
    /// faults) instead of failing the run.
    pub allow: Vec<ViolationKind>,
    /// Coverage the run must reach: each named probe (as listed in a run's
    /// `coverage:` line) must be hit at least this many times, summed over
    /// the seeds of a run, or the run fails.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub probes: std::collections::BTreeMap<String, u64>,
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

    /// The concrete scenario for one seed. Without swarm mode, the scenario
    /// itself and no choices. In swarm mode, a copy in which each random
    /// fault kind the scenario has is independently kept with probability
    /// 1/2, and if kept has its rate scaled by a random factor in
    /// `[0.25, 4]` (log-uniform: intervals divided by it, probabilities and
    /// drift multiplied by it and capped at their limits); a kept partition
    /// kind list keeps a random non-empty subset of its kinds. The copy has
    /// `swarm: false` and is valid; the explicit schedule is unchanged. The
    /// strings describe each choice, one per fault kind present, such as
    /// `"partitions: every ~3200 ms (symmetric, isolate-leader)"` or
    /// `"bit-rot: off"`. Only `rng` is drawn from.
    pub fn for_seed(&self, rng: &mut impl rand::Rng) -> (Scenario, Vec<String>) {
        swarm::for_seed(self, rng)
    }

    /// Fault phase plus healing phase.
    pub fn total_ms(&self) -> u64 {
        self.duration_ms.saturating_add(self.heal_ms)
    }
}
