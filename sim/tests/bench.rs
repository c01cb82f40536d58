//! `zksim bench --quick --json`: every part runs and the JSON has every field. No timing is
//! asserted: the machine decides the figures.

use serde_json::Value;
use std::process::Command;

fn field<'a>(json: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(json, |value, name| {
        value
            .get(name)
            .unwrap_or_else(|| panic!("the bench JSON has no field {path} (at {name})"))
    })
}

fn number(json: &Value, path: &str) -> f64 {
    field(json, path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number"))
}

#[test]
fn quick_bench_writes_every_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_zksim"))
        .args(["bench", "--quick", "--quiet", "--jobs", "2", "--json"])
        .arg(&path)
        .output()
        .expect("zksim runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("events/s, one core"), "{stdout}");
    assert!(stdout.contains("wall per committed write"), "{stdout}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("JSON");
    assert_eq!(field(&json, "schema_version"), 1);
    assert_eq!(field(&json, "quick"), true);
    assert!(number(&json, "machine.cores") >= 1.0);
    for path in [
        "single_core.events",
        "single_core.events_per_second",
        "single_core.virtual_to_wall",
        "writes.committed_writes",
        "writes.writes_per_second",
        "writes.wall_us_per_write",
        "parallel.seeds_per_second",
        "parallel.events_per_second",
    ] {
        assert!(number(&json, path) > 0.0, "{path} is positive");
    }
    assert_eq!(field(&json, "writes.replicas"), 5);
    assert_eq!(field(&json, "parallel.jobs"), 2);
    let single = field(&json, "single_core");
    assert_eq!(single["passed"], 2, "the quick run's seeds pass");
    let histories = field(&json, "checker.histories")
        .as_array()
        .expect("an array");
    assert!(!histories.is_empty());
    for history in histories {
        assert_eq!(history["verdict"], "linearizable", "{history}");
        assert!(history["history_ops"].as_u64().expect("a count") >= 1_000);
        assert!(history["search_ms"].is_number());
    }
    let corpus = field(&json, "checker.corpus");
    if corpus["present"] == true {
        assert_eq!(corpus["histories"], corpus["as_expected"], "{corpus}");
    }
    let peak = field(&json, "peak_memory_bytes");
    assert!(peak.is_null() || peak.as_u64().is_some_and(|bytes| bytes > 0));
}
