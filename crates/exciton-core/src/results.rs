//! Result files: `results.json` (every point, lattice and physical units side by side)
//! and one CSV per point, each written atomically (temporary file, then rename).

use crate::error::{Error, OutputProblem};
use crate::observables::{sites2_ps_to_cm2_s, Estimate, MIN_RELIABLE};
use crate::scenario::Scenario;
use crate::scenario::Units;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// One sweep point as written to `results.json`. Lattice and physical units side by
/// side; every Monte Carlo curve and scalar with its standard error (`null` for the
/// exact backend, which has no noise).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PointResult {
    /// Swept parameter values of this point (JSON path -> value); empty without a sweep.
    pub parameters: IndexMap<String, serde_json::Value>,
    pub walkers: u64,
    pub seed: u64,
    /// Named as in the scenario file (`temperature_K`); older files said `temperature_k`.
    #[serde(rename = "temperature_K", alias = "temperature_k")]
    pub temperature_k: Option<f64>,
    pub sample: Option<crate::temperature::Sample>,
    pub frames: u32,
    pub dt_ps: f64,
    pub pitch_nm: f64,
    pub time_ps: Vec<f64>,
    /// PL intensity at each frame's start per walker, from the occupancy: the expected
    /// emissions of the frame (one outcome per frame), or the photon rate times dt
    /// (continuous time).
    pub intensity: Vec<f64>,
    #[serde(default)]
    pub intensity_stderr: Vec<Option<f64>>,
    /// Emissions counted per frame (expected counts for the exact backend).
    pub emissions: Vec<f64>,
    /// Emissions counted per walker per frame, per state.
    pub intensity_by_state: IndexMap<String, Vec<f64>>,
    /// Fraction of walkers in each state at the start of each frame.
    pub populations: IndexMap<String, Vec<f64>>,
    /// MSD(t) = sigma^2(t) - sigma^2(0) of each frame's emissions (null: fewer than 2).
    pub msd_sites2: Vec<Option<f64>>,
    pub msd_stderr_sites2: Vec<Option<f64>>,
    pub msd_nm2: Vec<Option<f64>>,
    /// The frame's emission MSD rests on at least 100 emissions (`emissions` beside it);
    /// unreliable values are kept here but never used for t_max, D_avg or figures.
    #[serde(default)]
    pub msd_reliable: Vec<bool>,
    /// Occupancy-weighted MSD (sum_s rad_s O[t][s][dx]): less noise; t_max and D_avg use it.
    pub msd_occupancy_sites2: Vec<Option<f64>>,
    #[serde(default)]
    pub msd_occupancy_stderr_sites2: Vec<Option<f64>>,
    pub msd_occupancy_nm2: Vec<Option<f64>>,
    #[serde(default)]
    pub msd_occupancy_stderr_nm2: Vec<Option<f64>>,
    /// Effective walkers behind the occupancy estimator per frame (its noise ~ 1/sqrt);
    /// below 100 a frame is unreliable.
    pub occupancy_walkers: Vec<f64>,
    /// Emissions per frame outside the displacement histogram (their frame has no MSD).
    pub emission_overflow: Vec<u64>,
    pub tau_pl_ps: Option<f64>,
    #[serde(default)]
    pub tau_pl_stderr_ps: Option<f64>,
    /// 1/e of the PL's maximum (TCSPC practice when the PL rises first).
    #[serde(default)]
    pub tau_pl_peak_ps: Option<f64>,
    #[serde(default)]
    pub tau_pl_peak_stderr_ps: Option<f64>,
    pub d_avg_sites2_ps: Option<f64>,
    #[serde(default)]
    pub d_avg_stderr_sites2_ps: Option<f64>,
    pub d_avg_cm2_s: Option<f64>,
    #[serde(default)]
    pub d_avg_stderr_cm2_s: Option<f64>,
    pub diffusion_length_sites: Option<f64>,
    #[serde(default)]
    pub diffusion_length_stderr_sites: Option<f64>,
    pub diffusion_length_nm: Option<f64>,
    #[serde(default)]
    pub diffusion_length_stderr_nm: Option<f64>,
    /// Time of the MSD's maximum, only when it is real (null otherwise, with the reason
    /// in `t_max_note`).
    pub t_max_ps: Option<f64>,
    #[serde(default)]
    pub t_max_stderr_ps: Option<f64>,
    #[serde(default)]
    pub t_max_note: Option<String>,
    pub t_max_estimator: String,
    pub warnings: Vec<String>,
    /// Emission counts over absolute x per frame, when the scenario sets `record_profiles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emission_profile: Option<crate::observables::EmissionProfile>,
}

