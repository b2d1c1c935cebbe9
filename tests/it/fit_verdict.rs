//! A fit says when it failed: each row of issue 25's table (files a lab has, run as a
//! new user would) gives an honest status, warnings and exit code, or a refusal (exit 2)
//! naming the file and line or the JSON path.

use crate::common::{exe, temp_dir, text};
use crate::fitting::{fit_cli, model, noisy, paper_scenario, write_fit};
use exciton::fit::Fit;
use exciton_core::kernels::rng::Pcg32;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Edits the fit file at `path`.
pub(crate) fn edit(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut f: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut f);
    std::fs::write(path, f.to_string()).unwrap();
}

/// The Monte Carlo check of fit.json's first dataset, its points compared and the points
/// without a Monte Carlo value.
fn first_check(r: &Value) -> (Value, u64, u64) {
    let d = r["monte_carlo_check"]["datasets"][0].clone();
    let n = d["points"].as_u64().unwrap();
    let missing = d["points_without_monte_carlo_value"].as_u64().unwrap();
    (d, n, missing)
}

fn fit_json(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap()
}

/// An MSD fit of the paper scenario: 40 noisy points made at fret 0.09, bright -> dark
/// 0.15, both free, with errors of 1 nm^2 + 3 %.
fn msd_fit(dir: &Path, seed: u64) -> (PathBuf, Vec<(f64, f64, f64)>) {
    msd_fit_with(dir, seed, 1.0, 0.03)
}

/// [`msd_fit`] with errors of `floor` nm^2 + `rel`.
fn msd_fit_with(dir: &Path, seed: u64, floor: f64, rel: f64) -> (PathBuf, Vec<(f64, f64, f64)>) {
    let times: Vec<f64> = (1..=40).map(|k| f64::from(k) * 75.0).collect();
    let placeholder: Vec<(f64, f64, f64)> = times.iter().map(|&t| (t, 1.0, 1.0)).collect();
    let free = json!({"states.bright.fret": {"initial": 0.12, "min": 0.0, "max": 1.0},
                      "states.bright.to.dark": {"initial": 0.1, "min": 0.0, "max": 0.9}});
    let path = write_fit(
        dir,
        &paper_scenario(),
        &[("msd", "msd", json!({}), placeholder)],
        free.clone(),
    );
    let clean = model(&path, 0, &[0.09, 0.15]);
    let rows = noisy(&times, &clean, floor, rel, &mut Pcg32::new(seed, 3));
    let path = write_fit(
        dir,
        &paper_scenario(),
        &[("msd", "msd", json!({}), rows.clone())],
        free,
    );
    (path, rows)
}

