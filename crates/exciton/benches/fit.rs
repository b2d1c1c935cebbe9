//! Timings of issue 14's targets: one exact evaluation of the paper case with the full
//! profile through the microscope (300 frames), and a two-parameter fit to one dataset
//! (the example's MSD). `cargo bench --bench fit`.

use criterion::{criterion_group, criterion_main, Criterion};
use exciton::fit::Fit;
use exciton_core::microscope::observe;
use exciton_core::model::WalkTables;
use exciton_core::scenario::Scenario;
use std::path::Path;

fn paper_with_microscope() -> Scenario {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../../examples/fit-5nm-9K/scenario.json")).unwrap();
    v["microscope"] = serde_json::json!({"psf_fwhm_nm": 270.0, "pixel_nm": 40.0});
    Scenario::from_value(&v, Path::new("paper.json")).unwrap()
}

fn benches(c: &mut Criterion) {
    let s = paper_with_microscope();
    c.bench_function("exact paper case, 300 frames, curves + apparent MSD", |b| {
        b.iter(|| {
            let tables = WalkTables::new(&s);
            let curves = exciton_core::exact::curves_of(
                &tables,
                &s.states.names,
                s.frames,
                1,
                s.dt_ps,
                None,
            );
            observe(&s, 0, &curves).unwrap()
        })
    });
    c.bench_function("exact paper case, 300 frames, curves only", |b| {
        b.iter(|| {
            let tables = WalkTables::new(&s);
            exciton_core::exact::curves_of(&tables, &s.states.names, s.frames, 1, s.dt_ps, None)
        })
    });
    // The example with its MSD dataset only.
    let dir = std::env::temp_dir().join(format!("exciton-mc-bench-fit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["scenario.json", "msd.csv"] {
        std::fs::copy(
            Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/fit-5nm-9K"
            ))
            .join(f),
            dir.join(f),
        )
        .unwrap();
    }
    let fit_json = serde_json::json!({
        "scenario": "scenario.json",
        "datasets": [{"file": "msd.csv", "observable": "msd"}],
        "free": {"states.bright.fret": {"initial": 0.12, "min": 0.0, "max": 1.0},
                 "states.bright.to.dark": {"initial": 0.1, "min": 0.0, "max": 0.9}},
        "check_walkers": 0
    });
    std::fs::write(dir.join("fit.json"), fit_json.to_string()).unwrap();
    let fit = Fit::load(&dir.join("fit.json")).unwrap();
    c.bench_function("two-parameter fit to one MSD dataset (31 points)", |b| {
        b.iter(|| fit.run())
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = fit;
    config = Criterion::default().sample_size(10).without_plots();
    targets = benches
}
criterion_main!(fit);
