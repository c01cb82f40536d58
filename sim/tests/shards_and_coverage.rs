//! Sharded runs merge to the unsharded run's totals, and a scenario's
//! required coverage probes decide the verdict.

use crate::common::{stdout, zksim};
use zksim_reports::RunSummary;

fn summary(path: &std::path::Path) -> RunSummary {
    RunSummary::from_json(&std::fs::read_to_string(path).expect("summary")).expect("valid")
}

#[test]
fn two_shards_merged_give_the_totals_of_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let common = ["run", "leader-failover", "--seeds", "0..24", "--quiet"];
    let whole = zksim(&[&common[..], &["--out", &path("whole")]].concat());
    assert_eq!(whole.status.code(), Some(0), "{}", stdout(&whole));
    for shard in ["1/2", "2/2"] {
        let out = path(&format!("shard-{}", &shard[..1]));
        let run = zksim(&[&common[..], &["--shard", shard, "--out", &out]].concat());
        assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    }
    let merge = zksim(&[
        "merge",
        &path("shard-1"),
        &path("shard-2"),
        "--out",
        &path("merged"),
    ]);
    assert_eq!(merge.status.code(), Some(0), "{}", stdout(&merge));

    let whole = summary(&dir.path().join("whole/summary.json"));
    let first = summary(&dir.path().join("shard-1/summary.json"));
    let merged = summary(&dir.path().join("merged/summary.json"));
    assert_eq!(first.seeds_run, 12, "a shard runs its half");
    assert_eq!((merged.seed_start, merged.seed_end), (0, 24));
    assert_eq!(merged.seeds_run, whole.seeds_run);
    assert_eq!(merged.passed, whole.passed);
    assert_eq!(merged.failed, whole.failed);
    assert_eq!(merged.events, whole.events);
    assert_eq!(merged.virtual_ms, whole.virtual_ms);
    assert_eq!(merged.probes, whole.probes);
    assert_eq!(merged.expected, whole.expected);
    assert_eq!(merged.failures, whole.failures);
    let junit = std::fs::read_to_string(dir.path().join("merged/junit.xml")).expect("junit");
    assert!(
        junit.contains("seeds 0..24") || junit.contains("seeds 0..100"),
        "{junit}"
    );
}

fn scenario_requiring(dir: &std::path::Path, probe: &str, at_least: u64) -> String {
    let text = zksim::builtin::resolve("single-node-crash")
        .expect("built in")
        .to_json_pretty();
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("json");
    json["name"] = "requires".into();
    json["expect"]["probes"] = serde_json::json!({ probe: at_least });
    let path = dir.join(format!("{probe}-{at_least}.json"));
    std::fs::write(&path, json.to_string()).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn required_probes_pass_when_hit_and_fail_the_run_when_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let met = scenario_requiring(dir.path(), "crashes", 1);
    let run = zksim(&["run", &met, "--seeds", "0..2", "--quiet", "--no-out"]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    assert!(
        stdout(&run).contains("required: crashes >= 1"),
        "{}",
        stdout(&run)
    );

    let unmet = scenario_requiring(dir.path(), "syncs-snap", 1);
    let out = dir.path().join("out");
    let run = zksim(&[
        "run",
        &unmet,
        "--seeds",
        "0..2",
        "--quiet",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    assert!(
        stdout(&run).contains("syncs-snap >= 1: hit 0 (NOT MET)"),
        "{}",
        stdout(&run)
    );
    let summary = summary(&out.join("summary.json"));
    assert_eq!(summary.failed, 0, "every seed passed; the coverage did not");
    assert!(!summary.verdict_passed());
    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit");
    assert!(junit.contains("syncs-snap"), "{junit}");
}
