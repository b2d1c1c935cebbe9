//! The initial split of walkers over the states: fractions per state, or `"thermal"`.

use super::check::Check;
use super::states::unknown_state;
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::temperature::{self, Sample};
use serde_json::Value;

const PATH: &str = "initial.populations";

/// Initial fraction of walkers per state, in the order of `names`.
pub(super) fn populations(
    c: Check,
    spec: &Value,
    names: &[String],
    sample: Option<&Sample>,
    temperature_k: Option<f64>,
) -> Result<Vec<f64>, ScenarioError> {
    match spec {
        Value::Object(fractions) => {
            let mut initial = vec![0.0; names.len()];
            // Summed in the file's order, so the message shows the sum the user would get.
            let mut total = 0.0;
            for (name, v) in fractions {
                let path = format!("{PATH}.{name}");
                let Some(s) = names.iter().position(|n| n == name) else {
                    return Err(unknown_state(c, &path, name, names));
                };
                let Some(v) = v.as_f64() else {
                    return Err(c.fail(
                        Kind::WrongType,
                        &path,
                        format!("expected a fraction, found {v}"),
                    ));
                };
                initial[s] = c.number(&path, v)?;
                total += initial[s];
            }
            if (total - 1.0).abs() > 1e-9 {
                return Err(c.fail(
                    Kind::SumNotOne,
                    PATH,
                    format!("populations sum to {total}, they must sum to 1"),
                ));
            }
            Ok(initial)
        }
        Value::String(k) if k == "thermal" => thermal(c, names, sample, temperature_k),
        Value::String(k) => Err(c.fail(
            Kind::UnknownKeyword,
            PATH,
            format!("unknown keyword {k:?}: give fractions per state or \"thermal\""),
        )),
        other => Err(c.fail(
            Kind::WrongType,
            PATH,
            format!("expected fractions per state ({{\"bright\": 0.5, ...}}) or \"thermal\", found {other}"),
        )),
    }
}

/// Boltzmann bright/dark split at the scenario's temperature.
fn thermal(
    c: Check,
    names: &[String],
    sample: Option<&Sample>,
    temperature_k: Option<f64>,
) -> Result<Vec<f64>, ScenarioError> {
    let index = |name: &str| names.iter().position(|n| n == name);
    let (Some(b), Some(d)) = (index("bright"), index("dark")) else {
        return Err(c.fail(
            Kind::Missing,
            PATH,
            "\"thermal\" needs states named `bright` and `dark`",
        ));
    };
    let Some(smp) = sample else {
        return Err(c.fail(
            Kind::Missing,
            PATH,
            "\"thermal\" needs a sample (for the bright-dark splitting)",
        ));
    };
    let Some(t) = temperature_k else {
        return Err(c.fail(
            Kind::Missing,
            PATH,
            "uses a temperature model: set temperature_K",
        ));
    };
    let pb = temperature::bright_fraction(smp.splitting_mev, t, temperature::DEFAULT_DEGENERACY);
    let mut initial = vec![0.0; names.len()];
    initial[b] = pb;
    initial[d] = 1.0 - pb;
    Ok(initial)
}
