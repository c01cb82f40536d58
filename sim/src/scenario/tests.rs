use std::path::PathBuf;

use proptest::prelude::*;

use super::*;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn load_named(name: &str) -> Scenario {
    let path = scenarios_dir().join(format!("{name}.json"));
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// A minimal valid document with `extra` fields appended at the top level.
fn base_with(extra: &str) -> String {
    let mut text = r#"{"name": "t", "description": "d", "duration_ms": 1000"#.to_string();
    if !extra.is_empty() {
        text.push_str(", ");
        text.push_str(extra);
    }
    text.push('}');
    text
}

#[test]
fn every_scenario_file_loads_and_round_trips() {
    let files = scenario_files();
    assert!(
        files.len() >= 3,
        "expected the scenario files, found {files:?}"
    );
    for path in files {
        let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let back = Scenario::from_json_str(&s.to_json_pretty())
            .unwrap_or_else(|e| panic!("{}: round trip: {e}", path.display()));
        assert_eq!(back, s, "{}", path.display());
    }
}

#[test]
fn shipped_scenarios_say_what_they_promise() {
    for name in [
        "single-node-crash",
        "single-node-disk-faults",
        "single-node-bit-rot",
    ] {
        let s = load_named(name);
        assert_eq!(s.name, name);
        assert_eq!(s.cluster.nodes, 1);
        assert_eq!(s.workload.clients, 3);
        assert_eq!(s.workload.ops_per_client, 300);
        assert_eq!(
            (s.duration_ms, s.heal_ms, s.total_ms()),
            (20_000, 5_000, 25_000)
        );
        assert_eq!(s.cluster.snapshot_every_txns, 100);
        assert_eq!(s.cluster.log_roll_bytes, 16_384);
        assert_eq!(s.faults.crash_interval_ms, 2_000);
        assert_eq!(s.faults.crash_mid_fsync_probability, 0.02);
        assert_eq!(s.faults.crash_mid_snapshot_probability, 0.2);
    }

    let crash = load_named("single-node-crash");
    assert_eq!(crash.disk, Disk::default());
    assert!(crash.expect.allow.is_empty());

    let disk = load_named("single-node-disk-faults");
    assert_eq!(disk.disk.write_error_probability, 0.002);
    assert_eq!(disk.disk.fsync_error_probability, 0.005);
    assert_eq!(disk.disk.fsync_latency_us, [200, 20_000]);
    assert_eq!(
        disk.disk.crash_sectors,
        SectorFates {
            kept: 0.3,
            lost: 0.3,
            torn: 0.4
        }
    );
    assert!(disk.description.contains("EIO") && disk.description.contains("torn"));

    let rot = load_named("single-node-bit-rot");
    assert_eq!(rot.disk.bit_rot_interval_ms, 3_000);
    assert_eq!(
        rot.expect.allow,
        [
            ViolationKind::LostAckedWrite,
            ViolationKind::CorruptionDetected,
            // Rot on the only replica is loss on a quorum: every ZAB order
            // check may trip after it; recovery must still be exact.
            ViolationKind::ZabMonotonicRead,
            ViolationKind::ZabPrimaryIntegrity,
            ViolationKind::ZabLeaderCompleteness,
            ViolationKind::ZabPrefixConsistency,
            ViolationKind::ZabTotalOrder,
            ViolationKind::ZabAgreement,
            ViolationKind::ZabPrimaryOrder,
            ViolationKind::ZabIntegrity,
        ]
    );
    assert!(rot.expect.allows(ViolationKind::CorruptionDetected));
    assert!(!rot.expect.allows(ViolationKind::Panic));
}

#[test]
fn defaults_fill_a_minimal_file() {
    let s = Scenario::from_json_str(&base_with("")).unwrap();
    assert_eq!(s.cluster, Cluster::default());
    assert_eq!(s.workload, Workload::default());
    assert_eq!(s.disk, Disk::default());
    assert_eq!(s.faults, Faults::default());
    assert_eq!(s.expect, Expect::default());
    assert_eq!(s.heal_ms, 5_000);
    assert_eq!(s.workload.mix.total(), 105);
    assert_eq!(s.workload.think_time_ms, [0, 20]);
    assert_eq!(s.disk.crash_sectors.total(), 1.0);
}

#[test]
fn a_given_mix_counts_missing_weights_as_zero() {
    let s = Scenario::from_json_str(&base_with(
        r#""workload": {"mix": {"set_data": 3, "multi": 1}}"#,
    ))
    .unwrap();
    assert_eq!(
        s.workload.mix,
        OpMix {
            set_data: 3,
            multi: 1,
            ..OpMix::ZERO
        }
    );
    assert_eq!(s.workload.mix.total(), 4);
    // The rest of the workload keeps its defaults.
    assert_eq!(s.workload.clients, 3);
}

#[test]
fn schedule_sorts_stably() {
    let s = Scenario::from_json_str(&base_with(
        r#""faults": {"schedule": [
            {"at_ms": 500, "action": "restart"},
            {"at_ms": 100, "action": "crash"},
            {"at_ms": 500, "action": "bit-rot", "node": 0}
        ]}"#,
    ))
    .unwrap();
    let actions: Vec<_> = s
        .faults
        .sorted_schedule()
        .iter()
        .map(|e| (e.at_ms.whole_ms(), e.action))
        .collect();
    assert_eq!(
        actions,
        [
            (100, FaultAction::Crash),
            (500, FaultAction::Restart),
            (500, FaultAction::BitRot)
        ]
    );
}

