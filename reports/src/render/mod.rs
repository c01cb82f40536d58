//! Rendering of a report folder: `report.json` plus the human views of the
//! same document (an HTML page, a Markdown summary and four SVG plots).
//!
//! Everything here is pure and deterministic: the same report renders
//! byte-identical files, so a report folder can be diffed and cached. Only
//! [`write_report_folder`] touches the file system.

mod canvas;
mod commits;
mod escape;
mod fault_lanes;
mod folder;
mod html;
mod latency;
mod legend;
mod markdown;
mod marker;
mod operations;
mod palette;
mod sample;
mod spacetime;
mod stack;
mod tables;
mod timeline;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub use folder::write_report_folder;
pub use sample::sample_report;

use crate::report::FailureReport;

/// The report document itself.
pub const REPORT_JSON: &str = "report.json";
/// The self-contained page that shows everything.
pub const INDEX_HTML: &str = "index.html";
/// The short Markdown summary (for CI pages and issue comments).
pub const SUMMARY_MD: &str = "summary.md";
/// Replica roles, faults and commits over time.
pub const TIMELINE_SVG: &str = "timeline.svg";
/// The space-time diagram of the peer messages before the violation.
pub const MESSAGES_SVG: &str = "messages.svg";
/// The client operations involved, one lane per client.
pub const OPERATIONS_SVG: &str = "operations.svg";
/// The latency histogram of completed client operations.
pub const LATENCY_SVG: &str = "latency.svg";

/// One rendered plot: its file name, what it shows, and its SVG markup.
/// The HTML page inlines the same markup that is written to the file.
pub(crate) struct Plot {
    pub file: &'static str,
    pub title: &'static str,
    pub svg: String,
}

/// Draws the four plots of a report, in the order the page shows them.
pub(crate) fn plots(report: &FailureReport) -> Vec<Plot> {
    vec![
        Plot {
            file: TIMELINE_SVG,
            title: "Replica timeline",
            svg: timeline::render(report),
        },
        Plot {
            file: MESSAGES_SVG,
            title: "Peer messages",
            svg: spacetime::render(report),
        },
        Plot {
            file: OPERATIONS_SVG,
            title: "Client operations",
            svg: operations::render(report),
        },
        Plot {
            file: LATENCY_SVG,
            title: "Operation latency",
            svg: latency::render(report),
        },
    ]
}

/// The files of a report folder, as `(file name, contents)`, without I/O.
pub fn render(report: &FailureReport) -> Vec<(String, Vec<u8>)> {
    let plots = plots(report);
    let mut files = vec![
        (REPORT_JSON.to_string(), report_json(report)),
        (
            INDEX_HTML.to_string(),
            html::render(report, &plots).into_bytes(),
        ),
        (
            SUMMARY_MD.to_string(),
            markdown::render(report).into_bytes(),
        ),
    ];
    files.extend(
        plots
            .into_iter()
            .map(|plot| (plot.file.to_string(), plot.svg.into_bytes())),
    );
    files
}

/// Pretty JSON with a final newline. The schema holds only strings,
/// integers, maps with string keys and JSON values, all of which serialize.
fn report_json(report: &FailureReport) -> Vec<u8> {
    let mut json = serde_json::to_vec_pretty(report).unwrap_or_else(|error| {
        let error = format!("report did not serialize: {error}");
        serde_json::json!({ "error": error })
            .to_string()
            .into_bytes()
    });
    json.push(b'\n');
    json
}

/// The most replica rows a plot draws, whatever node ids a report names.
const MAX_NODES: u32 = 64;

/// How many replica rows the plots draw: the ensemble size, widened to any
/// node a timeline, fault or message names (a report is data: trust it
/// only as far as it is consistent), up to [`MAX_NODES`].
pub(crate) fn node_count(report: &FailureReport) -> u32 {
    let named = report
        .timeline
        .iter()
        .map(|row| row.node)
        .chain(report.faults.iter().flat_map(|f| f.nodes.iter().copied()))
        .chain(report.messages.iter().flat_map(|m| [m.from, m.to]))
        .map(|node| node.saturating_add(1))
        .max()
        .unwrap_or(0);
    report.replicas.max(named).min(MAX_NODES)
}
