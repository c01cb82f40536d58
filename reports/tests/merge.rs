//! Merging sharded runs: the shards of a split merge back into exactly the unsharded
//! summary, and every way parts can fail to fit together is an error naming them.
//!
//! The summaries are synthetic: `run` aggregates a made-up, deterministic per-seed outcome
//! the way `zksim run` aggregates simulations, so any range can be "run" whole or sharded.

use proptest::prelude::*;
use std::ops::Range;
use zksim_reports::{
    junit_xml, merge_junit, merge_labelled_summaries, merge_summaries, shard_range, FailureRecord,
    NondeterminismRecord, ProbeRequirement, RunSummary, ShardInfo, ViolationRecord,
};

/// Crash hits over seeds 0..1000 (`seed % 3` summed), the requirement that only the whole
/// run meets.
const CRASHES_0_1000: u64 = 999;

fn failure(seed: u64) -> FailureRecord {
    FailureRecord {
        seed,
        trace_hash: format!("{seed:016x}"),
        violations: vec![ViolationRecord {
            kind: if seed.is_multiple_of(2) {
                "lost-acked-write"
            } else {
                "stale-read"
            }
            .into(),
            time_ms: seed * 10,
            node: Some((seed % 3) as u32),
            message: format!("seed {seed} <lost> & found"),
        }],
        replay: format!("zksim replay --scenario s.json --seed {seed}"),
        report: Some(format!("out/failures/seed-{seed}")),
    }
}

/// What "running" one seed adds to a summary.
fn absorb(summary: &mut RunSummary, seed: u64) {
    summary.seeds_run += 1;
    summary.events += seed % 97 + 10;
    summary.virtual_ms += seed * 3 % 1000;
    summary.wall_seconds += 0.25; // exact in binary, so sums do not depend on order
    *summary.probes.entry("crash".into()).or_insert(0) += seed % 3;
    if seed.is_multiple_of(5) {
        *summary.probes.entry("partition".into()).or_insert(0) += 1;
    }
    if seed.is_multiple_of(7) {
        *summary.expected.entry("slow-disk".into()).or_insert(0) += 1;
    }
    summary.determinism_checked += 1;
    if seed % 13 == 6 {
        summary.nondeterministic.push(NondeterminismRecord {
            seed,
            first_hash: "aa".into(),
            second_hash: "bb".into(),
            divergence: format!("event {seed}: Tick vs Deliver"),
        });
    }
    if seed % 11 == 4 {
        summary.failed += 1;
        summary.failures.push(failure(seed));
    } else {
        summary.passed += 1;
    }
}

/// A synthetic `zksim run` over `seeds`, shard `shard` of `whole` when given.
fn run(seeds: Range<u64>, shard: Option<(u32, u32, Range<u64>)>, at_least: u64) -> RunSummary {
    let mut summary = RunSummary::empty("s", "s.json", seeds.clone(), Some("skip-fsync"));
    summary.shard = shard.map(|(index, count, whole)| ShardInfo {
        index,
        count,
        seed_start: whole.start,
        seed_end: whole.end,
    });
    for seed in seeds {
        absorb(&mut summary, seed);
    }
    summary.probe_requirements = vec![
        requirement(&summary, "crash", at_least),
        requirement(&summary, "partition", 1),
    ];
    summary.validate().expect("the synthetic run is consistent");
    summary
}

fn requirement(summary: &RunSummary, probe: &str, at_least: u64) -> ProbeRequirement {
    ProbeRequirement {
        probe: probe.into(),
        at_least,
        hit: summary.probes.get(probe).copied().unwrap_or(0),
    }
}

fn shards(whole: Range<u64>, count: u32, at_least: u64) -> Vec<RunSummary> {
    (1..=count)
        .map(|index| {
            let block = shard_range(whole.clone(), index, count);
            run(block, Some((index, count, whole.clone())), at_least)
        })
        .collect()
}

fn err_of<T: std::fmt::Debug>(result: Result<T, String>) -> String {
    result.expect_err("the merge must refuse")
}

fn assert_mentions(error: &str, needles: &[&str]) {
    for needle in needles {
        assert!(error.contains(needle), "`{needle}` not in: {error}");
    }
}

