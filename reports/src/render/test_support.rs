//! Helpers of the rendering tests: reading rendered files back.

use crate::report::FailureReport;

/// The contents of file `name` of a rendered folder, as text.
pub(crate) fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
    let (_, contents) = files
        .iter()
        .find(|(file, _)| file == name)
        .unwrap_or_else(|| panic!("no {name} in the folder"));
    std::str::from_utf8(contents).expect("rendered files are UTF-8")
}

/// Parses `svg` as XML (panicking with the parser's message if it is not)
/// and returns the text of every `<text>` element, in document order.
pub(crate) fn svg_texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("bad SVG: {e}"));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .map(|node| node.text().unwrap_or("").to_string())
        .collect()
}

/// How many elements named `name` `svg` holds.
pub(crate) fn count_elements(svg: &str, name: &str) -> usize {
    let document = roxmltree::Document::parse(svg).expect("an SVG that parses");
    document
        .descendants()
        .filter(|node| node.has_tag_name(name))
        .count()
}

/// Asserts that some text of `texts` contains `wanted`.
pub(crate) fn assert_has_text(texts: &[String], wanted: &str) {
    assert!(
        texts.iter().any(|text| text.contains(wanted)),
        "no text contains {wanted:?} among {texts:?}"
    );
}

/// The sample with nothing to plot: no messages, operations, latencies,
/// faults, timeline rows, violations or trace.
pub(crate) fn bare_report() -> FailureReport {
    let mut report = crate::render::sample_report();
    report.messages.clear();
    report.message_window_us = [0, 0];
    report.operations.clear();
    report.latencies_us.clear();
    report.faults.clear();
    report.timeline.clear();
    report.violations.clear();
    report.trace_excerpt.clear();
    report.swarm.clear();
    report.probes.clear();
    report.bug = None;
    report
}
