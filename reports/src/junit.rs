//! Run summaries as JUnit XML, the format CI systems (GitHub Actions reporters, GitLab,
//! Jenkins) show as test results.
//!
//! Layout: one `<testsuite>` per summary, named after the scenario (plus ` with bug NAME`).
//! Its test cases are groups of `group_size` seeds aligned to multiples of `group_size`
//! (`seeds 0..100`, `seeds 100..200`, ...): alignment makes the groups of every shard of a
//! run line up with those of the unsharded run, so CI history tracks the same test names.
//! Then a `coverage` case when the scenario requires probes, and a `determinism` case when
//! seeds were run twice.
//!
//! The suite's `<properties>` carry what a coverage or determinism verdict is computed
//! from (`zksim.requirement.PROBE` = `HIT/AT_LEAST`, `zksim.determinism_checked`,
//! `zksim.nondeterministic_seeds`), because those verdicts hold for a whole run, not per
//! shard: [`crate::merge::merge_junit`] recomputes them from the shards' properties.
//! (`zksim.scenario` and `zksim.group_size` are there for the merge too.)

use crate::summary::{FailureRecord, ProbeRequirement, RunSummary};
use std::fmt::Write;
use std::ops::Range;

/// How many failing seeds a failure's one-line message names before "and N more".
const SEEDS_IN_MESSAGE: usize = 10;

/// One `<testsuite>`, as both [`junit_xml`] and the JUnit merge build and render it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Suite {
    pub name: String,
    pub scenario: String,
    /// Seed cases are cut at multiples of this.
    pub group_size: u64,
    pub seed_cases: Vec<SeedCase>,
    pub requirements: Vec<ProbeRequirement>,
    pub determinism: Determinism,
}

/// The test case of one group of seeds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SeedCase {
    pub seeds: Range<u64>,
    pub time: f64,
    pub failure: Option<Failure>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Failure {
    pub message: String,
    pub text: String,
}

/// What the `determinism` case is rendered from.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Determinism {
    pub checked: u64,
    /// The seeds that diverged, ascending.
    pub seeds: Vec<u64>,
    /// One block per diverged seed, in seed order.
    pub text: String,
}

/// The JUnit document for `summaries`, one test case per `group_size` seeds
/// (0 is taken as 1).
pub fn junit_xml(summaries: &[RunSummary], group_size: u64) -> String {
    let suites: Vec<Suite> = summaries
        .iter()
        .map(|summary| suite_of(summary, group_size.max(1)))
        .collect();
    render(&suites)
}

/// The suite's name: the scenario, and the planted bug when there is one.
pub fn suite_name(summary: &RunSummary) -> String {
    match &summary.bug {
        Some(bug) => format!("{} with bug {bug}", summary.scenario),
        None => summary.scenario.clone(),
    }
}

fn suite_of(summary: &RunSummary, group_size: u64) -> Suite {
    let range = summary.seed_range();
    let len = (range.end - range.start).max(1) as f64;
    let mut failures = summary.failures.iter().peekable();
    let mut seed_cases = Vec::new();
    for seeds in seed_groups(range, group_size) {
        let mut failing = Vec::new();
        while let Some(failure) = failures.next_if(|failure| failure.seed < seeds.end) {
            failing.push(failure);
        }
        seed_cases.push(SeedCase {
            time: summary.wall_seconds * (seeds.end - seeds.start) as f64 / len,
            failure: (!failing.is_empty()).then(|| seed_failure(&failing)),
            seeds,
        });
    }
    Suite {
        name: suite_name(summary),
        scenario: summary.scenario.clone(),
        group_size,
        seed_cases,
        requirements: summary.probe_requirements.clone(),
        determinism: determinism_of(summary),
    }
}

/// `range` cut at every multiple of `group_size`.
fn seed_groups(range: Range<u64>, group_size: u64) -> impl Iterator<Item = Range<u64>> {
    let mut start = range.start;
    std::iter::from_fn(move || {
        if start >= range.end {
            return None;
        }
        let boundary = (start / group_size + 1).saturating_mul(group_size);
        let group = start..boundary.min(range.end);
        start = group.end;
        Some(group)
    })
}

