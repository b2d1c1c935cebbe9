//! What `run` prints: a one-screen text summary, or `--json` for scripts. Lattice and
//! physical units side by side.

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
    println!(
        "points     {}  wall {:.2} s  ({:.3e} walker-frames/s, dead walkers' frames counted)",
        results.points.len(),
        wall.as_secs_f64(),
        wf / wall.as_secs_f64()
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

/// One line per point (the first 40): swept values and the scalars in both units.
fn print_sweep_table(results: &RunResults) {
    println!(
        "  {:<40} {:>9} {:>11} {:>11} {:>9} {:>7} {:>9}",
        "point", "tau_PL/ps", "D/cm^2/s", "D/site^2/ps", "L/nm", "L/site", "t_max/ps"
    );
    for (i, p) in results.points.iter().enumerate().take(40) {
        let params: Vec<String> = p
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut label = format!("{i}: {}", params.join(" "));
        label.truncate(40);
        println!(
            "  {:<40} {:>9} {:>11} {:>11} {:>9} {:>7} {:>9}",
            label,
            fmt_opt(p.tau_pl_ps, 1),
            fmt_opt(p.d_avg_cm2_s, 5),
            fmt_opt(p.d_avg_sites2_ps, 6),
            fmt_opt(p.diffusion_length_nm, 1),
            fmt_opt(p.diffusion_length_sites, 2),
            fmt_opt(p.t_max_ps, 0)
        );
    }
    if results.points.len() > 40 {
        println!(
            "  ... {} more points in sweep.csv",
            results.points.len() - 40
        );
    }
}
