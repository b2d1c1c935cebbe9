//! What `run` prints: a one-screen text summary, or `--json` for scripts. Lattice and
//! physical units side by side.

use super::numbers::value;
use exciton_core::backend::BackendKind;
use exciton_core::model::{Clock, WalkTables};
use exciton_core::scenario::Scenario;
use exciton_io::results::{PointResult, RunResults};
use std::time::Duration;

/// The `--json` summary: per point its swept values and scalars, in both unit systems.
pub(crate) fn json_summary(
    results: &RunResults,
    wall: Duration,
    out: &std::path::Path,
) -> serde_json::Value {
    let points: Vec<serde_json::Value> = results
        .points
        .iter()
        .map(|p| {
            serde_json::json!({
                "parameters": p.parameters,
                "walkers": p.walkers,
                "tau_pl_ps": p.tau_pl_ps,
                "tau_pl_stderr_ps": p.tau_pl_stderr_ps,
                "tau_pl_peak_ps": p.tau_pl_peak_ps,
                "d_avg_cm2_s": p.d_avg_cm2_s,
                "d_avg_stderr_cm2_s": p.d_avg_stderr_cm2_s,
                "d_avg_sites2_ps": p.d_avg_sites2_ps,
                "diffusion_length_nm": p.diffusion_length_nm,
                "diffusion_length_sites": p.diffusion_length_sites,
                "diffusion_length_stderr_nm": p.diffusion_length_stderr_nm,
                "t_max_ps": p.t_max_ps,
                "t_max_stderr_ps": p.t_max_stderr_ps,
                "t_max_note": p.t_max_note,
                "warnings": p.warnings,
            })
        })
        .collect();
    serde_json::json!({
        "scenario": results.scenario,
        "backend": results.backend,
        "device": results.device,
        "wall_s": wall.as_secs_f64(),
        "results": out.join("results.json"),
        "curves": out.join("curves.parquet"),
        "points": points,
    })
}

/// What the engine makes of each state's numbers, as the thresholds implement them:
/// probabilities per frame, or in continuous time the expected events per frame and
/// how many candidate events a frame holds.
pub(crate) fn describe_states(s: &Scenario) -> Vec<String> {
    let tables = WalkTables::new(s);
    let eff = tables.effective_states(&s.states.names);
    let x = tables.x_step_probabilities();
    let frame_ns = s.dt_ps * 1e-3;
    let (scale, what) = match tables.clock {
        Clock::Frames => (1.0, format!("probabilities per {} ps frame", s.dt_ps)),
        Clock::Uniformized { .. } => (
            frame_ns,
            format!("expected events per {} ps frame (rates x dt)", s.dt_ps),
        ),
    };
    let mut lines = vec![format!("{what}:")];
    if s.states.sizes.is_some() {
        lines[0] = format!("{what} (changes of state: their mean over the size classes):");
    }
    for (i, name) in eff.names.iter().enumerate() {
        let mut parts = vec![
            format!("rad {:.4}", eff.radiative[i] * scale),
            format!("nonrad {:.4}", eff.nonradiative[i] * scale),
            format!("hop {:.4} (x +-1 {:.4})", eff.hop[i] * scale, x[i] * scale),
        ];
        for (j, p) in eff.to[i].iter().enumerate().filter(|(_, p)| **p > 0.0) {
            parts.push(format!("to {} {:.4}", eff.names[j], p * scale));
        }
        if tables.clock == Clock::Frames {
            parts.push(format!("stay {:.4}", 1.0 - eff.total_out(i)));
        }
        lines.push(format!("  {name}: {}", parts.join(", ")));
    }
    if let Some(t) = &s.states.traps {
        let last = t.first + t.classes - 1;
        let depths: Vec<String> = t.depths_mev.iter().map(|d| format!("{d:.1}")).collect();
        lines.push(format!(
            "  trap depths: {}..{} are {} classes of equal probability, median depths {} meV; {}",
            eff.names[t.first],
            eff.names[last],
            t.classes,
            depths.join(", "),
            match t.per_site {
                true => format!("each site's trap is one class (a change listed into {} goes to the site's class)", eff.names[t.first]),
                false => "each trapping picks one at random".into(),
            }
        ));
    }
    if let Some(l) = s.landscape.as_ref().filter(|_| s.geometry.is_3d()) {
        lines.push(format!(
            "  3D film: {}, each walker's layer tracked (the MSD and the images are in the plane)",
            match l.layers {
                Some(n) => format!(
                    "{n} layers along z, {:?} faces, the start's layer uniform over them",
                    l.edges
                )
                .to_lowercase(),
                None => "unbounded along z, every walker starting in layer 0".into(),
            }
        ));
    }
    if let Some(l) = s.landscape.as_ref().filter(|l| l.size_spread > 0.0) {
        let ec = l.confinement_mev().unwrap_or(0.0);
        let classes = match &s.states.sizes {
            Some(sizes) => {
                let scale: Vec<String> = sizes.scale.iter().map(|k| format!("{k:.3}")).collect();
                format!(
                    "{} size classes of equal probability scale every detailed_balance splitting by s_mean/s = {} (smallest NCs last)",
                    sizes.scale.len(),
                    scale.join(", ")
                )
            }
            None => "no detailed_balance change, so no splitting to scale".into(),
        };
        lines.push(format!(
            "  size spread {:.3}: site energies E_c (s_mean^2/s^2 - 1), E_c = {ec:.1} meV; {classes}",
            l.size_spread
        ));
    }
    if let Clock::Uniformized {
        lambda_per_ns,
        mean_per_frame,
    } = tables.clock
    {
        lines.push(format!(
            "  continuous time: each state's first event in a frame at its own rate, then candidate events at {lambda_per_ns:.4} ns^-1 ({mean_per_frame:.3} per whole frame), at most {} events a frame",
            tables.max_events_per_frame()
        ));
    }
    lines
}

