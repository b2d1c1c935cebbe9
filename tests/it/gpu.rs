//! GPU kernels against the CPU reference, bit for bit. Without an adapter these tests say
//! loudly that they skipped; with EXCITON_MC_REQUIRE_GPU=1 (or CI=true) they fail.

use crate::common::{paper_json, scenario, set};
use crate::mc_vs_exact::{bright_dark, rates_nn, six_states, trap_model};
use exciton_mc::backend::{Engine, Progress};
use exciton_mc::gpu::{GpuContext, REQUIRE_GPU_ENV};
use exciton_mc::kernels::rng_probe::{rng_probe_cpu, rng_probe_gpu};
use rand_core::Rng;
use serde_json::{json, Value};

fn gpu_required() -> bool {
    std::env::var(REQUIRE_GPU_ENV).is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The GPU engine, or `None` after a loud skip message (a panic when a GPU is required).
pub fn gpu_engine() -> Option<Engine> {
    match Engine::gpu(None) {
        Ok(e) => {
            println!("GPU: {}", e.device());
            Some(e)
        }
        Err(e) if gpu_required() => panic!("{REQUIRE_GPU_ENV}=1 or CI=true, but no GPU: {e}"),
        Err(e) => {
            eprintln!(
                "SKIPPED: no GPU adapter ({e}); set {REQUIRE_GPU_ENV}=1 to make this a failure"
            );
            None
        }
    }
}

fn bit_identical(label: &str, v: &Value, engine: &Engine) {
    let s = scenario(v);
    let cpu = Engine::cpu(2)
        .histograms(&s, 3, &Progress::default())
        .unwrap();
    let gpu = engine.histograms(&s, 3, &Progress::default()).unwrap();
    let differing = cpu
        .counts
        .iter()
        .zip(&gpu.counts)
        .filter(|(a, b)| a != b)
        .count();
    let total: u64 = cpu.counts.iter().sum();
    println!(
        "{label}: {} counters, {total} counts, {differing} differ",
        cpu.counts.len()
    );
    if let Some(i) = cpu.counts.iter().zip(&gpu.counts).position(|(a, b)| a != b) {
        panic!("{label}: GPU histograms differ from the CPU reference at counter {i}: cpu {} gpu {} ({differing} counters differ)", cpu.counts[i], gpu.counts[i]);
    }
    assert!(total > s.walkers, "{label}: histograms are not empty");
}

fn with_walkers(mut v: Value, walkers: u64) -> Value {
    set(&mut v, "walkers", json!(walkers));
    v
}

#[test]
fn pcg32_in_wgsl_equals_rand_pcg() {
    let Some(_) = gpu_engine() else { return };
    let ctx = GpuContext::new(None).unwrap();
    let seeds = [
        (0u64, 0u64),
        (42, 54),
        (u64::MAX, u64::MAX),
        (0xdead_beef_0123_4567, 7),
        (1 << 63, 1 << 62),
    ];
    let draws = 64;
    let gpu = rng_probe_gpu(&ctx, &seeds, draws).unwrap();
    assert_eq!(
        gpu,
        rng_probe_cpu(&seeds, draws),
        "WGSL PCG32/SplitMix64 differ from src/rng.rs"
    );
    for (i, &(state, stream)) in seeds.iter().enumerate() {
        let mut reference = rand_pcg::Pcg32::new(state, stream);
        let row = &gpu[i * (draws as usize + 2)..][..draws as usize];
        let want: Vec<u32> = (0..draws).map(|_| reference.next_u32()).collect();
        assert_eq!(row, &want[..], "seed ({state}, {stream})");
    }
}

#[test]
fn bright_dark_is_bit_identical() {
    let Some(gpu) = gpu_engine() else { return };
    bit_identical("bright/dark", &with_walkers(bright_dark(), 100_003), &gpu);
}

#[test]
fn trap_model_is_bit_identical() {
    let Some(gpu) = gpu_engine() else { return };
    bit_identical("trap model", &with_walkers(trap_model(), 50_001), &gpu);
}

#[test]
fn rates_nn_is_bit_identical() {
    let Some(gpu) = gpu_engine() else { return };
    bit_identical("rates + nn", &with_walkers(rates_nn(), 60_000), &gpu);
}

#[test]
fn six_states_in_several_batches_and_read_backs_is_bit_identical() {
    // 5 dispatches of 9_999 walkers (not a multiple of 64) and a read-back into the u64
    // totals every 2 dispatches: the result must not depend on the cut.
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(9_999).with_flush_every(20_000);
    bit_identical(
        "six states, batched",
        &with_walkers(six_states(), 49_995),
        &gpu,
    );
}

#[test]
fn narrow_histogram_overflow_is_bit_identical() {
    let Some(gpu) = gpu_engine() else { return };
    let mut v = with_walkers(paper_json(), 20_000);
    set(&mut v, "histogram.max_dx_sites", json!(2));
    set(&mut v, "initial.sigma_sites", json!(3.5));
    bit_identical("overflow bins", &v, &gpu);
}

#[test]
fn auto_takes_a_hardware_gpu_or_says_why_it_took_the_cpu() {
    use exciton_mc::backend::BackendKind;
    let (engine, why) = Engine::open(BackendKind::Auto, None, 2).unwrap();
    println!("{why}");
    assert!(
        why.starts_with("backend auto:"),
        "auto must say what it chose: {why:?}"
    );
    match engine.kind() {
        BackendKind::Gpu => assert!(why.contains("using the GPU"), "{why}"),
        BackendKind::Cpu => assert!(why.contains("using the CPU"), "{why}"),
        other => panic!("auto resolved to {other:?}"),
    }
    // A software device is taken by auto only when asked for by name.
    if let Some(gpu) = gpu_engine() {
        if gpu.device().contains("llvmpipe") {
            assert_eq!(
                engine.kind(),
                BackendKind::Cpu,
                "auto must not pick a software device unasked"
            );
            let (named, _) = Engine::open(BackendKind::Auto, Some("llvmpipe"), 2).unwrap();
            assert_eq!(named.kind(), BackendKind::Gpu);
        }
    }
}

#[test]
fn walker_indices_across_the_32_bit_carry_and_at_1e12_are_bit_identical() {
    // The GPU keeps walker indices as two u32: batches that straddle 2^32, and walkers
    // near 10^12 (the largest runs we promise), must draw the CPU's streams.
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(700);
    let s = scenario(&with_walkers(paper_json(), 1));
    let cpu = Engine::cpu(2);
    let p = Progress::default();
    for first in [(1u64 << 32) - 1000, 1_000_000_000_000, u64::MAX / 2 - 1500] {
        let a = cpu.histograms_of(&s, 5, first, 3000, &p).unwrap();
        let b = gpu.histograms_of(&s, 5, first, 3000, &p).unwrap();
        assert!(
            a == b,
            "walkers {first}..{}: GPU differs from CPU",
            first + 3000
        );
    }
}
