//! Helpers shared by the test modules.

use exciton_core::scenario::Scenario;
pub use exciton_testkit::{paper_json, remove, set, TempDir};
use serde_json::Value;
use std::path::Path;

pub fn scenario(v: &Value) -> Scenario {
    Scenario::from_value(v, Path::new("test.json")).expect("test scenario is valid")
}

/// Environment variable that turns "no adapter, test skipped" into a failure (set in CI).
#[cfg(feature = "gpu")]
pub const REQUIRE_GPU_ENV: &str = "EXCITON_MC_REQUIRE_GPU";

/// The `exciton-mc` binary, run from the repository root.
pub fn exe() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_exciton-mc"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A fresh temporary path that removes itself when the test ends, pass or fail.
pub fn temp_dir(name: &str) -> TempDir {
    TempDir::new(name)
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