pub(crate) fn print_summary(results: &RunResults, wall: Duration, out: &std::path::Path) {
    println!(
        "scenario   {} ({})",
        results.scenario, results.scenario_file
    );
    println!("backend    {} [{}]", results.backend, results.device);
    let wf: f64 = results
        .points
        .iter()
        .map(|p| p.walkers as f64 * f64::from(p.frames))
        .sum();
    // A rate of walker-frames means something only where walkers were walked (an empty
    // shard walked none; an empty f64 sum is -0).
    let rate = if results.backend == BackendKind::Exact.name() || wf <= 0.0 {
        String::new()
    } else {
        format!(
            "  ({:.3e} walker-frames/s, dead walkers' frames counted)",
            wf / wall.as_secs_f64()
        )
    };
    println!(
        "points     {}  wall {:.2} s{rate}",
        results.points.len(),
        wall.as_secs_f64(),
    );
    if let Some(shard) = &results.shard {
        println!(
            "shard      {}/{} of {} points: {} whole here{}",
            shard.index,
            shard.count,
            shard.points_total,
            results.points.len(),
            if shard.partial_points.is_empty() {
                String::new()
            } else {
                format!(
                    ", walker blocks of point(s) {:?} for `merge`",
                    shard.partial_points
                )
            }
        );
    }
    if let [p] = &results.points[..] {
        print_point(p);
    } else if !results.points.is_empty() {
        print_sweep_table(results);
    }
    for line in grouped_warnings(results) {
        println!("warning    {line}");
    }
    let csv = std::fs::read_dir(out).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("point-"))
    });
    println!(
        "written    {}/results.json (scalars), curves.parquet (curves, tidy), sweep.csv{}",
        out.display(),
        if csv { ", point-*.csv" } else { "" }
    );
}

