//! The exact backend against closed forms, and the paper's numbers it must reproduce.

use crate::common::{paper_json, scenario, set};
use exciton_core::exact;
use exciton_core::model::WalkTables;
use exciton_core::observables::{summarise, tau_pl};
use serde_json::json;

fn exact_curves(
    v: &serde_json::Value,
) -> (
    exciton_core::scenario::Scenario,
    exciton_core::observables::Curves,
) {
    let s = scenario(v);
    let t = WalkTables::new(&s);
    let c = exact::curves(
        &t.effective_states(&s.states.names),
        &t.x_step_probabilities(),
        s.frames,
        s.walkers,
    );
    (s, c)
}

#[test]
fn single_state_has_the_closed_form() {
    // One state: MSD(t) = t p_hop <dx^2>_hop / (1 - p_rad), I(t) = p_rad (1 - p_rad)^t.
    let mut v = paper_json();
    set(
        &mut v,
        "states",
        json!({ "bright": { "radiative": 0.03, "fret": 0.09 } }),
    );
    set(&mut v, "initial.populations", json!({ "bright": 1.0 }));
    let (s, c) = exact_curves(&v);
    let t = WalkTables::new(&s);
    let eff = t.effective_states(&s.states.names);
    let (r, h) = (eff.radiative[0], eff.hop[0]);
    // The x-steps are the paper geometry's share of the hops: <dx^2>_hop = 5/9.
    let x = t.x_step_probabilities()[0];
    assert!((x / h - 5.0 / 9.0).abs() < 1e-8, "<dx^2>_hop = {}", x / h);
    for f in 0..s.frames as usize {
        let msd = f as f64 * x / (1.0 - r);
        let got = c.msd[f].unwrap();
        assert!(
            (got - msd).abs() <= 1e-12 * msd.max(1.0),
            "frame {f}: MSD {got} vs closed form {msd}"
        );
        let i = r * (1.0 - r).powi(f as i32);
        let got = c.intensity[f];
        assert!(
            (got - i).abs() <= 1e-12 * i,
            "frame {f}: I {got} vs closed form {i}"
        );
    }
    // Linear MSD: D_avg is the slope / 2, whatever the weights.
    let sum = summarise(&c, &[], s.dt_ps);
    let d = x / (1.0 - r) / (2.0 * s.dt_ps);
    let got = sum.d_avg_sites2_ps.unwrap();
    assert!((got - d).abs() < 1e-12 * d, "D_avg {got} vs slope/2 {d}");
    let cm2_s = exciton_core::observables::sites2_ps_to_cm2_s(got, s.pitch_nm);
    assert!((cm2_s - d * 49.0 * 1e-2).abs() < 1e-12);
    let l = (sum.tau_pl_ps.unwrap() * d).sqrt();
    assert!((sum.diffusion_length_sites.unwrap() - l).abs() < 1e-9);
    assert_eq!(sum.t_max_ps, None, "a monotonic MSD has no t_max");
}

#[test]
fn paper_5nm_9k_negative_diffusion() {
    // MODEL.md section 3: peak ~3.2 sites^2 at ~0.4 ns, then a plateau near 1/5 of it;
    // total-PL 1/e time 0.13 ns at 9 K.
    let (s, c) = exact_curves(&paper_json());
    let msd: Vec<f64> = c.msd.iter().map(|m| m.unwrap()).collect();
    let (peak_t, peak) =
        msd.iter()
            .copied()
            .enumerate()
            .fold((0, 0.0), |a, (i, m)| if m > a.1 { (i, m) } else { a });
    let last = *msd.last().unwrap();
    println!("peak {peak} at {} ps, last {last}", peak_t as f64 * s.dt_ps);
    assert!((peak - 3.2266649).abs() < 1e-6, "peak {peak}");
    assert_eq!(peak_t, 17, "peak at 425 ps");
    assert!(
        (last / peak - 0.1765).abs() < 1e-3,
        "plateau / peak = {}",
        last / peak
    );
    let sum = summarise(&c, &[], s.dt_ps);
    let tau = sum.tau_pl_ps.unwrap();
    assert!((tau - 130.4).abs() < 0.1, "tau_PL {tau}");
    // The largest frame is 425 ps; t_max is the vertex of the parabola fitted around it,
    // within half a frame of it (421 ps).
    let t_max = sum.t_max_ps.expect("the 9 K MSD has a real maximum");
    assert!((t_max - 425.0).abs() <= 12.5, "t_max {t_max}");
}

#[test]
fn tau_pl_interpolates_linearly() {
    // I(t) = 1 - t/10 (per frame): crosses 1/e at t = 10 (1 - 1/e) frames exactly.
    let i: Vec<f64> = (0..20).map(|t| (1.0 - t as f64 / 10.0).max(0.0)).collect();
    let tau = tau_pl(&i, 25.0).unwrap();
    let want = 10.0 * (1.0 - (-1.0f64).exp()) * 25.0;
    assert!((tau - want).abs() < 1e-9, "{tau} vs {want}");
    assert_eq!(tau_pl(&[1.0, 0.9, 0.8], 25.0), None, "never reaches 1/e");
}
