//! The failure report: everything `zksim run` knows about one failing seed,
//! as one versioned JSON document (`report.json`) that the HTML page, the
//! plots and `summary.md` are rendered from, and that `zksim shrink` reads.
//!
//! Times are virtual: microseconds (`_us`) or milliseconds (`_ms`) since the
//! start of the run. Node ids count from 0 (`n0`).

use crate::summary::ViolationRecord;
use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change to the JSON layout.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureReport {
    pub schema_version: u32,
    pub seed: u64,
    /// The scenario's name.
    pub scenario: String,
    /// How the scenario was named on the command line (a path or a built-in name).
    pub scenario_ref: String,
    /// The whole scenario file as run, so the report replays without it.
    pub scenario_json: serde_json::Value,
    /// In swarm mode, the fault kinds and rates this seed chose.
    pub swarm: Vec<String>,
    pub bug: Option<String>,
    pub build: BuildInfo,
    pub trace_hash: String,
    /// The command that reproduces this failure exactly.
    pub replay: String,
    pub events: u64,
    pub virtual_ms: u64,
    /// Ensemble size.
    pub replicas: u32,
    /// Every violation, in the order found; the first is "the" violation.
    pub violations: Vec<ViolationRecord>,
    /// Every fault the run injected, in time order, whether drawn at random
    /// or from the scenario's schedule.
    pub faults: Vec<FaultRecord>,
    /// One row per replica.
    pub timeline: Vec<ReplicaTimeline>,
    /// Peer messages sent in the window before the first violation.
    pub messages: Vec<MessageRecord>,
    /// `[from_us, to_us]` of the message window.
    pub message_window_us: [u64; 2],
    /// The client operations involved: a linearizability violation's minimal
    /// set when there is one, otherwise the operations around the violation.
    pub operations: Vec<OperationRecord>,
    /// Latency of every completed client operation, in microseconds.
    pub latencies_us: Vec<u64>,
    /// The last trace events before the first violation.
    pub trace_excerpt: Vec<TraceLine>,
    /// Coverage counters of this seed.
    pub probes: std::collections::BTreeMap<String, u64>,
}

impl FailureReport {
    /// `FAIL` when the run broke a property, `PASS` for a seed replayed with
    /// `--report` that broke none (expected findings do not fail it).
    pub fn verdict(&self) -> &'static str {
        if self.violations.is_empty() {
            "PASS"
        } else {
            "FAIL"
        }
    }
}

/// What binary produced a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInfo {
    /// The crate version.
    pub version: String,
    /// `git describe`-style commit, when the build knew it.
    pub commit: Option<String>,
    /// `release` or `debug`.
    pub profile: String,
    /// Cargo features the binary was built with (`planted-bugs`).
    pub features: Vec<String>,
}

/// One injected fault. `end_ms` is set for faults that last (a crash until
/// its restart, a partition until it heals, a pause, a client disconnection).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRecord {
    pub at_ms: u64,
    pub end_ms: Option<u64>,
    /// `crash`, `power-loss`, `crash-mid-fsync`, `crash-mid-snapshot`,
    /// `partition`, `pause`, `reset-connections`, `bit-rot`, `clock-step`,
    /// `client-disconnect`, ...
    pub kind: String,
    /// Replicas it acts on (empty: the whole network, or a client).
    pub nodes: Vec<u32>,
    /// Human-readable detail (`{n0,n1} | {n2}`, `client 3`, `+250 ms`).
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaTimeline {
    pub node: u32,
    /// Contiguous, ordered, covering the run: the replica's role over time.
    pub segments: Vec<RoleSegment>,
    /// `(time_ms, zxid)` each time the replica's last applied zxid moved,
    /// thinned to at most a few hundred points. zxid as `0x…` hex.
    pub commits: Vec<CommitPoint>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSegment {
    pub start_ms: u64,
    pub end_ms: u64,
    /// `down`, `looking`, `following`, `leading`.
    pub role: String,
    /// The accepted epoch while following or leading.
    pub epoch: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitPoint {
    pub time_ms: u64,
    /// How many txns the replica has delivered so far in this run, each
    /// counted once (re-applying its log after a restart does not count).
    pub applied: u64,
    pub zxid: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub from: u32,
    pub to: u32,
    pub send_us: u64,
    /// `None`: dropped (partition, reset or crash).
    pub deliver_us: Option<u64>,
    /// The ZAB message type (`PROPOSAL`, `ACK`, `COMMIT`, `NEWLEADER`, ...).
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRecord {
    /// Index in the run's history.
    pub id: u64,
    pub client: u32,
    /// `0x…` hex, or empty when unknown.
    pub session: String,
    pub node: u32,
    pub call_us: u64,
    /// `None`: the outcome is unknown (the connection was lost first).
    pub ret_us: Option<u64>,
    /// `setData /k1 "v3" version=2`.
    pub request: String,
    /// `ok …`, `fail BadVersion`, `unknown`.
    pub outcome: String,
    /// Part of the violation's minimal set (drawn highlighted).
    pub in_violation: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceLine {
    pub t_us: u64,
    pub node: Option<u32>,
    pub event: String,
    pub detail: String,
}

impl FailureReport {
    /// The first violation's kind, which `zksim shrink` preserves.
    pub fn kind(&self) -> Option<&str> {
        self.violations.first().map(|v| v.kind.as_str())
    }
}
