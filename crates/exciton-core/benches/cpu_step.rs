//! criterion benches of the CPU step loop (the walk kernel's CPU port on one thread) and
//! of the exact backend (per-frame recursion, and the continuous-time matrix
//! exponential), on the paper's 5 nm SL at 9 K.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use exciton_core::cpu::{run_point, Vector};
use exciton_core::exact;
use exciton_core::kernels::rng::point_key;
use exciton_core::model::{layout_for, WalkTables};
use exciton_core::progress::Progress;
use exciton_core::scenario::{Scenario, Units};
use std::path::Path;

fn paper() -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/paper-5nm-9K.json");
    Scenario::load(&root).expect("shipped scenario loads")
}

fn cpu_step(c: &mut Criterion) {
    let mut s = paper();
    s.walkers = 1 << 15;
    let tables = WalkTables::new(&s);
    let layout = layout_for(&s, &tables);
    let mut g = c.benchmark_group("cpu_step");
    g.throughput(Throughput::Elements(s.walkers * u64::from(s.frames)));
    g.sample_size(10);
    g.bench_function("paper-5nm-9K 2^15 walkers x 300 frames, 1 thread", |b| {
        b.iter(|| {
            let key = point_key(s.seed, 0);
            let progress = Progress::default();
            run_point(
                &tables,
                layout,
                key,
                0,
                s.walkers,
                1,
                Vector::detect(),
                &progress,
            )
            .unwrap()
        })
    });
    g.finish();
}

fn exact_curves(c: &mut Criterion) {
    let s = paper();
    let names = s.states.names.clone();
    let tables = WalkTables::new(&s);
    c.bench_function("exact paper-5nm-9K 300 frames", |b| {
        b.iter(|| exact::curves_of(&tables, &names, s.frames, s.walkers, s.dt_ps, None))
    });
    // The same states read as rates in ns^-1: one matrix exponential, then 300 products.
    let mut rates = s.clone();
    rates.units = Units::RatePerNs;
    let tables = WalkTables::new(&rates);
    c.bench_function("exact continuous time, 3 states, 300 frames", |b| {
        b.iter(|| exact::curves_of(&tables, &names, s.frames, s.walkers, s.dt_ps, None))
    });
}

// No plots: criterion's plotters backend looks for system fonts, which a bare CI or
// device machine does not have (the numbers are in target/criterion and the output).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = cpu_step, exact_curves
}
criterion_main!(benches);
