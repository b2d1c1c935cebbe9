//! `exciton-mc analyze`: the microscope's estimator on a measured (or simulated) image
//! stack or line scan, into msd.csv, pl.csv, analysis.json and analysis.png. Exit codes:
//! 0 done, 2 the input or an option refused.

use anyhow::Result;
use exciton::analyze::{self, stack, AnalyzeError, Background, Noise, Options, Roi, TimeZero};
use exciton_core::scenario::microscope::FitModel;
use exciton_io::results::{prepare_dir, write_atomic, DirMode};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct AnalyzeArgs {
    /// The stack: a multi-page TIFF (frames x y x x), a one-page TIFF, .npy or CSV line
    /// scan (time bins x positions), or a 3D/2D .npy.
    input: PathBuf,
    /// Pixel (or scan step) width in the sample plane, nm [default: from an exciton-mc
    /// TIFF's description; otherwise required].
    #[arg(long)]
    pixel_nm: Option<f64>,
    /// Frame (or time bin) width, ps [default as for --pixel-nm].
    #[arg(long)]
    frame_ps: Option<f64>,
    /// Output directory [default: <input without its extension>_analysis].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace what --out already holds.
    #[arg(long)]
    force: bool,
    /// Region of interest in pixels, half-open: X0:X1 (line scans) or X0:X1,Y0:Y1.
    #[arg(long, value_parser = parse_roi)]
    roi: Option<Roi>,
    /// Time zero's frame (from 0) [default: the frame with the most counts].
    #[arg(long)]
    t0_frame: Option<usize>,
    /// Subtracted from every pixel: none, a number (file units per pixel), `pre` (each
    /// pixel's mean over the frames before t0) or `border` (each frame's mean over the
    /// pixels within --border-px of the region's edge).
    #[arg(long, default_value = "none", value_parser = parse_background)]
    background: BackgroundArg,
    /// The border's width for --background border, pixels.
    #[arg(long, default_value_t = 3)]
    border_px: usize,
    /// The profile fitted to each frame: gaussian, or voigt (the paper's: the Lorentzian
    /// width fitted at t0, then held).
    #[arg(long, default_value = "gaussian", value_parser = parse_profile)]
    profile: FitModel,
    /// poisson (photon counts: weights and errors from them) or uniform (values that are
    /// not counts: equal weights, no errors) [default: uniform for an exciton-mc
    /// noise-free TIFF, else poisson].
    #[arg(long, value_parser = ["poisson", "uniform"])]
    noise: Option<String>,
    /// File units per detected photon (an EMCCD's or sCMOS's ADU per photon).
    #[arg(long, default_value_t = 1.0)]
    gain: f64,
    /// Pixels at or above this value are saturated: their frames are reported, not
    /// fitted [default: the file's integer maximum, e.g. 65535; none for floats].
    #[arg(long)]
    saturation: Option<f64>,
}

#[derive(Clone, Copy)]
enum BackgroundArg {
    None,
    Constant(f64),
    Pre,
    Border,
}

fn parse_background(s: &str) -> Result<BackgroundArg, String> {
    match s {
        "none" => Ok(BackgroundArg::None),
        "pre" => Ok(BackgroundArg::Pre),
        "border" => Ok(BackgroundArg::Border),
        v => match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(BackgroundArg::Constant(x)),
            _ => Err(format!("`{v}`: give none, pre, border or a number")),
        },
    }
}

fn parse_profile(s: &str) -> Result<FitModel, String> {
    match s {
        "gaussian" => Ok(FitModel::Gaussian),
        "voigt" => Ok(FitModel::Voigt),
        _ => Err(format!("`{s}`: give gaussian or voigt")),
    }
}

