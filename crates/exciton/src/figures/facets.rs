//! Which points a curve figure (MSD, PL decay) draws, in which panel and which style.
//!
//! A sweep of two or more varying parameters gets one panel per value of a facet
//! parameter, and within a panel one curve per combination of the others, styled the
//! same in every panel so one legend serves all. A figure that cannot show every point
//! says exactly which it draws. `plot --where KEY=VALUE` narrows the points first
//! ([`select`]).

use super::labels::{params_label, short_names, value_text};
use super::series::{spread, Params};
use super::style::{style, SeriesStyle};
use super::{FigureError, FigureProblem};
use exciton_io::results::RunResults;
use serde_json::Value;

/// Panels drawn at most; more facet values are thinned, evenly spread, and said.
pub(crate) const MAX_PANELS: usize = 16;

/// One panel: its caption (empty for a figure of one panel) and its curves as
/// (index into the run's points, style index).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Panel {
    pub caption: String,
    pub curves: Vec<(usize, usize)>,
}

/// A figure's panels, the legend label of each style index, and footnotes for whatever
/// is not drawn.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Layout {
    pub panels: Vec<Panel>,
    pub legend: Vec<String>,
    pub not_drawn: Vec<String>,
}

/// The parameters whose values differ between `params`, in the first point's order.
pub(crate) fn varying_keys(params: &[&Params]) -> Vec<String> {
    let Some(first) = params.first() else {
        return Vec::new();
    };
    first
        .keys()
        .filter(|k| params.iter().any(|p| p.get(*k) != first.get(*k)))
        .cloned()
        .collect()
}

