//! How series look and the drawing helpers the charts share. Colours, dash patterns and
//! markers combine so that no two of the first [`DISTINCT_STYLES`] series look alike.

use super::PlotError;
use super::FONT;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// A plotters error (any backend's) as a [`PlotError`].
pub(crate) fn e<T: std::fmt::Display>(err: T) -> PlotError {
    PlotError(err.to_string())
}

/// Ten colours that stay apart on white (Material 600-900 tints).
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(25, 118, 210), // blue
    RGBColor(211, 47, 47),  // red
    RGBColor(56, 142, 60),  // green
    RGBColor(245, 124, 0),  // orange
    RGBColor(142, 36, 170), // purple
    RGBColor(0, 121, 107),  // teal
    RGBColor(109, 76, 65),  // brown
    RGBColor(216, 27, 96),  // pink
    RGBColor(66, 66, 66),   // dark grey
    RGBColor(130, 119, 23), // olive
];

/// How a line is stroked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongDashed,
}

const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongDashed];

impl Dash {
    /// Dash and gap in pixels; `None` for a solid line.
    fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((12, 7)),
            Dash::Dotted => Some((3, 6)),
            Dash::LongDashed => Some((28, 8)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
    Diamond,
}

const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Cross,
    Marker::Diamond,
];

/// Series told apart by colour, then dash, then marker.
pub(crate) const DISTINCT_STYLES: usize = PALETTE.len() * DASHES.len() * MARKERS.len();

/// The look of one series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SeriesStyle {
    pub color: RGBColor,
    pub dash: Dash,
    pub marker: Marker,
    /// Whether a line-only chart marks this series (once colours and dashes are used up).
    pub marks_lines: bool,
}

/// The style of series `i`: colours first, then dash patterns, then markers.
pub(crate) fn style(i: usize) -> SeriesStyle {
    let (p, d) = (PALETTE.len(), DASHES.len());
    let block = (i / (p * d)) % MARKERS.len();
    SeriesStyle {
        color: PALETTE[i % p],
        dash: DASHES[(i / p) % d],
        marker: MARKERS[block],
        marks_lines: block > 0,
    }
}

/// Whether a chart marks every data point (few points: sweeps) or only lines (time series).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marks {
    Points,
    Lines,
}

impl SeriesStyle {
    /// The marker drawn with this series in a chart of `marks`, if any.
    pub(crate) fn shown_marker(self, marks: Marks) -> Option<Marker> {
        (marks == Marks::Points || self.marks_lines).then_some(self.marker)
    }
}

/// Runs `$body` with `$shape` bound to a closure that makes marker `$m` (an
/// `Option<Marker>`; `None`: an invisible dot) of `$size` pixels in `$color`, in pixels
/// relative to the point it is added to. Each marker is its own element type, so the
/// body is expanded once per marker.
macro_rules! with_marker {
    ($m:expr, $size:expr, $color:expr, |$shape:ident| $body:expr) => {{
        let (s, c): (i32, RGBColor) = ($size, $color);
        match $m {
            Some(Marker::Circle) => {
                let $shape = move || Circle::new((0, 0), s, c.filled());
                $body
            }
            Some(Marker::Triangle) => {
                let $shape = move || TriangleMarker::new((0, 0), s + 2, c.filled());
                $body
            }
            Some(Marker::Square) => {
                let $shape = move || Rectangle::new([(1 - s, 1 - s), (s - 1, s - 1)], c.filled());
                $body
            }
            Some(Marker::Cross) => {
                let $shape = move || Cross::new((0, 0), s, c.stroke_width(3));
                $body
            }
            Some(Marker::Diamond) => {
                let $shape = move || {
                    let d = s + 1;
                    Polygon::new(vec![(0, -d), (d, 0), (0, d), (-d, 0)], c.filled())
                };
                $body
            }
            None => {
                let $shape = move || Circle::new((0, 0), 0, TRANSPARENT.filled());
                $body
            }
        }
    }};
}