#[test]
fn round_trip_of_a_scenario_using_every_field() {
    let s = Scenario {
        name: "all-fields-0".to_string(),
        description: "every field set away from its default, \"quoted\" and [bracketed]"
            .to_string(),
        cluster: Cluster {
            nodes: 9,
            tick_ms: 7,
            snapshot_every_txns: 2,
            snapshot_chunk_nodes: 100_000,
            log_roll_bytes: 1 << 32,
            snapshot_retain: 100,
            init_limit_ticks: 1_000,
            sync_limit_ticks: 1,
            committed_log_txns: 1_000_000,
        },
        workload: Workload {
            clients: 256,
            ops_per_client: 0,
            think_time_ms: [60_000, 60_000],
            paths: 1,
            value_bytes: [1, 1_048_576],
            session_timeout_ms: 1,
            watch_percent: 100,
            mix: OpMix {
                exists: 1,
                ..OpMix::ZERO
            },
            recipes: Recipes {
                lock_clients: 64,
                lock_hold_ms: [0, 60_000],
                config_readers: 64,
                config_writes: 100_000,
            },
        },
        disk: Disk {
            write_latency_us: [0, 0],
            fsync_latency_us: [0, 10_000_000],
            crash_sectors: SectorFates {
                kept: 0.0,
                lost: 0.0,
                torn: 1e-9,
            },
            write_error_probability: 1.0,
            fsync_error_probability: 0.123,
            bit_rot_interval_ms: u64::MAX,
            capacity_bytes: Some(4096),
        },
        network: Network {
            latency_us: [0, 10_000_000],
            spike_probability: 0.25,
            spike_latency_us: [10_000_000, 10_000_000],
            reset_interval_ms: u64::MAX,
            client_latency_us: [7, 8],
        },
        clock: Clock {
            max_drift_ppm: 200_000,
            step_interval_ms: 1,
            step_ms: [0, 3_600_000],
        },
        faults: Faults {
            swarm: true,
            crash_interval_ms: 1,
            restart_delay_ms: [3_600_000, 3_600_000],
            crash_all_probability: 0.75,
            crash_mid_fsync_probability: 0.5,
            crash_mid_snapshot_probability: 1.0,
            partition_interval_ms: 17,
            partition_duration_ms: [0, 3_600_000],
            partition_kinds: vec![PartitionKind::MinorityMajority, PartitionKind::Bridge],
            pause_interval_ms: 19,
            pause_duration_ms: [1, 1],
            client_disconnect_interval_ms: 23,
            client_disconnect_ms: [2, 3_600_000],
            purge_interval_ms: u64::MAX,
            purge_retain: 1_000,
            backup_interval_ms: u64::MAX,
            restore_interval_ms: u64::MAX,
            schedule: vec![
                FaultEvent::new(86_400_000, FaultAction::BitRot, 8),
                FaultEvent::new(0, FaultAction::Crash, 0),
                FaultEvent::new(1, FaultAction::Restart, 1),
                FaultEvent::new(2, FaultAction::CrashAll, 0),
                FaultEvent::new(3, FaultAction::RestartAll, 0),
                FaultEvent::new(4, FaultAction::CrashLeader, 0),
                FaultEvent {
                    partition: Some(PartitionSpec::Split {
                        groups: vec![vec![0, 1], vec![2], vec![8, 3]],
                    }),
                    ..FaultEvent::new(5, FaultAction::Partition, 0)
                },
                FaultEvent {
                    partition: Some(PartitionSpec::OneWay {
                        from: vec![4],
                        to: vec![5, 6],
                    }),
                    ..FaultEvent::new(6, FaultAction::Partition, 0)
                },
                FaultEvent {
                    partition: Some(PartitionSpec::Bridge {
                        left: vec![0, 1],
                        bridge: 7,
                        right: vec![2],
                    }),
                    ..FaultEvent::new(7, FaultAction::Partition, 0)
                },
                FaultEvent {
                    partition: Some(PartitionSpec::Isolate { node: 3 }),
                    ..FaultEvent::new(8, FaultAction::Partition, 0)
                },
                FaultEvent {
                    partition: Some(PartitionSpec::IsolateLeader {}),
                    ..FaultEvent::new(9, FaultAction::Partition, 0)
                },
                FaultEvent {
                    partition: Some(PartitionSpec::MinorityMajority {}),
                    ..FaultEvent::new(10, FaultAction::Partition, 0)
                },
                FaultEvent::new(11, FaultAction::Heal, 0),
                FaultEvent {
                    duration_ms: Some(Millis::from_ms(3_600_000)),
                    ..FaultEvent::new(12, FaultAction::Pause, 4)
                },
                FaultEvent {
                    peer: Some(0),
                    ..FaultEvent::new(13, FaultAction::ResetConnections, 8)
                },
            ],
        },
        duration_ms: 86_400_000,
        heal_ms: 0,
        checks: Checks {
            linearizability: false,
            linearizability_max_steps: 1,
            linearizability_max_memory_mb: 1,
        },
        expect: Expect {
            allow: ViolationKind::ALL.to_vec(),
            probes: [("crashes".to_string(), u64::MAX)].into(),
        },
    };
    s.validate().unwrap();
    let text = s.to_json_pretty();
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\"think_time_ms\": [60000, 60000]"), "{text}");
    assert!(
        text.contains("\"partition_kinds\": [\"minority-majority\", \"bridge\"]"),
        "{text}"
    );
    assert!(
        text.contains(r#"{ "at_ms": 12, "action": "pause", "node": 4, "duration_ms": 3600000 }"#),
        "{text}"
    );
    assert!(
        text.contains(r#"{ "kind": "one-way", "from": [4], "to": [5, 6] }"#),
        "{text}"
    );
    // Absent optional event fields are left out, not written as null.
    assert!(
        !text.contains("null,") && !text.contains("null }"),
        "{text}"
    );
    assert_eq!(Scenario::from_json_str(&text).unwrap(), s, "{text}");
}

/// (what, input, expected field, expected part of the message)
const MALFORMED: &[(&str, &str, &str, &str)] = &[
    (
        "unknown top-level field",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "bogus": 1}"#,
        "bogus",
        "unknown field `bogus`",
    ),
    (
        "unknown nested field",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"node": 3}}"#,
        "cluster.node",
        "unknown field `node`, expected one of",
    ),
    (
        "wrong type",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": "3"}}"#,
        "cluster.nodes",
        "invalid type: string \"3\", expected u32",
    ),
    (
        "negative number",
        r#"{"name": "t", "description": "d", "duration_ms": -5}"#,
        "duration_ms",
        "invalid value: integer `-5`",
    ),
    (
        "missing required field",
        r#"{"name": "t", "description": "d"}"#,
        "duration_ms",
        "missing field `duration_ms`",
    ),
    (
        "min greater than max",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "disk": {"fsync_latency_us": [5000, 100]}}"#,
        "disk.fsync_latency_us",
        "min 5000 is greater than max 100",
    ),
    (
        "range above its limit",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "workload": {"value_bytes": [0, 2000000]}}"#,
        "workload.value_bytes",
        "max 2000000 is above the limit 1048576",
    ),
    (
        "range with three elements",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "workload": {"think_time_ms": [1, 2, 3]}}"#,
        "workload.think_time_ms",
        "exactly 2",
    ),
    (
        "range with one element",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"restart_delay_ms": [1]}}"#,
        "faults.restart_delay_ms",
        "invalid length 1",
    ),
    (
        "probability above 1",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "disk": {"write_error_probability": 1.5}}"#,
        "disk.write_error_probability",
        "must be a probability in 0..=1, got 1.5",
    ),
    (
        "negative probability",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"crash_mid_snapshot_probability": -0.1}}"#,
        "faults.crash_mid_snapshot_probability",
        "got -0.1",
    ),
    (
        "zero nodes",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 0}}"#,
        "cluster.nodes",
        "must be at least 1",
    ),
    (
        "more nodes than supported",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 10}}"#,
        "cluster.nodes",
        "10 nodes requested: ensembles of more than 9 nodes are not supported",
    ),
    (
        "snapshot every txn",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"snapshot_every_txns": 1}}"#,
        "cluster.snapshot_every_txns",
        "0 (never) or at least 2",
    ),
    (
        "tiny log roll",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"log_roll_bytes": 100}}"#,
        "cluster.log_roll_bytes",
        "must be in 512..=4294967296, got 100",
    ),
    (
        "schedule node out of range",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 10, "action": "crash", "node": 1}]}}"#,
        "faults.schedule[0].node",
        "node 1 does not exist",
    ),
    (
        "schedule event after the run",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 10, "action": "crash"}, {"at_ms": 6001, "action": "restart"}]}}"#,
        "faults.schedule[1].at_ms",
        "6001 is after the end of the run (duration_ms + heal_ms = 6000)",
    ),
    (
        "bad action name",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 10, "action": "explode"}]}}"#,
        "faults.schedule[0].action",
        "unknown variant `explode`, expected one of `crash`, `restart`, `bit-rot`",
    ),
    (
        "schedule event without action",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 10}]}}"#,
        "faults.schedule[0].action",
        "missing field `action`",
    ),
    (
        "all mix weights zero",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "workload": {"mix": {"create": 0}}}"#,
        "workload.mix",
        "all weights are 0",
    ),
    (
        "unknown mix field",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "workload": {"mix": {"watch": 1}}}"#,
        "workload.mix.watch",
        "unknown field `watch`",
    ),
    (
        "sector fates missing one",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "disk": {"crash_sectors": {"kept": 1, "lost": 0}}}"#,
        "disk.crash_sectors.torn",
        "missing field `torn`",
    ),
    (
        "negative sector weight",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "disk": {"crash_sectors": {"kept": 1, "lost": -1, "torn": 0}}}"#,
        "disk.crash_sectors.lost",
        "finite weight >= 0",
    ),
    (
        "sector weights all zero",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "disk": {"crash_sectors": {"kept": 0, "lost": 0, "torn": 0}}}"#,
        "disk.crash_sectors",
        "sum",
    ),
    (
        "tiny disk",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "disk": {"capacity_bytes": 100}}"#,
        "disk.capacity_bytes",
        "at least 4096",
    ),
    (
        "unknown violation kind",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "expect": {"allow": ["lost-acked-write", "oops"]}}"#,
        "expect.allow[1]",
        "unknown variant `oops`",
    ),
    (
        "invalid name characters",
        r#"{"name": "Single_Node", "description": "d", "duration_ms": 1000}"#,
        "name",
        "character 'S' is not allowed",
    ),
    (
        "empty name",
        r#"{"name": "", "description": "d", "duration_ms": 1000}"#,
        "name",
        "must not be empty",
    ),
    (
        "multi-line description",
        r#"{"name": "t", "description": "one\ntwo", "duration_ms": 1000}"#,
        "description",
        "single line",
    ),
    (
        "zero duration",
        r#"{"name": "t", "description": "d", "duration_ms": 0}"#,
        "duration_ms",
        "must be in 1..=86400000, got 0",
    ),
    (
        "long healing",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "heal_ms": 3600001}"#,
        "heal_ms",
        "must be in 0..=3600000, got 3600001",
    ),
    (
        "init limit zero",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"init_limit_ticks": 0}}"#,
        "cluster.init_limit_ticks",
        "must be in 1..=1000, got 0",
    ),
    (
        "sync limit too large",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"sync_limit_ticks": 1001}}"#,
        "cluster.sync_limit_ticks",
        "must be in 1..=1000, got 1001",
    ),
    (
        "committed log too large",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"committed_log_txns": 1000001}}"#,
        "cluster.committed_log_txns",
        "must be in 0..=1000000",
    ),
    (
        "unknown network field",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "network": {"latency": [1, 2]}}"#,
        "network.latency",
        "unknown field `latency`",
    ),
    (
        "network latency min above max",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "network": {"latency_us": [300, 200]}}"#,
        "network.latency_us",
        "min 300 is greater than max 200",
    ),
    (
        "spike latency above its limit",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "network": {"spike_latency_us": [0, 10000001]}}"#,
        "network.spike_latency_us",
        "max 10000001 is above the limit 10000000",
    ),
    (
        "client latency above its limit",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "network": {"client_latency_us": [0, 20000000]}}"#,
        "network.client_latency_us",
        "above the limit 10000000",
    ),
    (
        "spike probability above 1",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "network": {"spike_probability": 2}}"#,
        "network.spike_probability",
        "must be a probability in 0..=1, got 2",
    ),
    (
        "negative reset interval",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "network": {"reset_interval_ms": -1}}"#,
        "network.reset_interval_ms",
        "invalid value: integer `-1`",
    ),
    (
        "drift too large",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "clock": {"max_drift_ppm": 200001}}"#,
        "clock.max_drift_ppm",
        "must be in 0..=200000, got 200001",
    ),
    (
        "clock step min above max",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "clock": {"step_ms": [10, 5]}}"#,
        "clock.step_ms",
        "min 10 is greater than max 5",
    ),
    (
        "crash-all probability above 1",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"crash_all_probability": 1.01}}"#,
        "faults.crash_all_probability",
        "got 1.01",
    ),
    (
        "swarm not a bool",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"swarm": 1}}"#,
        "faults.swarm",
        "invalid type: integer `1`, expected a boolean",
    ),
    (
        "partition duration above its limit",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"partition_duration_ms": [0, 3600001]}}"#,
        "faults.partition_duration_ms",
        "above the limit 3600000",
    ),
    (
        "pause duration min above max",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"pause_duration_ms": [5, 4]}}"#,
        "faults.pause_duration_ms",
        "min 5 is greater than max 4",
    ),
    (
        "bad partition kind",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"partition_kinds": ["symmetric", "diagonal"]}}"#,
        "faults.partition_kinds[1]",
        "unknown variant `diagonal`, expected one of `symmetric`, `asymmetric`, `bridge`, `isolate-leader`, `minority-majority`",
    ),
    (
        "duplicate partition kind",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"partition_kinds": ["bridge", "symmetric", "bridge"]}}"#,
        "faults.partition_kinds[2]",
        "`bridge` is listed twice",
    ),
    (
        "no partition kinds with partitions on",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"partition_interval_ms": 100, "partition_kinds": []}}"#,
        "faults.partition_kinds",
        "at least one kind",
    ),
    (
        "bad new action name",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "crash_all"}]}}"#,
        "faults.schedule[1].action",
        "unknown variant `crash_all`, expected one of `crash`, `restart`, `bit-rot`, `crash-all`, `restart-all`, `crash-leader`, `partition`, `heal`, `pause`, `reset-connections`",
    ),
    (
        "missing partition for action partition",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition"}]}}"#,
        "faults.schedule[1].partition",
        "is required by action `partition`",
    ),
    (
        "partition on another action",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "heal", "partition": {"kind": "isolate-leader"}}]}}"#,
        "faults.schedule[1].partition",
        "is not allowed with action `heal`",
    ),
    (
        "bad partition spec kind",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "symmetric", "groups": [[0]]}}]}}"#,
        "faults.schedule[1].partition.kind",
        "unknown variant `symmetric`, expected one of `split`, `one-way`, `bridge`, `isolate`, `isolate-leader`, `minority-majority`",
    ),
    (
        "partition spec without kind",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"groups": [[0]]}}]}}"#,
        "faults.schedule[1].partition.kind",
        "missing field `kind`",
    ),
    (
        "unknown field in a partition spec",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "isolate", "node": 1, "nodes": [2]}}]}}"#,
        "faults.schedule[1].partition",
        "unknown field `nodes`",
    ),
    (
        "node out of range inside groups",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "split", "groups": [[0, 1], [3]]}}]}}"#,
        "faults.schedule[1].partition.groups[1][0]",
        "node 3 does not exist: the cluster has 3 nodes (0..=2)",
    ),
    (
        "duplicate node across groups",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "split", "groups": [[0, 1], [2, 1]]}}]}}"#,
        "faults.schedule[1].partition.groups[1][1]",
        "node 1 is already in `groups[0]`",
    ),
    (
        "duplicate node inside a group",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "split", "groups": [[0, 0]]}}]}}"#,
        "faults.schedule[1].partition.groups[0][1]",
        "node 0 is already in `groups[0]`",
    ),
    (
        "empty group",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "split", "groups": [[0], []]}}]}}"#,
        "faults.schedule[1].partition.groups[1]",
        "must not be empty",
    ),
    (
        "no groups",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "split", "groups": []}}]}}"#,
        "faults.schedule[1].partition.groups",
        "at least one group",
    ),
    (
        "empty one-way side",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "one-way", "from": [0], "to": []}}]}}"#,
        "faults.schedule[1].partition.to",
        "must not be empty",
    ),
    (
        "one-way node on both sides",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "one-way", "from": [0, 2], "to": [1, 2]}}]}}"#,
        "faults.schedule[1].partition.to[1]",
        "node 2 is already in `from`",
    ),
    (
        "bridge node on a side",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "bridge", "left": [0], "bridge": 1, "right": [1, 2]}}]}}"#,
        "faults.schedule[1].partition.right[0]",
        "node 1 is already in `bridge`",
    ),
    (
        "bridge node out of range",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "bridge", "left": [0], "bridge": 7, "right": [2]}}]}}"#,
        "faults.schedule[1].partition.bridge",
        "node 7 does not exist",
    ),
    (
        "isolated node out of range",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "partition", "partition": {"kind": "isolate", "node": 3}}]}}"#,
        "faults.schedule[1].partition.node",
        "node 3 does not exist",
    ),
    (
        "isolate-leader with 1 node",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 10, "action": "partition", "partition": {"kind": "isolate-leader"}}]}}"#,
        "faults.schedule[0].partition.kind",
        "`isolate-leader` needs at least 2 nodes, the cluster has 1",
    ),
    (
        "minority-majority with 2 nodes",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 2}, "faults": {"schedule": [{"at_ms": 10, "action": "partition", "partition": {"kind": "minority-majority"}}]}}"#,
        "faults.schedule[0].partition.kind",
        "`minority-majority` needs at least 3 nodes, the cluster has 2",
    ),
    (
        "crash-leader with 1 node",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 10, "action": "crash-leader"}]}}"#,
        "faults.schedule[0].action",
        "`crash-leader` needs at least 2 nodes, the cluster has 1",
    ),
    (
        "duration_ms missing for pause",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "pause", "node": 2}]}}"#,
        "faults.schedule[1].duration_ms",
        "is required by action `pause`",
    ),
    (
        "zero pause",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "pause", "node": 2, "duration_ms": 0}]}}"#,
        "faults.schedule[1].duration_ms",
        "0 is out of range (more than 0, at most 3600000)",
    ),
    (
        "time with more than three decimals",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 1.0005, "action": "crash"}]}}"#,
        "faults.schedule[0].at_ms",
        "more than three decimals",
    ),
    (
        "restarts for the wrong number of nodes",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash-all", "restarts_after_ms": [5, 6]}]}}"#,
        "faults.schedule[0].restarts_after_ms",
        "lists 2 restart(s): it needs one per node (3)",
    ),
    (
        "restart delay on a pause",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 1, "action": "pause", "duration_ms": 5, "restart_after_ms": 5}]}}"#,
        "faults.schedule[0].restart_after_ms",
        "is not allowed with action `pause`",
    ),
    (
        "client disconnect of a client that does not exist",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "workload": {"clients": 2}, "faults": {"schedule": [{"at_ms": 1, "action": "client-disconnect", "client": 2, "duration_ms": 50}]}}"#,
        "faults.schedule[0].client",
        "client 2 does not exist: the workload has 2 client(s)",
    ),
    (
        "clock step without its step",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 1, "action": "clock-step"}]}}"#,
        "faults.schedule[0].step_ms",
        "is required by action `clock-step`",
    ),
    (
        "required probe with a bad name",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "expect": {"probes": {"Crashes!": 1}}}"#,
        "expect.probes.Crashes!",
        "is not a probe name",
    ),
    (
        "required probe of zero",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "expect": {"probes": {"crashes": 0}}}"#,
        "expect.probes.crashes",
        "must be in 1..=",
    ),
    (
        "duration_ms on a crash",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "crash", "duration_ms": 5}]}}"#,
        "faults.schedule[1].duration_ms",
        "is not allowed with action `crash`",
    ),
    (
        "peer missing for reset-connections",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "reset-connections", "node": 2}]}}"#,
        "faults.schedule[1].peer",
        "is required by action `reset-connections`",
    ),
    (
        "peer == node",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "reset-connections", "node": 2, "peer": 2}]}}"#,
        "faults.schedule[1].peer",
        "must differ from `node` (both are 2)",
    ),
    (
        "peer out of range",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "reset-connections", "node": 2, "peer": 3}]}}"#,
        "faults.schedule[1].peer",
        "node 3 does not exist",
    ),
    (
        "peer on a restart",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 3}, "faults": {"schedule": [{"at_ms": 1, "action": "crash"}, {"at_ms": 10, "action": "restart", "peer": 1}]}}"#,
        "faults.schedule[1].peer",
        "is not allowed with action `restart`",
    ),
    (
        "syntax error",
        "{\"name\": \"t\",\n  \"description\" \"d\"}",
        "line 2, column 17",
        "expected `:`",
    ),
    ("empty input", "", "line 1, column 0", "EOF while parsing"),
    (
        "trailing garbage",
        r#"{"name": "t", "description": "d", "duration_ms": 1000} x"#,
        "line 1, column 56",
        "trailing characters",
    ),
    (
        "not an object",
        r#""scenario""#,
        "",
        "invalid type: string \"scenario\"",
    ),
];

