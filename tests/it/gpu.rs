//! GPU kernels against the CPU reference, bit for bit. Without an adapter these tests say
//! loudly that they skipped; with EXCITON_MC_REQUIRE_GPU=1 (or CI=true) they fail.

use crate::common::REQUIRE_GPU_ENV;
use crate::common::{paper_json, scenario, set};
use crate::mc_vs_exact::{bright_dark, rates_nn, six_states, trap_model};
use exciton::engine::{Engine, EngineOptions};
use exciton_core::histogram::Histograms;
use exciton_core::histogram::MOMENTS;
use exciton_core::kernels::rng_probe::rng_probe_cpu;
use exciton_core::progress::Progress;
use exciton_gpu::rng_probe::rng_probe_gpu;
use exciton_gpu::GpuContext;
use rand_core::Rng;
use serde_json::{json, Value};

fn gpu_required() -> bool {
    std::env::var(REQUIRE_GPU_ENV).is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The GPU engine, or `None` after a loud skip message (a panic when a GPU is required).
pub fn gpu_engine() -> Option<Engine> {
    match Engine::gpu(&Default::default()) {
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

/// The GPU's counters and occupancy moments equal the CPU reference's, with the
/// device's own generator and with the pairs one (rng.wgsl).
fn bit_identical(label: &str, v: &Value, engine: &Engine) {
    let s = scenario(v);
    let cpu = Engine::cpu(2)
        .point_histograms(&s, 3, &Progress::default())
        .unwrap();
    let gpu = engine
        .point_histograms(&s, 3, &Progress::default())
        .unwrap();
    compare(
        &format!("{label}, {} generator", engine.generator()),
        &cpu,
        &gpu,
    );
    if engine.generator() == "u64" {
        let pairs = Engine::gpu_with_pairs_rng(&Default::default()).unwrap();
        let gpu = pairs.point_histograms(&s, 3, &Progress::default()).unwrap();
        compare(&format!("{label}, pairs generator"), &cpu, &gpu);
    }
    let emitted: u64 = (0..s.frames as usize)
        .map(|t| cpu.emission(t).iter().sum::<u64>())
        .sum();
    assert!(emitted > 0, "{label}: no emission recorded");
    assert!(
        cpu.alive_walker_frames() > s.walkers,
        "{label}: occupancy moments are empty"
    );
}

fn compare(label: &str, cpu: &Histograms, gpu: &Histograms) {
    let first_difference = |a: &[i64], b: &[i64]| a.iter().zip(b).position(|(x, y)| x != y);
    let cpu_counts: Vec<i64> = cpu.counts.iter().map(|&c| c as i64).collect();
    let gpu_counts: Vec<i64> = gpu.counts.iter().map(|&c| c as i64).collect();
    let differing = cpu_counts
        .iter()
        .zip(&gpu_counts)
        .filter(|(a, b)| a != b)
        .count();
    println!(
        "{label}: {} counters, {} moments, {} alive walker-frames, {differing} counters differ",
        cpu.counts.len(),
        cpu.moments.len(),
        cpu.alive_walker_frames()
    );
    if let Some(i) = first_difference(&cpu_counts, &gpu_counts) {
        panic!("{label}: GPU counters differ from the CPU reference at counter {i}: cpu {} gpu {} ({differing} differ)", cpu.counts[i], gpu.counts[i]);
    }
    if let Some(i) = first_difference(&cpu.moments, &gpu.moments) {
        let states = cpu.layout.states as usize;
        // MOMENTS per (frame, state) cell, in this order.
        const NAMES: [&str; MOMENTS] =
            ["n", "sum dx", "sum dx^2", "sum dy", "sum dy^2", "sum level"];
        let (cell, k) = (i / MOMENTS, NAMES[i % MOMENTS]);
        panic!(
            "{label}: GPU occupancy moments differ at frame {} state {} moment {k}: cpu {} gpu {}",
            cell / states,
            cell % states,
            cpu.moments[i],
            gpu.moments[i]
        );
    }
}

fn with_walkers(mut v: Value, walkers: u64) -> Value {
    set(&mut v, "walkers", json!(walkers));
    v
}

#[test]
fn pcg32_in_wgsl_equals_rand_pcg() {
    let Some(_) = gpu_engine() else { return };
    let ctx = GpuContext::new(None, Default::default()).unwrap();
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
        "WGSL PCG32/SplitMix64 differ from kernels/rng.rs"
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
fn passes_of_either_shape_are_bit_identical() {
    // A hardware GPU's passes walk every frame that has an event (WHOLE_PASSES), a
    // software device's only the first and start the next pass after it: the device
    // picks one, so both are held to the CPU here, on per-frame probabilities (where
    // the shapes differ) with hops, state changes, traps and a landscape.
    for whole in [true, false] {
        let Some(gpu) = gpu_engine() else { return };
        let gpu = gpu.with_whole_passes(whole).with_batch(20_000);
        let label = |what: &str| format!("{what}, whole passes {whole}");
        bit_identical(
            &label("bright/dark"),
            &with_walkers(bright_dark(), 40_001),
            &gpu,
        );
        bit_identical(
            &label("trap model"),
            &with_walkers(trap_model(), 20_000),
            &gpu,
        );
        let mut v = with_walkers(paper_json(), 20_000);
        set(&mut v, "temperature_K", json!(40.0));
        set(
            &mut v,
            "landscape",
            json!({ "seed": 3, "energy_sigma_meV": 12.0, "void_fraction": 0.2, "size": [15, 15], "edges": "absorbing" }),
        );
        bit_identical(&label("landscape, absorbing 15 x 15"), &v, &gpu);
    }
}

#[test]
fn curves_scalars_and_errors_are_bit_identical() {
    // The walker blocks' sums are exact integers, so the CPU (sums of thread batches)
    // and the GPU (sums of block histograms) give the same estimate bit for bit.
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(5_000);
    for (label, v) in [
        ("bright/dark", with_walkers(bright_dark(), 40_000)),
        ("continuous time", crate::continuous_time::fast_hops(20_000)),
    ] {
        let s = scenario(&v);
        let cpu = Engine::cpu(2)
            .estimate(&s, 2, &Progress::default())
            .unwrap();
        let on_gpu = gpu.estimate(&s, 2, &Progress::default()).unwrap();
        println!(
            "{label}: tau_PL {:?} +- {:?}",
            cpu.summary.tau_pl_ps, cpu.summary.tau_pl_stderr_ps
        );
        assert!(cpu.summary.tau_pl_stderr_ps.is_some(), "{label}: no errors");
        assert_eq!(
            cpu, on_gpu,
            "{label}: the GPU's estimate differs from the CPU's"
        );
    }
}

#[test]
fn continuous_time_is_bit_identical() {
    // Uniformization: a Poisson number of events per frame, 3.2 on average with hops
    // every few ps, and at dt = 100 ps with detrapping; also with the occupancy profile
    // (its one-frame-at-a-time loop) and across read-backs.
    use crate::continuous_time::{fast_hops, four_states_detrapping};
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(7_777).with_flush_every(20_000);
    bit_identical("a hop every few ps", &fast_hops(40_000), &gpu);
    bit_identical(
        "four states, dt 100 ps",
        &four_states_detrapping(30_001),
        &gpu,
    );
    let mut v = fast_hops(9_000);
    set(
        &mut v,
        "histogram",
        json!({ "max_dx_sites": 12, "occupancy_profile": true }),
    );
    set(&mut v, "record_profiles", json!(true));
    bit_identical("continuous time, narrow histogram, profiles", &v, &gpu);
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
fn narrow_histogram_overflow_and_occupancy_profile_are_bit_identical() {
    let Some(gpu) = gpu_engine() else { return };
    let mut v = with_walkers(paper_json(), 20_000);
    set(&mut v, "histogram.max_dx_sites", json!(2));
    set(&mut v, "histogram.occupancy_profile", json!(true));
    set(&mut v, "initial.sigma_sites", json!(3.5));
    set(&mut v, "record_profiles", json!(true));
    bit_identical("overflow bins and profile", &v, &gpu);
}

#[test]
fn long_runs_cross_workgroup_memory_chunks_bit_identically() {
    // 16 states leave 47 frames per chunk of workgroup memory: 400 frames take nine
    // chunks, and walkers change state, step and die across chunk boundaries.
    let Some(gpu) = gpu_engine() else { return };
    let mut v = with_walkers(six_states(), 5_000);
    let names: Vec<String> = (0..16).map(|i| format!("s{i}")).collect();
    let mut states = serde_json::Map::new();
    for (i, n) in names.iter().enumerate() {
        let next = &names[(i + 1) % 16];
        states.insert(
            n.clone(),
            json!({ "radiative": 0.002, "nonradiative": 0.001, "fret": 0.1, "to": { next: 0.05 } }),
        );
    }
    set(&mut v, "states", Value::Object(states));
    set(
        &mut v,
        "initial.populations",
        json!({ "s0": 0.5, "s7": 0.5 }),
    );
    set(&mut v, "frames", json!(400));
    bit_identical("16 states, 400 frames", &v, &gpu);
}

#[test]
fn a_sweep_in_shared_dispatches_equals_its_points_one_by_one() {
    // Points with different frames, states and spot sizes, with and without the
    // absolute emission rows, packed into the same dispatches (segments of several
    // points per dispatch, a point cut across two).
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(30_000);
    let mut scenarios = Vec::new();
    for (i, (frames, sigma)) in [(300, 10.0), (120, 2.0), (300, 4.0), (50, 10.0)]
        .iter()
        .enumerate()
    {
        let mut v = with_walkers(
            if i % 2 == 0 {
                paper_json()
            } else {
                trap_model()
            },
            12_345 + i as u64,
        );
        set(&mut v, "frames", json!(frames));
        set(&mut v, "initial.sigma_sites", json!(sigma));
        set(&mut v, "record_profiles", json!(i < 2));
        scenarios.push(scenario(&v));
    }
    let points: Vec<_> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| (s, i as u64))
        .collect();
    let p = Progress::default();
    let many = gpu.points_histograms(&points, &p).unwrap();
    let cpu = Engine::cpu(2);
    for ((s, i), h) in points.iter().zip(&many) {
        compare(
            &format!("sweep point {i}"),
            &cpu.point_histograms(s, *i, &p).unwrap(),
            h,
        );
    }
}

#[test]
fn auto_takes_a_hardware_gpu_or_says_why_it_took_the_cpu() {
    use exciton_core::backend::BackendKind;
    let (engine, why) = Engine::open(
        BackendKind::Auto,
        &EngineOptions {
            threads: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
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
            let (named, _) = Engine::open(
                BackendKind::Auto,
                &EngineOptions {
                    adapter: Some("llvmpipe".into()),
                    threads: Some(2),
                    ..Default::default()
                },
            )
            .unwrap();
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
        let a = cpu.walker_range(&s, 5, first, 3000, &p).unwrap();
        let b = gpu.walker_range(&s, 5, first, 3000, &p).unwrap();
        assert!(
            a == b,
            "walkers {first}..{}: GPU differs from CPU",
            first + 3000
        );
    }
}

#[test]
fn landscapes_are_bit_identical_across_batches() {
    // Energies, voids and every kind of edge, in both clocks, cut into dispatches and
    // read-backs: the site hash, the level search, the acceptance from the draw's place
    // in its share and the start's retries must decide alike on both.
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(9_999).with_flush_every(20_000);
    let mut v = with_walkers(paper_json(), 29_997);
    set(&mut v, "temperature_K", json!(40.0));
    set(
        &mut v,
        "landscape",
        json!({ "seed": 7, "energy_sigma_meV": 12.0, "void_fraction": 0.3 }),
    );
    bit_identical("landscape, unbounded", &v, &gpu);
    set(
        &mut v,
        "landscape",
        json!({ "seed": 8, "energy_sigma_meV": 6.0, "void_fraction": 0.1, "size": [21, 14], "edges": "reflecting" }),
    );
    set(&mut v, "record_profiles", json!(true));
    bit_identical("landscape, reflecting 21 x 14", &v, &gpu);
    let mut v = with_walkers(super::mc_vs_exact::rates_nn(), 20_000);
    set(&mut v, "temperature_K", json!(300.0));
    set(
        &mut v,
        "landscape",
        json!({ "seed": 9, "energy_sigma_meV": 30.0, "void_fraction": 0.45, "size": [9, 12], "edges": "periodic" }),
    );
    bit_identical("landscape, periodic, continuous time", &v, &gpu);
}

#[test]
fn trap_depths_per_site_are_bit_identical() {
    // The class of a site's trap from its hash, on both clocks.
    let Some(gpu) = gpu_engine() else { return };
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = super::mechanisms::trapping_film(units, 20_000);
        bit_identical(&format!("trap depths per site, {units}"), &v, &gpu);
    }
}

#[test]
fn absorbing_edges_are_bit_identical() {
    let Some(gpu) = gpu_engine() else { return };
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = super::mechanisms::absorbing_film(units, 20_000);
        bit_identical(&format!("absorbing edges, {units}"), &v, &gpu);
    }
}

#[test]
fn size_classes_are_bit_identical() {
    // A walker reads its site's size class's rows, changing them at every hop; the
    // asymmetric level table's two tails.
    let Some(gpu) = gpu_engine() else { return };
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = super::mechanisms::sized_film(units, 20_000);
        bit_identical(&format!("size spread, {units}"), &v, &gpu);
    }
}

#[test]
fn a_3d_film_is_bit_identical() {
    // Layers with reflecting edges (the start's layer drawn), absorbing ones (lost through
    // the faces), and the 18-neighbour cubic lattice's z steps inside the in-plane shares.
    let Some(gpu) = gpu_engine() else { return };
    for (geometry, edges, units) in [
        ("cubic", "reflecting", "probability_per_frame"),
        ("cubic_nn", "absorbing", "probability_per_frame"),
        ("cubic", "absorbing", "rate_per_ns"),
    ] {
        let mut v = super::mechanisms::sized_film(units, 20_000);
        set(&mut v, "lattice.geometry", json!(geometry));
        set(&mut v, "landscape.layers", json!(5));
        set(&mut v, "landscape.edges", json!(edges));
        bit_identical(
            &format!("3D film, {geometry}, {edges} edges, {units}"),
            &v,
            &gpu,
        );
    }
}
