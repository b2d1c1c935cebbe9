//! What `run` prints: a one-screen text summary, or `--json` for scripts. Lattice and
//! physical units side by side.

use exciton_core::backend::BackendKind;
use exciton_core::results::{PointResult, RunResults};
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
                "d_avg_cm2_s": p.d_avg_cm2_s,
                "d_avg_sites2_ps": p.d_avg_sites2_ps,
                "diffusion_length_nm": p.diffusion_length_nm,
                "diffusion_length_sites": p.diffusion_length_sites,
                "t_max_ps": p.t_max_ps,
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
        "points": points,
    })
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
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
    // A rate of walker-frames means something only where walkers were walked.
    let rate = if results.backend == BackendKind::Exact.name() {
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
    if let [p] = &results.points[..] {
        print_point(p);
    } else {
        print_sweep_table(results);
    }
    for (i, p) in results.points.iter().enumerate() {
        for w in &p.warnings {
            println!("warning    point {i}: {w}");
        }
    }
    println!(
        "written    {}/results.json, sweep.csv and point-*.csv",
        out.display()
    );
}

fn print_point(p: &PointResult) {
    println!(
        "walkers    {}  frames {} x {} ps",
        p.walkers, p.frames, p.dt_ps
    );
    println!("tau_PL     {} ps", fmt_opt(p.tau_pl_ps, 1));
    println!(
        "D_avg      {} cm^2/s  ({} sites^2/ps, pitch {} nm)",
        fmt_opt(p.d_avg_cm2_s, 5),
        fmt_opt(p.d_avg_sites2_ps, 6),
        p.pitch_nm
    );
    println!(
        "L          {} nm  ({} sites)",
        fmt_opt(p.diffusion_length_nm, 1),
        fmt_opt(p.diffusion_length_sites, 2)
    );
    println!(
        "t_max      {} ps  ({})",
        fmt_opt(p.t_max_ps, 0),
        p.t_max_estimator
    );
    println!("  time/ps   intensity   emissions   MSD/sites^2 +- stderr      MSD/nm^2");
    let frames = p.time_ps.len();
    for t in (0..frames).step_by((frames / 10).max(1)) {
        println!(
            "  {:7.0}   {:9.3e}   {:9.0}   {:>8} +- {:<8}   {:>10}",
            p.time_ps[t],
            p.intensity[t],
            p.emissions[t],
            fmt_opt(p.msd_sites2[t], 4),
            fmt_opt(p.msd_stderr_sites2[t], 4),
            fmt_opt(p.msd_nm2[t], 2)
        );
    }
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
    let mut head = format!("  {:>5}", "point");
    for (n, w) in names.iter().zip(&widths) {
        head += &format!(" {n:>w$}");
    }
    println!(
        "{head} {:>11} {:>14} {:>14} {:>9} {:>9} {:>10}",
        "tau_PL [ps]", "D_avg [cm^2/s]", "D [sites^2/ps]", "L [nm]", "L [sites]", "t_max [ps]"
    );
    for (i, p) in shown.iter().enumerate() {
        let mut line = format!("  {i:>5}");
        for (k, w) in paths.iter().zip(&widths) {
            line += &format!(" {:>w$}", cell(p, k));
        }
        println!(
            "{line} {:>11} {:>14} {:>14} {:>9} {:>9} {:>10}",
            fmt_opt(p.tau_pl_ps, 1),
            fmt_opt(p.d_avg_cm2_s, 5),
            fmt_opt(p.d_avg_sites2_ps, 6),
            fmt_opt(p.diffusion_length_nm, 1),
            fmt_opt(p.diffusion_length_sites, 2),
            fmt_opt(p.t_max_ps, 0)
        );
    }
    if results.points.len() > TABLE_POINTS {
        println!(
            "  ... {} more points in sweep.csv",
            results.points.len() - TABLE_POINTS
        );
    }
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
