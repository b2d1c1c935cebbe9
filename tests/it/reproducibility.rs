//! Same seed, same histograms: whatever the thread count; and counts are conserved.

use crate::common::{paper_json, scenario, set};
use exciton::engine::Engine;
use exciton_core::progress::Progress;
use serde_json::json;

#[test]
fn identical_histograms_at_1_2_and_4_threads() {
    let mut v = paper_json();
    set(&mut v, "walkers", json!(50_001));
    let s = scenario(&v);
    let one = Engine::cpu(1)
        .point_histograms(&s, 0, &Progress::default())
        .unwrap();
    for threads in [2, 4] {
        let h = Engine::cpu(threads)
            .point_histograms(&s, 0, &Progress::default())
            .unwrap();
        assert!(h == one, "{threads} threads differ from 1 thread");
    }
    let alive = one.alive_walker_frames();
    assert!(
        alive > 50_001 * 100,
        "moments hold the walkers: {alive} walker-frames"
    );
    set(&mut v, "seed", json!(2));
    let other = Engine::cpu(2)
        .point_histograms(&scenario(&v), 0, &Progress::default())
        .unwrap();
    assert!(other != one, "another seed gives other histograms");
    let point1 = Engine::cpu(2)
        .point_histograms(&s, 1, &Progress::default())
        .unwrap();
    assert!(point1 != one, "another sweep point gives other histograms");
}

#[test]
fn walkers_are_conserved_and_nothing_is_dropped() {
    // No nonradiative decay: walkers alive at t+1 = alive at t - emissions at t.
    // A narrow histogram (max_dx 2) sends far walkers to the overflow bins, still counted.
    let mut v = paper_json();
    set(&mut v, "walkers", json!(20_000));
    set(&mut v, "histogram.max_dx_sites", json!(2));
    set(&mut v, "histogram.occupancy_profile", json!(true));
    set(&mut v, "record_profiles", json!(true));
    let s = scenario(&v);
    let h = Engine::cpu(2)
        .point_histograms(&s, 0, &Progress::default())
        .unwrap();
    let states = s.states.len();
    let alive = |t: usize| -> u64 { (0..states).map(|st| h.moments(t, st).n).sum() };
    // The profile, overflow bins included, counts the same walkers as the moments.
    for t in 0..s.frames as usize {
        for st in 0..states {
            let row: u64 = h.occupancy(t, st).unwrap().iter().sum();
            assert_eq!(
                row,
                h.moments(t, st).n,
                "frame {t} state {st}: profile vs moments"
            );
        }
    }
    assert_eq!(alive(0), 20_000);
    let mut overflow = 0;
    for t in 0..s.frames as usize {
        let emitted: u64 = h.emission(t).iter().sum();
        let by_state: u64 = (0..states).map(|st| h.emission_state(t, st)).sum();
        let abs: u64 = h.emission_abs(t).unwrap().iter().sum();
        assert_eq!(
            emitted, by_state,
            "frame {t}: emission rows vs per-state counts"
        );
        assert_eq!(
            emitted, abs,
            "frame {t}: relative vs absolute emission rows"
        );
        overflow += h.emission(t).last().unwrap();
        if t + 1 < s.frames as usize {
            assert_eq!(alive(t + 1), alive(t) - emitted, "frame {t}");
        }
    }
    assert!(overflow > 0, "|dx| > 2 must land in the overflow bins");
    let c = exciton_core::observables::curves_from_histograms(
        &h,
        s.walkers,
        &exciton_core::observables::readout(&exciton_core::model::WalkTables::new(&s), s.dt_ps),
    );
    let sum = exciton_core::observables::summarise(&c, &[], s.dt_ps);
    assert!(
        sum.warnings
            .iter()
            .any(|w| w.contains("outside the displacement histogram")),
        "{:?}",
        sum.warnings
    );
}

#[test]
fn absolute_emission_rows_only_when_profiles_are_recorded() {
    // `emission_abs` (the diffusion map) is half of a batch: it is kept only where a
    // scenario sets record_profiles, and leaving it out changes nothing else.
    let mut v = paper_json();
    set(&mut v, "walkers", json!(20_000));
    let without = scenario(&v);
    set(&mut v, "record_profiles", json!(true));
    let with = scenario(&v);
    let p = Progress::default();
    let a = Engine::cpu(2).point_histograms(&without, 0, &p).unwrap();
    let b = Engine::cpu(2).point_histograms(&with, 0, &p).unwrap();
    let frames = without.frames as usize;
    assert!(a.emission_abs(0).is_none() && b.emission_abs(0).is_some());
    assert_eq!(
        a.layout.len() + frames * b.layout.abs_row_width(),
        b.layout.len(),
        "layout without vs with the absolute rows"
    );
    assert_eq!(
        a.moments, b.moments,
        "moments do not depend on the rows kept"
    );
    for t in 0..frames {
        assert_eq!(a.emission(t), b.emission(t), "frame {t}: emission rows");
        for st in 0..without.states.len() {
            assert_eq!(a.emission_state(t, st), b.emission_state(t, st));
        }
    }
    let curves = |h, s: &exciton_core::scenario::Scenario| {
        exciton_core::observables::curves_from_histograms(
            h,
            s.walkers,
            &exciton_core::observables::readout(&exciton_core::model::WalkTables::new(s), s.dt_ps),
        )
    };
    assert!(curves(&a, &without).emission_profile.is_none());
    let profile = curves(&b, &with).emission_profile.unwrap();
    let in_profile: u64 =
        profile.counts.iter().flatten().sum::<u64>() + profile.overflow.iter().sum::<u64>();
    let emitted: u64 = (0..frames).map(|t| b.emission(t).iter().sum::<u64>()).sum();
    assert_eq!(in_profile, emitted, "the profile holds every emission");
}

#[test]
fn every_cpu_vector_build_gives_the_same_histograms() {
    // The CPU walk is compiled once per vector unit and picked at run time; the builds
    // must agree bit for bit, in the frame passes, the frames left after them (7 frames:
    // no pass at all) and the profile, and for a walker that stops in a state with no
    // way out (trapped, radiative 0) while alive.
    use exciton_core::cpu::Vector;
    let mut cases = Vec::new();
    let mut v = paper_json();
    set(&mut v, "walkers", json!(20_000));
    set(&mut v, "record_profiles", json!(true));
    cases.push(("paper", scenario(&v)));
    set(&mut v, "frames", json!(7));
    set(&mut v, "histogram.occupancy_profile", json!(true));
    cases.push(("7 frames, profile", scenario(&v)));
    set(&mut v, "frames", json!(301));
    set(&mut v, "states.trapped.radiative", json!(0.0));
    set(&mut v, "states.bright.to.trapped", json!(0.05));
    cases.push(("sink state, profile", scenario(&v)));
    set(&mut v, "histogram.occupancy_profile", json!(false));
    cases.push(("sink state", scenario(&v)));
    let available = Vector::available();
    println!("vector units here: {available:?}");
    let p = Progress::default();
    for (name, s) in &cases {
        let reference = Engine::cpu_with_vector(2, Vector::Portable)
            .point_histograms(s, 0, &p)
            .unwrap();
        for &vector in &available {
            let h = Engine::cpu_with_vector(2, vector)
                .point_histograms(s, 0, &p)
                .unwrap();
            assert!(
                h == reference,
                "{name}: the {} build differs from the portable one",
                vector.name()
            );
        }
    }
}