fn print_point(p: &PointResult) {
    println!(
        "walkers    {}  frames {} x {} ps",
        p.walkers, p.frames, p.dt_ps
    );
    if let Some(t) = &p.excitation {
        println!(
            "excitation {} pulses every {} ns: the curves sum the excitons of this pulse and the {} before it, after the pulse (one period at most)",
            t.pulses,
            t.repetition_ns,
            t.pulses - 1
        );
    }
    println!(
        "tau_PL     {} ps  (1/e of the maximum: {} ps)",
        value(p.tau_pl_ps, p.tau_pl_stderr_ps),
        value(p.tau_pl_peak_ps, p.tau_pl_peak_stderr_ps)
    );
    println!(
        "D_avg      {} cm^2/s  ({} sites^2/ps, pitch {} nm)",
        value(p.d_avg_cm2_s, p.d_avg_stderr_cm2_s),
        value(p.d_avg_sites2_ps, p.d_avg_stderr_sites2_ps),
        p.pitch_nm
    );
    println!(
        "L          {} nm  ({} sites)",
        value(p.diffusion_length_nm, p.diffusion_length_stderr_nm),
        value(p.diffusion_length_sites, p.diffusion_length_stderr_sites)
    );
    match &p.t_max_note {
        Some(note) if p.t_max_ps.is_none() => println!("t_max      none: {note}"),
        _ => println!(
            "t_max      {} ps  ({})",
            value(p.t_max_ps, p.t_max_stderr_ps),
            p.t_max_estimator
        ),
    }
    if !p.has_curves() {
        return;
    }
    println!(
        "  {:>7}   {:>9}   {:>9}   {:>24}   {:>24}",
        "time/ps", "intensity", "emissions", "MSD/sites^2", "MSD/nm^2"
    );
    let frames = p.time_ps.len();
    let nm2 = p.pitch_nm * p.pitch_nm;
    for t in (0..frames).step_by((frames / 10).max(1)) {
        let err = p.msd_stderr_sites2.get(t).copied().flatten();
        println!(
            "  {:7.0}   {:9.3e}   {:9.0}   {:>24}   {:>24}",
            p.time_ps[t],
            p.intensity[t],
            p.emissions[t],
            value(p.msd_sites2[t], err),
            value(p.msd_nm2[t], err.map(|e| e * nm2))
        );
    }
}

/// Points named in a grouped warning before "and N more".
const NAMED_POINTS: usize = 8;

/// Each kind of warning once, however many points gave it: warnings that differ only in
/// their numbers are one kind ("D_avg wants 59 frames ..." and "... 61 frames ..."), shown
/// with the first point's text and which points gave it.
pub(crate) fn grouped_warnings(results: &RunResults) -> Vec<String> {
    let kind = |w: &str| -> String {
        w.chars()
            .map(|c| {
                if c.is_ascii_digit() || c == '.' {
                    '#'
                } else {
                    c
                }
            })
            .collect()
    };
    // Points by the sweep's own numbers (a shard's are not 0..).
    let mut groups: Vec<(String, String, Vec<u64>)> = Vec::new();
    for p in &results.points {
        for w in &p.warnings {
            let k = kind(w);
            match groups.iter_mut().find(|g| g.0 == k) {
                Some(g) => g.2.push(p.point),
                None => groups.push((k, w.clone(), vec![p.point])),
            }
        }
    }
    groups
        .into_iter()
        .map(|(_, text, points)| {
            if results.points.len() == 1 {
                return text;
            }
            let named: Vec<String> = points
                .iter()
                .take(NAMED_POINTS)
                .map(|p| p.to_string())
                .collect();
            let more = points.len().saturating_sub(NAMED_POINTS);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!(
                "at {} of {} points ({}{tail}): {text}",
                points.len(),
                results.points.len(),
                named.join(", ")
            )
        })
        .collect()
}

/// Most points the table shows; the rest are in sweep.csv.
const TABLE_POINTS: usize = 40;

/// Column names for swept parameter paths: the last path segment, or as many trailing
/// segments as it takes to tell two parameters apart (`bright.to.trapped`).
pub(crate) fn short_names(paths: &[&str]) -> Vec<String> {
    let tail = |p: &str, n: usize| -> String {
        let parts: Vec<&str> = p.split('.').collect();
        parts[parts.len().saturating_sub(n)..].join(".")
    };
    let mut depth = vec![1usize; paths.len()];
    loop {
        let names: Vec<String> = paths.iter().zip(&depth).map(|(p, &n)| tail(p, n)).collect();
        let mut clash = false;
        for j in 0..names.len() {
            let twin = (0..names.len()).any(|i| i != j && names[i] == names[j]);
            if twin && depth[j] < paths[j].split('.').count() {
                depth[j] += 1;
                clash = true;
            }
        }
        if !clash {
            return names;
        }
    }
}

