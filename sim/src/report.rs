//! Failure reports: a failing seed is run once more with the recorder on, and
//! what it drew (roles, commits, messages, faults, the client operations
//! involved) becomes a [`FailureReport`], written as a report folder.

use crate::history::{History, HistoryOp, Outcome};
use crate::lincheck::Model;
use crate::runner::{bugs_for, replay_command};
use crate::scenario::{FaultAction, FaultEvent, Millis, PartitionSpec, Scenario};
use crate::trace::format_hash;
use crate::world::recorder::{Recorder, Role};
use crate::world::RunOutcome;
use std::collections::{BTreeMap, BTreeSet};
use zksim_core::bugs::PlantedBug;
use zksim_core::peer::messages::PeerState;
use zksim_reports::{
    BuildInfo, CommitPoint, FailureReport, FaultRecord, MessageRecord, OperationRecord,
    ReplicaTimeline, RoleSegment, TraceLine, ViolationRecord, REPORT_SCHEMA_VERSION,
};

/// Operations drawn around a violation that names none.
const OPERATIONS_NEAR_MAX: usize = 40;
/// Commit points per replica in the report (the curve is thinned to this).
const COMMIT_POINTS_DRAWN: usize = 300;
/// Trace events kept before the first violation.
pub const EXCERPT_EVENTS: usize = 60;

/// What one recorded re-run of a failing seed gave.
pub struct RecordedRun {
    pub outcome: RunOutcome,
    pub history: History,
    pub recorder: Recorder,
    pub excerpt: Vec<TraceLine>,
}

/// Re-runs `seed` with the recorder on and builds its report.
pub fn build(
    scenario_ref: &str,
    scenario: &Scenario,
    seed: u64,
    bug: Option<PlantedBug>,
) -> FailureReport {
    let bugs = bugs_for(bug);
    let run = crate::world::run_seed_recorded(scenario, seed, bugs, EXCERPT_EVENTS, None);
    // A history check finds its violation at the end: draw the messages of
    // the stretch where the operations it names ran instead.
    let violations = crate::runner::violation_records(&run.outcome);
    let named = named_ops(&violations);
    let last_named_us = named
        .iter()
        .filter_map(|&i| run.history.ops.get(i))
        .map(|op| op.ret_us.unwrap_or(op.call_us))
        .max();
    let Some(until_us) = last_named_us else {
        return assemble(scenario_ref, scenario, bug, run, None);
    };
    let run = crate::world::run_seed_recorded(scenario, seed, bugs, EXCERPT_EVENTS, Some(until_us));
    assemble(scenario_ref, scenario, bug, run, Some(until_us))
}

fn assemble(
    scenario_ref: &str,
    scenario: &Scenario,
    bug: Option<PlantedBug>,
    run: RecordedRun,
    messages_until_us: Option<u64>,
) -> FailureReport {
    let outcome = &run.outcome;
    let end_ms = outcome.virtual_ms;
    let violations: Vec<ViolationRecord> = crate::runner::violation_records(outcome);
    let violation_ms = violations.first().map_or(end_ms, |v| v.time_ms);
    let scenario_json = serde_json::from_str(&scenario.to_json_pretty()).expect("valid JSON");
    let until_us = messages_until_us.unwrap_or(violation_ms * 1000);
    let (messages, message_window_us) = messages(&run.recorder, until_us);
    FailureReport {
        schema_version: REPORT_SCHEMA_VERSION,
        seed: outcome.seed,
        scenario: scenario.name.clone(),
        scenario_ref: scenario_ref.to_string(),
        scenario_json,
        swarm: outcome.swarm.clone(),
        bug: bug.map(|bug| bug.name().to_string()),
        build: build_info(),
        trace_hash: format_hash(outcome.trace_hash),
        replay: replay_command(scenario_ref, outcome.seed, bug),
        events: outcome.events,
        virtual_ms: end_ms,
        replicas: scenario.cluster.nodes,
        faults: fault_records(&outcome.faults, scenario, end_ms),
        timeline: timelines(&run.recorder, end_ms),
        messages,
        message_window_us,
        operations: operations(&run.history, &violations),
        latencies_us: latencies(&run.history),
        trace_excerpt: run.excerpt,
        probes: outcome
            .probes
            .iter()
            .map(|(probe, count)| (probe.to_string(), *count))
            .collect(),
        violations,
    }
}

/// What built this binary: the version, the commit when known, the profile.
pub fn build_info() -> BuildInfo {
    let mut features = Vec::new();
    if cfg!(feature = "planted-bugs") {
        features.push("planted-bugs".to_string());
    }
    BuildInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("ZKSIM_GIT_COMMIT").map(str::to_string),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_string(),
        features,
    }
}