/// 24 pixels of the line of `st`, centred on the point it is added to (dashes shortened
/// to fit), where the marker goes.
fn sample_line(st: SeriesStyle) -> DashedPathElement<std::vec::IntoIter<(i32, i32)>, u32> {
    let (d, g) = st
        .dash
        .pattern()
        .map_or((24, 0), |(d, g)| (d.min(7), g.min(4)));
    DashedPathElement::new(vec![(-12, 0), (12, 0)], d, g, st.color.stroke_width(3))
}

/// A piece of a line in pixels.
pub(crate) type Piece = ((f64, f64), (f64, f64));

/// The straight pieces that stroke the polyline `pts` (pixels): each step of a solid
/// line, or the "on" stretches of a `(dash, gap)` pattern along its length, cut at the
/// polyline's vertices. Stroked one by one, never joined: the wide-line rasteriser
/// draws long spikes at the joins of sharp turns (noisy curves) and at zero-length steps.
pub(crate) fn stroke_pieces(pts: &[(f64, f64)], pattern: Option<(u32, u32)>) -> Vec<Piece> {
    let steps = pts.windows(2).map(|w| (w[0], w[1])).filter(|(a, b)| a != b);
    let Some((dash, gap)) = pattern else {
        return steps.collect();
    };
    let (dash, gap) = (f64::from(dash.max(1)), f64::from(gap));
    let (mut on, mut left) = (true, dash);
    let mut out = Vec::new();
    for (mut a, b) in steps {
        let mut len = (b.0 - a.0).hypot(b.1 - a.1);
        while len > 1e-9 {
            let step = left.min(len);
            let t = step / len;
            let c = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            if on {
                out.push((a, c));
            }
            (left, len, a) = (left - step, len - step, c);
            if left <= 1e-9 {
                on = !on || gap == 0.0;
                left = if on { dash } else { gap };
            }
        }
    }
    out
}

/// Draws `pts` as one line of `st` (dashed as it says), with markers of `px` pixels
/// as `marks` asks: at every point, or at about a dozen spread points on a line-only
/// chart.
pub(crate) fn draw_line<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pts: &[(f64, f64)],
    st: SeriesStyle,
    marks: Marks,
    px: i32,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let spec = chart.as_coord_spec();
    let area = chart.plotting_area().strip_coord_spec();
    let base = area.get_base_pixel();
    let pixels: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| spec.translate(p))
        .map(|(x, y)| (f64::from(x - base.0), f64::from(y - base.1)))
        .collect();
    let stroke = st
        .color
        .stroke_width(if marks == Marks::Points { 3 } else { 2 });
    let round = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    for (a, b) in stroke_pieces(&pixels, st.dash.pattern()) {
        area.draw(&PathElement::new(vec![round(a), round(b)], stroke))
            .map_err(e)?;
    }
    if let Some(m) = st.shown_marker(marks) {
        let every = match marks {
            Marks::Points => 1,
            Marks::Lines => (pts.len() / 12).max(1),
        };
        let at = pts.iter().step_by(every);
        with_marker!(Some(m), px, st.color, |shape| chart
            .draw_series(at.map(|&p| EmptyElement::at(p) + shape()))
            .map_err(e)?);
    }
    Ok(())
}

/// Adds a legend entry for `st` (nothing to draw in the plot itself).
pub(crate) fn legend_entry<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    label: &str,
    st: SeriesStyle,
    marks: Marks,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let anno = chart
        .draw_series(std::iter::empty::<EmptyElement<(f64, f64), DB>>())
        .map_err(e)?
        .label(label);
    with_marker!(st.shown_marker(marks), 6, st.color, |shape| anno.legend(
        move |(x, y)| EmptyElement::at((x + 12, y)) + sample_line(st) + shape()
    ));
    Ok(())
}

/// A legend box at `at` listing `entries`, or nothing when none has a label.
pub(crate) fn inline_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    entries: &[(String, SeriesStyle)],
    marks: Marks,
    at: SeriesLabelPosition,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let labelled: Vec<&(String, SeriesStyle)> =
        entries.iter().filter(|(l, _)| !l.is_empty()).collect();
    if labelled.is_empty() {
        return Ok(());
    }
    for (label, st) in labelled {
        legend_entry(chart, label, *st, marks)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 22))
        .position(at)
        .draw()
        .map_err(e)
}

