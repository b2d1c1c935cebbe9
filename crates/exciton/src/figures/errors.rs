//! Standard errors as the figures show them: a shaded band (±1 s.e.) around a curve,
//! a bar (±1 s.e.) on a point. Monte Carlo values carry one; the exact backend's have
//! none (`None`) and are drawn bare.

use super::style::e;
use super::PlotError;
use exciton_io::results::PointResult;
use plotters::prelude::*;

/// One entry of a curve or series: x, the value, its standard error.
pub(crate) type WithErr = (f64, Option<f64>, Option<f64>);

/// A usable standard error: finite and not negative.
fn usable(err: Option<f64>) -> Option<f64> {
    err.filter(|s| s.is_finite() && *s >= 0.0)
}

/// The polygons of the ±1 s.e. band around `pts`: one per run of consecutive entries
/// with a finite value and a usable error (an entry without either ends the run, so no
/// band is drawn across it); each the upper edge left to right, then the lower edge
/// back. A run of one entry has no width and gives none.
pub(crate) fn band_polygons(pts: &[WithErr]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for &(x, y, s) in pts {
        match (y.filter(|y| y.is_finite()), usable(s)) {
            (Some(y), Some(s)) if x.is_finite() => {
                runs.last_mut().expect("one run at least").push((x, y, s))
            }
            _ => runs.push(Vec::new()),
        }
    }
    runs.into_iter()
        .filter(|r| r.len() > 1)
        .map(|r| {
            let upper = r.iter().map(|&(x, y, s)| (x, y + s));
            let lower = r.iter().rev().map(|&(x, y, s)| (x, y - s));
            upper.chain(lower).collect()
        })
        .collect()
}

/// `pts` with the errors `errs` (aligned by index; missing ones `None`) as a log axis
/// can shade them: no value where it is not above 0, no error where value - s.e. is
/// not, so the band breaks there instead of reaching below the axis.
pub(crate) fn log_band_points(pts: &[(f64, f64)], errs: &[Option<f64>]) -> Vec<WithErr> {
    pts.iter()
        .enumerate()
        .map(|(i, &(x, y))| {
            let y = (y > 0.0).then_some(y);
            let s = usable(errs.get(i).copied().flatten());
            (x, y, s.filter(|s| y.is_some_and(|y| y - s > 0.0)))
        })
        .collect()
}

/// (x, value - s.e., value + s.e.) of every entry with a finite value and a usable error.
pub(crate) fn bar_ends(pts: &[WithErr]) -> Vec<(f64, f64, f64)> {
    pts.iter()
        .filter_map(|&(x, y, s)| {
            let (y, s) = (y.filter(|y| y.is_finite())?, usable(s)?);
            x.is_finite().then_some((x, y - s, y + s))
        })
        .collect()
}

/// The values and their ±1 s.e. ends, for axis ranges that hold the bands and bars.
pub(crate) fn extent(pts: &[WithErr]) -> impl Iterator<Item = f64> + '_ {
    pts.iter().flat_map(|&(_, y, s)| {
        let s = usable(s).unwrap_or(0.0);
        y.into_iter().flat_map(move |y| [y, y - s, y + s])
    })
}

/// Whether any entry carries a usable error.
pub(crate) fn any_error<'a>(pts: impl IntoIterator<Item = &'a WithErr>) -> bool {
    pts.into_iter()
        .any(|&(_, y, s)| y.is_some() && usable(s).is_some())
}

/// Fills the bands of `pts` in `color`, translucent, beneath the lines drawn later.
pub(crate) fn draw_band<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pts: &[WithErr],
    color: RGBColor,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let fill = color.mix(0.22).filled();
    chart
        .draw_series(
            band_polygons(pts)
                .into_iter()
                .map(|poly| Polygon::new(poly, fill)),
        )
        .map(|_| ())
        .map_err(e)
}

/// Draws a ±1 s.e. bar with caps of `cap` pixels each side on every entry of `pts`
/// that has an error, unless the bar is shorter than `hidden` pixels (the marker's
/// height: it would hide the bar, and the caps alone look like part of the marker).
pub(crate) fn draw_bars<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pts: &[WithErr],
    color: RGBColor,
    (cap, hidden): (i32, i32),
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let stroke = color.stroke_width(2);
    for (x, lo, hi) in bar_ends(pts) {
        let spec = chart.as_coord_spec();
        let (bottom, top) = (spec.translate(&(x, lo)), spec.translate(&(x, hi)));
        if (bottom.1 - top.1).abs() < hidden {
            continue;
        }
        let tick = move |y: f64| {
            EmptyElement::at((x, y)) + PathElement::new(vec![(-cap, 0), (cap, 0)], stroke)
        };
        chart
            .draw_series([PathElement::new(vec![(x, lo), (x, hi)], stroke)])
            .map_err(e)?;
        chart.draw_series([tick(lo), tick(hi)]).map_err(e)?;
    }
    Ok(())
}

/// The first warning of `p` about `quantity`: the run's warnings start with the
/// quantity they concern ("D_avg wants ...", "tau_PL undefined ...").
pub(crate) fn warning_about<'a>(p: &'a PointResult, quantity: &str) -> Option<&'a String> {
    p.warnings.iter().find(|w| w.starts_with(quantity))
}

