//! `latency.svg`: how long completed client operations took, as a
//! histogram over 1-2-5 logarithmic buckets in milliseconds, because
//! latencies in a faulty run span from sub-millisecond reads to
//! multi-second stalls and a linear axis would hide one or the other.

use super::canvas::{anchor, empty_note, font, number, svg, text, title, INK, WIDTH};
use super::palette;
use crate::report::FailureReport;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeMap;

const HEIGHT: u32 = 420;
/// The last bucket whose upper edge fits in a `u64` (5·10^18 µs and up).
const LAST_BUCKET: u32 = 56;

/// Renders `latency.svg`.
pub(crate) fn render(report: &FailureReport) -> String {
    let latencies = &report.latencies_us;
    svg((WIDTH, HEIGHT), |area| {
        title(area, &heading(latencies))?;
        let counts = bucket_counts(latencies);
        let (Some((&first, _)), Some((&last, _))) =
            (counts.first_key_value(), counts.last_key_value())
        else {
            return empty_note(area, "no completed client operations");
        };
        let most = counts.values().copied().max().unwrap_or(1);
        let mut chart = ChartBuilder::on(area)
            .margin_top(56)
            .margin_bottom(8)
            .margin_right(24)
            .x_label_area_size(50)
            .y_label_area_size(super::canvas::LABEL_COLUMN)
            .build_cartesian_2d((first..last).into_segmented(), 0u64..most + most / 8 + 1)?;
        let label = |value: &SegmentValue<u32>| match value {
            SegmentValue::CenterOf(bucket) => bucket_label(*bucket),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels((last - first + 1) as usize)
            .x_label_formatter(&label)
            .y_labels(6)
            .x_desc("latency (ms, 1-2-5 logarithmic buckets)")
            .y_desc("operations")
            .label_style(font(13.0, INK))
            .axis_desc_style(font(15.0, INK))
            .light_line_style(RGBColor(0xf0, 0xf1, 0xf4))
            .bold_line_style(RGBColor(0xdd, 0xe0, 0xe6))
            .draw()?;
        // Bars drawn one by one in bucket order: plotters' `Histogram`
        // aggregates in a HashMap, whose order (so the SVG) varies by run.
        let style = palette::node(0).filled();
        let bars = counts.iter().map(|(&bucket, &count)| {
            let right = if bucket < last {
                SegmentValue::Exact(bucket + 1)
            } else {
                SegmentValue::Last
            };
            let mut bar = Rectangle::new([(SegmentValue::Exact(bucket), count), (right, 0)], style);
            bar.set_margin(0, 0, 6, 6);
            bar
        });
        chart.draw_series(bars)?;
        let count_style = anchor(font(13.0, INK), HPos::Center, VPos::Bottom);
        for (&bucket, &count) in &counts {
            let at = chart.backend_coord(&(SegmentValue::CenterOf(bucket), count));
            text(area, &count.to_string(), (at.0, at.1 - 3), &count_style)?;
        }
        Ok(())
    })
}

/// The lower edge of bucket `k` in µs: 1, 2, 5, 10, 20, 50, ...
fn edge_us(bucket: u32) -> u64 {
    let mantissa = [1, 2, 5][bucket as usize % 3];
    let decade = bucket / 3;
    if decade >= 19 {
        return u64::MAX;
    }
    mantissa * 10u64.pow(decade)
}

/// The bucket of a latency: the last edge not above it (0 µs joins 1 µs).
fn bucket_of(latency_us: u64) -> u32 {
    let mut bucket = 0;
    while bucket < LAST_BUCKET && edge_us(bucket + 1) <= latency_us {
        bucket += 1;
    }
    bucket
}

fn bucket_counts(latencies: &[u64]) -> BTreeMap<u32, u64> {
    let mut counts = BTreeMap::new();
    for &latency in latencies {
        *counts.entry(bucket_of(latency)).or_insert(0) += 1;
    }
    counts
}

/// `1–2` (ms) for the bucket from 1 ms to 2 ms.
fn bucket_label(bucket: u32) -> String {
    let ms = |us: u64| number(us as f64 / 1000.0);
    format!("{}–{}", ms(edge_us(bucket)), ms(edge_us(bucket + 1)))
}

/// The title, with the count and nearest-rank percentiles.
fn heading(latencies: &[u64]) -> String {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return "Latency of completed client operations".to_string();
    }
    let rank = |p: usize| sorted[((sorted.len() * p).div_ceil(100)).clamp(1, sorted.len()) - 1];
    let ms = |us: u64| significant(us as f64 / 1000.0);
    format!(
        "Latency of {} completed operations: p50 {} ms · p90 {} ms · p99 {} ms · max {} ms",
        sorted.len(),
        ms(rank(50)),
        ms(rank(90)),
        ms(rank(99)),
        ms(rank(100))
    )
}

/// Three significant digits at most: `1.84`, `18.5`, `736`.
fn significant(value: f64) -> String {
    let decimals = match value.abs() {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    number(format!("{value:.decimals$}").parse().unwrap_or(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_one_two_five() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(4), 1);
        assert_eq!(bucket_of(5), 2);
        assert_eq!(bucket_of(1_000), 9);
        assert_eq!(bucket_of(1_999), 9);
        assert_eq!(bucket_label(9), "1–2");
        assert_eq!(bucket_label(7), "0.2–0.5");
        assert_eq!(bucket_of(u64::MAX), bucket_of(u64::MAX - 1));
    }

    #[test]
    fn heading_reports_nearest_rank_percentiles() {
        let latencies: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        let heading = heading(&latencies);
        assert!(heading.contains("100 completed"), "{heading}");
        assert!(heading.contains("p50 50 ms"), "{heading}");
        assert!(heading.contains("p99 99 ms"), "{heading}");
        assert!(heading.contains("max 100 ms"), "{heading}");
        assert_eq!(significant(735.286), "735");
        assert_eq!(significant(18.54), "18.5");
        assert_eq!(significant(1.835), "1.83");
        assert_eq!(significant(0.5), "0.5");
    }
}
