//! The figures a scenario asks for (`"figures": ["msd", "t_max"]`); the binary draws them.

/// What a scenario's results can be drawn as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// MSD(t), one curve per point (Figures 2e, 3c).
    Msd,
    /// t_max against the swept parameter (Figure 3d).
    TMax,
    /// D_avg, tau_PL and L against temperature, one curve per sample (Figure 4).
    Temperature,
    /// PL intensity per state and total on a log axis.
    PlDecay,
    /// Emission profile over x and t, normalised per frame (needs `record_profiles`).
    DiffusionMap,
    /// MSD, alpha(t) and mean site energy against time (a landscape's migration).
    Disorder,
    /// The 2D emission image of one frame per point (needs `image`).
    EmissionImage,
    /// tau_PL, D_avg, L and t_max over the grid of a two-parameter sweep.
    Heatmap,
}

impl FigureKind {
    /// Every kind, in the order messages list them.
    pub const ALL: [FigureKind; 8] = [
        FigureKind::Msd,
        FigureKind::TMax,
        FigureKind::Temperature,
        FigureKind::PlDecay,
        FigureKind::DiffusionMap,
        FigureKind::Disorder,
        FigureKind::EmissionImage,
        FigureKind::Heatmap,
    ];

    /// Every kind's name, comma-separated: "msd, t_max, ...".
    pub fn names() -> String {
        Self::ALL.map(Self::file_stem).join(", ")
    }

    /// The kind a scenario's `figures` list calls `s` (`"msd"`, `"t_max"`, ...), if any.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.into())).ok()
    }

    /// Stem of the kind's figure files: its name in a scenario's `figures` list.
    pub fn file_stem(self) -> &'static str {
        match self {
            FigureKind::Msd => "msd",
            FigureKind::TMax => "t_max",
            FigureKind::Temperature => "temperature",
            FigureKind::PlDecay => "pl_decay",
            FigureKind::DiffusionMap => "diffusion_map",
            FigureKind::Disorder => "disorder",
            FigureKind::EmissionImage => "emission_image",
            FigureKind::Heatmap => "heatmap",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FigureKind;

    #[test]
    fn every_kind_is_listed_once_and_parses_from_its_name() {
        for (i, k) in FigureKind::ALL.iter().enumerate() {
            assert_eq!(FigureKind::parse(k.file_stem()), Some(*k));
            assert!(!FigureKind::ALL[..i].contains(k), "{k:?} twice");
        }
        assert!(FigureKind::names().starts_with("msd, t_max, "));
        assert!(FigureKind::names().ends_with(", heatmap"));
    }
}