fn seed_failure(failing: &[&FailureRecord]) -> Failure {
    let seeds: Vec<u64> = failing.iter().map(|failure| failure.seed).collect();
    let mut kinds: Vec<&str> = failing
        .iter()
        .flat_map(|failure| failure.violations.iter().map(|v| v.kind.as_str()))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut text = String::new();
    for failure in failing {
        failure_block(&mut text, failure);
    }
    Failure {
        message: format!("{} failed: {}", name_seeds(&seeds), kinds.join(", ")),
        text,
    }
}

fn failure_block(text: &mut String, failure: &FailureRecord) {
    let _ = writeln!(text, "seed {} (trace {})", failure.seed, failure.trace_hash);
    let _ = writeln!(text, "  replay: {}", failure.replay);
    if let Some(report) = &failure.report {
        let _ = writeln!(text, "  report: {report}");
    }
    for violation in &failure.violations {
        let node = violation.node.map(|n| format!(" n{n}")).unwrap_or_default();
        let _ = writeln!(
            text,
            "  [{}] t={}ms{node}: {}",
            violation.kind, violation.time_ms, violation.message
        );
    }
}

/// "seed 3" or "seeds 3, 17, ... and 40 more".
fn name_seeds(seeds: &[u64]) -> String {
    let shown: Vec<String> = seeds
        .iter()
        .take(SEEDS_IN_MESSAGE)
        .map(u64::to_string)
        .collect();
    let noun = if seeds.len() == 1 { "seed" } else { "seeds" };
    let mut named = format!("{noun} {}", shown.join(", "));
    if seeds.len() > SEEDS_IN_MESSAGE {
        let _ = write!(named, " and {} more", seeds.len() - SEEDS_IN_MESSAGE);
    }
    named
}

fn determinism_of(summary: &RunSummary) -> Determinism {
    let mut text = String::new();
    for record in &summary.nondeterministic {
        let _ = writeln!(
            text,
            "seed {}: trace {} then {}\n  first divergence: {}",
            record.seed, record.first_hash, record.second_hash, record.divergence
        );
    }
    Determinism {
        checked: summary.determinism_checked,
        seeds: summary.nondeterministic.iter().map(|r| r.seed).collect(),
        text,
    }
}

impl Determinism {
    fn present(&self) -> bool {
        self.checked > 0 || !self.seeds.is_empty()
    }

    fn failure(&self) -> Option<Failure> {
        (!self.seeds.is_empty()).then(|| Failure {
            message: format!(
                "{} of {} seed(s) run twice diverged: {}",
                self.seeds.len(),
                self.checked,
                name_seeds(&self.seeds)
            ),
            text: self.text.clone(),
        })
    }
}

/// The `coverage` case's failure (when some requirement is unmet) and its report of
/// every requirement.
fn coverage(requirements: &[ProbeRequirement]) -> (Option<Failure>, String) {
    let mut report = String::new();
    for requirement in requirements {
        let status = if requirement.met() { "met" } else { "UNMET" };
        let _ = writeln!(
            report,
            "{}: hit {}, required at least {} ({status})",
            requirement.probe, requirement.hit, requirement.at_least
        );
    }
    let unmet: Vec<String> = requirements
        .iter()
        .filter(|requirement| !requirement.met())
        .map(|r| format!("{} {} < {}", r.probe, r.hit, r.at_least))
        .collect();
    let failure = (!unmet.is_empty()).then(|| Failure {
        message: format!("probes below their required count: {}", unmet.join(", ")),
        text: report.clone(),
    });
    (failure, report)
}

/// Renders suites as a `<testsuites>` document; counts and times are computed here, from
/// the cases, so they are right by construction.
pub(crate) fn render(suites: &[Suite]) -> String {
    let mut body = String::new();
    let (mut tests, mut failures, mut time) = (0, 0, 0.0);
    for suite in suites {
        let totals = render_suite(&mut body, suite);
        tests += totals.0;
        failures += totals.1;
        time += totals.2;
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"zksim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">"
    );
    out.push_str(&body);
    out.push_str("</testsuites>\n");
    out
}

