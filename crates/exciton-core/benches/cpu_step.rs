//! criterion benches of the CPU step loop (the walk kernel's CPU port on one thread) and
//! of the exact recursion, on the paper's 5 nm SL at 9 K.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use exciton_mc::backend::{Engine, Progress};
use exciton_mc::scenario::Scenario;
use std::path::Path;

fn paper() -> Scenario {
    Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/paper-5nm-9K.json"))
        .expect("shipped scenario loads")
}

fn cpu_step(c: &mut Criterion) {
    let mut s = paper();
    s.walkers = 1 << 15;
    let mut g = c.benchmark_group("cpu_step");
    g.throughput(Throughput::Elements(s.walkers * u64::from(s.frames)));
    g.sample_size(10);
    g.bench_function("paper-5nm-9K 2^15 walkers x 300 frames, 1 thread", |b| {
        b.iter(|| {
            Engine::cpu(1)
                .histograms(&s, 0, &Progress::default())
                .unwrap()
        })
    });
    g.finish();
}

fn exact(c: &mut Criterion) {
    let s = paper();
    c.bench_function("exact paper-5nm-9K 300 frames", |b| {
        b.iter(|| Engine::Exact.curves(&s, 0, &Progress::default()).unwrap())
    });
}

// No plots: criterion's plotters backend looks for system fonts, which a bare CI or
// device machine does not have (the numbers are in target/criterion and the output).
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = cpu_step, exact
}
criterion_main!(benches);
