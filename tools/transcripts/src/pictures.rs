//! The book's pictures, drawn with plotters' SVG backend (no system fonts needed):
//!
//! - a timeline for every watched run, drawn from that run's record: one bar per
//!   request the server answered (the same run, so picture and text always agree);
//! - lesson 13's text bars, read from its transcript;
//! - a chart for the measured tables (`book/src/measured/*.md`) that have a size
//!   column, drawn from the table itself (so a chart can never disagree with its table).
//!
//! Pictures have a white background of their own, so they read the same in mdBook's
//! light and dark themes, and are drawn 480 px wide with 18 px text: a phone shows
//! them at about 335 px, where the text is still 12 px.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use workbook::lab::Record;

const WIDTH: u32 = 480;
/// Text size: a phone shows a picture at about 0.7 of its size, and 18 px becomes 12.
const TEXT: u32 = 18;
const FONT: &str = "sans-serif";

/// The workers' colors (cyan, yellow, magenta, blue, green, red), dark enough to read
/// on white; [`worker_color_index`] picks one.
const WORKER_RGB: [RGBColor; 6] = [
    RGBColor(0, 150, 170),
    RGBColor(200, 145, 0),
    RGBColor(175, 40, 175),
    RGBColor(40, 90, 220),
    RGBColor(30, 150, 60),
    RGBColor(225, 60, 60),
];
/// A failed download: black with white `FAILED` on it (red is a worker's color).
const FAILED: RGBColor = RGBColor(30, 30, 30);
/// The notes on a picture: the key line and the program's "all done" mark.
const NOTE: RGBColor = RGBColor(60, 60, 60);
/// How wide `FAILED` is drawn, in pixels, with a little room to spare.
const FAILED_WIDTH: i32 = 72;

/// One request: from its arrival to its end, and whether it was answered whole.
struct Bar {
    label: String,
    worker: String,
    start: f64,
    end: f64,
    failed: bool,
}

/// Which of [`WORKER_RGB`] a worker (a pid, a row's label) is drawn in: the same for
/// the same name in every picture.
fn worker_color_index(worker: &str) -> usize {
    let hash = worker
        .bytes()
        .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    hash % WORKER_RGB.len()
}

/// The timeline of a watched run, from its record: one bar per request the server
/// answered, colored by the process that held its connection, and where the program
/// printed "all done".
pub fn record_timeline(record: &Record) -> anyhow::Result<String> {
    if record.requests.is_empty() {
        bail!("the record has no requests to draw");
    }
    let bars: Vec<Bar> = record
        .requests
        .iter()
        .map(|request| Bar {
            label: match request.pid {
                Some(pid) => format!("request {} pid {pid}", request.number),
                None => format!("request {}", request.number),
            },
            worker: request
                .pid
                .map_or_else(|| request.connection.clone(), |pid| pid.to_string()),
            start: request.start,
            end: request.end,
            failed: !(request.status == 200 && request.complete),
        })
        .collect();
    let total = record
        .wall
        .max(bars.iter().map(|bar| bar.end).fold(0.0, f64::max))
        * 1.04;
    let done = record
        .lines
        .iter()
        .find(|line| line.text == "all done")
        .map(|line| line.time);
    draw(&bars, total, done, "seconds since the program started")
}

