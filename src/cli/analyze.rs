//! `exciton-mc analyze`: the microscope's estimator on a measured (or simulated) image
//! stack or line scan, into msd.csv, pl.csv, analysis.json and analysis.png. Exit codes:
//! 0 done, 2 the input or an option refused.

use anyhow::Result;
use exciton::analyze::{self, stack, AnalyzeError, Options, TimeZero};
use exciton_io::results::{prepare_dir, DirMode};
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
    /// Output directory [default: the input's path without its extension, and `_analysis`].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace what --out already holds.
    #[arg(long)]
    force: bool,
    /// Region of interest in pixels, half-open: X0:X1 (line scans) or X0:X1,Y0:Y1.
    #[arg(long)]
    roi: Option<String>,
    /// Time zero's frame (from 0) [default: the frame with the most counts].
    #[arg(long)]
    t0_frame: Option<usize>,
    /// Subtracted from every pixel: none, a number (file units per pixel), `pre` (each
    /// pixel's mean over the frames before t0) or `border` (each frame's mean over the
    /// pixels within --border-px of the region's edge).
    #[arg(long, default_value = "none")]
    background: String,
    /// The border's width for --background border, pixels.
    #[arg(long, default_value_t = 3)]
    border_px: usize,
    /// The profile fitted to each frame: gaussian, or voigt (the paper's: the Lorentzian
    /// width fitted at t0, then held).
    #[arg(long, default_value = "gaussian", value_parser = ["gaussian", "voigt"])]
    profile: String,
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

/// The options as the library takes them.
fn options(a: &AnalyzeArgs) -> Result<Options, AnalyzeError> {
    Ok(Options {
        pixel_nm: a.pixel_nm,
        frame_ps: a.frame_ps,
        roi: a.roi.as_deref().map(analyze::parse_roi).transpose()?,
        t0: a.t0_frame.map_or(TimeZero::Peak, TimeZero::Frame),
        background: analyze::parse_background(&a.background, a.border_px)?,
        profile: analyze::parse_profile(&a.profile)?,
        noise: analyze::parse_noise(a.noise.as_deref(), a.gain)?,
        saturation: a.saturation,
    })
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
        "read {}: {}{} in {:.2} s",
        args.input.display(),
        shape(&s),
        if s.meta.is_some() {
            " (exciton-mc's geometry)"
        } else {
            ""
        },
        start.elapsed().as_secs_f64()
    );
    let fitted = Instant::now();
    let a = match options(&args).and_then(|o| analyze::analyze(&s, &o)) {
        Ok(a) => a,
        Err(e) => return refused(e),
    };
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.input));
    prepare_dir(&out, DirMode::fresh_or_force(args.force))?;
    say_frames(&a, fitted.elapsed().as_secs_f64());
    a.write(&out)?;
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
