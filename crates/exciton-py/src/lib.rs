//! The native half of the Python package `exciton_mc` (`exciton_mc._native`).
//!
//! A run goes through the same Rust code as `exciton-mc run` (`Plan`, the walker and seed
//! overrides, `Engine::open`, `exciton::run::run`), so the same seed gives the same
//! `RunResults`, bit for bit; they reach Python as dicts whose keys are the keys of
//! `results.json` and whose per-frame lists are NumPy arrays. The Python layer
//! (`python/exciton_mc/__init__.py`) wraps them into `Results` and `Point`.
//!
//! The engine runs on a worker thread; the calling thread releases the GIL and wakes every
//! 100 ms to run Python's signal handlers (Ctrl-C in a notebook cancels the run) and to
//! report progress.
//!
//! A fit goes through the same Rust code as `exciton-mc fit` (`Fit::load` or `Fit::parse`,
//! `Engine::open` on the cpu backend, `report::execute`, `report::fit_json`), so it returns
//! the command's fit.json, bit for bit but for `wall_s`, as plain Python objects; the
//! Python layer wraps it into `FitResult` with NumPy arrays.
//!
//! An analysis goes through the same Rust code as `exciton-mc analyze` (`stack::from_array`,
//! the option parsers, `analyze::analyze`, `Analysis::write`), so the same array gives the
//! command's analysis.json, bit for bit but for `input` (`<array>`); the Python layer wraps
//! it into `Analysis` with NumPy arrays.

