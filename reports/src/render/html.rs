//! `index.html`: one self-contained page (no network: styles, script and
//! plots are inline) that shows everything a report knows, so it can be
//! opened alone, attached to an issue or served from CI artifacts.

use super::escape::html as esc;
use super::tables;
use super::{
    Plot, LATENCY_SVG, MESSAGES_SVG, OPERATIONS_SVG, REPORT_JSON, SUMMARY_MD, TIMELINE_SVG,
};
use crate::report::FailureReport;
use crate::summary::ViolationRecord;
use std::fmt::Write;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("script.js");

/// The files the page links to, in the order of its file bar.
const LINKED: [&str; 6] = [
    REPORT_JSON,
    SUMMARY_MD,
    TIMELINE_SVG,
    MESSAGES_SVG,
    OPERATIONS_SVG,
    LATENCY_SVG,
];

/// Renders the page, inlining `plots`' SVG markup.
pub(crate) fn render(report: &FailureReport, plots: &[Plot]) -> String {
    let mut page = String::with_capacity(64 * 1024);
    head(&mut page, report);
    header(&mut page, report);
    page.push_str("<main>\n");
    replay(&mut page, report);
    violations(&mut page, report);
    plot_figures(&mut page, plots);
    tables::faults(&mut page, &report.faults);
    tables::operations(&mut page, &report.operations);
    tables::trace(&mut page, &report.trace_excerpt);
    run_details(&mut page, report);
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

/// The error counter runs first, before styles, so no error escapes it.
fn head(page: &mut String, report: &FailureReport) {
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <script>\n{SCRIPT}</script>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · {} · seed {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        report.verdict(),
        esc(&report.scenario),
        report.seed
    );
}

/// Verdict, scenario, seed, bug, trace hash, and the links to every file.
fn header(page: &mut String, report: &FailureReport) {
    let _ = write!(
        page,
        "<header><div class=\"inner\">\n<h1><span class=\"verdict {}\">{}</span> {}</h1>\n\
         <ul class=\"meta\">\n<li>seed <b>{}</b></li>\n",
        report.verdict().to_lowercase(),
        report.verdict(),
        esc(&report.scenario),
        report.seed
    );
    if let Some(bug) = &report.bug {
        let _ = writeln!(
            page,
            "<li class=\"bug\">planted bug <b class=\"bug\">{}</b></li>",
            esc(bug)
        );
    }
    let _ = write!(
        page,
        "<li>trace hash <b><code>{}</code></b></li>\n<li><b>{}</b> replicas</li>\n\
         <li><b>{}</b> events</li>\n<li><b>{}</b> ms virtual</li>\n\
         <li>scenario <code>{}</code></li>\n</ul>\n<nav class=\"files\">\n",
        esc(&report.trace_hash),
        report.replicas,
        report.events,
        report.virtual_ms,
        esc(&report.scenario_ref)
    );
    for file in LINKED {
        let _ = writeln!(page, "<a href=\"{file}\">{file}</a>");
    }
    page.push_str("</nav>\n</div></header>\n");
}

fn replay(page: &mut String, report: &FailureReport) {
    let _ = write!(
        page,
        "<section id=\"replay\">\n<h2>Replay</h2>\n<pre class=\"replay\" title=\"click to select\">{}</pre>\n\
         <p class=\"hint\">Reproduces this run exactly: same seed, same trace hash.</p>\n</section>\n",
        esc(&report.replay)
    );
}

fn violations(page: &mut String, report: &FailureReport) {
    let count = report.violations.len();
    let _ = writeln!(
        page,
        "<section id=\"violations\">\n<h2>Violations ({count})</h2>"
    );
    if report.violations.is_empty() {
        page.push_str("<p class=\"none\">none recorded</p>\n</section>\n");
        return;
    }
    let (first, rest) = report
        .violations
        .split_at(report.violations.len().min(VIOLATIONS_SHOWN));
    page.push_str("<ol class=\"violations\">\n");
    for (i, violation) in first.iter().enumerate() {
        violation_item(page, violation, i == 0);
    }
    page.push_str("</ol>\n");
    if !rest.is_empty() {
        let _ = writeln!(
            page,
            "<details><summary>{} more violations</summary>\n<ol class=\"violations\" start=\"{}\">",
            rest.len(),
            VIOLATIONS_SHOWN + 1
        );
        for violation in rest {
            violation_item(page, violation, false);
        }
        page.push_str("</ol>\n</details>\n");
    }
    page.push_str("</section>\n");
}

/// Violations listed before the rest fold away (a broken run often reports
/// dozens, mostly consequences of the first).
const VIOLATIONS_SHOWN: usize = 5;

/// One violation; a multi-line message (an explanation) keeps its lines.
fn violation_item(page: &mut String, violation: &ViolationRecord, first: bool) {
    let node = violation
        .node
        .map_or(String::new(), |n| format!(" on n{n}"));
    let class = if first { " class=\"first\"" } else { "" };
    let (headline, detail) = violation
        .message
        .split_once('\n')
        .unwrap_or((violation.message.as_str(), ""));
    let _ = write!(
        page,
        "<li{class}><span class=\"kind\">{}</span> at {} ms{node}: {}",
        esc(&violation.kind),
        violation.time_ms,
        esc(headline)
    );
    if !detail.is_empty() {
        let _ = write!(page, "<pre class=\"explanation\">{}</pre>", esc(detail));
    }
    page.push_str("</li>\n");
}

/// Each plot inline, captioned with a link to its file.
fn plot_figures(page: &mut String, plots: &[Plot]) {
    page.push_str("<section id=\"plots\">\n");
    for plot in plots {
        let id = plot.file.trim_end_matches(".svg");
        let _ = writeln!(
            page,
            "<figure class=\"plot\" id=\"plot-{id}\">\n<figcaption>{} <a href=\"{}\">{}</a></figcaption>",
            esc(plot.title),
            plot.file,
            plot.file
        );
        page.push_str(inline_svg(&plot.svg));
        page.push_str("</figure>\n");
    }
    page.push_str("</section>\n");
}

/// An SVG document as an element of the page: without an XML declaration.
fn inline_svg(svg: &str) -> &str {
    let svg = svg.trim_start();
    match (svg.starts_with("<?xml"), svg.find("?>")) {
        (true, Some(end)) => svg[end + 2..].trim_start(),
        _ => svg,
    }
}

/// Build, swarm choices, probes and the scenario as run.
fn run_details(page: &mut String, report: &FailureReport) {
    page.push_str("<section id=\"run\">\n<div class=\"columns\">\n<div>\n<h2>Build</h2>\n");
    tables::build(page, report);
    page.push_str("<h2 style=\"margin-top:18px\">Swarm choices</h2>\n");
    tables::swarm(page, &report.swarm);
    page.push_str("</div>\n<div>\n<h2>Coverage probes</h2>\n");
    tables::probes(page, &report.probes);
    page.push_str("</div>\n</div>\n");
    let scenario = serde_json::to_string_pretty(&report.scenario_json)
        .unwrap_or_else(|error| format!("scenario did not serialize: {error}"));
    let _ = write!(
        page,
        "<details>\n<summary>Scenario as run ({})</summary>\n<pre>{}</pre>\n</details>\n</section>\n",
        esc(&report.scenario_ref),
        esc(&scenario)
    );
}