/// Whether a warning of `p` is about one of `quantities`.
pub(crate) fn flagged_by(p: &PointResult, quantities: &[&str]) -> bool {
    quantities.iter().any(|q| warning_about(p, q).is_some())
}

/// What the diffusion length rests on: a warning about either flags it too.
pub(crate) const L_RESTS_ON: &[&str] = &["D_avg", "tau_PL"];

/// The largest standard error relative to its value, among entries with both.
pub(crate) fn max_relative<'a>(pts: impl IntoIterator<Item = &'a WithErr>) -> Option<f64> {
    pts.into_iter()
        .filter_map(|&(_, y, s)| {
            let (y, s) = (y?, usable(s)?);
            (y != 0.0 && y.is_finite()).then(|| s / y.abs())
        })
        .reduce(f64::max)
}

/// The footnote that says what the bars or bands (`drawn`) are, from whether any value
/// has an error (none: the exact backend's values, or results without errors); `under`
/// is what hides one too small to see.
pub(crate) fn error_note(drawn: &str, under: &str, any: bool, exact: bool) -> String {
    match (any, exact) {
        (true, _) => format!(
            "{drawn}: ±1 standard error (jackknife over walker blocks); not seen where smaller than {under}"
        ),
        (false, true) => "exact backend: no statistical error to show".into(),
        (false, false) => format!("no standard errors in these results, so no {drawn}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_goes_out_along_the_upper_edge_and_back_along_the_lower() {
        let pts = [
            (0.0, Some(1.0), Some(0.1)),
            (1.0, Some(2.0), Some(0.2)),
            (2.0, Some(3.0), Some(0.0)),
        ];
        let polys = band_polygons(&pts);
        assert_eq!(
            polys,
            vec![vec![
                (0.0, 1.1),
                (1.0, 2.2),
                (2.0, 3.0),
                (2.0, 3.0),
                (1.0, 1.8),
                (0.0, 0.9)
            ]]
        );
    }

    #[test]
    fn a_band_breaks_where_a_value_or_error_is_missing_and_drops_lone_entries() {
        let pts = [
            (0.0, Some(1.0), Some(0.1)),
            (1.0, Some(1.0), Some(0.1)),
            (2.0, Some(1.0), None),
            (3.0, Some(1.0), Some(0.1)),
            (4.0, None, Some(0.1)),
            (5.0, Some(1.0), Some(f64::NAN)),
            (6.0, Some(1.0), Some(0.1)),
            (7.0, Some(1.0), Some(0.1)),
        ];
        let polys = band_polygons(&pts);
        assert_eq!(polys.len(), 2);
        let xs = |p: &Vec<(f64, f64)>| p.iter().map(|q| q.0).collect::<Vec<_>>();
        assert_eq!(xs(&polys[0]), [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(xs(&polys[1]), [6.0, 7.0, 7.0, 6.0]);
    }

    #[test]
    fn the_exact_backend_has_no_band_and_no_bars() {
        let pts: Vec<WithErr> = (0..5).map(|i| (i as f64, Some(1.0), None)).collect();
        assert!(band_polygons(&pts).is_empty());
        assert!(bar_ends(&pts).is_empty());
        assert!(!any_error(&pts));
        assert_eq!(extent(&pts).fold(0.0, f64::max), 1.0);
        assert!(error_note("bands", "the line", false, true).contains("exact"));
        assert_eq!(max_relative(&pts), None);
    }

    #[test]
    fn a_log_band_breaks_where_its_lower_edge_reaches_zero() {
        let pts = [(0.0, 1.0), (1.0, 0.5), (2.0, 0.1), (3.0, 0.0), (4.0, 0.1)];
        let errs = [Some(0.1), Some(0.1), Some(0.2)];
        let band = log_band_points(&pts, &errs);
        assert_eq!(
            band,
            [
                (0.0, Some(1.0), Some(0.1)),
                (1.0, Some(0.5), Some(0.1)),
                (2.0, Some(0.1), None),
                (3.0, None, None),
                (4.0, Some(0.1), None)
            ]
        );
        assert_eq!(band_polygons(&band).len(), 1);
    }

    #[test]
    fn bars_and_the_extent_reach_one_error_either_side() {
        let pts = [
            (0.0, Some(2.0), Some(0.5)),
            (1.0, None, Some(0.5)),
            (2.0, Some(4.0), Some(-1.0)),
            (3.0, Some(4.0), None),
        ];
        assert_eq!(bar_ends(&pts), [(0.0, 1.5, 2.5)]);
        let ext: Vec<f64> = extent(&pts).collect();
        assert_eq!(ext, [2.0, 1.5, 2.5, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]);
        assert!(any_error(&pts));
        let note = error_note("error bars", "the marker", true, false);
        assert!(note.starts_with("error bars: ±1 standard error"));
        assert!(note.ends_with("smaller than the marker"));
        assert_eq!(max_relative(&pts), Some(0.25));
    }
}
