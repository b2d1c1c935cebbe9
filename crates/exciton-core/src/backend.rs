//! Which engine runs a point: the names users type (`--backend`, `backend=` in Python)
//! and results files carry.

use std::str::FromStr;

/// Which engine runs the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// Multi-threaded CPU reference Monte Carlo.
    Cpu,
    /// WGSL compute kernels on a GPU (or a software Vulkan device).
    Gpu,
    /// Moment recursion: expected curves, no randomness.
    Exact,
    /// The GPU when a hardware adapter is found, else the CPU.
    Auto,
}

impl BackendKind {
    /// Every kind, in the order help texts list them.
    pub(crate) const ALL: [BackendKind; 4] = [
        BackendKind::Auto,
        BackendKind::Cpu,
        BackendKind::Gpu,
        BackendKind::Exact,
    ];

    /// The name users type and results files carry (`cpu`, `gpu`, `exact`, `auto`).
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Gpu => "gpu",
            BackendKind::Exact => "exact",
            BackendKind::Auto => "auto",
        }
    }
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend name that is none of `BackendKind::ALL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend `{0}` (auto, cpu, gpu, exact)")]
pub struct UnknownBackend(pub String);

impl FromStr for BackendKind {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackendKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownBackend(s.to_string()))
    }
}
