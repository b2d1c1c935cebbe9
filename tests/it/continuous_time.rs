//! Rates in ns^-1 mean the continuous-time chain, whatever the frame: the exact backend
//! (matrix exponential) against an event-by-event Gillespie simulation written here and
//! against itself at another dt; the Monte Carlo (uniformization) against the exact
//! backend frame by frame, with a hop every few ps, dt = 100 ps and detrapping.

use crate::common::{paper_json, scenario, set};
use crate::mc_vs_exact::check_agreement;
use exciton::engine::Engine;
use exciton_core::exact;
use exciton_core::model::{Clock, WalkTables};
use exciton_core::observables::Curves;
use exciton_core::progress::Progress;
use rand_core::Rng;
use serde_json::{json, Value};

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A rates scenario on the nn lattice (x-steps at half the hop rate), no initial spot.
fn rates(states: Value, initial: Value, dt_ps: f64, frames: u32, walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "units", json!("rate_per_ns"));
    set(&mut v, "lattice.geometry", json!("nn"));
    set(&mut v, "dt_ps", json!(dt_ps));
    set(&mut v, "frames", json!(frames));
    set(&mut v, "walkers", json!(walkers));
    set(
        &mut v,
        "initial",
        json!({ "sigma_sites": 0.0, "populations": initial }),
    );
    set(&mut v, "states", states);
    v
}

/// The issue's first model: bright 0.7 rad, FRET 4, ->dark 5, ->trap 0.5; dark 0.01 rad, ->bright 1.
pub fn issue_model_1(walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "units", json!("rate_per_ns"));
    set(&mut v, "walkers", json!(walkers));
    set(&mut v, "frames", json!(200));
    set(
        &mut v,
        "states",
        json!({
            "bright": { "radiative": 0.7, "fret": 4.0, "to": { "dark": 5.0, "trapped": 0.5 } },
            "dark": { "radiative": 0.01, "to": { "bright": 1.0 } },
            "trapped": { "radiative": 0.007 }
        }),
    );
    v
}

/// A hop every few ps: nn, FRET 30 per pair (120 ns^-1 of hops), so Lambda dt > 3.
pub fn fast_hops(walkers: u64) -> Value {
    rates(
        json!({
            "bright": { "radiative": 1.5, "nonradiative": 0.2, "fret": 30.0, "to": { "dark": 8.0 } },
            "dark": { "radiative": 0.02, "to": { "bright": 2.0 } }
        }),
        json!({ "bright": 0.5, "dark": 0.5 }),
        25.0,
        160,
        walkers,
    )
}

/// Four states with trapping and detrapping, at dt = 100 ps.
pub fn four_states_detrapping(walkers: u64) -> Value {
    rates(
        json!({
            "bright": { "radiative": 2.0, "fret": 3.0, "to": { "dark": 4.0, "trapped": 1.0 } },
            "dark": { "radiative": 0.05, "to": { "bright": 0.8 } },
            "trapped": { "radiative": 0.1, "nonradiative": 0.2, "to": { "bright": 0.6, "deep": 0.3 } },
            "deep": { "radiative": 0.01, "nonradiative": 0.05 }
        }),
        json!({ "bright": 0.7, "dark": 0.3 }),
        100.0,
        120,
        walkers,
    )
}

fn exact_of(v: &Value) -> Curves {
    Engine::Exact
        .curves(&scenario(v), 0, &Progress::default())
        .unwrap()
}

#[test]
fn rates_walk_in_continuous_time() {
    let t = WalkTables::new(&scenario(&fast_hops(1)));
    let Clock::Uniformized {
        lambda_per_ns,
        mean_per_frame,
    } = t.clock
    else {
        panic!("rate_per_ns must be uniformized, got {:?}", t.clock)
    };
    // Lambda is the bright state's total: 1.5 + 0.2 + 4 x 30 + 8.
    println!("Lambda {lambda_per_ns} /ns, {mean_per_frame} candidates per frame");
    assert!((lambda_per_ns - 129.7).abs() < 1e-9, "{lambda_per_ns}");
    assert!((mean_per_frame - 129.7 * 0.025).abs() < 1e-9);
    assert!(
        t.max_events_per_frame() > 10,
        "{}",
        t.max_events_per_frame()
    );
}

