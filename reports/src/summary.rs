//! The run summary: what `zksim run` found over a range of seeds, as JSON
//! (versioned schema) and as Markdown for CI pages.
//!
//! Schema history:
//! - v1: counts, probes, expected findings, failing seeds.
//! - v2: `shard` (which block of a sharded run this is), `probe_requirements`
//!   (coverage the scenario demands), `nondeterministic` and `determinism_checked`
//!   (`--check-determinism`), and `FailureRecord::report` (the failure's report folder).
//!   Every v2 field has a serde default, so v1 files still load; their
//!   `schema_version` stays 1 so readers can tell the fields were absent, not empty.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::ops::Range;

/// Bumped on any incompatible change to the JSON layout.
pub const SUMMARY_SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The schema the summary was written with (v1 files keep 1 when loaded).
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// How the scenario was named on the command line (a path or a built-in name).
    pub scenario_ref: String,
    pub seed_start: u64,
    /// Exclusive.
    pub seed_end: u64,
    pub bug: Option<String>,
    /// When this run is one shard of a larger range: which one. `seed_start..seed_end`
    /// is then this shard's block, `shard.seed_start..shard.seed_end` the whole range.
    #[serde(default)]
    pub shard: Option<ShardInfo>,
    pub seeds_run: u64,
    pub passed: u64,
    pub failed: u64,
    /// Wall time of the run. For a merged summary, the sum over its parts: machine
    /// time spent, not elapsed time (the parts may have run in parallel).
    pub wall_seconds: f64,
    pub events: u64,
    pub virtual_ms: u64,
    /// Coverage counters summed over seeds.
    pub probes: BTreeMap<String, u64>,
    /// Beyond-model findings the scenario expects, counted by kind.
    pub expected: BTreeMap<String, u64>,
    /// Failing seeds, ascending.
    pub failures: Vec<FailureRecord>,
    /// Coverage the scenario requires over the whole run, with what the run reached.
    #[serde(default)]
    pub probe_requirements: Vec<ProbeRequirement>,
    /// Seeds whose two runs diverged (`zksim run --check-determinism`), ascending.
    #[serde(default)]
    pub nondeterministic: Vec<NondeterminismRecord>,
    /// How many seeds were run twice to check determinism (0: not checked).
    #[serde(default)]
    pub determinism_checked: u64,
}

/// Shard K of N of the seed range `seed_start..seed_end` (see [`shard_range`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// 1-based: K in `--shard K/N`.
    pub index: u32,
    /// N in `--shard K/N`.
    pub count: u32,
    /// The whole, unsharded range: start.
    pub seed_start: u64,
    /// The whole, unsharded range: end (exclusive).
    pub seed_end: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    pub seed: u64,
    pub trace_hash: String,
    pub violations: Vec<ViolationRecord>,
    /// The command that reproduces this failure exactly.
    pub replay: String,
    /// The folder the failure's report was written to, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    pub kind: String,
    pub time_ms: u64,
    pub node: Option<u32>,
    pub message: String,
}

/// A scenario's demand that a coverage probe fire at least `at_least` times over the run:
/// a run that never reaches the interesting states proves little, however green.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRequirement {
    pub probe: String,
    pub at_least: u64,
    /// The probe's count summed over every seed of the run.
    pub hit: u64,
}

/// One seed that ran twice and produced different traces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NondeterminismRecord {
    pub seed: u64,
    pub first_hash: String,
    pub second_hash: String,
    /// The first diverging event, human-readable.
    pub divergence: String,
}

impl ShardInfo {
    pub fn whole_range(&self) -> Range<u64> {
        self.seed_start..self.seed_end
    }

    /// This shard's own block of the whole range.
    pub fn block(&self) -> Range<u64> {
        shard_range(self.whole_range(), self.index, self.count)
    }
}