fn fault_records(faults: &[FaultEvent], scenario: &Scenario, end_ms: u64) -> Vec<FaultRecord> {
    let nodes: Vec<u32> = (0..scenario.cluster.nodes).collect();
    let heal_ms = scenario.duration_ms.min(end_ms);
    faults
        .iter()
        .enumerate()
        .map(|(index, fault)| {
            let at = fault.at_ms;
            let after = |span: Option<Millis>| span.map(|d| (at.as_us() + d.as_us()) / 1000);
            let (kind, hit, end_ms, detail) = match fault.action {
                FaultAction::Crash | FaultAction::CrashLeader | FaultAction::CrashMidSnapshot => (
                    if fault.action == FaultAction::CrashMidSnapshot {
                        "crash-mid-snapshot"
                    } else {
                        "crash"
                    },
                    vec![fault.node],
                    after(fault.restart_after_ms),
                    restart_text(fault.restart_after_ms),
                ),
                FaultAction::CrashAll => {
                    let last = fault
                        .restarts_after_ms
                        .iter()
                        .flatten()
                        .flatten()
                        .max()
                        .copied();
                    ("power-loss", nodes.clone(), after(last), String::new())
                }
                FaultAction::Partition => {
                    let spec = fault.partition.as_ref().expect("a partition has its spec");
                    let end = next_cut(&faults[index + 1..]).unwrap_or(heal_ms);
                    ("partition", cut_side(spec), Some(end), spec_text(spec))
                }
                FaultAction::Pause => (
                    "pause",
                    vec![fault.node],
                    after(fault.duration_ms),
                    String::new(),
                ),
                FaultAction::ClientDisconnect => (
                    "client-disconnect",
                    Vec::new(),
                    after(fault.duration_ms),
                    format!("client {}", fault.client.unwrap_or(0)),
                ),
                FaultAction::ClockStep => (
                    "clock-step",
                    vec![fault.node],
                    None,
                    format!("+{} ms", fault.step_ms.unwrap_or_default()),
                ),
                FaultAction::ResetConnections => (
                    "reset-connections",
                    vec![fault.node, fault.peer.unwrap_or(fault.node)],
                    None,
                    String::new(),
                ),
                other => (other.name(), vec![fault.node], None, String::new()),
            };
            FaultRecord {
                at_ms: at.whole_ms(),
                end_ms,
                kind: kind.to_string(),
                nodes: hit,
                detail,
            }
        })
        .filter(|record| record.kind != "heal")
        .collect()
}

fn restart_text(restart: Option<Millis>) -> String {
    restart.map_or_else(String::new, |r| format!("restarts after {r} ms"))
}

/// When the cut in force ends: the next heal or the next cut.
fn next_cut(later: &[FaultEvent]) -> Option<u64> {
    later
        .iter()
        .find(|f| matches!(f.action, FaultAction::Heal | FaultAction::Partition))
        .map(|f| f.at_ms.whole_ms())
}

/// The nodes drawn as cut off: every group but the largest, the isolated
/// node, the bridge, or the senders of a one-way cut.
fn cut_side(spec: &PartitionSpec) -> Vec<u32> {
    match spec {
        PartitionSpec::Split { groups } => {
            let largest = groups.iter().map(Vec::len).max().unwrap_or(0);
            let mut side: Vec<u32> = groups
                .iter()
                .filter(|g| g.len() < largest)
                .flatten()
                .copied()
                .collect();
            if side.is_empty() {
                side = groups.first().cloned().unwrap_or_default();
            }
            side
        }
        PartitionSpec::OneWay { from, .. } => from.clone(),
        PartitionSpec::Bridge { bridge, .. } => vec![*bridge],
        PartitionSpec::Isolate { node } => vec![*node],
        PartitionSpec::IsolateLeader {} | PartitionSpec::MinorityMajority {} => Vec::new(),
    }
}

fn spec_text(spec: &PartitionSpec) -> String {
    let set = |nodes: &[u32]| {
        let names: Vec<String> = nodes.iter().map(|n| format!("n{n}")).collect();
        format!("{{{}}}", names.join(","))
    };
    match spec {
        PartitionSpec::Split { groups } => {
            let groups: Vec<String> = groups.iter().map(|g| set(g)).collect();
            groups.join(" | ")
        }
        PartitionSpec::OneWay { from, to } => format!("{} -/-> {}", set(from), set(to)),
        PartitionSpec::Bridge {
            left,
            bridge,
            right,
        } => format!("{} - n{bridge} - {}", set(left), set(right)),
        PartitionSpec::Isolate { node } => format!("n{node} isolated"),
        PartitionSpec::IsolateLeader {} => "leader isolated".into(),
        PartitionSpec::MinorityMajority {} => "minority | majority".into(),
    }
}

