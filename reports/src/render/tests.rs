//! Tests of the rendered folder as a whole: its files, their determinism,
//! the plots' content, the page's links and inlined plots, and escaping.

use super::test_support::{assert_has_text, bare_report, count_elements, file, svg_texts};
use super::*;
use crate::render::sample_report;

const PLOTS: [&str; 4] = [TIMELINE_SVG, MESSAGES_SVG, OPERATIONS_SVG, LATENCY_SVG];

#[test]
fn the_folder_holds_the_report_the_page_the_summary_and_four_plots() {
    let names: Vec<String> = render(&sample_report()).into_iter().map(|f| f.0).collect();
    let expected = [REPORT_JSON, INDEX_HTML, SUMMARY_MD]
        .into_iter()
        .chain(PLOTS)
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert_eq!(names, expected);
}

#[test]
fn report_json_is_the_report() {
    let report = sample_report();
    let files = render(&report);
    let parsed: FailureReport = serde_json::from_str(file(&files, REPORT_JSON)).unwrap();
    assert_eq!(parsed, report);
    assert!(file(&files, REPORT_JSON).ends_with("}\n"));
}

#[test]
fn the_same_report_renders_byte_identical_files() {
    let report = sample_report();
    let first = render(&report);
    assert_eq!(first, render(&report));
    let reread: FailureReport = serde_json::from_str(file(&first, REPORT_JSON)).unwrap();
    assert_eq!(
        first,
        render(&reread),
        "a report read back renders the same"
    );
    let bare = bare_report();
    assert_eq!(render(&bare), render(&bare));
}

#[test]
fn the_timeline_shows_rows_roles_faults_commits_and_the_violation() {
    let files = render(&sample_report());
    let texts = svg_texts(file(&files, TIMELINE_SVG));
    for wanted in [
        "n0",
        "n1",
        "n2",
        "all",
        "leading e1",
        "following e2",
        "down",
    ] {
        assert_has_text(&texts, wanted);
    }
    for wanted in ["crash", "partition", "clock-step", "reset-connections"] {
        assert_has_text(&texts, wanted);
    }
    assert_has_text(&texts, "violation: lost-acked-write @ 4820 ms");
    assert_has_text(&texts, "Applied transactions per replica");
    assert_has_text(&texts, "first violation");
}

#[test]
fn the_message_diagram_draws_an_arrow_per_delivery_and_a_cross_per_drop() {
    let report = sample_report();
    let files = render(&report);
    let svg = file(&files, MESSAGES_SVG);
    let texts = svg_texts(svg);
    for wanted in [
        "n0",
        "n1",
        "n2",
        "PROPOSAL (14)",
        "COMMIT (14)",
        "violation",
    ] {
        assert_has_text(&texts, wanted);
    }
    let delivered = report.messages.iter().filter(|m| m.deliver_us.is_some());
    assert_eq!(count_elements(svg, "polygon"), delivered.count());
    let dropped = report.messages.iter().filter(|m| m.deliver_us.is_none());
    assert_has_text(&texts, &format!("dropped ({})", dropped.count()));
}

#[test]
fn the_operations_chart_has_a_lane_per_client_and_labels() {
    let files = render(&sample_report());
    let texts = svg_texts(file(&files, OPERATIONS_SVG));
    for wanted in [
        "client 0",
        "client 1",
        "client 2",
        "#1201 setData",
        "#1213 getData",
    ] {
        assert_has_text(&texts, wanted);
    }
    assert_has_text(&texts, "→ unknown");
    assert_has_text(&texts, "Client operations (12)");
}

#[test]
fn the_latency_histogram_counts_every_latency() {
    let report = sample_report();
    let files = render(&report);
    let texts = svg_texts(file(&files, LATENCY_SVG));
    assert_has_text(
        &texts,
        &format!("Latency of {} completed", report.latencies_us.len()),
    );
    assert_has_text(&texts, "1–2");
    // The counts above the bars are the texts after the title, the legend
    // and the axes: those whose position is anchored at a bar's top.
    let svg = file(&files, LATENCY_SVG);
    let document = roxmltree::Document::parse(svg).unwrap();
    let counted: u64 = document
        .descendants()
        .filter(|node| node.has_tag_name("text") && node.attribute("dy") == Some("-0.5ex"))
        .filter_map(|node| node.text()?.trim().parse::<u64>().ok())
        .sum();
    assert_eq!(counted, report.latencies_us.len() as u64);
}