/// Event-by-event simulation of the chain (Gillespie): per frame the photons emitted in
/// it and their summed dx^2, and the walkers in each state at each frame start.
fn gillespie(v: &Value, walkers: u64, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
    let s = scenario(v);
    let st = &s.states;
    let n = st.len();
    let frames = s.frames as usize;
    let dt = s.dt_ps * 1e-3;
    let (mut photons, mut dx2) = (vec![0.0; frames], vec![0.0; frames]);
    let mut pops = vec![vec![0.0; frames]; n];
    let mut rng = rand_pcg::Pcg64::new(u128::from(seed) + 1, 0xda3e_39cb_94b9_5bdb);
    let mut uniform = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let x_rate: Vec<f64> = (0..n).map(|i| st.hop[i] * 0.5).collect(); // nn: half the hops move x
    for _ in 0..walkers {
        let mut u = uniform();
        let mut state = (0..n)
            .find(|&i| {
                u -= st.initial[i];
                u < 0.0
            })
            .unwrap_or(n - 1);
        let (mut time, mut x) = (0.0f64, 0i64);
        let mut frame = 0usize;
        loop {
            let out =
                st.radiative[state] + st.nonradiative[state] + st.to[state].iter().sum::<f64>();
            let total = out + x_rate[state];
            let wait = if total > 0.0 {
                -uniform().ln() / total
            } else {
                f64::INFINITY
            };
            // The walker is in `state` at every frame start before its next event.
            while frame < frames && (frame as f64) * dt <= time + wait {
                if (frame as f64) * dt >= time {
                    pops[state][frame] += 1.0;
                }
                frame += 1;
            }
            time += wait;
            if frame >= frames && time >= frames as f64 * dt {
                break;
            }
            let mut pick = uniform() * total;
            let bin = (time / dt) as usize;
            pick -= st.radiative[state];
            if pick < 0.0 {
                if bin < frames {
                    photons[bin] += 1.0;
                    dx2[bin] += (x * x) as f64;
                }
                break;
            }
            pick -= st.nonradiative[state];
            if pick < 0.0 {
                break;
            }
            pick -= x_rate[state];
            if pick < 0.0 {
                x += if uniform() < 0.5 { 1 } else { -1 };
                continue;
            }
            for (to, k) in st.to[state].iter().enumerate() {
                pick -= k;
                if pick < 0.0 {
                    state = to;
                    break;
                }
            }
        }
    }
    (photons, dx2, pops)
}

#[test]
fn exact_continuous_time_matches_an_event_by_event_simulation() {
    let walkers = 400_000u64;
    for (label, v) in [
        ("fast hops", fast_hops(1)),
        (
            "four states, detrapping, dt 100 ps",
            four_states_detrapping(1),
        ),
    ] {
        let mut v = v;
        set(&mut v, "frames", json!(60));
        let ex = exact_of(&v);
        let (photons, dx2, pops) = gillespie(&v, walkers, 7);
        let w = walkers as f64;
        let mut worst = 0.0f64;
        for t in 0..60 {
            let p = ex.emissions[t]; // expected photons per walker (exact ran 1 walker)
            let se = (p * (1.0 - p) / w).sqrt();
            let z = (photons[t] / w - p) / se;
            worst = worst.max(z.abs());
            assert!(
                z.abs() < 5.0,
                "{label}: photons frame {t}: gillespie {} exact {p} z {z:.2}",
                photons[t] / w
            );
            if photons[t] > 2000.0 {
                // MSD(t) = E[dx^2](t) - E[dx^2](frame 0), as the engine reports it.
                let msd = dx2[t] / photons[t] - dx2[0] / photons[0];
                let want = ex.msd[t].unwrap();
                // dx^2 of a photon: its spread is ~ sqrt(2) x its mean for a Gaussian-like x.
                let z = (msd - want) / (want.max(1e-9) * (2.0 / photons[t]).sqrt());
                worst = worst.max(z.abs());
                assert!(
                    z.abs() < 5.0,
                    "{label}: MSD frame {t}: gillespie {msd} exact {want} z {z:.2}"
                );
            }
            for (s, pop) in pops.iter().enumerate() {
                let p = ex.populations[s][t];
                let se = (p * (1.0 - p) / w).sqrt().max(1e-12);
                let z = (pop[t] / w - p) / se;
                worst = worst.max(z.abs());
                assert!(
                    z.abs() < 5.0,
                    "{label}: population {s} frame {t}: gillespie {} exact {p} z {z:.2}",
                    pop[t] / w
                );
            }
        }
        println!("{label}: exact vs Gillespie ({walkers} walkers), worst |z| {worst:.2}");
    }
}

