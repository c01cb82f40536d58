//! The run summary: what `zksim run` found over a range of seeds, as JSON
//! (versioned schema) and as Markdown for CI pages.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Bumped on any incompatible change to the JSON layout.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// How the scenario was named on the command line (a path or a built-in name).
    pub scenario_ref: String,
    pub seed_start: u64,
    /// Exclusive.
    pub seed_end: u64,
    pub bug: Option<String>,
    pub seeds_run: u64,
    pub passed: u64,
    pub failed: u64,
    pub wall_seconds: f64,
    pub events: u64,
    pub virtual_ms: u64,
    /// Coverage counters summed over seeds.
    pub probes: BTreeMap<String, u64>,
    /// Beyond-model findings the scenario expects, counted by kind.
    pub expected: BTreeMap<String, u64>,
    /// Failing seeds, ascending.
    pub failures: Vec<FailureRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    pub seed: u64,
    pub trace_hash: String,
    pub violations: Vec<ViolationRecord>,
    /// The command that reproduces this failure exactly.
    pub replay: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    pub kind: String,
    pub time_ms: u64,
    pub node: Option<u32>,
    pub message: String,
}

impl RunSummary {
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

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let verdict = if self.failed == 0 { "PASS" } else { "FAIL" };
        let _ = writeln!(out, "# zksim run: {} — {verdict}\n", self.scenario);
        let _ = writeln!(
            out,
            "| seeds | passed | failed | seeds/s | events/s | virtual/wall |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        let _ = writeln!(
            out,
            "| {}..{} | {} | {} | {:.1} | {:.0} | {:.0}x |\n",
            self.seed_start,
            self.seed_end,
            self.passed,
            self.failed,
            self.seeds_per_second(),
            self.events_per_second(),
            self.time_ratio()
        );
        for failure in &self.failures {
            let _ = writeln!(
                out,
                "- seed {} (trace {}): `{}`",
                failure.seed, failure.trace_hash, failure.replay
            );
            for violation in &failure.violations {
                let _ = writeln!(
                    out,
                    "  - [{}] t={}ms: {}",
                    violation.kind, violation.time_ms, violation.message
                );
            }
        }
        if !self.probes.is_empty() {
            let _ = writeln!(out, "\n| coverage probe | count |\n|---|---|");
            for (probe, count) in &self.probes {
                let _ = writeln!(out, "| {probe} | {count} |");
            }
        }
        out
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

    #[test]
    fn summary_round_trips_through_json_and_renders() {
        let summary = RunSummary {
            schema_version: SUMMARY_SCHEMA_VERSION,
            scenario: "s".into(),
            scenario_ref: "scenarios/s.json".into(),
            seed_start: 0,
            seed_end: 2,
            bug: None,
            seeds_run: 2,
            passed: 1,
            failed: 1,
            wall_seconds: 0.5,
            events: 100,
            virtual_ms: 4000,
            probes: BTreeMap::from([("crashes".to_string(), 3)]),
            expected: BTreeMap::new(),
            failures: vec![FailureRecord {
                seed: 1,
                trace_hash: "00ff".into(),
                violations: vec![ViolationRecord {
                    kind: "lost-acked-write".into(),
                    time_ms: 7,
                    node: Some(0),
                    message: "lost".into(),
                }],
                replay: "zksim replay --scenario s --seed 1".into(),
            }],
        };
        let json = serde_json::to_string(&summary).unwrap();
        assert_eq!(serde_json::from_str::<RunSummary>(&json).unwrap(), summary);
        let markdown = summary.to_markdown();
        assert!(markdown.contains("FAIL"));
        assert!(markdown.contains("zksim replay --scenario s --seed 1"));
        assert_eq!(summary.seeds_per_second(), 4.0);
        assert_eq!(summary.time_ratio(), 8.0);
    }
}
