//! The paper's qualitative claims, on the exact backend (no noise), from the shipped
//! figure scenarios; and Monte Carlo against exact over a whole sweep.

use crate::mc_vs_exact::check_agreement;
use exciton::engine::Engine;
use exciton_core::observables::summarise;
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use std::path::Path;

fn plan(name: &str) -> Plan {
    Plan::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

fn exact_msd(plan: &Plan, point: usize) -> Vec<f64> {
    let p = &plan.points[point];
    let c = Engine::Exact
        .curves(&p.scenario, p.index, &Progress::default())
        .unwrap();
    c.msd.iter().map(|m| m.unwrap()).collect()
}

#[test]
fn negative_diffusion_without_thermal_activation() {
    // Figure 2e bottom: 9 K, where detailed balance leaves dark->bright at ~2e-9 per
    // frame. MSD peaks within the first ns and has fallen below a quarter of its peak by
    // 4 ns.
    let plan = plan("fig2e-heating.json");
    assert_eq!(plan.points[0].parameters["temperature_K"], 9);
    assert!(plan.points[0].scenario.states.to[1][0] < 1e-8);
    let msd = exact_msd(&plan, 0);
    let (peak_t, peak) =
        msd.iter()
            .copied()
            .enumerate()
            .fold((0, 0.0), |a, (i, m)| if m > a.1 { (i, m) } else { a });
    let at_4ns = msd[160];
    println!("peak {peak:.4} sites^2 at frame {peak_t}, {at_4ns:.4} at 4 ns");
    assert!(peak_t * 25 < 1000, "peak at {} ps", peak_t * 25);
    assert!(at_4ns < peak / 4.0, "MSD at 4 ns {at_4ns} vs peak {peak}");
}

#[test]
fn monotonic_rise_at_the_top_of_the_heating_ramp() {
    // Figure 2e top: 80 K, dark->bright 0.051 per frame by detailed balance.
    let plan = plan("fig2e-heating.json");
    let last = plan.points.len() - 1;
    assert_eq!(plan.points[last].parameters["temperature_K"], 80);
    let db = plan.points[last].scenario.states.to[1][0];
    assert!((db - 0.051).abs() < 0.001, "dark->bright {db}");
    let msd = exact_msd(&plan, last);
    for t in 1..msd.len() {
        assert!(
            msd[t] > msd[t - 1],
            "MSD falls at frame {t}: {} -> {}",
            msd[t - 1],
            msd[t]
        );
    }
}

#[test]
fn t_max_grows_as_the_trap_rate_falls() {
    let plan = plan("fig3-traps.json");
    let mut rows = Vec::new();
    for p in &plan.points {
        let c = Engine::Exact
            .curves(&p.scenario, p.index, &Progress::default())
            .unwrap();
        let s = summarise(&c, &[], p.scenario.dt_ps);
        rows.push((
            p.parameters["states.free.to.trapped"].as_f64().unwrap(),
            s.t_max_ps,
        ));
    }
    println!("{rows:?}");
    rows.sort_by(|a, b| b.0.total_cmp(&a.0)); // trap rate falling
    let with_max: Vec<f64> = rows
        .iter()
        .filter(|r| r.0 > 0.0)
        .map(|r| r.1.expect("traps give a maximum"))
        .collect();
    assert!(with_max.len() >= 5);
    for w in with_max.windows(2) {
        assert!(
            w[1] > w[0],
            "t_max must grow as the trap rate falls: {with_max:?}"
        );
    }
    assert_eq!(rows.last().unwrap().1, None, "no traps, no maximum");
}

#[test]
fn monte_carlo_agrees_with_exact_over_a_six_point_sweep() {
    let plan = plan("fig2e-heating.json");
    assert!(plan.points.len() >= 6);
    let cpu = Engine::cpu(std::thread::available_parallelism().map_or(2, |n| n.get()));
    for p in &plan.points {
        let mc = cpu
            .curves(&p.scenario, p.index, &Progress::default())
            .unwrap();
        let ex = Engine::Exact
            .curves(&p.scenario, p.index, &Progress::default())
            .unwrap();
        let (compared, _) = check_agreement(&format!("fig2e point {}", p.index), &mc, &ex);
        assert!(
            compared >= 10,
            "point {}: {compared} frames compared",
            p.index
        );
    }
}
