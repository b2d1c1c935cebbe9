//! t_max against a swept parameter (Figure 3d): the points whose MSD has a real
//! maximum, with ±1 standard error bars; the others are left out of the lines and a
//! footnote names them and says why.

use super::errors::{any_error, draw_bars, error_note, extent};
use super::labels::{axis_label, common_dt, params_label, run_units, short_names, value_text};
use super::series::{free_keys, group_series, xy_of, Params};
use super::style::{draw_line, e, footed, inline_legend, side_legend, style, title_area, Marks};
use super::sweep_charts::{span, thin};
use super::FigureProblem;
use super::{draw_png, FigureError, FONT};
use exciton_core::observables::{no_max_reason, T_MAX_MIN_WALKERS};
use exciton_io::results::RunResults;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Points named per reason in the footnote (wrapped onto as many rows as it takes) at
/// most; the rest are counted, and the heatmap or `plot --where` shows each.
const NAMED_MAX: usize = 32;

/// The swept parameter t_max is drawn against: the first numeric one that takes more
/// than one value (the first numeric one when none does).
fn x_parameter(r: &RunResults) -> Option<String> {
    let keys = r.points.first()?.parameters.keys();
    let numeric: Vec<&String> = keys
        .filter(|k| {
            r.points
                .iter()
                .all(|p| p.parameters.get(*k).and_then(|v| v.as_f64()).is_some())
        })
        .collect();
    let varies = |k: &&&String| {
        r.points
            .iter()
            .any(|p| p.parameters[**k] != r.points[0].parameters[**k])
    };
    numeric
        .iter()
        .find(varies)
        .or(numeric.first())
        .map(|k| k.to_string())
}

/// Parameters swept along with `x_key` (zip sweeps), named after the axis.
fn swept_with(params: &[&Params], xs: &[Option<f64>], x_key: &str) -> String {
    let free = free_keys(params, xs, Some(x_key));
    let Some(first) = params.first() else {
        return String::new();
    };
    let with: Vec<&str> = first
        .keys()
        .filter(|k| *k != x_key && !free.contains(k))
        .filter(|k| params.iter().any(|p| p.get(*k) != first.get(*k)))
        .map(String::as_str)
        .collect();
    match with.is_empty() {
        true => String::new(),
        false => format!("; {} swept with it", short_names(&with).join(", ")),
    }
}

/// The points without a real maximum, grouped by reason in the order reasons first
/// appear: (reason, each point's x value, with its series' label when there are several).
pub(crate) fn missing(r: &RunResults, key: &str) -> Vec<(String, Vec<String>)> {
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let xs: Vec<Option<f64>> = params.iter().map(|p| p.get(key)?.as_f64()).collect();
    let free = free_keys(&params, &xs, Some(key));
    let free: Vec<&str> = free.iter().map(String::as_str).collect();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for p in r.points.iter().filter(|p| p.t_max_ps.is_none()) {
        let x = p.parameters.get(key).map_or("?".into(), value_text);
        let which = match free.is_empty() {
            true => x,
            false => format!("{x} ({})", params_label(&p.parameters, &free)),
        };
        let reason = no_max_reason(p.t_max_note.as_deref());
        match out.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, v)) => v.push(which),
            None => out.push((reason, vec![which])),
        }
    }
    out
}

/// The title's count of points without a maximum ("" when all have one).
pub(crate) fn missing_title(missing: &[(String, Vec<String>)], total: usize) -> String {
    let k: usize = missing.iter().map(|(_, v)| v.len()).sum();
    if k == 0 {
        return String::new();
    }
    let has = if k == 1 { "has" } else { "have" };
    let why: Vec<String> = missing
        .iter()
        .map(|(r, v)| format!("{} {r}", v.len()))
        .collect();
    format!(
        "; {k} of {total} points {has} no real maximum ({})",
        why.join(", ")
    )
}

