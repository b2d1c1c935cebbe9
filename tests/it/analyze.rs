//! `exciton-mc analyze` (MODEL.md section 14): synthetic stacks written here, independent
//! of the engine (Gaussian spots of known variance, Poisson noise, a background), give
//! back their MSD within errors that match the spread; the kurtosis is 0 for Gaussians
//! and the analytic value for a mixture; the engine's own frames, written to TIFF and
//! analysed, give the engine's apparent MSD; a line scan agrees with the image.

use exciton::analyze::stack::{self, Layout, Stack};
use exciton::analyze::{analyze, Analysis, Background, Noise, Options, TimeZero};
use rand_core::Rng;
use std::path::PathBuf;

/// Photons drawn as Poisson counts: Knuth's product method on pieces of mean <= 20.
struct Photons(rand_pcg::Pcg64);

impl Photons {
    fn new(seed: u64) -> Photons {
        Photons(rand_pcg::Pcg64::new(
            u128::from(seed) * 7919 + 11,
            0x0a02_bdbf_7bb3_c0a7,
        ))
    }
    fn uniform(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn poisson(&mut self, mean: f64) -> f64 {
        let pieces = (mean / 20.0).ceil().max(1.0);
        let piece = mean / pieces;
        let mut k = 0.0;
        for _ in 0..pieces as usize {
            let limit = (-piece).exp();
            let mut p = self.uniform();
            while p > limit {
                k += 1.0;
                p *= self.uniform();
            }
        }
        k
    }
}

/// The spot's variance per axis at frame t, nm^2: 2 D t with D t growing 900 nm^2 a
/// frame from 150^2 nm^2.
fn variance(t: usize) -> f64 {
    150.0f64.powi(2) + 1800.0 * t as f64
}

const PIXEL: f64 = 40.0;
const FRAME_PS: f64 = 25.0;

/// A stack of `frames` n x n images (or, with `line`, the sums over rows: a line scan) of
/// a Gaussian spot of variance `var(t)` per axis, `photons(t)` expected photons, plus
/// `background` per pixel; `None` as the seed: the expected image, no noise.
fn spots(
    frames: usize,
    n: usize,
    photons: &dyn Fn(usize) -> f64,
    shape: &dyn Fn(f64, f64, usize) -> f64,
    background: f64,
    seed: Option<u64>,
    line: bool,
) -> Stack {
    let mut rng = seed.map(Photons::new);
    let c = (n / 2) as f64;
    let mut data = Vec::new();
    for t in 0..frames {
        let mut image = vec![0.0; n * n];
        for (k, px) in image.iter_mut().enumerate() {
            let (x, y) = (((k % n) as f64 - c) * PIXEL, ((k / n) as f64 - c) * PIXEL);
            *px = shape(x, y, t);
        }
        let total: f64 = image.iter().sum();
        let mut noisy = |m: f64| rng.as_mut().map_or(m, |r| r.poisson(m));
        let image: Vec<f64> = image
            .iter()
            .map(|m| noisy(m * photons(t) / total + background))
            .collect();
        if line {
            data.extend((0..n).map(|i| (0..n).map(|j| image[j * n + i]).sum::<f64>()));
        } else {
            data.extend(image);
        }
    }
    let shape: Vec<usize> = if line {
        vec![frames, n]
    } else {
        vec![frames, n, n]
    };
    stack::from_array(PathBuf::from("<test>"), &shape, data, None, None).unwrap()
}

fn gaussian(x: f64, y: f64, t: usize) -> f64 {
    (-(x * x + y * y) / (2.0 * variance(t))).exp()
}

fn options(background: Background) -> Options {
    Options {
        pixel_nm: Some(PIXEL),
        frame_ps: Some(FRAME_PS),
        t0: TimeZero::Frame(0),
        background,
        ..Options::default()
    }
}

/// z = (measured - truth) / error of `field` at every frame after t0.
fn zs(
    a: &Analysis,
    field: impl Fn(&exciton::analyze::FrameResult) -> (Option<f64>, Option<f64>),
    truth: impl Fn(usize) -> f64,
) -> Vec<f64> {
    a.frames
        .iter()
        .skip(1)
        .map(|f| {
            let (v, e) = field(f);
            let (Some(v), Some(e)) = (v, e) else {
                panic!("frame {}: value {v:?}, error {e:?}: {f:?}", f.frame)
            };
            (v - truth(f.frame)) / e
        })
        .collect()
}

fn rms(z: &[f64]) -> f64 {
    (z.iter().map(|z| z * z).sum::<f64>() / z.len() as f64).sqrt()
}

#[test]
fn gaussian_spots_give_their_msd_within_errors_that_match_the_spread() {
    let photons = |t: usize| 30_000.0 * (-(t as f64) / 20.0).exp();
    // The kurtosis's fourth moments weigh the background's noise in the wings by
    // distance^4: a small background keeps its error useful (README: crop the region).
    let (frames, n, background) = (12, 40, 0.5);
    let msd = |t: usize| variance(t) - variance(0);
    // Noise-free, no background: exact.
    let a = analyze(
        &spots(
            frames,
            n,
            &photons,
            &|x, y, t| gaussian(x, y, t),
            0.0,
            None,
            false,
        ),
        &Options {
            noise: Some(Noise::Uniform),
            ..options(Background::None)
        },
    )
    .unwrap();
    for f in &a.frames[1..] {
        let m = f.msd_nm2.unwrap();
        assert!(
            (m - msd(f.frame)).abs() < 1e-6 * msd(f.frame),
            "frame {}: {m} vs {}",
            f.frame,
            msd(f.frame)
        );
    }
    let (mut z_msd, mut z_kurt, mut z_first) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 0..60 {
        let s = spots(
            frames,
            n,
            &photons,
            &|x, y, t| gaussian(x, y, t),
            background,
            Some(seed),
            false,
        );
        let a = analyze(&s, &options(Background::Constant(background))).unwrap();
        let z = zs(&a, |f| (f.msd_nm2, f.msd_stderr_nm2), msd);
        if seed == 0 {
            z_first = z.clone();
        }
        z_msd.extend(z);
        z_msd.extend(zs(&a, |f| (f.x.msd_nm2, f.x.msd_stderr_nm2), msd));
        z_kurt.extend(zs(&a, |f| (f.kurtosis, f.kurtosis_stderr), |_| 0.0));
    }
    let (r_msd, r_kurt) = (rms(&z_msd), rms(&z_kurt));
    let mean = z_msd.iter().sum::<f64>() / z_msd.len() as f64;
    println!("seed 0's z of the MSD per frame: {z_first:.2?}");
    println!("over 60 seeds: RMS z of the MSD {r_msd:.3} (mean z {mean:.3}), of the kurtosis {r_kurt:.3}");
    assert!(z_first.iter().all(|z| z.abs() < 5.0), "{z_first:?}");
    assert!(
        (1.0 / 1.3..1.3).contains(&r_msd),
        "MSD errors vs spread: RMS z {r_msd}"
    );
    assert!(
        (1.0 / 1.3..1.3).contains(&r_kurt),
        "kurtosis errors vs spread: RMS z {r_kurt}"
    );
    // A background estimated from each frame's border: its error is shared by every
    // pixel of the frame and enters sigma^2's error (without it RMS z was 1.5 on a
    // 512-pixel camera).
    let mut z_border = Vec::new();
    for seed in 100..140 {
        let s = spots(
            frames,
            n,
            &photons,
            &|x, y, t| gaussian(x, y, t),
            8.0,
            Some(seed),
            false,
        );
        let a = analyze(&s, &options(Background::Border(3))).unwrap();
        z_border.extend(zs(
            &a,
            |f| (f.x.sigma2_nm2, f.x.sigma2_stderr_nm2),
            variance,
        ));
    }
    let r_border = rms(&z_border);
    println!("border background, 40 seeds: RMS z of sigma^2 {r_border:.3}");
    assert!(
        (1.0 / 1.3..1.3).contains(&r_border),
        "sigma^2 errors with a border background: RMS z {r_border}"
    );
    // A bias shows as a mean z away from 0. Every frame of a seed shares sigma^2(t0)'s
    // error, so the 60 seeds, not the 1320 z's, are independent: the mean's standard
    // error is about 0.1 (the 1/counts weights leave a bias near -0.15 here).
    assert!(mean.abs() < 0.3, "mean z {mean}");
}

#[test]
fn the_kurtosis_of_a_two_gaussian_mixture_is_its_analytic_value() {
    // 0.3 N(0, v1) + 0.7 N(0, v2) per axis: excess kurtosis
    // 3 (w1 v1^2 + w2 v2^2) / (w1 v1 + w2 v2)^2 - 3 = 1.03 here.
    let (w1, v1, w2, v2) = (0.3, 60.0f64.powi(2), 0.7, 200.0f64.powi(2));
    let want = 3.0 * (w1 * v1 * v1 + w2 * v2 * v2) / (w1 * v1 + w2 * v2).powi(2) - 3.0;
    let mix = |x: f64, y: f64, _t: usize| {
        let r2 = x * x + y * y;
        w1 / v1 * (-r2 / (2.0 * v1)).exp() + w2 / v2 * (-r2 / (2.0 * v2)).exp()
    };
    let photons = |_t: usize| 200_000.0;
    let (frames, n) = (4, 64);
    let exact = analyze(
        &spots(frames, n, &photons, &mix, 0.0, None, false),
        &Options {
            noise: Some(Noise::Uniform),
            ..options(Background::None)
        },
    )
    .unwrap();
    let k = exact.frames[1].kurtosis.unwrap();
    println!("noise-free mixture: kurtosis {k:.5}, analytic {want:.5}");
    assert!((k - want).abs() < 1e-3, "{k} vs {want}");
    let mut z = Vec::new();
    for seed in 0..10 {
        let a = analyze(
            &spots(frames, n, &photons, &mix, 0.0, Some(seed), false),
            &options(Background::None),
        )
        .unwrap();
        z.extend(zs(&a, |f| (f.kurtosis, f.kurtosis_stderr), |_| want));
    }
    println!("with Poisson noise: z {z:.2?}");
    assert!(z.iter().all(|z| z.abs() < 5.0) && rms(&z) < 1.5, "{z:?}");
}

#[test]
fn a_line_scan_and_the_image_of_the_same_spot_agree() {
    let photons = |t: usize| 40_000.0 * (-(t as f64) / 30.0).exp();
    let (frames, n) = (10, 48);
    let spot = |seed: u64, line: bool| {
        let s = spots(frames, n, &photons, &gaussian, 0.0, Some(seed), line);
        analyze(&s, &options(Background::None)).unwrap()
    };
    let (image, line) = (spot(1, false), spot(2, true));
    assert!(line.frames[0].y.is_none());
    for (a, b) in image.frames[1..].iter().zip(&line.frames[1..]) {
        let (ma, mb) = (a.msd_nm2.unwrap(), b.msd_nm2.unwrap());
        let e = a.msd_stderr_nm2.unwrap().hypot(b.msd_stderr_nm2.unwrap());
        println!(
            "frame {}: image {ma:.1} nm^2, line scan {mb:.1} +- (both) {e:.1}",
            a.frame
        );
        assert!(
            (ma - mb).abs() < 5.0 * e,
            "frame {}: {ma} vs {mb} +- {e}",
            a.frame
        );
    }
    // The line scan has only x: its numbers are x's.
    assert_eq!(line.frames[3].msd_nm2, line.frames[3].x.msd_nm2);
    assert_eq!(line.layout, Layout::LineScan);
}

/// A scenario whose microscope sees shot noise (or none) on the paper's case.
fn microscope_scenario(photons: Option<f64>) -> serde_json::Value {
    let mut v = crate::common::paper_json();
    crate::common::set(&mut v, "frames", serde_json::json!(60));
    crate::common::set(&mut v, "walkers", serde_json::json!(200_000));
    let mut m = serde_json::json!({"psf_fwhm_nm": 270.0, "pixel_nm": 40.0, "seed": 3});
    if let Some(p) = photons {
        m["photons_per_frame"] = serde_json::json!(p);
    }
    crate::common::set(&mut v, "microscope", m);
    v
}

/// The engine's frames of point 0 through a TIFF file and `analyze` (with the scenario's
/// profile), beside the engine's own apparent MSD.
fn round_trip(
    v: &serde_json::Value,
    engine: &exciton::engine::Engine,
    name: &str,
) -> (Analysis, exciton_core::microscope::Apparent) {
    let plan = exciton_core::sweep::Plan::from_value(v, std::path::Path::new("rt.json")).unwrap();
    let p = &plan.points[0];
    let mut out = None;
    exciton::analyze::simulate::simulate(
        &[(&p.scenario, p.index)],
        engine,
        &Default::default(),
        |_, s, a| {
            out = Some((s, a));
            Ok(())
        },
    )
    .unwrap();
    let (s, engine_says) = out.unwrap();
    let file = std::env::temp_dir().join(format!("exciton-rt-{}-{name}.tif", std::process::id()));
    stack::write_tiff(&file, &s).unwrap();
    let read = stack::read(&file).unwrap();
    std::fs::remove_file(&file).ok();
    assert_eq!(read.data, s.data, "the TIFF holds the frames bit for bit");
    let options = Options {
        profile: p.scenario.microscope.as_ref().unwrap().profile,
        ..Options::default()
    };
    (analyze(&read, &options).unwrap(), engine_says)
}

#[test]
fn the_engines_frames_through_a_tiff_give_the_engines_apparent_msd() {
    use exciton::engine::Engine;
    // Noise-free (the exact backend's expected profile), and with shot noise; a Gaussian
    // and the paper's Voigt (its Lorentzian width fitted at t0, then held).
    for (photons, profile) in [
        (None, "gaussian"),
        (Some(20_000.0), "gaussian"),
        (Some(20_000.0), "voigt"),
    ] {
        let mut v = microscope_scenario(photons);
        v["microscope"]["profile"] = serde_json::json!(profile);
        let (a, e) = round_trip(&v, &Engine::Exact, "exact");
        let mut worst: f64 = 0.0;
        for (f, (m, err)) in a.frames.iter().zip(e.msd_nm2.iter().zip(&e.stderr_nm2)) {
            let (m, got) = (m.unwrap(), f.msd_nm2.unwrap());
            worst = worst.max((got - m).abs() / m.abs().max(1.0));
            if photons.is_some() {
                assert_eq!((got, f.msd_stderr_nm2), (m, *err), "frame {}", f.frame);
            }
        }
        println!("exact, photons {photons:?}, {profile}: largest relative difference {worst:e}");
        assert!(worst <= 1e-9, "{worst}");
        assert_eq!(
            a.noise,
            if photons.is_some() {
                "poisson (gain 1 file units per photon)"
            } else {
                "uniform"
            }
        );
    }
    // The Monte Carlo with shot noise: the same numbers wherever the engine has one (its
    // error adds the walk's own noise, which one image cannot show).
    let (a, e) = round_trip(&microscope_scenario(Some(20_000.0)), &Engine::cpu(2), "mc");
    let mut same = 0;
    for (f, m) in a.frames.iter().zip(&e.msd_nm2) {
        if let Some(m) = m {
            assert_eq!(f.msd_nm2, Some(*m), "frame {}", f.frame);
            same += 1;
        }
    }
    println!(
        "Monte Carlo with shot noise: {same} of {} frames identical",
        a.frames.len()
    );
    assert!(same > 10, "only {same} frames have the engine's value");
}

/// `exciton-mc analyze ARGS`, its exit code and what it said.
fn analyze_cli(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let o = crate::common::exe()
        .arg("analyze")
        .args(args)
        .output()
        .unwrap();
    (o.status.code(), crate::common::text(&o))
}

#[test]
fn a_stack_goes_to_fitted_rates_through_analyze_and_fit() {
    // README "Measured data in": the example's stack (the paper's case at bright FRET
    // 0.09 and bright -> dark 0.15 per frame, 10^6 photons a frame) to its rates.
    let dir = crate::common::temp_dir("analyze-example");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["scenario.json", "fit.json", "stack.tif"] {
        std::fs::copy(format!("examples/analyze/{f}"), dir.join(f)).unwrap();
    }
    let (code, said) = analyze_cli(&[
        dir.join("stack.tif").as_os_str(),
        "--out".as_ref(),
        dir.join("analysis").as_os_str(),
    ]);
    println!("{said}");
    assert_eq!(code, Some(0), "{said}");
    let msd = std::fs::read_to_string(dir.join("analysis/msd.csv")).unwrap();
    assert!(
        msd.contains("time_ps,msd_nm2,msd_stderr_nm2\n0,0,"),
        "{msd}"
    );
    crate::fitting::example_fit(
        dir.join("fit.json").to_str().unwrap(),
        &[
            ("states.bright.fret", 0.09),
            ("states.bright.to.dark", 0.15),
        ],
        3.0,
    );
}

/// `data` (frames x n, f64) as a .npy file of dtype `<f8` or, with `u16`, `<u2`.
fn npy(path: &std::path::Path, shape: &[usize], data: &[f64], u16: bool) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let descr = if u16 { "<u2" } else { "<f8" };
    let mut header = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': ({},), }}",
        dims.join(", ")
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    for &v in data {
        if u16 {
            bytes.extend((v as u16).to_le_bytes());
        } else {
            bytes.extend(v.to_le_bytes());
        }
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn bad_input_is_refused_with_its_file_and_reason_and_writes_nothing() {
    let dir = crate::common::temp_dir("analyze-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out");
    let line = |t: usize| -> Vec<f64> {
        (0..32)
            .map(|i| {
                (5000.0 * (-((i as f64 - 16.0) * 40.0).powi(2) / (2.0 * variance(t))).exp()).round()
            })
            .collect()
    };
    let good: Vec<f64> = (0..6).flat_map(line).collect();
    // (file, shape, data, flags, what the message says)
    type Case<'a> = (&'a str, Vec<usize>, Vec<f64>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "flat.npy",
            vec![192],
            good.clone(),
            vec!["--pixel-nm", "40", "--frame-ps", "25"],
            "wrong dimensionality: shape (192,)",
        ),
        (
            "nan.npy",
            vec![6, 32],
            {
                let mut d = good.clone();
                d[70] = f64::NAN;
                d
            },
            vec!["--pixel-nm", "40", "--frame-ps", "25"],
            "time bin 2, position 6",
        ),
        (
            "nopixel.npy",
            vec![6, 32],
            good.clone(),
            vec!["--frame-ps", "25"],
            "no pixel size in the file: give --pixel-nm",
        ),
        (
            "t0.npy",
            vec![6, 32],
            good.clone(),
            vec!["--pixel-nm", "40", "--frame-ps", "25", "--t0-frame", "9"],
            "--t0-frame: 9: the file has 6 frames",
        ),
        (
            "pre.npy",
            vec![6, 32],
            good.clone(),
            vec![
                "--pixel-nm",
                "40",
                "--frame-ps",
                "25",
                "--t0-frame",
                "0",
                "--background",
                "pre",
            ],
            "t0 is frame 0",
        ),
        (
            "roi.npy",
            vec![6, 32],
            good.clone(),
            vec!["--pixel-nm", "40", "--frame-ps", "25", "--roi", "10:40"],
            "--roi: columns 10..40: the file has 32",
        ),
        (
            "gain.npy",
            vec![6, 32],
            good.clone(),
            vec!["--pixel-nm", "40", "--frame-ps", "25", "--gain", "0"],
            "--gain: 0: must be a positive number",
        ),
    ];
    let flags = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut f = vec!["--pixel-nm", "40", "--frame-ps", "25"];
        f.extend_from_slice(extra);
        f
    };
    let more: Vec<Case> = vec![
        (
            "sat.npy",
            vec![6, 32],
            good.clone(),
            flags(&["--t0-frame", "0", "--saturation", "4000"]),
            "time zero (frame 0, --t0-frame) has no fit, and every MSD is measured from its sigma^2: saturated: 5 pixels at or above 4000",
        ),
        (
            "satnan.npy",
            vec![6, 32],
            good.clone(),
            flags(&["--t0-frame", "0", "--saturation", "nan"]),
            "--saturation: NaN: must be a positive number",
        ),
        (
            "uniformgain.npy",
            vec![6, 32],
            good.clone(),
            flags(&["--t0-frame", "0", "--noise", "uniform", "--gain", "2"]),
            "--gain: 2: a gain converts counts to photons",
        ),
        (
            "hugeT0.npy",
            vec![6, 32],
            good.clone(),
            flags(&["--t0-frame", "18446744073709551615"]),
            "--t0-frame: 18446744073709551615: the file has 6 frames",
        ),
        (
            "border.npy",
            vec![6, 32],
            good.clone(),
            flags(&[
                "--t0-frame",
                "0",
                "--background",
                "border",
                "--border-px",
                "9223372036854775808",
            ]),
            "--border-px: 9223372036854775808: the border must be at least 1 pixel",
        ),
    ];
    let cases: Vec<Case> = cases.into_iter().chain(more).collect();
    for (name, shape, data, flags, says) in cases {
        let file = dir.join(name);
        npy(&file, &shape, &data, false);
        let mut args: Vec<&std::ffi::OsStr> =
            vec![file.as_os_str(), "--out".as_ref(), out.as_os_str()];
        args.extend(flags.iter().map(std::ffi::OsStr::new));
        let (code, said) = analyze_cli(&args);
        println!("{name}: {said}");
        assert_eq!(code, Some(2), "{name}: {said}");
        assert!(said.contains(says), "{name}: expected `{says}` in: {said}");
        if ["flat.npy", "nan.npy", "nopixel.npy", "peak.npy", "sat.npy"].contains(&name) {
            assert!(
                said.contains(name),
                "{name}: the message names the file: {said}"
            );
        }
        assert!(
            !out.exists(),
            "{name}: a refused input left {}",
            out.display()
        );
    }
}

