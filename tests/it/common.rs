//! Helpers shared by the test modules.

use exciton_core::scenario::Scenario;
use serde_json::Value;
use std::path::Path;

/// The scenario the issue quotes: 5 nm superlattice at 9 K, bright and dark.
pub fn paper_json() -> Value {
    serde_json::json!({
        "name": "paper-5nm-9K",
        "lattice": { "geometry": "paper", "pitch_nm": 7.0 },
        "dt_ps": 25.0,
        "frames": 300,
        "walkers": 1000000,
        "seed": 1,
        "units": "probability_per_frame",
        "initial": { "sigma_sites": 10.0, "populations": { "bright": 0.5, "dark": 0.5 } },
        "states": {
            "bright":  { "radiative": 0.03, "fret": 0.09, "to": { "dark": 0.15 } },
            "dark":    { "radiative": 0.0003 },
            "trapped": { "radiative": 0.0003 }
        }
    })
}

pub fn scenario(v: &Value) -> Scenario {
    Scenario::from_value(v, Path::new("test.json")).expect("test scenario is valid")
}

/// Sets `value` at a dotted path inside `v` (creating objects on the way).
pub fn set(v: &mut Value, path: &str, value: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur
            .as_object_mut()
            .expect("object on the path")
            .entry(p.to_string())
            .or_insert_with(|| serde_json::json!({}));
    }
    cur.as_object_mut()
        .expect("object at the end of the path")
        .insert(parts[parts.len() - 1].to_string(), value);
}

pub fn remove(v: &mut Value, path: &str) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur.get_mut(*p).expect("path exists");
    }
    cur.as_object_mut().unwrap().remove(parts[parts.len() - 1]);
}

/// Environment variable that turns "no adapter, test skipped" into a failure (set in CI).
pub const REQUIRE_GPU_ENV: &str = "EXCITON_MC_REQUIRE_GPU";

/// The `exciton-mc` binary, run from the repository root.
pub fn exe() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_exciton-mc"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A fresh temporary directory path (removed if it exists), unique to this process.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("exciton-mc-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A command's stdout and stderr together, for assertion messages.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `exciton-mc run SCENARIO --backend exact --quiet FLAGS --out OUT`.
pub fn run_exact(scenario: &str, out: &Path, flags: &[&str]) -> std::process::Output {
    exe()
        .args(["run", scenario, "--backend", "exact", "--quiet"])
        .args(flags)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// A JSON file (a run's results.json, a scenario) as a value.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
