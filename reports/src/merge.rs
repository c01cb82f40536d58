//! Merging the outputs of runs split across machines (`zksim run --shard K/N`, or plain
//! adjacent seed ranges) back into the one run they are parts of.
//!
//! A merge refuses anything it cannot vouch for: parts of different scenarios or bugs,
//! overlapping seeds, missing shards, gaps, or requirements that differ. Each error names
//! the parts involved, by the label the caller gave them (a file path, typically).

use crate::junit::{self, Determinism, SeedCase, Suite};
use crate::summary::{ProbeRequirement, RunSummary, ShardInfo, SUMMARY_SCHEMA_VERSION};
use std::collections::BTreeMap;
use std::ops::Range;

/// [`merge_labelled_summaries`] with the parts labelled `part 1 (seeds A..B)`, ...
pub fn merge_summaries(parts: Vec<RunSummary>) -> Result<RunSummary, String> {
    let labelled = parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let label = format!(
                "part {} (seeds {}..{})",
                i + 1,
                part.seed_start,
                part.seed_end
            );
            (label, part)
        })
        .collect();
    merge_labelled_summaries(labelled)
}

/// Merges the summaries of the parts of one run into the summary of the whole.
///
/// The result has no shard, the union of the seed ranges, every count, probe and expected
/// finding summed, failures and nondeterministic seeds in seed order, and requirements
/// re-judged against the merged probe counts (a probe may fall short in every shard and
/// still meet its requirement over the run). `wall_seconds` is the sum over the parts:
/// machine time spent, not elapsed time.
pub fn merge_labelled_summaries(parts: Vec<(String, RunSummary)>) -> Result<RunSummary, String> {
    let Some((first_label, first)) = parts.first() else {
        return Err("nothing to merge: no summaries given".to_string());
    };
    for (label, part) in &parts {
        part.validate().map_err(|e| format!("{label}: {e}"))?;
        check_same_run((first_label, first), (label, part))?;
    }
    let mut parts = parts;
    parts.sort_by_key(|(_, part)| (part.seed_start, part.seed_end));
    if parts.iter().any(|(_, part)| part.shard.is_some()) {
        check_shards(&parts)?;
    }
    let ranges: Vec<(&str, Range<u64>)> = parts
        .iter()
        .map(|(label, part)| (label.as_str(), part.seed_range()))
        .collect();
    check_tiling(&ranges, "")?;
    let requirements = same_requirements(
        parts
            .iter()
            .map(|(label, part)| (label.as_str(), part.probe_requirements.as_slice())),
    )?;
    let merged = sum(&parts, requirements)?;
    if let Err(broken) = merged.validate() {
        panic!("merging valid, tiling parts broke an invariant: {broken}");
    }
    Ok(merged)
}

/// Reads one identifying field of a summary, for comparison.
type Field = fn(&RunSummary) -> String;

fn check_same_run(first: (&str, &RunSummary), other: (&str, &RunSummary)) -> Result<(), String> {
    let fields: [(&str, Field); 3] = [
        ("scenario", |s| s.scenario.clone()),
        ("scenario_ref", |s| s.scenario_ref.clone()),
        ("bug", |s| s.bug.clone().unwrap_or_else(|| "(none)".into())),
    ];
    for (field, get) in fields {
        let (expected, found) = (get(first.1), get(other.1));
        if expected != found {
            return Err(format!(
                "{} has {field} `{found}` but {} has `{expected}`: parts of different runs",
                other.0, first.0
            ));
        }
    }
    Ok(())
}