#[test]
fn exact_continuous_time_does_not_depend_on_dt() {
    // The same chain seen through 25 ps and 5 ps frames: populations agree at common
    // times, and a 25 ps frame's photons are the sum of its five 5 ps frames'.
    let coarse = issue_model_1(1);
    let mut fine = coarse.clone();
    set(&mut fine, "dt_ps", json!(5.0));
    set(&mut fine, "frames", json!(1000));
    let (a, b) = (exact_of(&coarse), exact_of(&fine));
    for t in 0..200 {
        for s in 0..a.populations.len() {
            let (x, y) = (a.populations[s][t], b.populations[s][5 * t]);
            assert!(
                (x - y).abs() < 1e-12,
                "population {s} at {} ps: {x} vs {y}",
                25 * t
            );
        }
        let summed: f64 = b.emissions[5 * t..5 * t + 5].iter().sum();
        assert!(
            (a.emissions[t] - summed).abs() < 1e-12 * summed.max(1.0),
            "frame {t}: {} vs {summed}",
            a.emissions[t]
        );
    }
}

#[test]
fn monte_carlo_in_rates_agrees_with_exact_frame_by_frame() {
    for (label, v) in [
        ("issue model 1", issue_model_1(1_000_000)),
        ("a hop every few ps", fast_hops(1_000_000)),
        (
            "four states, detrapping, dt 100 ps",
            four_states_detrapping(1_000_000),
        ),
    ] {
        let s = scenario(&v);
        let mc = Engine::cpu(threads())
            .curves(&s, 0, &Progress::default())
            .unwrap();
        let t = WalkTables::new(&s);
        let ex = exact::curves_of(&t, &s.states.names, s.frames, s.walkers, s.dt_ps, None);
        let (compared, worst) = check_agreement(label, &mc, &ex);
        assert!(
            compared >= 20,
            "{label}: MSD compared at only {compared} frames"
        );
        println!("{label}: {compared} MSD frames, worst |z| {worst:.2}");
    }
}

#[test]
fn a_frame_too_long_for_its_rates_is_refused_with_the_fix() {
    use exciton_core::error::ScenarioErrorKind;
    // 4 x 3000 ns^-1 of hops in a 25 ps frame: ~300 events a frame.
    let mut v = fast_hops(1);
    set(&mut v, "states.bright.fret", json!(3000.0));
    let e = exciton_core::scenario::Scenario::from_value(&v, std::path::Path::new("t.json"))
        .expect_err("too many events per frame");
    println!("{e}");
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ScenarioErrorKind::OutOfRange, "dt_ps")
    );
    assert!(e.reason.contains("use dt_ps of at most"), "{e}");
    // Fine per frame, but 5000 frames of up to ~20 events could carry a walker past
    // the 32-bit displacement squares.
    let mut v = fast_hops(1);
    set(&mut v, "frames", json!(5000));
    let e = exciton_core::scenario::Scenario::from_value(&v, std::path::Path::new("t.json"))
        .expect_err("too far");
    println!("{e}");
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ScenarioErrorKind::OutOfRange, "frames")
    );
    // The old conversion stays reachable by its own name, and is one outcome per frame.
    let mut v = fast_hops(1);
    set(&mut v, "units", json!("rate_per_ns_competing_risks"));
    let t = WalkTables::new(&scenario(&v));
    assert_eq!(t.clock, Clock::Frames);
}
