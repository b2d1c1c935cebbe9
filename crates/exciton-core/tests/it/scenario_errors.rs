//! Every bad input gives an error naming file, JSON path, kind and reason, never a panic.

use crate::common::{paper_json, remove, set, TempDir};
use exciton_core::error::{ScenarioError, ScenarioErrorKind as Kind};
use exciton_core::scenario::{Scenario, Units};
use exciton_core::sweep::Plan;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The error `v` must give: its kind and JSON path, and the `FILE: PATH: REASON` form.
fn expect_error(v: &Value, kind: Kind, path: &str) -> ScenarioError {
    let err = Scenario::from_value(v, Path::new("bad.json")).expect_err("scenario must be refused");
    let shown = err.to_string();
    println!("{shown}");
    assert_eq!(err.file, Path::new("bad.json"), "{shown}");
    assert_eq!(err.kind, kind, "wrong kind of error in: {shown}");
    assert_eq!(err.path, path, "wrong JSON path in: {shown}");
    let want = if path.is_empty() {
        format!("bad.json: {}", err.reason)
    } else {
        format!("bad.json: {path}: {}", err.reason)
    };
    assert_eq!(shown, want);
    err
}

/// Where the kind and path leave the message's content open (which field, which numbers).
fn says(err: &ScenarioError, text: &str) {
    assert!(
        err.reason.contains(text),
        "reason should contain {text:?}: {err}"
    );
}

fn with(path: &str, value: Value) -> Value {
    let mut v = paper_json();
    set(&mut v, path, value);
    v
}

/// A fresh directory for this test's files.
fn temp_dir(name: &str) -> TempDir {
    TempDir::created(&format!("scenario-errors-{name}"))
}

#[test]
fn the_issue_example_loads() {
    let s = Scenario::from_value(&paper_json(), Path::new("ok.json")).unwrap();
    assert_eq!(s.states.names, ["bright", "dark", "trapped"]);
    assert_eq!(s.units, Units::ProbabilityPerFrame);
    assert!((s.states.hop[0] - 0.405).abs() < 1e-15, "hop = 4.5 x 0.09");
    assert_eq!(s.states.to[0][1], 0.15);
    assert_eq!(s.max_dx_sites, 300);
}

#[test]
fn unknown_state_in_to() {
    let e = expect_error(
        &with("states.bright.to.grey", json!(0.1)),
        Kind::UnknownState,
        "states.bright.to.grey",
    );
    says(&e, "(states are: bright, dark, trapped)");
}

#[test]
fn a_state_cannot_change_into_itself() {
    let e = expect_error(
        &with("states.bright.to.bright", json!(0.1)),
        Kind::SelfTransition,
        "states.bright.to.bright",
    );
    says(&e, "cannot change into itself");
    says(&e, "leave `bright` out of states.bright.to");
    // Also as a temperature model, and in rates.
    let mut v = with(
        "states.dark.to.dark",
        json!({ "arrhenius": { "prefactor": 0.1, "activation_meV": 1.0 } }),
    );
    set(&mut v, "units", json!("rate_per_ns"));
    expect_error(&v, Kind::SelfTransition, "states.dark.to.dark");
}

#[test]
fn populations_not_summing_to_one() {
    let e = expect_error(
        &with("initial.populations.dark", json!(0.4)),
        Kind::SumNotOne,
        "initial.populations",
    );
    says(&e, "sum to 0.9");
}

#[test]
fn unknown_state_in_populations() {
    expect_error(
        &with("initial.populations.grey", json!(0.0)),
        Kind::UnknownState,
        "initial.populations.grey",
    );
}

#[test]
fn bad_populations() {
    expect_error(
        &with("initial.populations.dark", json!("half")),
        Kind::WrongType,
        "initial.populations.dark",
    );
    expect_error(
        &with("initial.populations", json!("boltzmann")),
        Kind::UnknownKeyword,
        "initial.populations",
    );
    expect_error(
        &with("initial.populations", json!([0.5, 0.5])),
        Kind::WrongType,
        "initial.populations",
    );
    // "thermal" needs a sample and a temperature.
    expect_error(
        &with("initial.populations", json!("thermal")),
        Kind::Missing,
        "initial.populations",
    );
}

