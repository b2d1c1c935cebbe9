//! The scalars' standard errors against the spread over independent seeds; t_max only
//! where the MSD has a real maximum; unreliable MSD frames flagged.

use crate::common::{paper_json, scenario, set};
use exciton::engine::Engine;
use exciton_core::observables::Estimate;
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use serde_json::json;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn mc(v: &serde_json::Value) -> Estimate {
    Engine::cpu(threads())
        .estimate(&scenario(v), 0, &Progress::default())
        .unwrap()
}

/// Sample standard deviation.
fn spread(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

#[test]
fn scalar_errors_match_the_spread_over_seeds() {
    // 12 seeds of the 9 K paper case at 2e5 walkers: each scalar's reported error (the
    // mean over seeds) must be within a factor 2 of the spread of the values over seeds
    // (itself known to ~20 % from 12 values).
    let seeds = 12;
    let mut got: Vec<[f64; 4]> = Vec::new();
    let mut err: Vec<[f64; 4]> = Vec::new();
    for seed in 0..seeds {
        let mut v = paper_json();
        set(&mut v, "walkers", json!(200_000));
        set(&mut v, "seed", json!(1000 + seed));
        let e = mc(&v).summary;
        let l = e.diffusion_length_sites.unwrap();
        got.push([
            e.tau_pl_ps.unwrap(),
            e.d_avg_sites2_ps.unwrap(),
            l,
            e.t_max_ps.unwrap(),
        ]);
        err.push([
            e.tau_pl_stderr_ps.unwrap(),
            e.d_avg_stderr_sites2_ps.unwrap(),
            e.diffusion_length_stderr_sites.unwrap(),
            e.t_max_stderr_ps.unwrap(),
        ]);
    }
    for (k, name) in ["tau_PL/ps", "D_avg/sites^2/ps", "L/sites", "t_max/ps"]
        .iter()
        .enumerate()
    {
        let values: Vec<f64> = got.iter().map(|g| g[k]).collect();
        let s = spread(&values);
        let reported = err.iter().map(|e| e[k]).sum::<f64>() / seeds as f64;
        let ratio = reported / s;
        println!("{name}: spread over {seeds} seeds {s:.4e}, mean reported error {reported:.4e}, ratio {ratio:.2}; values {values:.4?}");
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{name}: reported error {reported:.3e} vs spread {s:.3e}"
        );
    }
}

#[test]
fn t_max_only_where_the_maximum_is_real() {
    // Fig. 2e's heated curves (dark -> bright 0.02 and 0.1) still rise at the end of the
    // run: no t_max, and the note says why. The 9 K curve falls back: t_max near 425 ps.
    let plan = Plan::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fig2e-heating.json"),
    )
    .unwrap();
    let mut rising = 0;
    for p in &plan.points {
        let mut s = p.scenario.clone();
        s.walkers = 200_000;
        let e = Engine::cpu(threads())
            .estimate(&s, p.index, &Progress::default())
            .unwrap();
        let db = s.states.to[1][0];
        println!(
            "dark->bright {db}: t_max {:?} +- {:?} note {:?}",
            e.summary.t_max_ps, e.summary.t_max_stderr_ps, e.summary.t_max_note
        );
        if db >= 0.02 {
            assert_eq!(e.summary.t_max_ps, None, "dark->bright {db} still rises");
            assert!(e
                .summary
                .t_max_note
                .as_deref()
                .is_some_and(|n| n.contains("rising") || n.contains("flat")));
            rising += 1;
        }
    }
    assert!(
        rising >= 2,
        "the scenario has two heated points with dark->bright >= 0.02"
    );
    let mut v = paper_json();
    set(&mut v, "walkers", json!(1_000_000));
    let e = mc(&v).summary;
    let (t, se) = (e.t_max_ps.unwrap(), e.t_max_stderr_ps.unwrap());
    println!("9 K: t_max {t:.1} +- {se:.1} ps");
    assert!(
        (t - 421.2).abs() < 5.0 * se.max(1.0),
        "t_max {t} +- {se} vs the exact 421.2 ps"
    );
}

#[test]
fn few_emissions_make_an_msd_unreliable_and_the_exact_backend_has_no_errors() {
    let mut v = paper_json();
    set(&mut v, "walkers", json!(50_000));
    let s = scenario(&v);
    let e = Engine::cpu(threads())
        .estimate(&s, 0, &Progress::default())
        .unwrap();
    let r = exciton_io::results::PointResult::new(&s, Default::default(), &e);
    let flagged: Vec<(f64, bool)> = r
        .emissions
        .iter()
        .zip(&r.msd_reliable)
        .map(|(&n, &ok)| (n, ok))
        .collect();
    assert!(
        flagged.iter().all(|&(n, ok)| ok == (n >= 100.0)),
        "{flagged:?}"
    );
    assert!(flagged.iter().any(|f| !f.1) && flagged.iter().any(|f| f.1));
    // Per-frame errors exist wherever the curve does.
    assert!(r
        .intensity_stderr
        .iter()
        .all(|e| e.is_some_and(|e| e > 0.0) || e.is_none()));
    assert!(r.intensity_stderr[0].is_some());
    let exact = Engine::Exact.estimate(&s, 0, &Progress::default()).unwrap();
    assert_eq!(exact.summary.tau_pl_stderr_ps, None);
    assert!(exact.curves.intensity_stderr.iter().all(Option::is_none));
}

#[test]
fn intensity_errors_agree_with_binomial_counting() {
    // With one outcome per frame and one state the occupancy intensity is p_rad x (a
    // binomial fraction of survivors): its jackknife error is the binomial one.
    let mut v = paper_json();
    set(&mut v, "walkers", json!(400_000));
    set(&mut v, "initial.populations", json!({ "bright": 1.0 }));
    set(
        &mut v,
        "states",
        json!({ "bright": { "radiative": 0.02, "fret": 0.05 } }),
    );
    let e = mc(&v);
    let n = 400_000.0;
    for t in [0usize, 20, 50, 100] {
        let alive = e.curves.populations[0][t];
        let want = 0.02 * (alive * (1.0 - alive) / n).sqrt();
        let got = e.curves.intensity_stderr[t].unwrap();
        println!("frame {t}: jackknife {got:.3e}, binomial {want:.3e}");
        if t == 0 {
            assert_eq!(got, 0.0, "every walker is alive at frame 0");
        } else {
            assert!((got / want - 1.0).abs() < 0.5, "frame {t}: {got} vs {want}");
        }
    }
}
