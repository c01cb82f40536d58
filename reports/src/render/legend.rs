//! Legends drawn by hand: plotters' series legends only know series, while
//! these plots explain colours of shapes (roles, kinds, faults, drops).

use super::canvas::{anchor, font, text, text_width, Area, Drawn, INK};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// How an entry's sample is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Swatch {
    /// A filled box (roles, faults, operations).
    Block,
    /// A faded, outlined box (unknown outcomes).
    Faded,
    /// A line (commit lines, message kinds, the violation marker).
    Line,
    /// A cross (dropped messages).
    Cross,
}

/// One legend entry.
pub(crate) struct Entry {
    pub label: String,
    pub color: RGBColor,
    pub swatch: Swatch,
}

impl Entry {
    pub fn new(label: impl Into<String>, color: RGBColor, swatch: Swatch) -> Self {
        Entry {
            label: label.into(),
            color,
            swatch,
        }
    }
}

const FONT_SIZE: f64 = 15.0;
const SWATCH: i32 = 14;
const ROW_HEIGHT: i32 = 22;

/// Draws `entries` left to right from `origin`, wrapping before `max_x`.
/// Returns the height used, so the caller can place what follows.
pub(crate) fn draw(area: &Area, origin: (i32, i32), max_x: i32, entries: &[Entry]) -> Drawn<i32> {
    let style = anchor(font(FONT_SIZE, INK), HPos::Left, VPos::Center);
    let (mut x, mut y) = origin;
    for entry in entries {
        let width = SWATCH + 6 + text_width(&entry.label, FONT_SIZE) + 18;
        if x + width > max_x && x > origin.0 {
            x = origin.0;
            y += ROW_HEIGHT;
        }
        draw_swatch(area, (x, y), entry)?;
        text(area, &entry.label, (x + SWATCH + 6, y), &style)?;
        x += width;
    }
    Ok(y - origin.1 + ROW_HEIGHT)
}

/// How tall [`draw`] will be, to size a canvas before drawing on it.
pub(crate) fn height(width: i32, entries: &[Entry]) -> i32 {
    let mut rows = 1;
    let mut x = 0;
    for entry in entries {
        let entry_width = SWATCH + 6 + text_width(&entry.label, FONT_SIZE) + 18;
        if x + entry_width > width && x > 0 {
            rows += 1;
            x = 0;
        }
        x += entry_width;
    }
    rows * ROW_HEIGHT
}

/// The sample of one entry, vertically centred on `y`.
fn draw_swatch(area: &Area, (x, y): (i32, i32), entry: &Entry) -> Drawn {
    let half = SWATCH / 2;
    let (top_left, bottom_right) = ((x, y - half + 2), (x + SWATCH, y + half - 2));
    match entry.swatch {
        Swatch::Block => {
            area.draw(&Rectangle::new(
                [top_left, bottom_right],
                entry.color.filled(),
            ))?;
        }
        Swatch::Faded => {
            area.draw(&Rectangle::new(
                [top_left, bottom_right],
                entry.color.mix(0.3).filled(),
            ))?;
            area.draw(&Rectangle::new([top_left, bottom_right], entry.color))?;
        }
        Swatch::Line => {
            let style = entry.color.stroke_width(3);
            area.draw(&PathElement::new(vec![(x, y), (x + SWATCH, y)], style))?;
        }
        Swatch::Cross => {
            let style = entry.color.stroke_width(2);
            let (l, r, t, b) = (x + 2, x + SWATCH - 2, y - half + 3, y + half - 3);
            area.draw(&PathElement::new(vec![(l, t), (r, b)], style))?;
            area.draw(&PathElement::new(vec![(l, b), (r, t)], style))?;
        }
    }
    Ok(())
}