#[test]
fn outgoing_probabilities_above_one_name_the_parts() {
    let e = expect_error(
        &with("states.bright.to.dark", json!(0.9)),
        Kind::SumAboveOne,
        "states.bright",
    );
    says(
        &e,
        "sum to 1.335, above 1 (radiative 0.03 + nonradiative 0 + hop 0.405 + to.dark 0.9)",
    );
}

#[test]
fn negative_and_non_finite_numbers() {
    let e = expect_error(
        &with("states.dark.radiative", json!(-0.1)),
        Kind::Negative,
        "states.dark.radiative",
    );
    says(&e, "-0.1 is negative");
    expect_error(
        &with("states.bright.fret", json!(-1)),
        Kind::Negative,
        "states.bright.fret",
    );
    let e = expect_error(&with("dt_ps", json!(0.0)), Kind::OutOfRange, "dt_ps");
    says(&e, "greater than 0");
    expect_error(
        &with("lattice.pitch_nm", json!(-7)),
        Kind::Negative,
        "lattice.pitch_nm",
    );
    expect_error(
        &with("initial.sigma_sites", json!(-1)),
        Kind::Negative,
        "initial.sigma_sites",
    );
    // JSON has no NaN or infinity: serde_json turns them into null, which is refused.
    let e = expect_error(&with("dt_ps", json!(f64::NAN)), Kind::WrongType, "dt_ps");
    says(&e, "invalid type: null");
    let e = expect_error(
        &with("states.bright.fret", json!(f64::INFINITY)),
        Kind::WrongType,
        "states.bright.fret",
    );
    says(&e, "expected a number or a temperature model, found null");
    // A model can still overflow.
    let mut v = with("temperature_K", json!(1.0));
    set(
        &mut v,
        "states.dark.radiative",
        json!({ "arrhenius": { "prefactor": 1e300, "activation_meV": -100.0 } }),
    );
    expect_error(&v, Kind::NotFinite, "states.dark.radiative");
}

#[test]
fn zero_frames_and_walkers() {
    let e = expect_error(&with("frames", json!(0)), Kind::OutOfRange, "frames");
    says(&e, "at least 1");
    expect_error(&with("walkers", json!(0)), Kind::OutOfRange, "walkers");
    expect_error(&with("frames", json!(2.5)), Kind::NotWhole, "frames");
    expect_error(&with("walkers", json!(-3)), Kind::Negative, "walkers");
    expect_error(&with("walkers", json!("many")), Kind::WrongType, "walkers");
}

#[test]
fn counts_accept_scientific_notation() {
    let s = Scenario::from_value(&with("walkers", json!(1e6)), Path::new("ok.json")).unwrap();
    assert_eq!(s.walkers, 1_000_000);
}

/// A scenario file whose seed is written as `seed`, character for character.
fn load_with_seed(dir: &Path, seed: &str) -> Result<Scenario, ScenarioError> {
    let text = serde_json::to_string_pretty(&with("seed", json!("SEED"))).unwrap();
    let file = dir.join(format!("seed-{seed}.json"));
    std::fs::write(&file, text.replace("\"SEED\"", seed)).unwrap();
    Scenario::load(&file)
}

