//! The commits panel under the timeline: each replica's applied-transaction
//! count over time as a step line in its node colour, so a replica that
//! stalls (partitioned, crashed) or falls back (recovered from an older
//! state) shows as a line that leaves the others.

use super::canvas::{anchor, axes, bold, text, Area, AxesSpec, Drawn, Frame, INK, WIDTH};
use super::legend::{self, Entry, Swatch};
use super::palette;
use crate::report::{FailureReport, ReplicaTimeline};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The panel's plot height.
pub(crate) const PLOT: i32 = 190;
/// The heading above the panel, from its plot's top.
pub(crate) const HEADING: i32 = 44;

/// Draws the heading, the node legend and the axes of a panel whose plot
/// starts at pixel row `top` and whose canvas ends `bottom` pixels below.
pub(crate) fn frame(
    area: &Area,
    report: &FailureReport,
    (nodes, end_ms): (u32, f64),
    top: i32,
    bottom: u32,
) -> Drawn<Frame> {
    let heading = anchor(bold(16.0, INK), HPos::Left, VPos::Center);
    let heading_y = top - 22;
    text(
        area,
        "Applied transactions per replica",
        (16, heading_y),
        &heading,
    )?;
    let entries: Vec<Entry> = (0..nodes)
        .map(|n| Entry::new(format!("n{n}"), palette::node(n), Swatch::Line))
        .collect();
    legend::draw(area, (340, heading_y), WIDTH as i32 - 16, &entries)?;
    let most = report
        .timeline
        .iter()
        .flat_map(|row| row.commits.iter().map(|c| c.applied))
        .max()
        .unwrap_or(0)
        .max(1);
    let spec = AxesSpec {
        x: 0.0..end_ms,
        y: 0.0..(most as f64 * 1.08).ceil(),
        x_desc: "virtual time (ms)",
        y_desc: Some("applied txns"),
        top: top as u32,
        bottom,
    };
    axes(area, &spec)
}

/// Every replica's line.
pub(crate) fn draw(area: &Area, report: &FailureReport, frame: &Frame) -> Drawn {
    for row in &report.timeline {
        let points = step_points(row, frame);
        if !points.is_empty() {
            let style = palette::node(row.node).stroke_width(2);
            area.draw(&PathElement::new(points, style))?;
        }
    }
    Ok(())
}

/// The step line through a replica's commit points, held flat until its
/// timeline ends (the count stays what it was).
fn step_points(row: &ReplicaTimeline, frame: &Frame) -> Vec<(i32, i32)> {
    let Some(first) = row.commits.first() else {
        return Vec::new();
    };
    let mut points = vec![(frame.x(first.time_ms as f64), frame.y(first.applied as f64))];
    for pair in row.commits.windows(2) {
        let x = frame.x(pair[1].time_ms as f64);
        points.push((x, frame.y(pair[0].applied as f64)));
        points.push((x, frame.y(pair[1].applied as f64)));
    }
    let last_ms = row.segments.last().map_or(0, |s| s.end_ms);
    if let Some(&(x, y)) = points.last() {
        points.push((frame.x(last_ms as f64).max(x), y));
    }
    points
}