/// The key of `keys` that `name` names: the key itself, or a dotted tail of it
/// ("trapped" for "states.bright.to.trapped") that no other key has.
fn resolve(name: &str, keys: &[String]) -> Result<String, String> {
    if let Some(k) = keys.iter().find(|k| *k == name) {
        return Ok(k.clone());
    }
    let hits: Vec<&String> = keys
        .iter()
        .filter(|k| k.ends_with(&format!(".{name}")))
        .collect();
    match hits[..] {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "'{name}' is not a swept parameter of this run (those are: {})",
            list_or_none(keys)
        )),
        _ => Err(format!(
            "'{name}' names more than one swept parameter ({}): give more of its path",
            hits.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn list_or_none(keys: &[String]) -> String {
    match keys.is_empty() {
        true => "none".into(),
        false => keys.join(", "),
    }
}

/// Distinct values of `key` among `params`, in first appearance.
pub(crate) fn distinct<'a>(params: &[&'a Params], key: &str) -> Vec<&'a Value> {
    let mut out: Vec<&Value> = Vec::new();
    for v in params.iter().filter_map(|p| p.get(key)) {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Whether `params` fill the grid of `keys`' values: one point per combination, as a
/// product sweep gives (a zip sweep does not).
pub(crate) fn is_full_grid(params: &[&Params], keys: &[String]) -> bool {
    let cells: usize = keys.iter().map(|k| distinct(params, k).len()).product();
    let mut seen = std::collections::HashSet::new();
    params.len() == cells
        && params.iter().all(|p| {
            let combo: Option<Vec<&Value>> = keys.iter().map(|k| p.get(k)).collect();
            combo.is_some_and(|c| seen.insert(serde_json::to_string(&c).unwrap_or_default()))
        })
}

/// The facet parameter: the one `asked` names, or by default, when two or more vary
/// over a full grid, temperature_K if it varies (each panel then holds curves of one
/// scale), else the one with the fewest values.
fn facet_key(
    params: &[&Params],
    keys: &[String],
    asked: Option<&str>,
) -> Result<Option<String>, String> {
    if let Some(name) = asked {
        return resolve(name, keys).map(Some);
    }
    if keys.len() < 2 || !is_full_grid(params, keys) {
        return Ok(None);
    }
    Ok(keys
        .iter()
        .find(|k| *k == "temperature_K")
        .or_else(|| keys.iter().min_by_key(|k| distinct(params, k).len()))
        .cloned())
}

/// The panels' captions and members (indices into `params`): one panel for all without
/// a facet, else one per value of it (at most [`MAX_PANELS`], the thinning said in
/// `notes`). A point without the facet's key gets a panel of its own, "(not set)".
fn panel_groups(
    params: &[&Params],
    keys: &[String],
    facet: Option<&str>,
    notes: &mut Vec<String>,
) -> Vec<(String, Vec<usize>)> {
    let Some(key) = facet else {
        return vec![(String::new(), (0..params.len()).collect())];
    };
    let short = short_names(&keys.iter().map(String::as_str).collect::<Vec<_>>());
    let name = &short[keys.iter().position(|k| k == key).expect("a varying key")];
    let mut values: Vec<Option<&Value>> = distinct(params, key).into_iter().map(Some).collect();
    if params.iter().any(|p| !p.contains_key(key)) {
        values.push(None);
    }
    let keep = spread(values.len(), MAX_PANELS);
    let text = |v: Option<&Value>| v.map_or("(not set)".to_string(), value_text);
    if keep.len() < values.len() {
        let shown: Vec<String> = keep.iter().map(|&i| text(values[i])).collect();
        notes.push(format!(
            "panels for {} of {} values of {name} (at most {MAX_PANELS}; plot --where {name}=VALUE draws any other): {}",
            keep.len(),
            values.len(),
            shown.join(", ")
        ));
    }
    keep.iter()
        .map(|&i| {
            let v = values[i];
            let members = (0..params.len())
                .filter(|&j| params[j].get(key) == v)
                .collect();
            (format!("{name} = {}", text(v)), members)
        })
        .collect()
}

/// The panels and styles of a curve figure over `params` (one per point, in order):
/// one panel per value of the facet ([`facet_key`]), at most `max_curves` curves a panel
/// and [`MAX_PANELS`] panels, with a footnote naming what is drawn wherever something is
/// left out; the legend lists the drawn curves' styles only.
pub(crate) fn layout(
    params: &[&Params],
    facet: Option<&str>,
    max_curves: usize,
) -> Result<Layout, String> {
    let keys = varying_keys(params);
    let facet = facet_key(params, &keys, facet)?;
    let inner: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| Some(*k) != facet.as_deref())
        .collect();
    let label = |i: usize| params_label(params[i], &inner);
    let mut not_drawn = Vec::new();
    let groups = panel_groups(params, &keys, facet.as_deref(), &mut not_drawn);
    // The thinning of each panel, and one note for all panels that keep the same curves.
    let mut thinned: Vec<(Vec<String>, usize, Vec<String>)> = Vec::new();
    let mut panels: Vec<(String, Vec<usize>)> = Vec::new();
    for (caption, members) in groups {
        let keep = spread(members.len(), max_curves);
        if keep.len() < members.len() {
            let drawn: Vec<String> = keep.iter().map(|&i| label(members[i])).collect();
            match thinned
                .iter_mut()
                .find(|t| t.0 == drawn && t.1 == members.len())
            {
                Some(t) => t.2.push(caption.clone()),
                None => thinned.push((drawn, members.len(), vec![caption.clone()])),
            }
        }
        panels.push((caption, keep.iter().map(|&i| members[i]).collect()));
    }
    for (drawn, of, captions) in thinned {
        let whose = match (captions.len(), captions[0].is_empty()) {
            (_, true) => String::new(),
            (n, false) if n == panels.len() && n > 1 => " in each panel".into(),
            _ => format!(" in panel {}", captions.join("; ")),
        };
        not_drawn.push(format!(
            "{} of {of} points drawn{whose} (at most {max_curves} curves; plot --where KEY=VALUE draws any other): {}",
            drawn.len(),
            drawn.join("; ")
        ));
    }
    // One style per combination of the inner parameters among the drawn curves, the
    // same in every panel.
    let mut legend: Vec<String> = Vec::new();
    let panels = panels
        .into_iter()
        .map(|(caption, members)| {
            let curves = members
                .into_iter()
                .map(|i| {
                    let l = label(i);
                    let style = legend.iter().position(|x| *x == l).unwrap_or_else(|| {
                        legend.push(l);
                        legend.len() - 1
                    });
                    (i, style)
                })
                .collect();
            Panel { caption, curves }
        })
        .collect();
    Ok(Layout {
        panels,
        legend,
        not_drawn,
    })
}

