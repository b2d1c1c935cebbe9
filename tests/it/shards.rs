//! Shards and merge (`run --shard I/N`, `merge`), checkpoints inside a point, and the
//! curves file: every comparison is bit for bit against the unsharded, uninterrupted
//! run.

use crate::common::{exe, paper_json, read_json, set, temp_dir, text};
use arrow_array::{Array, Float64Array, UInt64Array};
use exciton::engine::Engine;
use exciton::run::{run, run_into, RunOptions};
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use exciton_io::results::{read_results, RunResults};
use exciton_io::shard::Shard;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `exciton-mc run SCENARIO --quiet --out OUT FLAGS`, which must succeed.
fn run_cli(scenario: &str, out: &Path, flags: &[&str]) {
    let o = exe()
        .args(["run", scenario, "--quiet", "--point-csv", "--out"])
        .arg(out)
        .args(flags)
        .output()
        .unwrap();
    assert!(o.status.success(), "run {scenario} {flags:?}: {}", text(&o));
}

fn merge_cli(shards: &[PathBuf], out: &Path) -> std::process::Output {
    exe()
        .arg("merge")
        .args(shards)
        .args(["--point-csv", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

/// The files of two output directories that must be equal: results.json's points (and
/// run hash), curves.parquet's numbers (read back) and every CSV, byte for byte.
pub fn assert_same_output(whole: &Path, merged: &Path) {
    let (a, b) = (
        read_json(&whole.join("results.json")),
        read_json(&merged.join("results.json")),
    );
    assert_eq!(a["run_hash"], b["run_hash"]);
    assert_eq!(a["points"], b["points"], "results.json points differ");
    let (a, b) = (
        read_results(&whole.join("results.json")).unwrap(),
        read_results(&merged.join("results.json")).unwrap(),
    );
    assert_eq!(
        serde_json::to_value(&a.points).unwrap(),
        serde_json::to_value(&b.points).unwrap(),
        "curves differ"
    );
    let mut csvs = 0;
    for e in std::fs::read_dir(whole).unwrap() {
        let name = e.unwrap().file_name();
        if name.to_string_lossy().ends_with(".csv") {
            let (x, y) = (
                std::fs::read(whole.join(&name)),
                std::fs::read(merged.join(&name)),
            );
            assert!(x.unwrap() == y.unwrap(), "{name:?} differs");
            csvs += 1;
        }
    }
    assert!(csvs >= 2, "no CSVs compared");
}

#[test]
fn a_sweep_in_shards_merges_into_the_unsharded_run_bit_for_bit() {
    let dir = temp_dir("shards-sweep");
    let scen = "scenarios/fig2e-heating.json";
    let flags = ["--backend", "cpu", "--walkers", "20000"];
    run_cli(scen, &dir.join("whole"), &flags);
    let shards: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("s{i}"))).collect();
    for (i, s) in shards.iter().enumerate() {
        let shard = format!("{i}/4");
        run_cli(scen, s, &[&flags[..], &["--shard", &shard]].concat());
    }
    // In any order.
    let mut given = shards.clone();
    given.reverse();
    let o = merge_cli(&given, &dir.join("merged"));
    assert!(o.status.success(), "{}", text(&o));
    assert_same_output(&dir.join("whole"), &dir.join("merged"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_single_point_cut_by_walker_blocks_merges_bit_for_bit() {
    let dir = temp_dir("shards-point");
    let scen = "scenarios/paper-5nm-9K.json";
    let flags = ["--backend", "cpu", "--walkers", "64000", "--seed", "11"];
    run_cli(scen, &dir.join("whole"), &flags);
    let shards: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("s{i}"))).collect();
    for (i, s) in shards.iter().enumerate() {
        let shard = format!("{i}/3");
        run_cli(scen, s, &[&flags[..], &["--shard", &shard]].concat());
        let r = read_json(&s.join("results.json"));
        assert_eq!(r["shard"]["partial_points"], serde_json::json!([0]));
        assert!(s.join("blocks.jsonl").exists());
    }
    let o = merge_cli(&shards, &dir.join("merged"));
    assert!(o.status.success(), "{}", text(&o));
    assert_same_output(&dir.join("whole"), &dir.join("merged"));
    let r = read_json(&dir.join("merged/results.json"));
    assert!(
        r["points"][0]["tau_pl_stderr_ps"].as_f64().is_some(),
        "the jackknife errors survive the cut"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_refuses_shards_that_are_not_one_run() {
    let dir = temp_dir("shards-refuse");
    let scen = "scenarios/fig2e-heating.json";
    let base = ["--backend", "cpu", "--walkers", "2000"];
    let shard = |name: &str, i: u32, n: u32, extra: &[&str]| {
        let out = dir.join(name);
        let s = format!("{i}/{n}");
        run_cli(scen, &out, &[&base[..], &["--shard", &s], extra].concat());
        out
    };
    let (a0, a1) = (shard("a0", 0, 2, &[]), shard("a1", 1, 2, &[]));
    let seed = shard("seed", 1, 2, &["--seed", "99"]);
    let walkers = {
        let out = dir.join("walkers");
        run_cli(
            scen,
            &out,
            &["--backend", "cpu", "--walkers", "3000", "--shard", "1/2"],
        );
        out
    };
    let three = shard("three", 1, 3, &[]);
    let exact = {
        let out = dir.join("exact");
        run_cli(
            scen,
            &out,
            &["--backend", "exact", "--walkers", "2000", "--shard", "1/2"],
        );
        out
    };
    let other_scenario = {
        let out = dir.join("other");
        run_cli(
            "scenarios/fig3-traps.json",
            &out,
            &["--backend", "exact", "--shard", "1/2"],
        );
        out
    };
    let unfinished = dir.join("unfinished");
    std::fs::create_dir_all(unfinished.join("points")).unwrap();
    let cases: Vec<(Vec<PathBuf>, &str)> = vec![
        (vec![a0.clone()], "shard 1/2 missing"),
        (vec![a0.clone(), a1.clone(), a1.clone()], "given twice"),
        (vec![a0.clone(), seed], "seed 99"),
        (vec![a0.clone(), walkers], "3000 walkers per point"),
        (vec![a0.clone(), three], "shard 1 of 3"),
        (vec![a0.clone(), exact], "exact and Monte Carlo"),
        (vec![a0.clone(), other_scenario], "a different scenario"),
        (vec![a0.clone(), unfinished], "has not finished"),
        (vec![a0.clone(), dir.join("nothing")], "no results.json"),
    ];
    for (i, (dirs, why)) in cases.iter().enumerate() {
        let out = dir.join(format!("m{i}"));
        let o = merge_cli(dirs, &out);
        println!("{}", text(&o).trim());
        assert_eq!(o.status.code(), Some(1), "{why}: {}", text(&o));
        assert!(text(&o).contains(why), "expected `{why}`: {}", text(&o));
        assert!(
            !out.join("results.json").exists(),
            "a refused merge wrote results"
        );
    }
    let o = merge_cli(&[a0, a1], &dir.join("good"));
    assert!(o.status.success(), "{}", text(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn curves_parquet_read_by_the_parquet_crate_equals_the_run() {
    let dir = temp_dir("parquet");
    let plan = Plan::load(Path::new("scenarios/fig2e-heating.json")).unwrap();
    let mut plan = plan;
    for p in &mut plan.points {
        p.scenario.walkers = 5000;
    }
    let cpu = Engine::cpu(2);
    let memory = run(&plan, &cpu, &Progress::default()).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    run_into(
        &plan,
        &cpu,
        &Progress::default(),
        &dir,
        false,
        RunOptions::default(),
    )
    .unwrap();
    let file = std::fs::File::open(dir.join("curves.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = 0;
    for batch in reader {
        let batch = batch.unwrap();
        let col = |n: &str| {
            batch
                .column_by_name(n)
                .unwrap_or_else(|| panic!("no column {n}"))
                .clone()
        };
        let point = col("point");
        let point = point.as_any().downcast_ref::<UInt64Array>().unwrap();
        let frame = col("frame");
        let frame = frame
            .as_any()
            .downcast_ref::<arrow_array::UInt32Array>()
            .unwrap();
        let f64s = |n: &str| {
            col(n)
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .clone()
        };
        // The nm^2 columns are left out (results.json's curves.derived): sites^2 times
        // the pitch squared, as the README says a reader of the file alone gets them.
        assert!(batch.column_by_name("msd_occupancy_nm2").is_none());
        let (t_k, msd, msd_err, pitch, intensity, bright) = (
            f64s("temperature_K"),
            f64s("msd_occupancy_sites2"),
            f64s("msd_occupancy_stderr_sites2"),
            f64s("pitch_nm"),
            f64s("intensity"),
            f64s("population_bright"),
        );
        for r in 0..batch.num_rows() {
            let p = &memory.points[point.value(r) as usize];
            let t = frame.value(r) as usize;
            assert_eq!(Some(t_k.value(r)), p.parameters["temperature_K"].as_f64());
            let a2 = pitch.value(r) * pitch.value(r);
            let nm2 = |a: &Float64Array| (!a.is_null(r)).then(|| a.value(r) * a2);
            assert_eq!(
                nm2(&msd).map(f64::to_bits),
                p.msd_occupancy_nm2[t].map(f64::to_bits)
            );
            assert_eq!(
                nm2(&msd_err).map(f64::to_bits),
                p.msd_occupancy_stderr_nm2[t].map(f64::to_bits)
            );
            assert_eq!(intensity.value(r).to_bits(), p.intensity[t].to_bits());
            assert_eq!(
                bright.value(r).to_bits(),
                p.populations["bright"][t].to_bits()
            );
            rows += 1;
        }
    }
    let frames: usize = memory.points.iter().map(|p| p.time_ps.len()).sum();
    assert_eq!(rows, frames, "one row per point and frame");
    // results.json's scalars are the run's, and reading the directory back gives the run.
    let back: RunResults = read_results(&dir.join("results.json")).unwrap();
    assert_eq!(
        serde_json::to_value(&back.points).unwrap(),
        serde_json::to_value(&memory.points).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Stored chunk records of a checkpoint: (points, blocks).
pub fn checkpoint_records(dir: &Path) -> (usize, usize) {
    let mut counts = (0, 0);
    for e in std::fs::read_dir(dir.join("points")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if v.get("point").is_some() {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
    }
    counts
}

#[test]
fn an_interrupted_long_point_keeps_its_blocks_and_resumes_bit_for_bit() {
    let mut v = paper_json();
    set(&mut v, "walkers", Value::from(160_000));
    set(&mut v, "frames", Value::from(100));
    let plan = Plan::from_value(&v, Path::new("long.json")).unwrap();
    let cpu = Engine::cpu(2);
    let (a, b) = (temp_dir("long-whole"), temp_dir("long-cut"));
    // Every block checkpointed, as for a point of 10^10 walkers.
    let options = RunOptions {
        block_checkpoint_work: 0,
        ..RunOptions::default()
    };
    let whole = run_into(&plan, &cpu, &Progress::default(), &a, false, options).unwrap();
    // Ctrl-C after 55 % of the walkers: 8 of the 16 blocks (10,000 walkers each) are done.
    let cut = run_into(
        &plan,
        &cpu,
        &Progress::with_budget(88_000),
        &b,
        false,
        options,
    );
    assert!(cut.is_err(), "the run was not interrupted");
    let (points, blocks) = checkpoint_records(&b);
    println!("kept {points} points and {blocks} blocks");
    assert_eq!(
        (points, blocks),
        (0, 8),
        "at most the running block is lost"
    );
    assert!(!b.join("results.json").exists() && !b.join("curves.parquet").exists());
    let resumed = run_into(&plan, &cpu, &Progress::default(), &b, true, options).unwrap();
    let (r, w) = (
        serde_json::to_value(&resumed.points[0]).unwrap(),
        serde_json::to_value(&whole.points[0]).unwrap(),
    );
    for (k, v) in w.as_object().unwrap() {
        if r.get(k) != Some(v) {
            println!("field {k} differs: resumed {:?} vs whole {v:?}", r.get(k));
        }
    }
    assert_eq!(
        serde_json::to_value(&resumed.points).unwrap(),
        serde_json::to_value(&whole.points).unwrap(),
        "resumed point differs from the uninterrupted one"
    );
    assert!(
        !b.join("points").exists(),
        "the checkpoint stays after the run ended"
    );
    // And a finished run resumed again is read back as it is.
    let again = run_into(&plan, &cpu, &Progress::default(), &b, true, options).unwrap();
    assert_eq!(
        serde_json::to_value(&again.points).unwrap(),
        serde_json::to_value(&whole.points).unwrap()
    );
    for d in [a, b] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn shards_of_a_sweep_cover_it_once() {
    let plan = Plan::load(Path::new("scenarios/fig4-temperature.json")).unwrap();
    let walkers: Vec<u64> = plan.points.iter().map(|p| p.scenario.walkers).collect();
    let mut seen = vec![0; walkers.len()];
    for i in 0..7 {
        for s in exciton_io::shard::shares(&walkers, false, Shard::new(i, 7).unwrap()) {
            assert!(s.whole);
            seen[s.point] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
}

/// GPU shards and CPU shards of one run merge into the CPU's unsharded run: the kernels
/// and the CPU reference make the same decisions, block by block.
#[cfg(feature = "gpu")]
#[test]
fn gpu_and_cpu_shards_merge_into_the_cpu_run_bit_for_bit() {
    if crate::gpu::gpu_engine().is_none() {
        return;
    }
    let dir = temp_dir("shards-gpu");
    for (scen, walkers, n) in [
        ("scenarios/paper-5nm-9K.json", "48000", 3),
        ("scenarios/fig2e-heating.json", "8000", 2),
    ] {
        let flags = ["--walkers", walkers, "--seed", "5"];
        let whole = dir.join("whole");
        run_cli(scen, &whole, &[&flags[..], &["--backend", "cpu"]].concat());
        let shards: Vec<PathBuf> = (0..n).map(|i| dir.join(format!("s{i}"))).collect();
        for (i, s) in shards.iter().enumerate() {
            let backend = if i % 2 == 0 { "gpu" } else { "cpu" };
            let shard = format!("{i}/{n}");
            run_cli(
                scen,
                s,
                &[&flags[..], &["--backend", backend, "--shard", &shard]].concat(),
            );
        }
        let merged = dir.join("merged");
        let o = merge_cli(&shards, &merged);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(
            read_json(&merged.join("results.json"))["backend"],
            "gpu+cpu"
        );
        assert_same_output(&whole, &merged);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_shards_summary_numbers_the_sweeps_points() {
    // Shard 1/2 (the second) of a 4-point sweep holds points 2 and 3: its table says so, and a shard
    // with no point prints no rate of walker-frames (no "-0.000e0").
    let dir = temp_dir("shard-summary");
    std::fs::create_dir_all(&dir).unwrap();
    let mut v = paper_json();
    set(&mut v, "frames", serde_json::json!(20));
    set(&mut v, "walkers", serde_json::json!(4000));
    set(
        &mut v,
        "sweep",
        serde_json::json!({ "mode": "product", "parameters": { "temperature_K": [9, 20, 40, 80] } }),
    );
    let file = dir.join("s.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let o = exe()
        .args([
            "run",
            file.to_str().unwrap(),
            "--backend",
            "cpu",
            "--shard",
            "1/2",
            "--out",
        ])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(['2', '3']) && l.contains("9."))
        .collect();
    println!("{out}");
    assert!(!out.contains("-0.000e0"), "{out}");
    let numbers: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w == "0" || *w == "1" || *w == "2" || *w == "3")
        .collect();
    assert!(
        numbers.contains(&"2") && numbers.contains(&"3"),
        "{numbers:?} {rows:?}"
    );
    assert!(
        !numbers.contains(&"0") && !numbers.contains(&"1"),
        "{numbers:?}"
    );
    // The warnings name the same points.
    assert!(out.contains("points (2, 3)"), "{out}");
}