#[test]
fn malformed_inputs_name_the_field() {
    for &(what, input, field, message) in MALFORMED {
        let err = match Scenario::from_json_str(input) {
            Ok(s) => panic!("{what}: accepted: {s:?}"),
            Err(e) => e,
        };
        assert_eq!(err.field, field, "{what}: {err}");
        assert!(
            err.message.contains(message),
            "{what}: message {:?} lacks {message:?}",
            err.message
        );
        assert!(
            !err.message.contains(" at line "),
            "{what}: position left in {:?}",
            err.message
        );
    }
}

#[test]
fn long_description_is_rejected() {
    let text = base_with("").replace("\"d\"", &format!("\"{}\"", "é".repeat(201)));
    let err = Scenario::from_json_str(&text).unwrap_err();
    assert_eq!(err.field, "description");
    assert!(err.message.contains("201 characters"), "{err}");
    // 200 characters (400 bytes) is fine.
    let text = base_with("").replace("\"d\"", &format!("\"{}\"", "é".repeat(200)));
    Scenario::from_json_str(&text).unwrap();
}

#[test]
fn errors_display_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    std::fs::write(
        &path,
        base_with(r#""disk": {"fsync_latency_us": [5000, 100]}"#),
    )
    .unwrap();
    let err = Scenario::load(&path).unwrap_err();
    assert_eq!(
        err.source_name.as_deref(),
        Some(path.display().to_string().as_str())
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: field `disk.fsync_latency_us`: min 5000 is greater than max 100",
            path.display()
        )
    );

    std::fs::write(&path, "{\n  \"name\": }").unwrap();
    let err = Scenario::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: line 2, column 11: expected value", path.display())
    );

    let missing = dir.path().join("missing.json");
    let err = Scenario::load(&missing).unwrap_err();
    assert!(err.to_string().contains("cannot read the file"), "{err}");
}