use exciton::engine::{Engine, EngineOptions};
use exciton::error::Error as EngineError;
use exciton_core::backend::BackendKind;
use exciton_core::error::{Error as CoreError, ScenarioError as CoreScenarioError};
use exciton_core::progress::Progress;
use exciton_core::scenario::counts::{parse_count_text, CountRule};
use exciton_core::sweep::Plan;
use numpy::{PyArray1, PyArray2, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

pyo3::create_exception!(
    _native,
    ScenarioError,
    PyValueError,
    "A scenario that cannot be run. The message names the file (or `<dict>`), the dotted \
     JSON path of the offending field and the reason; the attributes `file`, `path`, \
     `kind` and `reason` hold them one by one."
);
pyo3::create_exception!(
    _native,
    RunError,
    PyRuntimeError,
    "A run that could not be done: no GPU adapter, not enough memory, a device error."
);

pyo3::create_exception!(
    _native,
    FitError,
    PyValueError,
    "A fit refused before fitting (exit 2 of `exciton-mc fit`): the fit file, its scenario \
     or a data file. The message names the file (or `<dict>`) and the JSON path or line; \
     the attributes `file`, `path`, `line` and `reason` hold them one by one."
);

/// How often the calling thread wakes to look at signals and progress.
const POLL: Duration = Duration::from_millis(100);

/// Python's ScenarioError for the model's, with its parts as attributes.
fn scenario_error(py: Python<'_>, e: &CoreScenarioError) -> PyErr {
    let err = ScenarioError::new_err(e.to_string());
    let value = err.value(py);
    let _ = value.setattr("file", e.file.display().to_string());
    let _ = value.setattr("path", e.path.clone());
    let _ = value.setattr("kind", format!("{:?}", e.kind));
    let _ = value.setattr("reason", e.reason.clone());
    err
}

fn run_error(py: Python<'_>, e: &EngineError) -> PyErr {
    match e {
        EngineError::Core(CoreError::Scenario(s)) => scenario_error(py, s),
        e => RunError::new_err(e.to_string()),
    }
}

/// Python's FitError for a refused fit (RunError or ScenarioError for a run that failed).
fn fit_error(py: Python<'_>, e: &exciton::fit::FitError) -> PyErr {
    use exciton::fit::FitError as E;
    let (file, path, line, reason) = match e {
        E::Run(e) => return run_error(py, e),
        E::Spec { file, path, reason } => (file, path.as_str(), None, reason),
        E::Data { file, line, reason } => (file, "", (*line > 0).then_some(*line), reason),
    };
    let err = FitError::new_err(e.to_string());
    let value = err.value(py);
    let _ = value.setattr("file", file.display().to_string());
    let _ = value.setattr("path", path);
    let _ = value.setattr("line", line);
    let _ = value.setattr("reason", reason.clone());
    err
}

/// The plan of a scenario given as a file path or as JSON text (a dict, serialised by the
/// Python layer), named `<dict>` in errors.
fn load_plan(py: Python<'_>, path: Option<&str>, json: Option<&str>) -> PyResult<Plan> {
    let loaded = match (path, json) {
        (Some(p), None) => Plan::load(Path::new(p)),
        (None, Some(text)) => {
            let file = PathBuf::from("<dict>");
            match serde_json::from_str::<Value>(text) {
                Ok(v) => Plan::from_value(&v, &file),
                Err(e) => Err(CoreScenarioError::new(&file, "", e.to_string())),
            }
        }
        _ => {
            return Err(PyValueError::new_err(
                "give the scenario as a path or as a dict",
            ))
        }
    };
    loaded.map_err(|e| scenario_error(py, &e))
}

/// A count given as an int or as text (`"1e6"`), by the rules of the command line.
fn count(value: Option<&Bound<'_, PyAny>>, what: &str, rule: CountRule) -> PyResult<Option<u64>> {
    let Some(v) = value else { return Ok(None) };
    if v.is_none() {
        return Ok(None);
    }
    // Ints as their digits, text as it is: one parser, the command line's rules.
    let text = v.str()?.to_string();
    parse_count_text(&text, rule)
        .map(Some)
        .map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

fn backend(name: &str) -> PyResult<BackendKind> {
    name.parse()
        .map_err(|e: exciton_core::backend::UnknownBackend| PyValueError::new_err(e.to_string()))
}

/// The engine options the CLI would take from the same flags and environment.
fn engine_options(threads: Option<usize>, adapter: Option<String>) -> EngineOptions {
    let vector = std::env::var("EXCITON_MC_CPU_VECTOR")
        .ok()
        .and_then(|name| exciton_core::cpu::Vector::by_name(&name).ok());
    let shader_checks = std::env::var("EXCITON_MC_SHADER_CHECKS")
        .ok()
        .and_then(|v| exciton_gpu::ShaderChecks::parse(&v))
        .unwrap_or_default();
    EngineOptions {
        adapter,
        threads,
        vector,
        gpu: exciton_gpu::GpuOptions { shader_checks },
    }
}

/// Keys whose lists are lists of text, never arrays (even when empty).
const TEXT_LISTS: [&str; 2] = ["warnings", "figures"];

/// A JSON value as plain Python objects (dict, list, float, int, str, bool, None).
fn plain<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(plain(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, plain(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A list of a result as a NumPy array: numbers and nulls -> float64 (null -> NaN), whole
/// counts -> uint64, booleans -> bool, lists of counts -> a 2-D uint64 array; anything
/// else as plain Python objects.
fn array<'py>(py: Python<'py>, a: &[Value]) -> PyResult<Bound<'py, PyAny>> {
    if !a.is_empty() && a.iter().all(Value::is_boolean) {
        let v: Vec<bool> = a.iter().map(|x| x.as_bool().unwrap_or(false)).collect();
        return Ok(PyArray1::from_vec(py, v).into_any());
    }
    if !a.is_empty() && a.iter().all(Value::is_u64) {
        let v: Vec<u64> = a.iter().map(|x| x.as_u64().unwrap_or(0)).collect();
        return Ok(PyArray1::from_vec(py, v).into_any());
    }
    if a.iter().all(|x| x.is_null() || x.is_number()) {
        let v: Vec<f64> = a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect();
        return Ok(PyArray1::from_vec(py, v).into_any());
    }
    if a.iter()
        .all(|row| row.as_array().is_some_and(|r| r.iter().all(Value::is_u64)))
    {
        let rows: Vec<Vec<u64>> = a
            .iter()
            .map(|row| {
                row.as_array()
                    .map_or(vec![], |r| r.iter().filter_map(Value::as_u64).collect())
            })
            .collect();
        if let Ok(m) = PyArray2::from_vec2(py, &rows) {
            return Ok(m.into_any());
        }
    }
    plain(py, &Value::Array(a.to_vec()))
}

/// A point of `results.json` (or any object below it) with its lists as arrays.
fn with_arrays<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                let item = match (k.as_str(), x) {
                    // Swept values stay as the scenario gave them; text lists stay lists.
                    ("parameters" | "sample", _) => plain(py, x)?,
                    (k, _) if TEXT_LISTS.contains(&k) => plain(py, x)?,
                    (_, Value::Array(a)) => array(py, a)?,
                    (_, Value::Object(_)) => with_arrays(py, x)?,
                    _ => plain(py, x)?,
                };
                d.set_item(k, item)?;
            }
            Ok(d.into_any())
        }
        Value::Array(a) => array(py, a),
        _ => plain(py, v),
    }
}

