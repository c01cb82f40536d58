//! The report of `zksim check`, as text for people and as JSON for programs.

use super::formats::History;
use super::report::{Overall, PartitionReport, PartitionVerdict};
use super::TimedReport;
use serde_json::{json, Value};
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

pub(super) struct Rendered<'a> {
    pub file: &'a Path,
    pub model: String,
    pub history: &'a History,
    /// Operations the model checked (failed ones are dropped).
    pub ops: usize,
    pub timed: &'a TimedReport,
    pub elapsed: Duration,
}

fn verdict_name(verdict: &PartitionVerdict) -> &'static str {
    match verdict {
        PartitionVerdict::Linearizable => "linearizable",
        PartitionVerdict::NotLinearizable { .. } => "not-linearizable",
        PartitionVerdict::Unknown { .. } => "unknown",
    }
}

fn overall_name(overall: Overall) -> &'static str {
    match overall {
        Overall::Linearizable => "linearizable",
        Overall::NotLinearizable => "not-linearizable",
        Overall::Unknown => "unknown",
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

pub(super) fn render_text(rendered: &Rendered<'_>) -> String {
    let report = &rendered.timed.report;
    let mut out = String::new();
    let history = rendered.history;
    writeln!(
        out,
        "history: {} ({}; {} operations, {} checked; {} lines or events ignored)",
        rendered.file.display(),
        history.description,
        history.ops.len(),
        rendered.ops,
        history.ignored
    )
    .expect("string");
    writeln!(out, "model:   {}", rendered.model).expect("string");
    for (partition, elapsed) in report.partitions.iter().zip(&rendered.timed.elapsed) {
        out.push_str(&partition_line(partition, *elapsed));
    }
    let count = |name: &str| {
        let matching = report
            .partitions
            .iter()
            .filter(|p| verdict_name(&p.verdict) == name);
        matching.count()
    };
    let (failing, undecided) = (count("not-linearizable"), count("unknown"));
    let undecided_note = if undecided > 0 {
        format!(", {undecided} undecided")
    } else {
        String::new()
    };
    let verdict = match report.verdict() {
        Overall::Linearizable => "LINEARIZABLE:".to_string(),
        Overall::NotLinearizable => {
            format!("NOT LINEARIZABLE: {failing} not linearizable{undecided_note}; in all")
        }
        Overall::Unknown => format!("UNKNOWN within the budget: {undecided} undecided; in all"),
    };
    writeln!(
        out,
        "{verdict} {} partitions, {:.1} ms",
        report.partitions.len(),
        millis(rendered.elapsed)
    )
    .expect("string");
    out
}

fn partition_line(partition: &PartitionReport, elapsed: Duration) -> String {
    let mut line = format!(
        "partition {}: {} ops, {}, {} steps, {:.1} MiB cache, {:.1} ms\n",
        partition.name,
        partition.ops,
        verdict_name(&partition.verdict),
        partition.steps,
        partition.peak_cache_bytes as f64 / f64::from(1 << 20),
        millis(elapsed)
    );
    match &partition.verdict {
        PartitionVerdict::Linearizable => {}
        PartitionVerdict::Unknown { reason } => {
            writeln!(line, "  unknown: {reason}").expect("string");
        }
        PartitionVerdict::NotLinearizable { explanation } => {
            for text in explanation.text.lines() {
                writeln!(line, "  {text}").expect("string");
            }
        }
    }
    line
}

pub(super) fn render_json(rendered: &Rendered<'_>) -> Value {
    let report = &rendered.timed.report;
    let partitions: Vec<Value> = report
        .partitions
        .iter()
        .zip(&rendered.timed.elapsed)
        .map(|(partition, elapsed)| partition_json(partition, *elapsed))
        .collect();
    json!({
        "file": rendered.file.display().to_string(),
        "format": rendered.history.format.name(),
        "model": rendered.model,
        "operations": rendered.history.ops.len(),
        "checked_operations": rendered.ops,
        "ignored": rendered.history.ignored,
        "verdict": overall_name(report.verdict()),
        "elapsed_ms": millis(rendered.elapsed),
        "partitions": partitions,
    })
}

fn partition_json(partition: &PartitionReport, elapsed: Duration) -> Value {
    let mut value = json!({
        "name": partition.name,
        "ops": partition.ops,
        "verdict": verdict_name(&partition.verdict),
        "steps": partition.steps,
        "peak_cache_bytes": partition.peak_cache_bytes,
        "elapsed_ms": millis(elapsed),
    });
    match &partition.verdict {
        PartitionVerdict::Linearizable => {}
        PartitionVerdict::Unknown { reason } => value["reason"] = json!(reason),
        PartitionVerdict::NotLinearizable { explanation } => {
            value["explanation"] = json!({ "ops": explanation.ops, "text": explanation.text });
        }
    }
    value
}