/// Every JSON pointer in a document, the root included.
fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn odd_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(null)),
        Just(json!(true)),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, 2])),
        Just(json!([2, 1])),
        Just(json!({"kept": 1, "lost": 1, "torn": 1})),
        Just(json!({"at_ms": 1, "action": "crash"})),
        Just(json!({"at_ms": 1, "action": "partition", "partition": {"kind": "isolate-leader"}})),
        Just(json!({"at_ms": 1, "action": "pause", "node": 1, "duration_ms": 5})),
        Just(json!({"at_ms": 1, "action": "reset-connections", "node": 1, "peer": 2})),
        Just(json!({"kind": "split", "groups": [[0], [1, 2]]})),
        Just(json!({"kind": "bridge", "left": [0], "bridge": 1, "right": [2]})),
        Just(json!([[0, 1], [2]])),
        Just(json!(["symmetric", "bridge"])),
        Just(json!("crash")),
        Just(json!("minority-majority")),
        Just(json!("lost-acked-write")),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(1e300)),
        Just(json!(f64::MIN_POSITIVE)),
        any::<u64>().prop_map(|n| json!(n)),
        (0u64..100_000).prop_map(|n| json!(n)),
        (-1.0f64..2.0).prop_map(|n| json!(n)),
        "[a-z-]{0,12}".prop_map(|s| json!(s)),
    ]
}

