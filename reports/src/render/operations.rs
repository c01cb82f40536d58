//! `operations.svg`: the client operations involved in the violation, one
//! lane per client, each a bar from its call to its return. Operations of
//! the violation's minimal set are red, the others grey; an operation whose
//! outcome is unknown fades out to the right edge, since it may have taken
//! effect at any later time.

use super::canvas::{
    anchor, axes, bold, empty_note, font, svg, text, text_width, title, truncate, Area, AxesSpec,
    Drawn, Frame, INK, WIDTH,
};
use super::legend::{self, Entry, Swatch};
use super::palette;
use super::stack::stack;
use crate::report::{FailureReport, OperationRecord};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeMap;

/// Height of one sub-row: a label above a bar.
const SUB_ROW: i32 = 42;
/// Space between clients' lanes.
const LANE_GAP: i32 = 10;
const LEGEND_TOP: i32 = 52;
const LABEL_SIZE: f64 = 13.0;

/// One operation placed in its client's lane.
struct Placed<'a> {
    op: &'a OperationRecord,
    sub_row: usize,
}

/// Renders `operations.svg`.
pub(crate) fn render(report: &FailureReport) -> String {
    let lanes = lanes(&report.operations);
    let entries = legend_entries(report);
    let legend_height = legend::height(WIDTH as i32 - 32, &entries);
    let plot_top = LEGEND_TOP + legend_height + 24;
    let lanes_height: i32 = lanes.values().map(|lane| lane_height(lane)).sum();
    let height = plot_top + lanes_height.max(120) + 44 + 8;
    svg((WIDTH, height as u32), |area| {
        let count = report.operations.len();
        title(
            area,
            &format!("Client operations ({count}), one lane per client"),
        )?;
        legend::draw(area, (16, LEGEND_TOP), WIDTH as i32 - 16, &entries)?;
        let Some(range) = time_range_ms(report) else {
            return empty_note(area, "no client operations in this report");
        };
        let spec = AxesSpec {
            x: range,
            y: 0.0..1.0,
            x_desc: "virtual time (ms)",
            y_desc: None,
            top: plot_top as u32,
            bottom: 8,
        };
        let frame = axes(area, &spec)?;
        let mut top = frame.top;
        for (client, lane) in &lanes {
            draw_lane(area, *client, lane, &frame, top)?;
            top += lane_height(lane);
        }
        super::marker::violation(area, report, &frame, frame.bottom)
    })
}

/// Operations grouped by client, stacked in sub-rows where they overlap
/// (a client may pipeline requests); an unknown outcome never ends.
fn lanes(ops: &[OperationRecord]) -> BTreeMap<u32, Vec<Placed<'_>>> {
    let mut by_client: BTreeMap<u32, Vec<&OperationRecord>> = BTreeMap::new();
    for op in ops {
        by_client.entry(op.client).or_default().push(op);
    }
    by_client
        .into_iter()
        .map(|(client, mut ops)| {
            ops.sort_by_key(|op| (op.call_us, op.id));
            let intervals: Vec<(u64, u64)> = ops
                .iter()
                .map(|op| (op.call_us, op.ret_us.unwrap_or(u64::MAX)))
                .collect();
            let placed = ops
                .into_iter()
                .zip(stack(&intervals))
                .map(|(op, sub_row)| Placed { op, sub_row })
                .collect();
            (client, placed)
        })
        .collect()
}

fn lane_height(lane: &[Placed]) -> i32 {
    let sub_rows = lane.iter().map(|p| p.sub_row + 1).max().unwrap_or(1);
    sub_rows as i32 * SUB_ROW + LANE_GAP
}

fn legend_entries(report: &FailureReport) -> Vec<Entry> {
    let mut entries = vec![
        Entry::new("in the violation", palette::VIOLATION, Swatch::Block),
        Entry::new("other operation", palette::NEUTRAL, Swatch::Block),
        Entry::new("unknown outcome", palette::NEUTRAL, Swatch::Faded),
    ];
    if !report.violations.is_empty() {
        entries.push(Entry::new(
            "first violation",
            palette::VIOLATION,
            Swatch::Line,
        ));
    }
    entries
}

/// From the first call to the last return, with room on the right where
/// unknown outcomes run out.
fn time_range_ms(report: &FailureReport) -> Option<std::ops::Range<f64>> {
    let ops = &report.operations;
    let first = ops.iter().map(|op| op.call_us).min()?;
    let last = ops
        .iter()
        .map(|op| op.ret_us.unwrap_or(op.call_us))
        .max()
        .unwrap_or(first);
    let span = last.saturating_sub(first).max(1000) as f64;
    let start = first as f64 - span * 0.02;
    let end = last as f64 + span * 0.08;
    Some(start.max(0.0) / 1000.0..end / 1000.0)
}