fn timelines(recorder: &Recorder, end_ms: u64) -> Vec<ReplicaTimeline> {
    let end_us = end_ms * 1000;
    let mut rows = Vec::with_capacity(recorder.roles.len());
    for (node, changes) in recorder.roles.iter().enumerate() {
        let mut segments: Vec<RoleSegment> = Vec::new();
        let mut start_us = 0;
        let mut current = (Role::Down, None);
        for change in changes.iter().chain(std::iter::once(&end_marker(end_us))) {
            if change.time_us > start_us {
                push_segment(&mut segments, start_us, change.time_us, &current);
            }
            start_us = start_us.max(change.time_us);
            current = (change.role.clone(), change.epoch);
        }
        let points = &recorder.commits[node];
        let step = points.len().div_ceil(COMMIT_POINTS_DRAWN).max(1);
        let commits = points
            .iter()
            .enumerate()
            .filter(|(i, _)| i % step == 0 || *i + 1 == points.len())
            .map(|(_, (time_us, applied, zxid))| CommitPoint {
                time_ms: time_us / 1000,
                applied: *applied,
                zxid: zxid.to_string(),
            })
            .collect();
        rows.push(ReplicaTimeline {
            node: node as u32,
            segments,
            commits,
        });
    }
    rows
}

fn end_marker(end_us: u64) -> crate::world::recorder::RoleChange {
    crate::world::recorder::RoleChange {
        time_us: end_us,
        role: Role::Down,
        epoch: None,
    }
}

fn push_segment(
    segments: &mut Vec<RoleSegment>,
    from_us: u64,
    to_us: u64,
    role: &(Role, Option<u32>),
) {
    let (name, epoch) = match role.0 {
        Role::Down => ("down", None),
        Role::Peer(PeerState::Looking) => ("looking", None),
        Role::Peer(PeerState::Following) => ("following", role.1),
        Role::Peer(PeerState::Leading) => ("leading", role.1),
    };
    if let Some(last) = segments.last_mut() {
        if last.role == name && last.epoch == epoch {
            last.end_ms = to_us / 1000;
            return;
        }
    }
    segments.push(RoleSegment {
        start_ms: from_us / 1000,
        end_ms: to_us / 1000,
        role: name.to_string(),
        epoch,
    });
}

fn messages(recorder: &Recorder, until_us: u64) -> (Vec<MessageRecord>, [u64; 2]) {
    let records: Vec<MessageRecord> = recorder
        .messages
        .iter()
        .filter(|m| m.send_us <= until_us)
        .map(|m| MessageRecord {
            from: m.from,
            to: m.to,
            send_us: m.send_us,
            deliver_us: m.deliver_us,
            kind: m.kind.clone(),
        })
        .collect();
    let start = records.first().map_or(until_us, |m| m.send_us);
    (records, [start, until_us.max(start)])
}

/// History indexes named by a violation's explanation (`#417 client 3 …`).
fn named_ops(violations: &[ViolationRecord]) -> BTreeSet<usize> {
    let mut named = BTreeSet::new();
    for violation in violations.iter().filter(|v| v.kind == "not-linearizable") {
        for word in violation.message.split_whitespace() {
            if let Some(index) = word.strip_prefix('#').and_then(|n| n.parse().ok()) {
                named.insert(index);
            }
        }
    }
    named
}

fn operations(history: &History, violations: &[ViolationRecord]) -> Vec<OperationRecord> {
    let named = named_ops(violations);
    let chosen: Vec<usize> = if named.is_empty() {
        let until_us = violations.first().map_or(u64::MAX, |v| v.time_ms * 1000);
        let near: Vec<usize> = (0..history.ops.len())
            .filter(|&i| history.ops[i].call_us <= until_us)
            .collect();
        near[near.len().saturating_sub(OPERATIONS_NEAR_MAX)..].to_vec()
    } else {
        named
            .iter()
            .copied()
            .filter(|&i| i < history.ops.len())
            .collect()
    };
    let descriptions = describe(history);
    chosen
        .into_iter()
        .map(|index| {
            let op = &history.ops[index];
            let (request, outcome) = descriptions
                .get(&index)
                .cloned()
                .unwrap_or_else(|| fallback_description(op));
            OperationRecord {
                id: index as u64,
                client: op.client as u32,
                session: op.session.to_string(),
                node: op.node,
                call_us: op.call_us,
                ret_us: op.ret_us,
                request,
                outcome,
                in_violation: named.contains(&index),
            }
        })
        .collect()
}

/// Each history op in the zk model's words, by history index.
fn describe(history: &History) -> BTreeMap<usize, (String, String)> {
    let translation = crate::zkmodel::translate(history);
    let mut described = BTreeMap::new();
    for (op, index) in translation.ops.iter().zip(&translation.history_index) {
        let outcome = match &op.output {
            Some(output) => translation.model.describe_output(output),
            None => "unknown".to_string(),
        };
        let request = translation.model.describe_input(&op.input);
        described.entry(*index).or_insert((request, outcome));
    }
    described
}

fn fallback_description(op: &HistoryOp) -> (String, String) {
    let outcome = match &op.outcome {
        Outcome::Ok(_) => "ok".to_string(),
        Outcome::Fail(code) => format!("fail {code:?}"),
        Outcome::Unknown => "unknown".to_string(),
    };
    (format!("{:?}", op.request), outcome)
}

fn latencies(history: &History) -> Vec<u64> {
    history
        .ops
        .iter()
        .filter_map(|op| op.ret_us.map(|ret| ret.saturating_sub(op.call_us)))
        .collect()
}
