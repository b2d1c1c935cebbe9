//! The landscape's host tables against what they tabulate: site energies against the
//! Gaussian quantile, uphill acceptances against exp(-d), voids against their fraction.

use exciton_core::kernels::walk::landscape::{
    acceptance_of, landscape_key, level_of_draw, lowbias32, site_hash, void_draw,
};
use exciton_core::model::landscape::{LandscapeTables, LEVELS_PER_KT};
use exciton_core::scenario::landscape::Landscape;
use exciton_core::tables::{normal_quantile, quantize_cumulative, TWO_POW_32};
use exciton_core::temperature::KB_MEV_PER_K;

fn level(t: &LandscapeTables, u: u32) -> i32 {
    level_of_draw(&t.levels, u)
}

#[test]
fn site_energies_are_gaussian_to_six_sigma() {
    // sigma / kT = 20 (30 meV at 17.4 K): a site's energy against sigma Phi^-1 of its
    // draw, over draws from the centre to the outermost ones.
    let kt = 30.0 / 20.0;
    let l = Landscape {
        energy_sigma_mev: 30.0,
        ..Landscape::default()
    };
    let t = LandscapeTables::new(&l, Some(kt / KB_MEV_PER_K));
    let mut worst = 0.0f64;
    let draws = (0..200_000u32).map(lowbias32).chain([
        0,
        1,
        2,
        1000,
        u32::MAX,
        u32::MAX - 7,
        1 << 31,
        (1 << 31) - 1,
    ]);
    for u in draws {
        if u == 0 || u == u32::MAX {
            continue; // folded onto their neighbours (v >= 1)
        }
        let want = 30.0
            * normal_quantile((f64::from(u.min(!u)) + 0.5) / TWO_POW_32)
            * if u >= 1 << 31 { -1.0 } else { 1.0 };
        let got = t.energy_mev(level(&t, u));
        worst = worst.max((got - want).abs() / kt);
    }
    let top = t.energy_mev(level(&t, u32::MAX)) / 30.0;
    println!("largest |E - sigma Phi^-1(u)| {worst:.2e} kT; outermost site {top:.3} sigma");
    assert!(worst < 1.6 / f64::from(LEVELS_PER_KT), "{worst} kT");
    assert!(top > 6.0, "the outermost site is at {top} sigma");
}

#[test]
fn uphill_acceptances_are_exp_of_the_difference_to_a_thousandth() {
    // What both kernels compute for a difference of d levels: the two tables'
    // product, against exp(-d / LEVELS_PER_KT), wherever it is above 1e-6.
    let t = LandscapeTables::new(&Landscape::default(), None);
    let mut worst = 0.0f64;
    for d in 1..(30 * LEVELS_PER_KT) {
        let a = acceptance_of(&t.acceptance, d);
        let want = (-f64::from(d) / f64::from(LEVELS_PER_KT)).exp();
        if want > 1e-6 {
            worst = worst.max((f64::from(a) / TWO_POW_32 / want - 1.0).abs());
        } else {
            assert!(f64::from(a) / TWO_POW_32 < 2e-6, "d {d}");
        }
    }
    println!("largest relative error of an uphill acceptance above 1e-6: {worst:.2e}");
    assert!(worst < 1e-3, "{worst}");
}

#[test]
fn void_draws_hit_the_fraction() {
    let key = landscape_key(7);
    let th = quantize_cumulative(0.3);
    let n = 200 * 200;
    let voids = (-100..100)
        .flat_map(|x| (-100..100).map(move |y| (x, y)))
        .filter(|&(x, y)| void_draw(site_hash(key, x, y)) < th)
        .count();
    let f = voids as f64 / n as f64;
    let se = (0.3f64 * 0.7 / n as f64).sqrt();
    assert!((f - 0.3).abs() < 5.0 * se, "void fraction {f} (se {se})");
}