/// Whether serde_json reads back exactly the f64 it writes. Without its
/// `float_roundtrip` feature, its parser may be 1 ulp off for numbers of 16+
/// significant digits (e.g. 986058920093104064 read as an f64 and written
/// back); with the feature, always true.
fn survives_json(x: f64) -> bool {
    serde_json::to_string(&x)
        .ok()
        .and_then(|t| serde_json::from_str::<f64>(&t).ok())
        == Some(x)
}

fn floats(s: &Scenario) -> [f64; 9] {
    let fates = s.disk.crash_sectors;
    [
        fates.kept,
        fates.lost,
        fates.torn,
        s.disk.write_error_probability,
        s.disk.fsync_error_probability,
        s.faults.crash_mid_fsync_probability,
        s.faults.crash_mid_snapshot_probability,
        s.faults.crash_all_probability,
        s.network.spike_probability,
    ]
}

/// Ok must mean valid and faithfully round-tripped; Err is fine; a panic is not.
fn check_load(text: &str) -> Result<(), TestCaseError> {
    if let Ok(s) = Scenario::from_json_str(text) {
        prop_assert!(s.validate().is_ok());
        let back = Scenario::from_json_str(&s.to_json_pretty());
        if floats(&s).into_iter().all(survives_json) {
            prop_assert_eq!(back.as_ref(), Ok(&s));
        } else {
            // Only a float may differ, by serde_json's parsing error.
            let mut back = back.map_err(|e| TestCaseError::fail(e.to_string()))?;
            back.disk.crash_sectors = s.disk.crash_sectors;
            back.disk.write_error_probability = s.disk.write_error_probability;
            back.disk.fsync_error_probability = s.disk.fsync_error_probability;
            back.faults.crash_mid_fsync_probability = s.faults.crash_mid_fsync_probability;
            back.faults.crash_mid_snapshot_probability = s.faults.crash_mid_snapshot_probability;
            back.faults.crash_all_probability = s.faults.crash_all_probability;
            back.network.spike_probability = s.network.spike_probability;
            prop_assert_eq!(back, s);
        }
    }
    Ok(())
}

fn shipped_texts() -> Vec<String> {
    scenario_files()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        check_load(&text)?;
    }

    #[test]
    fn json_looking_strings_never_panic(text in r#"[{}\[\]",:0-9a-z_. \-]{0,80}"#) {
        check_load(&text)?;
    }

    #[test]
    fn byte_mutated_files_never_panic(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0usize..8, "[{}\\[\\]\",:0-9a-z\\-.eE]{0,4}"),
            1..4,
        ),
    ) {
        let texts = shipped_texts();
        let mut bytes = texts[file.index(texts.len())].clone().into_bytes();
        for (at, cut, insert) in edits {
            let start = at.index(bytes.len() + 1);
            let end = (start + cut).min(bytes.len());
            bytes.splice(start..end, insert.into_bytes());
        }
        check_load(&String::from_utf8_lossy(&bytes))?;
    }

    /// What round-trips exactly even without serde_json's `float_roundtrip`:
    /// floats as read from a file (hand-written decimals, or values a
    /// previous save wrote) survive another save and load.
    #[test]
    fn floats_read_from_a_file_survive_a_rewrite(
        digits in 0u64..1_000_000_000_000_000,
        scale in 0i32..=20,
        which in 0usize..9,
    ) {
        let x = (digits as f64 / 10f64.powi(scale)).min(1.0);
        let x: f64 = format!("{x:.15e}").parse().unwrap();
        let mut s = Scenario::from_json_str(&base_with("")).unwrap();
        match which {
            0 => s.disk.crash_sectors.kept = x + 1.0,
            1 => s.disk.crash_sectors.lost = x,
            2 => s.disk.crash_sectors.torn = x * 1e6,
            3 => s.disk.write_error_probability = x,
            4 => s.disk.fsync_error_probability = x,
            5 => s.faults.crash_mid_fsync_probability = x,
            6 => s.faults.crash_mid_snapshot_probability = x,
            7 => s.faults.crash_all_probability = x,
            _ => s.network.spike_probability = x,
        }
        // Re-read once so every float has gone through the parser, as in a
        // loaded file.
        let s = Scenario::from_json_str(&s.to_json_pretty()).unwrap();
        let back = Scenario::from_json_str(&s.to_json_pretty()).unwrap();
        prop_assert_eq!(back, s);
    }

    #[test]
    fn value_mutated_files_never_panic(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), odd_value()), 1..3),
    ) {
        let texts = shipped_texts();
        let mut doc: serde_json::Value =
            serde_json::from_str(&texts[file.index(texts.len())]).unwrap();
        for (at, value) in edits {
            let mut all = Vec::new();
            pointers(&doc, String::new(), &mut all);
            let pointer = &all[at.index(all.len())];
            if let Some(slot) = doc.pointer_mut(pointer) {
                *slot = value;
            }
        }
        check_load(&doc.to_string())?;
    }
}