/// Appends one `<testsuite>`; returns its (tests, failures, time).
fn render_suite(out: &mut String, suite: &Suite) -> (usize, usize, f64) {
    let classname = format!("zksim.{}", suite.scenario);
    let mut cases = String::new();
    let mut failures = 0;
    let mut time = 0.0;
    for case in &suite.seed_cases {
        let name = format!("seeds {}..{}", case.seeds.start, case.seeds.end);
        let failure = case.failure.as_ref().map(|f| (f, "violation"));
        failures += usize::from(failure.is_some());
        time += case.time;
        render_case(&mut cases, &name, &classname, case.time, failure, None);
    }
    let mut tests = suite.seed_cases.len();
    if !suite.requirements.is_empty() {
        let (failure, report) = coverage(&suite.requirements);
        failures += usize::from(failure.is_some());
        tests += 1;
        // A failure carries the report as its text; a pass shows it as output.
        let report = failure.is_none().then_some(report);
        let failure = failure.as_ref().map(|f| (f, "coverage"));
        render_case(
            &mut cases,
            "coverage",
            &classname,
            0.0,
            failure,
            report.as_deref(),
        );
    }
    if suite.determinism.present() {
        let failure = suite.determinism.failure();
        failures += usize::from(failure.is_some());
        tests += 1;
        let failure = failure.as_ref().map(|f| (f, "nondeterminism"));
        render_case(&mut cases, "determinism", &classname, 0.0, failure, None);
    }
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\">",
        escape(&suite.name, true)
    );
    render_properties(out, suite);
    out.push_str(&cases);
    out.push_str("  </testsuite>\n");
    (tests, failures, time)
}

fn render_properties(out: &mut String, suite: &Suite) {
    let mut properties = vec![
        (SCENARIO.to_string(), suite.scenario.clone()),
        (GROUP_SIZE.to_string(), suite.group_size.to_string()),
    ];
    for requirement in &suite.requirements {
        properties.push((
            format!("{REQUIREMENT_PREFIX}{}", requirement.probe),
            format!("{}/{}", requirement.hit, requirement.at_least),
        ));
    }
    if suite.determinism.present() {
        let seeds: Vec<String> = suite.determinism.seeds.iter().map(u64::to_string).collect();
        properties.push((
            DETERMINISM_CHECKED.into(),
            suite.determinism.checked.to_string(),
        ));
        properties.push((NONDETERMINISTIC_SEEDS.into(), seeds.join(" ")));
    }
    out.push_str("    <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape(&name, true),
            escape(&value, true)
        );
    }
    out.push_str("    </properties>\n");
}

pub(crate) const SCENARIO: &str = "zksim.scenario";
pub(crate) const GROUP_SIZE: &str = "zksim.group_size";
pub(crate) const REQUIREMENT_PREFIX: &str = "zksim.requirement.";
pub(crate) const DETERMINISM_CHECKED: &str = "zksim.determinism_checked";
pub(crate) const NONDETERMINISTIC_SEEDS: &str = "zksim.nondeterministic_seeds";

fn render_case(
    out: &mut String,
    name: &str,
    classname: &str,
    time: f64,
    failure: Option<(&Failure, &str)>,
    system_out: Option<&str>,
) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{time:.3}\"",
        escape(name, true),
        escape(classname, true)
    );
    if failure.is_none() && system_out.is_none() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    if let Some((failure, kind)) = failure {
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"{kind}\">{}</failure>",
            escape(&failure.message, true),
            escape(&failure.text, false)
        );
    }
    if let Some(text) = system_out {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            escape(text, false)
        );
    }
    out.push_str("    </testcase>\n");
}

/// Reads back a document written by [`junit_xml`] (or by the JUnit merge). Only what the
/// merge needs is kept; coverage and `<system-out>` are recomputed, not read.
pub(crate) fn parse(xml: &str) -> Result<Vec<Suite>, String> {
    let document = roxmltree::Document::parse(xml).map_err(|e| format!("not valid XML: {e}"))?;
    let root = document.root_element();
    match root.tag_name().name() {
        "testsuites" => root
            .children()
            .filter(|node| node.has_tag_name("testsuite"))
            .map(parse_suite)
            .collect(),
        "testsuite" => Ok(vec![parse_suite(root)?]),
        other => Err(format!(
            "root element <{other}> is not <testsuites>: not a JUnit file"
        )),
    }
}

type Node<'a> = roxmltree::Node<'a, 'a>;

fn parse_suite(node: Node<'_>) -> Result<Suite, String> {
    let name = node
        .attribute("name")
        .ok_or("a <testsuite> has no name")?
        .to_string();
    parse_suite_named(node, &name).map_err(|e| format!("suite `{name}`: {e}"))
}