/// Every part is a shard of the same split, each shard appears once and none is missing.
fn check_shards(parts: &[(String, RunSummary)]) -> Result<(), String> {
    let shard_of = |(label, part): &(String, RunSummary)| {
        part.shard.ok_or_else(|| {
            format!(
                "{label} is not a shard, but other parts are: mix of sharded and unsharded runs"
            )
        })
    };
    let reference = shard_of(&parts[0])?;
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    for labelled in parts {
        let shard = shard_of(labelled)?;
        if (shard.count, shard.whole_range()) != (reference.count, reference.whole_range()) {
            return Err(format!(
                "{} is shard {shard} of seeds {:?} but {} is shard {reference} of seeds {:?}: parts of different splits",
                labelled.0,
                shard.whole_range(),
                parts[0].0,
                reference.whole_range()
            ));
        }
        if let Some(other) = seen.insert(shard.index, &labelled.0) {
            return Err(format!(
                "shard {shard} appears twice: {other} and {}",
                labelled.0
            ));
        }
    }
    let missing = missing_shards(&reference, &seen);
    if !missing.is_empty() {
        return Err(format!(
            "missing shard(s) {} of seeds {:?}",
            missing.join(", "),
            reference.whole_range()
        ));
    }
    Ok(())
}

/// The shards of `reference`'s split absent from `seen`, the first 20 of them by name.
fn missing_shards(reference: &ShardInfo, seen: &BTreeMap<u32, &str>) -> Vec<String> {
    const NAMED: usize = 20;
    let total = reference.count as usize - seen.len();
    let mut missing: Vec<String> = (1..=reference.count)
        .filter(|index| !seen.contains_key(index))
        .take(NAMED)
        .map(|index| format!("{index}/{}", reference.count))
        .collect();
    if total > NAMED {
        missing.push(format!("and {} more", total - NAMED));
    }
    missing
}

/// The non-empty ranges, sorted by start, neither overlap nor leave a gap.
fn check_tiling(ranges: &[(&str, Range<u64>)], context: &str) -> Result<(), String> {
    let mut ranges: Vec<&(&str, Range<u64>)> =
        ranges.iter().filter(|(_, r)| !r.is_empty()).collect();
    ranges.sort_by_key(|(_, range)| (range.start, range.end));
    for pair in ranges.windows(2) {
        let ((before, a), (after, b)) = (pair[0], pair[1]);
        if b.start < a.end {
            return Err(format!(
                "{before} (seeds {a:?}) and {after} (seeds {b:?}) overlap{context}"
            ));
        }
        if b.start > a.end {
            return Err(format!(
                "no part has seeds {}..{}{context}: {before} ends at {} and {after} starts at {}",
                a.end, b.start, a.end, b.start
            ));
        }
    }
    Ok(())
}

/// The requirements every part shares (same probes, same thresholds), hits zeroed.
fn same_requirements<'a>(
    mut parts: impl Iterator<Item = (&'a str, &'a [ProbeRequirement])>,
) -> Result<Vec<ProbeRequirement>, String> {
    let Some((first_label, first)) = parts.next() else {
        return Ok(Vec::new());
    };
    let describe = |requirements: &[ProbeRequirement]| -> BTreeMap<String, u64> {
        requirements
            .iter()
            .map(|r| (r.probe.clone(), r.at_least))
            .collect()
    };
    let expected = describe(first);
    for (label, requirements) in parts {
        let found = describe(requirements);
        if found != expected {
            return Err(format!(
                "{label} requires {} but {first_label} requires {}: different coverage requirements",
                list_requirements(&found),
                list_requirements(&expected)
            ));
        }
    }
    Ok(first
        .iter()
        .map(|r| ProbeRequirement {
            hit: 0,
            ..r.clone()
        })
        .collect())
}

fn list_requirements(requirements: &BTreeMap<String, u64>) -> String {
    if requirements.is_empty() {
        return "no probe".to_string();
    }
    let listed: Vec<String> = requirements
        .iter()
        .map(|(probe, at_least)| format!("{probe} >= {at_least}"))
        .collect();
    listed.join(", ")
}

