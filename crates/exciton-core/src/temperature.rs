//! Temperature (MODEL.md section 4): sample presets, temperature models for any state
//! parameter, and the Boltzmann bright fraction.
//!
//! A state parameter in a scenario is either a number or a model evaluated at the
//! scenario's `temperature_K`:
//! - `{"table": {"T_K": [9, 300], "values": [0.09, 0.15]}}`: linear interpolation, held
//!   constant outside the listed range (the paper's way);
//! - `{"arrhenius": {"prefactor": 0.5, "activation_meV": 10}}`: k0 exp(-Ea / kB T);
//! - `{"detailed_balance": {}}` (only in `states.A.to.B`): g k(B->A) exp(-dE / kB T), the
//!   reverse of the transition B->A, with g = `degeneracy` (default 3: threefold bright
//!   triplet over one dark singlet) and dE = `splitting_meV` (default: the sample's).
//! - `{"dissociation": {}}` (only in `states.A.to.F`, F a state that neither hops nor
//!   emits): k(A->F) = k(F->A) g (T / T_0)^{3/2} exp(-E_b / kB T), the Saha-like balance
//!   of an exciton with the electron-hole pair it dissociates into (MODEL.md section 15),
//!   with E_b = `binding_meV` (default: the sample's), g = `degeneracy` (default 1) and
//!   T_0 = `reference_K` (default 300).

use serde::{Deserialize, Deserializer};

/// Boltzmann's constant in meV/K, as the contract gives it (MODEL.md section 4): the one
/// kB of the crate (thermal populations, Arrhenius and detailed-balance rates, the
/// landscape's levels of kB T).
pub const KB_MEV_PER_K: f64 = 0.08617333;
/// Bright triplet over dark singlet.
pub const DEFAULT_DEGENERACY: f64 = 3.0;

/// A nanocrystal assembly measured in the paper (section 3 of MODEL.md).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// The sample's name (a preset's, or the file's own).
    pub name: String,
    /// NC centre-to-centre distance: NC edge + ~2 nm ligand gap.
    pub pitch_nm: f64,
    /// Bright-dark splitting dE_BD (results.json writes it as the scenario does,
    /// `splitting_meV`; files written before read as well).
    #[serde(rename = "splitting_meV", alias = "splitting_mev")]
    pub splitting_mev: f64,
    /// Bright-exciton lifetime measured at 10 K, ps, for comparison only (`None`: not
    /// reported).
    pub measured_tau_bright_ps: Option<f64>,
    /// Dark-exciton lifetime measured at 10 K, ps, for comparison only.
    pub measured_tau_dark_ps: Option<f64>,
    /// Fraction of the photons from bright excitons measured at 10 K, for comparison only.
    pub measured_bright_photon_fraction: Option<f64>,
    /// Exciton binding energy E_b in meV, for the `dissociation` model (`None`: not given).
    /// The presets' values are our choice from the literature's size trend, not the
    /// paper's (it gives none): smaller NCs bind more strongly.
    #[serde(default, rename = "binding_meV")]
    pub binding_mev: Option<f64>,
}

/// The paper's three samples.
pub fn preset(name: &str) -> Option<Sample> {
    let s = |pitch, split, tb, td, fb, eb| Sample {
        name: name.to_string(),
        pitch_nm: pitch,
        splitting_mev: split,
        measured_tau_bright_ps: tb,
        measured_tau_dark_ps: td,
        measured_bright_photon_fraction: fb,
        binding_mev: Some(eb),
    };
    match name {
        "5nm_SL" => Some(s(7.0, 15.0, Some(480.0), Some(52_000.0), Some(0.42), 110.0)),
        "8nm_SL" => Some(s(10.0, 6.0, Some(400.0), Some(36_000.0), Some(0.76), 70.0)),
        "14nm_film" => Some(s(17.0, 3.0, None, None, None, 45.0)),
        _ => None,
    }
}

pub(crate) const PRESET_NAMES: [&str; 3] = ["5nm_SL", "8nm_SL", "14nm_film"];

/// Equilibrium bright fraction of a bright level `splitting_mev` above a dark one with
/// degeneracy ratio `g`: g e^(-dE/kT) / (1 + g e^(-dE/kT)) (the paper's Figure S7).
pub fn bright_fraction(splitting_mev: f64, temperature_k: f64, g: f64) -> f64 {
    let w = g * (-splitting_mev / (KB_MEV_PER_K * temperature_k)).exp();
    w / (1.0 + w)
}

