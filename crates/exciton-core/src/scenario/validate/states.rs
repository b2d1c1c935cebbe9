//! The states: their names, each parameter evaluated at the scenario's temperature,
//! detailed balance, and per-frame probabilities (checked, or converted from rates).

use super::check::{short, Check};
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::landscape::Landscape;
use crate::scenario::schema::StateSpec;
use crate::scenario::{Geometry, SizeClasses, StateTable, Units, MAX_STATES, SUM_TOLERANCE};
use crate::temperature::{self, DetailedBalance, Dissociation, Model, Param, Sample};
use indexmap::IndexMap;

/// What the states' numbers depend on besides themselves.
pub(super) struct Conditions<'a> {
    pub(super) temperature_k: Option<f64>,
    pub(super) sample: Option<&'a Sample>,
    pub(super) geometry: Geometry,
    pub(super) units: Units,
    pub(super) dt_ps: f64,
    /// A landscape (validated): a trap's depth class is its site's, not drawn per
    /// visit, and a size spread scales the splitting per size class.
    pub(super) landscape: Option<&'a Landscape>,
}

/// One state's outgoing numbers as given (probabilities or rates), before conversion.
#[derive(Clone)]
pub(super) struct Outgoing {
    pub(super) radiative: f64,
    pub(super) nonradiative: f64,
    pub(super) hop: f64,
    pub(super) to: Vec<f64>,
}

/// A change s -> t given as a multiple of its reverse t -> s, computed once every plain
/// number is known.
struct Pending {
    s: usize,
    t: usize,
    model: Balance,
    path: String,
}

/// The two models that set a rate from its reverse.
enum Balance {
    Detailed(DetailedBalance),
    Dissociation(Dissociation),
}

impl Balance {
    fn name(&self) -> &'static str {
        match self {
            Balance::Detailed(_) => "detailed_balance",
            Balance::Dissociation(_) => "dissociation",
        }
    }
}

/// Declared state names: at least one, at most [`MAX_STATES`], none empty.
pub(super) fn names(
    c: Check,
    states: &IndexMap<String, StateSpec>,
) -> Result<Vec<String>, ScenarioError> {
    if states.is_empty() {
        return Err(c.fail(Kind::Empty, "states", "at least one state is needed"));
    }
    if states.len() > MAX_STATES {
        return Err(c.fail(
            Kind::OutOfRange,
            "states",
            format!(
                "{} states declared, at most {MAX_STATES} are supported",
                states.len()
            ),
        ));
    }
    let names: Vec<String> = states.keys().cloned().collect();
    if let Some(bad) = names.iter().find(|n| n.trim().is_empty()) {
        return Err(c.fail(
            Kind::Empty,
            "states",
            format!("state name {bad:?} is empty"),
        ));
    }
    Ok(names)
}

/// The per-frame table of every state (a trap with depths expanded into its classes);
/// `initial` is left at 0 for the caller.
pub(super) fn table(
    c: Check,
    states: &IndexMap<String, StateSpec>,
    names: &[String],
    cond: &Conditions,
) -> Result<StateTable, ScenarioError> {
    // First every plain number and simple model; detailed balance needs its reverse.
    let mut raw = Vec::with_capacity(names.len());
    let mut pending = Vec::new();
    for (s, (name, st)) in states.iter().enumerate() {
        raw.push(outgoing(c, cond, s, name, st, names, &mut pending)?);
    }
    let mut table = table_at(c, states, names, cond, raw.clone(), &pending, 1.0)?;
    // A size spread scales the splitting of every detailed_balance change per class.
    let split = pending
        .iter()
        .any(|p| matches!(p.model, Balance::Detailed(_)));
    if let Some(l) = cond.landscape.filter(|l| split && l.size_classes() > 1) {
        let scale = l.class_splitting_scale();
        let to = scale
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                let t = table_at(c, states, names, cond, raw.clone(), &pending, k);
                // The class is not in the file: say which size it is.
                t.map(|t| t.to).map_err(|mut e| {
                    e.reason = format!(
                        "size class {} of {} (splitting x {k:.3}): {}",
                        i + 1,
                        scale.len(),
                        e.reason
                    );
                    e
                })
            })
            .collect::<Result<_, ScenarioError>>()?;
        table.sizes = Some(SizeClasses { scale, to });
    }
    Ok(table)
}

