//! The first violation's marker, the same in every time plot: a red
//! vertical line at its time, labelled with its kind on top, so the reader
//! can line the plots up against the moment things went wrong.

use super::canvas::{anchor, bold, text, text_width, Area, Drawn, Frame};
use super::palette;
use crate::report::FailureReport;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

const LABEL_SIZE: f64 = 14.0;

/// Draws the marker from just above `frame` down to `bottom` (a pixel row,
/// which may lie below `frame` when panels share a time axis). Nothing is
/// drawn without a violation or when its time is off the axis.
pub(crate) fn violation(area: &Area, report: &FailureReport, frame: &Frame, bottom: i32) -> Drawn {
    let Some(violation) = report.violations.first() else {
        return Ok(());
    };
    let at_ms = violation.time_ms as f64;
    if !frame.shows_x(at_ms) {
        return Ok(());
    }
    let x = frame.x(at_ms);
    let line = palette::VIOLATION.stroke_width(2);
    area.draw(&PathElement::new(
        vec![(x, frame.top - 8), (x, bottom)],
        line,
    ))?;
    let label = format!("violation: {} @ {} ms", violation.kind, violation.time_ms);
    let fits_right = x + 6 + text_width(&label, LABEL_SIZE) <= frame.right;
    let (h, at) = if fits_right {
        (HPos::Left, x + 6)
    } else {
        (HPos::Right, x - 6)
    };
    let style = anchor(bold(LABEL_SIZE, palette::VIOLATION), h, VPos::Center);
    text(area, &label, (at, frame.top - 14), &style)
}