fn write_csv(
    path: &Path,
    header: &str,
    rows: &[(f64, f64, f64)],
    line: impl Fn(&(f64, f64, f64)) -> String,
) {
    let mut s = format!("{header}\n");
    for r in rows {
        s += &line(r);
        s += "\n";
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn times_in_ns_under_a_time_ps_header_are_a_warning_not_a_converged_fit() {
    let dir = temp_dir("verdict-ns");
    let (path, rows) = msd_fit(&dir, 1);
    write_csv(
        &dir.join("msd.csv"),
        "time_ps,msd_nm2,msd_stderr_nm2",
        &rows,
        |(t, y, e)| format!("{},{y},{e}", t / 1000.0),
    );
    let o = fit_cli(&path, &dir.join("out"));
    println!("{}", text(&o));
    let r = fit_json(&dir.join("out"));
    let warnings = r["warnings"].to_string();
    assert_ne!(r["status"], "ok", "{}", text(&o));
    assert!(warnings.contains("are they in ns"), "{warnings}");
    assert!(warnings.contains("p = "), "no chi2 warning: {warnings}");
    let code = if r["status"] == "warning" { 3 } else { 1 };
    assert_eq!(o.status.code(), Some(code), "{}", text(&o));
    assert!(text(&o).starts_with(&format!("status     {}", r["status"].as_str().unwrap())));
    // The same numbers under `time_ns` are the plain fit: ok, exit 0.
    write_csv(
        &dir.join("msd.csv"),
        "time_ns,msd_nm2,msd_stderr_nm2",
        &rows,
        |(t, y, e)| format!("{},{y},{e}", t / 1000.0),
    );
    let o = fit_cli(&path, &dir.join("out2"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(fit_json(&dir.join("out2"))["status"], "ok");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_parameter_at_its_bound_warns_and_accept_warnings_exits_0() {
    let dir = temp_dir("verdict-bound");
    let (path, _) = msd_fit(&dir, 2);
    // The data were made at fret 0.09; a bound at 0.07 holds it short.
    edit(&path, |f| {
        f["free"]["states.bright.fret"] = json!({"initial": 0.06, "min": 0.0, "max": 0.07});
    });
    let o = fit_cli(&path, &dir.join("out"));
    println!("{}", text(&o));
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let r = fit_json(&dir.join("out"));
    assert_eq!(r["status"], "warning");
    assert!(
        r["warnings"]
            .to_string()
            .contains("states.bright.fret = 7.0000e-2 per frame is at its bound max = 0.07"),
        "{}",
        r["warnings"]
    );
    let o = exe()
        .args(["fit", "--accept-warnings", "--out"])
        .arg(dir.join("out3"))
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("warning: states.bright.fret"),
        "{}",
        text(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pl_in_raw_counts_fits_with_its_free_scale_and_a_fixed_scale_says_it_does_not_fit() {
    let dir = temp_dir("verdict-counts");
    let times: Vec<f64> = (0..40).map(|k| f64::from(k) * 50.0).collect();
    let placeholder: Vec<(f64, f64, f64)> = times.iter().map(|&t| (t, 1.0, 1.0)).collect();
    let free = json!({"states.bright.to.dark": {"initial": 0.1, "min": 0.0, "max": 0.9}});
    let path = write_fit(
        &dir,
        &paper_scenario(),
        &[("pl", "intensity", json!({}), placeholder)],
        free.clone(),
    );
    let clean: Vec<f64> = model(&path, 0, &[0.15]).iter().map(|v| v * 2e4).collect();
    let mut rng = Pcg32::new(5, 1);
    let rows: Vec<(f64, f64, f64)> = times
        .iter()
        .zip(&clean)
        .map(|(&t, &m)| {
            let e = m.max(1.0).sqrt();
            (t, m + e * crate::fitting::gauss(&mut rng), e)
        })
        .collect();
    write_csv(
        &dir.join("pl.csv"),
        "time_ps,counts,counts_stderr",
        &rows,
        |(t, y, e)| format!("{t},{y},{e}"),
    );
    // Default: the scale is free.
    edit(&path, |f| {
        f["datasets"][0].as_object_mut().unwrap().remove("scale");
    });
    let o = fit_cli(&path, &dir.join("out"));
    println!("{}", text(&o));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = fit_json(&dir.join("out"));
    let p = &r["parameters"];
    for (name, truth) in [("states.bright.to.dark", 0.15), ("datasets[0].scale", 2e4)] {
        let (v, e) = (
            p[name]["value"].as_f64().unwrap(),
            p[name]["stderr"].as_f64().unwrap(),
        );
        assert!(
            (v - truth).abs() < 3.0 * e,
            "{name}: {v} +- {e}, made with {truth}"
        );
    }
    assert_eq!(p["datasets[0].scale"]["unit"], "data units");
    // Fixed at 1 (normalised data expected), raw counts cannot fit: a warning, exit 3.
    edit(&path, |f| f["datasets"][0]["scale"] = json!(1.0));
    let o = fit_cli(&path, &dir.join("out2"));
    println!("{}", text(&o));
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(fit_json(&dir.join("out2"))["warnings"]
        .to_string()
        .contains("does not describe the data"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the fit at `path` and returns its exit code and output, for refusals.
fn refused(path: &Path, out: &Path, want: &[&str]) {
    let o = fit_cli(path, out);
    println!("{}", text(&o).trim());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    for w in want {
        assert!(text(&o).contains(w), "expected `{w}`: {}", text(&o));
    }
    assert!(
        !out.join("fit.json").exists(),
        "a refused fit wrote fit.json"
    );
}

/// A fit the model cannot do: scenario, free, observable, an instrument entry, and what
/// the refusal says.
type Refusal<'a> = (
    &'a Value,
    Value,
    &'a str,
    Option<(&'a str, Value)>,
    Vec<&'a str>,
);

#[test]
fn what_the_model_cannot_do_is_refused_before_fitting_with_exit_2() {
    let dir = temp_dir("verdict-refused");
    let rows = vec![(100.0, 50.0, 3.0), (200.0, 100.0, 4.0), (300.0, 130.0, 4.0)];
    let msd = |s: &Value, free: Value, observable: &str| {
        write_fit(
            &dir,
            s,
            &[("msd", observable, json!({}), rows.clone())],
            free,
        )
    };
    let mut arrhenius = paper_scenario();
    arrhenius["temperature_K"] = json!(20.0);
    arrhenius["states"]["bright"]["fret"] =
        json!({"arrhenius": {"prefactor": 0.5, "activation_meV": 5.0}});
    let mut unbounded = paper_scenario();
    unbounded["temperature_K"] = json!(50.0);
    unbounded["landscape"] = json!({"energy_sigma_meV": 10.0});
    let fret = json!({"states.bright.fret": {"initial": 0.1}});
    let paper = paper_scenario();
    let cases: Vec<Refusal> = vec![
        // A temperature model is not a number: freeing it would replace it by a constant.
        (
            &arrhenius,
            fret.clone(),
            "msd",
            None,
            vec![
            "fit.json: free.states.bright.fret: is a temperature model `arrhenius`",
            "states.bright.fret.arrhenius.prefactor, states.bright.fret.arrhenius.activation_meV",
        ],
        ),
        // The displacement MSD does not see the initial spot.
        (
            &paper,
            json!({"initial.sigma_sites": {"initial": 5.0}}),
            "msd",
            None,
            vec![
                "free.initial.sigma_sites: no dataset's model changes",
                "initial spot",
            ],
        ),
        (
            &paper,
            fret.clone(),
            "apparent_msd",
            None,
            vec![
                "datasets[0].observable: apparent_msd",
                "no `microscope` block",
            ],
        ),
        // An unbounded landscape has no master equation: the refusal names the size.
        (
            &unbounded,
            json!({"landscape.energy_sigma_meV": {"initial": 5.0}}),
            "msd",
            None,
            vec!["landscape.size"],
        ),
        (
            &paper,
            fret.clone(),
            "msd",
            Some(("scale", json!("free"))),
            vec!["datasets[0].scale: not for a `msd` dataset"],
        ),
    ];
    for (scenario, free, observable, entry, want) in cases {
        let path = msd(scenario, free, observable);
        if let Some((key, value)) = entry {
            edit(&path, |f| {
                f["datasets"][0][key] = value;
            });
        }
        refused(&path, &dir.join("out"), &want);
    }
    // The temperature model's own numbers can be free, with their units.
    let path = msd(
        &arrhenius,
        json!({"states.bright.fret.arrhenius.activation_meV": {"initial": 4.0}}),
        "msd",
    );
    assert_eq!(Fit::load(&path).unwrap().free[0].unit, "meV");
}

#[test]
fn csv_dialects_fit_to_the_same_numbers_and_ambiguous_ones_are_refused() {
    let dir = temp_dir("verdict-csv");
    let (path, rows) = msd_fit(&dir, 4);
    let csv = dir.join("msd.csv");
    let run = || {
        let o = Fit::load(&path).unwrap().run();
        (o.params, o.chi2)
    };
    let plain = run();
    // Semicolons and decimal commas, as a German Excel writes them.
    write_csv(
        &csv,
        "time_ps;msd_nm2;msd_stderr_nm2",
        &rows,
        |(t, y, e)| format!("{t};{y};{e}").replace('.', ","),
    );
    assert_eq!(run(), plain, "semicolons and decimal commas");
    // A BOM and CRLF line ends.
    let mut s = String::from("\u{feff}time_ps,msd_nm2,msd_stderr_nm2\r\n");
    for (t, y, e) in &rows {
        s += &format!("{t},{y},{e}\r\n");
    }
    std::fs::write(&csv, s).unwrap();
    assert_eq!(run(), plain, "a BOM");
    // Decimal commas between commas: which comma is which cannot be told.
    write_csv(
        &csv,
        "time_ps,msd_nm2,msd_stderr_nm2",
        &rows,
        |(t, y, e)| format!("{t},{y},{e}").replace('.', ","),
    );
    refused(&path, &dir.join("out"), &["msd.csv: line 2", ";"]);
    // A row with a field more than the header.
    write_csv(
        &csv,
        "time_ps,msd_nm2,msd_stderr_nm2",
        &rows,
        |(t, y, e)| {
            if *t == 150.0 {
                format!("{t},{y},{e},7")
            } else {
                format!("{t},{y},{e}")
            }
        },
    );
    refused(&path, &dir.join("out"), &["msd.csv: line 3", "4 fields"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_monte_carlo_check_never_drops_a_dataset_and_sizes_itself_to_the_data() {
    let dir = temp_dir("verdict-check");
    // Errors of 4 nm^2 + 10 %: the sized check needs a few 10^6 walkers, not 10^8.
    let (path, _) = msd_fit_with(&dir, 6, 4.0, 0.1);
    let set_walkers = |w: Value| edit(&path, |f| f["check_walkers"] = w);
    // Few walkers: late frames have no Monte Carlo MSD; the dataset stays, counted.
    set_walkers(json!(2000));
    let o = fit_cli(&path, &dir.join("out"));
    println!("{}", text(&o));
    let r = fit_json(&dir.join("out"));
    let (d, n, missing) = first_check(&r);
    assert_eq!(n + missing, 40, "{d}");
    assert!(n > 0, "{d}");
    // Automatic: the Monte Carlo's noise at most about a third of the data's errors.
    set_walkers(json!("auto"));
    let o = fit_cli(&path, &dir.join("out2"));
    println!("{}", text(&o));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = fit_json(&dir.join("out2"));
    let d = &r["monte_carlo_check"]["datasets"][0];
    let ratio = d["noise_over_data_errors_rms"].as_f64().unwrap();
    assert!(ratio <= 0.4, "noise ratio {ratio}: {d}");
    assert_eq!(d["points"], 40, "{d}");
    assert!(d["p_value"].as_f64().unwrap() > 1e-3, "{d}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_apparent_msd_is_checked_on_its_points_or_says_why_not() {
    let dir = temp_dir("verdict-apparent");
    let mut s = paper_scenario();
    s["microscope"] = json!({"psf_fwhm_nm": 270, "profile": "gaussian", "pixel_nm": 40,
                             "photons_per_frame": null, "seed": 3});
    let times: Vec<f64> = (1..=39).map(|k| f64::from(k) * 100.0).collect();
    let placeholder: Vec<(f64, f64, f64)> = times.iter().map(|&t| (t, 1.0, 1.0)).collect();
    let free = json!({"states.bright.fret": {"initial": 0.12, "min": 0.0, "max": 1.0}});
    let path = write_fit(
        &dir,
        &s,
        &[("app", "apparent_msd", json!({}), placeholder)],
        free.clone(),
    );
    let clean = model(&path, 0, &[0.09]);
    let rows = noisy(&times, &clean, 2.0, 0.03, &mut Pcg32::new(8, 3));
    let path = write_fit(&dir, &s, &[("app", "apparent_msd", json!({}), rows)], free);
    edit(&path, |f| {
        f["check_walkers"] = json!("auto");
    });
    let o = fit_cli(&path, &dir.join("out"));
    println!("{}", text(&o));
    let r = fit_json(&dir.join("out"));
    let (d, n, missing) = first_check(&r);
    assert_eq!(n + missing, 39, "{d}");
    assert!(n > 0, "no point checked: {d}");
    let said = r["notes"].to_string() + &r["warnings"].to_string();
    if missing > 0 {
        assert!(
            said.contains(&format!("{missing} of 39 points have no Monte Carlo value")),
            "{said}"
        );
    }
    if d["limited"].is_string() {
        assert!(said.contains("too expensive"), "{said}");
    }
}