impl std::fmt::Display for ShardInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Shard `index` of `count` (1-based) takes the `index`-th of `count` contiguous blocks of
/// `range`, in order. Block sizes differ by at most one: the first `len % count` blocks
/// are one seed longer. With more shards than seeds, the last blocks are empty.
///
/// The blocks partition `range` exactly, so N machines running `--shard 1/N` .. `N/N`
/// run every seed once and their summaries merge back into the unsharded one.
///
/// Panics unless `1 <= index <= count` (parse user input with [`parse_shard`]).
pub fn shard_range(range: Range<u64>, index: u32, count: u32) -> Range<u64> {
    assert!(
        count >= 1 && (1..=count).contains(&index),
        "shard {index}/{count} does not exist"
    );
    let len = range.end.saturating_sub(range.start);
    let (count, before) = (u64::from(count), u64::from(index - 1));
    let (base, longer) = (len / count, len % count);
    // `before * base + min(before, longer)` <= len, so nothing overflows.
    let start = range.start + before * base + before.min(longer);
    let size = base + u64::from(before < longer);
    start..start + size
}

/// Parses `K/N` (shard K of N, 1-based) with errors that say how to write it.
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let Some((index, count)) = text.trim().split_once('/') else {
        return Err(format!(
            "`{text}` is not a shard: write K/N, e.g. 2/4 for the second of four"
        ));
    };
    let number = |part: &str| {
        part.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{part}` in `{text}` is not a shard number: write K/N"))
    };
    let (index, count) = (number(index)?, number(count)?);
    if count == 0 {
        return Err(format!("`{text}`: the shard count N must be at least 1"));
    }
    if index == 0 || index > count {
        return Err(format!(
            "`{text}`: shards are numbered 1/{count} .. {count}/{count}"
        ));
    }
    Ok((index, count))
}

impl ProbeRequirement {
    pub fn met(&self) -> bool {
        self.hit >= self.at_least
    }
}

impl RunSummary {
    /// A summary of nothing yet, for `seeds` of a scenario, in the current schema.
    pub fn empty(scenario: &str, scenario_ref: &str, seeds: Range<u64>, bug: Option<&str>) -> Self {
        RunSummary {
            schema_version: SUMMARY_SCHEMA_VERSION,
            scenario: scenario.to_string(),
            scenario_ref: scenario_ref.to_string(),
            seed_start: seeds.start,
            seed_end: seeds.end,
            bug: bug.map(str::to_string),
            shard: None,
            seeds_run: 0,
            passed: 0,
            failed: 0,
            wall_seconds: 0.0,
            events: 0,
            virtual_ms: 0,
            probes: BTreeMap::new(),
            expected: BTreeMap::new(),
            failures: Vec::new(),
            probe_requirements: Vec::new(),
            nondeterministic: Vec::new(),
            determinism_checked: 0,
        }
    }

    /// Reads a summary written by any zksim that shares this schema lineage, checking the
    /// version first (so a newer file says so instead of failing on some field) and the
    /// internal consistency after (so a hand-edited or truncated file is caught here).
    pub fn from_json(text: &str) -> Result<RunSummary, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let Some(version) = value.get("schema_version") else {
            return Err("no `schema_version`: not a zksim run summary".to_string());
        };
        match version.as_u64() {
            Some(v) if (1..=u64::from(SUMMARY_SCHEMA_VERSION)).contains(&v) => {}
            Some(v) if v > u64::from(SUMMARY_SCHEMA_VERSION) => {
                return Err(format!(
                    "summary schema version {v} is newer than this zksim reads \
                     ({SUMMARY_SCHEMA_VERSION}); use a newer zksim"
                ))
            }
            _ => return Err(format!("`schema_version` {version} is not a known version")),
        }
        let summary: RunSummary =
            serde_json::from_value(value).map_err(|e| format!("not a zksim run summary: {e}"))?;
        summary.validate()?;
        Ok(summary)
    }

    pub fn seed_range(&self) -> Range<u64> {
        self.seed_start..self.seed_end
    }

    pub fn seeds_per_second(&self) -> f64 {
        rate(self.seeds_run as f64, self.wall_seconds)
    }

    pub fn events_per_second(&self) -> f64 {
        rate(self.events as f64, self.wall_seconds)
    }

    /// Virtual time simulated per wall-clock time.
    pub fn time_ratio(&self) -> f64 {
        rate(self.virtual_ms as f64 / 1000.0, self.wall_seconds)
    }

    /// The coverage requirements the run did not reach.
    pub fn unmet_requirements(&self) -> Vec<&ProbeRequirement> {
        self.probe_requirements
            .iter()
            .filter(|requirement| !requirement.met())
            .collect()
    }

    /// The run's verdict: no seed failed, no seed was nondeterministic and every
    /// coverage requirement was met.
    pub fn verdict_passed(&self) -> bool {
        self.failed == 0 && self.nondeterministic.is_empty() && self.unmet_requirements().is_empty()
    }

    /// Why the verdict is FAIL, one short phrase per reason; empty when it passed.
    pub fn verdict_reasons(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        if self.failed > 0 {
            reasons.push(format!("{} seed(s) failed", self.failed));
        }
        if !self.nondeterministic.is_empty() {
            reasons.push(format!(
                "{} seed(s) nondeterministic",
                self.nondeterministic.len()
            ));
        }
        for requirement in self.unmet_requirements() {
            reasons.push(format!(
                "probe {} hit {} < {} required",
                requirement.probe, requirement.hit, requirement.at_least
            ));
        }
        reasons
    }

    /// Checks what every summary zksim writes satisfies, so that a corrupted or
    /// hand-edited file is rejected with a reason instead of producing a wrong merge.
    pub fn validate(&self) -> Result<(), String> {
        if self.seed_start > self.seed_end {
            return Err(format!(
                "seed range {}..{} is reversed",
                self.seed_start, self.seed_end
            ));
        }
        self.validate_counts()?;
        validate_ascending_in(
            self.failures.iter().map(|failure| failure.seed),
            self.seed_range(),
            "failures",
        )?;
        validate_ascending_in(
            self.nondeterministic.iter().map(|record| record.seed),
            self.seed_range(),
            "nondeterministic",
        )?;
        self.validate_shard()?;
        self.validate_requirements()
    }

    fn validate_counts(&self) -> Result<(), String> {
        let len = self.seed_end - self.seed_start;
        if self.passed.checked_add(self.failed) != Some(self.seeds_run) || self.seeds_run > len {
            return Err(format!(
                "counts disagree: {} passed + {} failed != {} run, or more than the {len} seeds of {}..{}",
                self.passed, self.failed, self.seeds_run, self.seed_start, self.seed_end
            ));
        }
        if self.failures.len() as u64 != self.failed {
            return Err(format!(
                "{} failed seeds counted but {} failure records",
                self.failed,
                self.failures.len()
            ));
        }
        if self.nondeterministic.len() as u64 > self.determinism_checked {
            return Err(format!(
                "{} nondeterministic seeds but only {} checked",
                self.nondeterministic.len(),
                self.determinism_checked
            ));
        }
        if !(self.wall_seconds.is_finite() && self.wall_seconds >= 0.0) {
            return Err(format!(
                "wall_seconds {} is not a duration",
                self.wall_seconds
            ));
        }
        Ok(())
    }

    fn validate_shard(&self) -> Result<(), String> {
        let Some(shard) = self.shard else {
            return Ok(());
        };
        if shard.count == 0 || shard.index == 0 || shard.index > shard.count {
            return Err(format!("shard {shard} does not exist"));
        }
        if shard.seed_start > shard.seed_end || shard.block() != self.seed_range() {
            return Err(format!(
                "shard {shard} of seeds {}..{} is seeds {:?}, but the summary covers {}..{}",
                shard.seed_start,
                shard.seed_end,
                shard.block(),
                self.seed_start,
                self.seed_end
            ));
        }
        Ok(())
    }

    fn validate_requirements(&self) -> Result<(), String> {
        for requirement in &self.probe_requirements {
            let counted = self.probes.get(&requirement.probe).copied().unwrap_or(0);
            if requirement.hit != counted {
                return Err(format!(
                    "requirement on probe {} says hit {} but the probe counted {counted}",
                    requirement.probe, requirement.hit
                ));
            }
        }
        Ok(())
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        self.markdown_header(&mut out);
        self.markdown_failures(&mut out);
        self.markdown_requirements(&mut out);
        self.markdown_determinism(&mut out);
        markdown_counts(&mut out, "coverage probe", &self.probes);
        markdown_counts(&mut out, "expected finding", &self.expected);
        out
    }

    fn markdown_header(&self, out: &mut String) {
        let verdict = if self.verdict_passed() {
            "PASS"
        } else {
            "FAIL"
        };
        let _ = writeln!(out, "# zksim run: {} — {verdict}\n", self.scenario);
        let _ = write!(out, "Scenario `{}`", self.scenario_ref);
        if let Some(bug) = &self.bug {
            let _ = write!(out, ", planted bug `{bug}`");
        }
        if let Some(shard) = &self.shard {
            let _ = write!(
                out,
                ", shard {shard} of seeds {}..{}",
                shard.seed_start, shard.seed_end
            );
        }
        let _ = writeln!(out, ".\n");
        for reason in self.verdict_reasons() {
            let _ = writeln!(out, "- **{reason}**");
        }
        let _ = writeln!(
            out,
            "\n| seeds | run | passed | failed | seeds/s | events/s | virtual/wall |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        let _ = writeln!(
            out,
            "| {}..{} | {} | {} | {} | {:.1} | {:.0} | {:.0}x |",
            self.seed_start,
            self.seed_end,
            self.seeds_run,
            self.passed,
            self.failed,
            self.seeds_per_second(),
            self.events_per_second(),
            self.time_ratio()
        );
    }

    fn markdown_failures(&self, out: &mut String) {
        if self.failures.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n## Failing seeds\n");
        for failure in &self.failures {
            let _ = write!(
                out,
                "- seed {} (trace {}): `{}`",
                failure.seed, failure.trace_hash, failure.replay
            );
            match &failure.report {
                Some(report) => {
                    let _ = writeln!(out, ", report `{report}`");
                }
                None => out.push('\n'),
            }
            for violation in &failure.violations {
                let node = violation.node.map(|n| format!(" n{n}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  - [{}] t={}ms{node}: {}",
                    violation.kind,
                    violation.time_ms,
                    markdown_text(&violation.message)
                );
            }
        }
    }

    fn markdown_requirements(&self, out: &mut String) {
        if self.probe_requirements.is_empty() {
            return;
        }
        let unmet = self.unmet_requirements().len();
        let _ = writeln!(
            out,
            "\n## Coverage requirements: {} met, {unmet} unmet\n",
            self.probe_requirements.len() - unmet
        );
        let _ = writeln!(out, "| probe | required | hit | |\n|---|---|---|---|");
        for requirement in &self.probe_requirements {
            let status = if requirement.met() {
                "met"
            } else {
                "**unmet**"
            };
            let _ = writeln!(
                out,
                "| {} | ≥ {} | {} | {status} |",
                requirement.probe, requirement.at_least, requirement.hit
            );
        }
    }

    fn markdown_determinism(&self, out: &mut String) {
        if self.determinism_checked == 0 && self.nondeterministic.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n## Determinism: {} seed(s) run twice, {} diverged\n",
            self.determinism_checked,
            self.nondeterministic.len()
        );
        for record in &self.nondeterministic {
            let _ = writeln!(
                out,
                "- seed {}: trace {} then {}; first divergence: {}",
                record.seed,
                record.first_hash,
                record.second_hash,
                markdown_text(&record.divergence)
            );
        }
    }
}

/// Every seed in `seeds` lies in `range`, strictly ascending (so no seed twice).
fn validate_ascending_in(
    seeds: impl Iterator<Item = u64>,
    range: Range<u64>,
    what: &str,
) -> Result<(), String> {
    let mut previous: Option<u64> = None;
    for seed in seeds {
        if !range.contains(&seed) {
            return Err(format!(
                "{what}: seed {seed} is outside the run's seeds {range:?}"
            ));
        }
        if previous.is_some_and(|previous| previous >= seed) {
            return Err(format!("{what}: seed {seed} is out of order or repeated"));
        }
        previous = Some(seed);
    }
    Ok(())
}

/// Free text (a violation's message, a divergence) as Markdown shows it literally: CI
/// pages render raw `<...>` as HTML, which would swallow `<then>` or a `<Tick>`.
fn markdown_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn markdown_counts(out: &mut String, title: &str, counts: &BTreeMap<String, u64>) {
    if counts.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n| {title} | count |\n|---|---|");
    for (name, count) in counts {
        let _ = writeln!(out, "| {name} | {count} |");
    }
}

fn rate(amount: f64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        amount / seconds
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn failing_summary() -> RunSummary {
        let mut summary = RunSummary::empty("s", "scenarios/s.json", 0..2, None);
        summary.seeds_run = 2;
        summary.passed = 1;
        summary.failed = 1;
        summary.wall_seconds = 0.5;
        summary.events = 100;
        summary.virtual_ms = 4000;
        summary.probes = BTreeMap::from([("crashes".to_string(), 3)]);
        summary.failures = vec![FailureRecord {
            seed: 1,
            trace_hash: "00ff".into(),
            violations: vec![ViolationRecord {
                kind: "lost-acked-write".into(),
                time_ms: 7,
                node: Some(0),
                message: "lost".into(),
            }],
            replay: "zksim replay --scenario s --seed 1".into(),
            report: Some("reports/seed-1".into()),
        }];
        summary.probe_requirements = vec![ProbeRequirement {
            probe: "crashes".into(),
            at_least: 5,
            hit: 3,
        }];
        summary.determinism_checked = 2;
        summary.nondeterministic = vec![NondeterminismRecord {
            seed: 0,
            first_hash: "aa".into(),
            second_hash: "bb".into(),
            divergence: "event 12: <Tick> vs Deliver".into(),
        }];
        summary.shard = Some(ShardInfo {
            index: 1,
            count: 2,
            seed_start: 0,
            seed_end: 3,
        });
        summary
    }

    #[test]
    fn summary_round_trips_through_json_and_renders() {
        let summary = failing_summary();
        summary.validate().unwrap();
        let json = serde_json::to_string(&summary).unwrap();
        assert_eq!(RunSummary::from_json(&json).unwrap(), summary);
        let markdown = summary.to_markdown();
        for needle in [
            "FAIL",
            "zksim replay --scenario s --seed 1",
            "report `reports/seed-1`",
            "shard 1/2 of seeds 0..3",
            "Coverage requirements: 0 met, 1 unmet",
            "| crashes | ≥ 5 | 3 | **unmet** |",
            "2 seed(s) run twice, 1 diverged",
            "event 12: &lt;Tick&gt; vs Deliver",
        ] {
            assert!(
                markdown.contains(needle),
                "missing {needle:?} in\n{markdown}"
            );
        }
        assert_eq!(summary.seeds_per_second(), 4.0);
        assert_eq!(summary.time_ratio(), 8.0);
    }

    #[test]
    fn verdict_needs_no_failure_no_divergence_and_every_requirement() {
        let mut summary = failing_summary();
        assert!(!summary.verdict_passed());
        assert_eq!(summary.verdict_reasons().len(), 3);
        summary.failed = 0;
        summary.passed = 2;
        summary.failures.clear();
        summary.nondeterministic.clear();
        assert_eq!(summary.unmet_requirements().len(), 1);
        assert!(!summary.verdict_passed());
        summary.probe_requirements[0].at_least = 3;
        assert!(summary.verdict_passed());
        assert!(summary.verdict_reasons().is_empty());
        assert!(summary.to_markdown().contains("— PASS"));
    }

    #[test]
    fn a_v1_file_loads_with_empty_v2_fields_and_keeps_its_version() {
        let v1 = r#"{"schema_version":1,"scenario":"s","scenario_ref":"s","seed_start":0,
            "seed_end":1,"bug":null,"seeds_run":1,"passed":1,"failed":0,"wall_seconds":0.1,
            "events":5,"virtual_ms":9,"probes":{},"expected":{},"failures":[]}"#;
        let summary = RunSummary::from_json(v1).unwrap();
        assert_eq!(summary.schema_version, 1);
        assert_eq!(summary.shard, None);
        assert!(summary.probe_requirements.is_empty() && summary.determinism_checked == 0);
        assert!(summary.verdict_passed());
    }

    #[test]
    fn bad_files_are_errors_that_say_why() {
        let cases = [
            ("{", "not valid JSON"),
            ("{}", "no `schema_version`"),
            (r#"{"schema_version":99}"#, "newer than this zksim reads"),
            (r#"{"schema_version":"x"}"#, "not a known version"),
            (r#"{"schema_version":2}"#, "missing field"),
        ];
        for (text, expected) in cases {
            let error = RunSummary::from_json(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
        let mut summary = failing_summary();
        summary.passed = 5;
        let json = serde_json::to_string(&summary).unwrap();
        assert!(RunSummary::from_json(&json)
            .unwrap_err()
            .contains("counts disagree"));
    }

    #[test]
    fn validate_catches_inconsistent_shards_requirements_and_seeds() {
        let mut wrong_block = failing_summary();
        wrong_block.shard.as_mut().unwrap().index = 2;
        assert!(wrong_block.validate().unwrap_err().contains("shard 2/2"));
        let mut wrong_hit = failing_summary();
        wrong_hit.probe_requirements[0].hit = 4;
        assert!(wrong_hit.validate().unwrap_err().contains("probe crashes"));
        let mut outside = failing_summary();
        outside.failures[0].seed = 7;
        assert!(outside.validate().unwrap_err().contains("outside"));
    }

    #[test]
    fn parse_shard_accepts_k_of_n_and_explains_the_rest() {
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        assert_eq!(parse_shard(" 1 / 1 "), Ok((1, 1)));
        let cases = [
            ("0/4", "numbered 1/4 .. 4/4"),
            ("5/4", "numbered 1/4 .. 4/4"),
            ("1/0", "at least 1"),
            ("x/4", "`x` in `x/4` is not a shard number"),
            ("3", "write K/N"),
            ("-1/4", "not a shard number"),
        ];
        for (text, expected) in cases {
            let error = parse_shard(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn shard_range_examples() {
        let blocks: Vec<_> = (1..=3).map(|k| shard_range(10..20, k, 3)).collect();
        assert_eq!(blocks, vec![10..14, 14..17, 17..20]);
        assert_eq!(shard_range(0..2, 3, 4), 2..2);
        assert_eq!(shard_range(5..5, 1, 1), 5..5);
        assert_eq!(shard_range(0..u64::MAX, 2, 2), (u64::MAX / 2 + 1)..u64::MAX);
    }

    proptest! {
        #[test]
        fn shard_blocks_partition_the_range_in_order(
            start in 0u64..u64::MAX / 2,
            len in 0u64..10_000,
            count in 1u32..64,
        ) {
            let range = start..start + len;
            let mut next = range.start;
            let mut sizes = Vec::new();
            for index in 1..=count {
                let block = shard_range(range.clone(), index, count);
                prop_assert_eq!(block.start, next);
                prop_assert!(block.start <= block.end);
                sizes.push(block.end - block.start);
                next = block.end;
            }
            prop_assert_eq!(next, range.end);
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            prop_assert!(max - min <= 1);
            // The longer blocks come first.
            prop_assert!(sizes.windows(2).all(|pair| pair[0] >= pair[1]));
        }
    }
}