#[test]
fn examples_in_the_format_doc_are_valid() {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/SCENARIO-FORMAT.md");
    let doc = std::fs::read_to_string(doc_path).unwrap();
    let examples: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    assert!(examples.len() >= 3, "found {} examples", examples.len());
    for example in &examples {
        Scenario::from_json_str(example).unwrap_or_else(|e| panic!("{e}\n{example}"));
    }
    // The full example is the shipped file, byte for byte.
    let file = std::fs::read_to_string(scenarios_dir().join("swarm.json")).unwrap();
    assert!(
        examples.contains(&file.as_str()),
        "docs/SCENARIO-FORMAT.md does not show scenarios/swarm.json as it is"
    );
}

const NEW_SCENARIOS: [&str; 8] = [
    "leader-failover",
    "partition-leader-minority",
    "asymmetric-partition",
    "rolling-restarts",
    "power-loss",
    "crash-during-sync",
    "follower-bit-rot",
    "swarm",
];

#[test]
fn new_fields_have_their_defaults() {
    let s = Scenario::from_json_str(&base_with("")).unwrap();
    assert_eq!(MAX_NODES, 9);
    assert_eq!(
        (
            s.cluster.init_limit_ticks,
            s.cluster.sync_limit_ticks,
            s.cluster.committed_log_txns
        ),
        (10, 5, 500)
    );
    assert_eq!(s.network, Network::default());
    assert_eq!(s.network.latency_us, [200, 2_000]);
    assert_eq!(s.network.spike_probability, 0.0);
    assert_eq!(s.network.spike_latency_us, [20_000, 200_000]);
    assert_eq!(s.network.reset_interval_ms, 0);
    assert_eq!(s.network.client_latency_us, [100, 1_000]);
    assert_eq!(s.clock, Clock::default());
    assert_eq!(s.clock.max_drift_ppm, 0);
    assert_eq!(s.clock.step_interval_ms, 0);
    assert_eq!(s.clock.step_ms, [10, 1_000]);
    let f = &s.faults;
    assert!(!f.swarm);
    assert_eq!(f.crash_all_probability, 0.0);
    assert_eq!(f.partition_interval_ms, 0);
    assert_eq!(f.partition_duration_ms, [500, 5_000]);
    assert_eq!(
        f.partition_kinds,
        [
            PartitionKind::Symmetric,
            PartitionKind::Asymmetric,
            PartitionKind::Bridge,
            PartitionKind::IsolateLeader,
            PartitionKind::MinorityMajority
        ]
    );
    assert_eq!(f.pause_interval_ms, 0);
    assert_eq!(f.pause_duration_ms, [100, 2_000]);

    // A section given in part keeps the defaults of the rest.
    let s = Scenario::from_json_str(&base_with(
        r#""cluster": {"nodes": 9, "sync_limit_ticks": 2}, "network": {"reset_interval_ms": 7}, "clock": {"step_ms": [1, 2]}, "faults": {"pause_interval_ms": 9}"#,
    ))
    .unwrap();
    assert_eq!(s.cluster.nodes, 9);
    assert_eq!(
        (s.cluster.init_limit_ticks, s.cluster.sync_limit_ticks),
        (10, 2)
    );
    assert_eq!(s.network.reset_interval_ms, 7);
    assert_eq!(s.network.latency_us, [200, 2_000]);
    assert_eq!(s.clock.step_ms, [1, 2]);
    assert_eq!(s.clock.step_interval_ms, 0);
    assert_eq!(s.faults.pause_interval_ms, 9);
    assert_eq!(s.faults.pause_duration_ms, [100, 2_000]);
}

#[test]
fn schedule_events_read_every_action_and_partition() {
    let s = Scenario::from_json_str(&base_with(
        r#""cluster": {"nodes": 5}, "faults": {"schedule": [
            {"at_ms": 1, "action": "crash-all"},
            {"at_ms": 2, "action": "restart-all"},
            {"at_ms": 3, "action": "crash-leader"},
            {"at_ms": 4, "action": "partition", "partition": {"kind": "split", "groups": [[0, 1], [2]]}},
            {"at_ms": 5, "action": "partition", "partition": {"kind": "one-way", "from": [3], "to": [0, 4]}},
            {"at_ms": 6, "action": "partition", "partition": {"kind": "bridge", "left": [0], "bridge": 2, "right": [1, 3]}},
            {"at_ms": 7, "action": "partition", "partition": {"kind": "isolate", "node": 4}},
            {"at_ms": 8, "action": "partition", "partition": {"kind": "isolate-leader"}},
            {"at_ms": 9, "action": "partition", "partition": {"kind": "minority-majority"}},
            {"at_ms": 10, "action": "heal"},
            {"at_ms": 11, "action": "pause", "node": 3, "duration_ms": 250},
            {"at_ms": 12, "action": "reset-connections", "node": 1, "peer": 4},
            {"at_ms": 13, "action": "bit-rot", "node": 4}
        ]}"#,
    ))
    .unwrap();
    let events = &s.faults.schedule;
    let actions: Vec<&str> = events.iter().map(|e| e.action.name()).collect();
    assert_eq!(
        actions,
        [
            "crash-all",
            "restart-all",
            "crash-leader",
            "partition",
            "partition",
            "partition",
            "partition",
            "partition",
            "partition",
            "heal",
            "pause",
            "reset-connections",
            "bit-rot"
        ]
    );
    // `name()` is the serde name.
    for e in events {
        assert_eq!(
            serde_json::to_value(e.action).unwrap(),
            serde_json::json!(e.action.name())
        );
    }
    assert_eq!(
        events[3].partition,
        Some(PartitionSpec::Split {
            groups: vec![vec![0, 1], vec![2]]
        })
    );
    assert_eq!(
        events[5].partition,
        Some(PartitionSpec::Bridge {
            left: vec![0],
            bridge: 2,
            right: vec![1, 3]
        })
    );
    assert_eq!(events[7].partition, Some(PartitionSpec::IsolateLeader {}));
    assert_eq!(events[10].duration_ms, Some(Millis::from_ms(250)));
    assert_eq!((events[11].node, events[11].peer), (1, Some(4)));
    assert_eq!(events[0], FaultEvent::new(1, FaultAction::CrashAll, 0));
}

