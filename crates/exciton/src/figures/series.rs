//! Data shaped for charts, without drawing: points grouped into series by the swept
//! parameters, evenly spread subsets, and runs of values a log axis can show.

use super::errors::WithErr;
use super::labels::params_label;
use indexmap::IndexMap;
use serde_json::Value;

pub(crate) type Params = IndexMap<String, Value>;

/// One line of a chart: its legend label (empty: nothing to tell it by) and its points
/// sorted by x.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Series {
    pub label: String,
    /// (x, y, standard error of y) sorted by x; y is `None` where the point has no value
    /// (such as no t_max): the line breaks there. The error is `None` where there is none
    /// (the exact backend).
    pub points: Vec<WithErr>,
}

impl Series {
    /// The drawable points.
    #[cfg(test)]
    pub(crate) fn values(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.points.iter().filter_map(|&(x, y, _)| Some((x, y?)))
    }

    /// Runs of consecutive points with values: one line each, none across a gap.
    pub(crate) fn runs(&self) -> Vec<Vec<WithErr>> {
        let mut out: Vec<Vec<WithErr>> = vec![Vec::new()];
        for &p in &self.points {
            match p.1 {
                Some(_) => out.last_mut().expect("one run at least").push(p),
                None => out.push(Vec::new()),
            }
        }
        out.retain(|r| !r.is_empty());
        out
    }
}

/// The (x, y) of the entries with values, for drawing their line.
pub(crate) fn xy_of(run: &[WithErr]) -> Vec<(f64, f64)> {
    run.iter().filter_map(|&(x, y, _)| Some((x, y?))).collect()
}

/// Whether `key` takes one value for each x (a parameter swept together with x).
fn fixed_by_x(params: &[&Params], xs: &[Option<f64>], key: &str) -> bool {
    let mut seen: Vec<(f64, &Value)> = Vec::new();
    for (p, x) in params.iter().zip(xs) {
        let (Some(x), Some(v)) = (x, p.get(key)) else {
            continue;
        };
        match seen.iter().find(|(sx, _)| sx == x) {
            Some((_, sv)) if *sv != v => return false,
            Some(_) => {}
            None => seen.push((*x, v)),
        }
    }
    true
}

/// The swept parameters other than `x_key` that vary at a fixed x: each combination of
/// their values is one series. Parameters swept together with x (a zip sweep) or held
/// constant need none.
pub(crate) fn free_keys(
    params: &[&Params],
    xs: &[Option<f64>],
    x_key: Option<&str>,
) -> Vec<String> {
    let Some(first) = params.first() else {
        return Vec::new();
    };
    first
        .keys()
        .filter(|k| Some(k.as_str()) != x_key && !fixed_by_x(params, xs, k))
        .cloned()
        .collect()
}

