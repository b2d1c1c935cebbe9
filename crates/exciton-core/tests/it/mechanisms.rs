//! The paper's own mechanisms (MODEL.md section 15) against their closed forms on the
//! exact backend: dissociation's detailed balance, trap depths' mean release time; a
//! size spread's energies and splittings against its formulas.

use crate::common::{paper_json, scenario, set};

use exciton_core::exact;
use exciton_core::kernels::walk::landscape::{level_of_draw, lowbias32};
use exciton_core::model::WalkTables;
use exciton_core::tables::{normal_quantile, TWO_POW_32};
use exciton_core::temperature::{dissociation_factor, KB_MEV_PER_K};
use serde_json::{json, Value};

fn exact_curves(v: &Value) -> exciton_core::observables::Curves {
    let s = scenario(v);
    let t = WalkTables::new(&s);
    exact::curves(
        &t.effective_states(&s.states.names),
        &t.x_step_probabilities(),
        s.frames,
        s.walkers,
    )
}

/// An exciton that neither decays nor hops, and the electron-hole pair it dissociates
/// into: the populations relax to the Saha-like balance.
fn pair_scenario(temperature_k: f64) -> Value {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(temperature_k));
    set(&mut v, "frames", json!(3000));
    set(
        &mut v,
        "states",
        json!({
            "exciton": { "to": { "free": { "dissociation": { "binding_meV": 40, "degeneracy": 20 } } } },
            "free": { "to": { "exciton": 0.02 } }
        }),
    );
    set(&mut v, "initial.populations", json!({ "exciton": 1.0 }));
    v
}

#[test]
fn dissociation_relaxes_to_the_saha_balance() {
    for t in [80.0, 200.0, 300.0] {
        let v = pair_scenario(t);
        let s = scenario(&v);
        let f = 20.0 * (t / 300.0_f64).powf(1.5) * (-40.0 / (KB_MEV_PER_K * t)).exp();
        let ratio = s.states.to[0][1] / s.states.to[1][0];
        println!("T = {t} K: k_diss / k_bind {ratio:.12e} vs g (T/T0)^1.5 e^(-Eb/kT) = {f:.12e}");
        assert!((ratio - f).abs() < 1e-12 * f, "at {t} K");
        assert!((dissociation_factor(40.0, t, 20.0, 300.0) - f).abs() < 1e-15 * f);
        // The walk (and the exact backend) use the probabilities quantised to 2^-32:
        // the balance they reach is that of the quantised pair.
        let eff = WalkTables::new(&s).effective_states(&s.states.names);
        let q = eff.to[0][1] / eff.to[1][0];
        let c = exact_curves(&v);
        let last = c.populations[1].len() - 1;
        let free = c.populations[1][last] / (c.populations[0][last] + c.populations[1][last]);
        let expected = q / (1.0 + q);
        println!(
            "  free fraction {free:.12} vs detailed balance {expected:.12} (unquantised {:.12})",
            f / (1.0 + f)
        );
        assert!((free - expected).abs() < 1e-9, "at {t} K");
        assert!((free - f / (1.0 + f)).abs() < 1e-6 * f, "at {t} K");
    }
}

#[test]
fn dissociation_takes_the_samples_binding_energy() {
    // Smaller NCs bind more strongly: fewer pairs at the same temperature.
    let free_at_300 = |sample: &str| {
        let mut v = pair_scenario(300.0);
        set(&mut v, "sample", json!(sample));
        crate::common::remove(&mut v, "lattice.pitch_nm");
        set(
            &mut v,
            "states.exciton.to.free",
            json!({ "dissociation": { "degeneracy": 20 } }),
        );
        let s = scenario(&v);
        s.states.to[0][1]
    };
    let (small, mid, large) = (
        free_at_300("5nm_SL"),
        free_at_300("8nm_SL"),
        free_at_300("14nm_film"),
    );
    println!("k(exciton -> free) at 300 K: 5 nm {small:.3e}, 8 nm {mid:.3e}, 14 nm {large:.3e}");
    assert!(small < mid && mid < large);
}

/// Every exciton falls into a trap in its first frame and is released into a state
/// where nothing happens: the trapped populations summed over frames are the mean
/// time in the trap.
fn release_scenario(depth: Value, temperature_k: f64) -> Value {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(temperature_k));
    set(&mut v, "frames", json!(4000));
    set(
        &mut v,
        "states",
        json!({
            "free": { "to": { "trapped": 1.0 } },
            "trapped": { "release": { "to": "out", "attempt": 0.1, "depth": depth, "classes": 6 } },
            "out": {}
        }),
    );
    set(&mut v, "initial.populations", json!({ "free": 1.0 }));
    v
}