/// One line per point (the first [`TABLE_POINTS`]): its swept values in full, one column
/// per parameter, and the scalars in both unit systems.
fn print_sweep_table(results: &RunResults) {
    let paths: Vec<&str> = results.points[0]
        .parameters
        .keys()
        .map(String::as_str)
        .collect();
    let names = short_names(&paths);
    let shown = &results.points[..results.points.len().min(TABLE_POINTS)];
    let cell = |p: &PointResult, k: &str| p.parameters.get(k).map_or("-".into(), |v| v.to_string());
    let widths: Vec<usize> = paths
        .iter()
        .zip(&names)
        .map(|(k, n)| {
            shown
                .iter()
                .map(|p| cell(p, k).len())
                .chain([n.len()])
                .max()
                .unwrap_or(1)
        })
        .collect();
    for (k, n) in paths.iter().zip(&names) {
        if n != k {
            println!("  {n} = {k}");
        }
    }
    // Every scalar with its error, to the digits the error allows (exact: six).
    let scalars = |p: &PointResult| {
        [
            value(p.tau_pl_ps, p.tau_pl_stderr_ps),
            value(p.d_avg_cm2_s, p.d_avg_stderr_cm2_s),
            value(p.d_avg_sites2_ps, p.d_avg_stderr_sites2_ps),
            value(p.diffusion_length_nm, p.diffusion_length_stderr_nm),
            value(p.t_max_ps, p.t_max_stderr_ps),
        ]
    };
    let titles = [
        "tau_PL [ps]",
        "D_avg [cm^2/s]",
        "D [sites^2/ps]",
        "L [nm]",
        "t_max [ps]",
    ];
    let cells: Vec<[String; 5]> = shown.iter().map(scalars).collect();
    let scalar_widths: Vec<usize> = (0..titles.len())
        .map(|j| {
            cells
                .iter()
                .map(|c| c[j].len())
                .chain([titles[j].len()])
                .max()
                .unwrap_or(1)
        })
        .collect();
    let mut head = format!("  {:>5}", "point");
    for (n, w) in names.iter().zip(&widths) {
        head += &format!(" {n:>w$}");
    }
    for (t, w) in titles.iter().zip(&scalar_widths) {
        head += &format!("  {t:>w$}");
    }
    println!("{head}");
    // The sweep's own point numbers (a shard's are not 0..).
    for (p, c) in shown.iter().zip(&cells) {
        let mut line = format!("  {:>5}", p.point);
        for (k, w) in paths.iter().zip(&widths) {
            line += &format!(" {:>w$}", cell(p, k));
        }
        for (v, w) in c.iter().zip(&scalar_widths) {
            line += &format!("  {v:>w$}");
        }
        println!("{line}");
    }
    // Why a column has dashes: t_max from its notes, the others from the warnings.
    if cells.iter().any(|c| c[..4].iter().any(|v| v == "-")) {
        println!(
            "  (- in tau_PL, D_avg, L: not defined at that point; the warnings below say why)"
        );
    }
    if let Some(line) = no_t_max_line(shown, &cells) {
        println!("{line}");
    }
    if results.points.len() > TABLE_POINTS {
        println!(
            "  ... {} more points in sweep.csv",
            results.points.len() - TABLE_POINTS
        );
    }
}

/// The line under the sweep table that says why t_max is "-": how many points have
/// none, by reason (no real maximum, or not testable; the notes in results.json say more).
fn no_t_max_line(shown: &[PointResult], cells: &[[String; 5]]) -> Option<String> {
    let mut reasons: Vec<(String, usize)> = Vec::new();
    for (p, c) in shown.iter().zip(cells) {
        if c[4] != "-" {
            continue;
        }
        let why = exciton_core::observables::no_max_reason(p.t_max_note.as_deref());
        match reasons.iter_mut().find(|(r, _)| *r == why) {
            Some((_, n)) => *n += 1,
            None => reasons.push((why, 1)),
        }
    }
    let total: usize = reasons.iter().map(|(_, n)| n).sum();
    (total > 0).then(|| {
        let parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        format!(
            "  (- in t_max: no t_max at {total} of these points: {}; each point's t_max_note in results.json says more)",
            parts.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::short_names;

    #[test]
    fn short_names_tell_parameters_apart() {
        assert_eq!(
            short_names(&["temperature_K", "states.bright.to.trapped"]),
            ["temperature_K", "trapped"]
        );
        assert_eq!(
            short_names(&["states.bright.fret", "states.dark.fret", "seed"]),
            ["bright.fret", "dark.fret", "seed"]
        );
    }
}
