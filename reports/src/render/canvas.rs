//! The drawing surface every plot shares: an SVG string backend, text
//! helpers, and a time axis drawn by plotters whose pixel mapping the plots
//! reuse to draw their own shapes (rows, lanes, arrows) in pixel space.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::error::Error;
use std::ops::Range;

/// The plots' drawing area, in pixels from the top-left corner.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// What drawing returns: plotters' errors are boxed, only to be reported.
pub(crate) type Drawn<T = ()> = Result<T, Box<dyn Error>>;

/// Every plot is this wide, so they line up on the page.
pub(crate) const WIDTH: u32 = 1200;
/// A generic family: the SVG names it and the viewer picks a font, so
/// rendering needs no font files.
const FONT: &str = "sans-serif";
/// The text colour of labels.
pub(crate) const INK: RGBColor = RGBColor(0x26, 0x2b, 0x33);
/// The colour of secondary text and empty-plot notes.
pub(crate) const MUTED: RGBColor = RGBColor(0x6b, 0x72, 0x80);

/// Draws an SVG of `size` with `draw`. A drawing error still yields a valid
/// SVG, one that says what went wrong, so a report folder is always whole.
pub(crate) fn svg(size: (u32, u32), draw: impl FnOnce(&Area) -> Drawn) -> String {
    let mut buffer = String::new();
    let outcome = {
        let root = SVGBackend::with_string(&mut buffer, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Box::<dyn Error>::from)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Box::<dyn Error>::from))
    };
    match outcome {
        Ok(()) => buffer,
        Err(error) => failed_svg(size, &error.to_string()),
    }
}

/// A hand-written SVG that states a drawing error.
fn failed_svg(size: (u32, u32), error: &str) -> String {
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"20\" y=\"40\" \
         font-family=\"{FONT}\">plot could not be drawn: {}</text>\n</svg>\n",
        super::escape::html(error),
        w = size.0,
        h = size.1,
    )
}

/// A text style of `size` pixels (plotters scales it by 1/1.24 in SVG).
pub(crate) fn font(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color)
}

/// A bold text style.
pub(crate) fn bold(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, size, FontStyle::Bold).into_font().color(&color)
}

/// `style` anchored at its horizontal `h` and vertical `v` position.
pub(crate) fn anchor(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Draws `text` at pixel `at`. Every text of every plot comes through
/// here, so this is where report strings are made fit for XML (plotters
/// escapes markup itself).
pub(crate) fn text(area: &Area, text: &str, at: (i32, i32), style: &TextStyle) -> Drawn {
    let text = super::escape::xml_chars(text).into_owned();
    area.draw(&Text::new(text, at, style.clone()))?;
    Ok(())
}

/// An upper bound of how wide `text` renders at `size`: there is no font
/// to measure with, so labels are only drawn where this estimate fits.
pub(crate) fn text_width(text: &str, size: f64) -> i32 {
    (text.chars().count() as f64 * size * 0.46).ceil() as i32
}

/// `text` cut to at most `max_chars` characters, with an ellipsis if cut.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// The plot's title, top left.
pub(crate) fn title(area: &Area, title: &str) -> Drawn {
    let style = anchor(bold(20.0, INK), HPos::Left, VPos::Top);
    text(area, title, (16, 12), &style)
}

/// A centred note in an empty plot, saying why it is empty.
pub(crate) fn empty_note(area: &Area, note: &str) -> Drawn {
    let (w, h) = area.dim_in_pixel();
    let style = anchor(font(18.0, MUTED), HPos::Center, VPos::Center);
    text(area, note, (w as i32 / 2, h as i32 / 2), &style)
}

/// A number for an axis label: integers without decimals, others with up
/// to three, trailing zeros trimmed.
pub(crate) fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        return format!("{}", value.round() as i64);
    }
    let fixed = format!("{value:.3}");
    fixed
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

/// What [`axes`] draws: the value ranges, the axis descriptions, and where
/// on the canvas (`top`, `bottom` margins, and the left label column).
pub(crate) struct AxesSpec<'a> {
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub x_desc: &'a str,
    /// `None`: no y labels (the plot labels its rows itself).
    pub y_desc: Option<&'a str>,
    pub top: u32,
    pub bottom: u32,
}

/// The left column for row labels or the y axis, shared by every plot so
/// their time axes line up when stacked.
pub(crate) const LABEL_COLUMN: u32 = 90;
const RIGHT_MARGIN: u32 = 24;
/// The width of a plot area with the label column and right margin.
pub(crate) const PLOT_WIDTH: u32 = WIDTH - LABEL_COLUMN - RIGHT_MARGIN;
const X_LABEL_AREA: u32 = 44;

/// The pixel mapping of a drawn chart, to draw custom shapes over it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub left: i32,
    pub right: i32,
    pub top: i32,
    pub bottom: i32,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    /// The pixel column of `value`, clamped to the plot.
    pub fn x(&self, value: f64) -> i32 {
        let span = (self.x.1 - self.x.0).max(f64::MIN_POSITIVE);
        let at = self.left as f64 + (value - self.x.0) / span * (self.right - self.left) as f64;
        (at.round() as i32).clamp(self.left, self.right)
    }

    /// The pixel row of `value` (values grow upwards), clamped to the plot.
    pub fn y(&self, value: f64) -> i32 {
        let span = (self.y.1 - self.y.0).max(f64::MIN_POSITIVE);
        let at = self.bottom as f64 - (value - self.y.0) / span * (self.bottom - self.top) as f64;
        (at.round() as i32).clamp(self.top, self.bottom)
    }

    /// Whether `value` lies on the x range.
    pub fn shows_x(&self, value: f64) -> bool {
        value >= self.x.0 && value <= self.x.1
    }
}

/// Draws axes with a light grid over `spec.x` (and labelled `spec.y` if it
/// has a description) and returns their pixel mapping.
pub(crate) fn axes(area: &Area, spec: &AxesSpec) -> Drawn<Frame> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(spec.top)
        .margin_bottom(spec.bottom)
        .margin_right(RIGHT_MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(LABEL_COLUMN)
        .build_cartesian_2d(spec.x.clone(), spec.y.clone())?;
    let format = |value: &f64| number(*value);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(spec.x_desc)
        .x_labels(12)
        .x_label_formatter(&format)
        .y_label_formatter(&format)
        .label_style(font(14.0, INK))
        .axis_desc_style(font(15.0, INK))
        .light_line_style(RGBColor(0xf0, 0xf1, 0xf4))
        .bold_line_style(RGBColor(0xdd, 0xe0, 0xe6));
    match spec.y_desc {
        Some(desc) => mesh.y_desc(desc).y_labels(5),
        None => mesh.y_labels(0).disable_y_mesh(),
    };
    mesh.draw()?;
    let (left, top) = chart.backend_coord(&(spec.x.start, spec.y.end));
    let (right, bottom) = chart.backend_coord(&(spec.x.end, spec.y.start));
    Ok(Frame {
        left,
        right,
        top,
        bottom,
        x: (spec.x.start, spec.x.end),
        y: (spec.y.start, spec.y.end),
    })
}