#[test]
fn new_scenario_files_say_what_they_promise() {
    for name in NEW_SCENARIOS {
        let path = scenarios_dir().join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).unwrap();
        let s = load_named(name);
        assert_eq!(s.name, name);
        // Written by the canonical writer.
        assert_eq!(text, s.to_json_pretty(), "{name} is not in canonical form");
        assert_eq!(s.workload, Workload::default(), "{name}");
        assert!((20_000..=30_000).contains(&s.duration_ms), "{name}");
        assert_eq!(s.heal_ms, 8_000, "{name}");
        assert_eq!(s.faults.swarm, name == "swarm", "{name}");
    }

    let s = load_named("leader-failover");
    assert_eq!(s.cluster.nodes, 3);
    assert_eq!(s.faults.crash_interval_ms, 3_000);
    assert_eq!(s.faults.crash_mid_fsync_probability, 0.02);
    assert_eq!(s.duration_ms, 30_000);
    assert_eq!(
        s.description,
        "Three replicas; nodes (often the leader) crash at random, mid-broadcast and mid-fsync"
    );

    let s = load_named("partition-leader-minority");
    assert_eq!(s.cluster.nodes, 5);
    assert_eq!(s.faults.partition_interval_ms, 3_000);
    assert_eq!(s.faults.partition_duration_ms, [1_000, 6_000]);
    assert_eq!(
        s.faults.partition_kinds,
        [
            PartitionKind::IsolateLeader,
            PartitionKind::MinorityMajority
        ]
    );
    assert_eq!(s.faults.crash_interval_ms, 0);

    let s = load_named("asymmetric-partition");
    assert_eq!(s.cluster.nodes, 3);
    assert!(s.faults.partition_interval_ms > 0);
    assert_eq!(
        s.faults.partition_kinds,
        [PartitionKind::Asymmetric, PartitionKind::Bridge]
    );

    let s = load_named("rolling-restarts");
    assert_eq!(s.cluster.nodes, 5);
    assert_eq!(s.faults.crash_interval_ms, 0);
    let expected: Vec<FaultEvent> = (0..5u32)
        .flat_map(|i| {
            let at = 2_000 + 4_000 * u64::from(i);
            [
                FaultEvent::new(at, FaultAction::Crash, i),
                FaultEvent::new(at + 1_500, FaultAction::Restart, i),
            ]
        })
        .collect();
    assert_eq!(s.faults.schedule, expected);

    let s = load_named("power-loss");
    assert_eq!(s.cluster.nodes, 3);
    assert_eq!(s.faults.crash_all_probability, 1.0);
    assert_eq!(s.faults.crash_interval_ms, 4_000);
    assert_eq!(
        s.disk.crash_sectors,
        SectorFates {
            kept: 0.3,
            lost: 0.3,
            torn: 0.4
        }
    );

    let s = load_named("crash-during-sync");
    assert_eq!(s.cluster.nodes, 3);
    assert_eq!(s.cluster.committed_log_txns, 20);
    assert_eq!(s.faults.crash_interval_ms, 1_500);
    assert_eq!(s.faults.crash_mid_snapshot_probability, 0.3);

    let s = load_named("follower-bit-rot");
    assert_eq!(s.cluster.nodes, 3);
    assert_eq!(s.disk.bit_rot_interval_ms, 5_000);
    assert_eq!(s.faults.crash_interval_ms, 3_000);
    // Rot on one replica is in the fault model: it repairs, nothing is allowed.
    assert!(s.expect.allow.is_empty());

    let s = load_named("swarm");
    assert_eq!(s.cluster.nodes, 3);
    assert_eq!(
        s.description,
        "Swarm: each seed enables a random subset of fault kinds at random rates"
    );
    assert_eq!(s.disk.bit_rot_interval_ms, 0);
    assert_eq!(s.faults.partition_kinds, ALL_PARTITION_KINDS);
    // Every other random fault kind is present.
    assert_eq!(swarm_kinds(&s).iter().filter(|(_, on)| *on).count(), 12);
}

