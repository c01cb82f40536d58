//! `timeline.svg`: one row per replica over virtual time (its roles, with
//! epochs, and the faults that hit it), network-wide faults in a band on
//! top, and below, each replica's applied-transaction count, so a reader
//! sees who led when, what broke, and whose state moved before the
//! violation.

use super::canvas::{
    anchor, axes, bold, font, svg, text, text_width, title, Area, AxesSpec, Drawn, Frame, INK,
    MUTED, WIDTH,
};
use super::commits;
use super::fault_lanes::{self, FaultLanes};
use super::legend::{self, Entry, Swatch};
use super::palette;
use crate::report::{FailureReport, ReplicaTimeline};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeSet;

/// Where a row's role bar lies, from the row's top.
const ROLE_BAR: (i32, i32) = (8, 36);
/// Where a row's first fault lane starts, from the row's top.
const FAULTS_TOP: i32 = 42;
const LEGEND_TOP: i32 = 52;
const X_LABELS: i32 = 44;

/// Vertical positions, computed before drawing so the canvas fits: rows
/// grow with the fault lanes they need.
struct Layout<'a> {
    network: FaultLanes<'a>,
    /// Each replica's faults, and its row's offset from the plot's top.
    rows: Vec<(FaultLanes<'a>, i32)>,
    rows_top: i32,
    rows_bottom: i32,
    commits_top: i32,
    height: i32,
}

impl<'a> Layout<'a> {
    fn new(report: &'a FailureReport, legend_height: i32, end_ms: f64) -> Self {
        let faults_of = |wanted: &dyn Fn(&[u32]) -> bool| {
            let faults = report.faults.iter().filter(|f| wanted(&f.nodes)).collect();
            FaultLanes::new(faults, end_ms)
        };
        let network = faults_of(&|nodes| nodes.is_empty());
        let mut offset = network_height(&network);
        let mut rows = Vec::new();
        for n in 0..super::node_count(report) {
            let faults = faults_of(&|nodes| nodes.contains(&n));
            let height = FAULTS_TOP + fault_lanes::LANE * faults.lanes().max(1) as i32 + 4;
            rows.push((faults, offset));
            offset += height;
        }
        let rows_top = LEGEND_TOP + legend_height + 28;
        let rows_bottom = rows_top + offset.max(40);
        let commits_top = rows_bottom + X_LABELS + commits::HEADING;
        Layout {
            network,
            rows,
            rows_top,
            rows_bottom,
            commits_top,
            height: commits_top + commits::PLOT + X_LABELS + 8,
        }
    }
}

/// The band of network-wide faults: none, or its lanes and a margin.
fn network_height(network: &FaultLanes) -> i32 {
    if network.is_empty() {
        0
    } else {
        8 + fault_lanes::LANE * network.lanes() as i32 + 4
    }
}

/// Renders `timeline.svg`.
pub(crate) fn render(report: &FailureReport) -> String {
    let entries = legend_entries(report);
    let end = end_ms(report);
    let layout = Layout::new(report, legend::height(WIDTH as i32 - 32, &entries), end);
    svg((WIDTH, layout.height as u32), |area| {
        title(area, "Replica roles, faults and commits over virtual time")?;
        legend::draw(area, (16, LEGEND_TOP), WIDTH as i32 - 16, &entries)?;
        let spec = AxesSpec {
            x: 0.0..end,
            y: 0.0..1.0,
            x_desc: "virtual time (ms)",
            y_desc: None,
            top: layout.rows_top as u32,
            bottom: (layout.height - layout.rows_bottom - X_LABELS) as u32,
        };
        let rows = axes(area, &spec)?;
        draw_network(area, &layout, &rows)?;
        draw_rows(area, report, &layout, &rows)?;
        let nodes = layout.rows.len() as u32;
        let bottom = (X_LABELS + 8) as u32;
        let panel = commits::frame(area, report, (nodes, end), layout.commits_top, bottom)?;
        commits::draw(area, report, &panel)?;
        super::marker::violation(area, report, &rows, panel.bottom)
    })
}

/// The end of the time axis: the run's length, widened to anything later.
fn end_ms(report: &FailureReport) -> f64 {
    let latest = report
        .timeline
        .iter()
        .flat_map(|row| row.segments.iter().map(|s| s.end_ms))
        .chain(report.faults.iter().map(|f| f.end_ms.unwrap_or(f.at_ms)))
        .chain(report.violations.iter().map(|v| v.time_ms))
        .max()
        .unwrap_or(0);
    report.virtual_ms.max(latest).max(1) as f64
}