#[test]
fn trap_depths_keep_the_mean_release_time() {
    let kt = |t: f64| KB_MEV_PER_K * t;
    let cases = [
        (
            json!({ "exponential": { "mean_meV": 5 } }),
            100.0,
            1.0 / (1.0 - 5.0 / kt(100.0)),
        ),
        (
            json!({ "exponential": { "mean_meV": 5 } }),
            300.0,
            1.0 / (1.0 - 5.0 / kt(300.0)),
        ),
        (
            json!({ "gaussian": { "mean_meV": 10, "sigma_meV": 4 } }),
            150.0,
            (10.0 / kt(150.0) + 0.5 * (4.0 / kt(150.0)).powi(2)).exp(),
        ),
    ];
    for (depth, t, mean_factor) in cases {
        let v = release_scenario(depth.clone(), t);
        let s = scenario(&v);
        assert_eq!(
            s.states.names,
            [
                "free",
                "trapped_1",
                "trapped_2",
                "trapped_3",
                "trapped_4",
                "trapped_5",
                "trapped_6",
                "out"
            ]
        );
        let classes = s.states.traps.as_ref().unwrap();
        assert_eq!(
            (classes.first, classes.classes, classes.per_site),
            (1, 6, false)
        );
        // The classes as the scenario gives them: the integral over the depths.
        let integral = mean_factor / 0.1;
        let r: Vec<f64> = (1..=6).map(|k| s.states.to[k][7]).collect();
        let mean: f64 = r.iter().map(|r| 1.0 / (6.0 * r)).sum();
        println!("{depth} at {t} K: class releases {r:?}; mean time {mean:.12} frames vs the integral {integral:.12}");
        assert!((mean - integral).abs() < 1e-9 * integral);
        // The exact backend on the quantised probabilities the walk uses.
        let eff = WalkTables::new(&s).effective_states(&s.states.names);
        let w: Vec<f64> = (1..=6).map(|k| eff.to[0][k]).collect();
        let total_w: f64 = w.iter().sum();
        let want: f64 = (1..=6).map(|k| w[k - 1] / total_w / eff.to[k][7]).sum();
        let c = exact_curves(&v);
        let got: f64 = (1..=6).map(|k| c.populations[k].iter().sum::<f64>()).sum();
        println!("  exact backend: {got:.12} frames in a trap vs {want:.12} (quantised classes)");
        assert!((got - want).abs() < 1e-9 * want);
        assert!((got - integral).abs() < 1e-6 * integral);
    }
}

/// A film of NCs with a 7 % size spread at 40 K: energies 10 meV to first order,
/// bright above dark by 15 meV at the mean size, 6 size classes.
fn sized_film() -> Value {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(40.0));
    set(
        &mut v,
        "states",
        json!({
            "bright": { "radiative": 0.02, "fret": 0.1, "to": { "dark": 0.05 } },
            "dark": { "fret": 0.02, "to": { "bright": { "detailed_balance": { "splitting_meV": 15.0 } } } }
        }),
    );
    set(&mut v, "initial.populations", json!({ "bright": 1.0 }));
    set(
        &mut v,
        "landscape",
        json!({ "seed": 3, "energy_sigma_meV": 10.0, "size_spread": 0.07, "size_classes": 6,
                "size": [120, 100], "edges": "reflecting", "realizations": 1 }),
    );
    v
}

