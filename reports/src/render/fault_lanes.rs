//! Faults drawn as bars in stacked lanes on the timeline: each fault's bar
//! spans its window (a thin tick for instant faults) and is labelled with
//! its kind; faults that overlap in time, label included, go to separate
//! lanes so none hides another.

use super::canvas::{anchor, font, text, text_width, Area, Drawn, Frame, PLOT_WIDTH};
use super::palette;
use super::stack::{lane_count, stack};
use crate::report::FaultRecord;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The height of one lane, bar and gap.
pub(crate) const LANE: i32 = 20;
const BAR: i32 = 16;
const LABEL_SIZE: f64 = 13.0;

/// Some faults with their lanes.
pub(crate) struct FaultLanes<'a> {
    faults: Vec<&'a FaultRecord>,
    lanes: Vec<usize>,
}

impl<'a> FaultLanes<'a> {
    /// Stacks `faults` for an axis from 0 to `end_ms`: each occupies its
    /// window, or, if longer, the time its label takes on the axis.
    pub fn new(faults: Vec<&'a FaultRecord>, end_ms: f64) -> Self {
        let ms_per_pixel = end_ms / f64::from(PLOT_WIDTH);
        let intervals: Vec<(u64, u64)> = faults
            .iter()
            .map(|fault| {
                let label_px = text_width(&fault.kind, LABEL_SIZE) + 16;
                let label_ms = (f64::from(label_px) * ms_per_pixel).ceil() as u64;
                let end = fault.end_ms.unwrap_or(fault.at_ms).max(fault.at_ms);
                (fault.at_ms, end.max(fault.at_ms.saturating_add(label_ms)))
            })
            .collect();
        let lanes = stack(&intervals);
        FaultLanes { faults, lanes }
    }

    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    pub fn faults(&self) -> &[&'a FaultRecord] {
        &self.faults
    }

    /// How many lanes the faults take.
    pub fn lanes(&self) -> usize {
        lane_count(&self.lanes)
    }

    /// Draws the bars with their first lane at pixel row `top`.
    pub fn draw(&self, area: &Area, frame: &Frame, top: i32) -> Drawn {
        for (fault, &lane) in self.faults.iter().zip(&self.lanes) {
            let bar_top = top + LANE * lane as i32;
            draw_fault(area, fault, frame, (bar_top, bar_top + BAR))?;
        }
        Ok(())
    }
}

/// One bar, labelled inside if the label fits, else beside it (after it,
/// or before it at the right edge of the plot).
fn draw_fault(area: &Area, fault: &FaultRecord, frame: &Frame, (top, bottom): (i32, i32)) -> Drawn {
    let x0 = frame.x(fault.at_ms as f64);
    let x1 = frame
        .x(fault.end_ms.unwrap_or(fault.at_ms) as f64)
        .max(x0 + 3);
    let color = palette::fault(&fault.kind);
    area.draw(&Rectangle::new([(x0, top), (x1, bottom)], color.filled()))?;
    let width = text_width(&fault.kind, LABEL_SIZE);
    let middle = (top + bottom) / 2;
    let (style, at) = if width + 8 <= x1 - x0 {
        (
            anchor(font(LABEL_SIZE, WHITE), HPos::Left, VPos::Center),
            x0 + 4,
        )
    } else if x1 + 4 + width <= frame.right {
        (
            anchor(font(LABEL_SIZE, color), HPos::Left, VPos::Center),
            x1 + 4,
        )
    } else {
        (
            anchor(font(LABEL_SIZE, color), HPos::Right, VPos::Center),
            x0 - 4,
        )
    };
    text(area, &fault.kind, (at, middle), &style)
}
