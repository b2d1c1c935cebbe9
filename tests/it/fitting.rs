//! `exciton-mc fit`: errors that cover the truth as often as they should, a global fit
//! that recovers a shared splitting energy, the example, and bad input named by file
//! and line or path.

use crate::common::{exe, temp_dir, text};
use exciton::fit::Fit;
use exciton_core::kernels::rng::Pcg32;
use serde_json::{json, Value};
use std::path::Path;

/// A standard normal draw (Box-Muller) from a PCG stream.
pub(crate) fn gauss(rng: &mut Pcg32) -> f64 {
    let u = (f64::from(rng.next_u32()) + 0.5) / 4_294_967_296.0;
    let v = (f64::from(rng.next_u32()) + 0.5) / 4_294_967_296.0;
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// `exciton-mc fit PATH --out OUT`.
pub(crate) fn fit_cli(path: &Path, out: &Path) -> std::process::Output {
    exe()
        .arg("fit")
        .arg(path)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// Rows (time, value, error) of `clean` with Gaussian noise of error `floor + rel * value`.
pub(crate) fn noisy(
    times: &[f64],
    clean: &[f64],
    floor: f64,
    rel: f64,
    rng: &mut Pcg32,
) -> Vec<(f64, f64, f64)> {
    times
        .iter()
        .zip(clean)
        .map(|(&t, &m)| {
            let err = floor + rel * m;
            (t, m + err * gauss(rng), err)
        })
        .collect()
}

pub(crate) fn paper_scenario() -> Value {
    json!({
        "name": "fit-test", "lattice": {"geometry": "paper", "pitch_nm": 7.0},
        "dt_ps": 25.0, "frames": 200, "walkers": 1000, "seed": 1,
        "units": "probability_per_frame",
        "initial": {"sigma_sites": 10.0, "populations": {"bright": 0.5, "dark": 0.5}},
        "states": {
            "bright": {"radiative": 0.03, "fret": 0.09, "to": {"dark": 0.15}},
            "dark": {"radiative": 0.0003}
        }
    })
}

/// A dataset of [`write_fit`]: file stem, observable, the scenario's changes, and
/// (time, value, error) rows.
pub(crate) type Dataset<'a> = (&'a str, &'a str, Value, Vec<(f64, f64, f64)>);
/// An edit that spoils a fit directory.
type Edit<'a> = Box<dyn Fn() + 'a>;

/// Writes a fit directory: the scenario, one CSV per dataset (exact model at the true
/// values plus Gaussian noise of the given errors), and fit.json.
pub(crate) fn write_fit(
    dir: &Path,
    scenario: &Value,
    datasets: &[Dataset],
    free: Value,
) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("scenario.json"),
        serde_json::to_string(scenario).unwrap(),
    )
    .unwrap();
    let mut specs = Vec::new();
    for (name, observable, set, rows) in datasets {
        let (v, e) = if *observable == "intensity" {
            ("intensity", "intensity_stderr")
        } else {
            ("msd_nm2", "msd_stderr_nm2")
        };
        let mut csv = format!("time_ps,{v},{e}\n");
        for (t, y, err) in rows {
            csv += &format!("{t},{y},{err}\n");
        }
        std::fs::write(dir.join(format!("{name}.csv")), csv).unwrap();
        let mut spec = json!({"file": format!("{name}.csv"), "observable": observable, "set": set});
        if *observable == "intensity" {
            // The model's shape at its peak 1, as these tests' data are made.
            spec["scale"] = json!(1.0);
        }
        specs.push(spec);
    }
    let fit =
        json!({"scenario": "scenario.json", "datasets": specs, "free": free, "check_walkers": 0});
    let path = dir.join("fit.json");
    std::fs::write(&path, serde_json::to_string_pretty(&fit).unwrap()).unwrap();
    path
}

/// The exact model of a fit file's dataset `d` at `theta`.
pub(crate) fn model(path: &Path, d: usize, theta: &[f64]) -> Vec<f64> {
    let fit = Fit::load(path).unwrap();
    fit.model(&fit.datasets[d], theta).unwrap()
}

