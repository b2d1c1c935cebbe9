//! The instrument's parameters: a PL decay in raw counts through a Gaussian instrument
//! response, shifted in time, on a background, with Poisson noise. The rate and the
//! scale, background, t0 and IRF width come back within their errors as often as
//! errors should say.

use crate::common::temp_dir;
use crate::fitting::{gauss, paper_scenario};
use exciton::fit::Fit;
use exciton_core::kernels::rng::Pcg32;
use serde_json::json;
use std::path::{Path, PathBuf};

/// The truth: bright -> dark per frame, then the instrument.
const TRUTH: [(&str, f64); 5] = [
    ("states.bright.to.dark", 0.15),
    ("datasets[0].t0_ps", 210.0),
    ("datasets[0].scale", 5e4),
    ("datasets[0].background", 2000.0),
    ("datasets[0].irf.fwhm_ps", 80.0),
];

/// A Poisson draw of mean `l` (Knuth's product below 30, else the rounded normal, whose
/// error at these means is far below the test's resolution).
fn poisson(l: f64, rng: &mut Pcg32) -> f64 {
    if l < 30.0 {
        let (limit, mut p, mut k) = ((-l).exp(), 1.0, 0.0);
        loop {
            p *= (f64::from(rng.next_u32()) + 0.5) / 4_294_967_296.0;
            if p < limit {
                return k;
            }
            k += 1.0;
        }
    }
    (l + l.sqrt() * gauss(rng)).round().max(0.0)
}

/// TCSPC bins of 20 ps (off the 25 ps frames) from 0 to 3 ns.
fn times() -> Vec<f64> {
    (0..=150).map(|k| f64::from(k) * 20.0).collect()
}

/// Writes the fit and a PL file of `rows` (time, counts, error).
fn write(dir: &Path, rows: &[(f64, f64, f64)]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("scenario.json"), paper_scenario().to_string()).unwrap();
    let mut csv = String::from("time_ps,counts,counts_stderr\n");
    for (t, y, e) in rows {
        csv += &format!("{t},{y},{e}\n");
    }
    std::fs::write(dir.join("pl.csv"), csv).unwrap();
    let fit = json!({
        "scenario": "scenario.json",
        "datasets": [{"file": "pl.csv", "observable": "intensity",
                      "scale": "free",
                      "background": {"initial": 1000.0, "min": 0.0},
                      "t0_ps": {"initial": 150.0, "min": 0.0, "max": 500.0},
                      "irf": {"fwhm_ps": {"initial": 50.0, "min": 1.0, "max": 400.0}}}],
        "free": {"states.bright.to.dark": {"initial": 0.1, "min": 0.0, "max": 0.9}},
        "check_walkers": 0,
    });
    let path = dir.join("fit.json");
    std::fs::write(&path, fit.to_string()).unwrap();
    path
}

/// The truth in the fit's parameter order.
fn truth(fit: &Fit) -> Vec<f64> {
    fit.free
        .iter()
        .map(|f| {
            TRUTH
                .iter()
                .find(|(p, _)| *p == f.path)
                .unwrap_or_else(|| panic!("{} has no truth", f.path))
                .1
        })
        .collect()
}

/// Noisy counts of the model at the truth.
fn data(dir: &Path, seed: u64) -> Vec<(f64, f64, f64)> {
    let t = times();
    let path = write(dir, &t.iter().map(|&t| (t, 1.0, 1.0)).collect::<Vec<_>>());
    let fit = Fit::load(&path).unwrap();
    let clean = fit.model(&fit.datasets[0], &truth(&fit)).unwrap();
    let mut rng = Pcg32::new(seed, 9);
    t.iter()
        .zip(&clean)
        .map(|(&t, &m)| {
            let y = poisson(m, &mut rng);
            (t, y, y.max(1.0).sqrt())
        })
        .collect()
}

