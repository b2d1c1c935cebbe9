//! Numbers beyond the paper's case (issue 22): frame-binned curves in continuous time
//! against a reference integrated here, D_avg continuous in tau_PL, t_max that is not
//! fooled by noise, finite films, and runs too large for memory refused before they start.

use crate::common::{exe, paper_json, scenario, set, temp_dir, text};
use crate::continuous_time::{fast_hops, four_states_detrapping, issue_model_1};
use exciton::engine::Engine;
use exciton_core::model::WalkTables;
use exciton_core::observables::Estimate;
use exciton_core::progress::Progress;
use serde_json::{json, Value};

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn exact(v: &Value) -> Estimate {
    Engine::Exact
        .estimate(&scenario(v), 0, &Progress::default())
        .unwrap()
}

fn mc(v: &Value) -> Estimate {
    Engine::cpu(threads())
        .estimate(&scenario(v), 0, &Progress::default())
        .unwrap()
}

/// The binned reference of a rates scenario, integrated here by RK4 with 4000 substeps
/// per frame (not the backend's matrix exponential): per frame the photons per walker,
/// their mean dx^2 (MSD = that less frame 0's) and the photon rate at the frame's start.
fn binned_reference(v: &Value) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let s = scenario(v);
    let t = WalkTables::new(&s);
    let r = t.effective_states(&s.states.names);
    let hop_x = t.x_step_probabilities();
    let n = r.radiative.len();
    // y = (m0_s, m2_s, photons, photons' dx^2)
    let deriv = |y: &[f64]| {
        let mut d = vec![0.0; 2 * n + 2];
        for a in 0..n {
            let out = r.radiative[a] + r.nonradiative[a] + r.to[a].iter().sum::<f64>();
            d[a] -= out * y[a];
            d[n + a] += hop_x[a] * y[a] - out * y[n + a];
            for (b, &k) in r.to[a].iter().enumerate() {
                d[b] += k * y[a];
                d[n + b] += k * y[n + a];
            }
            d[2 * n] += r.radiative[a] * y[a];
            d[2 * n + 1] += r.radiative[a] * y[n + a];
        }
        d
    };
    let mut y = vec![0.0; 2 * n + 2];
    y[..n].copy_from_slice(&r.initial);
    let steps = 4000;
    let h = s.dt_ps * 1e-3 / steps as f64;
    let (mut photons, mut msd, mut start) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..s.frames {
        start.push((0..n).map(|a| r.radiative[a] * y[a]).sum::<f64>() * s.dt_ps * 1e-3);
        let (c0, m0) = (y[2 * n], y[2 * n + 1]);
        for _ in 0..steps {
            let add = |y: &[f64], k: &[f64], f: f64| -> Vec<f64> {
                y.iter().zip(k).map(|(a, b)| a + f * b).collect()
            };
            let k1 = deriv(&y);
            let k2 = deriv(&add(&y, &k1, h / 2.0));
            let k3 = deriv(&add(&y, &k2, h / 2.0));
            let k4 = deriv(&add(&y, &k3, h));
            for i in 0..y.len() {
                y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
        let p = y[2 * n] - c0;
        photons.push(p);
        msd.push((y[2 * n + 1] - m0) / p);
    }
    let first = msd[0];
    msd.iter_mut().for_each(|m| *m -= first);
    (photons, msd, start)
}

/// D_avg of MODEL.md section 6 written out here: a real window of 5 tau / dt frames.
fn d_avg_reference(photons: &[f64], msd: &[f64], start: &[f64], dt: f64) -> f64 {
    let target = start[0] / std::f64::consts::E;
    let k = start.iter().position(|&i| i <= target).unwrap();
    let tau = (k as f64 - 1.0 + (start[k - 1] - target) / (start[k - 1] - start[k])) * dt;
    let n = (5.0 * tau / dt).min((msd.len() - 1) as f64);
    let (mut num, mut den) = (0.0, 0.0);
    let mut i = 0;
    while (i as f64) < n {
        let w = (n - i as f64).min(1.0);
        num += w * (msd[i + 1] - msd[i]) / (2.0 * dt) * photons[i];
        den += w * photons[i];
        i += 1;
    }
    num / den
}

#[test]
fn rate_mode_curves_are_frame_binned_and_monte_carlo_agrees() {
    for (label, v) in [
        ("issue model 1", issue_model_1(400_000)),
        ("a hop every few ps", fast_hops(400_000)),
        ("four states, dt 100 ps", four_states_detrapping(400_000)),
    ] {
        let (photons, msd, start) = binned_reference(&v);
        let ex = exact(&v);
        let c = &ex.curves;
        let mut worst = 0.0f64;
        for t in 0..c.frames() {
            let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
            worst = worst.max(rel(c.intensity[t], photons[t]));
            worst = worst.max(rel(c.intensity_start[t], start[t]));
            if t > 0 {
                worst = worst.max(rel(c.msd_occupancy[t].unwrap(), msd[t]));
            }
        }
        let dt = scenario(&v).dt_ps;
        let d_ref = d_avg_reference(&photons, &msd, &start, dt);
        let d = ex.summary.d_avg_sites2_ps.unwrap();
        println!(
            "{label}: exact vs RK4 worst relative difference {worst:.2e}; D_avg {d:.6e} vs {d_ref:.6e} sites^2/ps"
        );
        assert!(worst < 1e-6, "{label}: curves differ by {worst:e}");
        assert!(
            (d - d_ref).abs() < 1e-6 * d_ref.abs(),
            "{label}: D_avg {d} vs {d_ref}"
        );
        let m = mc(&v);
        let (dm, se) = (
            m.summary.d_avg_sites2_ps.unwrap(),
            m.summary.d_avg_stderr_sites2_ps.unwrap(),
        );
        let z = (dm - d_ref) / se;
        println!("{label}: Monte Carlo D_avg {dm:.6e} +- {se:.2e}, z {z:.2}");
        assert!(z.abs() < 5.0, "{label}: Monte Carlo D_avg z = {z}");
        let mut worst_z = 0.0f64;
        for (t, want) in msd.iter().enumerate().skip(1) {
            if let (Some(a), Some(e)) =
                (m.curves.msd_occupancy[t], m.curves.msd_occupancy_stderr[t])
            {
                if m.curves.occupancy_walkers[t] >= 1000.0 && e > 0.0 {
                    worst_z = worst_z.max(((a - want) / e).abs());
                }
            }
        }
        println!("{label}: Monte Carlo binned MSD, largest |z| over frames {worst_z:.2}");
        assert!(worst_z < 5.0, "{label}: binned MSD |z| {worst_z}");
    }
}

#[test]
fn d_avg_is_continuous_in_tau_pl() {
    // The 9 K paper case with the bright state's radiative probability swept: first
    // coarsely to find where 5 tau / dt crosses a whole frame, then finely across it.
    let at = |rad: f64| {
        let mut v = paper_json();
        set(&mut v, "states.bright.radiative", json!(rad));
        let e = exact(&v).summary;
        (e.tau_pl_ps.unwrap(), e.d_avg_sites2_ps.unwrap())
    };
    let frames = |tau: f64| (5.0 * tau / 25.0).floor();
    let coarse: Vec<f64> = (0..60).map(|k| 0.026 + 1e-4 * k as f64).collect();
    let step = coarse
        .windows(2)
        .find(|w| frames(at(w[0]).0) != frames(at(w[1]).0))
        .expect("5 tau / dt crosses a whole frame between 0.026 and 0.032");
    let fine: Vec<(f64, f64)> = (0..=100)
        .map(|k| at(step[0] + (step[1] - step[0]) * k as f64 / 100.0))
        .collect();
    let crossed = fine
        .windows(2)
        .filter(|w| frames(w[0].0) != frames(w[1].0))
        .count();
    let worst = fine
        .windows(2)
        .map(|w| (w[1].1 - w[0].1).abs() / w[0].1)
        .fold(0.0, f64::max);
    println!(
        "radiative {:.4}..{:.4}: {crossed} whole-frame crossings of 5 tau / dt (tau {:.2}..{:.2} ps); largest neighbour change of D_avg {worst:.2e}",
        step[0], step[1], fine[0].0, fine[100].0
    );
    assert_eq!(crossed, 1, "the fine sweep crosses the step once");
    assert!(worst < 1e-4, "D_avg steps by {worst:e} between neighbours");
}

/// A curve flat in expectation: walkers hop in a state that does not emit until they
/// are trapped (half of them each frame), then emit from the trap without moving; the
/// trap's decay does not depend on when a walker arrived, so once the free state is
/// empty the emitters' mean dx^2 no longer changes.
fn flat(seed: u64, walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "seed", json!(seed));
    set(&mut v, "walkers", json!(walkers));
    set(&mut v, "frames", json!(80));
    set(
        &mut v,
        "initial",
        json!({ "sigma_sites": 0.0, "populations": { "free": 1.0 } }),
    );
    set(
        &mut v,
        "states",
        json!({
            "free": { "fret": 0.1, "to": { "trap": 0.5 } },
            "trap": { "radiative": 0.01 }
        }),
    );
    v
}

