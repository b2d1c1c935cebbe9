//! A fit of disorder (MODEL.md section 12): synthetic data from the Monte Carlo on a
//! disordered film plus a measurement's noise, fitted by the master equation with
//! sigma_E and a rate free. The errors must cover the truth as often as one sigma
//! should, and the discrete landscape numbers must be refused as free parameters.

use crate::common::temp_dir;
use crate::fitting::{gauss, model, noisy, write_fit};
use exciton::engine::Engine;
use exciton::fit::Fit;
use exciton_core::kernels::rng::Pcg32;
use exciton_core::progress::Progress;
use serde_json::{json, Value};

const TRUTH: [f64; 2] = [15.0, 0.09];

/// One long-lived hopping state on one periodic 32 x 32 film at 100 K (kB T = 8.6 meV,
/// so sigma_E = 15 meV slows and bends the MSD).
fn film() -> Value {
    json!({
        "name": "fit-disorder", "lattice": {"geometry": "paper", "pitch_nm": 7.0},
        "dt_ps": 25.0, "frames": 120, "walkers": 400_000, "seed": 7,
        "units": "probability_per_frame", "temperature_K": 100.0,
        "initial": {"sigma_sites": 2.0, "populations": {"x": 1.0}},
        "states": {"x": {"radiative": 0.02, "fret": TRUTH[1]}},
        "landscape": {"seed": 3, "energy_sigma_meV": TRUTH[0], "size": [32, 32],
                      "edges": "periodic", "realizations": 1}
    })
}

fn free() -> Value {
    json!({"landscape.energy_sigma_meV": {"initial": 8.0, "min": 0.0, "max": 40.0},
           "states.x.fret": {"initial": 0.06, "min": 0.0, "max": 0.12}})
}

#[test]
fn a_fit_of_disorder_recovers_sigma_e_and_a_rate_with_errors_that_cover() {
    let dir = temp_dir("fit-disorder");
    let times: Vec<f64> = (1..40).map(|k| f64::from(k) * 75.0).collect();
    // The data: the Monte Carlo's emission MSD on the film, in nm^2, a new run (seed)
    // per dataset, with a measurement's noise (5 nm^2 + 3 %) on top; each point's error
    // is both together (the Monte Carlo's is 2-5 %: a few thousand photons a frame).
    let placeholder: Vec<(f64, f64, f64)> = times.iter().map(|&t| (t, 1.0, 1.0)).collect();
    let path = write_fit(
        &dir,
        &film(),
        &[("msd", "msd", json!({}), placeholder)],
        free(),
    );
    let me = model(&path, 0, &TRUTH);
    let mut z_sum = 0.0;
    let (mut inside, mut within_two, seeds) = ([0u32; 2], [0u32; 2], 50u32);
    for seed in 0..seeds {
        let mut v = film();
        v["seed"] = json!(100 + seed);
        let s = crate::common::scenario(&v);
        let mc = Engine::cpu(2)
            .estimate(&s, 0, &Progress::default())
            .unwrap()
            .curves;
        let at = |c: &[Option<f64>], t: f64| c[(t / 25.0) as usize].unwrap() * 49.0;
        let clean: Vec<f64> = times.iter().map(|&t| at(&mc.msd, t)).collect();
        let mc_err: Vec<f64> = times.iter().map(|&t| at(&mc.msd_stderr, t)).collect();
        z_sum += clean
            .iter()
            .zip(&me)
            .zip(&mc_err)
            .map(|((a, b), e)| ((a - b) / e).powi(2))
            .sum::<f64>();
        let mut rng = Pcg32::new(u64::from(seed), 11);
        let _ = gauss(&mut rng);
        let rows: Vec<(f64, f64, f64)> = noisy(&times, &clean, 5.0, 0.03, &mut rng)
            .into_iter()
            .zip(&mc_err)
            .map(|((t, y, e), m)| (t, y, e.hypot(*m)))
            .collect();
        let path = write_fit(&dir, &film(), &[("msd", "msd", json!({}), rows)], free());
        let o = Fit::load(&path).unwrap().run();
        assert!(o.converged, "seed {seed} did not converge");
        let err = o.stderr();
        if seed == 0 {
            println!(
                "seed 0: sigma_E {:.2} +- {:.2} meV (true 15), fret {:.4} +- {:.4} (true 0.09), chi2 {:.1} over {} dof, {} evaluations",
                o.params[0], err[0].unwrap(), o.params[1], err[1].unwrap(), o.chi2, o.dof, o.evaluations
            );
        }
        for i in 0..2 {
            let miss = (o.params[i] - TRUTH[i]).abs() / err[i].expect("a covariance");
            inside[i] += u32::from(miss <= 1.0);
            within_two[i] += u32::from(miss <= 2.0);
        }
    }
    let pct = |n: u32| 100.0 * f64::from(n) / f64::from(seeds);
    let points = f64::from(seeds) * times.len() as f64;
    println!(
        "Monte Carlo vs master equation at the truth: chi2 {:.2} per point over {points} points",
        z_sum / points
    );
    println!(
        "over {seeds} noise seeds: within 1 error sigma_E {:.0} %, fret {:.0} %; within 2: {:.0} %, {:.0} %",
        pct(inside[0]), pct(inside[1]), pct(within_two[0]), pct(within_two[1])
    );
    for i in 0..2 {
        assert!(
            (55.0..=80.0).contains(&pct(inside[i])),
            "1-sigma coverage {} %",
            pct(inside[i])
        );
        assert!(
            pct(within_two[i]) >= 85.0,
            "2-sigma coverage {} %",
            pct(within_two[i])
        );
    }
}

#[test]
fn discrete_landscape_numbers_are_refused_as_free_parameters() {
    let dir = temp_dir("fit-disorder-discrete");
    let rows = vec![(75.0, 100.0, 5.0), (150.0, 200.0, 5.0)];
    for (path, reason) in [
        ("landscape.void_fraction", "discrete choice"),
        ("landscape.size", "whole number of sites"),
    ] {
        let free = json!({ path: {"initial": 0.1, "min": 0.0, "max": 1.0} });
        let file = write_fit(
            &dir,
            &film(),
            &[("msd", "msd", json!({}), rows.clone())],
            free,
        );
        let err = Fit::load(&file).unwrap_err().to_string();
        println!("{path}: {err}");
        assert!(err.contains(path) && err.contains(reason), "{err}");
    }
}

#[test]
fn the_disorder_example_recovers_sigma_e_and_the_rate_that_made_its_data() {
    let r = crate::fitting::example_fit(
        "examples/fit-disorder/fit.json",
        &[
            ("landscape.energy_sigma_meV", 15.0),
            ("states.x.fret", 0.09),
        ],
        2.0,
    );
    let check = r["monte_carlo_check"]["chi2"].as_f64().unwrap();
    assert!(
        check < 1.5 * 78.0,
        "the Monte Carlo at the fitted values: chi2 {check} over 78 points"
    );
}
