//! The figure drawn from hand-made analyses: a full one, one with every value null, one
//! frame.

use super::*;
use crate::analyze::ShownFrame;

const T0: usize = 2;

/// A line scan of 22 frames from a spot spreading at 10 nm²/ps, t0 at frame 2:
/// frames 0 and 1 before t0 without fits, 8 and 15 not converged, 5 saturated and
/// the last with negative counts (both left off the PL's log axis).
fn analysis(values: bool) -> Analysis {
    let frames = (0..22)
        .map(|k| {
            let t_ps = (k as f64 - T0 as f64) * 50.0;
            let fitted = values && k >= T0 && k != 8 && k != 15;
            let saturated = usize::from(values && k == 5) * 3;
            let sigma2 = 40_000.0 + 20.0 * t_ps.max(0.0);
            let counts = 1e5 * (-t_ps.max(0.0) / 300.0).exp() - if k == 21 { 200.0 } else { 0.0 };
            let some = |v: f64| fitted.then_some(v);
            FrameResult {
                frame: k,
                time_ps: t_ps,
                status: if fitted { "fitted" } else { "not converged" }.into(),
                saturated_pixels: saturated,
                counts: if values { counts } else { 0.0 },
                counts_stderr: values.then(|| counts.abs().sqrt() * 3.0),
                sigma2_nm2: some(sigma2),
                sigma2_stderr_nm2: some(300.0 + 0.02 * sigma2 * (t_ps / 400.0)),
                msd_nm2: some(sigma2 - 40_000.0),
                msd_stderr_nm2: (k > T0).then_some(400.0).filter(|_| fitted),
                kurtosis: some(0.08 * (k as f64 * 1.7).sin()),
                kurtosis_stderr: some(0.03 + 0.004 * k as f64),
                ..FrameResult::default()
            }
        })
        .collect();
    let centres: Vec<f64> = (0..64).map(|i| (i as f64 - 31.5) * 50.0).collect();
    // The first, a middle and the last frame, as `analyze` picks them.
    let shown = [T0, 11, 21].into_iter().filter(|_| values).map(|k| {
        let t_ps = (k - T0) as f64 * 50.0;
        let s2 = 40_000.0 + 20.0 * t_ps;
        let n = 1e5 * (-t_ps / 300.0).exp() * 50.0 / (std::f64::consts::TAU * s2).sqrt();
        let g = |x: &f64| n * (-x * x / (2.0 * s2)).exp();
        ShownFrame {
            frame: k,
            time_ps: t_ps,
            data: centres
                .iter()
                .map(|x| g(x) * (1.0 + 0.06 * (x * 0.37).sin()))
                .collect(),
            model: centres.iter().map(g).collect(),
            centres_nm: centres.clone(),
        }
    });
    Analysis {
        exciton_mc_version: "0.0.0-test".into(),
        input: "/data/2024-05-02/film_B/line_scan_300K_400nm.tif".into(),
        layout: Layout::LineScan,
        shape: [22, 1, 64],
        pixel_nm: 50.0,
        frame_ps: 50.0,
        roi_columns: [0, 64],
        roi_rows: None,
        t0_frame: T0,
        t0_from: "peak of the total counts".into(),
        background: "each pixel's mean over the frames before t0".into(),
        profile: FitModel::Gaussian,
        noise: "poisson (gain 1 file units per photon)".into(),
        saturation: None,
        lorentz_x_nm: None,
        lorentz_y_nm: None,
        notes: Vec::new(),
        frames,
        shown: shown.collect(),
    }
}

fn drawn(a: &Analysis, name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(name);
    figure(a, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 1000, "{} bytes", bytes.len());
    assert_eq!(&bytes[1..4], b"PNG");
    path
}

#[test]
fn an_analysis_draws_its_five_panels() {
    drawn(&analysis(true), "exciton-analysis-figure.png");
}

#[test]
fn an_analysis_without_a_single_value_draws_empty_panels() {
    let mut a = analysis(false);
    a.layout = Layout::Images;
    a.shape = [22, 64, 64];
    a.profile = FitModel::Voigt;
    a.noise = "uniform".into();
    drawn(&a, "exciton-analysis-figure-empty.png");
}

#[test]
fn a_single_frame_gets_axes_a_few_ticks_wide() {
    let mut a = analysis(true);
    a.frames.truncate(T0 + 1);
    a.shown.truncate(1);
    drawn(&a, "exciton-analysis-figure-one-frame.png");
}

#[test]
fn the_time_axis_starts_before_t0_and_frames_before_it_are_not_drawn() {
    let a = analysis(true);
    let t = time_axis(&a);
    assert!(t.start < 0.0 && t.end > 0.95);
    let s = series(&a, |f| (f.sigma2_nm2, f.sigma2_stderr_nm2));
    assert_eq!(s.len(), 18, "20 frames from t0, 2 without a fit");
    assert!(s.iter().all(|p| p.0 >= 0.0));
}
