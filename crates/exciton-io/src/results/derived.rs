//! Curves that curves.parquet leaves out because a stored column already holds them:
//! the unit multiples (nm^2 and cm^2/s of a curve in sites^2 and sites^2/ps), in every
//! run, and in the exact backend on a homogeneous lattice the MSDs that are the
//! occupancy MSD along x (the emission MSD, y, <r^2>/2: copies there, as
//! `Estimate::exact` makes them). Each would cost as many bytes as its source: a
//! 10^5-point sweep wrote more than twice the curves it holds.
//!
//! results.json's `curves.derived` names each left-out column with its source and
//! [`Rule`]; the reader rebuilds them bit for bit. The writer checks every point against
//! the rules before leaving a column out ([`check`]), so a rule that stops holding is an
//! error when the file is written, never a number silently changed for its readers.

use super::{PointResult, CURVES_2D};
use exciton_core::observables::sites2_ps_to_cm2_s;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// How a left-out column follows from its source, value by value (null stays null).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    /// The same values.
    #[serde(rename = "copy")]
    Copy,
    /// sites^2 to nm^2: x (pitch_nm x pitch_nm), the point's pitch.
    #[serde(rename = "times_pitch_nm2")]
    TimesPitchNm2,
    /// sites^2/ps to cm^2/s: x pitch_nm x pitch_nm x 0.01, in that order.
    #[serde(rename = "sites2_ps_to_cm2_s")]
    Sites2PsToCm2S,
}

impl Rule {
    /// Its name in `curves.derived`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Copy => "copy",
            Rule::TimesPitchNm2 => "times_pitch_nm2",
            Rule::Sites2PsToCm2S => "sites2_ps_to_cm2_s",
        }
    }

    /// The left-out value from its source's, as `PointResult::new` computes it.
    pub fn apply(self, v: Option<f64>, pitch_nm: f64) -> Option<f64> {
        v.map(|v| match self {
            Rule::Copy => v,
            Rule::TimesPitchNm2 => v * (pitch_nm * pitch_nm),
            Rule::Sites2PsToCm2S => sites2_ps_to_cm2_s(v, pitch_nm),
        })
    }
}

/// A column curves.parquet leaves out: the stored column it follows from, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    pub from: String,
    pub rule: Rule,
}

/// The unit multiples, left out of every run.
const UNIT_MULTIPLES: [(&str, &str, Rule); 8] = [
    ("msd_nm2", "msd_sites2", Rule::TimesPitchNm2),
    (
        "msd_occupancy_nm2",
        "msd_occupancy_sites2",
        Rule::TimesPitchNm2,
    ),
    (
        "msd_occupancy_stderr_nm2",
        "msd_occupancy_stderr_sites2",
        Rule::TimesPitchNm2,
    ),
    ("msd_r2_nm2", "msd_r2_sites2", Rule::TimesPitchNm2),
    (
        "msd_r2_stderr_nm2",
        "msd_r2_stderr_sites2",
        Rule::TimesPitchNm2,
    ),
    ("msd_profile_nm2", "msd_profile_sites2", Rule::TimesPitchNm2),
    (
        "diffusivity_cm2_s",
        "diffusivity_sites2_ps",
        Rule::Sites2PsToCm2S,
    ),
    (
        "diffusivity_stderr_cm2_s",
        "diffusivity_stderr_sites2_ps",
        Rule::Sites2PsToCm2S,
    ),
];

/// The headline the copies of an exact homogeneous run are taken from.
const X_MSD: &str = "msd_occupancy_sites2";
/// Copies of [`X_MSD`] in the exact backend on a homogeneous lattice.
const COPIES_OF_X: [&str; 3] = ["msd_sites2", "msd_y_sites2", "msd_r2_sites2"];

/// The columns a run leaves out, in the order they are rebuilt (copies first: a
/// multiple of a copy reads the copy). `copies`: every point's emission, y and <r^2>/2
/// MSDs are its occupancy MSD along x.
pub fn rules(copies: bool) -> IndexMap<String, Derived> {
    let copies = COPIES_OF_X
        .iter()
        .filter(|_| copies)
        .map(|&c| (c, X_MSD, Rule::Copy));
    copies
        .chain(UNIT_MULTIPLES)
        .map(|(name, from, rule)| {
            let from = from.to_string();
            (name.to_string(), Derived { from, rule })
        })
        .collect()
}

/// Whether the MSDs of `p` that [`rules`]`(true)` leaves out are copies of its occupancy
/// MSD along x, bit for bit.
pub fn copies_hold(p: &PointResult) -> bool {
    COPIES_OF_X
        .iter()
        .all(|c| same(curve(p, c), curve(p, X_MSD)))
}

fn same(a: Option<&Vec<Option<f64>>>, b: Option<&Vec<Option<f64>>>) -> bool {
    let bits = |v: &Vec<Option<f64>>| v.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>();
    match (a, b) {
        (Some(a), Some(b)) => bits(a) == bits(b),
        _ => false,
    }
}

/// The per-frame curve of `p` named `name` (a column name), among those that may be
/// left out or be a source.
fn curve<'a>(p: &'a PointResult, name: &str) -> Option<&'a Vec<Option<f64>>> {
    Some(match name {
        "msd_sites2" => &p.msd_sites2,
        "msd_nm2" => &p.msd_nm2,
        "msd_occupancy_sites2" => &p.msd_occupancy_sites2,
        "msd_occupancy_stderr_sites2" => &p.msd_occupancy_stderr_sites2,
        "msd_occupancy_nm2" => &p.msd_occupancy_nm2,
        "msd_occupancy_stderr_nm2" => &p.msd_occupancy_stderr_nm2,
        _ => p.curves_2d()[CURVES_2D.iter().position(|c| *c == name)?],
    })
}