proptest! {
    #[test]
    fn merged_shards_equal_the_unsharded_run(
        start in 0u64..1_000_000,
        len in 0u64..600,
        count in 1u32..12,
        rotate in 0usize..12,
    ) {
        let whole = start..start + len;
        let mut parts = shards(whole.clone(), count, 7);
        let by = rotate % parts.len();
        parts.rotate_left(by); // the order of the inputs does not matter
        let merged = merge_summaries(parts).unwrap();
        prop_assert_eq!(&merged, &run(whole, None, 7));
        prop_assert_eq!(merged.passed + merged.failed, merged.seeds_run);
    }

    #[test]
    fn merged_shard_junit_has_the_unsharded_cases(
        len in 1u64..700,
        count in 1u32..9,
        group_size in 1u64..150,
    ) {
        let whole = 40..40 + len;
        let documents: Vec<String> = shards(whole.clone(), count, 7)
            .iter()
            .map(|part| junit_xml(std::slice::from_ref(part), group_size))
            .collect();
        let merged = merge_junit(&documents).unwrap();
        let expected = junit_xml(&[run(whole, None, 7)], group_size);
        prop_assert_eq!(outline(&merged), outline(&expected));
    }
}

/// Each test case's name, failure text, and whether it failed; plus the root's counts.
fn outline(xml: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).unwrap();
    let root = document.root_element();
    let mut lines = vec![format!(
        "tests={:?} failures={:?}",
        root.attribute("tests"),
        root.attribute("failures")
    )];
    for case in document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
    {
        let failure = case.children().find(|n| n.has_tag_name("failure"));
        lines.push(format!(
            "{:?} failed={} {:?}",
            case.attribute("name"),
            failure.is_some(),
            failure.and_then(|f| f.text())
        ));
    }
    lines
}

#[test]
fn shard_boundaries_on_group_boundaries_give_the_identical_junit_document() {
    let documents: Vec<String> = shards(0..1000, 4, CRASHES_0_1000)
        .iter()
        .rev()
        .map(|part| junit_xml(std::slice::from_ref(part), 50))
        .collect();
    let expected = junit_xml(&[run(0..1000, None, CRASHES_0_1000)], 50);
    assert_eq!(merge_junit(&documents).unwrap(), expected);
}

#[test]
fn coverage_unmet_in_every_shard_can_be_met_by_the_whole_run() {
    let parts = shards(0..1000, 3, CRASHES_0_1000);
    assert!(parts
        .iter()
        .all(|part| part.unmet_requirements().len() == 1));
    let documents: Vec<String> = parts
        .iter()
        .map(|p| junit_xml(std::slice::from_ref(p), 100))
        .collect();
    assert!(documents
        .iter()
        .all(|d| d.contains("probes below their required count: crash")));
    let merged = merge_summaries(parts).unwrap();
    assert!(merged.unmet_requirements().is_empty());
    assert_eq!(merged.probe_requirements[0].hit, CRASHES_0_1000);
    let junit = merge_junit(&documents).unwrap();
    assert!(!junit.contains("probes below"), "{junit}");
    assert!(junit.contains("crash: hit 999, required at least 999 (met)"));
}

#[test]
fn merged_summary_keeps_every_failure_in_seed_order_with_its_report() {
    let merged = merge_summaries(shards(0..100, 3, 0)).unwrap();
    let seeds: Vec<u64> = merged.failures.iter().map(|f| f.seed).collect();
    assert_eq!(seeds, vec![4, 15, 26, 37, 48, 59, 70, 81, 92]);
    assert_eq!(merged.failures[1], failure(15));
    assert_eq!(merged.shard, None);
    assert_eq!((merged.seed_start, merged.seed_end), (0, 100));
    assert_eq!(merged.wall_seconds, 25.0);
    assert!(!merged.verdict_passed());
    let markdown = merged.to_markdown();
    assert!(markdown.contains("report `out/failures/seed-92`"));
    assert!(!markdown.contains("shard"));
}

#[test]
fn adjacent_unsharded_ranges_merge_and_gaps_or_overlaps_do_not() {
    let merged = merge_summaries(vec![run(50..80, None, 0), run(0..50, None, 0)]).unwrap();
    assert_eq!(merged, run(0..80, None, 0));
    let gap = err_of(merge_summaries(vec![
        run(0..50, None, 0),
        run(60..80, None, 0),
    ]));
    assert_mentions(
        &gap,
        &[
            "no part has seeds 50..60",
            "part 1 (seeds 0..50)",
            "part 2 (seeds 60..80)",
        ],
    );
    let labelled = vec![
        ("a/summary.json".to_string(), run(0..50, None, 0)),
        ("b/summary.json".to_string(), run(40..80, None, 0)),
    ];
    let overlap = err_of(merge_labelled_summaries(labelled));
    assert_mentions(
        &overlap,
        &[
            "a/summary.json (seeds 0..50)",
            "b/summary.json (seeds 40..80)",
            "overlap",
        ],
    );
}

