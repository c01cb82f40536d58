//! A realistic synthetic report, for tests (here and in other crates) and
//! for looking at the rendering: three replicas under a planted bug, a
//! leader crash and re-election, a partition that isolates n2, drops,
//! eleven client operations of which two are the violation's, and a few
//! hundred latencies. Everything is computed from fixed numbers, so the
//! sample is the same on every call.

use crate::report::{
    BuildInfo, CommitPoint, FailureReport, FaultRecord, MessageRecord, OperationRecord,
    ReplicaTimeline, RoleSegment, TraceLine, REPORT_SCHEMA_VERSION,
};
use crate::summary::ViolationRecord;
use std::collections::BTreeMap;

const RUN_MS: u64 = 5000;
const VIOLATION_MS: u64 = 4820;
/// When the partition that isolates n2 starts and heals.
const PARTITION_MS: (u64, u64) = (4300, 4650);
const WINDOW_US: [u64; 2] = [4_400_000, VIOLATION_MS * 1000];

/// The sample report.
pub fn sample_report() -> FailureReport {
    let bug = "zk-1154-diff-instead-of-trunc";
    FailureReport {
        schema_version: REPORT_SCHEMA_VERSION,
        seed: 4242,
        scenario: "swarm".into(),
        scenario_ref: "scenarios/swarm.json".into(),
        scenario_json: serde_json::json!({
            "name": "swarm",
            "description": "Three replicas under every fault kind, at rates each seed picks",
            "cluster": { "nodes": 3, "tick_ms": 100, "sync_limit_ticks": 5 },
            "workload": { "clients": 3, "ops_per_client": 200, "paths": 8 },
            "swarm": true
        }),
        swarm: vec![
            "crash 0.2/s".into(),
            "partition 0.1/s".into(),
            "clock-step 0.05/s".into(),
            "reset-connections 0.05/s".into(),
            "client-disconnect 0.1/s".into(),
        ],
        bug: Some(bug.into()),
        build: BuildInfo {
            version: "0.1.0".into(),
            commit: Some("d65feb3".into()),
            profile: "release".into(),
            features: vec!["planted-bugs".into()],
        },
        trace_hash: "9f2c4e81a7d03b56".into(),
        replay: format!("zksim replay --scenario scenarios/swarm.json --seed 4242 --bug {bug}"),
        events: 183_442,
        virtual_ms: RUN_MS,
        replicas: 3,
        violations: violations(),
        faults: faults(),
        timeline: (0..3).map(timeline).collect(),
        messages: messages(),
        message_window_us: WINDOW_US,
        operations: operations(),
        latencies_us: latencies(),
        trace_excerpt: trace(),
        probes: probes(),
    }
}

fn violations() -> Vec<ViolationRecord> {
    vec![
        ViolationRecord {
            kind: "lost-acked-write".into(),
            time_ms: VIOLATION_MS,
            node: Some(2),
            message: "setData /k3 \"v7\" (zxid 0x200000220, acknowledged to client 0) \
                      is missing from n2 after its DIFF sync from n1"
                .into(),
        },
        ViolationRecord {
            kind: "zab-prefix-consistency".into(),
            time_ms: VIOLATION_MS + 1,
            node: Some(2),
            message: "n2's log holds 0x100000195 where n1's holds 0x200000001".into(),
        },
    ]
}

fn fault(at_ms: u64, end_ms: Option<u64>, kind: &str, nodes: &[u32], detail: &str) -> FaultRecord {
    FaultRecord {
        at_ms,
        end_ms,
        kind: kind.into(),
        nodes: nodes.to_vec(),
        detail: detail.into(),
    }
}

fn faults() -> Vec<FaultRecord> {
    vec![
        fault(1200, None, "clock-step", &[1], "+250 ms"),
        fault(
            2200,
            Some(3100),
            "crash",
            &[0],
            "leader killed mid-broadcast, restarted",
        ),
        fault(
            PARTITION_MS.0,
            Some(PARTITION_MS.1),
            "partition",
            &[2],
            "{n0,n1} | {n2}",
        ),
        fault(4550, Some(4760), "client-disconnect", &[], "client 2"),
        fault(
            4700,
            None,
            "reset-connections",
            &[],
            "every peer connection",
        ),
    ]
}

