//! `exciton-mc example [--with FEATURE,...]`: a complete scenario to start from
//! (`scenarios/example.json`), with the blocks of the features asked for added.

use anyhow::Result;
use serde_json::{json, Value};

/// A complete scenario with every basic feature, printed by `exciton-mc example`.
pub(crate) const EXAMPLE: &str = include_str!("../../scenarios/example.json");

#[derive(clap::Args)]
pub(crate) struct ExampleArgs {
    /// Add these features' blocks to the scenario: comma-separated or repeated
    /// (`--with landscape,microscope --with rates`).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FEATURE")]
    pub(crate) with: Vec<Feature>,
}

/// What `--with` can add to the example.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Feature {
    /// A disordered film: Gaussian site energies (20 meV), 5 % voids, 150 x 150 sites
    /// with open edges (MODEL.md section 12).
    Landscape,
    /// The virtual microscope: a 270 nm Gaussian PSF on 40 nm pixels, no shot noise
    /// (the apparent MSD, MODEL.md section 10).
    Microscope,
    /// `"units": "rate_per_ns"`: every probability per 25 ps frame as a rate in ns^-1
    /// (k = p / 0.025 ns), the continuous-time chain (MODEL.md section 2).
    Rates,
    /// The 2D emission image of the first nanosecond (the `emission_image` figure).
    Image,
    /// `"record_profiles": true`: the emission profile over x per frame (the
    /// `diffusion_map` figure).
    #[value(alias = "record_profiles")]
    Profiles,
}

pub(crate) fn example_command(args: ExampleArgs) -> Result<i32> {
    if args.with.is_empty() {
        // The file as it is, comments and layout included.
        print!("{EXAMPLE}");
    } else {
        println!("{}", render(&with_features(&args.with)));
    }
    Ok(0)
}

/// The example scenario with the blocks of `features` added (each once, in a fixed
/// order, whatever order or repeats the command line has).
pub(crate) fn with_features(features: &[Feature]) -> Value {
    let mut features = features.to_vec();
    features.sort();
    features.dedup();
    let mut s: Value = serde_json::from_str(EXAMPLE).expect("scenarios/example.json is JSON");
    let mut added = Vec::new();
    let mut figures: Vec<&str> = vec![];
    for f in &features {
        match f {
            Feature::Landscape => {
                s["landscape"] = json!({
                    "seed": 7, "energy_sigma_meV": 20, "void_fraction": 0.05,
                    "size": [150, 150], "edges": "open"
                });
                added.push("a disordered film (`landscape`: Gaussian site energies with sigma_E = 20 meV, 5 % voids, 150 x 150 NCs with open edges; hops uphill by dE are accepted with exp(-dE/kT))");
                figures.push("disorder");
            }
            Feature::Microscope => {
                s["microscope"] = json!({
                    "psf_fwhm_nm": 270, "profile": "gaussian", "pixel_nm": 40,
                    "photons_per_frame": null, "seed": 3
                });
                added.push("the virtual microscope (`microscope`: a 270 nm FWHM Gaussian PSF on 40 nm pixels, no shot noise; every point gains apparent_msd_nm2)");
            }
            Feature::Rates => {
                to_rates(&mut s);
                added.push("rates (`units`: rate_per_ns: every probability per 25 ps frame p became the rate p / 0.025 ns in ns^-1, so 0.03 per frame is 1.2 ns^-1; the continuous-time chain, any number of events per frame)");
            }
            Feature::Image => {
                s["image"] = json!({ "frame": 0, "frames": 40, "half_width_sites": 30 });
                added.push("an emission image (`image`: the photons of frames 0-39, the first 1 ns, within 30 sites of the spot's centre)");
                figures.push("emission_image");
            }
            Feature::Profiles => {
                s["record_profiles"] = json!(true);
                added.push("emission profiles (`record_profiles`: the emission profile over x per frame, kept in results.json)");
                figures.push("diffusion_map");
            }
        }
    }
    if let Some(list) = s["figures"].as_array_mut() {
        list.extend(figures.into_iter().map(Value::from));
    }
    let name = features
        .iter()
        .map(|f| format!("{f:?}").to_lowercase())
        .collect::<Vec<_>>()
        .join("-");
    s["name"] = Value::from(format!("example-with-{name}"));
    let mut comment = s["comment"].as_str().unwrap_or_default().to_string();
    if features.contains(&Feature::Rates) {
        comment = comment.replace("Probabilities are per 25 ps frame.", "Rates are in ns^-1.");
    }
    s["comment"] = Value::from(format!(
        "{comment} Added by `exciton-mc example --with`: {}.",
        added.join("; ")
    ));
    s
}

/// Every number per frame in the example's states and sweep as a rate in ns^-1:
/// k = p / dt (dt in ns), the rate whose expected events per frame are p.
fn to_rates(s: &mut Value) {
    let per_ns = 1e3 / s["dt_ps"].as_f64().expect("the example has dt_ps");
    s["units"] = Value::from("rate_per_ns");
    fn scale(v: &mut Value, k: f64) {
        match v {
            Value::Number(n) => *v = json!(round(n.as_f64().unwrap_or(0.0) * k)),
            Value::Array(a) => a.iter_mut().for_each(|x| scale(x, k)),
            Value::Object(o) => {
                for (key, x) in o.iter_mut() {
                    // Temperatures and energies are not rates.
                    if !matches!(
                        key.as_str(),
                        "T_K" | "activation_meV" | "splitting_meV" | "degeneracy"
                    ) {
                        scale(x, k);
                    }
                }
            }
            _ => {}
        }
    }
    scale(&mut s["states"], per_ns);
    if let Some(params) = s["sweep"]["parameters"].as_object_mut() {
        for (path, values) in params.iter_mut() {
            if path.starts_with("states.") && !path.ends_with("activation_meV") {
                scale(values, per_ns);
            }
        }
    }
}

/// A rate rounded to 12 significant digits, so 0.03 / 0.025 prints as 1.2.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// JSON as a person writes it: objects one key a line, an object or array on one line
/// when it fits in 88 columns.
fn render(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, 0, &mut out);
    out
}

fn write_value(v: &Value, indent: usize, out: &mut String) {
    let compact = compact(v);
    if indent + compact.len() <= 88 || !matches!(v, Value::Object(_) | Value::Array(_)) {
        out.push_str(&compact);
        return;
    }
    let pad = " ".repeat(indent + 2);
    match v {
        Value::Object(o) => {
            out.push_str("{\n");
            for (i, (k, x)) in o.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push_str(": ");
                write_value(x, indent + 2, out);
                out.push_str(if i + 1 < o.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        Value::Array(a) => {
            out.push_str("[\n");
            for (i, x) in a.iter().enumerate() {
                out.push_str(&pad);
                write_value(x, indent + 2, out);
                out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        _ => unreachable!("scalars are written compact"),
    }
}

/// One line, with a space after every `:` and `,` as the shipped files have.
fn compact(v: &Value) -> String {
    match v {
        Value::Object(o) if o.is_empty() => "{}".into(),
        Value::Object(o) => format!(
            "{{ {} }}",
            o.iter()
                .map(|(k, x)| format!("{}: {}", Value::from(k.as_str()), compact(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Array(a) => format!("[{}]", a.iter().map(compact).collect::<Vec<_>>().join(", ")),
        _ => v.to_string(),
    }
}