/// Detailed-balance factor k(lower->upper) / k(upper->lower) = g e^(-dE/kT).
pub(crate) fn detailed_balance_factor(splitting_mev: f64, temperature_k: f64, g: f64) -> f64 {
    g * (-splitting_mev / (KB_MEV_PER_K * temperature_k)).exp()
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Table {
    #[serde(rename = "T_K")]
    pub t_k: Vec<f64>,
    pub values: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Arrhenius {
    pub prefactor: f64,
    #[serde(rename = "activation_meV")]
    pub activation_mev: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DetailedBalance {
    #[serde(default)]
    pub degeneracy: Option<f64>,
    #[serde(default, rename = "splitting_meV")]
    pub splitting_mev: Option<f64>,
}

/// Default g of the `dissociation` model.
pub const DEFAULT_DISSOCIATION_DEGENERACY: f64 = 1.0;
/// Default T_0 of the `dissociation` model, K.
pub const DEFAULT_DISSOCIATION_REFERENCE_K: f64 = 300.0;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Dissociation {
    #[serde(default, rename = "binding_meV")]
    pub binding_mev: Option<f64>,
    #[serde(default)]
    pub degeneracy: Option<f64>,
    #[serde(default, rename = "reference_K")]
    pub reference_k: Option<f64>,
}

/// Saha-like factor k(exciton->pair) / k(pair->exciton) = g (T / T_0)^{3/2} e^(-E_b/kT).
pub fn dissociation_factor(binding_mev: f64, temperature_k: f64, g: f64, reference_k: f64) -> f64 {
    g * (temperature_k / reference_k).powf(1.5)
        * (-binding_mev / (KB_MEV_PER_K * temperature_k)).exp()
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Model {
    Table(Table),
    Arrhenius(Arrhenius),
    DetailedBalance(DetailedBalance),
    Dissociation(Dissociation),
}

/// A state parameter: a number, or a temperature model.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Param {
    Value(f64),
    Model(Model),
}

impl Default for Param {
    fn default() -> Self {
        Param::Value(0.0)
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Number(n) => Ok(Param::Value(n.as_f64().unwrap_or(f64::NAN))),
            serde_json::Value::Object(_) => serde_json::from_value(v).map(Param::Model).map_err(|e| {
                D::Error::custom(format!(
                    "bad temperature model: {e} (expected {{\"table\": ..}}, {{\"arrhenius\": ..}}, {{\"detailed_balance\": ..}} or {{\"dissociation\": ..}})"
                ))
            }),
            other => Err(D::Error::custom(format!(
                "expected a number or a temperature model, found {other}"
            ))),
        }
    }
}

impl Table {
    /// Why the table cannot be used, if it cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        if self.t_k.is_empty() || self.t_k.len() != self.values.len() {
            return Some(format!(
                "table needs as many T_K as values, at least one ({} and {})",
                self.t_k.len(),
                self.values.len()
            ));
        }
        // partial_cmp, not `<`: a NaN must fail this check too.
        if self
            .t_k
            .windows(2)
            .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
        {
            return Some("table T_K must increase strictly".into());
        }
        if self.t_k.iter().chain(&self.values).any(|v| !v.is_finite()) {
            return Some("table holds a non-finite number".into());
        }
        None
    }

    /// Linear interpolation, constant beyond the ends.
    pub(crate) fn at(&self, t: f64) -> f64 {
        let (ts, vs) = (&self.t_k, &self.values);
        if t <= ts[0] {
            return vs[0];
        }
        if t >= ts[ts.len() - 1] {
            return vs[vs.len() - 1];
        }
        let i = ts.partition_point(|&x| x <= t) - 1;
        let f = (t - ts[i]) / (ts[i + 1] - ts[i]);
        vs[i] + f * (vs[i + 1] - vs[i])
    }
}

impl Arrhenius {
    pub(crate) fn at(&self, t: f64) -> f64 {
        self.prefactor * (-self.activation_mev / (KB_MEV_PER_K * t)).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_interpolates_and_holds_ends() {
        let t = Table {
            t_k: vec![10.0, 110.0, 310.0],
            values: vec![1.0, 2.0, 4.0],
        };
        assert_eq!(t.at(5.0), 1.0);
        assert_eq!(t.at(60.0), 1.5);
        assert_eq!(t.at(210.0), 3.0);
        assert_eq!(t.at(400.0), 4.0);
    }

    #[test]
    fn boltzmann_limits() {
        assert!(bright_fraction(15.0, 9.0, 3.0) < 1e-6);
        assert!((bright_fraction(0.0, 300.0, 3.0) - 0.75).abs() < 1e-15);
    }
}
