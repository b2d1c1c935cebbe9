//! A trap state with `release` (MODEL.md section 15) becomes K class states, each
//! released at its own rate ([`crate::traps`]); the rest of the table is re-indexed
//! around them.

use super::check::Check;
use super::states::{unknown_state, Conditions, Outgoing};
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::schema::{ReleaseSpec, StateSpec};
use crate::scenario::{TrapClasses, MAX_STATES};
use crate::traps::{self, Depths};
use indexmap::IndexMap;

/// The states after expansion: names, numbers and the classes (if a trap has depths).
pub(super) struct Expanded {
    pub(super) names: Vec<String>,
    pub(super) raw: Vec<Outgoing>,
    pub(super) traps: Option<TrapClasses>,
}

/// Replace the trap state that has `release` (at most one) by its depth classes.
pub(super) fn expand(
    c: Check,
    states: &IndexMap<String, StateSpec>,
    names: &[String],
    cond: &Conditions,
    raw: Vec<Outgoing>,
    per_site: bool,
) -> Result<Expanded, ScenarioError> {
    let mut with = states
        .iter()
        .enumerate()
        .filter(|(_, (_, s))| s.release.is_some());
    let Some((r, (trap, spec))) = with.next() else {
        return Ok(Expanded {
            names: names.to_vec(),
            raw,
            traps: None,
        });
    };
    if let Some((_, (other, _))) = with.next() {
        return Err(c.fail(
            Kind::Conflict,
            &format!("states.{other}.release"),
            format!("only one trap state may have a depth distribution (states.{trap} has one)"),
        ));
    }
    let release = spec.release.as_ref().expect("filtered on release");
    let path = |f: &str| format!("states.{trap}.release.{f}");
    let back = names
        .iter()
        .position(|n| *n == release.to)
        .ok_or_else(|| unknown_state(c, &path("to"), &release.to, names))?;
    if back == r {
        return Err(c.fail(
            Kind::SelfTransition,
            &path("to"),
            "a trap releases into another state, not itself",
        ));
    }
    if raw[r].hop != 0.0 {
        return Err(c.fail(
            Kind::Conflict,
            &format!("states.{trap}"),
            "a trap with a depth distribution holds its exciton in place: leave out its hop (or fret)",
        ));
    }
    let classes = classes(c, release, &path("classes"), names.len())?;
    let rates = release_rates(c, cond, release, classes, &path)?;
    let class_names: Vec<String> = (1..=classes).map(|k| format!("{trap}_{k}")).collect();
    if let Some(clash) = class_names.iter().find(|n| names.contains(n)) {
        return Err(c.fail(
            Kind::Conflict,
            &format!("states.{trap}.release"),
            format!("its classes are named {trap}_1..{trap}_{classes}, but `{clash}` is a state already: rename it"),
        ));
    }
    let at = |s: usize| if s < r { s } else { s + classes - 1 };
    let n = names.len() + classes - 1;
    let mut new_names: Vec<String> = names[..r].to_vec();
    new_names.extend(class_names);
    new_names.extend_from_slice(&names[r + 1..]);
    let spread = |to: &[f64]| {
        let mut out = vec![0.0; n];
        for (t, &p) in to.iter().enumerate() {
            match (t == r, per_site) {
                (false, _) => out[at(t)] = p,
                // On a landscape the walk sends it to the site's class.
                (true, true) => out[r] = p,
                (true, false) => (0..classes).for_each(|k| out[r + k] = p / classes as f64),
            }
        }
        out
    };
    let mut new_raw = Vec::with_capacity(n);
    for (s, o) in raw.iter().enumerate() {
        if s == r {
            for rate in &rates {
                let mut to = spread(&o.to);
                to[at(back)] += rate;
                new_raw.push(Outgoing { to, ..*o });
            }
        } else {
            new_raw.push(Outgoing {
                to: spread(&o.to),
                ..*o
            });
        }
    }
    Ok(Expanded {
        names: new_names,
        raw: new_raw,
        traps: Some(TrapClasses {
            first: r,
            classes,
            per_site,
            depths_mev: traps::class_depths_mev(&release.depth, classes),
        }),
    })
}

fn classes(
    c: Check,
    release: &ReleaseSpec,
    path: &str,
    states: usize,
) -> Result<usize, ScenarioError> {
    let k = match &release.classes {
        Some(n) => c.count(path, n)? as usize,
        None => traps::DEFAULT_CLASSES.min(MAX_STATES + 1 - states),
    };
    if k == 0 || states - 1 + k > MAX_STATES {
        return Err(c.fail(
            Kind::OutOfRange,
            path,
            format!(
                "{k} classes: at least 1, and with the other {} states at most {MAX_STATES} in all",
                states - 1
            ),
        ));
    }
    Ok(k)
}

fn release_rates(
    c: Check,
    cond: &Conditions,
    release: &ReleaseSpec,
    classes: usize,
    path: &impl Fn(&str) -> String,
) -> Result<Vec<f64>, ScenarioError> {
    let attempt = super::states::evaluate(
        c,
        cond,
        &path("attempt"),
        &c.param(&path("attempt"), &release.attempt)?,
    )?;
    let depth_path = path("depth");
    match release.depth {
        Depths::Exponential { mean_mev } => {
            c.positive(&format!("{depth_path}.exponential.mean_meV"), mean_mev)?;
        }
        Depths::Gaussian {
            mean_mev,
            sigma_mev,
        } => {
            c.finite(&format!("{depth_path}.gaussian.mean_meV"), mean_mev)?;
            c.positive(&format!("{depth_path}.gaussian.sigma_meV"), sigma_mev)?;
        }
    }
    let t = cond.temperature_k.ok_or_else(|| {
        c.fail(
            Kind::Missing,
            &depth_path,
            "a trap's release depends on temperature: set temperature_K",
        )
    })?;
    Ok(traps::class_release(&release.depth, classes, attempt, t))
}

/// Initial populations over the file's states, spread onto the expanded ones (a trap
/// with depths cannot be a starting state: which class would it be?).
pub(super) fn spread_initial(
    c: Check,
    initial: Vec<f64>,
    names: &[String],
    traps: Option<&TrapClasses>,
) -> Result<Vec<f64>, ScenarioError> {
    let Some(t) = traps else { return Ok(initial) };
    if initial[t.first] > 0.0 {
        return Err(c.fail(
            Kind::Conflict,
            &format!("initial.populations.{}", names[t.first]),
            "excitons cannot start in a trap with a depth distribution: start them where they are trapped from",
        ));
    }
    let mut out = initial[..t.first].to_vec();
    out.extend(std::iter::repeat_n(0.0, t.classes));
    out.extend_from_slice(&initial[t.first + 1..]);
    Ok(out)
}
