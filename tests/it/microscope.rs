//! The virtual microscope (MODEL.md section 10): apparent MSD against the true MSD where
//! they must agree, against an independent fit where they differ, and its errors
//! against the spread over shot-noise seeds.

use crate::common::{paper_json, set};
use exciton::engine::Engine;
use exciton::run::run;
use exciton_core::exact::expected_profile;
use exciton_core::model::WalkTables;
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use serde_json::{json, Value};
use std::path::Path;

fn run_json(v: &Value, engine: &Engine) -> exciton_io::results::RunResults {
    let plan = Plan::from_value(v, Path::new("microscope.json")).unwrap();
    run(&plan, engine, &Progress::default()).unwrap()
}

/// One state, no decay, constant hops: the spot, the walk and the PSF are all Gaussian
/// (the walk after a few frames), so the image is Gaussian and its variance grows by the
/// MSD exactly.
fn gaussian_spread(fwhm: f64) -> Value {
    json!({
        "name": "gaussian-spread", "lattice": {"geometry": "nn", "pitch_nm": 10.0},
        "dt_ps": 25.0, "frames": 200, "walkers": 200000, "seed": 4,
        "units": "probability_per_frame",
        "initial": {"sigma_sites": 8.0, "populations": {"free": 1.0}},
        "states": {"free": {"radiative": 0.001, "fret": 0.2}},
        "microscope": {"psf_fwhm_nm": fwhm, "pixel_nm": 10.0}
    })
}

#[test]
fn a_gaussian_spread_looks_the_same_through_the_microscope() {
    for fwhm in [270.0, 1.0] {
        let r = run_json(&gaussian_spread(fwhm), &Engine::Exact);
        let p = &r.points[0];
        let mut worst: f64 = 0.0;
        for t in (20..200).step_by(20) {
            let (true_msd, apparent) = (p.msd_nm2[t].unwrap(), p.apparent_msd_nm2[t].unwrap());
            let rel = (apparent - true_msd).abs() / true_msd;
            println!(
                "PSF {fwhm} nm, frame {t}: true {true_msd:.2} nm^2, apparent {apparent:.2} nm^2"
            );
            worst = worst.max(rel);
        }
        // The walk's kurtosis (a lattice walk is not quite Gaussian) is all that is left.
        assert!(
            worst < 0.01,
            "apparent differs from true by {worst:.4} (PSF {fwhm} nm)"
        );
    }
    // The Monte Carlo's apparent MSD agrees with the exact one within its error.
    let mut v = gaussian_spread(270.0);
    set(&mut v, "states.free.radiative", json!(0.01));
    let exact = run_json(&v, &Engine::Exact);
    let mc = run_json(&v, &Engine::cpu(2));
    let (e, m) = (&exact.points[0], &mc.points[0]);
    let mut zs = Vec::new();
    for t in (10..200).step_by(10) {
        let (Some(a), Some(b), Some(err)) = (
            e.apparent_msd_nm2[t],
            m.apparent_msd_nm2[t],
            m.apparent_msd_stderr_nm2[t],
        ) else {
            continue;
        };
        zs.push((b - a) / err);
    }
    println!("z of Monte Carlo against exact apparent MSD: {zs:.2?}");
    assert!(zs.len() >= 10 && zs.iter().all(|z| z.abs() < 5.0), "{zs:?}");
}

