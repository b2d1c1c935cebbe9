//! Small outputs lose nothing: curves.parquet leaves out the columns another column
//! holds (unit multiples everywhere, the copies of the x MSD in the exact backend) and
//! a large run's results.json writes what its points share once, yet a run's directory
//! read back (`read_results`, which `plot` and Python's `load` use) gives every point
//! as the run computed it, every field, bit for bit.

use crate::common::{paper_json, read_json, set, temp_dir};
use exciton::engine::Engine;
use exciton::run::{run, run_into, RunOptions};
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use exciton_io::results::{read_results, RunResults, KEEP_CURVES_POINTS};
use serde_json::{json, Value};
use std::path::Path;

/// The plan of scenario `v`, written to `dir` first (the plan keeps its file's name).
fn plan_of(v: &Value, dir: &Path) -> Plan {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("scenario.json");
    std::fs::write(&file, serde_json::to_string(v).unwrap()).unwrap();
    Plan::load(&file).unwrap()
}

/// `plan` run in memory and run into `dir`, then read back: (in memory, read back).
fn ran_and_read(plan: &Plan, engine: &Engine, dir: &Path) -> (RunResults, RunResults) {
    let memory = run(plan, engine, &Progress::default()).unwrap();
    let options = RunOptions::default();
    run_into(plan, engine, &Progress::default(), dir, false, options).unwrap();
    (memory, read_results(&dir.join("results.json")).unwrap())
}

/// Every point equal, every field (curves included): as JSON text, whose f64s are the
/// shortest text that reads back to the same bits, so equal text is equal bits.
fn assert_same_points(ran: &RunResults, read: &RunResults) {
    assert_eq!(ran.points.len(), read.points.len());
    for (a, b) in ran.points.iter().zip(&read.points) {
        assert!(a.has_curves());
        let (a_text, b_text) = (
            serde_json::to_string(a).unwrap(),
            serde_json::to_string(b).unwrap(),
        );
        assert!(a_text == b_text, "point {} read back differs", a.point);
    }
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_else(|| v.as_object().unwrap().keys().map(String::as_str).collect())
}

#[test]
fn an_exact_sweep_reads_back_as_it_ran_though_copies_multiples_and_repeats_are_left_out() {
    let dir = temp_dir("readers-exact");
    let mut v = paper_json();
    // More points than a large run's threshold, each with a D_avg warning (20 frames are
    // short of 5 tau_PL) whose numbers follow the bright -> dark probability: warnings
    // repeat, and vary.
    set(&mut v, "frames", json!(20));
    let to_dark: Vec<f64> = (0..=KEEP_CURVES_POINTS)
        .map(|i| 0.05 + 1e-3 * (i % 40) as f64)
        .collect();
    let fret: Vec<f64> = (0..=KEEP_CURVES_POINTS)
        .map(|i| 0.05 + 1e-4 * i as f64)
        .collect();
    set(
        &mut v,
        "sweep",
        json!({ "mode": "zip", "parameters": {
            "states.bright.to.dark": to_dark, "states.bright.fret": fret } }),
    );
    let plan = plan_of(&v, &dir);
    let (ran, read) = ran_and_read(&plan, &Engine::Exact, &dir.join("out"));
    assert_same_points(&ran, &read);

    let file = read_json(&dir.join("out/results.json"));
    let stored = names(&file["curves"]["columns"]);
    let derived = names(&file["curves"]["derived"]);
    for c in [
        "msd_sites2",
        "msd_y_sites2",
        "msd_r2_sites2",
        "msd_nm2",
        "msd_r2_nm2",
    ] {
        assert!(!stored.contains(&c) && derived.contains(&c), "{c}");
    }
    for c in ["msd_occupancy_nm2", "diffusivity_cm2_s"] {
        assert!(!stored.contains(&c) && derived.contains(&c), "{c}");
    }
    for c in [
        "msd_occupancy_sites2",
        "diffusivity_sites2_ps",
        "alpha",
        "pitch_nm",
    ] {
        assert!(stored.contains(&c), "{c}");
    }
    // What every point shares is written once; the warnings' texts too.
    let common = &file["points_common"];
    assert_eq!(common["walkers"], json!(1_000_000));
    assert_eq!(common["pitch_nm"], json!(7.0));
    let texts = file["points_warnings"].as_array().unwrap();
    assert!(
        texts.len() > 1 && texts.len() < 100,
        "{} texts",
        texts.len()
    );
    let first = file["points"][0].as_object().unwrap();
    assert!(!first.contains_key("walkers") && !first.contains_key("warnings"));
    assert!(first.contains_key("warning_ids") && first.contains_key("tau_pl_ps"));
}

#[test]
fn a_monte_carlo_run_reads_back_as_it_ran_with_its_unit_multiples_left_out() {
    let dir = temp_dir("readers-mc");
    // Every optional curve: a landscape (mean energy; a finite film, so the profile
    // MSD), a microscope (the apparent MSD), errors (several walker blocks).
    let mut v = paper_json();
    set(&mut v, "frames", json!(40));
    set(&mut v, "walkers", json!(20000));
    set(&mut v, "temperature_K", json!(9));
    set(
        &mut v,
        "landscape",
        json!({ "seed": 3, "energy_sigma_meV": 5, "size": [64, 64] }),
    );
    set(
        &mut v,
        "microscope",
        json!({ "psf_fwhm_nm": 270, "pixel_nm": 40 }),
    );
    set(
        &mut v,
        "sweep",
        json!({ "mode": "product", "parameters": { "states.bright.fret": [0.05, 0.09] } }),
    );
    let plan = plan_of(&v, &dir);
    let (ran, read) = ran_and_read(&plan, &Engine::cpu(2), &dir.join("out"));
    assert_same_points(&ran, &read);
    let p = &ran.points[0];
    assert!(p.msd_occupancy_stderr_sites2.iter().any(Option::is_some));
    assert!(p.mean_energy_mev.iter().any(Option::is_some));
    assert!(p.msd_profile_sites2.iter().any(Option::is_some));
    assert!(!p.apparent_msd_nm2.is_empty());

    let file = read_json(&dir.join("out/results.json"));
    let stored = names(&file["curves"]["columns"]);
    let derived = names(&file["curves"]["derived"]);
    // A Monte Carlo's y and <r^2>/2 are their own curves: stored.
    for c in [
        "msd_sites2",
        "msd_y_sites2",
        "msd_r2_sites2",
        "mean_energy_meV",
    ] {
        assert!(stored.contains(&c), "{c}");
    }
    assert_eq!(
        derived,
        [
            "msd_nm2",
            "msd_occupancy_nm2",
            "msd_occupancy_stderr_nm2",
            "msd_r2_nm2",
            "msd_r2_stderr_nm2",
            "msd_profile_nm2",
            "diffusivity_cm2_s",
            "diffusivity_stderr_cm2_s"
        ]
    );
    assert!(
        file.get("points_common").is_none(),
        "a small run is unchanged"
    );
}