/// The segments of one replica: elected n0 leads epoch 1 until its crash,
/// then n1 leads epoch 2; n2 goes looking while partitioned away.
fn segments(node: u32) -> Vec<(u64, u64, &'static str, Option<u32>)> {
    match node {
        0 => vec![
            (0, 180, "looking", None),
            (180, 2200, "leading", Some(1)),
            (2200, 3100, "down", None),
            (3100, 3180, "looking", None),
            (3180, RUN_MS, "following", Some(2)),
        ],
        1 => vec![
            (0, 185, "looking", None),
            (185, 2350, "following", Some(1)),
            (2350, 2420, "looking", None),
            (2420, RUN_MS, "leading", Some(2)),
        ],
        _ => vec![
            (0, 190, "looking", None),
            (190, 2350, "following", Some(1)),
            (2350, 2425, "looking", None),
            (2425, PARTITION_MS.0, "following", Some(2)),
            (PARTITION_MS.0, 4680, "looking", None),
            (4680, RUN_MS, "following", Some(2)),
        ],
    }
}

/// Transactions the ensemble has committed by `t_ms`: 0.2 per ms while a
/// leader is established, none during the election after the crash.
fn committed(t_ms: u64) -> u64 {
    let first = t_ms.clamp(180, 2200) - 180;
    let second = t_ms.max(2420) - 2420;
    (first + second) / 5
}

/// The zxid of the `applied`-th transaction: epoch 1 up to the crash.
fn zxid(applied: u64) -> String {
    let epoch_one = committed(2200);
    if applied <= epoch_one {
        format!("0x1{applied:08x}")
    } else {
        format!("0x2{:08x}", applied - epoch_one)
    }
}

fn timeline(node: u32) -> ReplicaTimeline {
    let segments = segments(node);
    let mut commits = Vec::new();
    for &(start, end, role, _) in &segments {
        if role == "down" || role == "looking" {
            continue;
        }
        for t in (start..end).step_by(100) {
            let frozen = node == 2 && (PARTITION_MS.0..4680).contains(&t);
            let at = if frozen { PARTITION_MS.0 } else { t };
            let applied = committed(at).saturating_sub(u64::from(node));
            commits.push(CommitPoint {
                time_ms: t,
                applied,
                zxid: zxid(applied),
            });
        }
    }
    let segments = segments
        .into_iter()
        .map(|(start_ms, end_ms, role, epoch)| RoleSegment {
            start_ms,
            end_ms,
            role: role.into(),
            epoch,
        })
        .collect();
    ReplicaTimeline {
        node,
        segments,
        commits,
    }
}

/// A fixed pseudo-random sequence (SplitMix64), for delays and latencies.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low..high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low).max(1)
    }
}

/// A message; dropped when it crosses the partition or the reset.
fn message(mix: &mut Mix, from: u32, to: u32, send_us: u64, kind: &str) -> MessageRecord {
    let partitioned =
        (from == 2 || to == 2) && (PARTITION_MS.0 * 1000..PARTITION_MS.1 * 1000).contains(&send_us);
    let reset = (4_700_000..4_700_400).contains(&send_us);
    let delay = mix.between(300, 1900);
    MessageRecord {
        from,
        to,
        send_us,
        deliver_us: (!partitioned && !reset).then_some(send_us + delay),
        kind: kind.into(),
    }
}

/// Broadcast rounds of leader n1, pings to the cut-off n2, and n2's DIFF
/// sync once the partition heals.
fn messages() -> Vec<MessageRecord> {
    let mut mix = Mix(7);
    let mut out = Vec::new();
    for round in 0..7u64 {
        let t = 4_410_000 + round * 60_000;
        for to in [0, 2] {
            out.push(message(&mut mix, 1, to, t + u64::from(to) * 40, "PROPOSAL"));
        }
        out.push(message(&mut mix, 0, 1, t + 2_100, "ACK"));
        if t > PARTITION_MS.1 * 1000 {
            out.push(message(&mut mix, 2, 1, t + 2_300, "ACK"));
        }
        for to in [0, 2] {
            out.push(message(
                &mut mix,
                1,
                to,
                t + 4_500 + u64::from(to) * 30,
                "COMMIT",
            ));
        }
    }
    for t in [4_450_000, 4_550_000, 4_700_100] {
        out.push(message(&mut mix, 1, 2, t, "PING"));
    }
    let sync = [
        (2, 1, "FOLLOWERINFO"),
        (1, 2, "LEADERINFO"),
        (2, 1, "ACKEPOCH"),
        (1, 2, "DIFF"),
        (1, 2, "NEWLEADER"),
        (2, 1, "ACK"),
        (1, 2, "UPTODATE"),
    ];
    for (i, (from, to, kind)) in sync.into_iter().enumerate() {
        out.push(message(
            &mut mix,
            from,
            to,
            4_680_500 + i as u64 * 2_500,
            kind,
        ));
    }
    out.sort_by_key(|m| (m.send_us, m.from, m.to));
    out
}