/// Legends of more entries than this go beside the plot, not over it.
pub(crate) const INLINE_LEGEND_MAX: usize = 6;

/// Splits `area` into the plot and, when `entries` has more labelled series than
/// [`INLINE_LEGEND_MAX`] (or `always`, with any), a legend column on the right, drawn.
/// Returns the plot area and whether the legend was drawn there.
pub(crate) fn side_legend<'a>(
    area: &Area<'a>,
    entries: &[(String, SeriesStyle)],
    marks: Marks,
    always: bool,
) -> Result<(Area<'a>, bool), PlotError> {
    let labelled: Vec<&(String, SeriesStyle)> =
        entries.iter().filter(|(l, _)| !l.is_empty()).collect();
    if labelled.is_empty() || (!always && labelled.len() <= INLINE_LEGEND_MAX) {
        return Ok((area.clone(), false));
    }
    let max_width = area.dim_in_pixel().0 * 2 / 5;
    let widest = |size: u32| {
        let font: TextStyle = (FONT, size).into();
        labelled
            .iter()
            .map(|(l, _)| area.estimate_text_size(l, &font).map_or(0, |s| s.0))
            .max()
            .unwrap_or(0)
    };
    let size = (12..=20u32)
        .rev()
        .find(|&f| widest(f) + 80 <= max_width)
        .unwrap_or(12);
    let font: TextStyle = (FONT, size).into();
    let width = (widest(size) + 80).min(max_width);
    let (plot, column) = area.split_horizontally(area.dim_in_pixel().0 - width);
    let row = size as i32 + 6;
    for (i, (label, st)) in labelled.iter().enumerate() {
        let y = 40 + i as i32 * row;
        with_marker!(st.shown_marker(marks), 6, st.color, |shape| column
            .draw(&(EmptyElement::at((32, y)) + sample_line(*st) + shape()))
            .map_err(e)?);
        let text = Text::new(
            label.as_str(),
            (58, y),
            font.pos(Pos::new(HPos::Left, VPos::Center)),
        );
        column.draw(&text).map_err(e)?;
    }
    Ok((plot, true))
}

/// Draws `title` across the top of `area`, as large as fits (`max` down to 18 pixels),
/// and returns the area below it.
pub(crate) fn title_area<'a>(
    area: &Area<'a>,
    title: &str,
    max: u32,
) -> Result<Area<'a>, PlotError> {
    // A strip above the title, or its ascenders touch the edge.
    let (_, area) = area.split_vertically(14);
    let width = area.dim_in_pixel().0.saturating_sub(30);
    let fits = |size: u32| {
        let font: TextStyle = (FONT, size).into();
        area.estimate_text_size(title, &font)
            .map_or(true, |s| s.0 <= width)
    };
    let size = (18..=max.max(18))
        .rev()
        .step_by(2)
        .find(|&f| fits(f))
        .unwrap_or(18);
    area.titled(title, (FONT, size)).map_err(e)
}

/// The provenance line in the lower left corner.
pub(crate) fn corner(root: &Area, note: &str) -> Result<(), PlotError> {
    root.draw(&Text::new(
        note.to_string(),
        (12, root.dim_in_pixel().1 as i32 - 30),
        (FONT, 20).into_font().color(&RGBColor(90, 90, 90)),
    ))
    .map_err(e)
}

/// Height of one footnote row, in pixels.
const FOOT_ROW: u32 = 30;

/// Footnote sizes, largest first: a note is drawn at the largest that fits on one row,
/// else wrapped at the smallest.
const FOOT_SIZES: std::ops::RangeInclusive<u32> = 15..=21;

