//! Sweeps: expansion, order, per-point validation and errors.

use crate::common::{paper_json, set};
use exciton_core::sweep::Plan;
use serde_json::{json, Value};
use std::path::Path;

fn with_sweep(sweep: Value) -> Value {
    let mut v = paper_json();
    set(&mut v, "sweep", sweep);
    v
}

#[test]
fn product_takes_every_combination_first_path_slowest() {
    let v = with_sweep(json!({ "mode": "product", "parameters": {
        "temperature_K": [10, 20, 30], "states.bright.fret": [0.05, 0.1] } }));
    let plan = Plan::from_value(&v, Path::new("s.json")).unwrap();
    assert_eq!(plan.points.len(), 6);
    let got: Vec<(f64, f64)> = plan
        .points
        .iter()
        .map(|p| {
            (
                p.scenario.temperature_k.unwrap(),
                p.scenario.states.hop[0] / 4.5,
            )
        })
        .collect();
    let want = [
        (10.0, 0.05),
        (10.0, 0.1),
        (20.0, 0.05),
        (20.0, 0.1),
        (30.0, 0.05),
        (30.0, 0.1),
    ];
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.0 - w.0).abs() < 1e-12 && (g.1 - w.1).abs() < 1e-12,
            "{got:?}"
        );
    }
    assert!(plan
        .points
        .iter()
        .enumerate()
        .all(|(i, p)| p.index == i as u64));
}

#[test]
fn zip_walks_side_by_side_and_checks_lengths() {
    let v = with_sweep(json!({ "mode": "zip", "parameters": {
        "walkers": [10, 20], "seed": [5, 6] } }));
    let plan = Plan::from_value(&v, Path::new("s.json")).unwrap();
    assert_eq!(plan.points.len(), 2);
    assert_eq!(
        (
            plan.points[1].scenario.walkers,
            plan.points[1].scenario.seed
        ),
        (20, 6)
    );
    let v =
        with_sweep(json!({ "mode": "zip", "parameters": { "walkers": [10, 20], "seed": [5] } }));
    let e = Plan::from_value(&v, Path::new("s.json")).unwrap_err();
    assert_eq!(e.path, "sweep.parameters.seed");
    assert!(e.reason.contains("equal length"), "{e}");
}

#[test]
fn a_bad_value_names_the_point() {
    let v = with_sweep(
        json!({ "mode": "product", "parameters": { "states.bright.to.dark": [0.1, 0.9] } }),
    );
    let e = Plan::from_value(&v, Path::new("s.json")).unwrap_err();
    println!("{e}");
    assert_eq!(e.path, "states.bright");
    assert!(
        e.reason
            .contains("sweep point 1: states.bright.to.dark = 0.9"),
        "{e}"
    );
}

#[test]
fn sweep_spec_errors() {
    for (sweep, path, reason) in [
        (
            json!({ "mode": "grid", "parameters": {} }),
            "sweep.mode",
            "unknown variant",
        ),
        (
            json!({ "mode": "zip", "parameters": {} }),
            "sweep.parameters",
            "at least one",
        ),
        (
            json!({ "mode": "zip", "parameters": { "seed": [] } }),
            "sweep.parameters.seed",
            "empty",
        ),
        (
            json!({ "mode": "zip", "parameters": { "name.first": ["x"] } }),
            "sweep.parameters.name.first",
            "not an object",
        ),
        (
            json!({ "mode": "zip", "parameters": { "seed": [1], "extra": 2 } }),
            "sweep.parameters.extra",
            "invalid type",
        ),
    ] {
        let e = Plan::from_value(&with_sweep(sweep), Path::new("s.json")).unwrap_err();
        println!("{e}");
        assert_eq!(e.path, path, "{e}");
        assert!(e.reason.contains(reason), "{e}");
    }
}

#[test]
fn points_draw_independent_streams() {
    let v = with_sweep(json!({ "mode": "zip", "parameters": { "walkers": [3000, 3000] } }));
    let plan = Plan::from_value(&v, Path::new("s.json")).unwrap();
    let cpu = exciton::engine::Engine::cpu(2);
    let progress = exciton_core::progress::Progress::default();
    let a = cpu
        .point_histograms(&plan.points[0].scenario, plan.points[0].index, &progress)
        .unwrap();
    let b = cpu
        .point_histograms(&plan.points[1].scenario, plan.points[1].index, &progress)
        .unwrap();
    assert!(
        a != b,
        "two points of one sweep must not repeat each other's walkers"
    );
}