/// The [`layout`] of a run's points for the figure at `path` (an unknown facet is that
/// figure's error), with the legend's entries in their styles.
pub(crate) fn run_layout(
    r: &RunResults,
    path: &std::path::Path,
    facet: Option<&str>,
    max_curves: usize,
) -> Result<(Layout, Vec<(String, SeriesStyle)>), FigureError> {
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let layout = layout(&params, facet, max_curves).map_err(|m| FigureError {
        path: path.to_path_buf(),
        problem: FigureProblem::Missing(m),
    })?;
    let entries = layout
        .legend
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), style(i)))
        .collect();
    Ok((layout, entries))
}

/// The (rows, columns) of a grid of `n` panels and the figure's size in pixels: at
/// least the standard size, larger where each panel would get less than ~560 x 420.
pub(crate) fn grid_size(n: usize) -> ((usize, usize), (u32, u32)) {
    let cols = (1..=n.max(1)).find(|c| c * c >= n).unwrap_or(1);
    let rows = n.max(1).div_ceil(cols);
    let grid = match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        _ => (rows, cols),
    };
    let (w, h) = super::SIZE;
    let w = w.max(grid.1 as u32 * 560 + 320);
    let h = h.max(grid.0 as u32 * 420 + 260);
    (grid, (w, h))
}

/// Whether `v` is the value `text` names: the same number (to 1e-9 relative), or the
/// same string.
fn matches(v: &Value, text: &str) -> bool {
    match (v.as_f64(), text.parse::<f64>()) {
        (Some(a), Ok(b)) => a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()),
        _ => v.as_str() == Some(text) || serde_json::to_string(v).is_ok_and(|s| s == text),
    }
}