#[test]
fn saturated_and_empty_frames_are_reported_not_fitted() {
    let dir = crate::common::temp_dir("analyze-frames");
    std::fs::create_dir_all(&dir).unwrap();
    let line = |t: usize, peak: f64| -> Vec<f64> {
        (0..32)
            .map(|i| {
                (peak * (-((i as f64 - 16.0) * 40.0).powi(2) / (2.0 * variance(t))).exp()).round()
            })
            .collect()
    };
    // Frame 2 clips at the 16-bit maximum; frame 4 is dark.
    let data: Vec<f64> = (0..6)
        .flat_map(|t| match t {
            2 => line(t, 2e5).into_iter().map(|v| v.min(65535.0)).collect(),
            4 => vec![0.0; 32],
            _ => line(t, 5000.0),
        })
        .collect();
    let file = dir.join("clipped.npy");
    npy(&file, &[6, 32], &data, true);
    let out = dir.join("out");
    let (code, said) = analyze_cli(&[
        file.as_os_str(),
        "--pixel-nm".as_ref(),
        "40".as_ref(),
        "--frame-ps".as_ref(),
        "25".as_ref(),
        "--t0-frame".as_ref(),
        "0".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    println!("{said}");
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("frame 2: saturated") && said.contains("frame 4: empty"),
        "{said}"
    );
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analysis.json")).unwrap()).unwrap();
    let f = &a["frames"];
    assert_eq!(f[2]["status"], "saturated", "{}", f[2]);
    assert!(f[2]["msd_nm2"].is_null() && f[4]["msd_nm2"].is_null());
    assert_eq!(f[4]["status"], "empty", "{}", f[4]);
    assert_eq!(f[3]["status"], "fitted", "{}", f[3]);
    let msd = std::fs::read_to_string(out.join("msd.csv")).unwrap();
    let times: Vec<&str> = msd
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(times, ["0", "25", "75", "125"], "{msd}");
    assert!(out.join("analysis.png").exists());
}