/// A Gaussian fit written here, independently of the engine: the image by direct
/// summation of each site's PSF share (Simpson over each pixel), then the variance that
/// minimises the squared residual, amplitude and centre solved for at each trial.
fn independent_variance(x_min: i64, row: &[f64], pitch: f64, fwhm: f64, pixel: f64) -> f64 {
    let s = fwhm / (8.0 * 2f64.ln()).sqrt();
    let density =
        |d: f64| (-(d * d) / (2.0 * s * s)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt());
    let lo = (x_min as f64 * pitch - 2.0 * fwhm) / pixel;
    let hi = ((x_min + row.len() as i64) as f64 * pitch + 2.0 * fwhm) / pixel;
    let centres: Vec<f64> = (lo.floor() as i64..=hi.ceil() as i64)
        .map(|k| k as f64 * pixel)
        .collect();
    let image: Vec<f64> = centres
        .iter()
        .map(|&c| {
            row.iter()
                .enumerate()
                .map(|(i, &n)| {
                    let x = (x_min + i as i64) as f64 * pitch;
                    let (a, b) = (c - pixel / 2.0 - x, c + pixel / 2.0 - x);
                    let steps = 16;
                    let h = (b - a) / steps as f64;
                    let simpson: f64 = (0..=steps)
                        .map(|k| {
                            let w = if k == 0 || k == steps {
                                1.0
                            } else if k % 2 == 1 {
                                4.0
                            } else {
                                2.0
                            };
                            w * density(a + k as f64 * h)
                        })
                        .sum::<f64>()
                        * h
                        / 3.0;
                    n * simpson
                })
                .sum()
        })
        .collect();
    // Golden-section search on the variance; for each, the centre by a nested search and
    // the amplitude by linear least squares.
    let residual = |mu: f64, var: f64| {
        let g: Vec<f64> = centres
            .iter()
            .map(|x| (-(x - mu).powi(2) / (2.0 * var)).exp())
            .collect();
        let a = g.iter().zip(&image).map(|(g, y)| g * y).sum::<f64>()
            / g.iter().map(|g| g * g).sum::<f64>();
        g.iter()
            .zip(&image)
            .map(|(g, y)| (a * g - y).powi(2))
            .sum::<f64>()
    };
    let golden = |f: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64| {
        let r = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..200 {
            let (c, d) = (b - r * (b - a), a + r * (b - a));
            if f(c) < f(d) {
                b = d;
            } else {
                a = c;
            }
        }
        (a + b) / 2.0
    };
    let best_mu = |var: f64| golden(&|mu| residual(mu, var), -pixel, pixel);
    golden(&|var| residual(best_mu(var), var), 1.0, 1e6)
}

#[test]
fn the_paper_case_through_the_microscope_matches_an_independent_fit() {
    let mut v = paper_json();
    set(
        &mut v,
        "microscope",
        json!({"psf_fwhm_nm": 270.0, "pixel_nm": 40.0}),
    );
    let r = run_json(&v, &Engine::Exact);
    let p = &r.points[0];
    let s = Plan::from_value(&v, Path::new("paper.json"))
        .unwrap()
        .points
        .remove(0)
        .scenario;
    let tables = WalkTables::new(&s);
    let profile = expected_profile(&tables, &s.states.names, s.frames);
    let var0 = independent_variance(
        profile.x_min_sites,
        &profile.counts[0],
        s.pitch_nm,
        270.0,
        40.0,
    );
    let mut biggest: f64 = 0.0;
    for t in [8, 16, 24, 40, 80, 160, 299] {
        let var = independent_variance(
            profile.x_min_sites,
            &profile.counts[t],
            s.pitch_nm,
            270.0,
            40.0,
        );
        let independent = var - var0;
        let (engine, true_msd) = (p.apparent_msd_nm2[t].unwrap(), p.msd_nm2[t].unwrap());
        let off = (engine - true_msd) / true_msd;
        println!(
            "frame {t}: true {true_msd:.3}, apparent {engine:.3} (independent fit {independent:.3}) nm^2: {:+.2} %",
            100.0 * off
        );
        assert!(
            (engine - independent).abs() < 2e-3 * true_msd.abs().max(1.0),
            "engine {engine} vs independent {independent}"
        );
        biggest = biggest.max(off.abs());
    }
    // The bright-dark mixture is not Gaussian: apparent and true differ, but not by much.
    assert!(
        biggest > 1e-4 && biggest < 0.1,
        "largest relative difference {biggest}"
    );
}

#[test]
fn shot_noise_errors_match_the_spread_over_seeds() {
    let mut v = gaussian_spread(270.0);
    set(&mut v, "frames", json!(60));
    set(&mut v, "microscope.photons_per_frame", json!(20000.0));
    set(
        &mut v,
        "sweep",
        json!({"mode": "product", "parameters": {"microscope.seed": (0..24).collect::<Vec<u64>>()}}),
    );
    let r = run_json(&v, &Engine::Exact);
    for t in [20, 40, 59] {
        let values: Vec<f64> = r
            .points
            .iter()
            .map(|p| p.apparent_msd_nm2[t].unwrap())
            .collect();
        let reported: f64 = r
            .points
            .iter()
            .map(|p| p.apparent_msd_stderr_nm2[t].unwrap())
            .sum::<f64>()
            / values.len() as f64;
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
            / (values.len() - 1) as f64)
            .sqrt();
        let truth = r.points[0].msd_nm2[t].unwrap();
        println!("frame {t}: spread over 24 seeds {spread:.1} nm^2, mean reported error {reported:.1} nm^2, mean {mean:.1} (true {truth:.1})");
        assert!(
            reported / spread > 0.5 && reported / spread < 2.0,
            "reported {reported} vs spread {spread}"
        );
        assert!((mean - truth).abs() < 5.0 * spread / (values.len() as f64).sqrt() + 0.01 * truth);
    }
}