/// Whether each random fault kind is on, by the names swarm mode reports.
fn swarm_kinds(s: &Scenario) -> [(&'static str, bool); 13] {
    [
        ("crashes", s.faults.crash_interval_ms > 0),
        ("crash-all", s.faults.crash_all_probability > 0.0),
        (
            "mid-fsync crashes",
            s.faults.crash_mid_fsync_probability > 0.0,
        ),
        (
            "mid-snapshot crashes",
            s.faults.crash_mid_snapshot_probability > 0.0,
        ),
        ("partitions", s.faults.partition_interval_ms > 0),
        ("pauses", s.faults.pause_interval_ms > 0),
        ("connection resets", s.network.reset_interval_ms > 0),
        ("delay spikes", s.network.spike_probability > 0.0),
        ("write EIO", s.disk.write_error_probability > 0.0),
        ("fsync EIO", s.disk.fsync_error_probability > 0.0),
        ("bit-rot", s.disk.bit_rot_interval_ms > 0),
        ("clock drift", s.clock.max_drift_ppm > 0),
        ("clock steps", s.clock.step_interval_ms > 0),
    ]
}

/// The swarm scenario with bit rot too, so that all 13 kinds are present.
fn full_swarm() -> Scenario {
    let mut s = load_named("swarm");
    s.disk.bit_rot_interval_ms = 20_000;
    s.validate().unwrap();
    s
}

fn seeded(seed: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

#[test]
fn for_seed_without_swarm_is_the_scenario_itself() {
    let s = load_named("leader-failover");
    let mut rng = seeded(1);
    let (concrete, choices) = s.for_seed(&mut rng);
    assert_eq!(concrete, s);
    assert!(choices.is_empty());
    // Nothing drawn.
    let mut fresh = seeded(1);
    assert_eq!(
        rand::Rng::gen::<u64>(&mut rng),
        rand::Rng::gen::<u64>(&mut fresh)
    );
}

#[test]
fn for_seed_is_deterministic_and_valid() {
    let s = full_swarm();
    for seed in 0..50 {
        let (a, choices_a) = s.for_seed(&mut seeded(seed));
        let (b, choices_b) = s.for_seed(&mut seeded(seed));
        assert_eq!(a, b, "seed {seed}");
        assert_eq!(choices_a, choices_b, "seed {seed}");
        a.validate()
            .unwrap_or_else(|e| panic!("seed {seed}: {e}: {choices_a:?}"));
        assert!(!a.faults.swarm);
        // One choice per kind present, in a fixed order, named as reported.
        let names: Vec<&str> = choices_a
            .iter()
            .map(|c| c.split(':').next().unwrap())
            .collect();
        let expected: Vec<&str> = swarm_kinds(&s).iter().map(|(n, _)| *n).collect();
        assert_eq!(names, expected, "seed {seed}");
        // What is not a random fault rate is unchanged.
        let mut rates_back = a.clone();
        rates_back.faults = Faults {
            swarm: true,
            partition_kinds: s.faults.partition_kinds.clone(),
            crash_interval_ms: s.faults.crash_interval_ms,
            crash_all_probability: s.faults.crash_all_probability,
            crash_mid_fsync_probability: s.faults.crash_mid_fsync_probability,
            crash_mid_snapshot_probability: s.faults.crash_mid_snapshot_probability,
            partition_interval_ms: s.faults.partition_interval_ms,
            pause_interval_ms: s.faults.pause_interval_ms,
            ..a.faults.clone()
        };
        rates_back.network.reset_interval_ms = s.network.reset_interval_ms;
        rates_back.network.spike_probability = s.network.spike_probability;
        rates_back.disk.write_error_probability = s.disk.write_error_probability;
        rates_back.disk.fsync_error_probability = s.disk.fsync_error_probability;
        rates_back.disk.bit_rot_interval_ms = s.disk.bit_rot_interval_ms;
        rates_back.clock.max_drift_ppm = s.clock.max_drift_ppm;
        rates_back.clock.step_interval_ms = s.clock.step_interval_ms;
        assert_eq!(rates_back, s, "seed {seed}");
    }
    // Different seeds differ in character.
    let distinct: std::collections::BTreeSet<Vec<String>> = (0..20)
        .map(|seed| s.for_seed(&mut seeded(seed)).1)
        .collect();
    assert!(distinct.len() > 10, "{distinct:?}");
}

#[test]
fn for_seed_turns_every_kind_on_and_off_across_seeds() {
    let s = full_swarm();
    let original = swarm_kinds(&s);
    let mut on = [0u32; 13];
    let mut kinds_seen = std::collections::BTreeSet::new();
    let mut partition_kind_counts = std::collections::BTreeMap::new();
    for seed in 0..200 {
        let (c, choices) = s.for_seed(&mut seeded(seed));
        for (i, (name, is_on)) in swarm_kinds(&c).iter().enumerate() {
            on[i] += u32::from(*is_on);
            let choice = choices.iter().find(|c| c.starts_with(name)).unwrap();
            assert_eq!(choice.ends_with(": off"), !is_on, "{choice}");
        }
        // Kept rates stay within [0.25, 4] times the original, and limits.
        if c.faults.crash_interval_ms > 0 {
            let ratio = s.faults.crash_interval_ms as f64 / c.faults.crash_interval_ms as f64;
            assert!((0.249..=4.01).contains(&ratio), "{ratio}");
        }
        if c.faults.crash_mid_snapshot_probability > 0.0 {
            let ratio =
                c.faults.crash_mid_snapshot_probability / s.faults.crash_mid_snapshot_probability;
            assert!((0.249..=4.01).contains(&ratio), "{ratio}");
        }
        if c.clock.max_drift_ppm > 0 {
            assert!(c.clock.max_drift_ppm <= 200_000);
            assert!(c.clock.max_drift_ppm >= 12_500);
        }
        if c.faults.partition_interval_ms > 0 {
            assert!(!c.faults.partition_kinds.is_empty());
            let listed = choices
                .iter()
                .find(|c| c.starts_with("partitions: every ~"))
                .unwrap();
            for kind in &c.faults.partition_kinds {
                *partition_kind_counts.entry(kind_name(kind)).or_insert(0) += 1;
                assert!(listed.contains(&kind_name(kind)), "{listed}");
            }
            kinds_seen.insert(c.faults.partition_kinds.clone());
        }
    }
    for (i, (name, present)) in original.iter().enumerate() {
        assert!(present);
        assert!(
            (1..200).contains(&on[i]),
            "{name}: on in {} of 200 seeds",
            on[i]
        );
    }
    // Each partition kind is sometimes kept, and subsets vary.
    assert_eq!(partition_kind_counts.len(), 5, "{partition_kind_counts:?}");
    assert!(kinds_seen.len() > 5, "{kinds_seen:?}");
}

#[test]
fn for_seed_caps_probabilities_and_skips_absent_kinds() {
    let mut s = Scenario::from_json_str(&base_with(
        r#""faults": {"swarm": true, "crash_interval_ms": 1000, "crash_all_probability": 0.9}"#,
    ))
    .unwrap();
    s.clock.max_drift_ppm = 190_000;
    let mut capped = 0;
    for seed in 0..100 {
        let (c, choices) = s.for_seed(&mut seeded(seed));
        c.validate().unwrap();
        assert!(c.faults.crash_all_probability <= 1.0);
        assert!(c.clock.max_drift_ppm <= 200_000);
        capped += u32::from(c.faults.crash_all_probability == 1.0);
        // Only the kinds present are reported.
        assert_eq!(choices.len(), 3, "{choices:?}");
        assert!(choices[0].starts_with("crashes: "), "{choices:?}");
        assert!(choices[1].starts_with("crash-all: "), "{choices:?}");
        assert!(choices[2].starts_with("clock drift: "), "{choices:?}");
    }
    assert!(capped > 0);
}

#[test]
fn swarm_choices_read_well() {
    let s = full_swarm();
    let choices: Vec<String> = (0..20)
        .flat_map(|seed| s.for_seed(&mut seeded(seed)).1)
        .collect();
    for choice in &choices {
        let (name, what) = choice.split_once(": ").unwrap();
        assert!(!name.is_empty());
        assert!(
            what == "off"
                || what.starts_with("every ~")
                || what.starts_with("probability ")
                || what.starts_with("up to ±"),
            "{choice}"
        );
        // No float noise such as 0.012000000000000002.
        assert!(!choice.contains("0000"), "{choice}");
    }
}

#[test]
fn operator_actions_have_their_rules() {
    let mut s = load_named("backup-restore");
    s.faults.schedule = vec![FaultEvent::new(1000, FaultAction::Wipe, 1)];
    let error = s.validate().expect_err("a wipe loses writes").to_string();
    assert!(error.contains("faults.schedule[0].action"), "{error}");
    assert!(error.contains("beyond the fault model"), "{error}");
    s.expect.allow = vec![ViolationKind::LostAckedWrite];
    s.validate().expect("the loss is expected");

    let mut s = load_named("backup-restore");
    s.faults.schedule = vec![FaultEvent::new(1000, FaultAction::DisasterRecovery, 0)];
    s.validate().expect("a disaster recovery is in the model");
    s.workload.recipes.lock_clients = 2;
    let error = s
        .validate()
        .expect_err("recipes do not span eras")
        .to_string();
    assert!(error.contains("workload.recipes"), "{error}");

    let mut s = load_named("backup-restore");
    let mut event = FaultEvent::new(1000, FaultAction::RestoreLeader, 0);
    event.restart_after_ms = Some(Millis::from_ms(50));
    s.faults.schedule = vec![event];
    s.validate()
        .expect("a restore restarts after a given delay");
    s.faults.schedule[0].retain = Some(2);
    let error = s.validate().expect_err("retain is for purges").to_string();
    assert!(error.contains("faults.schedule[0].retain"), "{error}");
}
