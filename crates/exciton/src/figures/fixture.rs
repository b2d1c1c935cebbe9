//! Small hand-made results for the figures' tests.

use exciton_io::results::{PointResult, RunResults};
use serde_json::{json, Value};

/// A Monte Carlo point of three frames (the last with too few walkers to draw) with `params` swept, no t_max (`note` says why)
/// unless `t_max_ps` is given.
pub(crate) fn point(
    params: &[(&str, Value)],
    t_max_ps: Option<f64>,
    note: Option<&str>,
) -> PointResult {
    let parameters: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    serde_json::from_value(json!({
        "parameters": parameters,
        "walkers": 1000, "seed": 1, "temperature_K": null, "sample": null,
        "frames": 3, "dt_ps": 25.0, "pitch_nm": 7.0,
        "time_ps": [0.0, 25.0, 50.0],
        "intensity": [0.03, 0.02, 0.01],
        "emissions": [30.0, 20.0, 10.0],
        "intensity_by_state": {}, "populations": {},
        "msd_sites2": [0.0, 1.0, 2.0], "msd_stderr_sites2": [null, 0.1, 0.2],
        "msd_nm2": [0.0, 49.0, 98.0],
        "msd_occupancy_sites2": [0.0, 1.0, 2.0],
        "msd_occupancy_nm2": [0.0, 49.0, 98.0],
        "occupancy_walkers": [5000.0, 2000.0, 200.0],
        "emission_overflow": [0, 0, 0],
        "tau_pl_ps": 40.0, "d_avg_sites2_ps": 0.01, "d_avg_cm2_s": 0.0049,
        "diffusion_length_sites": 0.6, "diffusion_length_nm": 4.4,
        "t_max_ps": t_max_ps, "t_max_note": note,
        "t_max_estimator": "occupancy-weighted MSD", "warnings": []
    }))
    .expect("the fixture is a valid PointResult")
}

/// A run of `points` from the CPU backend.
pub(crate) fn run(points: Vec<PointResult>) -> RunResults {
    RunResults {
        scenario: "test".into(),
        scenario_file: "/nonexistent/test.json".into(),
        backend: "cpu".into(),
        device: "cpu, 1 thread".into(),
        exciton_mc_version: "0".into(),
        displacement: "x".into(),
        sweep_mode: None,
        figures: vec![],
        units: None,
        scenario_json: None,
        run_hash: None,
        shard: None,
        sample: None,
        curves: None,
        points,
    }
}