fn draw(bars: &[Bar], total: f64, done: Option<f64>, axis: &str) -> anyhow::Result<String> {
    let rows = bars.len() as u32;
    let segments = if done.is_some() {
        rows + 1
    } else {
        rows.max(2)
    };
    // Room below the axis for the key.
    let height = 128 + 38 * segments;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(24)
            .margin_bottom(40)
            .x_label_area_size(54)
            .y_label_area_size(190)
            // `into_segmented` gives one segment per value: rows - 1 is the last row.
            .build_cartesian_2d(0.0..total.max(0.001), (0..segments - 1).into_segmented())?;
        // Row 0 at the top, as in the terminal.
        let row_label = |value: &SegmentValue<u32>| match value {
            SegmentValue::CenterOf(row) if *row < rows => {
                bars[(rows - 1 - row) as usize].label.clone()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows as usize)
            .y_label_formatter(&row_label)
            .x_labels(6)
            .x_label_formatter(&|s| tick(*s))
            .x_desc(axis)
            .label_style((FONT, TEXT))
            .axis_desc_style((FONT, TEXT))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        for (i, bar) in bars.iter().enumerate() {
            let row = rows - 1 - i as u32;
            let color = WORKER_RGB[worker_color_index(&bar.worker)];
            let (from, to) = (
                (bar.start, SegmentValue::Exact(row)),
                (bar.end, SegmentValue::Exact(row + 1)),
            );
            let fill = if bar.failed { FAILED } else { color };
            let mut rect = Rectangle::new([from, to], fill.filled());
            rect.set_margin(6, 6, 0, 0);
            chart.draw_series(std::iter::once(rect))?;
            if bar.failed {
                // White inside the bar when it is wide enough; else dark, right of its
                // end, or left of its start at the picture's right edge.
                use plotters::style::text_anchor::{HPos, Pos, VPos};
                let pixel = |x: f64| chart.backend_coord(&(x, SegmentValue::CenterOf(row))).0;
                let (left, right) = (pixel(bar.start), pixel(bar.end));
                let (x, ink, side) = if right - left >= FAILED_WIDTH {
                    (bar.start + total * 0.01, WHITE, HPos::Left)
                } else if pixel(total) - right >= FAILED_WIDTH {
                    (bar.end + total * 0.01, FAILED, HPos::Left)
                } else {
                    (bar.start - total * 0.01, FAILED, HPos::Right)
                };
                let at = (x, SegmentValue::CenterOf(row));
                let style = TextStyle::from((FONT, TEXT - 2).into_font())
                    .color(&ink)
                    .pos(Pos::new(side, VPos::Center));
                chart.draw_series(std::iter::once(Text::new("FAILED", at, style)))?;
            }
        }
        if let Some(done) = done {
            let ink = NOTE;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![
                    (done, SegmentValue::Exact(0)),
                    (done, SegmentValue::Exact(rows + 1)),
                ],
                ink.stroke_width(2),
            )))?;
            // Right of the line, or left of it when the line is in the right half (the
            // label would run out of the picture).
            use plotters::style::text_anchor::{HPos, Pos, VPos};
            let (text, side, x) = if done < total * 0.5 {
                (
                    "\u{2190} the program: \"all done\"",
                    HPos::Left,
                    done + total * 0.01,
                )
            } else {
                (
                    "the program: \"all done\" \u{2192}",
                    HPos::Right,
                    done - total * 0.01,
                )
            };
            let style = TextStyle::from((FONT, TEXT - 2).into_font())
                .color(&ink)
                .pos(Pos::new(side, VPos::Center));
            chart.draw_series(std::iter::once(Text::new(
                text,
                (x, SegmentValue::CenterOf(rows)),
                style,
            )))?;
        }
        // The key: what the colors mean.
        let key = TextStyle::from((FONT, TEXT - 2).into_font()).color(&NOTE);
        root.draw_text(
            "a color per process; black: FAILED, not answered whole",
            &key,
            (12, height as i32 - 30),
        )?;
        root.present()?;
    }
    Ok(svg)
}

/// Groups of text bars (`   job 0 |#####     |`) under a heading that names the
/// group's total time (`   fixed chunks 179.75 ms: 1.42x`), as lesson 13 prints them:
/// (heading, total seconds, rows of (label, busy spans as fractions of the total)).
type BarGroup = (String, f64, Vec<(String, Vec<(f64, f64)>)>);

