//! `messages.svg`: a space-time (Lamport) diagram of the peer messages in
//! the window before the first violation. One horizontal line per replica,
//! time to the right, an arrow per message from its send to its delivery,
//! coloured by ZAB message kind; a dropped message is a short stub that
//! ends in a red cross, so what never arrived stands out.

use super::canvas::{
    anchor, axes, bold, empty_note, number, svg, text, title, Area, AxesSpec, Drawn, Frame, WIDTH,
};
use super::legend::{self, Entry, Swatch};
use super::palette;
use crate::report::{FailureReport, MessageRecord};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeMap;

/// Vertical space per replica line.
const ROW: i32 = 100;
const LEGEND_TOP: i32 = 52;

/// Renders `messages.svg`.
pub(crate) fn render(report: &FailureReport) -> String {
    let shown = shown_messages(report);
    let kinds = kind_counts(&shown);
    let entries = legend_entries(report, &shown, &kinds);
    let legend_height = legend::height(WIDTH as i32 - 32, &entries);
    let nodes = super::node_count(report).max(1);
    let plot_top = LEGEND_TOP + legend_height + 24;
    let height = plot_top + ROW * nodes as i32 + 44 + 8;
    svg((WIDTH, height as u32), |area| {
        title(area, &heading(report, &shown))?;
        legend::draw(area, (16, LEGEND_TOP), WIDTH as i32 - 16, &entries)?;
        let Some(range) = time_range_ms(report, &shown) else {
            return empty_note(area, "no peer messages in the window before the violation");
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
        draw_node_lines(area, nodes, &frame)?;
        // Dense windows get fainter lines, so crossings stay legible.
        let opacity = if shown.len() > 150 { 0.6 } else { 0.85 };
        for message in &shown {
            let color = palette::kind(&message.kind);
            draw_message(area, message, color.mix(opacity), &frame)?;
        }
        super::marker::violation(area, report, &frame, frame.bottom)
    })
}

/// The messages sent inside the window (all of them when the window is
/// empty or inverted, rather than silently none).
fn shown_messages(report: &FailureReport) -> Vec<&MessageRecord> {
    let [from, to] = report.message_window_us;
    report
        .messages
        .iter()
        .filter(|m| to <= from || (from..=to).contains(&m.send_us))
        .collect()
}

/// Message kinds with their counts, in name order.
fn kind_counts<'a>(shown: &[&'a MessageRecord]) -> BTreeMap<&'a str, usize> {
    let mut kinds = BTreeMap::new();
    for message in shown {
        *kinds.entry(message.kind.as_str()).or_insert(0) += 1;
    }
    kinds
}

fn heading(report: &FailureReport, shown: &[&MessageRecord]) -> String {
    let dropped = shown.iter().filter(|m| m.deliver_us.is_none()).count();
    let counts = format!("{} messages, {dropped} dropped", shown.len());
    match report.message_window_us {
        [from, to] if to > from => format!(
            "Peer messages sent {}–{} ms: {counts}",
            number(from as f64 / 1000.0),
            number(to as f64 / 1000.0)
        ),
        _ => format!("Peer messages: {counts}"),
    }
}

fn legend_entries(
    report: &FailureReport,
    shown: &[&MessageRecord],
    kinds: &BTreeMap<&str, usize>,
) -> Vec<Entry> {
    let mut entries: Vec<Entry> = kinds
        .iter()
        .map(|(kind, count)| {
            Entry::new(
                format!("{kind} ({count})"),
                palette::kind(kind),
                Swatch::Line,
            )
        })
        .collect();
    let dropped = shown.iter().filter(|m| m.deliver_us.is_none()).count();
    if dropped > 0 {
        let label = format!("dropped ({dropped})");
        entries.push(Entry::new(label, palette::VIOLATION, Swatch::Cross));
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

/// The time axis in ms: the window, widened to the last delivery so no
/// arrow is cut; `None` when there is nothing to draw.
fn time_range_ms(report: &FailureReport, shown: &[&MessageRecord]) -> Option<std::ops::Range<f64>> {
    let first = shown.iter().map(|m| m.send_us).min()?;
    let last = shown
        .iter()
        .map(|m| m.deliver_us.unwrap_or(m.send_us))
        .max()
        .unwrap_or(first);
    let [from, to] = report.message_window_us;
    let (start, end) = if to > from {
        (from.min(first), to.max(last))
    } else {
        (first, last)
    };
    let end = end.max(start.saturating_add(1));
    // A little room after the last event, so the marker is not the border.
    let end = end as f64 + end.saturating_sub(start) as f64 * 0.02;
    Some(start as f64 / 1000.0..end / 1000.0)
}

/// The pixel row of node `n`'s line.
fn node_y(frame: &Frame, n: u32) -> i32 {
    frame.top + ROW / 2 + ROW * n as i32
}

fn draw_node_lines(area: &Area, nodes: u32, frame: &Frame) -> Drawn {
    for n in 0..nodes {
        let y = node_y(frame, n);
        let line = palette::NEUTRAL.stroke_width(2);
        area.draw(&PathElement::new(
            vec![(frame.left, y), (frame.right, y)],
            line,
        ))?;
        let label = anchor(bold(17.0, palette::node(n)), HPos::Right, VPos::Center);
        text(area, &format!("n{n}"), (frame.left - 14, y), &label)?;
    }
    Ok(())
}

/// An arrow from send to delivery, or a stub ending in a cross if dropped.
fn draw_message(area: &Area, message: &MessageRecord, color: RGBAColor, frame: &Frame) -> Drawn {
    let from = (
        frame.x(message.send_us as f64 / 1000.0),
        node_y(frame, message.from),
    );
    let to_y = node_y(frame, message.to);
    match message.deliver_us {
        Some(deliver_us) => {
            let to = (frame.x(deliver_us as f64 / 1000.0), to_y);
            area.draw(&PathElement::new(vec![from, to], color.stroke_width(1)))?;
            draw_arrow_head(area, from, to, color)
        }
        None => {
            let end = (from.0 + 14, from.1 + (to_y - from.1) * 3 / 10);
            area.draw(&PathElement::new(vec![from, end], color.stroke_width(1)))?;
            draw_cross(area, end)
        }
    }
}

/// A filled triangle at `to`, pointing along `from → to`.
fn draw_arrow_head(area: &Area, from: (i32, i32), to: (i32, i32), color: RGBAColor) -> Drawn {
    let (dx, dy) = ((to.0 - from.0) as f64, (to.1 - from.1) as f64);
    let length = dx.hypot(dy);
    if length < 1.0 {
        return Ok(());
    }
    let (ux, uy) = (dx / length, dy / length);
    let (back, half) = (7.0, 3.0);
    let base = (to.0 as f64 - ux * back, to.1 as f64 - uy * back);
    let corner = |side: f64| {
        (
            (base.0 - uy * half * side).round() as i32,
            (base.1 + ux * half * side).round() as i32,
        )
    };
    area.draw(&Polygon::new(
        vec![to, corner(1.0), corner(-1.0)],
        color.filled(),
    ))?;
    Ok(())
}

fn draw_cross(area: &Area, (x, y): (i32, i32)) -> Drawn {
    let style = palette::VIOLATION.stroke_width(2);
    let r = 4;
    area.draw(&PathElement::new(
        vec![(x - r, y - r), (x + r, y + r)],
        style,
    ))?;
    area.draw(&PathElement::new(
        vec![(x - r, y + r), (x + r, y - r)],
        style,
    ))?;
    Ok(())
}
