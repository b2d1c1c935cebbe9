//! A physicist's first hour (issue 29): the README's "Model your own film" arithmetic and
//! its shipped scenario, `exciton-mc example --with`, and every key of results.json
//! documented in the README.

use crate::common::{exe, read_json, run_exact, scenario, temp_dir, text};
use exciton_core::model::WalkTables;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const OWN_FILM: &str = "examples/own-film.json";

/// The measured numbers the README's worked example starts from (and the scenario's
/// `comment` states), in the units the README gives them.
struct Measured {
    tau_bright_ns: f64,
    tau_dark_ns: f64,
    bright_photon_fraction: f64,
    bright_at_start: f64,
    splitting_mev: f64,
    spot_fwhm_nm: f64,
    psf_fwhm_nm: f64,
    temperature_k: f64,
    pitch_nm: f64,
    bright_diffusivity_cm2_s: f64,
}

const FILM: Measured = Measured {
    tau_bright_ns: 0.40,
    tau_dark_ns: 40.0,
    bright_photon_fraction: 0.35,
    bright_at_start: 0.5,
    splitting_mev: 10.0,
    spot_fwhm_nm: 200.0,
    psf_fwhm_nm: 300.0,
    temperature_k: 10.0,
    pitch_nm: 8.5,
    bright_diffusivity_cm2_s: 0.003,
};

/// The tau_PL range the README states for `examples/own-film.json` (ps).
const README_TAU_PL_PS: (f64, f64) = (400.0, 430.0);

fn own_film() -> Value {
    read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join(OWN_FILM))
}

fn num(v: &Value, path: &str) -> f64 {
    let mut x = v;
    for k in path.split('.') {
        x = &x[k];
    }
    x.as_f64()
        .unwrap_or_else(|| panic!("{OWN_FILM}: {path} is not a number: {x}"))
}

fn close(what: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: the file has {got}, the README's arithmetic gives {want} (tolerance {rel:e} relative)"
    );
}

#[test]
fn own_film_holds_the_numbers_the_readme_arithmetic_gives() {
    let s = own_film();
    let m = FILM;
    assert_eq!(
        s["units"], "rate_per_ns",
        "the README's arithmetic gives rates in ns^-1"
    );
    assert_eq!(s["lattice"]["geometry"], "paper");
    // The comment says where every number comes from: each measured number is in it.
    let comment = s["comment"].as_str().unwrap();
    for said in [
        "tau_B = 0.40 ns",
        "tau_D = 40 ns",
        "f = 0.35",
        "n_B0 = 0.5",
        "splitting 10 meV",
        "spot FWHM 200 nm",
        "PSF FWHM 300 nm",
        "pitch 8.5 nm",
        "D_B = 0.003 cm^2/s",
        "at 10 K",
    ] {
        assert!(
            comment.contains(said),
            "the comment does not say {said:?}: {comment}"
        );
    }
    // Spot: sigma = FWHM / (2 sqrt(2 ln 2)), in sites of the pitch (written to 2 decimals).
    let sigma = m.spot_fwhm_nm / (2.0 * (2.0 * 2f64.ln()).sqrt()) / m.pitch_nm;
    assert!(
        (num(&s, "initial.sigma_sites") - sigma).abs() < 0.005,
        "initial.sigma_sites: {} in the file, {sigma} from FWHM and pitch",
        num(&s, "initial.sigma_sites")
    );
    // The measured numbers the file takes as they are.
    for (path, measured) in [
        ("sample.pitch_nm", m.pitch_nm),
        ("sample.splitting_meV", m.splitting_mev),
        ("temperature_K", m.temperature_k),
        ("microscope.psf_fwhm_nm", m.psf_fwhm_nm),
        ("initial.populations.bright", m.bright_at_start),
    ] {
        close(path, num(&s, path), measured, 0.0);
    }
    // Lifetimes: with no non-radiative decay every exciton ends as a photon, so the
    // fast component's share of the photons is f = n_B0 k_rad,B tau_B.
    let k_rad_b = m.bright_photon_fraction / (m.bright_at_start * m.tau_bright_ns);
    close(
        "states.bright.radiative",
        num(&s, "states.bright.radiative"),
        k_rad_b,
        1e-12,
    );
    close(
        "states.bright.to.dark",
        num(&s, "states.bright.to.dark"),
        1.0 / m.tau_bright_ns - k_rad_b,
        1e-12,
    );
    close(
        "states.dark.radiative",
        num(&s, "states.dark.radiative"),
        1.0 / m.tau_dark_ns,
        1e-12,
    );
    assert!(s["states"]["dark"]["to"]["bright"]
        .get("detailed_balance")
        .is_some());
    // Diffusivity per axis, paper geometry: D = 2.5 k_fret a^2 / 2 (x +-1 steps at 2.5
    // k_fret, each adding 1 site^2); 1 cm^2/s = 1e5 nm^2/ns. Written to 3 digits.
    let d_nm2_ns = m.bright_diffusivity_cm2_s * 1e5;
    let fret = d_nm2_ns / (1.25 * m.pitch_nm * m.pitch_nm);
    close(
        "states.bright.fret",
        num(&s, "states.bright.fret"),
        fret,
        2e-3,
    );
    // The same D from what the engine implements: the x-moving part of the hop ("x +-1"
    // in `check`), in ns^-1, times a^2 / 2.
    let sc = scenario(&s);
    let tables = WalkTables::new(&sc);
    let x = tables.x_step_probabilities();
    let bright = sc.states.names.iter().position(|n| n == "bright").unwrap();
    close(
        "the engine's bright diffusivity (x +-1 a^2 / 2)",
        x[bright] * m.pitch_nm * m.pitch_nm / 2.0,
        d_nm2_ns,
        2e-3,
    );
}