fn text_bar_groups(transcript: &str) -> Vec<BarGroup> {
    let mut groups: Vec<BarGroup> = Vec::new();
    let mut heading: Option<(String, f64)> = None;
    for line in transcript.lines() {
        let trimmed = line.trim();
        let bar = trimmed
            .split_once(" |")
            .filter(|(_, rest)| rest.ends_with('|') && rest.chars().all(|c| " #|".contains(c)));
        let Some((label, rest)) = bar else {
            heading = first_duration(trimmed).map(|total| {
                let title = trimmed.split([':', ',']).next().unwrap_or(trimmed);
                (title.trim().to_string(), total)
            });
            continue;
        };
        let cells: Vec<char> = rest.trim_end_matches('|').chars().collect();
        let width = cells.len().max(1) as f64;
        let mut spans = Vec::new();
        let mut from = None;
        for (i, &cell) in cells.iter().chain(std::iter::once(&' ')).enumerate() {
            match (cell == '#', from) {
                (true, None) => from = Some(i),
                (false, Some(start)) => {
                    spans.push((start as f64 / width, i as f64 / width));
                    from = None;
                }
                _ => {}
            }
        }
        match (groups.last_mut(), &heading) {
            (Some(group), None) => group.2.push((label.to_string(), spans)),
            (_, Some((title, total))) => {
                groups.push((title.clone(), *total, vec![(label.to_string(), spans)]));
                heading = None;
            }
            (None, None) => {}
        }
    }
    groups
}

/// The first `<number> <unit>` of a line, in seconds.
fn first_duration(line: &str) -> Option<f64> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        let unit = pair[1].trim_end_matches([':', ',']);
        matches!(unit, "ns" | "µs" | "ms" | "s")
            .then(|| seconds(&format!("{} {unit}", pair[0])).ok())
            .flatten()
    })
}

/// How many groups of text bars a transcript holds (0: none).
pub fn bar_groups_in(transcript: &str) -> usize {
    text_bar_groups(transcript).len()
}