#[test]
fn pl_through_an_irf_gives_back_its_rate_scale_background_t0_and_width() {
    let dir = temp_dir("fit-irf");
    let rows = data(&dir, 1);
    let fit = Fit::load(&write(&dir, &rows)).unwrap();
    let o = fit.run();
    let (want, err) = (truth(&fit), o.stderr());
    for (i, f) in fit.free.iter().enumerate() {
        let e = err[i].unwrap();
        println!(
            "{:<26} {:.5e} +- {e:.2e} {} (true {})",
            f.path, o.params[i], f.unit, want[i]
        );
    }
    let at_truth: f64 = fit.residuals(&want).unwrap().iter().map(|r| r * r).sum();
    let at_start: f64 = fit
        .residuals(&fit.initial())
        .unwrap()
        .iter()
        .map(|r| r * r)
        .sum();
    println!(
        "chi2 {:.1} for {} dof (at the truth {at_truth:.1}, at the start {at_start:.1}; {})",
        o.chi2, o.dof, o.termination
    );
    assert!(o.converged, "{}", o.termination);
    for (i, f) in fit.free.iter().enumerate() {
        let e = err[i].unwrap();
        assert!(
            (o.params[i] - want[i]).abs() < 2.0 * e,
            "{}: {} +- {e}, true {}",
            f.path,
            o.params[i],
            want[i]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_of_the_instrument_parameters_cover_the_truth_as_often_as_one_sigma_should() {
    let dir = temp_dir("fit-irf-coverage");
    let seeds = 100;
    let mut inside = [0u32; 5];
    let mut names = Vec::new();
    for seed in 0..seeds {
        let rows = data(&dir, 100 + seed);
        let fit = Fit::load(&write(&dir, &rows)).unwrap();
        let o = fit.run();
        assert!(o.converged, "seed {seed}: {}", o.termination);
        let want = truth(&fit);
        for (i, e) in o.stderr().iter().enumerate() {
            if (o.params[i] - want[i]).abs() <= e.unwrap() {
                inside[i] += 1;
            }
        }
        names = fit.free.iter().map(|f| f.path.clone()).collect();
    }
    let frac: Vec<f64> = inside
        .iter()
        .map(|&n| f64::from(n) / seeds as f64)
        .collect();
    for (n, f) in names.iter().zip(&frac) {
        println!(
            "{n:<26} within 1 stderr in {:.0} % of {seeds} seeds",
            100.0 * f
        );
    }
    for (n, f) in names.iter().zip(&frac) {
        assert!((0.55..=0.80).contains(f), "{n}: coverage {f}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_measured_irf_on_the_data_clock_gives_back_the_rate_as_its_gaussian_does() {
    // The same decay, fitted through an IRF file: the Gaussian of the truth sampled
    // every 4 ps around the excitation at 210 ps, on the data's clock (t0 fixed at 0).
    let dir = temp_dir("fit-irf-file");
    let rows = data(&dir, 7);
    let path = write(&dir, &rows);
    let sigma = 80.0 / (8.0 * std::f64::consts::LN_2).sqrt();
    let mut irf = String::from("time_ns;counts\n");
    for k in -40..=40 {
        let t = 210.0 + f64::from(k) * 4.0;
        let c = 1e4 * (-0.5 * ((t - 210.0) / sigma).powi(2)).exp();
        irf += &format!("{};{}\n", t / 1000.0, c).replace('.', ",");
    }
    std::fs::write(dir.join("irf.csv"), irf).unwrap();
    crate::fit_verdict::edit(&path, |f| {
        f["datasets"][0]["irf"] = json!({"file": "irf.csv"});
        f["datasets"][0]["t0_ps"] = json!(0.0);
    });
    let fit = Fit::load(&path).unwrap();
    let o = fit.run();
    println!("chi2 {:.1} for {} dof", o.chi2, o.dof);
    for (i, f) in fit.free.iter().enumerate() {
        let e = o.stderr()[i].unwrap();
        let truth = TRUTH.iter().find(|(p, _)| *p == f.path).unwrap().1;
        println!(
            "{:<26} {:.5e} +- {e:.2e} {} (true {truth})",
            f.path, o.params[i], f.unit
        );
        assert!(
            (o.params[i] - truth).abs() < 3.0 * e,
            "{}: {} +- {e}, true {truth}",
            f.path,
            o.params[i]
        );
    }
    assert!(
        o.chi2 < o.dof as f64 + 5.0 * (2.0 * o.dof as f64).sqrt(),
        "chi2 {}",
        o.chi2
    );
}
