//! Helpers shared by the test modules.

use exciton_core::scenario::Scenario;
pub use exciton_testkit::{paper_json, remove, set, TempDir};
use serde_json::Value;
use std::path::Path;

pub fn scenario(v: &Value) -> Scenario {
    Scenario::from_value(v, Path::new("test.json")).expect("test scenario is valid")
}
