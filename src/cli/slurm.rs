//! `exciton-mc slurm`: a scenario as a SLURM job array of shards plus a merge job that
//! runs when every shard has succeeded (`--dependency=afterok`).

use super::args::{parse_backend, parse_seed, parse_walkers};
use anyhow::{bail, Context, Result};
use exciton_core::backend::BackendKind;
use exciton_core::sweep::Plan;
use exciton_io::results::write_atomic;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Args)]
pub(crate) struct SlurmArgs {
    /// Scenario file (JSON).
    scenario: PathBuf,
    /// Shards, one array task each.
    #[arg(long)]
    shards: u32,
    /// Directory for the scripts (slurm/), the shards (shard-NNN/) and the merged run
    /// (merged/).
    #[arg(long)]
    out: PathBuf,
    /// SLURM partition (sbatch --partition).
    #[arg(long)]
    partition: Option<String>,
    /// Time limit of each task (sbatch --time, e.g. 02:00:00). A task stopped by it
    /// keeps its finished points and walker blocks; resubmitting the array resumes it.
    #[arg(long)]
    time: Option<String>,
    /// GPUs per task (sbatch --gpus-per-task); the tasks then run on the GPU.
    #[arg(long)]
    gpus_per_task: Option<u32>,
    /// CPU cores per task (sbatch --cpus-per-task; the CPU backend uses them all).
    #[arg(long)]
    cpus_per_task: Option<u32>,
    /// Engine of the tasks [default: gpu with --gpus-per-task, else cpu].
    #[arg(long, value_parser = parse_backend)]
    backend: Option<BackendKind>,
    /// Override the scenario's walker count.
    #[arg(long, value_parser = parse_walkers, allow_hyphen_values = true)]
    walkers: Option<u64>,
    /// Override the scenario's seed.
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Write the scripts and print the sbatch commands without submitting them.
    #[arg(long)]
    dry_run: bool,
}

/// A path as the tasks see it: absolute, since they may start elsewhere.
fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))
}

/// Quotes a word for bash.
fn sh(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn header(name: &str, args: &SlurmArgs, log: &Path) -> String {
    let mut s = format!(
        "#!/bin/bash\n#SBATCH --job-name={name}\n#SBATCH --output={}\n",
        log.display()
    );
    if let Some(p) = &args.partition {
        s += &format!("#SBATCH --partition={p}\n");
    }
    if let Some(t) = &args.time {
        s += &format!("#SBATCH --time={t}\n");
    }
    s
}

pub(crate) fn slurm_command(args: SlurmArgs) -> Result<i32> {
    if args.shards == 0 {
        bail!("--shards must be at least 1");
    }
    // Refuse a bad scenario here, not in N tasks on the cluster.
    let plan = Plan::load(&args.scenario)?;
    let exe = std::env::current_exe().context("cannot find this exciton-mc binary")?;
    let scenario = absolute(&args.scenario)?;
    let out = absolute(&args.out)?;
    let scripts = out.join("slurm");
    std::fs::create_dir_all(&scripts)
        .with_context(|| format!("cannot create {}", scripts.display()))?;
    let width = (args.shards.saturating_sub(1)).to_string().len().max(3);
    let backend = args.backend.unwrap_or(if args.gpus_per_task.is_some() {
        BackendKind::Gpu
    } else {
        BackendKind::Cpu
    });
    let name = format!("exciton-mc-{}", plan.name);

    let mut run = header(&name, &args, &scripts.join("shard-%a.log"));
    run += &format!("#SBATCH --array=0-{}\n", args.shards - 1);
    if let Some(g) = args.gpus_per_task {
        run += &format!("#SBATCH --gpus-per-task={g}\n");
    }
    if let Some(c) = args.cpus_per_task {
        run += &format!("#SBATCH --cpus-per-task={c}\n");
    }
    // Not --quiet: a batch job's log gets a plain progress line now and then.
    let mut flags = format!("--backend {} --shard auto", backend.name());
    if let Some(w) = args.walkers {
        flags += &format!(" --walkers {w}");
    }
    if let Some(s) = args.seed {
        flags += &format!(" --seed {s}");
    }
    if let Some(c) = args.cpus_per_task {
        flags += &format!(" --threads {c}");
    }
    run += &format!(
        "# Shard $SLURM_ARRAY_TASK_ID of {n}: a task stopped by its time limit keeps what it\n\
         # finished, and the same array submitted again resumes it.\n\
         set -euo pipefail\n\
         out={out}/shard-$(printf %0{width}d \"$SLURM_ARRAY_TASK_ID\")\n\
         resume=\n\
         if [ -d \"$out/points\" ] || [ -f \"$out/results.json\" ]; then resume=--resume; fi\n\
         exec {exe} run {scenario} {flags} --out \"$out\" $resume\n",
        n = args.shards,
        out = sh(&out.display().to_string()),
        exe = sh(&exe.display().to_string()),
        scenario = sh(&scenario.display().to_string()),
    );
    let mut merge = header(&format!("{name}-merge"), &args, &scripts.join("merge.log"));
    merge += &format!(
        "set -euo pipefail\nexec {exe} merge {out}/shard-* --out {out}/merged --force\n",
        exe = sh(&exe.display().to_string()),
        out = sh(&out.display().to_string()),
    );
    let (run_file, merge_file) = (scripts.join("shards.sbatch"), scripts.join("merge.sbatch"));
    write_atomic(&run_file, run.as_bytes())?;
    write_atomic(&merge_file, merge.as_bytes())?;
    println!(
        "wrote      {} ({} array tasks, backend {})",
        run_file.display(),
        args.shards,
        backend.name()
    );
    println!(
        "wrote      {} (runs when every task has succeeded)",
        merge_file.display()
    );

    if args.dry_run {
        println!("dry run: submit with");
        println!("  jobid=$(sbatch --parsable {})", run_file.display());
        println!(
            "  sbatch --parsable --dependency=afterok:$jobid {}",
            merge_file.display()
        );
        return Ok(0);
    }
    let shards_job = sbatch(&[run_file.as_os_str()])?;
    let dependency = format!("--dependency=afterok:{shards_job}");
    let merge_job = sbatch(&[dependency.as_ref(), merge_file.as_os_str()])?;
    println!(
        "submitted  shards: job {shards_job} (array 0-{}), merge: job {merge_job}",
        args.shards - 1
    );
    println!(
        "follow     squeue -j {shards_job},{merge_job}   logs: {}/",
        scripts.display()
    );
    println!(
        "result     {}/merged/results.json once job {merge_job} has finished",
        out.display()
    );
    Ok(0)
}

/// Submits with `sbatch --parsable`; the job id.
fn sbatch(args: &[&std::ffi::OsStr]) -> Result<String> {
    let o = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!(
                "sbatch not found: run this on a SLURM login node (or use --dry-run to only write the scripts)"
            ),
            _ => anyhow::anyhow!("cannot run sbatch: {e}"),
        })?;
    if !o.status.success() {
        bail!(
            "sbatch refused the job: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&o.stdout);
    // `--parsable` prints "id" or "id;cluster".
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() {
        bail!("sbatch printed no job id");
    }
    Ok(id)
}