/// Adds up the parts, which have been checked to tile one range.
fn sum(
    parts: &[(String, RunSummary)],
    requirements: Vec<ProbeRequirement>,
) -> Result<RunSummary, String> {
    let first = &parts[0].1;
    let range = merged_range(parts);
    let mut merged = RunSummary::empty(
        &first.scenario,
        &first.scenario_ref,
        range,
        first.bug.as_deref(),
    );
    for (label, part) in parts {
        add_counts(&mut merged, part)
            .map_err(|what| format!("{label}: {what} overflows when summed"))?;
        merged.wall_seconds += part.wall_seconds;
        merged.failures.extend(part.failures.iter().cloned());
        merged
            .nondeterministic
            .extend(part.nondeterministic.iter().cloned());
    }
    merged.failures.sort_by_key(|failure| failure.seed);
    merged.nondeterministic.sort_by_key(|record| record.seed);
    merged.probe_requirements = requirements
        .into_iter()
        .map(|r| ProbeRequirement {
            hit: merged.probes.get(&r.probe).copied().unwrap_or(0),
            ..r
        })
        .collect();
    assert_eq!(merged.schema_version, SUMMARY_SCHEMA_VERSION);
    assert_eq!(merged.passed + merged.failed, merged.seeds_run);
    Ok(merged)
}

/// The whole range of a split, or the union of tiling ranges.
fn merged_range(parts: &[(String, RunSummary)]) -> Range<u64> {
    if let Some(shard) = parts[0].1.shard {
        return shard.whole_range();
    }
    let mut non_empty = parts
        .iter()
        .map(|(_, part)| part.seed_range())
        .filter(|r| !r.is_empty());
    match non_empty.next() {
        Some(first) => {
            let end = non_empty
                .map(|r| r.end)
                .max()
                .unwrap_or(first.end)
                .max(first.end);
            first.start..end
        }
        None => parts[0].1.seed_start..parts[0].1.seed_start,
    }
}

/// Adds `part`'s counters into `merged`; on overflow, names the counter.
fn add_counts(merged: &mut RunSummary, part: &RunSummary) -> Result<(), String> {
    let add = |total: &mut u64, amount: u64, what: &str| {
        *total = total.checked_add(amount).ok_or_else(|| what.to_string())?;
        Ok::<(), String>(())
    };
    add(&mut merged.seeds_run, part.seeds_run, "seeds_run")?;
    add(&mut merged.passed, part.passed, "passed")?;
    add(&mut merged.failed, part.failed, "failed")?;
    add(&mut merged.events, part.events, "events")?;
    add(&mut merged.virtual_ms, part.virtual_ms, "virtual_ms")?;
    add(
        &mut merged.determinism_checked,
        part.determinism_checked,
        "determinism_checked",
    )?;
    for (probe, count) in &part.probes {
        add(
            merged.probes.entry(probe.clone()).or_insert(0),
            *count,
            probe,
        )?;
    }
    for (kind, count) in &part.expected {
        add(
            merged.expected.entry(kind.clone()).or_insert(0),
            *count,
            kind,
        )?;
    }
    Ok(())
}

/// [`merge_labelled_junit`] with the documents labelled `JUnit document 1`, ...
pub fn merge_junit(documents: &[String]) -> Result<String, String> {
    let labelled: Vec<(String, String)> = documents
        .iter()
        .enumerate()
        .map(|(i, document)| (format!("JUnit document {}", i + 1), document.clone()))
        .collect();
    merge_labelled_junit(&labelled)
}

/// Combines JUnit documents written by [`crate::junit::junit_xml`] for parts of runs:
/// suites of the same name are merged, their seed cases sorted by seed range (and the
/// pieces of one seed group that a shard boundary cut in two joined again), the coverage
/// and determinism cases recomputed for the whole run, and every count recomputed.
pub fn merge_labelled_junit(documents: &[(String, String)]) -> Result<String, String> {
    if documents.is_empty() {
        return Err("nothing to merge: no JUnit documents given".to_string());
    }
    let mut by_name: BTreeMap<String, Vec<(&str, Suite)>> = BTreeMap::new();
    for (label, document) in documents {
        for suite in junit::parse(document).map_err(|e| format!("{label}: {e}"))? {
            by_name
                .entry(suite.name.clone())
                .or_default()
                .push((label, suite));
        }
    }
    let suites = by_name
        .into_values()
        .map(merge_suites)
        .collect::<Result<Vec<Suite>, String>>()?;
    Ok(junit::render(&suites))
}