/// One client operation: history index, client (connected to the replica
/// of the same number), call and return in ms, request, outcome, and
/// whether it is in the violation's minimal set.
type Op = (u64, u32, u64, Option<u64>, &'static str, &'static str, bool);

/// Client 0 writes /k3 = "v7", which is acknowledged and later lost on n2;
/// client 2 reads the older "v6" there after n2's faulty sync; client 2's
/// create is cut off by its disconnection. Times in µs.
const OPERATIONS: [Op; 12] = [
    (
        1201,
        0,
        4_402_100,
        Some(4_406_800),
        "setData /k3 \"v7\" version=-1",
        "ok version=7",
        true,
    ),
    (
        1202,
        1,
        4_410_000,
        Some(4_411_500),
        "getData /k3",
        "ok \"v7\" version=7",
        false,
    ),
    (
        1203,
        2,
        4_420_000,
        None,
        "create /locks/lock- sequential ephemeral",
        "unknown",
        false,
    ),
    (
        1204,
        0,
        4_460_000,
        Some(4_462_200),
        "exists /k1",
        "ok true",
        false,
    ),
    (
        1205,
        1,
        4_500_000,
        Some(4_504_300),
        "setData /k1 \"v2\" version=1",
        "ok version=2",
        false,
    ),
    (
        1207,
        0,
        4_560_000,
        Some(4_561_100),
        "getChildren /",
        "ok [k1, k3, locks]",
        false,
    ),
    (
        1209,
        1,
        4_600_000,
        Some(4_603_400),
        "multi [check /k3 version=7, setData /k3 \"v8\"]",
        "fail BadVersion",
        false,
    ),
    (
        1210,
        1,
        4_601_200,
        Some(4_602_000),
        "getData /k1",
        "ok \"v2\" version=2",
        false,
    ),
    (
        1211,
        0,
        4_640_000,
        Some(4_644_000),
        "delete /k2 version=-1",
        "fail NoNode",
        false,
    ),
    (1212, 1, 4_700_000, Some(4_705_600), "sync /", "ok", false),
    (
        1213,
        2,
        4_790_000,
        Some(4_791_200),
        "getData /k3",
        "ok \"v6\" version=6",
        true,
    ),
    (
        1214,
        0,
        4_792_000,
        Some(4_797_500),
        "setData /k4 \"v1\" version=0",
        "ok version=1",
        false,
    ),
];

fn operations() -> Vec<OperationRecord> {
    OPERATIONS
        .iter()
        .map(
            |&(id, client, call_us, ret_us, request, outcome, in_violation)| OperationRecord {
                id,
                client,
                session: format!("0x{:x}", 0x1_0000_0000_u64 + u64::from(client)),
                node: client,
                call_us,
                ret_us,
                request: request.into(),
                outcome: outcome.into(),
                in_violation,
            },
        )
        .collect()
}

/// Mostly around a millisecond, a tail of fsync waits, and a few stalls
/// across the elections.
fn latencies() -> Vec<u64> {
    let mut mix = Mix(42);
    (0..320)
        .map(|i| match i % 40 {
            0 => mix.between(150_000, 900_000),
            1..=5 => mix.between(5_000, 40_000),
            _ => mix.between(300, 1_500) + mix.between(0, 1_500),
        })
        .collect()
}

fn line(t_us: u64, node: Option<u32>, event: &str, detail: &str) -> TraceLine {
    TraceLine {
        t_us,
        node,
        event: event.into(),
        detail: detail.into(),
    }
}