#[test]
fn a_size_spreads_energies_are_the_confinement_of_each_sites_size() {
    // What the kernels read (the level table) against E_c (1 / r^2 - 1) of the size r of
    // each draw's quantile, both tails: not symmetric (the small NCs' tail is longer).
    let s = scenario(&sized_film());
    let l = s.landscape.as_ref().unwrap();
    let t = exciton_core::model::landscape::LandscapeTables::new(l, s.temperature_k);
    let ec = l.confinement_mev().unwrap();
    let kt = KB_MEV_PER_K * 40.0;
    let mut worst = 0.0f64;
    for u in (0..200_000u32)
        .map(lowbias32)
        .chain([1, 2, 1 << 31, u32::MAX - 1])
    {
        let v = u.min(!u).max(1);
        let z = -normal_quantile((f64::from(v) + 0.5) / TWO_POW_32)
            * if u >= 1 << 31 { 1.0 } else { -1.0 };
        let want = ec * ((1.0 - 0.07 * z).powi(-2) - 1.0);
        let got = t.energy_mev(level_of_draw(&t.levels, u));
        worst = worst.max((got - want).abs() / kt);
    }
    let (high, low) = (
        t.energy_mev(level_of_draw(&t.levels, u32::MAX - 1)),
        t.energy_mev(level_of_draw(&t.levels, 1)),
    );
    println!("E_c {ec:.2} meV; largest |E - E_c (1/r^2 - 1)| {worst:.2e} kT; outermost sites {high:.1} and {low:.1} meV");
    assert!(
        worst < 1.6 / f64::from(exciton_core::model::landscape::LEVELS_PER_KT),
        "{worst} kT"
    );
    assert!(
        high > 1.5 * -low,
        "the small NCs' tail reaches further: {high} vs {low}"
    );
}

#[test]
fn a_size_spreads_splitting_and_energy_correlate_as_the_model_says() {
    // The site table (what `exciton-mc landscape` exports): each site's splitting factor
    // is its class's, the class holds its quantile, and over the film the regression
    // of splitting on energy has the slope the model gives (an integral over the
    // quantile, not the data), within 5 of its standard errors.
    let s = scenario(&sized_film());
    let l = s.landscape.as_ref().unwrap().clone();
    let tables = WalkTables::new(&s);
    assert_eq!(tables.size_classes, 6);
    let film = exciton_core::exact::master::SiteTable::new(&tables, 77).unwrap();
    let k = 6.0;
    let (de0, ec) = (15.0, l.confinement_mev().unwrap());
    let mut pts = Vec::new();
    for i in 0..film.len() {
        let z = film.z[i];
        let class = film.size_class[i] as f64;
        let q = normal_cdf(z);
        assert!(
            q >= class / k - 1e-9 && q < (class + 1.0) / k + 1e-9,
            "site {i}: z {z} in class {class}"
        );
        let mid = normal_quantile((class + 0.5) / k);
        assert!((film.splitting_scale(i) - 1.0 / (1.0 - 0.07 * mid)).abs() < 1e-12);
        pts.push((film.energy_mev(i), de0 * film.splitting_scale(i)));
    }
    let (slope, se) = regression(&pts);
    // The model's slope: Cov(dE(u), E(u)) / Var(E(u)) over u uniform (midpoint rule).
    let n = 200_000;
    let model: Vec<(f64, f64)> = (0..n)
        .map(|j| {
            let u = (j as f64 + 0.5) / n as f64;
            let z = normal_quantile(u);
            let class = (u * k).floor();
            let mid = normal_quantile((class + 0.5) / k);
            (
                ec * ((1.0 - 0.07 * z).powi(-2) - 1.0),
                de0 / (1.0 - 0.07 * mid),
            )
        })
        .collect();
    let (want, _) = regression(&model);
    // Without classes (every site its own splitting) the slope is dE0 / (2 E_c) to
    // first order; the classes' steps flatten it.
    let smooth: Vec<(f64, f64)> = model
        .iter()
        .map(|&(e, _)| (e, de0 * (1.0 + e / ec).sqrt()))
        .collect();
    let (continuous, _) = regression(&smooth);
    let first_order = de0 / (2.0 * ec);
    let zscore = (slope - want) / se;
    println!("{} sites: slope of splitting on energy {slope:.5} +- {se:.5} vs the model's {want:.5} (z = {zscore:.2}); without classes {continuous:.5}, first order dE0 / (2 E_c) = {first_order:.5}", film.len());
    assert!(zscore.abs() < 5.0);
    assert!(
        (continuous / first_order - 1.0).abs() < 0.05,
        "{continuous} vs {first_order}"
    );
    assert!(
        want < continuous && want > 0.7 * continuous,
        "{want} vs {continuous}"
    );
}

/// Least-squares slope of y on x and its standard error.
fn regression(pts: &[(f64, f64)]) -> (f64, f64) {
    let n = pts.len() as f64;
    let (mx, my) = pts
        .iter()
        .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let resid: f64 = pts
        .iter()
        .map(|p| (p.1 - my - slope * (p.0 - mx)).powi(2))
        .sum();
    (slope, (resid / (n - 2.0) / sxx).sqrt())
}

/// The standard normal's CDF, by bisection on the quantile (tests only).
fn normal_cdf(z: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if normal_quantile(mid) < z {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}
