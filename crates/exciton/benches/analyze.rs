//! `analyze` of an image stack: 100 frames of 128 x 128 pixels (a spreading Gaussian
//! spot, 10^5 photons a frame, a background, noise-like values), analysed with a border
//! background, and reading it back from a 64-bit float TIFF. `cargo bench --bench analyze`.
//! The 512 x 512 x 400 figure of docs/PERFORMANCE.md is the command on a file.

use criterion::{criterion_group, criterion_main, Criterion};
use exciton::analyze::stack::{self, Stack};
use exciton::analyze::{analyze, Background, Options, TimeZero};
use std::path::PathBuf;

fn spot_stack(frames: usize, n: usize) -> Stack {
    let c = n as f64 / 2.0;
    let mut data = Vec::with_capacity(frames * n * n);
    // A cheap deterministic jitter stands in for shot noise: timing, not statistics.
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for t in 0..frames {
        let v = (3.0 + 0.02 * t as f64).powi(2);
        for k in 0..n * n {
            let (x, y) = ((k % n) as f64 - c, (k / n) as f64 - c);
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            let jitter = (h >> 40) as f64 / (1u64 << 24) as f64;
            let mean =
                1e5 / (2.0 * std::f64::consts::PI * v) * (-(x * x + y * y) / (2.0 * v)).exp();
            data.push((mean + 5.0 + 3.0 * jitter).round());
        }
    }
    stack::from_array(
        PathBuf::from("bench"),
        &[frames, n, n],
        data,
        Some(65535.0),
        None,
    )
    .unwrap()
}

fn benches(c: &mut Criterion) {
    let s = spot_stack(100, 128);
    let options = Options {
        pixel_nm: Some(100.0),
        frame_ps: Some(25.0),
        t0: TimeZero::Frame(0),
        background: Background::Border(4),
        ..Options::default()
    };
    c.bench_function("analyze 100 x 128 x 128, border background", |b| {
        b.iter(|| analyze(&s, &options).unwrap())
    });
    let file = std::env::temp_dir().join(format!("exciton-bench-{}.tif", std::process::id()));
    stack::write_tiff(&file, &s).unwrap();
    c.bench_function("read a 100 x 128 x 128 float64 TIFF", |b| {
        b.iter(|| stack::read(&file).unwrap())
    });
    std::fs::remove_file(&file).ok();
}

criterion_group! {
    name = analyze_benches;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(analyze_benches);