fn trace() -> Vec<TraceLine> {
    vec![
        line(4_650_000, None, "heal", "partition {n0,n1} | {n2} healed"),
        line(
            4_680_000,
            Some(2),
            "elected",
            "n2 finds leader n1 in epoch 2",
        ),
        line(
            4_680_500,
            Some(2),
            "send",
            "FOLLOWERINFO to n1 (last zxid 0x100000195)",
        ),
        line(
            4_683_900,
            Some(1),
            "sync-plan",
            "n2: DIFF from 0x100000194 (should TRUNC 0x100000195)",
        ),
        line(4_688_100, Some(1), "send", "DIFF to n2 (41 txns)"),
        line(4_690_600, Some(1), "send", "NEWLEADER to n2"),
        line(
            4_692_400,
            Some(2),
            "fsync",
            "log 0x100000195..0x200000219 durable",
        ),
        line(4_693_700, Some(2), "send", "ACK NEWLEADER to n1"),
        line(4_695_600, Some(1), "send", "UPTODATE to n2"),
        line(
            4_700_000,
            None,
            "fault",
            "reset-connections: every peer connection",
        ),
        line(4_760_000, None, "fault", "client 2 reconnects to n2"),
        line(4_790_000, Some(2), "request", "client 2 getData /k3"),
        line(
            4_791_200,
            Some(2),
            "reply",
            "client 2 getData /k3 -> \"v6\" version=6",
        ),
        line(
            4_820_000,
            Some(2),
            "check",
            "lost-acked-write: /k3 \"v7\" acknowledged at 4406.8 ms",
        ),
    ]
}

fn probes() -> BTreeMap<String, u64> {
    [
        ("client-disconnects", 1),
        ("clock-steps", 1),
        ("connection-resets", 1),
        ("crashes", 1),
        ("elections", 3),
        ("ops.completed", 320),
        ("partitions", 1),
        ("sync.diff", 4),
        ("sync.snap", 0),
        ("sync.trunc", 0),
    ]
    .into_iter()
    .map(|(probe, count)| (probe.to_string(), count))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_sample_has_what_it_promises() {
        let report = sample_report();
        assert_eq!(report.replicas, 3);
        assert_eq!(report.kind(), Some("lost-acked-write"));
        let leaders: BTreeSet<u32> = report
            .timeline
            .iter()
            .filter(|row| row.segments.iter().any(|s| s.role == "leading"))
            .map(|row| row.node)
            .collect();
        assert_eq!(leaders.len(), 2, "a leader change");
        let kinds: BTreeSet<&str> = report.faults.iter().map(|f| f.kind.as_str()).collect();
        assert!(kinds.contains("crash") && kinds.contains("partition"));
        assert!((40..=60).contains(&report.messages.len()));
        assert!(report.messages.iter().any(|m| m.deliver_us.is_none()));
        let clients: BTreeSet<u32> = report.operations.iter().map(|op| op.client).collect();
        assert_eq!(clients.len(), 3);
        assert_eq!(
            report
                .operations
                .iter()
                .filter(|op| op.in_violation)
                .count(),
            2
        );
        assert_eq!(
            report
                .operations
                .iter()
                .filter(|op| op.ret_us.is_none())
                .count(),
            1
        );
        assert!(report.latencies_us.len() >= 200);
    }

    #[test]
    fn the_sample_keeps_the_schema_promises() {
        let report = sample_report();
        for row in &report.timeline {
            assert_eq!(row.segments.first().map(|s| s.start_ms), Some(0));
            assert_eq!(
                row.segments.last().map(|s| s.end_ms),
                Some(report.virtual_ms)
            );
            for pair in row.segments.windows(2) {
                assert_eq!(pair[0].end_ms, pair[1].start_ms, "contiguous");
            }
        }
        let [from, to] = report.message_window_us;
        assert!(report
            .messages
            .iter()
            .all(|m| (from..=to).contains(&m.send_us)));
        assert!(report
            .messages
            .iter()
            .all(|m| m.deliver_us.is_none_or(|d| d > m.send_us)));
        let first = report.violations[0].time_ms * 1000;
        assert!(report.trace_excerpt.iter().all(|line| line.t_us <= first));
    }
}