/// `results.json` as a dict: top-level fields as plain objects, each point's lists as arrays.
fn results_dict<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    if let Value::Object(o) = v {
        for (k, x) in o {
            let item = if k == "points" {
                let list = PyList::empty(py);
                for p in x.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    list.append(with_arrays(py, p)?)?;
                }
                list.into_any()
            } else {
                plain(py, x)?
            };
            d.set_item(k, item)?;
        }
    }
    Ok(d)
}

/// What the worker thread sends back: the results as JSON and the engine's "why" note.
type Outcome = Result<(Value, String), EngineError>;

/// Runs a scenario and returns `results.json` as a dict with NumPy arrays.
///
/// `scenario_path` or `scenario_json` (exactly one); `walkers` and `seed` override the
/// scenario's (ints or text such as "1e6"); `progress` is called as `progress(done, total)`
/// (walkers) about every 100 ms from the calling thread.
#[pyfunction]
#[pyo3(signature = (scenario_path=None, scenario_json=None, backend="auto", walkers=None, seed=None, threads=None, adapter=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    scenario_path: Option<String>,
    scenario_json: Option<String>,
    backend: &str,
    walkers: Option<Bound<'py, PyAny>>,
    seed: Option<Bound<'py, PyAny>>,
    threads: Option<usize>,
    adapter: Option<String>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let kind = self::backend(backend)?;
    let walkers = count(walkers.as_ref(), "walkers", CountRule::AT_LEAST_ONE)?;
    let seed = count(seed.as_ref(), "seed", CountRule::ANY)?;
    if threads == Some(0) {
        return Err(PyValueError::new_err("threads: at least 1"));
    }
    let mut plan = load_plan(py, scenario_path.as_deref(), scenario_json.as_deref())?;
    // As `exciton-mc run --walkers --seed` does it.
    for p in &mut plan.points {
        if let Some(w) = walkers {
            p.scenario.walkers = w;
        }
        if let Some(s) = seed {
            p.scenario.seed = s;
        }
    }
    let total = plan.total_walkers();
    let options = engine_options(threads, adapter);
    let outcome = in_worker(
        py,
        "run",
        move |shared| -> Outcome {
            let (engine, why) = Engine::open(kind, &options)?;
            exciton::run::check_memory(&plan, &engine)?;
            let results = exciton::run::run(&plan, &engine, shared)?;
            let json = serde_json::to_value(&results).expect("results serialise to JSON");
            Ok((json, why))
        },
        |shared| match &progress {
            Some(cb) => cb.call1((shared.done(), total)).map(drop),
            None => Ok(()),
        },
    )?;
    match outcome {
        Ok((json, why)) => {
            if let Some(cb) = &progress {
                cb.call1((total, total))?;
            }
            if !why.is_empty() {
                // Where `auto` went, as the CLI says it on stderr.
                let warnings = py.import("warnings")?;
                let _ = warnings.call_method1("warn", (why,));
            }
            results_dict(py, &json)
        }
        Err(e) => Err(run_error(py, &e)),
    }
}