/// The run narrowed to the points whose swept parameters match every `KEY=VALUE` of
/// `wheres` (KEY as [`resolve`] reads it), with the selection in words; an error names
/// the condition that matches nothing and the values there are.
pub(crate) fn select(r: &RunResults, wheres: &[String]) -> Result<(RunResults, String), String> {
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let keys: Vec<String> = match params.first() {
        Some(p) => p.keys().cloned().collect(),
        None => Vec::new(),
    };
    let mut keep: Vec<bool> = vec![true; r.points.len()];
    let mut words = Vec::new();
    for w in wheres {
        let (name, value) = w
            .split_once('=')
            .ok_or_else(|| format!("--where {w}: expected KEY=VALUE, e.g. temperature_K=10"))?;
        let key = resolve(name.trim(), &keys).map_err(|m| format!("--where {w}: {m}"))?;
        let value = value.trim();
        let hit: Vec<bool> = params
            .iter()
            .map(|p| p.get(&key).is_some_and(|v| matches(v, value)))
            .collect();
        if !hit.iter().any(|h| *h) {
            let values: Vec<String> = distinct(&params, &key)
                .into_iter()
                .map(value_text)
                .collect();
            return Err(format!(
                "--where {w}: no point has {key} = {value} (its values: {})",
                values.join(", ")
            ));
        }
        keep.iter_mut().zip(hit).for_each(|(k, h)| *k &= h);
        words.push(format!("{name} = {value}"));
    }
    if !keep.iter().any(|k| *k) {
        return Err(format!(
            "--where {}: no point matches all of them together",
            wheres.join(" --where ")
        ));
    }
    let mut out = r.clone();
    let mut flags = keep.into_iter();
    out.points.retain(|_| flags.next().unwrap_or(false));
    Ok((out, words.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{point, run};
    use super::*;

    /// Temperatures (outer) x trap probabilities (inner), as a product sweep writes them.
    fn grid(ts: &[f64], ks: &[f64]) -> Vec<Params> {
        ts.iter()
            .flat_map(|&t| {
                ks.iter().map(move |&k| {
                    [
                        ("temperature_K".to_string(), Value::from(t)),
                        ("states.bright.to.trapped".to_string(), Value::from(k)),
                    ]
                    .into_iter()
                    .collect()
                })
            })
            .collect()
    }

    #[test]
    fn a_two_parameter_sweep_draws_every_point_in_one_panel_per_temperature() {
        let ps = grid(
            &[10.0, 20.0, 40.0, 80.0, 120.0, 160.0, 220.0, 300.0],
            &[0.0, 0.002, 0.005, 0.01, 0.02],
        );
        let refs: Vec<&Params> = ps.iter().collect();
        let l = layout(&refs, None, 24).unwrap();
        assert_eq!(l.panels.len(), 8, "one panel per temperature");
        assert_eq!(l.panels[1].caption, "temperature_K = 20.0");
        assert_eq!(l.legend.len(), 5, "{:?}", l.legend);
        assert_eq!(l.legend[1], "to.trapped = 0.002");
        let mut drawn: Vec<usize> = l
            .panels
            .iter()
            .flat_map(|p| p.curves.iter().map(|c| c.0))
            .collect();
        drawn.sort();
        assert_eq!(drawn, (0..40).collect::<Vec<_>>(), "every point, once");
        assert!(l.not_drawn.is_empty(), "{:?}", l.not_drawn);
        // The same trap probability has the same style in every panel.
        for p in &l.panels {
            for &(i, s) in &p.curves {
                assert_eq!(
                    l.legend[s],
                    format!("to.trapped = {}", ps[i]["states.bright.to.trapped"])
                );
            }
        }
        // Without temperature, the parameter with the fewest values makes the panels.
        let other: Vec<Params> = ps
            .iter()
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.replace("temperature_K", "dt_ps"), v.clone()))
                    .collect()
            })
            .collect();
        let refs: Vec<&Params> = other.iter().collect();
        assert_eq!(layout(&refs, None, 24).unwrap().panels.len(), 5);
    }

    #[test]
    fn the_facet_can_be_chosen_by_a_short_name() {
        let ps = grid(&[10.0, 20.0, 40.0], &[0.0, 0.01]);
        let refs: Vec<&Params> = ps.iter().collect();
        let l = layout(&refs, Some("temperature_K"), 24).unwrap();
        assert_eq!(l.panels.len(), 3);
        assert_eq!(l.legend, ["to.trapped = 0.0", "to.trapped = 0.01"]);
        let l = layout(&refs, Some("trapped"), 24).unwrap();
        assert_eq!(l.panels.len(), 2);
        let err = layout(&refs, Some("fret"), 24).unwrap_err();
        assert!(
            err.contains("temperature_K, states.bright.to.trapped"),
            "{err}"
        );
    }

    #[test]
    fn a_long_one_parameter_sweep_says_exactly_which_points_it_draws() {
        let ps: Vec<Params> = (0..30)
            .map(|i| {
                [("temperature_K".to_string(), Value::from(10 * i))]
                    .into_iter()
                    .collect()
            })
            .collect();
        let refs: Vec<&Params> = ps.iter().collect();
        let l = layout(&refs, None, 24).unwrap();
        assert_eq!(l.panels.len(), 1);
        assert_eq!(l.panels[0].curves.len(), 24);
        assert_eq!(l.not_drawn.len(), 1);
        let note = &l.not_drawn[0];
        assert!(note.starts_with("24 of 30 points drawn"), "{note}");
        for &(i, _) in &l.panels[0].curves {
            assert!(
                note.contains(&format!("temperature_K = {}", 10 * i)),
                "{note}"
            );
        }
        // A sweep that fits draws all and says nothing.
        let l = layout(&refs[..24], None, 24).unwrap();
        assert!(l.not_drawn.is_empty());
    }

    #[test]
    fn a_zip_sweep_is_one_panel_and_not_a_grid() {
        let ps: Vec<Params> = (0..6)
            .map(|i| {
                [
                    ("temperature_K".to_string(), Value::from(10 * i)),
                    ("dt_ps".to_string(), Value::from(5 * i)),
                ]
                .into_iter()
                .collect()
            })
            .collect();
        let refs: Vec<&Params> = ps.iter().collect();
        let keys = varying_keys(&refs);
        assert!(!is_full_grid(&refs, &keys));
        let l = layout(&refs, None, 24).unwrap();
        assert_eq!(l.panels.len(), 1);
        assert_eq!(l.panels[0].curves.len(), 6);
        let full = grid(&[1.0, 2.0], &[0.0, 0.1, 0.2]);
        let refs: Vec<&Params> = full.iter().collect();
        assert!(is_full_grid(&refs, &varying_keys(&refs)));
    }

    #[test]
    fn an_exact_key_wins_over_a_tail_and_thinning_in_every_panel_is_said_once() {
        assert_eq!(resolve("x", &["a.x".into(), "x".into()]).unwrap(), "x");
        assert!(resolve("x", &["a.x".into(), "b.x".into()])
            .unwrap_err()
            .contains("more than one"));
        let ks: Vec<f64> = (0..30).map(f64::from).collect();
        let ps = grid(&[10.0, 20.0], &ks);
        let refs: Vec<&Params> = ps.iter().collect();
        let l = layout(&refs, None, 24).unwrap();
        assert_eq!(l.panels.len(), 2);
        assert_eq!(l.not_drawn.len(), 1, "{:?}", l.not_drawn);
        assert!(
            l.not_drawn[0].starts_with("24 of 30 points drawn in each panel"),
            "{:?}",
            l.not_drawn
        );
        assert_eq!(l.legend.len(), 24);
    }

    #[test]
    fn grids_hold_their_panels_and_grow_past_four() {
        for n in 1..=MAX_PANELS {
            let ((rows, cols), (w, h)) = grid_size(n);
            assert!(
                rows * cols >= n && rows * cols < n + cols,
                "{n}: {rows} x {cols}"
            );
            assert!(w >= super::super::SIZE.0 && h >= super::super::SIZE.1);
        }
        assert_eq!(grid_size(2).0, (1, 2));
        assert_eq!(grid_size(5).0, (2, 3));
        assert_eq!(grid_size(16), ((4, 4), (2560, 1940)));
    }

    #[test]
    fn too_many_panels_are_thinned_and_named() {
        let ts: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let ks: Vec<f64> = (0..3).map(|i| i as f64).collect();
        let ps = grid(&ts, &ks);
        let refs: Vec<&Params> = ps.iter().collect();
        let l = layout(&refs, None, 24).unwrap();
        assert_eq!(l.panels.len(), MAX_PANELS);
        assert!(
            l.not_drawn[0].starts_with("panels for 16 of 20 values of temperature_K"),
            "{:?}",
            l.not_drawn
        );
    }

    #[test]
    fn where_selects_by_number_or_string_and_refuses_what_matches_nothing() {
        let ps = grid(&[10.0, 20.0], &[0.0, 0.002]);
        let r = run(ps
            .iter()
            .map(|p| {
                let pairs: Vec<(&str, Value)> =
                    p.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                point(&pairs, None, None)
            })
            .collect());
        let (s, words) = select(&r, &["trapped=0.002".into()]).unwrap();
        assert_eq!(s.points.len(), 2);
        assert_eq!(words, "trapped = 0.002");
        let (s, _) = select(&r, &["temperature_K=10".into(), "trapped=2e-3".into()]).unwrap();
        assert_eq!(s.points.len(), 1);
        let err = select(&r, &["temperature_K=15".into()]).unwrap_err();
        assert!(err.contains("its values: 10.0, 20.0"), "{err}");
        let err = select(&r, &["T=10".into()]).unwrap_err();
        assert!(err.contains("not a swept parameter"), "{err}");
        assert!(select(&r, &["temperature_K".into()])
            .unwrap_err()
            .contains("KEY=VALUE"));
    }
}