#[test]
fn t_max_is_rarely_reported_on_a_flat_curve() {
    let seeds = 300;
    let mut found = Vec::new();
    for seed in 0..seeds {
        let e = mc(&flat(5000 + seed, 20_000)).summary;
        if let Some(t) = e.t_max_ps {
            found.push((seed, t, e.t_max_stderr_ps));
        }
    }
    println!(
        "{} of {seeds} flat curves report a t_max: {found:?}",
        found.len()
    );
    assert!(
        found.len() as f64 <= 0.005 * seeds as f64,
        "false t_max in {} of {seeds} seeds (at most 0.5 %)",
        found.len()
    );
    // The exact backend: the curve is flat to rounding, without an interior maximum,
    // and the frames before any emitter leave the window intact.
    let ex = exact(&flat(1, 1000)).summary;
    assert_eq!(ex.t_max_ps, None, "{:?}", ex.t_max_note);
}

#[test]
fn exact_t_max_does_not_depend_on_the_walker_count() {
    let v = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/trap-model.json"),
    )
    .unwrap();
    let base: Value = serde_json::from_str(&v).unwrap();
    let mut got = Vec::new();
    for walkers in [1_000u64, 50_000, 1_000_000_000] {
        let mut v = base.clone();
        set(&mut v, "walkers", json!(walkers));
        if v.get("sweep").is_some() {
            v.as_object_mut().unwrap().remove("sweep");
        }
        let s = exact(&v).summary;
        println!(
            "walkers {walkers}: t_max {:?} ({:?})",
            s.t_max_ps, s.t_max_note
        );
        got.push(s.t_max_ps);
    }
    assert!(
        got[0].is_some(),
        "the trap model's expected MSD has an interior maximum"
    );
    assert!(got.iter().all(|t| *t == got[0]), "{got:?}");
}