/// `text` broken at spaces into lines that `fits` accepts, each as long as it can be,
/// a parenthesised group kept on one line where it fits one (a single word too long for
/// a line stands on its own).
pub(crate) fn wrap(text: &str, fits: impl Fn(&str) -> bool) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for unit in units(text) {
        let pieces: Vec<String> = match fits(&unit) {
            true => vec![unit],
            false => unit.split(' ').map(str::to_string).collect(),
        };
        for piece in pieces {
            let longer = match line.is_empty() {
                true => piece.clone(),
                false => format!("{line} {piece}"),
            };
            if line.is_empty() || fits(&longer) {
                line = longer;
            } else {
                lines.push(std::mem::replace(&mut line, piece));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The words of `text`, each parenthesised group (with what it is attached to) as one.
fn units(text: &str) -> Vec<String> {
    let (mut out, mut unit, mut depth) = (Vec::new(), String::new(), 0i64);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        // A group opening here belongs with the word before it ("200 (sample = ...)").
        if unit.is_empty() && word.starts_with('(') {
            unit = out.pop().unwrap_or_default();
        }
        if !unit.is_empty() {
            unit.push(' ');
        }
        unit.push_str(word);
        depth += word.matches('(').count() as i64 - word.matches(')').count() as i64;
        if depth <= 0 {
            out.push(std::mem::take(&mut unit));
            depth = 0;
        }
    }
    if !unit.is_empty() {
        out.push(unit);
    }
    out
}

/// At most `max` footnote rows (a third of the figure's height), the last saying how
/// many were cut, so footnotes never squeeze the chart away.
fn cap_rows(mut rows: Vec<(String, u32)>, max: usize) -> Vec<(String, u32)> {
    if rows.len() > max.max(1) {
        let cut = rows.len() - max.max(1) + 1;
        rows.truncate(max.max(1) - 1);
        let size = *FOOT_SIZES.start();
        rows.push((
            format!("… {cut} more footnote rows cut: the figure has no room for them"),
            size,
        ));
    }
    rows
}

/// The provenance line in the lower left corner and the footnotes `lines` above it,
/// each as large as fits the width on one row (21 down to 15 pixels) or wrapped onto
/// more rows at 15 pixels, so none is cut at the edge; returns the area above them.
pub(crate) fn footed<'a>(
    root: &Area<'a>,
    note: &str,
    lines: &[String],
) -> Result<Area<'a>, PlotError> {
    let (w, h) = root.dim_in_pixel();
    let width = w.saturating_sub(24);
    let fits = |text: &str, size: u32| {
        let font: TextStyle = (FONT, size).into();
        root.estimate_text_size(text, &font)
            .map_or(true, |s| s.0 <= width)
    };
    let rows: Vec<(String, u32)> = lines
        .iter()
        .flat_map(|line| match FOOT_SIZES.rev().find(|&f| fits(line, f)) {
            Some(size) => vec![(line.clone(), size)],
            None => {
                let small = *FOOT_SIZES.start();
                let parts = wrap(line, |t| fits(t, small));
                parts.into_iter().map(|p| (p, small)).collect()
            }
        })
        .collect();
    let rows = cap_rows(rows, (h / 3 / FOOT_ROW) as usize);
    let n = rows.len() as u32;
    let (top, _) = root.split_vertically(h.saturating_sub(40 + n * FOOT_ROW));
    for (i, (line, size)) in rows.into_iter().enumerate() {
        let y = h as i32 - 36 - (n - i as u32) as i32 * FOOT_ROW as i32;
        let font = (FONT, size).into_font().color(&RGBColor(40, 40, 40));
        root.draw(&Text::new(line, (12, y), font)).map_err(e)?;
    }
    corner(root, note)?;
    Ok(top)
}