/// Runs `work` on a worker thread named `name` and waits for its result with the GIL
/// released, polling every [`POLL`]: `tick` reports progress; Ctrl-C (or a failing
/// `tick`) cancels the work's [`Progress`], so it stops after its walker block in
/// flight, and raises once the worker has stopped.
fn in_worker<T: Send + 'static>(
    py: Python<'_>,
    name: &str,
    work: impl FnOnce(&Progress) -> T + Send + 'static,
    tick: impl Fn(&Progress) -> PyResult<()>,
) -> PyResult<T> {
    let shared = Arc::new(Progress::default());
    let (tx, mut rx) = mpsc::channel::<T>();
    let worker = {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name(format!("exciton-mc {name}"))
            .spawn(move || {
                let _ = tx.send(work(&shared));
            })
            .map_err(|e| RunError::new_err(format!("cannot start the {name}'s thread: {e}")))?
    };
    let outcome = loop {
        // The receiver travels into the GIL-free closure and back (it is Send, not Sync).
        let (back, got) = py.detach(move || {
            let got = rx.recv_timeout(POLL);
            (rx, got)
        });
        rx = back;
        match got {
            Ok(outcome) => break Ok(outcome),
            Err(RecvTimeoutError::Disconnected) => {
                break Err(RunError::new_err(format!(
                    "the {name}'s thread stopped without a result"
                )))
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Err(e) = py.check_signals().and_then(|_| tick(&shared)) {
            shared.cancel();
            break Err(e);
        }
    };
    let _ = py.detach(|| worker.join());
    outcome
}

/// Validates a scenario without running it; returns a short summary dict.
#[pyfunction]
#[pyo3(signature = (scenario_path=None, scenario_json=None))]
fn check<'py>(
    py: Python<'py>,
    scenario_path: Option<String>,
    scenario_json: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let plan = load_plan(py, scenario_path.as_deref(), scenario_json.as_deref())?;
    let first = &plan.points[0].scenario;
    let d = PyDict::new(py);
    d.set_item("name", &plan.name)?;
    d.set_item("file", plan.file.display().to_string())?;
    d.set_item(
        "sweep_mode",
        plan.mode.map(|m| format!("{m:?}").to_lowercase()),
    )?;
    d.set_item("points", plan.points.len())?;
    d.set_item("walkers", plan.total_walkers())?;
    d.set_item("frames", first.frames)?;
    d.set_item("dt_ps", first.dt_ps)?;
    d.set_item("states", first.states.names.clone())?;
    let params = PyList::empty(py);
    for p in &plan.points {
        params.append(plain(
            py,
            &Value::Object(p.parameters.clone().into_iter().collect()),
        )?)?;
    }
    d.set_item("parameters", params)?;
    Ok(d)
}

/// The GPU adapters wgpu finds, as `exciton-mc devices` lists them.
#[pyfunction]
fn devices(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let adapters = py.detach(exciton_gpu::context::list_adapters);
    let list = PyList::empty(py);
    for a in adapters {
        let d = PyDict::new(py);
        d.set_item("name", &a.name)?;
        d.set_item("backend", &a.backend)?;
        d.set_item("device_type", &a.device_type)?;
        d.set_item("driver", &a.driver)?;
        d.set_item("driver_info", &a.driver_info)?;
        d.set_item("software", a.is_software())?;
        d.set_item("description", a.to_string())?;
        list.append(d)?;
    }
    Ok(list)
}

/// Runs a fit as `exciton-mc fit` does and returns its fit.json as plain Python objects.
///
/// `config_path` (a fit file, its paths relative to its directory) or `config_json` (its
/// text, named `<dict>` in errors, its paths relative to the current directory), exactly
/// one; `threads`: CPU threads of the Monte Carlo check (default: all cores). The GIL is
/// released for the whole fit; a warning or a failed fit is a result (its `status`), not
/// an exception.
#[pyfunction]
#[pyo3(signature = (config_path=None, config_json=None, threads=None))]
fn fit<'py>(
    py: Python<'py>,
    config_path: Option<PathBuf>,
    config_json: Option<String>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    use exciton::fit::{report, Fit};
    let start = std::time::Instant::now();
    if threads == Some(0) {
        return Err(PyValueError::new_err("threads: at least 1"));
    }
    enum Config {
        File(PathBuf),
        Text(String, PathBuf),
    }
    let config = match (config_path, config_json) {
        (Some(p), None) => Config::File(p),
        (None, Some(text)) => {
            let cwd = std::env::current_dir().map_err(|e| {
                FitError::new_err(format!(
                    "<dict>: no current directory to resolve its paths against ({e})"
                ))
            })?;
            Config::Text(text, cwd)
        }
        _ => return Err(PyValueError::new_err("give the fit as a path or as a dict")),
    };
    let options = engine_options(threads, None);
    // Ctrl-C stops the Monte Carlo check after its walker block in flight.
    let outcome = in_worker(
        py,
        "fit",
        move |shared| -> Result<Value, exciton::fit::FitError> {
            let fit = match &config {
                Config::File(p) => Fit::load(p)?,
                Config::Text(text, cwd) => Fit::parse(text, Path::new("<dict>"), cwd)?,
            };
            let engine = Engine::open(BackendKind::Cpu, &options)?.0;
            let r = report::execute(&fit, &engine, &|_| {}, shared)?;
            Ok(report::fit_json(&fit, &r, start.elapsed().as_secs_f64()))
        },
        |_| Ok(()),
    )?;
    match outcome {
        Ok(json) => plain(py, &json),
        Err(e) => Err(fit_error(py, &e)),
    }
}

/// The message of an output directory refused for an analysis, in Python's words (the
/// library's names the command's flags).
fn out_error(e: &exciton_io::Error) -> PyErr {
    use exciton_io::error::OutputProblem as P;
    match e {
        exciton_io::Error::Output { dir, problem } => {
            let why = match problem {
                P::HoldsFiles => {
                    "it already holds files: pass force=True to write into it all the same, or choose another out"
                }
                P::NotADirectory => "it is a file, not a directory: choose another out",
                P::NothingToResume => return PyValueError::new_err(e.to_string()),
            };
            PyValueError::new_err(format!("output directory {}: {why}", dir.display()))
        }
        e => PyOSError::new_err(e.to_string()),
    }
}