#[test]
fn a_film_much_larger_than_the_walk_gives_the_unbounded_answer() {
    let mut v = paper_json();
    set(&mut v, "walkers", json!(200_000));
    set(&mut v, "temperature_K", json!(20.0));
    let free = mc(&v).summary;
    set(
        &mut v,
        "landscape",
        json!({ "size": [2000, 2000], "edges": "reflecting" }),
    );
    let film = mc(&v);
    let (a, ea) = (
        free.d_avg_sites2_ps.unwrap(),
        free.d_avg_stderr_sites2_ps.unwrap(),
    );
    let (b, eb) = (
        film.summary.d_avg_sites2_ps.unwrap(),
        film.summary.d_avg_stderr_sites2_ps.unwrap(),
    );
    let z = (a - b) / ea.hypot(eb);
    println!("unbounded D_avg {a:.4e} +- {ea:.1e}; 2000 x 2000 film {b:.4e} +- {eb:.1e}; z {z:.2}");
    assert!(z.abs() < 3.0, "z = {z}");
    assert!(eb <= 1.5 * ea, "the film's error {eb} vs unbounded {ea}");
    // The profile MSD (absolute positions) is reported beside it, and agrees on a film
    // this large within its (larger) error.
    let c = &film.curves;
    let t = 8;
    println!(
        "profile MSD frames {}, emissions at frame {t}: {}",
        c.msd_profile.len(),
        c.emissions[t]
    );
    let (p, ep) = (c.msd_profile[t].unwrap(), c.msd_profile_stderr[t].unwrap());
    let d = c.msd_occupancy[t].unwrap();
    println!("frame {t}: displacement MSD {d:.3}, profile MSD {p:.3} +- {ep:.3} sites^2");
    assert!(
        (p - d).abs() < 5.0 * ep,
        "profile {p} +- {ep} vs displacement {d}"
    );
}

#[test]
fn a_run_too_large_for_memory_is_refused_before_it_starts() {
    let dir = temp_dir("huge-run");
    let out = dir.join("out");
    let scen = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/paper-5nm-9K.json");
    let o = exe()
        .args([
            "run",
            scen.to_str().unwrap(),
            "--walkers",
            "1e15",
            "--backend",
            "cpu",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let t = text(&o);
    println!("{t}");
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("GiB of host memory"), "{t}");
    assert!(!t.contains("backtrace") && !t.contains("panicked"), "{t}");
    assert!(!out.exists(), "no output directory is left behind");
    let _ = std::fs::remove_dir_all(&dir);
}
