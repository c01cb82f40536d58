//! `summary.md`: the failure in a few lines of Markdown, for a CI summary
//! or an issue comment, pointing at the page and the JSON for the rest.

use super::escape::{markdown as md, markdown_code as code};
use super::{INDEX_HTML, REPORT_JSON};
use crate::report::FailureReport;
use std::fmt::Write;

/// Renders the summary.
pub(crate) fn render(report: &FailureReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# zksim: {} — {} seed {}\n",
        report.verdict(),
        md(&report.scenario),
        report.seed
    );
    let _ = writeln!(out, "- **verdict**: {}", report.verdict());
    let _ = writeln!(
        out,
        "- **scenario**: {} ({})",
        md(&report.scenario),
        code(&report.scenario_ref)
    );
    let _ = writeln!(out, "- **seed**: {}", report.seed);
    if let Some(bug) = &report.bug {
        let _ = writeln!(out, "- **planted bug**: {}", code(bug));
    }
    let _ = writeln!(out, "- **trace hash**: {}", code(&report.trace_hash));
    match report.violations.first() {
        Some(first) => {
            let node = first.node.map_or(String::new(), |n| format!(" on n{n}"));
            let _ = writeln!(
                out,
                "- **first violation**: {} at {} ms{node}: {}",
                code(&first.kind),
                first.time_ms,
                md(&first.message)
            );
        }
        None => {
            let _ = writeln!(out, "- **first violation**: none recorded");
        }
    }
    let in_violation = report
        .operations
        .iter()
        .filter(|op| op.in_violation)
        .count();
    let _ = writeln!(
        out,
        "- **counts**: {} violations, {} faults, {} operations ({in_violation} in the violation), \
         {} peer messages, {} events over {} ms virtual",
        report.violations.len(),
        report.faults.len(),
        report.operations.len(),
        report.messages.len(),
        report.events,
        report.virtual_ms
    );
    replay(&mut out, &report.replay);
    let _ = writeln!(
        out,
        "\nDetails: [{INDEX_HTML}]({INDEX_HTML}) (plots, faults, operations, trace) and \
         [{REPORT_JSON}]({REPORT_JSON}) (the full report)."
    );
    out
}

/// The replay command in a fenced block longer than any backtick run in it.
fn replay(out: &mut String, command: &str) {
    let longest_run = command.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    let _ = writeln!(out, "\nReplay:\n\n{fence}sh\n{command}\n{fence}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample_report;

    #[test]
    fn a_seed_that_broke_nothing_is_reported_as_passing() {
        let mut report = sample_report();
        report.violations.clear();
        let summary = render(&report);
        assert!(
            summary.starts_with("# zksim: PASS — swarm seed 4242\n"),
            "{summary}"
        );
        assert!(summary.contains("- **verdict**: PASS"), "{summary}");
        let page = crate::render::html::render(&report, &[]);
        assert!(page.contains("<span class=\"verdict pass\">PASS</span>"));
        assert!(!page.contains(">FAIL<"));
    }

    #[test]
    fn the_summary_gives_verdict_violation_replay_counts_and_links() {
        let report = sample_report();
        let summary = render(&report);
        assert!(
            summary.starts_with("# zksim: FAIL — swarm seed 4242\n"),
            "{summary}"
        );
        assert!(summary.contains("- **seed**: 4242"));
        assert!(summary.contains("- **planted bug**: `zk-1154-diff-instead-of-trunc`"));
        assert!(summary.contains("`lost-acked-write` at 4820 ms on n2"));
        assert!(summary.contains(&format!("```sh\n{}\n```", report.replay)));
        assert!(summary.contains("2 violations, 5 faults, 12 operations (2 in the violation)"));
        assert!(summary.contains("[index.html](index.html)"));
        assert!(summary.contains("[report.json](report.json)"));
    }

    #[test]
    fn a_replay_with_backticks_gets_a_longer_fence() {
        let mut out = String::new();
        replay(&mut out, "echo ````");
        assert!(out.contains("`````sh\necho ````\n`````"), "{out}");
    }
}