fn parse_suite_named(node: Node<'_>, name: &str) -> Result<Suite, String> {
    let properties = parse_properties(node);
    let property = |key: &str| {
        properties
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    };
    let scenario = property(SCENARIO).ok_or("no zksim.scenario property: not written by zksim")?;
    let group_size =
        property(GROUP_SIZE).ok_or("no zksim.group_size property: not written by zksim")?;
    let group_size = parse_number(group_size, GROUP_SIZE)?.max(1);
    let mut suite = Suite {
        name: name.to_string(),
        scenario: scenario.to_string(),
        group_size,
        seed_cases: Vec::new(),
        requirements: parse_requirements(&properties)?,
        determinism: Determinism {
            checked: property(DETERMINISM_CHECKED)
                .map_or(Ok(0), |v| parse_number(v, DETERMINISM_CHECKED))?,
            seeds: parse_seed_list(property(NONDETERMINISTIC_SEEDS).unwrap_or(""))?,
            text: String::new(),
        },
    };
    for case in node.children().filter(|n| n.has_tag_name("testcase")) {
        parse_case(case, &mut suite)?;
    }
    Ok(suite)
}

fn parse_properties(suite: Node<'_>) -> Vec<(String, String)> {
    suite
        .children()
        .filter(|node| node.has_tag_name("properties"))
        .flat_map(|properties| properties.children())
        .filter(|node| node.has_tag_name("property"))
        .map(|property| {
            let name = property.attribute("name").unwrap_or_default();
            let value = property.attribute("value").unwrap_or_default();
            (name.to_string(), value.to_string())
        })
        .collect()
}

fn parse_requirements(properties: &[(String, String)]) -> Result<Vec<ProbeRequirement>, String> {
    let mut requirements = Vec::new();
    for (name, value) in properties {
        let Some(probe) = name.strip_prefix(REQUIREMENT_PREFIX) else {
            continue;
        };
        let (hit, at_least) = value
            .split_once('/')
            .ok_or_else(|| format!("property {name} = `{value}` is not HIT/AT_LEAST"))?;
        requirements.push(ProbeRequirement {
            probe: probe.to_string(),
            at_least: parse_number(at_least, name)?,
            hit: parse_number(hit, name)?,
        });
    }
    Ok(requirements)
}

/// Files a `<testcase>` under its suite: a seed group, or the determinism record.
fn parse_case(case: Node<'_>, suite: &mut Suite) -> Result<(), String> {
    let name = case.attribute("name").ok_or("a <testcase> has no name")?;
    let failure = case
        .children()
        .find(|n| n.has_tag_name("failure"))
        .map(|f| Failure {
            message: f.attribute("message").unwrap_or_default().to_string(),
            text: f.text().unwrap_or_default().to_string(),
        });
    if let Some(range) = name.strip_prefix("seeds ") {
        let time = case.attribute("time").unwrap_or("0");
        let time = time
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| format!("test case `{name}`: time `{time}` is not a duration"))?;
        suite.seed_cases.push(SeedCase {
            seeds: parse_range(range)?,
            time,
            failure,
        });
        return Ok(());
    }
    match name {
        "coverage" => Ok(()),
        "determinism" => {
            suite.determinism.text = failure.map(|f| f.text).unwrap_or_default();
            Ok(())
        }
        _ => Err(format!("test case `{name}` was not written by zksim")),
    }
}

fn parse_range(text: &str) -> Result<Range<u64>, String> {
    let (start, end) = text
        .split_once("..")
        .ok_or_else(|| format!("`seeds {text}` is not a seed range A..B"))?;
    let range = parse_number(start, "seed")?..parse_number(end, "seed")?;
    if range.start >= range.end {
        return Err(format!("`seeds {text}` is an empty range"));
    }
    Ok(range)
}

fn parse_seed_list(text: &str) -> Result<Vec<u64>, String> {
    text.split_whitespace()
        .map(|seed| parse_number(seed, NONDETERMINISTIC_SEEDS))
        .collect()
}

fn parse_number(text: &str, what: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what}: `{text}` is not a number"))
}