/// The table with every `detailed_balance` splitting scaled by `scale` (a size class's).
fn table_at(
    c: Check,
    states: &IndexMap<String, StateSpec>,
    names: &[String],
    cond: &Conditions,
    mut raw: Vec<Outgoing>,
    pending: &[Pending],
    scale: f64,
) -> Result<StateTable, ScenarioError> {
    for p in pending {
        let factor = balance(c, cond, p, states, names, scale)?;
        if let Balance::Dissociation(_) = p.model {
            pair_state(c, &p.path, &names[p.t], &raw[p.t])?;
        }
        raw[p.s].to[p.t] = raw[p.t].to[p.s] * factor;
    }
    let expanded = super::traps::expand(c, states, names, cond, raw, cond.landscape.is_some())?;
    let file_names = names;
    let names = &expanded.names;
    let mut table = StateTable::zeros(names);
    table.traps = expanded.traps;
    for (s, o) in expanded.raw.into_iter().enumerate() {
        let o = per_frame(c, cond, &names[s], names, o).map_err(|mut e| {
            // A depth class is not in the file: name the trap's release.
            if let Some((t, k)) = table.traps.as_ref().and_then(|t| Some((t, t.class_of(s)?))) {
                e.path = format!("states.{}.release", file_names[t.first]);
                e.reason = format!(
                    "depth class {} of {} ({}): {}",
                    k + 1,
                    t.classes,
                    names[s],
                    e.reason
                );
            }
            e
        })?;
        table.radiative[s] = o.radiative;
        table.nonradiative[s] = o.nonradiative;
        table.hop[s] = o.hop;
        table.to[s] = o.to;
    }
    Ok(table)
}

/// State `s`'s numbers as given; its `detailed_balance` changes wait in `pending`.
fn outgoing(
    c: Check,
    cond: &Conditions,
    s: usize,
    name: &str,
    st: &StateSpec,
    names: &[String],
    pending: &mut Vec<Pending>,
) -> Result<Outgoing, ScenarioError> {
    let p = |field: &str| format!("states.{name}.{field}");
    let value = |field: &str, v: &Option<serde_json::Value>| match v {
        Some(v) => evaluate(c, cond, &p(field), &c.param(&p(field), v)?),
        None => Ok(0.0),
    };
    let radiative = value("radiative", &st.radiative)?;
    let nonradiative = value("nonradiative", &st.nonradiative)?;
    let hop = match (&st.fret, &st.hop) {
        (Some(_), Some(_)) => {
            return Err(c.fail(
                Kind::Conflict,
                &format!("states.{name}"),
                "give either `fret` (per neighbour pair) or `hop` (total), not both",
            ))
        }
        (Some(_), None) => value("fret", &st.fret)? * cond.geometry.fret_factor(),
        (None, _) => value("hop", &st.hop)?,
    };
    let mut to = vec![0.0; names.len()];
    for (target, v) in &st.to {
        let path = format!("states.{name}.to.{target}");
        let Some(t) = names.iter().position(|n| n == target) else {
            return Err(unknown_state(c, &path, target, names));
        };
        // Refused rather than ignored: its number would never be used, though its
        // author meant something by it.
        if t == s {
            return Err(c.fail(
                Kind::SelfTransition,
                &path,
                format!("a state cannot change into itself (staying is what is left of each frame): leave `{target}` out of states.{name}.to"),
            ));
        }
        match c.param(&path, v)? {
            Param::Model(Model::DetailedBalance(m)) => pending.push(Pending {
                s,
                t,
                model: Balance::Detailed(m),
                path,
            }),
            Param::Model(Model::Dissociation(m)) => pending.push(Pending {
                s,
                t,
                model: Balance::Dissociation(m),
                path,
            }),
            param => to[t] = evaluate(c, cond, &path, &param)?,
        }
    }
    Ok(Outgoing {
        radiative,
        nonradiative,
        hop,
        to,
    })
}

