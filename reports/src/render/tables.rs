//! The page's tables and lists: faults, operations, the trace excerpt,
//! build information, swarm choices and coverage probes. Every value from
//! the report is escaped; times keep their microsecond precision as
//! milliseconds with three decimals.

use super::escape::html as esc;
use crate::report::{FailureReport, FaultRecord, OperationRecord, TraceLine};
use std::collections::BTreeMap;
use std::fmt::Write;

/// `1234.567` for 1 234 567 µs.
pub(crate) fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

fn nodes(nodes: &[u32]) -> String {
    if nodes.is_empty() {
        return "all".to_string();
    }
    let names: Vec<String> = nodes.iter().map(|n| format!("n{n}")).collect();
    names.join(", ")
}

/// Opens a section with a heading, or closes it at once saying "none".
fn open(page: &mut String, id: &str, heading: &str, count: usize, header: &[&str]) -> bool {
    let _ = writeln!(page, "<section id=\"{id}\">\n<h2>{heading} ({count})</h2>");
    if count == 0 {
        page.push_str("<p class=\"none\">none</p>\n</section>\n");
        return false;
    }
    page.push_str("<table>\n<thead><tr>");
    for column in header {
        let _ = write!(page, "<th>{column}</th>");
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    true
}

fn close(page: &mut String) {
    page.push_str("</tbody>\n</table>\n</section>\n");
}

pub(crate) fn faults(page: &mut String, faults: &[FaultRecord]) {
    let header = ["at (ms)", "until (ms)", "kind", "nodes", "detail"];
    if !open(page, "faults", "Faults", faults.len(), &header) {
        return;
    }
    for fault in faults {
        let until = fault.end_ms.map_or("—".to_string(), |end| end.to_string());
        let _ = writeln!(
            page,
            "<tr><td class=\"num\">{}</td><td class=\"num\">{until}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            fault.at_ms,
            esc(&fault.kind),
            nodes(&fault.nodes),
            esc(&fault.detail)
        );
    }
    close(page);
}

pub(crate) fn operations(page: &mut String, ops: &[OperationRecord]) {
    let header = [
        "#",
        "client",
        "session",
        "node",
        "call (ms)",
        "return (ms)",
        "request",
        "outcome",
    ];
    if !open(page, "operations", "Operations", ops.len(), &header) {
        return;
    }
    for op in ops {
        let class = if op.in_violation {
            " class=\"hit\""
        } else {
            ""
        };
        let (ret, outcome_class) = match op.ret_us {
            Some(ret) => (ms(ret), ""),
            None => ("—".to_string(), " class=\"unknown\""),
        };
        let _ = writeln!(
            page,
            "<tr{class}><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"mono\">{}</td>\
             <td>n{}</td><td class=\"num\">{}</td><td class=\"num\">{ret}</td>\
             <td class=\"mono\">{}</td><td{outcome_class}>{}</td></tr>",
            op.id,
            op.client,
            esc(&op.session),
            op.node,
            ms(op.call_us),
            esc(&op.request),
            esc(&op.outcome)
        );
    }
    close(page);
}

pub(crate) fn trace(page: &mut String, lines: &[TraceLine]) {
    let header = ["t (ms)", "node", "event", "detail"];
    if !open(page, "trace", "Trace excerpt", lines.len(), &header) {
        return;
    }
    for line in lines {
        let node = line.node.map_or("—".to_string(), |n| format!("n{n}"));
        let _ = writeln!(
            page,
            "<tr><td class=\"num\">{}</td><td>{node}</td><td class=\"mono\">{}</td>\
             <td class=\"mono\">{}</td></tr>",
            ms(line.t_us),
            esc(&line.event),
            esc(&line.detail)
        );
    }
    close(page);
}

pub(crate) fn build(page: &mut String, report: &FailureReport) {
    let build = &report.build;
    let features = if build.features.is_empty() {
        "none".to_string()
    } else {
        build.features.join(", ")
    };
    let _ = write!(
        page,
        "<dl class=\"build\">\n<dt>version</dt><dd>{}</dd>\n<dt>commit</dt><dd><code>{}</code></dd>\n\
         <dt>profile</dt><dd>{}</dd>\n<dt>features</dt><dd>{}</dd>\n\
         <dt>report schema</dt><dd>{}</dd>\n</dl>\n",
        esc(&build.version),
        esc(build.commit.as_deref().unwrap_or("unknown")),
        esc(&build.profile),
        esc(&features),
        report.schema_version
    );
}

pub(crate) fn swarm(page: &mut String, swarm: &[String]) {
    if swarm.is_empty() {
        page.push_str("<p class=\"none\">not a swarm run</p>\n");
        return;
    }
    page.push_str("<ul>\n");
    for choice in swarm {
        let _ = writeln!(page, "<li><code>{}</code></li>", esc(choice));
    }
    page.push_str("</ul>\n");
}

pub(crate) fn probes(page: &mut String, probes: &BTreeMap<String, u64>) {
    if probes.is_empty() {
        page.push_str("<p class=\"none\">none</p>\n");
        return;
    }
    page.push_str("<table>\n<thead><tr><th>probe</th><th>count</th></tr></thead>\n<tbody>\n");
    for (probe, count) in probes {
        let _ = writeln!(
            page,
            "<tr><td class=\"mono\">{}</td><td class=\"num\">{count}</td></tr>",
            esc(probe)
        );
    }
    page.push_str("</tbody>\n</table>\n");
}