impl PointResult {
    pub fn new(
        scenario: &Scenario,
        parameters: IndexMap<String, serde_json::Value>,
        estimate: &Estimate,
    ) -> Self {
        let (curves, summary) = (&estimate.curves, &estimate.summary);
        let pitch = scenario.pitch_nm;
        let a2 = pitch * pitch;
        let nm2 = |v: &[Option<f64>]| v.iter().map(|m| m.map(|m| m * a2)).collect();
        let cm2_s = |d: Option<f64>| d.map(|d| sites2_ps_to_cm2_s(d, pitch));
        let names = &scenario.states.names;
        let per_walker = |e: &Vec<f64>| e.iter().map(|v| v / curves.walkers as f64).collect();
        PointResult {
            parameters,
            walkers: curves.walkers,
            seed: scenario.seed,
            temperature_k: scenario.temperature_k,
            sample: scenario.sample.clone(),
            frames: scenario.frames,
            dt_ps: scenario.dt_ps,
            pitch_nm: pitch,
            time_ps: (0..curves.frames())
                .map(|t| t as f64 * scenario.dt_ps)
                .collect(),
            intensity: curves.intensity.clone(),
            intensity_stderr: curves.intensity_stderr.clone(),
            emissions: curves.emissions.clone(),
            intensity_by_state: names
                .iter()
                .cloned()
                .zip(curves.emissions_by_state.iter().map(per_walker))
                .collect(),
            populations: names
                .iter()
                .cloned()
                .zip(curves.populations.clone())
                .collect(),
            msd_sites2: curves.msd.clone(),
            msd_stderr_sites2: curves.msd_stderr.clone(),
            msd_nm2: nm2(&curves.msd),
            msd_reliable: curves
                .msd
                .iter()
                .zip(&curves.emissions)
                .map(|(m, &e)| m.is_some() && e >= MIN_RELIABLE)
                .collect(),
            msd_occupancy_sites2: curves.msd_occupancy.clone(),
            msd_occupancy_stderr_sites2: curves.msd_occupancy_stderr.clone(),
            msd_occupancy_nm2: nm2(&curves.msd_occupancy),
            msd_occupancy_stderr_nm2: nm2(&curves.msd_occupancy_stderr),
            occupancy_walkers: curves.occupancy_walkers.clone(),
            emission_overflow: curves.overflow.clone(),
            tau_pl_ps: summary.tau_pl_ps,
            tau_pl_stderr_ps: summary.tau_pl_stderr_ps,
            tau_pl_peak_ps: summary.tau_pl_peak_ps,
            tau_pl_peak_stderr_ps: summary.tau_pl_peak_stderr_ps,
            d_avg_sites2_ps: summary.d_avg_sites2_ps,
            d_avg_stderr_sites2_ps: summary.d_avg_stderr_sites2_ps,
            d_avg_cm2_s: cm2_s(summary.d_avg_sites2_ps),
            d_avg_stderr_cm2_s: cm2_s(summary.d_avg_stderr_sites2_ps),
            diffusion_length_sites: summary.diffusion_length_sites,
            diffusion_length_stderr_sites: summary.diffusion_length_stderr_sites,
            diffusion_length_nm: summary.diffusion_length_sites.map(|l| l * pitch),
            diffusion_length_stderr_nm: summary.diffusion_length_stderr_sites.map(|l| l * pitch),
            t_max_ps: summary.t_max_ps,
            t_max_stderr_ps: summary.t_max_stderr_ps,
            t_max_note: summary.t_max_note.clone(),
            t_max_estimator: "occupancy-weighted MSD".into(),
            warnings: summary.warnings.clone(),
            emission_profile: if scenario.record_profiles {
                curves.emission_profile.clone()
            } else {
                None
            },
        }
    }
}

/// Everything `results.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResults {
    pub scenario: String,
    pub scenario_file: String,
    pub backend: String,
    /// The device that ran it, in words ("cpu, 2 threads", an adapter name, "exact").
    pub device: String,
    pub exciton_mc_version: String,
    /// Which displacement the histograms hold.
    pub displacement: String,
    pub sweep_mode: Option<crate::sweep::SweepMode>,
    /// Figures the scenario asks for (`exciton-mc plot` draws them).
    #[serde(default)]
    pub figures: Vec<String>,
    /// What the state parameters are: probabilities per frame or rates in ns^-1.
    #[serde(default)]
    pub units: Option<Units>,
    /// The scenario as it was read (with its sweep), so results.json is complete without
    /// the file; `--walkers` and `--seed` overrides are in each point's `walkers`, `seed`.
    #[serde(default)]
    pub scenario_json: Option<serde_json::Value>,
    pub points: Vec<PointResult>,
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so a reader never sees a half-written file, whatever interrupts the write.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("cannot write {}", path.display()), e)
    })
}