fn parse_roi(s: &str) -> Result<Roi, String> {
    let range = |r: &str| -> Result<(usize, usize), String> {
        let (a, b) = r
            .split_once(':')
            .ok_or_else(|| format!("`{r}`: write a range as FIRST:END (pixels, END excluded)"))?;
        let n = |v: &str| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{v}` is not a pixel index"))
        };
        Ok((n(a)?, n(b)?))
    };
    let mut parts = s.split(',');
    let x = range(parts.next().unwrap_or(""))?;
    let y = parts.next().map(range).transpose()?;
    if parts.next().is_some() {
        return Err("give X0:X1 or X0:X1,Y0:Y1".into());
    }
    Ok(Roi { x, y })
}

/// The options as the library takes them.
fn options(a: &AnalyzeArgs) -> Options {
    Options {
        pixel_nm: a.pixel_nm,
        frame_ps: a.frame_ps,
        roi: a.roi,
        t0: a.t0_frame.map_or(TimeZero::Peak, TimeZero::Frame),
        background: match a.background {
            BackgroundArg::None => Background::None,
            BackgroundArg::Constant(v) => Background::Constant(v),
            BackgroundArg::Pre => Background::BeforeT0,
            BackgroundArg::Border => Background::Border(a.border_px),
        },
        profile: a.profile,
        noise: match a.noise.as_deref() {
            Some("uniform") => Some(Noise::Uniform),
            Some(_) => Some(Noise::Poisson { gain: a.gain }),
            None if a.gain != 1.0 => Some(Noise::Poisson { gain: a.gain }),
            None => None,
        },
        saturation: a.saturation,
    }
}

pub(crate) fn analyze_command(args: AnalyzeArgs) -> Result<i32> {
    let start = Instant::now();
    let refused = |e: AnalyzeError| {
        eprintln!("error: {e}");
        Ok(2)
    };
    let s = match stack::read(&args.input) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    eprintln!(
        "read {}: {} {} in {:.2} s",
        args.input.display(),
        shape(&s),
        if s.meta.is_some() {
            "(exciton-mc's geometry)"
        } else {
            ""
        },
        start.elapsed().as_secs_f64()
    );
    let fitted = Instant::now();
    let a = match analyze::analyze(&s, &options(&args)) {
        Ok(a) => a,
        Err(e) => return refused(e),
    };
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.input));
    prepare_dir(&out, DirMode::fresh_or_force(args.force))?;
    say_frames(&a, fitted.elapsed().as_secs_f64());
    write_outputs(&a, &out)?;
    println!(
        "wrote {}/msd.csv, pl.csv, analysis.json, analysis.png",
        out.display()
    );
    println!(
        "fit them: a dataset {{\"file\": \"{}\", \"observable\": \"apparent_msd\"}} in a fit file (README \"Measured data in\")",
        out.join("msd.csv").display()
    );
    Ok(0)
}

fn shape(s: &stack::Stack) -> String {
    match s.layout {
        stack::Layout::Images => {
            format!("{} frames of {} x {} pixels", s.frames, s.columns, s.rows)
        }
        stack::Layout::LineScan => format!(
            "a line scan of {} time bins x {} positions",
            s.frames, s.columns
        ),
    }
}

fn default_out(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or("stack".into(), |s| s.to_string_lossy().into_owned());
    input.with_file_name(format!("{stem}_analysis"))
}

/// What was fitted, and which frames were not, on stderr.
fn say_frames(a: &analyze::Analysis, seconds: f64) {
    let after: Vec<_> = a.frames.iter().filter(|f| f.frame >= a.t0_frame).collect();
    let fitted = after.iter().filter(|f| f.status == "fitted").count();
    eprintln!(
        "t0: frame {} ({}); fitted {fitted} of {} frames in {seconds:.2} s",
        a.t0_frame,
        a.t0_from,
        after.len()
    );
    for f in after.iter().filter(|f| f.status != "fitted").take(10) {
        eprintln!(
            "  frame {}: {} ({})",
            f.frame,
            f.status,
            f.reason.as_deref().unwrap_or("")
        );
    }
    let unfitted = after.len() - fitted;
    if unfitted > 10 {
        eprintln!(
            "  ... and {} more (analysis.json lists every frame)",
            unfitted - 10
        );
    }
}

/// msd.csv, pl.csv, analysis.json and the figure, each written whole or not at all.
pub(crate) fn write_outputs(a: &analyze::Analysis, out: &Path) -> Result<()> {
    // FIGURE exciton::figures::analysis::figure(a, &out.join("analysis.png"))?;
    write_atomic(&out.join("msd.csv"), a.msd_csv().as_bytes())?;
    write_atomic(&out.join("pl.csv"), a.pl_csv().as_bytes())?;
    write_atomic(
        &out.join("analysis.json"),
        serde_json::to_string_pretty(a)?.as_bytes(),
    )?;
    Ok(())
}