#[test]
fn an_incomplete_or_inconsistent_split_is_refused() {
    let mut parts = shards(0..100, 5, 0);
    parts.remove(3);
    parts.remove(1);
    assert_mentions(
        &err_of(merge_summaries(parts)),
        &["missing shard(s) 2/5, 4/5 of seeds 0..100"],
    );

    let mut twice = shards(0..100, 3, 0);
    twice.push(twice[1].clone());
    assert_mentions(
        &err_of(merge_summaries(twice)),
        &["shard 2/3 appears twice", "part 2", "part 4"],
    );

    let mut mixed = shards(0..100, 2, 0);
    mixed.push(shards(0..100, 3, 0).remove(2));
    assert_mentions(
        &err_of(merge_summaries(mixed)),
        &["shard 3/3 of seeds 0..100", "different splits"],
    );

    let halves = vec![run(0..50, Some((1, 2, 0..100)), 0), run(50..100, None, 0)];
    assert_mentions(
        &err_of(merge_summaries(halves)),
        &["is not a shard", "mix of sharded and unsharded"],
    );

    let many = vec![run(0..1, Some((1, 1000, 0..1000)), 0)];
    assert_mentions(
        &err_of(merge_summaries(many)),
        &["2/1000, 3/1000", "and 979 more"],
    );
}

#[test]
fn parts_of_different_runs_are_refused() {
    let mut other_bug = run(50..100, None, 0);
    other_bug.bug = None;
    let error = err_of(merge_summaries(vec![run(0..50, None, 0), other_bug]));
    assert_mentions(
        &error,
        &["part 2 (seeds 50..100) has bug `(none)`", "`skip-fsync`"],
    );

    let mut other_scenario = run(50..100, None, 0);
    other_scenario.scenario = "t".into();
    assert_mentions(
        &err_of(merge_summaries(vec![run(0..50, None, 0), other_scenario])),
        &["scenario `t`"],
    );

    let stricter = run(50..100, None, 9);
    let error = err_of(merge_summaries(vec![run(0..50, None, 0), stricter]));
    assert_mentions(
        &error,
        &["requires crash >= 9, partition >= 1", "crash >= 0"],
    );

    let mut v1 = run(50..100, None, 0);
    v1.probe_requirements.clear();
    assert_mentions(
        &err_of(merge_summaries(vec![run(0..50, None, 0), v1])),
        &["requires no probe"],
    );
}

#[test]
fn inconsistent_or_missing_parts_are_refused_by_name() {
    assert_mentions(&err_of(merge_summaries(Vec::new())), &["nothing to merge"]);
    let mut broken = run(0..50, None, 0);
    broken.passed += 1;
    let labelled = vec![("shard-1.json".to_string(), broken)];
    assert_mentions(
        &err_of(merge_labelled_summaries(labelled)),
        &["shard-1.json: counts disagree"],
    );
    let mut huge = run(50..100, None, 0);
    huge.events = u64::MAX;
    assert_mentions(
        &err_of(merge_summaries(vec![run(0..50, None, 0), huge])),
        &["part 2", "events overflows"],
    );
}

#[test]
fn junit_merge_refuses_overlaps_gaps_and_foreign_documents() {
    let junit = |range: Range<u64>| junit_xml(&[run(range, None, 0)], 100);
    let overlap = err_of(merge_junit(&[junit(0..150), junit(100..200)]));
    assert_mentions(
        &overlap,
        &[
            "JUnit document 1 (seeds 100..150)",
            "JUnit document 2 (seeds 100..200)",
            "overlap in suite `s with bug skip-fsync`",
        ],
    );
    let gap = err_of(merge_junit(&[junit(0..100), junit(150..200)]));
    assert_mentions(&gap, &["no part has seeds 100..150 in suite"]);
    let foreign = err_of(merge_junit(&[
        junit(0..100),
        "<testsuites><testsuite name=\"x\"/></testsuites>".into(),
    ]));
    assert_mentions(
        &foreign,
        &["JUnit document 2: suite `x`: no zksim.scenario property"],
    );
    assert_mentions(&err_of(merge_junit(&[])), &["nothing to merge"]);
    let other_groups = err_of(merge_junit(&[
        junit(0..100),
        junit_xml(&[run(100..200, None, 0)], 10),
    ]));
    assert_mentions(&other_groups, &["in groups of 10", "in groups of 100"]);
}

#[test]
fn junit_suites_of_different_runs_stay_apart() {
    let mut clean = run(0..20, None, 0);
    clean.bug = None;
    let merged = merge_junit(&[
        junit_xml(&[clean.clone()], 10),
        junit_xml(&[run(0..20, None, 0)], 10),
    ])
    .unwrap();
    let document = roxmltree::Document::parse(&merged).unwrap();
    let names: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(names, ["s", "s with bug skip-fsync"]);
    assert_eq!(document.root_element().attribute("tests"), Some("8"));
}
