//! Helpers shared by exciton-mc's test suites (`crates/exciton-core/tests`, `tests/`):
//! the paper's scenario as JSON, edits at a dotted JSON path, and temporary directories
//! that remove themselves when the test ends, pass or fail.

use serde_json::Value;
use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};

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

/// Removes the key at a dotted path inside `v`.
pub fn remove(v: &mut Value, path: &str) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur.get_mut(*p).expect("path exists");
    }
    cur.as_object_mut().unwrap().remove(parts[parts.len() - 1]);
}

/// A temporary path, unique to this process and name, removed (directory or file) when
/// dropped: a failing test's panic unwinds through the drop, so nothing is left behind.
/// It derefs to a [`Path`]; nothing exists there until the test creates it.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// `exciton-mc-test-NAME-PID` in the system's temporary directory, emptied first.
    pub fn new(name: &str) -> Self {
        let d = std::env::temp_dir().join(format!("exciton-mc-test-{name}-{}", std::process::id()));
        remove_path(&d);
        TempDir(d)
    }

    /// [`TempDir::new`], created as an empty directory.
    pub fn created(name: &str) -> Self {
        let d = TempDir::new(name);
        std::fs::create_dir_all(&d.0).expect("the temporary directory can be created");
        d
    }
}

fn remove_path(p: &Path) {
    let _ = if p.is_dir() {
        std::fs::remove_dir_all(p)
    } else {
        std::fs::remove_file(p)
    };
}

impl Drop for TempDir {
    fn drop(&mut self) {
        remove_path(&self.0);
    }
}

impl Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<OsStr> for TempDir {
    fn as_ref(&self) -> &OsStr {
        self.0.as_os_str()
    }
}
