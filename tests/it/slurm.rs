//! The SLURM end-to-end test: `exciton-mc slurm` submits a 4-shard job array and a merge
//! job to a real scheduler (CI starts a one-node cluster with `.ci/slurm-up`), and the
//! merged run equals a local unsharded run bit for bit. Without `sbatch` it says loudly
//! that it skipped; with EXCITON_MC_REQUIRE_SLURM=1 (set in CI) that is a failure.

use crate::common::{exe, read_json, temp_dir, text};
use exciton_io::results::read_results;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const REQUIRE_SLURM_ENV: &str = "EXCITON_MC_REQUIRE_SLURM";

fn sbatch_present() -> bool {
    Command::new("sbatch")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Everything in the scripts' log directory, for a failure message.
fn logs(dir: &Path) -> String {
    let mut s = String::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        s += &format!("--- {}\n{text}\n", e.path().display());
    }
    s
}

#[test]
fn a_sweep_submitted_to_slurm_in_four_shards_merges_into_the_local_run() {
    if !sbatch_present() {
        assert!(
            std::env::var(REQUIRE_SLURM_ENV).map_or(true, |v| v != "1"),
            "{REQUIRE_SLURM_ENV}=1 but sbatch is not there (start the cluster with .ci/slurm-up)"
        );
        eprintln!(
            "SKIPPED: sbatch not found (no SLURM here); .ci/slurm-up starts a one-node cluster"
        );
        return;
    }
    let dir = temp_dir("slurm");
    let scen = "scenarios/fig2e-heating.json";
    let flags = ["--backend", "cpu", "--walkers", "20000"];
    let start = Instant::now();
    let o = exe()
        .args([
            "slurm",
            scen,
            "--shards",
            "4",
            "--cpus-per-task",
            "1",
            "--time",
            "00:10:00",
        ])
        .args(flags)
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let said = text(&o);
    println!("{said}");
    assert!(o.status.success(), "{said}");
    let merge_job = said
        .split("merge: job ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no merge job id in: {said}"))
        .to_string();
    let merged = dir.join("merged/results.json");
    loop {
        let queued = Command::new("squeue")
            .args(["-h", "-j", &merge_job])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        if queued.is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the merge job {merge_job} has not finished in 10 minutes: {queued}\n{}",
            logs(&dir.join("slurm"))
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        merged.exists(),
        "merge job {merge_job} ended without results:\n{}",
        logs(&dir.join("slurm"))
    );
    println!(
        "SLURM: 4 array tasks and the merge job {merge_job} done in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    for i in 0..4 {
        let shard = read_json(&dir.join(format!("shard-00{i}/results.json")));
        assert_eq!(
            shard["shard"]["index"], i,
            "the array task ran its own shard"
        );
    }

    let local = dir.join("local");
    let o = exe()
        .args(["run", scen, "--quiet", "--out"])
        .arg(&local)
        .args(flags)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let (a, b) = (read_json(&local.join("results.json")), read_json(&merged));
    assert_eq!(a["points"], b["points"], "results.json points differ");
    assert_eq!(a["run_hash"], b["run_hash"]);
    let (a, b) = (
        read_results(&local.join("results.json")).unwrap(),
        read_results(&merged).unwrap(),
    );
    assert_eq!(
        serde_json::to_value(&a.points).unwrap(),
        serde_json::to_value(&b.points).unwrap(),
        "curves differ"
    );
    assert_eq!(
        std::fs::read(local.join("sweep.csv")).unwrap(),
        std::fs::read(dir.join("merged/sweep.csv")).unwrap()
    );
    println!("merged == local: {} points bit for bit", a.points.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn slurm_dry_run_writes_the_scripts_without_submitting() {
    let dir = temp_dir("slurm-dry");
    let o = exe()
        .args([
            "slurm",
            "scenarios/fig3-traps.json",
            "--shards",
            "12",
            "--partition",
            "gpu",
            "--time",
            "02:00:00",
            "--gpus-per-task",
            "1",
            "--dry-run",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let run = std::fs::read_to_string(dir.join("slurm/shards.sbatch")).unwrap();
    println!("{run}");
    for want in [
        "#SBATCH --array=0-11",
        "#SBATCH --partition=gpu",
        "#SBATCH --time=02:00:00",
        "#SBATCH --gpus-per-task=1",
        "--backend gpu --shard auto",
        "shard-$(printf %03d \"$SLURM_ARRAY_TASK_ID\")",
        "resume=--resume",
    ] {
        assert!(run.contains(want), "shards.sbatch lacks `{want}`:\n{run}");
    }
    let merge = std::fs::read_to_string(dir.join("slurm/merge.sbatch")).unwrap();
    assert!(
        merge.contains("merge") && merge.contains("/shard-* --out"),
        "{merge}"
    );
    assert!(
        text(&o).contains("--dependency=afterok:$jobid"),
        "{}",
        text(&o)
    );
    // --shard auto outside a job array says what is missing.
    let o = exe()
        .args([
            "run",
            "scenarios/paper-5nm-9K.json",
            "--backend",
            "exact",
            "--shard",
            "auto",
            "--out",
        ])
        .arg(dir.join("auto"))
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("SLURM_ARRAY_TASK_ID is not set"),
        "{}",
        text(&o)
    );
    // Inside one, it takes the task's shard.
    let o = exe()
        .args([
            "run",
            "scenarios/fig2e-heating.json",
            "--backend",
            "exact",
            "--quiet",
            "--shard",
            "auto",
            "--out",
        ])
        .arg(dir.join("auto"))
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let r = read_json(&dir.join("auto/results.json"));
    assert_eq!(
        (r["shard"]["index"].as_u64(), r["shard"]["count"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(
        r["points"].as_array().unwrap().len(),
        2,
        "points 4 and 5 of 6"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
