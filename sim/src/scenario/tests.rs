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
            ViolationKind::CorruptionDetected
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
    assert_eq!(s.workload.mix.total(), 100);
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
        .map(|e| (e.at_ms, e.action))
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
            nodes: 1,
            tick_ms: 7,
            snapshot_every_txns: 2,
            snapshot_chunk_nodes: 100_000,
            log_roll_bytes: 1 << 32,
            snapshot_retain: 100,
        },
        workload: Workload {
            clients: 256,
            ops_per_client: 0,
            think_time_ms: [60_000, 60_000],
            paths: 1,
            value_bytes: [1, 1_048_576],
            session_timeout_ms: 1,
            mix: OpMix {
                exists: 1,
                ..OpMix::ZERO
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
        faults: Faults {
            crash_interval_ms: 1,
            restart_delay_ms: [3_600_000, 3_600_000],
            crash_mid_fsync_probability: 0.5,
            crash_mid_snapshot_probability: 1.0,
            schedule: vec![
                FaultEvent {
                    at_ms: 86_400_000,
                    action: FaultAction::BitRot,
                    node: 0,
                },
                FaultEvent {
                    at_ms: 0,
                    action: FaultAction::Crash,
                    node: 0,
                },
            ],
        },
        duration_ms: 86_400_000,
        heal_ms: 0,
        expect: Expect {
            allow: ViolationKind::ALL.to_vec(),
        },
    };
    s.validate().unwrap();
    let text = s.to_json_pretty();
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\"think_time_ms\": [60000, 60000]"), "{text}");
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
        "more nodes than implemented",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "cluster": {"nodes": 5}}"#,
        "cluster.nodes",
        "ensembles of more than 1 node are not implemented yet",
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
        "schedule event after the fault phase",
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "faults": {"schedule": [{"at_ms": 10, "action": "crash"}, {"at_ms": 1001, "action": "restart"}]}}"#,
        "faults.schedule[1].at_ms",
        "1001 is after the end of the fault phase (duration_ms 1000)",
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
        r#"{"name": "t", "description": "d", "duration_ms": 1000, "workload": {"mix": {"sync": 1}}}"#,
        "workload.mix.sync",
        "unknown field `sync`",
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
        Just(json!("crash")),
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

fn floats(s: &Scenario) -> [f64; 7] {
    let fates = s.disk.crash_sectors;
    [
        fates.kept,
        fates.lost,
        fates.torn,
        s.disk.write_error_probability,
        s.disk.fsync_error_probability,
        s.faults.crash_mid_fsync_probability,
        s.faults.crash_mid_snapshot_probability,
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
        which in 0usize..7,
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
            _ => s.faults.crash_mid_snapshot_probability = x,
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
    let file = std::fs::read_to_string(scenarios_dir().join("single-node-disk-faults.json"));
    assert_eq!(examples[0], file.unwrap());
}