fn merge_suites(parts: Vec<(&str, Suite)>) -> Result<Suite, String> {
    let (first_label, first) = (parts[0].0, &parts[0].1);
    let context = format!(" in suite `{}`", first.name);
    for (label, suite) in &parts {
        if (&suite.scenario, suite.group_size) != (&first.scenario, first.group_size) {
            return Err(format!(
                "{label} has scenario `{}` in groups of {} but {first_label} has `{}` in groups of {}{context}",
                suite.scenario, suite.group_size, first.scenario, first.group_size
            ));
        }
    }
    let ranges: Vec<(&str, Range<u64>)> = parts
        .iter()
        .flat_map(|(label, suite)| {
            suite
                .seed_cases
                .iter()
                .map(|case| (*label, case.seeds.clone()))
        })
        .collect();
    check_tiling(&ranges, &context)?;
    let requirements = same_requirements(
        parts
            .iter()
            .map(|(label, suite)| (*label, suite.requirements.as_slice())),
    )
    .map_err(|e| format!("{e}{context}"))?;
    Ok(Suite {
        name: first.name.clone(),
        scenario: first.scenario.clone(),
        group_size: first.group_size,
        seed_cases: join_groups(&parts, first.group_size),
        requirements: sum_hits(&parts, requirements),
        determinism: merge_determinism(&parts),
    })
}

/// All seed cases in seed order, the adjacent pieces of one aligned group joined.
fn join_groups(parts: &[(&str, Suite)], group_size: u64) -> Vec<SeedCase> {
    let mut cases: Vec<SeedCase> = parts
        .iter()
        .flat_map(|(_, suite)| suite.seed_cases.iter().cloned())
        .collect();
    cases.sort_by_key(|case| case.seeds.start);
    let mut joined: Vec<SeedCase> = Vec::with_capacity(cases.len());
    for case in cases {
        match joined.last_mut() {
            Some(last)
                if last.seeds.end == case.seeds.start
                    && last.seeds.start / group_size == case.seeds.start / group_size =>
            {
                last.seeds.end = case.seeds.end;
                last.time += case.time;
                last.failure = join_failures(last.failure.take(), case.failure);
            }
            _ => joined.push(case),
        }
    }
    joined
}

fn join_failures(a: Option<junit::Failure>, b: Option<junit::Failure>) -> Option<junit::Failure> {
    match (a, b) {
        (Some(a), Some(b)) => Some(junit::Failure {
            message: format!("{}; {}", a.message, b.message),
            text: a.text + &b.text,
        }),
        (a, b) => a.or(b),
    }
}

fn sum_hits(parts: &[(&str, Suite)], requirements: Vec<ProbeRequirement>) -> Vec<ProbeRequirement> {
    let hit = |probe: &str| -> u64 {
        parts
            .iter()
            .flat_map(|(_, suite)| suite.requirements.iter())
            .filter(|r| r.probe == probe)
            .fold(0u64, |total, r| total.saturating_add(r.hit))
    };
    requirements
        .into_iter()
        .map(|r| ProbeRequirement {
            hit: hit(&r.probe),
            ..r
        })
        .collect()
}

fn merge_determinism(parts: &[(&str, Suite)]) -> Determinism {
    let mut pieces: Vec<&Determinism> = parts.iter().map(|(_, suite)| &suite.determinism).collect();
    // Parts cover disjoint seeds, so ordering them by first seed puts every seed in order.
    pieces.sort_by_key(|piece| piece.seeds.first().copied());
    let mut merged = Determinism::default();
    for piece in pieces {
        merged.checked = merged.checked.saturating_add(piece.checked);
        merged.seeds.extend(&piece.seeds);
        merged.text.push_str(&piece.text);
    }
    merged
}