/// A name `states` does not declare, listing those it does.
pub(super) fn unknown_state(c: Check, path: &str, name: &str, names: &[String]) -> ScenarioError {
    c.fail(
        Kind::UnknownState,
        path,
        format!("unknown state `{name}` (states are: {})", names.join(", ")),
    )
}

/// A parameter's value at the scenario's temperature.
pub(super) fn evaluate(
    c: Check,
    cond: &Conditions,
    path: &str,
    p: &Param,
) -> Result<f64, ScenarioError> {
    let v =
        match p {
            Param::Value(v) => *v,
            Param::Model(Model::Table(t)) => {
                if let Some(problem) = t.problem() {
                    return Err(c.fail(Kind::BadModel, path, problem));
                }
                t.at(temperature(c, cond, path)?)
            }
            Param::Model(Model::Arrhenius(a)) => a.at(temperature(c, cond, path)?),
            Param::Model(Model::DetailedBalance(_)) => {
                return Err(c.fail(
                    Kind::BadModel,
                    path,
                    "detailed_balance is only for a state change (states.A.to.B)",
                ))
            }
            Param::Model(Model::Dissociation(_)) => return Err(c.fail(
                Kind::BadModel,
                path,
                "dissociation is only for a state change into the pair state (states.A.to.pair)",
            )),
        };
    c.number(path, v)
}

fn temperature(c: Check, cond: &Conditions, path: &str) -> Result<f64, ScenarioError> {
    cond.temperature_k.ok_or_else(|| {
        c.fail(
            Kind::Missing,
            path,
            "uses a temperature model: set temperature_K",
        )
    })
}

/// k(s -> t) / k(t -> s) for a change s -> t given by `detailed_balance` (its
/// splitting times `scale`, a size class's) or `dissociation`.
fn balance(
    c: Check,
    cond: &Conditions,
    p: &Pending,
    states: &IndexMap<String, StateSpec>,
    names: &[String],
    scale: f64,
) -> Result<f64, ScenarioError> {
    let path = &p.path;
    // The reverse was read in the first pass; only its form matters here.
    for end in [p.s, p.t] {
        if states[end].release.is_some() {
            return Err(c.fail(
                Kind::Conflict,
                path,
                format!("states.{} is a trap with a depth distribution, whose release is per depth class: give this change a value", names[end]),
            ));
        }
    }
    let back = states[p.t].to.get(&names[p.s]).map(|v| c.param(path, v));
    if back.is_none() {
        return Err(c.fail(
            Kind::Missing,
            path,
            format!(
                "{} sets this change from its reverse, states.{}.to.{}, which is not given (it would make this 0): give the reverse a value",
                p.model.name(),
                names[p.t],
                names[p.s]
            ),
        ));
    }
    if let Some(Ok(Param::Model(Model::DetailedBalance(_) | Model::Dissociation(_)))) = back {
        return Err(c.fail(
            Kind::Conflict,
            path,
            format!(
                "its reverse states.{}.to.{} is a balance model too: give one of them a value",
                names[p.t], names[p.s]
            ),
        ));
    }
    let t = temperature(c, cond, path)?;
    let field = |f: &str| format!("{path}.{}.{f}", p.model.name());
    match &p.model {
        Balance::Detailed(m) => {
            let splitting = match (m.splitting_mev, cond.sample) {
                (Some(e), _) => c.number(&field("splitting_meV"), e)?,
                (None, Some(smp)) => smp.splitting_mev,
                (None, None) => {
                    return Err(c.fail(
                        Kind::Missing,
                        path,
                        "detailed_balance needs splitting_meV or a sample",
                    ))
                }
            };
            let g = m.degeneracy.unwrap_or(temperature::DEFAULT_DEGENERACY);
            let g = c.positive(&field("degeneracy"), g)?;
            Ok(temperature::detailed_balance_factor(
                splitting * scale,
                t,
                g,
            ))
        }
        Balance::Dissociation(m) => {
            let binding = match (m.binding_mev, cond.sample.and_then(|s| s.binding_mev)) {
                (Some(e), _) => c.number(&field("binding_meV"), e)?,
                (None, Some(e)) => e,
                (None, None) => {
                    return Err(c.fail(
                        Kind::Missing,
                        path,
                        "dissociation needs binding_meV, here or in the sample (a preset, or sample.binding_meV)",
                    ))
                }
            };
            let g = m
                .degeneracy
                .unwrap_or(temperature::DEFAULT_DISSOCIATION_DEGENERACY);
            let g = c.positive(&field("degeneracy"), g)?;
            let t0 = m
                .reference_k
                .unwrap_or(temperature::DEFAULT_DISSOCIATION_REFERENCE_K);
            let t0 = c.positive(&field("reference_K"), t0)?;
            Ok(temperature::dissociation_factor(binding, t, g, t0))
        }
    }
}

