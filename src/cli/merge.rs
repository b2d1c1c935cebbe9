//! `exciton-mc merge`: shards' output directories into the unsharded run's output.

use anyhow::Result;
use exciton_io::results::{prepare_dir, DirMode, WriteOptions};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct MergeArgs {
    /// The shards' output directories (`run --shard I/N --out DIR`), all N of them, in
    /// any order.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Output directory of the merged run.
    #[arg(long)]
    out: PathBuf,
    /// Replace what --out already holds.
    #[arg(long)]
    force: bool,
    /// Also write one CSV per point (point-NNN.csv).
    #[arg(long)]
    point_csv: bool,
    /// Print a machine-readable JSON summary on stdout instead of the text one.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors (as `run --quiet`).
    #[arg(long, conflicts_with = "json")]
    quiet: bool,
}

pub(crate) fn merge_command(args: MergeArgs) -> Result<i32> {
    let start = Instant::now();
    prepare_dir(&args.out, DirMode::fresh_or_force(args.force))?;
    let write = WriteOptions {
        point_csv: args.point_csv,
    };
    let results = exciton::merge::merge(&args.shards, &args.out, write)?;
    let wall = start.elapsed();
    if args.json {
        let summary = super::summary::json_summary(&results, wall, &args.out);
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !args.quiet {
        eprintln!("merged     {} shards", args.shards.len());
        super::summary::print_summary(&results, wall, &args.out);
    }
    Ok(0)
}