#[test]
fn own_film_checks_and_its_exact_run_gives_the_readme_tau_pl() {
    let o = exe().args(["check", OWN_FILM]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let out = temp_dir("own-film-exact");
    let o = run_exact(OWN_FILM, &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let r = read_json(&out.join("results.json"));
    let p = &r["points"][0];
    let tau = p["tau_pl_ps"].as_f64().unwrap();
    let (lo, hi) = README_TAU_PL_PS;
    assert!(
        (lo..=hi).contains(&tau),
        "tau_PL {tau} ps, the README says {lo}-{hi} ps"
    );
    // The bright lifetime the scenario was built from is the fast component: tau_PL (the
    // total PL's 1/e time) lies near it, a little longer for the dark excitons' light.
    assert!(tau > FILM.tau_bright_ns * 1e3, "tau_PL {tau} ps");
}

/// `exciton-mc example --with F` for every feature alone and all together: each prints
/// a scenario that `exciton-mc check` accepts, holding the feature's block.
#[test]
fn example_with_every_feature_checks() {
    let all = "landscape,microscope,rates,image,profiles";
    let dir = crate::common::TempDir::created("example-with");
    for (i, with) in ["landscape", "microscope", "rates", "image", "profiles", all]
        .iter()
        .enumerate()
    {
        let o = exe().args(["example", "--with", with]).output().unwrap();
        assert!(o.status.success(), "example --with {with}: {}", text(&o));
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("example --with {with} is not JSON ({e}): {}", text(&o)));
        let has = |f: &str| with.split(',').any(|w| w == f);
        assert_eq!(v.get("landscape").is_some(), has("landscape"), "{with}");
        assert_eq!(v.get("microscope").is_some(), has("microscope"), "{with}");
        assert_eq!(v.get("image").is_some(), has("image"), "{with}");
        assert_eq!(
            v.get("record_profiles") == Some(&Value::Bool(true)),
            has("profiles")
        );
        let units = if has("rates") {
            "rate_per_ns"
        } else {
            "probability_per_frame"
        };
        assert_eq!(v["units"], units, "{with}");
        let file = dir.join(format!("example-{i}.json"));
        std::fs::write(&file, &o.stdout).unwrap();
        let c = exe().arg("check").arg(&file).output().unwrap();
        assert!(
            c.status.success(),
            "check of example --with {with} failed: {}\n{}",
            text(&c),
            String::from_utf8_lossy(&o.stdout)
        );
    }
    // Rates: 0.03 per 25 ps frame is 1.2 ns^-1, a temperature table's T_K untouched.
    let o = exe().args(["example", "--with", "rates"]).output().unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["states"]["bright"]["radiative"], 1.2);
    assert_eq!(
        v["states"]["bright"]["fret"]["table"]["T_K"],
        serde_json::json!([9, 300])
    );
    assert_eq!(
        v["states"]["bright"]["fret"]["table"]["values"],
        serde_json::json!([3.6, 6.0])
    );
    // Repeated and listed give the same scenario.
    let a = exe()
        .args(["example", "--with", "rates,image"])
        .output()
        .unwrap();
    let b = exe()
        .args(["example", "--with", "image", "--with", "rates"])
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
    // Without --with: the shipped file as it is.
    let o = exe().arg("example").output().unwrap();
    let shipped =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/example.json"))
            .unwrap();
    assert_eq!(o.stdout, shipped);
    // An unknown feature is refused, naming the valid ones.
    let o = exe()
        .args(["example", "--with", "landscape,pulses"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = text(&o);
    for name in [
        "pulses",
        "landscape",
        "microscope",
        "rates",
        "image",
        "profiles",
    ] {
        assert!(err.contains(name), "the error does not name {name}: {err}");
    }
}

/// Every key a results.json holds (top level, per point, and inside `sample`, `shard`,
/// `curves`, `excitation`, `emission_profile`; a large run's too), and every column of
/// curves.parquet, stored or left out (`curves.derived`), appears in README.md in
/// backticks.
#[test]
fn every_results_json_key_is_in_the_readme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let dir = crate::common::TempDir::created("results-keys");
    // As many optional keys as a cheap run gives: a preset sample (its measured values),
    // a temperature sweep, the microscope, profiles and an image, a landscape; a shard.
    let mut full = crate::common::paper_json();
    full["sample"] = "5nm_SL".into();
    full["lattice"] = serde_json::json!({ "geometry": "paper" });
    full["temperature_K"] = 9.into();
    full["walkers"] = 4000.into();
    full["frames"] = 60.into();
    full["microscope"] = serde_json::json!({ "psf_fwhm_nm": 270, "pixel_nm": 40 });
    full["record_profiles"] = true.into();
    full["image"] = serde_json::json!({ "frame": 0, "frames": 10, "half_width_sites": 20 });
    full["landscape"] = serde_json::json!({ "seed": 3, "energy_sigma_meV": 5 });
    full["sweep"] =
        serde_json::json!({ "mode": "zip", "parameters": { "temperature_K": [9, 20] } });
    full["figures"] = serde_json::json!(["msd", "diffusion_map"]);
    // A pulse train (not with an image or profiles yet): `excitation`.
    let mut pulses = crate::common::paper_json();
    pulses["walkers"] = 4000.into();
    pulses["frames"] = 60.into();
    pulses["excitation"] = serde_json::json!({ "repetition_ns": 0.5, "pulses": 3 });
    // More points than a run writes in full (exact: what its points share, written once).
    let mut large = crate::common::paper_json();
    large["frames"] = 4.into();
    large["sweep"] = serde_json::json!({ "mode": "zip", "parameters": {
        "states.bright.fret": (0..1001).map(|i| 0.05 + 1e-5 * f64::from(i)).collect::<Vec<_>>() } });
    let mut keys = BTreeSet::new();
    for (name, s, flags) in [
        ("full", &full, &["--backend", "cpu", "--shard", "0/2"][..]),
        ("pulses", &pulses, &["--backend", "cpu"][..]),
        ("large", &large, &["--backend", "exact"][..]),
    ] {
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string(s).unwrap()).unwrap();
        let out = dir.join(name);
        let o = exe()
            .arg("run")
            .arg(&file)
            .args(["--threads", "1", "--quiet", "--out"])
            .arg(&out)
            .args(flags)
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", text(&o));
        let r = read_json(&out.join("results.json"));
        collect(&r, "", &mut keys);
        for key in ["sample", "shard", "curves", "points_common"] {
            collect(&r[key], key, &mut keys);
        }
        collect(&r["curves"]["derived"], "curves.derived", &mut keys);
        // curves.parquet's columns, as results.json lists them: the swept parameters
        // are named by their paths, the per-state ones by the README's `<state>`.
        let states: Vec<String> = r["scenario_json"]["states"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let swept = r["points"][0]["parameters"].as_object().unwrap().clone();
        for c in r["curves"]["columns"].as_array().unwrap() {
            let c = c.as_str().unwrap();
            if swept.contains_key(c) {
                continue;
            }
            let generic = ["population_", "intensity_"].iter().find_map(|pre| {
                let state = c.strip_prefix(pre)?;
                states
                    .contains(&state.to_string())
                    .then(|| format!("{pre}<state>"))
            });
            keys.insert(("curves.columns".into(), generic.unwrap_or_else(|| c.into())));
        }
        for p in r["points"].as_array().unwrap() {
            collect(p, "points[]", &mut keys);
            for key in ["sample", "excitation", "emission_profile"] {
                collect(&p[key], key, &mut keys);
            }
            collect(
                &p["emission_profile"]["image"],
                "emission_profile.image",
                &mut keys,
            );
        }
    }
    for must in [
        "shard",
        "sweep_mode",
        "excitation",
        "emission_profile",
        "image",
        "measured_tau_bright_ps",
        "apparent_msd_nm2",
        "mean_energy_meV",
        "msd_occupancy_nm2",
        "points_common",
        "points_warnings",
        "warning_ids",
    ] {
        assert!(
            keys.iter().any(|(_, k)| k == must),
            "the runs did not write {must}: the test no longer sees every key"
        );
    }
    let missing: Vec<String> = keys
        .iter()
        .filter(|(_, k)| !readme.contains(&format!("`{k}`")))
        .map(|(at, k)| {
            if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            }
        })
        .collect();
    assert!(
        missing.is_empty(),
        "results.json keys and curves.parquet columns not in README.md in backticks: {}",
        missing.join(", ")
    );
}

/// The keys of `v` (an object; nothing otherwise), each with where it was found.
fn collect(v: &Value, at: &str, keys: &mut BTreeSet<(String, String)>) {
    if let Some(o) = v.as_object() {
        keys.extend(o.keys().map(|k| (at.to_string(), k.clone())));
    }
}
