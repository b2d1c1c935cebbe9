//! Walker blocks on the GPU: their batches reduced on the device to each block's sums
//! (`block_sums.wgsl`) and read back as sums give the CPU's estimates and blocks bit for
//! bit, across dispatches, read-backs and points sharing them.

use crate::common::{paper_json, scenario, set};
use crate::gpu::gpu_engine;
use crate::mc_vs_exact::{bright_dark, trap_model};
use exciton::engine::{Engine, Job, Outcome};
use exciton_core::histogram::HistLayout;
use exciton_core::kernels::block_sums::{
    block_sums_cpu, block_words, kept_sections, sum_counters_cpu, BlockTask, SumTask,
};
use exciton_core::kernels::rng::Pcg32;
use exciton_core::observables::{BlockResult, EmissionProfile, FrameSums};
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use exciton_gpu::block_sums::block_sums_gpu;
use serde_json::{json, Value};

#[test]
fn the_block_sums_kernel_equals_its_cpu_port() {
    // Counters near 2^29 up to 700 sites out: sums of dx^4 past 2^64 and negative odd
    // powers, which no short walk makes; two dispatches add into the same sums.
    let Some(engine) = gpu_engine() else { return };
    let Engine::Gpu(g) = &engine else {
        unreachable!("gpu_engine opens the GPU")
    };
    let layout = HistLayout::new(9, 2, 700, 3, false, true);
    let words = layout.device_words() as u32;
    let mut rng = Pcg32::new(1, 2);
    let mut hist: Vec<u32> = (0..2 * words + 5)
        .map(|_| match rng.next_u32() % 100 {
            0 => 1 << 29,
            1..=20 => rng.next_u32() % 1000,
            _ => 0,
        })
        .collect();
    // Moment copies as the walk leaves them: (low, high) pairs of small values.
    for base in [0, words + 5] {
        let moments = (base + layout.len() as u32) as usize;
        for pair in hist[moments..moments + (words as usize - layout.len())].chunks_exact_mut(2) {
            let v = i64::from(pair[0] % 2001) - 1000;
            pair.copy_from_slice(&[v as u32, (v >> 32) as u32]);
        }
    }
    let bw = block_words(&layout) as u32;
    let n = BlockTask::invocations(&layout);
    let blocks = [
        BlockTask::new(&layout, 0, 0, 0),
        BlockTask::new(&layout, n, words + 5, bw),
        BlockTask::end(2 * n),
    ];
    let (offset, len) = kept_sections(&layout)[0];
    let counters = [
        SumTask {
            first: 0,
            src: offset as u32,
            stride: words + 5,
            blocks: 2,
            out_base: 2 * bw,
        },
        SumTask {
            first: len as u32,
            ..bytemuck::Zeroable::zeroed()
        },
    ];
    let total = 2 * bw as usize + len;
    let mut cpu = vec![0u32; total];
    for _ in 0..2 {
        block_sums_cpu(&hist, &blocks, &mut cpu);
        sum_counters_cpu(&hist, &counters, &mut cpu);
    }
    let gpu = block_sums_gpu(&g.ctx, &hist, &blocks, &counters, total as u64, 2).unwrap();
    let wide = cpu
        .chunks_exact(18)
        .take(2 * 9 * 2)
        .any(|row| row[15..17].iter().any(|&w| w != 0 && w != u32::MAX));
    assert!(wide, "no sum of dx^4 needs more than 64 bits");
    if let Some(i) = (0..total).find(|&i| cpu[i] != gpu[i]) {
        panic!(
            "block sums differ at word {i}: cpu {} gpu {}",
            cpu[i], gpu[i]
        );
    }
}

fn with(mut v: Value, walkers: u64, frames: u32) -> Value {
    set(&mut v, "walkers", json!(walkers));
    set(&mut v, "frames", json!(frames));
    v
}