/// How an output directory that already holds files is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirMode {
    /// Refuse a directory that holds files.
    Fresh,
    /// Start over: stored points of an earlier run are removed.
    Force,
    /// Continue an earlier run: the directory must hold its stored points.
    Resume,
}

/// Prepares the output directory (created if missing) for `mode`.
pub fn prepare_dir(dir: &Path, mode: DirMode) -> Result<(), Error> {
    let io = |what: &str, e| Error::io(format!("{what} {}", dir.display()), e);
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Output {
            dir: dir.to_path_buf(),
            problem: OutputProblem::NotADirectory,
        });
    }
    let non_empty = dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| io("cannot read", e))?
            .next()
            .is_some();
    match mode {
        DirMode::Fresh if non_empty => {
            return Err(Error::Output {
                dir: dir.to_path_buf(),
                problem: OutputProblem::HoldsFiles,
            })
        }
        DirMode::Resume if !dir.join("points").is_dir() => {
            return Err(Error::Output {
                dir: dir.to_path_buf(),
                problem: OutputProblem::NothingToResume,
            })
        }
        DirMode::Force if dir.join("points").is_dir() => {
            std::fs::remove_dir_all(dir.join("points")).map_err(|e| io("cannot clear", e))?
        }
        _ => {}
    }
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create", e))
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

/// One CSV row per frame, for spreadsheet and pandas users.
pub fn point_csv(p: &PointResult) -> String {
    let mut s = String::from(
        "frame,time_ps,intensity,intensity_stderr,emissions,msd_sites2,msd_stderr_sites2,msd_nm2,msd_reliable,msd_occupancy_sites2,msd_occupancy_stderr_sites2,msd_occupancy_nm2,msd_occupancy_stderr_nm2,occupancy_walkers",
    );
    for name in p.populations.keys() {
        s += &format!(",population_{name},intensity_{name}");
    }
    s.push('\n');
    for t in 0..p.time_ps.len() {
        let at = |v: &Vec<Option<f64>>| opt(v.get(t).copied().flatten());
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
        for (name, pop) in &p.populations {
            s += &format!(",{},{}", pop[t], p.intensity_by_state[name][t]);
        }
        s.push('\n');
    }
    s
}

/// One row per point: swept values, then the paper's scalars in both unit systems.
pub fn sweep_csv(results: &RunResults) -> String {
    let params: Vec<&String> = results
        .points
        .first()
        .map_or(vec![], |p| p.parameters.keys().collect());
    let mut s = String::from("point");
    for p in &params {
        s += &format!(",{p}");
    }
    s += ",walkers,tau_pl_ps,tau_pl_stderr_ps,tau_pl_peak_ps,tau_pl_peak_stderr_ps,d_avg_sites2_ps,d_avg_stderr_sites2_ps,d_avg_cm2_s,d_avg_stderr_cm2_s,diffusion_length_sites,diffusion_length_stderr_sites,diffusion_length_nm,diffusion_length_stderr_nm,t_max_ps,t_max_stderr_ps,t_max_note\n";
    for (i, p) in results.points.iter().enumerate() {
        s += &i.to_string();
        for k in &params {
            let v = &p.parameters[*k];
            s += &format!(
                ",{}",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            );
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
    }
    s
}

/// `point-NNN.EXT` for point `index` of `points`, the number padded to the sweep's width
/// (at least 3 digits), so that file names sort in point order.
pub fn point_file(index: usize, points: usize, ext: &str) -> String {
    let width = points.saturating_sub(1).to_string().len().max(3);
    format!("point-{index:0width$}.{ext}")
}

/// Writes `results.json`, `point-NNN.csv` for every point and `sweep.csv` into `dir`;
/// `results.json` last, so its presence means the run's files are complete.
pub fn write_results(dir: &Path, results: &RunResults) -> Result<(), Error> {
    for (i, p) in results.points.iter().enumerate() {
        write_atomic(
            &dir.join(point_file(i, results.points.len(), "csv")),
            point_csv(p).as_bytes(),
        )?;
    }
    write_atomic(&dir.join("sweep.csv"), sweep_csv(results).as_bytes())?;
    let json = serde_json::to_vec_pretty(results).expect("results serialise to JSON");
    write_atomic(&dir.join("results.json"), &json)
}