fn curve_mut<'a>(p: &'a mut PointResult, name: &str) -> Option<&'a mut Vec<Option<f64>>> {
    Some(match name {
        "msd_sites2" => &mut p.msd_sites2,
        "msd_nm2" => &mut p.msd_nm2,
        "msd_occupancy_sites2" => &mut p.msd_occupancy_sites2,
        "msd_occupancy_stderr_sites2" => &mut p.msd_occupancy_stderr_sites2,
        "msd_occupancy_nm2" => &mut p.msd_occupancy_nm2,
        "msd_occupancy_stderr_nm2" => &mut p.msd_occupancy_stderr_nm2,
        _ => {
            let i = CURVES_2D.iter().position(|c| *c == name)?;
            p.curves_2d_mut().into_iter().nth(i)?
        }
    })
}

/// What `rule` makes of the source `from` at point `p`.
fn rebuilt(p: &PointResult, d: &Derived) -> Result<Vec<Option<f64>>, String> {
    let from = curve(p, &d.from).ok_or_else(|| format!("`{}` is not a curve", d.from))?;
    Ok(from.iter().map(|&v| d.rule.apply(v, p.pitch_nm)).collect())
}

/// Checks that every column `rules` leaves out is what its rule rebuilds, bit for bit;
/// the error names the point, the column and the first frame that differs.
pub fn check(p: &PointResult, rules: &IndexMap<String, Derived>) -> Result<(), String> {
    for (name, d) in rules {
        let want = rebuilt(p, d)?;
        let have = curve(p, name).ok_or_else(|| format!("`{name}` is not a curve"))?;
        let differs =
            |(a, b): (&Option<f64>, &Option<f64>)| a.map(f64::to_bits) != b.map(f64::to_bits);
        if let Some(t) = have.iter().zip(&want).position(differs) {
            return Err(format!(
                "point {}: `{name}` at frame {t} is not `{}` by the rule {}, so it cannot be left out",
                p.point,
                d.from,
                d.rule.name()
            ));
        }
        if have.len() != want.len() {
            return Err(format!(
                "point {}: `{name}` has {} frames, `{}` {}",
                p.point,
                have.len(),
                d.from,
                want.len()
            ));
        }
    }
    Ok(())
}

/// Puts the left-out columns of `p` back, in `rules`' order.
pub fn rebuild(p: &mut PointResult, rules: &IndexMap<String, Derived>) -> Result<(), String> {
    for (name, d) in rules {
        let v = rebuilt(p, d)?;
        *curve_mut(p, name).ok_or_else(|| format!("`{name}` is not a curve"))? = v;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point of an exact homogeneous run: its MSDs are one curve, in both units.
    fn exact_point() -> PointResult {
        let mut p: PointResult = serde_json::from_value(serde_json::json!({
            "point": 4, "parameters": {}, "walkers": 1000, "seed": 1, "frames": 3,
            "dt_ps": 25.0, "pitch_nm": 7.3, "t_max_estimator": "", "warnings": [],
        }))
        .unwrap();
        p.time_ps = vec![0.0, 25.0, 50.0];
        p.msd_occupancy_sites2 = vec![Some(0.0), Some(0.1), None];
        for v in p.curves_2d_mut() {
            *v = vec![None; 3];
        }
        p.diffusivity_sites2_ps = vec![None, Some(3e-3), Some(-1e-3)];
        p.msd_occupancy_stderr_sites2 = vec![None; 3];
        rebuild(&mut p, &rules(true)).unwrap();
        p
    }

    #[test]
    fn the_rules_are_the_units_of_point_result_new() {
        let p = exact_point();
        let a2 = 7.3 * 7.3;
        assert_eq!(p.msd_nm2, vec![Some(0.0), Some(0.1 * a2), None]);
        assert_eq!(p.msd_y_sites2, p.msd_occupancy_sites2);
        assert_eq!(
            p.diffusivity_cm2_s,
            vec![
                None,
                Some(sites2_ps_to_cm2_s(3e-3, 7.3)),
                Some(sites2_ps_to_cm2_s(-1e-3, 7.3))
            ]
        );
        assert!(copies_hold(&p));
        assert_eq!(check(&p, &rules(true)), Ok(()));
        for r in [Rule::Copy, Rule::TimesPitchNm2, Rule::Sites2PsToCm2S] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.name(), "{r:?}");
        }
    }

    #[test]
    fn a_column_its_rule_does_not_give_is_refused_not_left_out() {
        let mut p = exact_point();
        // One ulp off, as a multiplication in another order could give.
        p.msd_r2_nm2[1] = p.msd_r2_nm2[1].map(|v| f64::from_bits(v.to_bits() + 1));
        let err = check(&p, &rules(true)).unwrap_err();
        assert!(err.contains("point 4: `msd_r2_nm2` at frame 1"), "{err}");
        // A Monte Carlo's y is its own curve: not a copy, and not left out.
        p.msd_y_sites2[1] = Some(0.2);
        assert!(!copies_hold(&p));
        let mc = rules(false);
        assert!(!mc.contains_key("msd_y_sites2") && mc.contains_key("msd_nm2"));
    }
}