#[test]
fn seeds_in_files_keep_every_digit() {
    let dir = temp_dir("seeds");
    for (text, seed) in [
        ("18446744073709551615", u64::MAX),
        ("9007199254740993", 9_007_199_254_740_993),
        ("1e6", 1_000_000),
    ] {
        let s = load_with_seed(&dir, text).unwrap();
        assert_eq!(s.seed, seed, "seed {text}");
    }
    // 1e17 is whole, but a float above 2^53 may have lost digits already.
    let e = load_with_seed(&dir, "1e17").unwrap_err();
    println!("{e}");
    assert_eq!((e.kind, e.path.as_str()), (Kind::Imprecise, "seed"), "{e}");
    says(&e, "write it as a plain integer");
    let e = load_with_seed(&dir, "18446744073709551616").unwrap_err();
    println!("{e}");
    assert_eq!((e.kind, e.path.as_str()), (Kind::OutOfRange, "seed"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fret_and_hop_together() {
    let e = expect_error(
        &with("states.bright.hop", json!(0.1)),
        Kind::Conflict,
        "states.bright",
    );
    says(&e, "not both");
}

#[test]
fn unknown_fields_are_rejected() {
    let e = expect_error(
        &with("states.bright.radiatve", json!(0.1)),
        Kind::UnknownField,
        "states.bright.radiatve",
    );
    says(&e, "expected one of `radiative`, `nonradiative`");
    expect_error(
        &with("lattice.geometry", json!("hexagonal")),
        Kind::UnknownKeyword,
        "lattice.geometry",
    );
    expect_error(
        &with("units", json!("per_second")),
        Kind::UnknownKeyword,
        "units",
    );
    expect_error(&with("colour", json!("red")), Kind::UnknownField, "colour");
    expect_error(
        &with("figures", json!(["msd", "histogram3d"])),
        Kind::UnknownKeyword,
        "figures[1]",
    );
}

#[test]
fn missing_fields_are_named() {
    let mut v = paper_json();
    remove(&mut v, "dt_ps");
    let e = expect_error(&v, Kind::Missing, "");
    says(&e, "missing field `dt_ps`");
    let mut v = paper_json();
    remove(&mut v, "lattice.pitch_nm");
    let e = expect_error(&v, Kind::Missing, "lattice.pitch_nm");
    says(&e, "give the NC centre-to-centre distance");
}

#[test]
fn too_many_states() {
    let mut v = paper_json();
    for i in 0..20 {
        set(
            &mut v,
            &format!("states.extra{i}"),
            json!({ "radiative": 0.1 }),
        );
    }
    let e = expect_error(&v, Kind::OutOfRange, "states");
    says(&e, "at most 16");
}

#[test]
fn wrong_types() {
    let e = expect_error(
        &with("states.bright.radiative", json!("fast")),
        Kind::WrongType,
        "states.bright.radiative",
    );
    says(&e, "found \"fast\"");
    expect_error(&with("states", json!([1, 2])), Kind::WrongType, "states");
    expect_error(&json!([paper_json()]), Kind::WrongType, "");
    expect_error(
        &with("states.bright.fret", json!({ "tabel": {} })),
        Kind::BadModel,
        "states.bright.fret",
    );
}

#[test]
fn zero_histogram_width() {
    expect_error(
        &with("histogram.max_dx_sites", json!(0)),
        Kind::OutOfRange,
        "histogram.max_dx_sites",
    );
}

#[test]
fn files_that_cannot_be_read_or_parsed() {
    let dir = temp_dir("files");
    let missing = dir.join("missing.json");
    let err = Scenario::load(&missing).unwrap_err();
    println!("{err}");
    assert_eq!(
        (err.kind, err.path.as_str()),
        (Kind::Unreadable, ""),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("missing.json: cannot read the file"),
        "{err}"
    );

    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\n  \"name\": \"x\",\n  \"frames\": 300,,\n}").unwrap();
    let err = Scenario::load(&broken).unwrap_err();
    println!("{err}");
    assert_eq!((err.kind, err.path.as_str()), (Kind::Syntax, ""), "{err}");
    assert!(
        err.to_string()
            .contains("broken.json: malformed JSON at line 3 column 17: key must be a string"),
        "{err}"
    );
    assert!(!err.to_string().ends_with("column 17"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The issue's scenario as a file, with `from` replaced by `to` in its compact text.
fn write_edited(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = serde_json::to_string(&paper_json()).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    let file = dir.join(name);
    std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
    file
}

#[test]
fn duplicate_keys_are_refused_where_they_are() {
    let dir = temp_dir("duplicates");
    for (from, to, path) in [
        (
            r#"{"dark":0.15}"#,
            r#"{"dark":0.15,"dark":0.3}"#,
            "states.bright.to.dark",
        ),
        (r#""seed":1,"#, r#""seed":1,"seed":2,"#, "seed"),
        (
            r#""dark":{"radiative":0.0003}"#,
            r#""dark":{"radiative":0.0003},"dark":{"radiative":0.1}"#,
            "states.dark",
        ),
    ] {
        let file = write_edited(&dir, "dup.json", from, to);
        // Sweep files are read by the same reader.
        for err in [
            Scenario::load(&file).unwrap_err(),
            Plan::load(&file).unwrap_err(),
        ] {
            println!("{err}");
            assert_eq!(err.kind, Kind::DuplicateKey, "{err}");
            assert_eq!(err.path, path, "{err}");
            assert_eq!(err.file, file);
            says(
                &err,
                "appears twice in the same object (second at line 1 column",
            );
        }
    }
    // The same key in different objects is fine.
    let file = write_edited(
        &dir,
        "ok.json",
        r#""dark":{"radiative":0.0003}"#,
        r#""dark":{"radiative":0.0003,"to":{"bright":0.0}}"#,
    );
    Scenario::load(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lattice_pitch_must_agree_with_the_sample() {
    // Equal values are fine.
    let s = Scenario::from_value(&with("sample", json!("5nm_SL")), Path::new("ok.json")).unwrap();
    assert_eq!(s.pitch_nm, 7.0);

    let mut v = with("sample", json!("5nm_SL"));
    set(&mut v, "lattice.pitch_nm", json!(10));
    let e = expect_error(&v, Kind::Conflict, "lattice.pitch_nm");
    says(
        &e,
        "10 nm conflicts with the 7 nm pitch of sample preset \"5nm_SL\"",
    );
    says(&e, "leave lattice.pitch_nm out");
    says(&e, "\"sample\": {\"preset\": \"5nm_SL\", \"pitch_nm\": 10}");

    // The custom form gives the sample its own pitch; the lattice may repeat it.
    let mut v = with("sample", json!({ "preset": "5nm_SL", "pitch_nm": 10 }));
    set(&mut v, "lattice.pitch_nm", json!(10.0));
    let s = Scenario::from_value(&v, Path::new("ok.json")).unwrap();
    assert_eq!(s.pitch_nm, 10.0);
    assert_eq!(s.sample.as_ref().unwrap().pitch_nm, 10.0);
    set(&mut v, "lattice.pitch_nm", json!(7));
    let e = expect_error(&v, Kind::Conflict, "lattice.pitch_nm");
    says(&e, "conflicts with sample.pitch_nm = 10 nm");
}

#[test]
fn bad_samples() {
    let e = expect_error(
        &with("sample", json!("4nm_SL")),
        Kind::UnknownSample,
        "sample",
    );
    says(&e, "presets: 5nm_SL, 8nm_SL, 14nm_film");
    expect_error(
        &with("sample", json!({ "preset": "4nm_SL" })),
        Kind::UnknownSample,
        "sample.preset",
    );
    expect_error(
        &with("sample", json!({ "preset": "5nm_SL", "pitch": 7 })),
        Kind::UnknownField,
        "sample.pitch",
    );
    expect_error(
        &with("sample", json!({ "name": "mine", "pitch_nm": 7 })),
        Kind::Missing,
        "sample.splitting_meV",
    );
    expect_error(
        &with("sample", json!({ "preset": "5nm_SL", "splitting_meV": -1 })),
        Kind::Negative,
        "sample.splitting_meV",
    );
    expect_error(&with("sample", json!(5)), Kind::WrongType, "sample");
}

#[test]
fn rates_are_converted_by_competing_risks_only_when_asked_by_name() {
    let mut v = paper_json();
    set(&mut v, "units", json!("rate_per_ns"));
    set(
        &mut v,
        "states.bright",
        json!({ "radiative": 1.2, "fret": 3.6, "to": { "dark": 6.0 } }),
    );
    // rate_per_ns keeps the rates: the walk runs the chain itself (continuous_time.rs).
    let s = Scenario::from_value(&v, Path::new("rates.json")).unwrap();
    assert_eq!(s.states.radiative[0], 1.2);
    assert!((s.states.hop[0] - 16.2).abs() < 1e-12);
    set(&mut v, "units", json!("rate_per_ns_competing_risks"));
    // bright: k_rad = 1.2, hop = 4.5 x 3.6 = 16.2, to dark 6 (ns^-1); K = 23.4.
    set(
        &mut v,
        "states.bright",
        json!({ "radiative": 1.2, "fret": 3.6, "to": { "dark": 6.0 } }),
    );
    let s = Scenario::from_value(&v, Path::new("rates.json")).unwrap();
    let k = 1.2 + 16.2 + 6.0;
    let f = (1.0 - (-k * 0.025f64).exp()) / k;
    assert!((s.states.radiative[0] - 1.2 * f).abs() < 1e-15);
    assert!((s.states.hop[0] - 16.2 * f).abs() < 1e-15);
    assert!((s.states.to[0][1] - 6.0 * f).abs() < 1e-15);
    // Any rates are allowed: the probabilities then sum below 1.
    set(&mut v, "states.bright.to.dark", json!(1e6));
    let s = Scenario::from_value(&v, Path::new("rates.json")).unwrap();
    let sum = s.states.radiative[0] + s.states.hop[0] + s.states.to[0][1];
    assert!(sum <= 1.0, "sum {sum}");
}

#[test]
fn frames_beyond_the_kernels_range_are_refused() {
    let e = expect_error(&with("frames", json!(46_342)), Kind::OutOfRange, "frames");
    says(&e, "above the limit of 46341");
    expect_error(&with("frames", json!(5e9)), Kind::OutOfRange, "frames");
}

#[test]
fn histograms_too_large_for_memory() {
    let mut v = with("frames", json!(40_000));
    set(&mut v, "initial.sigma_sites", json!(5000.0));
    set(&mut v, "record_profiles", json!(true));
    let e = expect_error(&v, Kind::TooLarge, "frames");
    says(
        &e,
        "reduce frames, histogram.max_dx_sites, initial.sigma_sites",
    );
    // Without the diffusion map's rows over the spot, frames and max_dx alone decide.
    let mut v = with("frames", json!(46_000));
    set(&mut v, "histogram.max_dx_sites", json!(46_000));
    let e = expect_error(&v, Kind::TooLarge, "frames");
    says(&e, "reduce frames, histogram.max_dx_sites");
}

#[test]
fn dissociation_needs_a_pair_state_and_a_binding_energy() {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(200));
    set(
        &mut v,
        "states.bright.to.dark",
        json!({ "dissociation": { "binding_meV": 40 } }),
    );
    // Without its reverse the balance would silently make the change 0.
    let err = expect_error(&v, Kind::Missing, "states.bright.to.dark");
    says(&err, "states.dark.to.bright, which is not given");
    set(&mut v, "states.dark.to", json!({ "bright": 0.01 }));
    // The paper's dark state emits: it cannot be an electron-hole pair.
    let err = expect_error(&v, Kind::BadModel, "states.bright.to.dark");
    says(&err, "neither hops nor emits");
    set(
        &mut v,
        "states.bright.to.dark",
        json!({ "dissociation": { "degeneracy": 3 } }),
    );
    let err = expect_error(&v, Kind::Missing, "states.bright.to.dark");
    says(&err, "binding_meV");
    set(
        &mut v,
        "states.bright.radiative",
        json!({ "dissociation": {} }),
    );
    expect_error(&v, Kind::BadModel, "states.bright.radiative");
}

#[test]
fn a_pulse_train_needs_whole_frames_and_a_run_that_covers_it() {
    let mut v = with("excitation", json!({ "repetition_ns": 2.51, "pulses": 3 }));
    let err = expect_error(&v, Kind::OutOfRange, "excitation.repetition_ns");
    says(&err, "whole number of frames");
    set(
        &mut v,
        "excitation",
        json!({ "repetition_ns": 2.5, "pulses": 0 }),
    );
    expect_error(&v, Kind::OutOfRange, "excitation.pulses");
    // 300 frames, 4 pulses every 100 frames: the earliest pulse's term needs 302.
    set(
        &mut v,
        "excitation",
        json!({ "repetition_ns": 2.5, "pulses": 4 }),
    );
    let err = expect_error(&v, Kind::OutOfRange, "frames");
    says(&err, "at least 302 frames");
    set(
        &mut v,
        "excitation",
        json!({ "repetition_ns": 2.5, "pulses": 2 }),
    );
    set(&mut v, "image", json!({ "frame": 10 }));
    let err = expect_error(&v, Kind::Conflict, "excitation");
    says(&err, "image");
}

#[test]
fn trap_depth_classes_are_named_by_their_release() {
    let mut v = with("temperature_K", json!(100));
    set(
        &mut v,
        "states",
        json!({
            "free": { "radiative": 0.01, "fret": 0.1, "to": { "trapped": 0.01 } },
            "trapped": { "radiative": 0.0, "release": { "to": "free", "attempt": 1.5,
                         "depth": { "gaussian": { "mean_meV": 5, "sigma_meV": 10 } }, "classes": 4 } }
        }),
    );
    set(&mut v, "initial.populations", json!({ "free": 1.0 }));
    // The shallowest class releases faster than 1 per frame.
    let err = expect_error(&v, Kind::SumAboveOne, "states.trapped.release");
    says(&err, "depth class 1 of 4 (trapped_1)");
    set(
        &mut v,
        "states.free.to.trapped",
        json!({ "detailed_balance": {} }),
    );
    set(&mut v, "states.trapped.release.attempt", json!(0.5));
    let err = expect_error(&v, Kind::Conflict, "states.free.to.trapped");
    says(&err, "depth distribution");
    set(&mut v, "states.free.to.trapped", json!(0.01));
    set(&mut v, "states.trapped.release.attempt", json!(0.2));
    set(
        &mut v,
        "initial.populations",
        json!({ "free": 0.5, "trapped": 0.5 }),
    );
    expect_error(&v, Kind::Conflict, "initial.populations.trapped");
}

#[test]
fn a_size_spread_is_checked() {
    let film = |l: Value| {
        let mut v = paper_json();
        set(&mut v, "temperature_K", json!(100.0));
        set(&mut v, "landscape", l);
        v
    };
    let e = expect_error(
        &film(json!({ "size_spread": 0.05 })),
        Kind::Missing,
        "landscape.energy_sigma_meV",
    );
    says(&e, "confinement energy is sigma / (2 size_spread)");
    let e = expect_error(
        &film(json!({ "energy_sigma_meV": 10.0, "size_spread": 0.2 })),
        Kind::OutOfRange,
        "landscape.size_spread",
    );
    says(&e, "above the limit of 0.15");
    expect_error(
        &film(json!({ "energy_sigma_meV": 10.0, "size_spread": -0.1 })),
        Kind::Negative,
        "landscape.size_spread",
    );
    let e = expect_error(
        &film(json!({ "energy_sigma_meV": 10.0, "size_classes": 4 })),
        Kind::Conflict,
        "landscape.size_classes",
    );
    says(&e, "give landscape.size_spread too");
    expect_error(
        &film(json!({ "energy_sigma_meV": 10.0, "size_spread": 0.05, "size_classes": 0 })),
        Kind::OutOfRange,
        "landscape.size_classes",
    );
    // 0.15 of a 60 meV spread at 10 K: the smallest NCs sit ~45 eV up (E_c 200 meV).
    let mut cold = film(json!({ "energy_sigma_meV": 60.0, "size_spread": 0.15 }));
    set(&mut cold, "temperature_K", json!(10.0));
    let e = expect_error(&cold, Kind::OutOfRange, "landscape.size_spread");
    says(&e, "the smallest NCs' energy");
}

#[test]
fn layers_are_of_a_cubic_lattice() {
    let e = expect_error(
        &with("landscape", json!({ "layers": 4 })),
        Kind::Conflict,
        "landscape.layers",
    );
    says(&e, "use geometry \"cubic\" or \"cubic_nn\"");
    let mut v = with("landscape", json!({ "layers": 0 }));
    set(&mut v, "lattice.geometry", json!("cubic_nn"));
    expect_error(&v, Kind::OutOfRange, "landscape.layers");
    // Edges need somewhere to be: a size, or layers.
    let mut v = with("landscape", json!({ "edges": "absorbing" }));
    set(&mut v, "lattice.geometry", json!("cubic"));
    let e = expect_error(&v, Kind::Missing, "landscape.edges");
    says(&e, "layers: L");
    set(&mut v, "landscape.layers", json!(3));
    Scenario::from_value(&v, Path::new("ok.json")).expect("a 3D film of 3 layers loads");
}