#[test]
fn a_report_with_nothing_to_plot_says_so() {
    let files = render(&bare_report());
    let notes = [
        (MESSAGES_SVG, "no peer messages"),
        (OPERATIONS_SVG, "no client operations"),
        (LATENCY_SVG, "no completed client operations"),
    ];
    for (plot, note) in notes {
        assert_has_text(&svg_texts(file(&files, plot)), note);
    }
    let timeline = svg_texts(file(&files, TIMELINE_SVG));
    assert_has_text(&timeline, "n2");
    assert!(!timeline.iter().any(|t| t.contains("violation:")));
    let html = file(&files, INDEX_HTML);
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(html.contains("none recorded"));
}

#[test]
fn the_page_links_every_file_and_inlines_every_plot() {
    let report = sample_report();
    let files = render(&report);
    let html = file(&files, INDEX_HTML);
    for (name, _) in files.iter().filter(|(name, _)| name != INDEX_HTML) {
        assert!(
            html.contains(&format!("href=\"{name}\"")),
            "no link to {name}"
        );
    }
    for plot in PLOTS {
        let svg = file(&files, plot);
        assert!(html.contains(svg.trim()), "{plot} is not inlined as is");
    }
    assert!(html.contains(&escape::html(&report.replay)));
    assert!(html.contains("<pre class=\"replay\""));
    assert!(!html.contains("http://") || html.matches("http://").count() == 4);
    assert!(
        !html.contains("https://"),
        "the page loads nothing from a network"
    );
    for id in ["violations", "faults", "operations", "trace", "run"] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "no {id} section"
        );
    }
    assert_eq!(html.matches("<tr class=\"hit\">").count(), 2);
}

/// A report whose every string tries to inject markup.
fn hostile_report() -> FailureReport {
    let evil = "<script>alert('x')</script>&\"";
    let mut report = sample_report();
    report.scenario = evil.into();
    report.scenario_ref = evil.into();
    report.bug = Some(evil.into());
    report.replay = format!("zksim replay {evil}");
    report.trace_hash = evil.into();
    report.swarm = vec![evil.into()];
    report.build.version = evil.into();
    report.violations[0].message = evil.into();
    report.violations[0].kind = evil.into();
    report.faults[0].kind = evil.into();
    report.faults[0].detail = evil.into();
    report.operations[0].request = evil.into();
    report.operations[0].outcome = evil.into();
    report.messages[0].kind = evil.into();
    report.trace_excerpt[0].detail = evil.into();
    report.timeline[0].segments[0].role = evil.into();
    report.probes.insert(evil.into(), 1);
    report.scenario_json = serde_json::json!({ "name": evil });
    report
}

#[test]
fn report_text_never_becomes_markup() {
    let files = render(&hostile_report());
    let html = file(&files, INDEX_HTML);
    assert_eq!(
        html.to_lowercase().matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
    for plot in PLOTS {
        let svg = file(&files, plot);
        assert_eq!(count_elements(svg, "script"), 0, "{plot}");
        assert!(!svg.contains("<script"), "{plot}");
    }
    let timeline = svg_texts(file(&files, TIMELINE_SVG));
    assert_has_text(&timeline, "<script>alert('x')</script>");
    let summary = file(&files, SUMMARY_MD);
    assert!(summary.contains("\\<script\\>alert"), "{summary}");
}

#[test]
fn control_characters_in_report_text_keep_the_svgs_valid() {
    let mut report = sample_report();
    report.operations[0].request = "setData /k\u{1}\u{0} \u{ffff}".into();
    report.faults[1].kind = "crash\u{7}".into();
    let files = render(&report);
    for plot in PLOTS {
        svg_texts(file(&files, plot));
    }
}