/// Points (`params[i]`, `xy[i]`: x, y and y's standard error) as one series per
/// combination of the [`free_keys`] values, in the order the combinations first appear,
/// each sorted by x and labelled "short name = value, ..." (empty when there is nothing
/// to group by).
pub(crate) fn group_series(
    params: &[&Params],
    xy: &[(Option<f64>, Option<f64>, Option<f64>)],
    x_key: Option<&str>,
) -> Vec<Series> {
    let xs: Vec<Option<f64>> = xy.iter().map(|p| p.0).collect();
    let keys = free_keys(params, &xs, x_key);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut groups: Vec<(Vec<Option<&Value>>, Series)> = Vec::new();
    for (p, &(x, y, err)) in params.iter().zip(xy) {
        let id: Vec<Option<&Value>> = keys.iter().map(|k| p.get(*k)).collect();
        let at = match groups.iter().position(|(g, _)| *g == id) {
            Some(at) => at,
            None => {
                let label = params_label(p, &keys);
                let series = Series {
                    label,
                    points: Vec::new(),
                };
                groups.push((id, series));
                groups.len() - 1
            }
        };
        let s = &mut groups[at].1;
        if let Some(x) = x.filter(|x| x.is_finite()) {
            let y = y.filter(|y| y.is_finite());
            s.points.push((x, y, y.and(err.filter(|e| e.is_finite()))));
        }
    }
    let mut out: Vec<Series> = groups.into_iter().map(|(_, s)| s).collect();
    for s in &mut out {
        s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

/// Indices of at most `max` of `n` items, evenly spread, the first and last included.
pub(crate) fn spread(n: usize, max: usize) -> Vec<usize> {
    match max {
        _ if n <= max => (0..n).collect(),
        0 => Vec::new(),
        1 => vec![0],
        _ => (0..max).map(|i| i * (n - 1) / (max - 1)).collect(),
    }
}

/// Runs of consecutive points whose x and y a log y axis can show (finite, y > 0). A
/// zero or negative value (a frame without emissions) is left out and ends its run, so
/// no line is drawn across it.
pub(crate) fn log_segments(pts: impl IntoIterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut run = Vec::new();
    for (x, y) in pts {
        if x.is_finite() && y.is_finite() && y > 0.0 {
            run.push((x, y));
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, Value)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// A product sweep, temperature outer and trap inner, as bench-sweep.json.
    type Xy = (Option<f64>, Option<f64>, Option<f64>);

    fn product() -> (Vec<Params>, Vec<Xy>) {
        let mut ps = Vec::new();
        let mut xy = Vec::new();
        for t in [300.0, 10.0, 100.0] {
            for trap in [0.0, 0.01] {
                ps.push(params(&[
                    ("temperature_K", Value::from(t)),
                    ("states.bright.to.trapped", Value::from(trap)),
                ]));
                xy.push((Some(t), Some(t + 1000.0 * trap), Some(t / 100.0)));
            }
        }
        (ps, xy)
    }

    #[test]
    fn a_product_sweep_gives_one_series_per_value_of_the_other_parameter() {
        let (ps, xy) = product();
        let refs: Vec<&Params> = ps.iter().collect();
        let s = group_series(&refs, &xy, Some("temperature_K"));
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label, "to.trapped = 0.0");
        let values = |s: &Series| s.values().collect::<Vec<_>>();
        assert_eq!(
            values(&s[0]),
            [(10.0, 10.0), (100.0, 100.0), (300.0, 300.0)]
        );
        assert_eq!(s[1].label, "to.trapped = 0.01");
        assert_eq!(
            values(&s[1]),
            [(10.0, 20.0), (100.0, 110.0), (300.0, 310.0)]
        );
        assert!(s.iter().all(|s| s.runs().len() == 1));
        // Each error stays with its point through the sort by x.
        let errs: Vec<Option<f64>> = s[1].points.iter().map(|p| p.2).collect();
        assert_eq!(errs, [Some(0.1), Some(1.0), Some(3.0)]);
    }

    #[test]
    fn grouping_by_the_other_axis_swaps_the_roles() {
        let (ps, _) = product();
        let refs: Vec<&Params> = ps.iter().collect();
        let key = "states.bright.to.trapped";
        let xy: Vec<_> = ps
            .iter()
            .map(|p| (p[key].as_f64(), Some(1.0), None))
            .collect();
        let s = group_series(&refs, &xy, Some(key));
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "temperature_K = 300.0",
                "temperature_K = 10.0",
                "temperature_K = 100.0"
            ]
        );
        assert!(s.iter().all(|s| s.points.len() == 2));
    }

    #[test]
    fn parameters_swept_with_x_or_constant_make_one_series() {
        let zip: Vec<Params> = (0..4)
            .map(|i| {
                params(&[
                    ("states.dark.to.bright", Value::from(0.02 * i as f64)),
                    ("states.bright.fret", Value::from(0.09 + 0.01 * i as f64)),
                    ("sample", Value::from("5nm_SL")),
                ])
            })
            .collect();
        let refs: Vec<&Params> = zip.iter().collect();
        let xy: Vec<_> = (0..4)
            .map(|i| (Some(0.02 * i as f64), (i != 2).then_some(1.0), Some(0.5)))
            .collect();
        let s = group_series(&refs, &xy, Some("states.dark.to.bright"));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].label, "");
        assert_eq!(s[0].values().count(), 3);
        assert_eq!(s[0].points.len(), 4);
        let runs = s[0].runs();
        let lines: Vec<Vec<(f64, f64)>> = runs.iter().map(|r| xy_of(r)).collect();
        assert_eq!(lines, [vec![(0.0, 1.0), (0.02, 1.0)], vec![(0.06, 1.0)]]);
        // A point without a value keeps no error either.
        assert_eq!(s[0].points[2], (0.04, None, None));
    }

    #[test]
    fn a_string_parameter_groups_with_its_bare_value() {
        let ps: Vec<Params> = ["5nm_SL", "8nm_SL"]
            .iter()
            .flat_map(|s| {
                [9.0, 300.0].map(|t| {
                    params(&[
                        ("sample", Value::from(*s)),
                        ("temperature_K", Value::from(t)),
                    ])
                })
            })
            .collect();
        let refs: Vec<&Params> = ps.iter().collect();
        let xy: Vec<_> = ps
            .iter()
            .map(|p| (p["temperature_K"].as_f64(), Some(0.0), None))
            .collect();
        let s = group_series(&refs, &xy, Some("temperature_K"));
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["sample = 5nm_SL", "sample = 8nm_SL"]);
    }

    #[test]
    fn spread_keeps_ends_and_never_repeats() {
        assert_eq!(spread(5, 10), [0, 1, 2, 3, 4]);
        assert_eq!(spread(256, 4), [0, 85, 170, 255]);
        assert_eq!(spread(7, 1), [0]);
        let s = spread(256, 20);
        assert_eq!(s.len(), 20);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!((s[0], s[19]), (0, 255));
    }

    #[test]
    fn log_segments_leave_out_non_positive_values_and_break_there() {
        let pts = [
            (0.0, 1e-2),
            (1.0, 1e-3),
            (2.0, 0.0),
            (3.0, 1e-5),
            (4.0, -1e-9),
            (5.0, f64::NAN),
            (6.0, 1e-5),
            (7.0, 2e-5),
        ];
        assert_eq!(
            log_segments(pts),
            vec![
                vec![(0.0, 1e-2), (1.0, 1e-3)],
                vec![(3.0, 1e-5)],
                vec![(6.0, 1e-5), (7.0, 2e-5)],
            ]
        );
        assert!(log_segments([(0.0, 0.0), (1.0, 0.0)]).is_empty());
    }
}
