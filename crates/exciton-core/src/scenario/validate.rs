//! Validation: a typed scenario file becomes a [`Scenario`] of per-frame probabilities
//! at its temperature, or a [`ScenarioError`] naming file, JSON path and reason.

use super::schema::{Populations, SampleSpec, ScenarioFile};
use super::{
    Scenario, StateTable, Units, MAX_FRAMES, MAX_HISTOGRAM_COUNTERS, MAX_SIGMA_SITES, MAX_STATES,
    SUM_TOLERANCE,
};
use crate::error::ScenarioError;
use crate::temperature::{self, Model, Param, Sample};
use std::path::Path;

fn check_number(file: &Path, path: &str, v: f64) -> Result<f64, ScenarioError> {
    if !v.is_finite() {
        return Err(ScenarioError::new(
            file,
            path,
            format!("{v} is not a finite number"),
        ));
    }
    if v < 0.0 {
        return Err(ScenarioError::new(file, path, format!("{v} is negative")));
    }
    Ok(v)
}

fn check_positive(file: &Path, path: &str, v: f64) -> Result<f64, ScenarioError> {
    check_number(file, path, v)?;
    if v == 0.0 {
        return Err(ScenarioError::new(file, path, "must be greater than 0"));
    }
    Ok(v)
}

pub(super) fn validate(spec: ScenarioFile, file: &Path) -> Result<Scenario, ScenarioError> {
    let err = |path: &str, reason: String| ScenarioError::new(file, path, reason);
    if spec.name.trim().is_empty() {
        return Err(err("name", "must not be empty".into()));
    }
    let dt_ps = check_positive(file, "dt_ps", spec.dt_ps)?;
    let temperature_k = match spec.temperature_k {
        Some(t) => Some(check_positive(file, "temperature_K", t)?),
        None => None,
    };
    let sample = resolve_sample(spec.sample.as_ref(), file)?;
    let pitch_nm = match (spec.lattice.pitch_nm, &sample) {
        (Some(p), _) => check_positive(file, "lattice.pitch_nm", p)?,
        (None, Some(s)) => s.pitch_nm,
        (None, None) => {
            return Err(err(
                "lattice.pitch_nm",
                "missing: give the NC centre-to-centre distance in nm, or name a sample".into(),
            ))
        }
    };
    if spec.frames == 0 {
        return Err(err("frames", "must be at least 1".into()));
    }
    if spec.frames > MAX_FRAMES {
        return Err(err(
            "frames",
            format!("{} is above the limit of {MAX_FRAMES}", spec.frames),
        ));
    }
    if spec.walkers == 0 {
        return Err(err("walkers", "must be at least 1".into()));
    }
    let sigma_sites = check_number(file, "initial.sigma_sites", spec.initial.sigma_sites)?;
    if sigma_sites > MAX_SIGMA_SITES {
        return Err(err(
            "initial.sigma_sites",
            format!("{sigma_sites} is above the limit of {MAX_SIGMA_SITES} sites"),
        ));
    }
    if spec.states.is_empty() {
        return Err(err("states", "at least one state is needed".into()));
    }
    if spec.states.len() > MAX_STATES {
        return Err(err(
            "states",
            format!(
                "{} states declared, at most {MAX_STATES} are supported",
                spec.states.len()
            ),
        ));
    }
    let names: Vec<String> = spec.states.keys().cloned().collect();
    if let Some(bad) = names.iter().find(|n| n.trim().is_empty()) {
        return Err(err("states", format!("state name {bad:?} is empty")));
    }
    let index = |name: &str| names.iter().position(|n| n == name);
    let n = names.len();
    let factor = spec.lattice.geometry.fret_factor();

    let mut table = StateTable {
        names: names.clone(),
        radiative: vec![0.0; n],
        nonradiative: vec![0.0; n],
        hop: vec![0.0; n],
        to: vec![vec![0.0; n]; n],
        initial: vec![0.0; n],
    };
    let need_t = |path: &str| {
        temperature_k.ok_or_else(|| err(path, "uses a temperature model: set temperature_K".into()))
    };
    let eval = |path: &str, p: &Param| -> Result<f64, ScenarioError> {
        let v = match p {
            Param::Value(v) => *v,
            Param::Model(Model::Table(t)) => {
                if let Some(problem) = t.problem() {
                    return Err(err(path, problem));
                }
                t.at(need_t(path)?)
            }
            Param::Model(Model::Arrhenius(a)) => a.at(need_t(path)?),
            Param::Model(Model::DetailedBalance(_)) => {
                return Err(err(
                    path,
                    "detailed_balance is only for a state change (states.A.to.B)".into(),
                ))
            }
        };
        check_number(file, path, v)
    };

    // First pass: numbers and simple models; detailed balance needs its reverse first.
    let mut raw = Vec::with_capacity(n);
    let mut pending = Vec::new();
    for (s, (name, st)) in spec.states.iter().enumerate() {
        let p = |field: &str| format!("states.{name}.{field}");
        let rad = eval(&p("radiative"), &st.radiative)?;
        let nonrad = eval(&p("nonradiative"), &st.nonradiative)?;
        let hop = match (&st.fret, &st.hop) {
            (Some(_), Some(_)) => {
                return Err(err(
                    &format!("states.{name}"),
                    "give either `fret` (per neighbour pair) or `hop` (total), not both".into(),
                ))
            }
            (Some(f), None) => eval(&p("fret"), f)? * factor,
            (None, Some(h)) => eval(&p("hop"), h)?,
            (None, None) => 0.0,
        };
        let mut to = vec![0.0; n];
        for (target, v) in &st.to {
            let path = format!("states.{name}.to.{target}");
            let Some(t) = index(target) else {
                return Err(err(
                    &path,
                    format!(
                        "unknown state `{target}` (states are: {})",
                        names.join(", ")
                    ),
                ));
            };
            // A change of a state to itself is "stay" (MODEL.md section 2).
            if t == s {
                continue;
            }
            match v {
                Param::Model(Model::DetailedBalance(db)) => pending.push((s, t, db.clone(), path)),
                v => to[t] = eval(&path, v)?,
            }
        }
        raw.push((rad, nonrad, hop, to));
    }
    for (s, t, db, path) in pending {
        let reverse = format!("states.{}.to.{}", names[t], names[s]);
        if let Some(Param::Model(Model::DetailedBalance(_))) = spec.states[t].to.get(&names[s]) {
            return Err(err(
                &path,
                format!("its reverse {reverse} is detailed_balance too: give one of them a value"),
            ));
        }
        let splitting = match (db.splitting_mev, &sample) {
            (Some(e), _) => {
                check_number(file, &format!("{path}.detailed_balance.splitting_meV"), e)?
            }
            (None, Some(smp)) => smp.splitting_mev,
            (None, None) => {
                return Err(err(
                    &path,
                    "detailed_balance needs splitting_meV or a sample".into(),
                ))
            }
        };
        let g = check_positive(
            file,
            &format!("{path}.detailed_balance.degeneracy"),
            db.degeneracy.unwrap_or(temperature::DEFAULT_DEGENERACY),
        )?;
        let factor = temperature::detailed_balance_factor(splitting, need_t(&path)?, g);
        raw[s].3[t] = raw[t].3[s] * factor;
    }

    for (s, (rad, nonrad, hop, to)) in raw.into_iter().enumerate() {
        let name = &names[s];
        let (rad, nonrad, hop, to) = match spec.units {
            Units::ProbabilityPerFrame => {
                let sum = rad + nonrad + hop + to.iter().sum::<f64>();
                if sum > 1.0 + SUM_TOLERANCE {
                    let mut parts = vec![
                        format!("radiative {}", short(rad)),
                        format!("nonradiative {}", short(nonrad)),
                        format!("hop {}", short(hop)),
                    ];
                    for (t, v) in to.iter().enumerate().filter(|(_, v)| **v > 0.0) {
                        parts.push(format!("to.{} {}", names[t], short(*v)));
                    }
                    return Err(err(
                        &format!("states.{name}"),
                        format!(
                            "outgoing probabilities per frame sum to {}, above 1 ({})",
                            short(sum),
                            parts.join(" + ")
                        ),
                    ));
                }
                (rad, nonrad, hop, to)
            }
            Units::RatePerNs => competing_risks(rad, nonrad, hop, &to, dt_ps),
        };
        table.radiative[s] = rad;
        table.nonradiative[s] = nonrad;
        table.hop[s] = hop;
        table.to[s] = to;
    }

    match &spec.initial.populations {
        Populations::Fractions(fractions) => {
            let mut total = 0.0;
            for (name, &v) in fractions {
                let path = format!("initial.populations.{name}");
                let Some(s) = index(name) else {
                    return Err(err(
                        &path,
                        format!("unknown state `{name}` (states are: {})", names.join(", ")),
                    ));
                };
                table.initial[s] = check_number(file, &path, v)?;
                total += table.initial[s];
            }
            if (total - 1.0).abs() > 1e-9 {
                return Err(err(
                    "initial.populations",
                    format!("populations sum to {total}, they must sum to 1"),
                ));
            }
        }
        Populations::Keyword(k) if k == "thermal" => {
            let path = "initial.populations";
            let (Some(b), Some(d)) = (index("bright"), index("dark")) else {
                return Err(err(
                    path,
                    "\"thermal\" needs states named `bright` and `dark`".into(),
                ));
            };
            let Some(smp) = &sample else {
                return Err(err(
                    path,
                    "\"thermal\" needs a sample (for the bright-dark splitting)".into(),
                ));
            };
            let pb = temperature::bright_fraction(
                smp.splitting_mev,
                need_t(path)?,
                temperature::DEFAULT_DEGENERACY,
            );
            table.initial[b] = pb;
            table.initial[d] = 1.0 - pb;
        }
        Populations::Keyword(k) => {
            return Err(err(
                "initial.populations",
                format!("unknown keyword {k:?}: give fractions per state or \"thermal\""),
            ))
        }
    }

    let max_dx_sites = match spec.histogram.max_dx_sites {
        Some(0) => return Err(err("histogram.max_dx_sites", "must be at least 1".into())),
        Some(m) => m.min(spec.frames),
        None => default_max_dx(spec.frames),
    };

    let layout = crate::histogram::HistLayout::new(
        spec.frames,
        n as u32,
        max_dx_sites,
        crate::rng::SpotTable::radius_for(sigma_sites),
        spec.histogram.occupancy_profile,
        spec.record_profiles,
    );
    if layout.len() as u64 > MAX_HISTOGRAM_COUNTERS {
        return Err(err(
            "frames",
            format!(
                "the histograms would need {} counters ({:.1} GiB per copy), above the limit of {MAX_HISTOGRAM_COUNTERS}: reduce frames, histogram.max_dx_sites{}",
                layout.len(),
                layout.len() as f64 * 4.0 / f64::from(1u32 << 30),
                if spec.record_profiles {
                    ", initial.sigma_sites (the profile's rows span the spot) or turn record_profiles off"
                } else {
                    ""
                }
            ),
        ));
    }

    Ok(Scenario {
        name: spec.name,
        file: file.to_path_buf(),
        geometry: spec.lattice.geometry,
        pitch_nm,
        dt_ps,
        frames: spec.frames,
        walkers: spec.walkers,
        seed: spec.seed,
        units: spec.units,
        sigma_sites,
        states: table,
        sample,
        temperature_k,
        record_profiles: spec.record_profiles,
        max_dx_sites,
        occupancy_profile: spec.histogram.occupancy_profile,
    })
}