/// One client's lane: its label, a separator, and its operations.
fn draw_lane(area: &Area, client: u32, lane: &[Placed], frame: &Frame, top: i32) -> Drawn {
    let label = anchor(bold(15.0, INK), HPos::Right, VPos::Center);
    text(
        area,
        &format!("client {client}"),
        (frame.left - 12, top + 27),
        &label,
    )?;
    let bottom = top + lane_height(lane);
    let rule = palette::RULE.stroke_width(1);
    area.draw(&PathElement::new(
        vec![(frame.left, bottom), (frame.right, bottom)],
        rule,
    ))?;
    // Where the last label drawn in each sub-row ends.
    let mut label_ends: BTreeMap<usize, i32> = BTreeMap::new();
    for (i, placed) in lane.iter().enumerate() {
        let next_start = lane[i + 1..]
            .iter()
            .find(|other| other.sub_row == placed.sub_row)
            .map_or(frame.right, |other| {
                frame.x(other.op.call_us as f64 / 1000.0)
            });
        let previous_end = label_ends
            .get(&placed.sub_row)
            .copied()
            .unwrap_or(frame.left);
        let sub_top = top + SUB_ROW * placed.sub_row as i32;
        let bar = draw_bar(area, placed.op, frame, sub_top)?;
        let label_end = draw_label(area, placed.op, bar, (previous_end, next_start), sub_top)?;
        label_ends.insert(placed.sub_row, label_end);
    }
    Ok(())
}

/// The operation's bar; returns its pixel columns.
fn draw_bar(area: &Area, op: &OperationRecord, frame: &Frame, top: i32) -> Drawn<(i32, i32)> {
    let color = if op.in_violation {
        palette::VIOLATION
    } else {
        palette::NEUTRAL
    };
    let x0 = frame.x(op.call_us as f64 / 1000.0);
    let x1 = op
        .ret_us
        .map_or(frame.right, |ret| frame.x(ret as f64 / 1000.0))
        .max(x0 + 3);
    let bar = [(x0, top + 22), (x1, top + 36)];
    match op.ret_us {
        Some(_) => area.draw(&Rectangle::new(bar, color.filled()))?,
        None => {
            area.draw(&Rectangle::new(bar, color.mix(0.25).filled()))?;
            let (l, t, r, b) = (bar[0].0, bar[0].1, bar[1].0, bar[1].1);
            let outline = vec![(l, t), (r, t), (r, b), (l, b), (l, t)];
            area.draw(&DashedPathElement::new(
                outline,
                6,
                4,
                color.stroke_width(1),
            ))?;
        }
    }
    Ok((x0, x1))
}

/// The label above a bar, between the previous label's end and the next
/// operation's start: left-aligned on the call when it fits there,
/// otherwise on whichever side has more room, cut to fit. Returns where
/// the label ends.
fn draw_label(
    area: &Area,
    op: &OperationRecord,
    (x0, x1): (i32, i32),
    (previous_end, next_start): (i32, i32),
    top: i32,
) -> Drawn<i32> {
    let label = operation_label(op);
    let chars = |room: i32| (room.max(0) as f64 / (LABEL_SIZE * 0.46)) as usize;
    let room_right = next_start - x0 - 8;
    let room_left = x1 - previous_end - 8;
    let whole = label.chars().count();
    let on_the_right = chars(room_right) >= whole || room_right >= room_left;
    let (h, at, max_chars) = if on_the_right {
        (HPos::Left, x0, chars(room_right))
    } else {
        (HPos::Right, x1, chars(room_left))
    };
    if max_chars < 4 {
        return Ok(previous_end);
    }
    let label = truncate(&label, max_chars);
    let ink = if op.in_violation {
        palette::VIOLATION
    } else {
        INK
    };
    let style = anchor(font(LABEL_SIZE, ink), h, VPos::Center);
    text(area, &label, (at, top + 12), &style)?;
    let width = text_width(&label, LABEL_SIZE);
    Ok(if on_the_right { x0 + width } else { x1 })
}

/// `#12 setData /k1 "v3" → ok`: the history index, request and outcome.
fn operation_label(op: &OperationRecord) -> String {
    format!("#{} {} → {}", op.id, op.request, op.outcome)
}