/// Lesson 13's text bars as a picture: one panel per group, one above the other, on a
/// time axis in milliseconds shared by the groups of the same rows.
pub fn bar_groups(transcript: &str) -> anyhow::Result<String> {
    let groups = text_bar_groups(transcript);
    if groups.is_empty() {
        bail!("the transcript has no text bars to draw");
    }
    let panel_height = |rows: usize| 90 + 38 * rows as u32;
    let height: u32 = groups.iter().map(|g| panel_height(g.2.len())).sum();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut rest = root.clone();
        for (title, total, rows) in &groups {
            let (area, below) = rest.split_vertically(panel_height(rows.len()));
            rest = below;
            let n = rows.len() as u32;
            let total_ms = total * 1000.0;
            // Groups of the same rows (the two lock runs, say) share one axis, so that
            // a shorter run is a shorter picture.
            let first = rows.first().map(|row| row.0.as_str());
            let axis_ms = groups
                .iter()
                .filter(|group| group.2.first().map(|row| row.0.as_str()) == first)
                .map(|group| group.1 * 1000.0)
                .fold(total_ms, f64::max);
            let mut chart = ChartBuilder::on(&area)
                .caption(title, (FONT, TEXT))
                .margin(8)
                .margin_right(24)
                .x_label_area_size(32)
                .y_label_area_size(100)
                .build_cartesian_2d(0.0..axis_ms, (0..n.max(2) - 1).into_segmented())?;
            let row_label = |value: &SegmentValue<u32>| match value {
                SegmentValue::CenterOf(row) if *row < n => rows[(n - 1 - row) as usize].0.clone(),
                _ => String::new(),
            };
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n as usize)
                .y_label_formatter(&row_label)
                .x_labels(5)
                .x_label_formatter(&|ms| format!("{} ms", tick(*ms)))
                .label_style((FONT, TEXT - 2))
                .light_line_style(WHITE)
                .bold_line_style(RGBColor(225, 225, 225))
                .draw()?;
            for (i, (label, spans)) in rows.iter().enumerate() {
                let row = n - 1 - i as u32;
                let color = WORKER_RGB[worker_color_index(label)];
                for &(from, to) in spans {
                    let mut rect = Rectangle::new(
                        [
                            (from * total_ms, SegmentValue::Exact(row)),
                            (to * total_ms, SegmentValue::Exact(row + 1)),
                        ],
                        color.filled(),
                    );
                    rect.set_margin(5, 5, 0, 0);
                    chart.draw_series(std::iter::once(rect))?;
                }
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// Draws a chart's axes, their labels and a light grid. The x axis counts things
/// (pictures, workers): whole numbers only, no tick at 2.5.
macro_rules! draw_axes {
    ($chart:expr, $x_desc:expr, $y_desc:expr) => {
        $chart
            .configure_mesh()
            .x_label_formatter(&|x| {
                if x.fract() == 0.0 {
                    tick(*x)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| tick(*y))
            .x_desc($x_desc)
            .y_desc($y_desc)
            .label_style((FONT, TEXT))
            .axis_desc_style((FONT, TEXT))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?
    };
}

/// Draws each `(name, points)` as a line with dots, in the workers' colors, then the
/// legend. A macro rather than a function: a chart with a logarithmic axis and one
/// without are different types in plotters.
macro_rules! draw_lines {
    ($chart:expr, $lines:expr, $legend:expr) => {{
        for (i, (name, points)) in $lines.enumerate() {
            let color = WORKER_RGB[i % WORKER_RGB.len()];
            $chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
            $chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        }
        $chart
            .configure_series_labels()
            .position($legend)
            .label_font((FONT, TEXT))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }};
}

/// One series of a measured table: `variant -> [(size, median in seconds)]`.
type Series = BTreeMap<String, Vec<(f64, f64)>>;

/// Reads the first table of a measured file that has a `size` column.
fn read_table(markdown: &str, group: &str) -> anyhow::Result<Series> {
    let mut series = Series::new();
    let mut in_group = false;
    for line in markdown.lines() {
        if line.starts_with("**") {
            in_group = line.starts_with(&format!("**{group}"))
                && line[2 + group.len()..].starts_with([' ', '*']);
            continue;
        }
        if !in_group || !line.starts_with("| ") || line.starts_with("| variant") {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (variant, size, median) = (cells[1], cells[2], cells[3]);
        let size: f64 = size.parse().with_context(|| format!("size in {line:?}"))?;
        series
            .entry(variant.to_string())
            .or_default()
            .push((size, seconds(median)?));
    }
    if series.is_empty() {
        bail!("no table of {group} with a size column");
    }
    Ok(series)
}

/// `25.81 ms` -> 0.02581.
fn seconds(text: &str) -> anyhow::Result<f64> {
    let (number, unit) = text
        .split_once(' ')
        .with_context(|| format!("a time: {text:?}"))?;
    let number: f64 = number
        .parse()
        .with_context(|| format!("a time: {text:?}"))?;
    let scale = match unit {
        "ns" => 1e-9,
        "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        _ => bail!("a time unit: {text:?}"),
    };
    Ok(number * scale)
}

/// A chart of a measured table: what it shows and how to read the table into it.
pub struct Chart {
    /// The picture's file under `book/src/pictures/`.
    pub file: &'static str,
    /// The table's file under `book/src/measured/`, and the group in it.
    pub table: &'static str,
    pub group: &'static str,
    pub y: Y,
    pub x_desc: &'static str,
    /// Where the legend goes: a corner the lines leave empty.
    pub legend: SeriesLabelPosition,
}

/// What the chart's y axis shows.
pub enum Y {
    /// Each variant's speedup over the `sequential` variant of the same size.
    SpeedupOverSequential,
    /// Each variant's speedup over its own smallest size (one worker).
    SpeedupOverOne,
    /// The median time, against a logarithmic x axis.
    Time,
}

pub const CHARTS: &[Chart] = &[
    Chart {
        file: "lesson06/measured.svg",
        table: "lesson06.md",
        group: "lesson06",
        y: Y::SpeedupOverSequential,
        x_desc: "pictures",
        legend: SeriesLabelPosition::UpperLeft,
    },
    Chart {
        file: "lesson09/measured.svg",
        table: "lesson09.md",
        group: "lesson09",
        y: Y::SpeedupOverOne,
        x_desc: "worker threads",
        legend: SeriesLabelPosition::UpperLeft,
    },
    Chart {
        file: "lesson12/measured.svg",
        table: "lesson12.md",
        group: "lesson12",
        y: Y::Time,
        x_desc: "pictures",
        legend: SeriesLabelPosition::UpperLeft,
    },
    Chart {
        file: "lesson13/amdahl.svg",
        table: "lesson13.md",
        group: "lesson13 amdahl",
        y: Y::SpeedupOverOne,
        x_desc: "worker threads",
        legend: SeriesLabelPosition::LowerRight,
    },
];

/// Draws `chart` from the measured table's text.
pub fn chart(chart: &Chart, markdown: &str) -> anyhow::Result<String> {
    let table = read_table(markdown, chart.group)?;
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (variant, points) in &table {
        let points: Vec<(f64, f64)> = match chart.y {
            Y::Time => points.clone(),
            Y::SpeedupOverOne => {
                let Some(&(_, one)) = points.iter().min_by(|a, b| a.0.total_cmp(&b.0)) else {
                    continue;
                };
                points.iter().map(|&(x, t)| (x, one / t)).collect()
            }
            Y::SpeedupOverSequential => {
                if variant == "sequential" {
                    continue;
                }
                let sequential = &table["sequential"];
                points
                    .iter()
                    .filter_map(|&(x, t)| {
                        let (_, s) = sequential.iter().find(|(sx, _)| *sx == x)?;
                        Some((x, s / t))
                    })
                    .collect()
            }
        };
        lines.push((variant.clone(), points));
    }
    let xs = lines.iter().flat_map(|(_, p)| p.iter().map(|&(x, _)| x));
    let ys = lines.iter().flat_map(|(_, p)| p.iter().map(|&(_, y)| y));
    let (x_min, x_max) = xs.fold((f64::MAX, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let y_max = ys.fold(0.0f64, f64::max);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .margin(12)
            .margin_right(24)
            .x_label_area_size(54)
            .y_label_area_size(74);
        let y_desc = match chart.y {
            Y::Time => "median time (s)",
            Y::SpeedupOverSequential => "speedup over sequential",
            Y::SpeedupOverOne => "speedup over 1 worker",
        };
        macro_rules! finish {
            ($chart:expr) => {{
                let mut c = $chart;
                draw_axes!(c, chart.x_desc, y_desc);
                if !matches!(chart.y, Y::Time) {
                    let gray = RGBColor(120, 120, 120);
                    c.draw_series(LineSeries::new(
                        [(x_min.min(1.0) - 0.2, 1.0), (x_max + 0.5, 1.0)],
                        gray.stroke_width(1),
                    ))?
                    .label("1x: no faster")
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], gray));
                }
                draw_lines!(c, lines.iter(), chart.legend.clone());
            }};
        }
        match chart.y {
            Y::Time => {
                finish!(builder.build_cartesian_2d(
                    (x_min * 0.8..x_max * 1.25).log_scale(),
                    0.0..y_max * 1.15
                )?)
            }
            _ => finish!(builder.build_cartesian_2d(
                x_min.min(1.0) - 0.2..x_max + 0.5,
                0.0..(y_max * 1.15).max(1.2)
            )?),
        }
        root.present()?;
    }
    Ok(svg)
}

/// Lesson 12 at several counts, from the lab's records (one run per way in each):
/// each way's wall time and the process tree's peak memory against the number of
/// pictures (a logarithmic axis), drawn one above the other. Rayon is left out: it
/// downloads at most 20 whatever the count (the chapter says why).
pub fn against_pictures(runs: &[&Record]) -> anyhow::Result<String> {
    let mut wall = Series::new();
    let mut memory = Series::new();
    for run in runs {
        for way in &run.ways {
            let name = way.program.last().cloned().unwrap_or_default();
            if name == "rayon" {
                continue;
            }
            let pictures = way.whole_pictures() as f64;
            let peak = way
                .peak_memory
                .with_context(|| format!("{name}: no peak memory in the record"))?;
            wall.entry(name.clone())
                .or_default()
                .push((pictures, way.wall));
            memory
                .entry(name)
                .or_default()
                .push((pictures, peak as f64 / 1e6));
        }
    }
    if wall.values().all(|points| points.len() < 2) {
        bail!("fewer than two counts of pictures to draw against");
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 680)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(340);
        for (area, series, y_desc) in [
            (&top, &wall, "wall time (s)"),
            (&bottom, &memory, "peak memory (MB)"),
        ] {
            let y_max = series
                .values()
                .flatten()
                .map(|&(_, y)| y)
                .fold(0.0f64, f64::max);
            let x_max = series
                .values()
                .flatten()
                .map(|&(x, _)| x)
                .fold(0.0f64, f64::max);
            let x_min = series
                .values()
                .flatten()
                .map(|&(x, _)| x)
                .fold(f64::MAX, f64::min);
            let mut c = ChartBuilder::on(area)
                .margin(12)
                .margin_right(24)
                .x_label_area_size(54)
                .y_label_area_size(74)
                .build_cartesian_2d((x_min * 0.8..x_max * 1.25).log_scale(), 0.0..y_max * 1.15)?;
            draw_axes!(c, "pictures", y_desc);
            draw_lines!(c, series.iter(), SeriesLabelPosition::UpperLeft);
        }
        root.present()?;
    }
    Ok(svg)
}

/// A tick label: `2`, `0.25`, `0.001` (no `2.0`, no `0.30000000000000004`).
fn tick(x: f64) -> String {
    let text = format!("{x:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Checks that `text` is a well-formed SVG document; returns how many rectangles it
/// draws (the timeline's bars are among them).
pub fn check_svg(text: &str) -> anyhow::Result<usize> {
    let document = roxmltree::Document::parse(text).context("not well-formed XML")?;
    let root = document.root_element();
    if root.tag_name().name() != "svg" {
        bail!(
            "the root element is <{}>, not <svg>",
            root.tag_name().name()
        );
    }
    for attribute in ["width", "height", "viewBox"] {
        if root.attribute(attribute).is_none() {
            bail!("<svg> has no {attribute}");
        }
    }
    Ok(document
        .descendants()
        .filter(|node| node.has_tag_name("rect"))
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(number: usize, pid: u32, end: f64, status: u16) -> workbook::lab::record::Request {
        workbook::lab::record::Request {
            number,
            target: "/200/3000".into(),
            start: 0.01,
            first_byte: Some(end - 0.01),
            end,
            status,
            bytes: 1000,
            complete: true,
            refused: false,
            connection: format!("127.0.0.1:{}", 40000 + number),
            pid: Some(pid),
        }
    }

    #[test]
    fn a_timeline_is_svg_with_a_bar_per_request() {
        let record = Record {
            wall: 0.33,
            requests: vec![request(1, 24941, 0.31, 200), request(2, 24943, 0.32, 500)],
            ..Record::of(&[], "http://x", std::path::Path::new("out"), 2)
        };
        let svg = record_timeline(&record).unwrap();
        // The white background, the plot area, two bars (plotters draws more
        // rectangles for the frame, so count at least).
        assert!(check_svg(&svg).unwrap() >= 3);
        assert!(svg.contains("request 2 pid 24943"));
        assert!(svg.contains("FAILED"));
    }

    #[test]
    fn a_chart_reads_its_table() {
        let table = "\
**lesson06 (20 ms)** (linux)

| variant | size | median | 95% interval | vs sequential |
|---|---|---|---|---|
| sequential | 1 | 25.81 ms | x | 1.00x |
| threads | 1 | 26.69 ms | x | 0.97x |
| sequential | 5 | 116.97 ms | x | 1.00x |
| threads | 5 | 27.86 ms | x | 4.20x |
";
        let svg = chart(&CHARTS[0], table).unwrap();
        check_svg(&svg).unwrap();
        assert!(svg.contains("threads"));
        assert!(read_table(table, "lesson13 amdahl").is_err());
        assert!((seconds("25.81 ms").unwrap() - 0.02581).abs() < 1e-12);
    }

    #[test]
    fn text_bars_are_read_under_their_heading() {
        let run = "\
   the lock held during the work: 40.33 ms
   job 0 |####    |
   job 1 |  ######|
   fixed chunks 179.75 ms: 1.42x
   worker 0 |########|
   worker 1 |##  ##  |
";
        let groups = text_bar_groups(run);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "the lock held during the work");
        assert!((groups[0].1 - 0.04033).abs() < 1e-9);
        assert_eq!(groups[0].2[1].1, [(0.25, 1.0)]);
        assert_eq!(groups[1].2[1].1, [(0.0, 0.25), (0.5, 0.75)]);
        check_svg(&bar_groups(run).unwrap()).unwrap();
    }

    #[test]
    fn broken_svg_is_refused() {
        assert!(check_svg("<svg width='1'").is_err());
        assert!(check_svg("<html></html>").is_err());
    }
}