/// The sample a scenario names: a preset, optionally overridden, or fully custom.
fn resolve_sample(spec: Option<&SampleSpec>, file: &Path) -> Result<Option<Sample>, ScenarioError> {
    let unknown = |path: &str, name: &str| {
        ScenarioError::new(
            file,
            path,
            format!(
                "unknown sample preset {name:?} (presets: {})",
                temperature::PRESET_NAMES.join(", ")
            ),
        )
    };
    let Some(spec) = spec else { return Ok(None) };
    let fields = match spec {
        SampleSpec::Preset(name) => {
            return temperature::preset(name)
                .map(Some)
                .ok_or_else(|| unknown("sample", name))
        }
        SampleSpec::Custom(f) => f,
    };
    let mut sample = match &fields.preset {
        Some(name) => temperature::preset(name).ok_or_else(|| unknown("sample.preset", name))?,
        None => Sample {
            name: String::new(),
            pitch_nm: f64::NAN,
            splitting_mev: f64::NAN,
            measured_tau_bright_ps: None,
            measured_tau_dark_ps: None,
            measured_bright_photon_fraction: None,
        },
    };
    if let Some(name) = &fields.name {
        sample.name = name.clone();
    }
    if let Some(p) = fields.pitch_nm {
        sample.pitch_nm = check_positive(file, "sample.pitch_nm", p)?;
    }
    if let Some(e) = fields.splitting_mev {
        sample.splitting_mev = check_number(file, "sample.splitting_meV", e)?;
    }
    for (field, v) in [
        ("pitch_nm", sample.pitch_nm),
        ("splitting_meV", sample.splitting_mev),
    ] {
        if v.is_nan() {
            return Err(ScenarioError::new(
                file,
                &format!("sample.{field}"),
                "missing: no preset gives it",
            ));
        }
    }
    Ok(Some(sample))
}

/// A number for people: 12 significant digits, float noise (0.40499999999999997) dropped.
fn short(v: f64) -> String {
    let s = format!("{v:.12e}");
    s.parse::<f64>().map_or(s, |v| v.to_string())
}

/// Default histogram half-width: every reachable |dx| (a walker moves at most one site
/// per frame) up to 1024 sites; beyond that the overflow bin counts, and is reported.
pub fn default_max_dx(frames: u32) -> u32 {
    frames.clamp(1, 1024)
}

/// Rates (ns^-1) to per-frame probabilities, exact for constant rates observed once per
/// frame: p_i = (k_i / K) (1 - exp(-K dt)).
fn competing_risks(
    rad: f64,
    nonrad: f64,
    hop: f64,
    to: &[f64],
    dt_ps: f64,
) -> (f64, f64, f64, Vec<f64>) {
    let total = rad + nonrad + hop + to.iter().sum::<f64>();
    if total == 0.0 {
        return (0.0, 0.0, 0.0, vec![0.0; to.len()]);
    }
    let scale = (1.0 - (-total * dt_ps * 1e-3).exp()) / total;
    (
        rad * scale,
        nonrad * scale,
        hop * scale,
        to.iter().map(|k| k * scale).collect(),
    )
}
