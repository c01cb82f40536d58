//! The bench's results as a plain-text table.

use super::BenchReport;
use std::fmt::Write;

/// Millions, one decimal.
fn millions(value: f64) -> String {
    format!("{:.2} M", value / 1e6)
}

fn megabytes(bytes: Option<u64>) -> String {
    bytes.map_or("unknown".to_string(), |bytes| {
        format!("{:.0} MB", bytes as f64 / 1e6)
    })
}

pub fn render(report: &BenchReport) -> String {
    let mut out = String::new();
    let machine = &report.machine;
    let load = |load: Option<[f64; 3]>| {
        load.map_or("unknown".to_string(), |[one, five, fifteen]| {
            format!("{one:.2} {five:.2} {fifteen:.2}")
        })
    };
    let _ = writeln!(
        out,
        "zksim bench{}: {} {}, {} cores, load {} at start, {} at end",
        if report.quick { " --quick" } else { "" },
        machine.os,
        machine.arch,
        machine.cores,
        load(machine.load_average_start),
        load(machine.load_average_end)
    );
    let row = |out: &mut String, what: &str, figure: String, detail: String| {
        let _ = writeln!(out, "  {what:<34} {figure:>14}   {detail}");
    };
    let single = &report.single_core;
    row(
        &mut out,
        "events/s, one core",
        millions(single.events_per_second),
        format!(
            "{} seeds {} ({} passed), {} events in {:.2} s",
            single.scenario, single.seeds, single.passed, single.events, single.wall_seconds
        ),
    );
    row(
        &mut out,
        "virtual/wall, one core",
        format!("{:.0}x", single.virtual_to_wall),
        format!("{} ms virtual", single.virtual_ms),
    );
    let writes = &report.writes;
    row(
        &mut out,
        "committed writes/s, one core",
        format!("{:.0}", writes.writes_per_second),
        format!(
            "{} ({} replicas, {} clients) seeds {}: {} writes, {} events in {:.2} s",
            writes.scenario,
            writes.replicas,
            writes.clients,
            writes.seeds,
            writes.committed_writes,
            writes.events,
            writes.wall_seconds
        ),
    );
    row(
        &mut out,
        "wall per committed write",
        format!("{:.2} us", writes.wall_us_per_write),
        format!("{} events/s", millions(writes.events_per_second)),
    );
    let parallel = &report.parallel;
    row(
        &mut out,
        &format!("seeds/s, {} jobs", parallel.jobs),
        format!("{:.1}", parallel.seeds_per_second),
        format!(
            "{} seeds {} ({} passed), {} events/s, {:.0}x virtual/wall",
            parallel.scenario,
            parallel.seeds,
            parallel.passed,
            millions(parallel.events_per_second),
            parallel.virtual_to_wall
        ),
    );
    for history in &report.checker.histories {
        row(
            &mut out,
            &format!("checker, {} ops", history.history_ops),
            format!("{:.1} ms", history.translate_ms + history.search_ms),
            format!(
                "{}; {} partitions, {}; translate {:.1} ms, search {:.1} ms",
                history.source,
                history.partitions,
                history.verdict,
                history.translate_ms,
                history.search_ms
            ),
        );
    }
    let corpus = &report.checker.corpus;
    if corpus.present {
        let slowest: Vec<String> = corpus
            .slowest
            .iter()
            .take(3)
            .map(|file| format!("{} {:.1} ms", file.file, file.ms))
            .collect();
        row(
            &mut out,
            "checker, external corpus",
            format!("{:.0} ms", corpus.total_ms),
            format!(
                "{} histories, {} as expected; slowest: {}",
                corpus.histories,
                corpus.as_expected,
                slowest.join(", ")
            ),
        );
    } else {
        row(
            &mut out,
            "checker, external corpus",
            "skipped".to_string(),
            format!("{} is absent", corpus.path),
        );
    }
    row(
        &mut out,
        "peak memory (VmHWM)",
        megabytes(report.peak_memory_bytes),
        "the whole bench process".to_string(),
    );
    out
}