/// One footnote per reason: what it means and the points it left out.
pub(crate) fn missing_lines(missing: &[(String, Vec<String>)], x_name: &str) -> Vec<String> {
    missing
        .iter()
        .map(|(reason, pts)| {
            let means = match reason.as_str() {
                "still rising" => format!(
                    "still rising at the last frame with ≥ {T_MAX_MIN_WALKERS:.0} effective walkers"
                ),
                "flat within noise" => {
                    "flat within noise (its rise above the last reliable frame is within noise's 99.9 % excursion)"
                        .into()
                }
                other => other.to_string(),
            };
            let mut named = pts[..pts.len().min(NAMED_MAX)].join(", ");
            if pts.len() > NAMED_MAX {
                named += &format!(
                    " and {} more (the heatmap of a two-parameter sweep, or plot --where, shows each)",
                    pts.len() - NAMED_MAX
                );
            }
            format!("No t_max, not drawn — {means}: {x_name} = {named}")
        })
        .collect()
}

/// t_max against the first swept numeric parameter (Figure 3d), one line per
/// combination of the other swept parameters, ±1 s.e. bars; points without a real
/// maximum left out and named below the chart.
pub fn t_max(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let key = x_parameter(r).ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        problem: FigureProblem::Missing("t_max needs a sweep over a numeric parameter".into()),
    })?;
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let xy: Vec<_> = r
        .points
        .iter()
        .map(|p| {
            let ns = |v: Option<f64>| v.map(|t| t / 1000.0);
            let x = p.parameters[&key].as_f64();
            (x, ns(p.t_max_ps), ns(p.t_max_stderr_ps))
        })
        .collect();
    let xs: Vec<Option<f64>> = xy.iter().map(|p| p.0).collect();
    let x_desc = axis_label(&key, run_units(r), common_dt(r)) + &swept_with(&params, &xs, &key);
    let (series, thinned) = thin(group_series(&params, &xy, Some(&key)));
    let gone = missing(r, &key);
    let title = format!(
        "{}: time of the MSD maximum{thinned}{}",
        r.scenario,
        missing_title(&gone, r.points.len())
    );
    let mut footnotes = missing_lines(&gone, &key);
    let any = any_error(series.iter().flat_map(|s| &s.points));
    footnotes.push(error_note(
        "error bars",
        "the marker",
        any,
        r.backend == "exact",
    ));
    let entries: Vec<_> = (0..series.len())
        .map(|i| (series[i].label.clone(), style(i)))
        .collect();
    let x = span(xs.iter().flatten().copied());
    let y = span(
        series
            .iter()
            .flat_map(|s| extent(&s.points).collect::<Vec<_>>()),
    );
    draw_png(path, |root| {
        let top = footed(root, note, &footnotes)?;
        let body = title_area(&top, &title, 32)?;
        let (plot, beside) = side_legend(&body, &entries, Marks::Points, false)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .margin_right(40)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(x, y)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("t_max (ns)")
            .label_style((FONT, 24))
            .axis_desc_style((FONT, 24))
            .draw()
            .map_err(e)?;
        for (i, s) in series.iter().enumerate() {
            for run in s.runs() {
                draw_bars(&mut chart, &run, style(i).color, (8, 14))?;
                draw_line(&mut chart, &xy_of(&run), style(i), Marks::Points, 7)?;
            }
        }
        if !beside {
            let at = SeriesLabelPosition::UpperRight;
            inline_legend(&mut chart, &entries, Marks::Points, at)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{point, run};
    use super::*;
    use serde_json::Value;

    const RISING: &str = "still rising at the last frame with 1000 effective walkers (7475 ps)";
    const FLAT: &str = "flat within noise: the largest MSD (7425 ps) exceeds the last reliable frame's (7475 ps) by 2.400e-1 sites^2, within what noise alone gives 0.1 % of the time (5.100e-1)";

    /// Fig. 2e's shape: a maximum at 9-30 K, none when heated.
    fn heating() -> RunResults {
        let t = |k: f64| vec![("temperature_K", Value::from(k))];
        run(vec![
            point(&t(9.0), Some(409.0), None),
            point(&t(20.0), Some(410.0), None),
            point(&t(30.0), Some(384.0), None),
            point(&t(40.0), None, Some(RISING)),
            point(&t(60.0), None, Some(RISING)),
            point(&t(80.0), None, Some(FLAT)),
        ])
    }

    #[test]
    fn reasons_are_the_notes_in_short() {
        assert_eq!(no_max_reason(Some(RISING)), "still rising");
        assert_eq!(no_max_reason(Some(FLAT)), "flat within noise");
        let none = "no frame has 1000 effective walkers behind its MSD";
        assert_eq!(no_max_reason(Some(none)), none);
        assert_eq!(no_max_reason(Some("odd: detail")), "odd");
        assert_eq!(no_max_reason(None), "no maximum before the run ends");
    }

    #[test]
    fn heated_points_are_left_out_and_named_by_reason() {
        let r = heating();
        let gone = missing(&r, "temperature_K");
        assert_eq!(
            gone,
            [
                (
                    "still rising".to_string(),
                    vec!["40.0".to_string(), "60.0".into()]
                ),
                ("flat within noise".to_string(), vec!["80.0".to_string()]),
            ]
        );
        assert_eq!(
            missing_title(&gone, 6),
            "; 3 of 6 points have no real maximum (2 still rising, 1 flat within noise)"
        );
        let lines = missing_lines(&gone, "temperature_K");
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("No t_max, not drawn — still rising at the last frame"));
        assert!(lines[0].ends_with("temperature_K = 40.0, 60.0"));
        assert!(lines[1].ends_with("temperature_K = 80.0"));
        // The drawn series hold only the three points with a maximum.
        let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
        let xy: Vec<_> = r
            .points
            .iter()
            .map(|p| (p.parameters["temperature_K"].as_f64(), p.t_max_ps, None))
            .collect();
        let s = group_series(&params, &xy, Some("temperature_K"));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].values().count(), 3);
        assert_eq!(s[0].runs().len(), 1);
    }

    #[test]
    fn all_with_a_maximum_say_nothing_and_many_are_counted() {
        let all = run(vec![point(
            &[("a.b_ps", Value::from(1.0))],
            Some(1.0),
            None,
        )]);
        let gone = missing(&all, "a.b_ps");
        assert!(gone.is_empty());
        assert_eq!(missing_title(&gone, 1), "");
        assert!(missing_lines(&gone, "a.b_ps").is_empty());
        let many: Vec<String> = (0..NAMED_MAX + 3).map(|i| i.to_string()).collect();
        let line = &missing_lines(&[("still rising".into(), many)], "x")[0];
        let last = NAMED_MAX - 1;
        assert!(
            line.contains("x = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, "),
            "{line}"
        );
        assert!(line.contains(&format!(", {last} and 3 more")), "{line}");
        let few: Vec<String> = (0..NAMED_MAX).map(|i| i.to_string()).collect();
        let line = &missing_lines(&[("still rising".into(), few)], "x")[0];
        assert!(line.ends_with(&format!(", {last}")), "all named: {line}");
    }

    #[test]
    fn a_second_swept_parameter_labels_the_left_out_points() {
        let p = |s: &str, k: f64, t: Option<f64>| {
            let params = vec![
                ("sample", Value::from(s)),
                ("temperature_K", Value::from(k)),
            ];
            point(&params, t, t.is_none().then_some(RISING))
        };
        let r = run(vec![
            p("5nm_SL", 9.0, Some(400.0)),
            p("5nm_SL", 40.0, None),
            p("8nm_SL", 9.0, None),
        ]);
        let gone = missing(&r, "temperature_K");
        assert_eq!(
            gone[0].1,
            ["40.0 (sample = 5nm_SL)", "9.0 (sample = 8nm_SL)"]
        );
    }
}