#[test]
fn fitted_errors_cover_the_true_values_as_often_as_one_sigma_should() {
    let dir = temp_dir("fit-coverage");
    let truth = [0.09, 0.15];
    let times: Vec<f64> = (1..=40).map(|k| f64::from(k) * 75.0).collect();
    let placeholder: Vec<(f64, f64, f64)> = times.iter().map(|&t| (t, 1.0, 1.0)).collect();
    let free = json!({"states.bright.fret": {"initial": 0.12, "min": 0.0, "max": 1.0},
                      "states.bright.to.dark": {"initial": 0.1, "min": 0.0, "max": 0.9}});
    let path = write_fit(
        &dir,
        &paper_scenario(),
        &[("msd", "msd", json!({}), placeholder)],
        free.clone(),
    );
    let clean = model(&path, 0, &truth);
    let (mut inside, mut total, seeds) = ([0; 2], 0, 100);
    for seed in 0..seeds {
        let mut rng = Pcg32::new(seed, 3);
        let rows = noisy(&times, &clean, 1.0, 0.03, &mut rng);
        let path = write_fit(
            &dir,
            &paper_scenario(),
            &[("msd", "msd", json!({}), rows)],
            free.clone(),
        );
        let fit = Fit::load(&path).unwrap();
        let o = fit.run();
        assert!(o.converged, "seed {seed} did not converge");
        let err = o.stderr();
        for i in 0..2 {
            if (o.params[i] - truth[i]).abs() <= err[i].unwrap() {
                inside[i] += 1;
            }
        }
        total += 1;
    }
    let frac: Vec<f64> = inside
        .iter()
        .map(|&n| f64::from(n) / f64::from(total))
        .collect();
    println!(
        "within 1 stderr over {total} noise seeds: fret {:.0} %, bright->dark {:.0} %",
        100.0 * frac[0],
        100.0 * frac[1]
    );
    for f in frac {
        assert!((0.55..=0.80).contains(&f), "coverage {f}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_global_fit_over_three_temperatures_recovers_the_shared_splitting() {
    let dir = temp_dir("fit-global");
    // Dark -> bright by detailed balance over the splitting: the PL decay's slow tail
    // depends on it through the temperature.
    let mut s = paper_scenario();
    s["sample"] = json!({"preset": "5nm_SL", "splitting_meV": 12.0});
    s["temperature_K"] = json!(20.0);
    s["lattice"] = json!({"geometry": "paper"});
    s["states"]["dark"]["to"] = json!({"bright": {"detailed_balance": {}}});
    s["frames"] = json!(400);
    let temps = [10.0, 20.0, 40.0];
    let times: Vec<f64> = (0..40).map(|k| f64::from(k) * 250.0).collect();
    let placeholder = |_: f64| times.iter().map(|&t| (t, 1.0, 1.0)).collect::<Vec<_>>();
    let free = json!({"sample.splitting_meV": {"initial": 8.0, "min": 0.0, "max": 40.0}});
    let sets: Vec<(String, Value)> = temps
        .iter()
        .map(|t| (format!("pl-{t}"), json!({"temperature_K": t})))
        .collect();
    let datasets: Vec<Dataset> = sets
        .iter()
        .map(|(n, set)| (n.as_str(), "intensity", set.clone(), placeholder(0.0)))
        .collect();
    let path = write_fit(&dir, &s, &datasets, free.clone());
    let mut rng = Pcg32::new(11, 5);
    let noisy: Vec<Dataset> = sets
        .iter()
        .enumerate()
        .map(|(i, (n, set))| {
            let clean = model(&path, i, &[15.0]);
            let rows = noisy(&times, &clean, 0.002, 0.02, &mut rng);
            (n.as_str(), "intensity", set.clone(), rows)
        })
        .collect();
    let path = write_fit(&dir, &s, &noisy, free);
    let fit = Fit::load(&path).unwrap();
    let o = fit.run();
    let (v, e) = (o.params[0], o.stderr()[0].unwrap());
    println!(
        "splitting {v:.3} +- {e:.3} meV (true 15), chi2 {:.1} for {} dof",
        o.chi2, o.dof
    );
    assert!(
        o.converged && (v - 15.0).abs() < 4.0 * e && e < 2.0,
        "{v} +- {e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `exciton-mc fit` on an example's fit.json and checks every free value within
/// `band` errors of the value that made its data; returns the fit's fit.json.
pub(crate) fn example_fit(fit: &str, truths: &[(&str, f64)], band: f64) -> Value {
    let out = temp_dir("fit-example");
    let o = exe()
        .args(["fit", fit, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    println!("{}", text(&o));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
    assert_eq!(r["status"], "ok", "{}", r["warnings"]);
    for (path, truth) in truths {
        let p = &r["parameters"][path];
        let (v, e) = (p["value"].as_f64().unwrap(), p["stderr"].as_f64().unwrap());
        assert!(
            (v - truth).abs() < band * e,
            "{path}: {v} +- {e}, made with {truth}"
        );
    }
    assert!(r["converged"].as_bool().unwrap());
    assert_eq!(
        r["correlation"].as_array().unwrap().len(),
        r["order"].as_array().unwrap().len()
    );
    assert!(out.join("fit.png").exists());
    r
}

#[test]
fn the_example_fit_recovers_the_rates_that_made_its_data() {
    let r = example_fit(
        "examples/fit-5nm-9K/fit.json",
        &[
            ("states.bright.fret", 0.09),
            ("states.bright.to.dark", 0.15),
        ],
        3.0,
    );
    assert!(r["monte_carlo_check"]["chi2"].as_f64().is_some());
}

#[test]
fn bad_fit_input_is_named_by_file_and_line_or_path() {
    let dir = temp_dir("fit-errors");
    let good = |dir: &Path| {
        write_fit(
            dir,
            &paper_scenario(),
            &[(
                "msd",
                "msd",
                json!({}),
                vec![(100.0, 50.0, 3.0), (200.0, 100.0, 4.0), (300.0, 130.0, 4.0)],
            )],
            json!({"states.bright.fret": {"initial": 0.1}}),
        )
    };
    let path = good(&dir);
    let csv = dir.join("msd.csv");
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|| std::fs::write(&csv, "time_ps,value\n1,2\n").unwrap()),
            "no `msd_nm2` column",
        ),
        (
            Box::new(|| std::fs::write(&csv, "time_ps,msd_nm2\n100,1\n50,2\n").unwrap()),
            "msd.csv: line 3: times must increase",
        ),
        (
            Box::new(|| {
                std::fs::write(&csv, "time_ps,msd_nm2,msd_stderr_nm2\n100,1,1\n200,2,-1\n").unwrap()
            }),
            "line 3: `msd_stderr_nm2` = -1: standard errors must be positive",
        ),
        (
            Box::new(|| std::fs::write(&csv, "time_ps,msd_nm2\n100,1\n200,abc\n").unwrap()),
            "line 3: `msd_nm2` = `abc` is not a number",
        ),
        (
            Box::new(|| std::fs::write(&csv, "time_ps,msd_nm2\n100,1\n900000,2\n").unwrap()),
            "beyond the scenario's last frame",
        ),
        // FIT.json is read as strictly as a scenario: a free parameter given twice is
        // refused (JSON would keep the second silently).
        (
            Box::new(|| {
                let text = std::fs::read_to_string(&path).unwrap();
                let twice = text.replacen(
                    "\"free\": {",
                    "\"free\": {\"states.bright.fret\": {\"initial\": 0.2}, ",
                    1,
                );
                assert_ne!(text, twice, "the edit found `\"free\": {{` in fit.json");
                std::fs::write(&path, twice).unwrap();
            }),
            "the key `states.bright.fret` appears twice",
        ),
    ];
    for (break_it, want) in cases {
        good(&dir);
        break_it();
        let o = fit_cli(&path, &dir.join("out"));
        println!("{}", text(&o).trim());
        assert_eq!(o.status.code(), Some(2), "{want}: {}", text(&o));
        assert!(text(&o).contains(want), "expected `{want}`: {}", text(&o));
    }
    // A free path that does not exist, and bounds that exclude the start.
    for (free, want) in [
        (
            json!({"states.bright.hop": {"initial": 0.1}}),
            "free.states.bright.hop: no such field",
        ),
        (
            json!({"states.bright.fret": {"initial": 2.0, "max": 1.0}}),
            "initial 2 is outside",
        ),
    ] {
        let path = write_fit(
            &dir,
            &paper_scenario(),
            &[(
                "msd",
                "msd",
                json!({}),
                vec![(100.0, 50.0, 3.0), (200.0, 100.0, 4.0)],
            )],
            free,
        );
        let o = fit_cli(&path, &dir.join("out"));
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            text(&o).contains(want) && text(&o).contains("fit.json"),
            "expected `{want}`: {}",
            text(&o)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fit_under_a_pulse_train_recovers_its_rates_and_refuses_what_it_cannot_model() {
    // The paper's model with a slowly hopping dark state, 3 pulses every 2.5 ns: the
    // MSD at t = 0 already holds earlier pulses' excitons, which a single-pulse model
    // would miss.
    let dir = temp_dir("fit-train");
    let mut s = paper_scenario();
    s["frames"] = json!(320);
    s["states"]["dark"] = json!({"radiative": 0.002, "fret": 0.01, "to": {"bright": 0.008}});
    s["excitation"] = json!({"repetition_ns": 2.5, "pulses": 3});
    let truth = [0.09, 0.15];
    let times: Vec<f64> = (1..=30).map(|k| f64::from(k) * 75.0).collect();
    let placeholder: Vec<(f64, f64, f64)> = times.iter().map(|&t| (t, 1.0, 1.0)).collect();
    let free = json!({"states.bright.fret": {"initial": 0.12, "min": 0.0, "max": 1.0},
                      "states.bright.to.dark": {"initial": 0.1, "min": 0.0, "max": 0.9}});
    let path = write_fit(
        &dir,
        &s,
        &[("msd", "msd", json!({}), placeholder)],
        free.clone(),
    );
    let clean = model(&path, 0, &truth);
    let mut rng = Pcg32::new(7, 3);
    let rows = noisy(&times, &clean, 1.0, 0.03, &mut rng);
    let path = write_fit(
        &dir,
        &s,
        &[("msd", "msd", json!({}), rows.clone())],
        free.clone(),
    );
    let o = Fit::load(&path).unwrap().run();
    let err = o.stderr();
    println!(
        "train fit: fret {:.4} +- {:.4} (true 0.09), bright->dark {:.4} +- {:.4} (true 0.15)",
        o.params[0],
        err[0].unwrap(),
        o.params[1],
        err[1].unwrap()
    );
    assert!(o.converged);
    for i in 0..2 {
        assert!((o.params[i] - truth[i]).abs() <= 4.0 * err[i].unwrap());
    }
    // Data beyond the period: the model covers one period after a pulse.
    let mut long = rows.clone();
    long.push((3000.0, 200.0, 5.0));
    let path = write_fit(&dir, &s, &[("msd", "msd", json!({}), long)], free.clone());
    let o = fit_cli(&path, &dir.join("out"));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("one period after a pulse"),
        "{}",
        text(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