/// Roles, then the fault kinds present, then the violation marker.
fn legend_entries(report: &FailureReport) -> Vec<Entry> {
    let mut roles: Vec<&str> = palette::ROLES.to_vec();
    let others: BTreeSet<&str> = report
        .timeline
        .iter()
        .flat_map(|row| row.segments.iter().map(|s| s.role.as_str()))
        .filter(|role| !palette::ROLES.contains(role))
        .collect();
    roles.extend(others);
    let mut entries: Vec<Entry> = roles
        .into_iter()
        .map(|role| Entry::new(role, palette::role(role), Swatch::Block))
        .collect();
    let kinds: BTreeSet<&str> = report.faults.iter().map(|f| f.kind.as_str()).collect();
    for kind in kinds {
        let label = format!("fault: {kind}");
        entries.push(Entry::new(label, palette::fault(kind), Swatch::Block));
    }
    if !report.violations.is_empty() {
        entries.push(Entry::new(
            "first violation",
            palette::VIOLATION,
            Swatch::Line,
        ));
    }
    entries
}

/// The band of faults that name no replica, each also shading every row.
fn draw_network(area: &Area, layout: &Layout, frame: &Frame) -> Drawn {
    if layout.network.is_empty() {
        return Ok(());
    }
    let label = anchor(bold(14.0, MUTED), HPos::Right, VPos::Center);
    text(area, "all", (frame.left - 14, frame.top + 16), &label)?;
    let band_bottom = frame.top + network_height(&layout.network);
    for fault in layout.network.faults() {
        let x0 = frame.x(fault.at_ms as f64);
        let x1 = frame
            .x(fault.end_ms.unwrap_or(fault.at_ms) as f64)
            .max(x0 + 2);
        let shade = palette::fault(&fault.kind).mix(0.07).filled();
        let rows = [(x0, band_bottom), (x1, layout.rows_bottom)];
        area.draw(&Rectangle::new(rows, shade))?;
    }
    layout.network.draw(area, frame, frame.top + 8)
}

/// Every replica's row: label, role segments, its faults, a separator.
fn draw_rows(area: &Area, report: &FailureReport, layout: &Layout, frame: &Frame) -> Drawn {
    for (n, (faults, offset)) in layout.rows.iter().enumerate() {
        let n = n as u32;
        let top = frame.top + offset;
        let label = anchor(bold(17.0, palette::node(n)), HPos::Right, VPos::Center);
        let label_y = top + (ROLE_BAR.0 + ROLE_BAR.1) / 2;
        text(area, &format!("n{n}"), (frame.left - 14, label_y), &label)?;
        if let Some(row) = report.timeline.iter().find(|row| row.node == n) {
            draw_segments(area, row, frame, top)?;
        }
        faults.draw(area, frame, top + FAULTS_TOP)?;
        let bottom = top + FAULTS_TOP + fault_lanes::LANE * faults.lanes().max(1) as i32 + 4;
        let rule = palette::RULE.stroke_width(1);
        let separator = vec![(frame.left, bottom), (frame.right, bottom)];
        area.draw(&PathElement::new(separator, rule))?;
    }
    Ok(())
}

/// A replica's role bar, each segment labelled where its label fits.
fn draw_segments(area: &Area, row: &ReplicaTimeline, frame: &Frame, top: i32) -> Drawn {
    let (bar_top, bar_bottom) = (top + ROLE_BAR.0, top + ROLE_BAR.1);
    for segment in &row.segments {
        let x0 = frame.x(segment.start_ms as f64);
        let x1 = frame.x(segment.end_ms as f64).max(x0 + 1);
        let color = palette::role(&segment.role);
        area.draw(&Rectangle::new(
            [(x0, bar_top), (x1, bar_bottom)],
            color.filled(),
        ))?;
        let ink = if palette::role_label_is_light(&segment.role) {
            WHITE
        } else {
            INK
        };
        if let Some(label) = segment_label(&segment.role, segment.epoch, x1 - x0) {
            let style = anchor(font(14.0, ink), HPos::Center, VPos::Center);
            text(
                area,
                &label,
                ((x0 + x1) / 2, (bar_top + bar_bottom) / 2),
                &style,
            )?;
        }
    }
    Ok(())
}

/// The longest of "role e7", "e7", "role" that fits in `width` pixels.
fn segment_label(role: &str, epoch: Option<u32>, width: i32) -> Option<String> {
    let candidates = match epoch {
        Some(epoch) => vec![format!("{role} e{epoch}"), format!("e{epoch}")],
        None => vec![role.to_string()],
    };
    candidates
        .into_iter()
        .find(|label| text_width(label, 14.0) + 8 <= width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_labels_shrink_to_fit_or_vanish() {
        assert_eq!(
            segment_label("leading", Some(2), 400).as_deref(),
            Some("leading e2")
        );
        assert_eq!(segment_label("leading", Some(2), 30).as_deref(), Some("e2"));
        assert_eq!(segment_label("leading", Some(2), 10), None);
        assert_eq!(segment_label("down", None, 400).as_deref(), Some("down"));
        assert_eq!(segment_label("looking", None, 20), None);
    }
}