/// XML-escapes `text` for an attribute value or element content. Characters XML 1.0
/// cannot carry at all (most control characters) are written as `\u{..}` so the document
/// stays well-formed and the message stays legible.
pub(crate) fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            // Parsers turn raw newlines and tabs in attributes into spaces.
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{NondeterminismRecord, ViolationRecord};
    use std::collections::BTreeMap;

    fn failure(seed: u64, kind: &str, message: &str) -> FailureRecord {
        FailureRecord {
            seed,
            trace_hash: format!("{seed:04x}"),
            violations: vec![ViolationRecord {
                kind: kind.into(),
                time_ms: 9,
                node: Some(1),
                message: message.into(),
            }],
            replay: format!("zksim replay --scenario s.json --seed {seed}"),
            report: Some(format!("out/seed-{seed}")),
        }
    }

    /// Seeds 50..260 (5 groups of 100-aligned seeds), three failures in two groups.
    fn summary() -> RunSummary {
        let mut summary = RunSummary::empty("s", "s.json", 50..260, Some("skip-fsync"));
        summary.seeds_run = 210;
        summary.failed = 3;
        summary.passed = 207;
        summary.wall_seconds = 2.1;
        summary.failures = vec![
            failure(60, "lost-acked-write", "lost <x> & \"y\"\u{1}"),
            failure(99, "stale-read", "stale"),
            failure(250, "lost-acked-write", "again"),
        ];
        summary
    }

    fn xml_tree(xml: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML: {e}\n{xml}"))
    }

    fn cases<'a>(doc: &'a roxmltree::Document<'a>) -> Vec<roxmltree::Node<'a, 'a>> {
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect()
    }

    #[test]
    fn seed_groups_align_to_multiples_of_the_group_size() {
        let groups: Vec<_> = seed_groups(50..260, 100).collect();
        assert_eq!(groups, vec![50..100, 100..200, 200..260]);
        assert_eq!(seed_groups(7..7, 10).count(), 0);
        let top: Vec<_> = seed_groups(u64::MAX - 3..u64::MAX, 1 << 63).collect();
        assert_eq!(top, vec![u64::MAX - 3..u64::MAX]);
    }

    #[test]
    fn failing_groups_name_their_seeds_kinds_replays_and_reports() {
        let xml = junit_xml(&[summary()], 100);
        let doc = xml_tree(&xml);
        let root = doc.root_element();
        assert_eq!(root.attribute("tests"), Some("3"));
        assert_eq!(root.attribute("failures"), Some("2"));
        let suite = root.first_element_child().unwrap();
        assert_eq!(suite.attribute("name"), Some("s with bug skip-fsync"));
        let cases = cases(&doc);
        let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
        assert_eq!(names, ["seeds 50..100", "seeds 100..200", "seeds 200..260"]);
        assert!(cases
            .iter()
            .all(|c| c.attribute("classname") == Some("zksim.s")));
        assert_eq!(cases[1].first_element_child(), None);
        let first = cases[0].first_element_child().unwrap();
        assert_eq!(
            first.attribute("message"),
            Some("seeds 60, 99 failed: lost-acked-write, stale-read")
        );
        let text = first.text().unwrap();
        assert!(
            text.contains("zksim replay --scenario s.json --seed 60"),
            "{text}"
        );
        assert!(text.contains("report: out/seed-99"), "{text}");
        assert!(text.contains("lost <x> & \"y\"\\u{1}"), "{text}");
        assert_eq!(cases[0].attribute("time"), Some("0.500"));
    }

    #[test]
    fn coverage_and_determinism_cases_fail_when_unmet_or_diverged() {
        let mut summary = summary();
        summary.probes = BTreeMap::from([("crash".into(), 2), ("partition".into(), 9)]);
        summary.probe_requirements = vec![
            ProbeRequirement {
                probe: "crash".into(),
                at_least: 5,
                hit: 2,
            },
            ProbeRequirement {
                probe: "partition".into(),
                at_least: 1,
                hit: 9,
            },
        ];
        summary.determinism_checked = 10;
        summary.nondeterministic = vec![NondeterminismRecord {
            seed: 70,
            first_hash: "aa".into(),
            second_hash: "bb".into(),
            divergence: "event 3: <Tick>".into(),
        }];
        let xml = junit_xml(&[summary], 1000);
        let doc = xml_tree(&xml);
        assert_eq!(doc.root_element().attribute("tests"), Some("3"));
        assert_eq!(doc.root_element().attribute("failures"), Some("3"));
        let cases = cases(&doc);
        let coverage = cases[1].first_element_child().unwrap();
        assert_eq!(cases[1].attribute("name"), Some("coverage"));
        assert_eq!(
            coverage.attribute("message"),
            Some("probes below their required count: crash 2 < 5")
        );
        assert!(coverage
            .text()
            .unwrap()
            .contains("partition: hit 9, required at least 1 (met)"));
        let determinism = cases[2].first_element_child().unwrap();
        assert_eq!(
            determinism.attribute("message"),
            Some("1 of 10 seed(s) run twice diverged: seed 70")
        );
        assert!(determinism
            .text()
            .unwrap()
            .contains("first divergence: event 3: <Tick>"));
    }

    #[test]
    fn a_clean_run_has_no_failure_and_several_suites_add_up() {
        let mut clean = RunSummary::empty("t", "t", 0..10, None);
        clean.seeds_run = 10;
        clean.passed = 10;
        clean.determinism_checked = 10;
        let xml = junit_xml(&[clean, summary()], 5);
        let doc = xml_tree(&xml);
        let root = doc.root_element();
        let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        assert_eq!(suites[0].attribute("tests"), Some("3"));
        assert_eq!(suites[0].attribute("failures"), Some("0"));
        assert_eq!(suites[1].attribute("tests"), Some("42"));
        assert_eq!(suites[1].attribute("failures"), Some("3"));
        assert_eq!(root.attribute("tests"), Some("45"));
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("failure"))
                .count(),
            3
        );
    }

    #[test]
    fn parse_reads_back_what_render_wrote() {
        let mut summary = summary();
        summary.wall_seconds = 0.0;
        // Control characters are rewritten on the way out, so they cannot come back.
        summary.failures[0].violations[0].message = "lost <x> & \"y\"".into();
        summary.probes = BTreeMap::from([("crash".into(), 2)]);
        summary.probe_requirements = vec![ProbeRequirement {
            probe: "crash".into(),
            at_least: 5,
            hit: 2,
        }];
        summary.determinism_checked = 4;
        summary.nondeterministic = vec![NondeterminismRecord {
            seed: 51,
            first_hash: "aa".into(),
            second_hash: "bb".into(),
            divergence: "event 3 & more".into(),
        }];
        let suite = suite_of(&summary, 100);
        assert_eq!(
            parse(&render(std::slice::from_ref(&suite))),
            Ok(vec![suite])
        );
    }

    #[test]
    fn parse_rejects_what_zksim_did_not_write() {
        let cases = [
            ("<testsuites>", "not valid XML"),
            ("<html/>", "root element <html>"),
            ("<testsuites><testsuite/></testsuites>", "has no name"),
            ("<testsuite name=\"x\"/>", "no zksim.scenario property"),
        ];
        for (xml, expected) in cases {
            let error = parse(xml).unwrap_err();
            assert!(error.contains(expected), "{xml}: {error}");
        }
        let xml = junit_xml(&[summary()], 100).replace("seeds 100..200", "seeds 9..x");
        let error = parse(&xml).unwrap_err();
        assert!(
            error.contains("suite `s with bug skip-fsync`: seed: `x` is not a number"),
            "{error}"
        );
        let xml = junit_xml(&[summary()], 100).replace("name=\"coverage\"", "name=\"other\"");
        let xml = xml.replace("seeds 100..200", "other");
        assert!(parse(&xml)
            .unwrap_err()
            .contains("`other` was not written by zksim"));
    }

    #[test]
    fn escape_keeps_documents_well_formed() {
        assert_eq!(escape("a<b>&\"'", true), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("l1\nl2\t\u{7}", true), "l1&#10;l2&#9;\\u{7}");
        assert_eq!(escape("l1\nl2", false), "l1\nl2");
        let xml = format!(
            "<a b=\"{}\">{}</a>",
            escape("x\ny\u{0}", true),
            escape("\u{FFFF}]]>", false)
        );
        let doc = xml_tree(&xml);
        assert_eq!(doc.root_element().attribute("b"), Some("x\ny\\u{0}"));
        assert_eq!(doc.root_element().text(), Some("\\u{ffff}]]>"));
    }
}