/// Points with every section the sums read: emission_abs rows, an image, overflow bins,
/// the occupancy profile (its own group: another kernel), several state counts, and a
/// landscape whose blocks walk a film each.
fn points() -> Vec<Scenario> {
    let mut profiles = with(paper_json(), 20_000, 120);
    set(&mut profiles, "record_profiles", json!(true));
    let mut image = with(trap_model(), 16_001, 60);
    set(
        &mut image,
        "image",
        json!({ "frame": 10, "frames": 20, "half_width_sites": 15 }),
    );
    let mut narrow = with(paper_json(), 12_345, 80);
    set(&mut narrow, "histogram.max_dx_sites", json!(3));
    let mut occupancy = with(bright_dark(), 9_000, 50);
    set(&mut occupancy, "histogram.occupancy_profile", json!(true));
    let mut films = with(paper_json(), 8_000, 60);
    set(&mut films, "temperature_K", json!(40.0));
    set(
        &mut films,
        "landscape",
        json!({ "seed": 7, "energy_sigma_meV": 12.0, "void_fraction": 0.3 }),
    );
    [
        profiles,
        image,
        with(bright_dark(), 30_000, 100),
        narrow,
        occupancy,
        films,
    ]
    .iter()
    .map(scenario)
    .collect()
}

#[test]
fn a_sweeps_blocks_in_shared_dispatches_give_the_cpus_estimates() {
    // Small dispatches and read-backs: blocks cut across dispatches, dispatches holding
    // blocks of several points, sums read back several times per point.
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(7_000).with_flush_every(9_000);
    let scenarios = points();
    let asked: Vec<(&Scenario, u64)> = scenarios.iter().zip(0..).collect();
    let estimates = |engine: &Engine| {
        let mut out = Vec::new();
        engine
            .estimates_each(&asked, &Progress::default(), |_, e| {
                out.push(e);
                Ok(())
            })
            .unwrap();
        out
    };
    let (cpu, on_gpu) = (estimates(&Engine::cpu(2)), estimates(&gpu));
    assert!(cpu[0].curves.emission_profile.is_some(), "no profile");
    assert!(cpu[1]
        .curves
        .emission_profile
        .as_ref()
        .unwrap()
        .image
        .is_some());
    for (i, (c, g)) in cpu.iter().zip(&on_gpu).enumerate() {
        assert_eq!(c, g, "point {i}: the GPU's estimate differs from the CPU's");
    }
}

/// What a job hands back, comparable: (job, block or None for the whole, sums, profile).
type Seen = (
    usize,
    Option<usize>,
    Vec<FrameSums>,
    Option<EmissionProfile>,
);

fn outcomes(engine: &Engine, jobs: &[Job]) -> Vec<Seen> {
    let mut seen = Vec::new();
    engine
        .run_jobs(jobs, &Progress::default(), |j, o| {
            seen.push(match o {
                Outcome::Block(b, BlockResult { sums, profile }) => {
                    (j, Some(b), vec![sums], profile)
                }
                Outcome::Done { sums, profile } => (j, None, sums, profile),
                Outcome::Exact(_) => unreachable!("a Monte Carlo engine"),
            });
            Ok(())
        })
        .unwrap();
    seen
}

#[test]
fn blocks_reported_one_by_one_equal_the_cpus() {
    // As a checkpoint or a shard asks for them: some blocks of a point, each with its
    // own emission profile.
    let Some(gpu) = gpu_engine() else { return };
    let gpu = gpu.with_batch(5_000).with_flush_every(8_000);
    let scenarios = points();
    let jobs = [
        Job {
            scenario: &scenarios[0],
            point: 0,
            blocks: vec![1, 3, 4, 15],
            each_block: true,
        },
        Job {
            scenario: &scenarios[1],
            point: 1,
            blocks: (0..16).collect(),
            each_block: true,
        },
        Job::whole(&scenarios[2], 2),
    ];
    let cpu = outcomes(&Engine::cpu(2), &jobs);
    let on_gpu = outcomes(&gpu, &jobs);
    assert_eq!(cpu.len(), 4 + 1 + 16 + 1 + 1);
    assert!(cpu[0].3.is_some(), "block 1 has no profile");
    for (c, g) in cpu.iter().zip(&on_gpu) {
        assert_eq!(c, g, "job {} block {:?} differs", c.0, c.1);
    }
}
