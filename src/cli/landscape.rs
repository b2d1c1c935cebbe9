//! `exciton-mc landscape`: the site table of one film of a scenario's landscape.

use anyhow::{bail, Result};
use exciton_core::exact::master::{films, SiteTable};
use exciton_core::model::WalkTables;
use exciton_core::sweep::Plan;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct LandscapeArgs {
    /// Scenario file with a finite landscape (`landscape.size`).
    scenario: PathBuf,
    /// Sweep point whose film to write (its temperature sets the Monte Carlo's levels).
    #[arg(long, default_value_t = 0)]
    point: usize,
    /// Which film: the one walker block R walks (0 to blocks - 1; only 0 with
    /// `realizations: 1`, where every block walks the same film).
    #[arg(long, default_value_t = 0)]
    realization: usize,
    /// Output file: .csv or .parquet.
    #[arg(long)]
    out: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
}

pub(crate) fn landscape_command(args: LandscapeArgs) -> Result<i32> {
    let plan = Plan::load(&args.scenario)?;
    let file = args.scenario.display();
    let Some(point) = plan.points.get(args.point) else {
        bail!(
            "--point {}: {file} has {} points (0 to {})",
            args.point,
            plan.points.len(),
            plan.points.len() - 1
        );
    };
    let s = &point.scenario;
    let Some(l) = &s.landscape else {
        bail!("{file}: landscape: the scenario has no landscape, so every site is alike");
    };
    if s.geometry.is_3d() {
        bail!("{file}: lattice.geometry: the landscape is 3D (a cubic lattice); the site table is of 2D films");
    }
    if l.size.is_none() {
        bail!("{file}: landscape.size: the landscape is unbounded; a site table needs a finite film (\"size\": [N, M])");
    }
    let keys = films(s);
    let Some(&(key, _)) = keys.get(args.realization) else {
        bail!(
            "--realization {}: point {} walks {}",
            args.realization,
            args.point,
            if keys.len() == 1 {
                "one film (0)".to_string()
            } else {
                format!(
                    "{} films (0 to {}), one per walker block",
                    keys.len(),
                    keys.len() - 1
                )
            }
        );
    };
    if args.out.exists() && !args.force {
        bail!(
            "{}: it exists: pass --force to replace it",
            args.out.display()
        );
    }
    let tables = WalkTables::new(s);
    let film = SiteTable::new(&tables, key).expect("a finite landscape");
    exciton_io::sites::write_sites(&args.out, &film)?;
    let voids = film.void.iter().filter(|&&v| v).count();
    eprintln!(
        "wrote {}: {} x {} sites ({voids} voids), film {} of {} (key {key:#010x}), sigma_E {} meV",
        args.out.display(),
        film.size[0],
        film.size[1],
        args.realization,
        keys.len(),
        film.spec.energy_sigma_mev
    );
    Ok(0)
}