/// The state a `dissociation` leads into is an electron-hole pair: no dipole, so it
/// neither hops nor emits (it may still recombine without light, `nonradiative`).
fn pair_state(c: Check, path: &str, name: &str, o: &Outgoing) -> Result<(), ScenarioError> {
    if o.hop != 0.0 || o.radiative != 0.0 {
        return Err(c.fail(
            Kind::BadModel,
            path,
            format!(
                "dissociation leads into `{name}`, an electron-hole pair that neither hops nor emits, but states.{name} has {}: set them to 0 or leave them out",
                if o.hop != 0.0 { "a hop (fret or hop)" } else { "radiative" }
            ),
        ));
    }
    Ok(())
}

/// The state's numbers as the walk uses them: rates as given (continuous time), rates
/// converted by competing risks when asked for by name, or probabilities per frame
/// (their sum at most 1).
fn per_frame(
    c: Check,
    cond: &Conditions,
    name: &str,
    names: &[String],
    o: Outgoing,
) -> Result<Outgoing, ScenarioError> {
    match cond.units {
        Units::RatePerNs => return Ok(o),
        Units::RatePerNsCompetingRisks => return Ok(competing_risks(o, cond.dt_ps)),
        Units::ProbabilityPerFrame => {}
    }
    let sum = o.radiative + o.nonradiative + o.hop + o.to.iter().sum::<f64>();
    if sum <= 1.0 + SUM_TOLERANCE {
        return Ok(o);
    }
    let mut parts = vec![
        format!("radiative {}", short(o.radiative)),
        format!("nonradiative {}", short(o.nonradiative)),
        format!("hop {}", short(o.hop)),
    ];
    for (t, v) in o.to.iter().enumerate().filter(|(_, v)| **v > 0.0) {
        parts.push(format!("to.{} {}", names[t], short(*v)));
    }
    Err(c.fail(
        Kind::SumAboveOne,
        &format!("states.{name}"),
        format!(
            "outgoing probabilities per frame sum to {}, above 1 ({})",
            short(sum),
            parts.join(" + ")
        ),
    ))
}

/// Rates (ns^-1) to per-frame probabilities, exact for constant rates observed once per
/// frame: p_i = (k_i / K) (1 - exp(-K dt)).
fn competing_risks(o: Outgoing, dt_ps: f64) -> Outgoing {
    let total = o.radiative + o.nonradiative + o.hop + o.to.iter().sum::<f64>();
    if total == 0.0 {
        return o;
    }
    let scale = (1.0 - (-total * dt_ps * 1e-3).exp()) / total;
    Outgoing {
        radiative: o.radiative * scale,
        nonradiative: o.nonradiative * scale,
        hop: o.hop * scale,
        to: o.to.iter().map(|k| k * scale).collect(),
    }
}
