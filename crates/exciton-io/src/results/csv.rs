//! CSV files: one per point (`--point-csv`) and `sweep.csv` with every point's scalars.

use super::{PointResult, RunResults};
use std::borrow::Borrow;
use std::io::Write;

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

/// A swept value as a CSV field (strings unquoted unless they hold a comma).
fn param_field(v: &serde_json::Value) -> String {
    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
    if text.contains(',') || text.contains('"') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One CSV row per frame, for spreadsheet and pandas users; the point's swept values
/// lead every row, so the files of a sweep concatenate into one table.
pub fn point_csv(p: &PointResult) -> String {
    let mut s = String::from("point,");
    for k in p.parameters.keys() {
        s += &format!("{},", param_field(&serde_json::Value::String(k.clone())));
    }
    let lead: String = std::iter::once(p.point.to_string())
        .chain(p.parameters.values().map(param_field))
        .map(|f| f + ",")
        .collect();
    s += &String::from(
        "frame,time_ps,intensity,intensity_stderr,emissions,msd_sites2,msd_stderr_sites2,msd_nm2,msd_reliable,msd_occupancy_sites2,msd_occupancy_stderr_sites2,msd_occupancy_nm2,msd_occupancy_stderr_nm2,occupancy_walkers",
    );
    for name in super::CURVES_2D {
        s += &format!(",{name}");
    }
    let apparent = !p.apparent_msd_nm2.is_empty();
    if apparent {
        s += ",apparent_msd_nm2,apparent_msd_stderr_nm2";
    }
    for name in p.populations.keys() {
        s += &format!(",population_{name},intensity_{name}");
    }
    s.push('\n');
    for t in 0..p.time_ps.len() {
        let at = |v: &Vec<Option<f64>>| opt(v.get(t).copied().flatten());
        s += &lead;
        s += &format!(
            "{t},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            p.time_ps[t],
            p.intensity[t],
            at(&p.intensity_stderr),
            p.emissions[t],
            at(&p.msd_sites2),
            at(&p.msd_stderr_sites2),
            at(&p.msd_nm2),
            p.msd_reliable.get(t).copied().unwrap_or(false),
            at(&p.msd_occupancy_sites2),
            at(&p.msd_occupancy_stderr_sites2),
            at(&p.msd_occupancy_nm2),
            at(&p.msd_occupancy_stderr_nm2),
            p.occupancy_walkers[t],
        );
        for v in p.curves_2d() {
            s += &format!(",{}", at(v));
        }
        if apparent {
            s += &format!(
                ",{},{}",
                at(&p.apparent_msd_nm2),
                at(&p.apparent_msd_stderr_nm2)
            );
        }
        for (name, pop) in &p.populations {
            s += &format!(",{},{}", pop[t], p.intensity_by_state[name][t]);
        }
        s.push('\n');
    }
    s
}

/// One row per point: swept values, then the paper's scalars in both unit systems.
pub fn sweep_csv(results: &RunResults) -> String {
    let mut bytes = Vec::new();
    write_sweep_csv(&mut bytes, &results.points).expect("writing to memory");
    String::from_utf8(bytes).expect("CSV text is UTF-8")
}

/// [`sweep_csv`] of `points`, written row by row (a 10^5-point sweep's is 20 MB).
pub fn write_sweep_csv<P: Borrow<PointResult>>(
    w: &mut dyn Write,
    points: impl IntoIterator<Item = P>,
) -> std::io::Result<()> {
    let mut points = points.into_iter().peekable();
    let params: Vec<String> = points
        .peek()
        .map_or(vec![], |p| p.borrow().parameters.keys().cloned().collect());
    let mut s = String::from("point");
    for p in &params {
        s += &format!(",{p}");
    }
    s += ",walkers,tau_pl_ps,tau_pl_stderr_ps,tau_pl_peak_ps,tau_pl_peak_stderr_ps,d_avg_sites2_ps,d_avg_stderr_sites2_ps,d_avg_cm2_s,d_avg_stderr_cm2_s,diffusion_length_sites,diffusion_length_stderr_sites,diffusion_length_nm,diffusion_length_stderr_nm,t_max_ps,t_max_stderr_ps,t_max_note\n";
    w.write_all(s.as_bytes())?;
    for p in points {
        let p = p.borrow();
        s.clear();
        s += &p.point.to_string();
        for k in &params {
            s += &format!(",{}", param_field(&p.parameters[k]));
        }
        s += &format!(",{}", p.walkers);
        for v in [
            p.tau_pl_ps,
            p.tau_pl_stderr_ps,
            p.tau_pl_peak_ps,
            p.tau_pl_peak_stderr_ps,
            p.d_avg_sites2_ps,
            p.d_avg_stderr_sites2_ps,
            p.d_avg_cm2_s,
            p.d_avg_stderr_cm2_s,
            p.diffusion_length_sites,
            p.diffusion_length_stderr_sites,
            p.diffusion_length_nm,
            p.diffusion_length_stderr_nm,
            p.t_max_ps,
            p.t_max_stderr_ps,
        ] {
            s += &format!(",{}", opt(v));
        }
        // Quoted: a note holds commas.
        let note = p.t_max_note.as_deref().unwrap_or("").replace('"', "\"\"");
        s += &format!(",\"{note}\"\n");
        w.write_all(s.as_bytes())?;
    }
    Ok(())
}