/// 8 % above the largest finite value, or 1 when there is none above 0.
pub(crate) fn upper(values: impl Iterator<Item = f64>) -> f64 {
    let m = values.filter(|v| v.is_finite()).fold(0.0f64, f64::max);
    if m > 0.0 {
        m * 1.08
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_in_order_and_each_line_within_the_width() {
        let text = "No t_max, not drawn - flat within noise: temperature_K = 40 (trapped = 0.0), 40 (trapped = 0.002), 80";
        let fits = |t: &str| t.len() <= 30;
        let lines = wrap(text, fits);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| fits(l)), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        // A word longer than a line stands alone rather than being lost or cut.
        let long = wrap("a supercalifragilistic b", |t| t.len() <= 5);
        assert_eq!(long, ["a", "supercalifragilistic", "b"]);
        assert!(wrap("", fits).is_empty());
        // A group in parentheses stays whole when it fits a line.
        let text = "t = 180 (sample = 14nm_film, mean = 83), 200 (sample = 8nm_SL, mean = 106)";
        let lines = wrap(text, |t| t.len() <= 44);
        assert_eq!(
            lines,
            [
                "t = 180 (sample = 14nm_film, mean = 83),",
                "200 (sample = 8nm_SL, mean = 106)"
            ]
        );
    }

    #[test]
    fn footnotes_are_capped_and_say_how_many_rows_were_cut() {
        let rows: Vec<(String, u32)> = (0..12).map(|i| (format!("row {i}"), 21)).collect();
        let capped = cap_rows(rows.clone(), 5);
        assert_eq!(capped.len(), 5);
        assert_eq!(capped[3].0, "row 3");
        assert!(
            capped[4].0.starts_with("… 8 more footnote rows cut"),
            "{:?}",
            capped[4]
        );
        assert_eq!(cap_rows(rows[..5].to_vec(), 5), rows[..5].to_vec());
    }

    #[test]
    fn every_series_up_to_the_capacity_looks_different() {
        let looks = |marks: Marks| {
            (0..DISTINCT_STYLES)
                .map(|i| {
                    let s = style(i);
                    (s.color, s.dash, s.shown_marker(marks))
                })
                .collect::<Vec<_>>()
        };
        for marks in [Marks::Points, Marks::Lines] {
            let all = looks(marks);
            for (i, a) in all.iter().enumerate() {
                assert!(
                    all[..i].iter().all(|b| b != a),
                    "series {i} looks like an earlier one ({marks:?})"
                );
            }
        }
        const { assert!(DISTINCT_STYLES >= 100) };
    }

    #[test]
    fn the_eleventh_series_is_not_the_first_again() {
        let (a, b) = (style(0), style(PALETTE.len()));
        assert_eq!(a.color, b.color);
        assert_ne!(a.dash, b.dash);
        let palette_distinct = PALETTE
            .iter()
            .enumerate()
            .all(|(i, c)| !PALETTE[..i].contains(c));
        assert!(palette_distinct);
    }

    #[test]
    fn solid_lines_are_their_steps_without_zero_length_ones() {
        let pts = [(0.0, 0.0), (3.0, 4.0), (3.0, 4.0), (3.0, 0.0)];
        let pieces = stroke_pieces(&pts, None);
        assert_eq!(pieces, [((0.0, 0.0), (3.0, 4.0)), ((3.0, 4.0), (3.0, 0.0))]);
    }

    #[test]
    fn dashes_follow_the_length_across_vertices() {
        // 5 + 4 pixels, dash 3, gap 1: on 0-3, off 3-4, on 4-7, off 7-8, on 8-9.
        let pts = [(0.0, 0.0), (3.0, 4.0), (3.0, 0.0)];
        let pieces = stroke_pieces(&pts, Some((3, 1)));
        let length = |p: &Piece| (p.1 .0 - p.0 .0).hypot(p.1 .1 - p.0 .1);
        let lengths: Vec<f64> = pieces.iter().map(length).collect();
        let expect = [3.0, 1.0, 2.0, 1.0];
        assert_eq!(lengths.len(), expect.len());
        for (l, x) in lengths.iter().zip(expect) {
            assert!((l - x).abs() < 1e-9, "{lengths:?}");
        }
        // The second dash turns the corner at (3, 4): two pieces, never one across it.
        assert_eq!(pieces[1].1, (3.0, 4.0));
        assert_eq!(pieces[2].0, (3.0, 4.0));
    }

    #[test]
    fn line_charts_mark_series_only_after_colours_and_dashes_run_out() {
        let first_marked = (0..DISTINCT_STYLES).find(|&i| style(i).marks_lines);
        assert_eq!(first_marked, Some(PALETTE.len() * DASHES.len()));
        assert_eq!(style(0).shown_marker(Marks::Points), Some(Marker::Circle));
        assert_eq!(style(0).shown_marker(Marks::Lines), None);
    }
}