#[test]
fn monte_carlo_apparent_msd_errors_include_its_own_photon_noise() {
    // Few emissions per frame (about 400 falling to 50): the Monte Carlo's own photon
    // noise dominates, with or without 20000 detected photons of shot noise on top.
    // Over every frame resting on >= 100 emissions, z against the exact apparent MSD
    // must have an RMS near 1; frames below 100 emissions are null.
    for photons in [None, Some(20000.0)] {
        let mut v = gaussian_spread(270.0);
        set(&mut v, "states.free.radiative", json!(0.01));
        set(&mut v, "walkers", json!(40_000));
        set(&mut v, "seed", json!(11));
        if let Some(n) = photons {
            set(&mut v, "microscope.photons_per_frame", json!(n));
        }
        let exact = run_json(&v, &Engine::Exact);
        let mc = run_json(&v, &Engine::cpu(2));
        let (e, m) = (&exact.points[0], &mc.points[0]);
        let mut zs = Vec::new();
        for t in 1..m.apparent_msd_nm2.len() {
            let few = m.emissions[t] < 100.0;
            assert!(
                !few || m.apparent_msd_nm2[t].is_none(),
                "frame {t} rests on {} emissions but has an apparent MSD",
                m.emissions[t]
            );
            if let (Some(a), Some(b), Some(err)) = (
                e.apparent_msd_nm2[t],
                m.apparent_msd_nm2[t],
                m.apparent_msd_stderr_nm2[t],
            ) {
                zs.push((b - a) / err);
            }
        }
        let rms = (zs.iter().map(|z| z * z).sum::<f64>() / zs.len() as f64).sqrt();
        let beyond = zs.iter().filter(|z| z.abs() > 3.0).count();
        println!(
            "photons {photons:?}: {} frames with >= 100 emissions, RMS z {rms:.2}, {beyond} beyond 3 sigma",
            zs.len()
        );
        assert!(zs.len() >= 50, "only {} frames compared", zs.len());
        assert!((0.7..=1.3).contains(&rms), "RMS z {rms}");
    }
}

#[test]
fn the_papers_detection_is_a_preset_and_a_photon_budget_follows_the_pl() {
    // "preset": "paper" is a 270 nm PSF, an 82 nm scanned aperture and the Voigt fit;
    // explicit keys still win. A total photon budget is shared among frames as the PL
    // is, so the late, dim frames rest on few photons and have larger errors.
    let mut v = paper_json();
    set(&mut v, "walkers", json!(1000));
    set(
        &mut v,
        "microscope",
        json!({ "preset": "paper", "photons_total": 2.0e6, "seed": 3 }),
    );
    let plan = Plan::from_value(&v, Path::new("preset.json")).unwrap();
    let m = plan.points[0].scenario.microscope.clone().unwrap();
    assert_eq!((m.psf_fwhm_nm, m.pixel_nm), (270.0, 82.0));
    assert_eq!(
        m.profile,
        exciton_core::scenario::microscope::FitModel::Voigt
    );
    // The budget with a Gaussian fit (a Voigt's held Lorentzian width, fitted on one
    // noisy frame, can leave later fits without a covariance).
    set(&mut v, "microscope.profile", json!("gaussian"));
    let r = run_json(&v, &Engine::Exact);
    let p = &r.points[0];
    let photons = m.photons(&p.intensity);
    let total: f64 = photons.iter().map(|p| p.unwrap()).sum();
    assert!((total / 2.0e6 - 1.0).abs() < 1e-9, "{total}");
    // The last frame with an apparent MSD: later ones rest on fewer than 100 photons.
    let last = (0..p.frames as usize)
        .rev()
        .find(|&t| p.apparent_msd_stderr_nm2[t].is_some())
        .unwrap();
    let (early, late) = (
        p.apparent_msd_stderr_nm2[2].unwrap(),
        p.apparent_msd_stderr_nm2[last].unwrap(),
    );
    println!(
        "photons in frames 2 and {last}: {:.0} and {:.0}; apparent MSD errors {early:.1} and {late:.1} nm^2",
        photons[2].unwrap(),
        photons[last].unwrap()
    );
    assert!(late > 2.0 * early, "{early} vs {late}");
    set(&mut v, "microscope.photons_per_frame", json!(1000.0));
    let e = Plan::from_value(&v, Path::new("preset.json"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("microscope.photons_total") && e.contains("not both"),
        "{e}"
    );
}