/// Analyses a stack as `exciton-mc analyze` does and returns its analysis.json as plain
/// Python objects (and, with `out`, writes msd.csv, pl.csv and analysis.json there).
///
/// `data`: float64, frames x y x x (images) or time bins x positions (a line scan), in any
/// memory order; `dtype_max`: the largest value of the array's original integer type (a
/// pixel at it is saturated), None for floats, as the file readers set it; the options
/// are the command's, in its words (`roi` "X0:X1,Y0:Y1", `background` none, pre, border
/// or a number). A refused array or option raises ValueError with the command's message.
/// The GIL is released while the stack is checked, analysed and written.
#[pyfunction]
#[pyo3(signature = (data, *, pixel_nm, frame_ps, dtype_max=None, roi=None, t0_frame=None, background="none", border_px=3, profile="gaussian", noise=None, gain=1.0, saturation=None, out=None, force=false))]
#[allow(clippy::too_many_arguments)]
fn analyze<'py>(
    py: Python<'py>,
    data: PyReadonlyArrayDyn<'py, f64>,
    pixel_nm: f64,
    frame_ps: f64,
    dtype_max: Option<f64>,
    roi: Option<String>,
    t0_frame: Option<usize>,
    background: &str,
    border_px: usize,
    profile: &str,
    noise: Option<String>,
    gain: f64,
    saturation: Option<f64>,
    out: Option<PathBuf>,
    force: bool,
) -> PyResult<Bound<'py, PyAny>> {
    use exciton::analyze::{self as an, stack, AnalyzeError, Options, TimeZero};
    use exciton_io::results::{prepare_dir, DirMode};
    let shape = data.shape().to_vec();
    // C order whatever the array's strides (a transposed view, a Fortran array: `as_slice`
    // would give a Fortran array's memory order).
    let values: Vec<f64> = match data.as_slice() {
        Ok(s) if data.is_c_contiguous() => s.to_vec(),
        _ => data.as_array().iter().copied().collect(),
    };
    drop(data);
    let (background, profile) = (background.to_owned(), profile.to_owned());
    enum Failed {
        Refused(AnalyzeError),
        Out(exciton_io::Error),
        Write(exciton::error::Error),
    }
    // As the command does it (src/cli/analyze.rs): the stack, the options, the analysis,
    // then the directory; each refusal where the command refuses it.
    let done = py.detach(move || -> Result<Value, Failed> {
        let s = stack::from_array(PathBuf::from("<array>"), &shape, values, dtype_max, None)
            .map_err(Failed::Refused)?;
        let options = (|| {
            Ok(Options {
                pixel_nm: Some(pixel_nm),
                frame_ps: Some(frame_ps),
                roi: roi.as_deref().map(an::parse_roi).transpose()?,
                t0: t0_frame.map_or(TimeZero::Peak, TimeZero::Frame),
                background: an::parse_background(&background, border_px)?,
                profile: an::parse_profile(&profile)?,
                noise: an::parse_noise(noise.as_deref(), gain)?,
                saturation,
            })
        })()
        .map_err(Failed::Refused)?;
        let a = an::analyze(&s, &options).map_err(Failed::Refused)?;
        if let Some(dir) = &out {
            prepare_dir(dir, DirMode::fresh_or_force(force)).map_err(Failed::Out)?;
            a.write(dir).map_err(Failed::Write)?;
        }
        Ok(serde_json::to_value(&a).expect("an analysis is JSON"))
    });
    match done {
        Ok(json) => plain(py, &json),
        Err(Failed::Refused(e)) => Err(PyValueError::new_err(e.to_string())),
        Err(Failed::Out(e)) => Err(out_error(&e)),
        Err(Failed::Write(e)) => Err(PyOSError::new_err(e.to_string())),
    }
}

/// A run's output directory (or its results.json) as `run` returns a run: scalars from
/// results.json, curves from the curves.parquet beside it.
#[pyfunction]
fn load<'py>(py: Python<'py>, path: std::path::PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let file = if path.is_dir() {
        path.join("results.json")
    } else {
        path
    };
    let results =
        exciton_io::results::read_results(&file).map_err(|e| RunError::new_err(e.to_string()))?;
    let json = serde_json::to_value(&results).expect("results serialise to JSON");
    results_dict(py, &json)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add("FitError", py.get_type::<FitError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(devices, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    Ok(())
}
