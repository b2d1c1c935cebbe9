"""exciton_mc: Monte Carlo of exciton diffusion in halide perovskite nanocrystal
assemblies, from Python.

The runs are the ones of the ``exciton-mc`` command (same Rust code, same seed, same
numbers bit for bit); their results come back as NumPy arrays.

>>> import exciton_mc as em
>>> res = em.run("scenarios/paper-5nm-9K.json", backend="cpu", walkers=10**5, seed=1)
>>> p = res.points[0]
>>> p.time_ps, p.msd_nm2, p.tau_pl_ps          # doctest: +SKIP

Attribute names are the keys of ``results.json``: ``Results`` holds its top-level
fields, each ``Point`` the fields of one sweep point. Per-frame lists are float64 arrays
(``null`` -> NaN), ``msd_reliable`` a bool array, counts uint64 arrays; scalars are
floats or None.

Fits of free scenario parameters to measured curves are the ones of ``exciton-mc fit``
(the same fit.json, bit for bit, but for ``wall_s``):

>>> fit = em.fit("examples/fit-5nm-9K/fit.json")          # doctest: +SKIP
>>> fit.status, fit.parameters["states.bright.fret"].value  # doctest: +SKIP

Measured image stacks and line scans (NumPy arrays from any reader) are analysed as
``exciton-mc analyze`` analyses files (the same analysis.json, bit for bit, but for
``input``):

>>> a = em.analyze(stack, pixel_nm=40, frame_ps=25)     # doctest: +SKIP
>>> a.time_ps, a.msd_nm2, a.msd_stderr_nm2, a.counts     # doctest: +SKIP

Functions: :func:`run`, :func:`fit`, :func:`analyze`, :func:`load`, :func:`check`,
:func:`devices`.
Errors: :class:`ScenarioError` (a bad scenario: the message names the file, the JSON path
and the reason), :class:`FitError` (a fit refused before fitting: the fit file, its
scenario or a data file) and :class:`RunError` (no GPU, not enough memory, a device
error). A fit whose status is ``warning`` or ``failed`` does not raise: check
``result.status``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _native
from ._native import FitError, RunError, ScenarioError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from typing_extensions import TypeAlias

    FloatArray: TypeAlias = npt.NDArray[np.float64]
    BoolArray: TypeAlias = npt.NDArray[np.bool_]
    CountArray: TypeAlias = npt.NDArray[np.uint64]
    IntArray: TypeAlias = npt.NDArray[np.int64]


def _private_runtime_dir() -> None:
    """Mesa's Vulkan loader warns on every device open when ``XDG_RUNTIME_DIR`` is unset
    (batch jobs, containers); point it at a private directory of this user's first, as the
    command line does, through ``os.environ`` so the C library sees it too."""
    if "XDG_RUNTIME_DIR" in os.environ or not hasattr(os, "getuid"):
        return
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"exciton-mc-runtime-{os.getuid()}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return
    import stat

    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077 == 0:
        os.environ["XDG_RUNTIME_DIR"] = path


_private_runtime_dir()

__version__: str = _native.__version__

__all__ = [
    "run",
    "fit",
    "load",
    "read_curves",
    "check",
    "devices",
    "Results",
    "Point",
    "FitResult",
    "FitParameter",
    "FitDataset",
    "analyze",
    "Analysis",
    "AnalysisAxis",
    "ScenarioError",
    "FitError",
    "RunError",
    "__version__",
]

Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _json_default(value: Any) -> Any:
    # NumPy scalars and arrays inside a scenario dict.
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON: use numbers, text, lists, dicts")


def _scenario_args(scenario: Scenario) -> Dict[str, Optional[str]]:
    if isinstance(scenario, Mapping):
        try:
            text = json.dumps(scenario, default=_json_default, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ScenarioError(f"<dict>: not JSON: {e}") from None
        return {"scenario_path": None, "scenario_json": text}
    if isinstance(scenario, (str, os.PathLike)):
        return {"scenario_path": os.fspath(scenario), "scenario_json": None}
    raise TypeError(
        f"scenario: a path or a dict, not {type(scenario).__name__}"
    )


def _count(value: Any) -> Any:
    # 1e6 (a float) means 1000000; text ("1e6") and ints go to Rust as they are.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        raise ValueError(f"{value} is not a whole number")
    return value


class Point:
    """One sweep point of a run: the fields of a point in ``results.json``.

    Per-frame curves (``time_ps``, ``intensity``, ``intensity_stderr``, ``emissions``,
    ``msd_sites2``, ``msd_stderr_sites2``, ``msd_nm2``, ``msd_reliable``,
    ``msd_occupancy_*``, ``msd_y_*``, ``msd_r2_*``, ``alpha``, ``diffusivity_*``,
    ``mean_energy_meV``, ``msd_profile_*``, ``occupancy_walkers``, ``emission_overflow``) are NumPy arrays;
    ``populations`` and ``intensity_by_state`` are dicts of state name -> array;
    scalars (``tau_pl_ps``, ``d_avg_cm2_s``, ``diffusion_length_nm``, ``t_max_ps`` and
    their ``*_stderr_*``) are floats or None; ``parameters`` is the dict of swept values
    (JSON path -> value), empty without a sweep.
    """

    point: int
    """Index of the point in the sweep."""
    parameters: Dict[str, Any]
    """Swept values of this point (JSON path -> value); empty without a sweep."""
    walkers: int
    seed: int
    temperature_K: Optional[float]
    sample: Optional[Dict[str, Any]]
    frames: int
    dt_ps: float
    pitch_nm: float
    time_ps: FloatArray
    """Start of each frame, ps."""
    intensity: FloatArray
    """PL per walker, frame-binned: the photons of each frame (what TCSPC counts)."""
    intensity_stderr: FloatArray
    """Standard error of ``intensity`` (NaN for the exact backend)."""
    emissions: FloatArray
    """Emissions counted per frame (expected counts for the exact backend)."""
    intensity_by_state: Dict[str, FloatArray]
    """Emissions per walker per frame, per state."""
    populations: Dict[str, FloatArray]
    """Fraction of walkers in each state at the start of each frame."""
    msd_sites2: FloatArray
    """MSD(t) of each frame's emissions, sites^2 (NaN: fewer than 2 emissions)."""
    msd_stderr_sites2: FloatArray
    msd_nm2: FloatArray
    msd_reliable: BoolArray
    """The frame's emission MSD rests on at least 100 emissions."""
    apparent_msd_nm2: FloatArray
    """The microscope's apparent MSD, nm^2 (only with a scenario `microscope`; NaN where its fit failed)."""
    apparent_msd_stderr_nm2: FloatArray
    """Its standard error: the shot-noise fit error and, from the Monte Carlo, its own photon noise (NaN for the exact profile without shot noise)."""
    msd_occupancy_sites2: FloatArray
    """The displacement MSD (each walker from its own start), frame-binned, occupancy-weighted (less noise; t_max and D_avg use it), sites^2."""
    msd_occupancy_stderr_sites2: FloatArray
    msd_occupancy_nm2: FloatArray
    msd_occupancy_stderr_nm2: FloatArray
    msd_y_sites2: FloatArray
    """Occupancy-weighted MSD along y, sites^2 (compare msd_occupancy_sites2, along x)."""
    msd_y_stderr_sites2: FloatArray
    msd_r2_sites2: FloatArray
    """The 2D mean <r^2>/2 of the occupancy-weighted estimator, sites^2."""
    msd_r2_stderr_sites2: FloatArray
    msd_r2_nm2: FloatArray
    msd_r2_stderr_nm2: FloatArray
    alpha: FloatArray
    """Local exponent d ln MSD / d ln t of msd_r2, smoothed (NaN at frame 0)."""
    alpha_stderr: FloatArray
    diffusivity_sites2_ps: FloatArray
    """D(t) = (1/2) d MSD / dt of msd_r2, smoothed, sites^2/ps."""
    diffusivity_stderr_sites2_ps: FloatArray
    diffusivity_cm2_s: FloatArray
    diffusivity_stderr_cm2_s: FloatArray
    mean_energy_meV: FloatArray
    """Mean site energy of the living walkers, meV (NaN without a landscape)."""
    mean_energy_stderr_meV: FloatArray
    msd_profile_sites2: FloatArray
    """sigma^2(t) - sigma^2(0) of where the photons were emitted (absolute positions; what a camera sees), sites^2; differs from the displacement MSD on a finite film (NaN where positions are not recorded or below 100 photons)."""
    msd_profile_stderr_sites2: FloatArray
    msd_profile_nm2: FloatArray
    occupancy_walkers: FloatArray
    """Effective walkers behind the occupancy estimator per frame."""
    emission_overflow: CountArray
    """Emissions per frame outside the displacement histogram."""
    tau_pl_ps: Optional[float]
    tau_pl_stderr_ps: Optional[float]
    tau_pl_peak_ps: Optional[float]
    tau_pl_peak_stderr_ps: Optional[float]
    d_avg_sites2_ps: Optional[float]
    d_avg_stderr_sites2_ps: Optional[float]
    d_avg_cm2_s: Optional[float]
    """D_avg (paper eq. 2), cm^2/s."""
    d_avg_stderr_cm2_s: Optional[float]
    diffusion_length_sites: Optional[float]
    diffusion_length_stderr_sites: Optional[float]
    diffusion_length_nm: Optional[float]
    """L = sqrt(tau_PL D_avg), nm."""
    diffusion_length_stderr_nm: Optional[float]
    t_max_ps: Optional[float]
    """Time of the MSD's maximum, only when it is real (else None, reason in t_max_note)."""
    t_max_stderr_ps: Optional[float]
    t_max_note: Optional[str]
    t_max_estimator: str
    warnings: List[str]
    emission_profile: Dict[str, Any]
    """Only when the scenario sets record_profiles: x_min_sites, counts (frames x columns, uint64), overflow."""

    def __init__(self, fields: Dict[str, Any]) -> None:
        self.__dict__.update(fields)
        self._keys = list(fields)

    def keys(self) -> List[str]:
        """The field names, in the order of ``results.json``."""
        return list(self._keys)

    def to_dict(self) -> Dict[str, Any]:
        """The fields as a dict (arrays shared, not copied)."""
        return {k: getattr(self, k) for k in self._keys}

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __dir__(self) -> List[str]:
        return sorted(set(self._keys) | {"keys", "to_dict"})

    def __repr__(self) -> str:
        def f(v: Optional[float], unit: str) -> str:
            return "None" if v is None else f"{v:.4g} {unit}"

        params = f" {self.parameters}" if self.parameters else ""
        return (
            f"<Point{params}: {self.walkers} walkers, {self.frames} frames, "
            f"tau_PL {f(self.tau_pl_ps, 'ps')}, D_avg {f(self.d_avg_cm2_s, 'cm^2/s')}, "
            f"L {f(self.diffusion_length_nm, 'nm')}, t_max {f(self.t_max_ps, 'ps')}>"
        )


# Per-frame arrays that go into the long DataFrame, in the order of point-NNN.csv.
_FRAME_COLUMNS = [
    "time_ps",
    "intensity",
    "intensity_stderr",
    "emissions",
    "msd_sites2",
    "msd_stderr_sites2",
    "msd_nm2",
    "msd_reliable",
    "msd_occupancy_sites2",
    "msd_occupancy_stderr_sites2",
    "msd_occupancy_nm2",
    "msd_occupancy_stderr_nm2",
    "msd_y_sites2",
    "msd_y_stderr_sites2",
    "msd_r2_sites2",
    "msd_r2_stderr_sites2",
    "msd_r2_nm2",
    "msd_r2_stderr_nm2",
    "alpha",
    "alpha_stderr",
    "diffusivity_sites2_ps",
    "diffusivity_stderr_sites2_ps",
    "diffusivity_cm2_s",
    "diffusivity_stderr_cm2_s",
    "mean_energy_meV",
    "mean_energy_stderr_meV",
    "msd_profile_sites2",
    "msd_profile_stderr_sites2",
    "msd_profile_nm2",
    "occupancy_walkers",
    "emission_overflow",
]

# Scalars of a point, for the one-row-per-point DataFrame.
_POINT_COLUMNS = [
    "walkers",
    "seed",
    "temperature_K",
    "tau_pl_ps",
    "tau_pl_stderr_ps",
    "tau_pl_peak_ps",
    "tau_pl_peak_stderr_ps",
    "d_avg_sites2_ps",
    "d_avg_stderr_sites2_ps",
    "d_avg_cm2_s",
    "d_avg_stderr_cm2_s",
    "diffusion_length_sites",
    "diffusion_length_stderr_sites",
    "diffusion_length_nm",
    "diffusion_length_stderr_nm",
    "t_max_ps",
    "t_max_stderr_ps",
    "t_max_note",
]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_pandas needs pandas: pip install pandas (the arrays are on res.points "
            "without it)"
        ) from None
    return pandas


def _parameter_value(v: Any) -> Any:
    # A swept list or object does not fit a cell: its JSON text does.
    return json.dumps(v) if isinstance(v, (list, dict)) else v


class _Fields:
    """Fields of a JSON object as attributes, in the object's order."""

    def __init__(self, fields: Dict[str, Any]) -> None:
        self.__dict__.update(fields)
        self._keys = list(fields)

    def keys(self) -> List[str]:
        """The field names, in the order of the JSON object they came from."""
        return list(self._keys)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __dir__(self) -> List[str]:
        return sorted(set(self._keys) | {"keys"})


class Results(_Fields):
    """A run: the top-level fields of ``results.json`` (``scenario``, ``scenario_file``,
    ``backend``, ``device``, ``exciton_mc_version``, ``displacement``, ``sweep_mode``,
    ``figures``, ``units``) and ``points``, a list of :class:`Point`."""

    scenario: str
    scenario_file: str
    backend: str
    device: str
    exciton_mc_version: str
    displacement: str
    sweep_mode: Optional[str]
    figures: List[str]
    units: Optional[str]
    scenario_json: Optional[Dict[str, Any]]
    run_hash: Optional[str]
    """Fingerprint of every point's scenario, walkers, seed and the backend's kind."""
    shard: Optional[Dict[str, Any]]
    """A shard's place in its run (``run --shard``): index, count, points_total, ..."""
    sample: Optional[Dict[str, Any]]
    """The sample every point shares (set by :func:`load`, from results.json)."""
    curves: Optional[Dict[str, Any]]
    """Where the curves file is (set by :func:`load`): file, format, layout, rows, columns,
    derived (the columns it leaves out, which :func:`load` and :func:`read_curves` put back)."""
    points: List[Point]

    def __init__(self, fields: Dict[str, Any]) -> None:
        fields = dict(fields)
        fields["points"] = [Point(p) for p in fields.get("points", [])]
        super().__init__(fields)

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[Point]:
        return iter(self.points)

    def __dir__(self) -> List[str]:
        return sorted(set(self._keys) | {"keys", "to_pandas"})

    def __repr__(self) -> str:
        return (
            f"<Results {self.scenario!r}: {len(self.points)} point(s), backend "
            f"{self.backend} ({self.device})>"
        )

    def to_pandas(self, per: str = "frame") -> Any:
        """The run as a pandas DataFrame.

        ``per="frame"`` (default): tidy long form, one row per point and frame, with
        columns ``point``, the swept parameters (named by their JSON path), ``frame``, the
        per-frame curves (as in ``point-NNN.csv``) and ``population_<state>``,
        ``intensity_<state>`` for each state. ``df.groupby("point")`` gives each point's
        arrays back.

        ``per="point"``: one row per point: ``point``, the swept parameters and the
        point's scalars (tau_PL, D_avg, L, t_max, their standard errors), as ``sweep.csv``.

        Raises ImportError with a clear message when pandas is not installed.
        """
        pd = _pandas()
        if per not in ("frame", "point"):
            raise ValueError(f'per: "frame" or "point", not {per!r}')
        frames = []
        rows = []
        for i, p in enumerate(self.points):
            params = {k: _parameter_value(v) for k, v in p.parameters.items()}
            if per == "point":
                row: Dict[str, Any] = {"point": i, **params}
                row.update({k: getattr(p, k, None) for k in _POINT_COLUMNS})
                rows.append(row)
                continue
            n = len(p.time_ps)
            cols: Dict[str, Any] = {"point": [i] * n}
            for k, v in params.items():
                cols[k] = [v] * n
            cols["frame"] = range(n)
            for k in _FRAME_COLUMNS:
                if hasattr(p, k) and len(getattr(p, k)) == n:
                    cols[k] = getattr(p, k)
            for name, pop in p.populations.items():
                cols[f"population_{name}"] = pop
                cols[f"intensity_{name}"] = p.intensity_by_state[name]
            frames.append(pd.DataFrame(cols))
        if per == "point":
            return pd.DataFrame(rows)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)


class _Bar:
    """``progress=True``: tqdm when installed, else one line on stderr rewritten in place."""

    def __init__(self) -> None:
        self.tqdm: Any = None
        self.total = 0
        self.start = time.monotonic()
        self.last = 0.0
        try:
            from tqdm.auto import tqdm

            self.tqdm_cls: Any = tqdm
        except ImportError:
            self.tqdm_cls = None

    def __call__(self, done: int, total: int) -> None:
        if self.tqdm_cls is not None:
            if self.tqdm is None:
                self.tqdm = self.tqdm_cls(total=total, unit=" walkers", unit_scale=True)
            self.tqdm.update(done - self.tqdm.n)
            return
        now = time.monotonic()
        if now - self.last < 0.5 and done < total:
            return
        self.last = now
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        pct = 100.0 * done / total if total else 100.0
        sys.stderr.write(
            f"\r{done:,}/{total:,} walkers ({pct:5.1f}%)  {rate:,.0f} walkers/s   "
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()
        elif self.tqdm_cls is None:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run(
    scenario: Scenario,
    backend: str = "auto",
    walkers: Union[int, float, str, None] = None,
    seed: Union[int, float, str, None] = None,
    threads: Optional[int] = None,
    adapter: Optional[str] = None,
    progress: Union[bool, Callable[[int, int], Any]] = False,
) -> Results:
    """Runs a scenario (a file path or a dict) and returns its :class:`Results`.

    As ``exciton-mc run SCENARIO --backend B --walkers W --seed S``, with the same
    numbers bit for bit, but nothing written to disk.

    - ``backend``: ``"cpu"`` (reference Monte Carlo), ``"gpu"`` (WGSL kernels through
      wgpu), ``"exact"`` (moment recursion, no noise) or ``"auto"`` (a hardware GPU if
      there is one, else the CPU; a warning says which).
    - ``walkers``, ``seed``: override the scenario's (``10**6``, ``1e6`` or ``"1e6"``).
    - ``threads``: CPU threads (default: all cores); ``adapter``: GPU adapter whose name
      contains this text (see :func:`devices`).
    - ``progress``: ``True`` shows a bar (tqdm if installed, else a line on stderr); a
      callable is called as ``progress(done_walkers, total_walkers)`` about every 0.1 s.

    The GIL is released while the engine runs; Ctrl-C (KeyboardInterrupt) stops the run
    after the walker block or GPU dispatch in flight. Raises :class:`ScenarioError` for a
    bad scenario and :class:`RunError` when the run cannot be done.
    """
    bar = _Bar() if progress is True else None
    callback = bar if bar is not None else (progress or None)
    if callback is not None and not callable(callback):
        raise TypeError("progress: True, False or a callable(done, total)")
    try:
        fields = _native.run(
            backend=backend,
            walkers=_count(walkers),
            seed=_count(seed),
            threads=threads,
            adapter=adapter,
            progress=callback,
            **_scenario_args(scenario),
        )
    finally:
        if bar is not None:
            bar.close()
    return Results(fields)


def load(path: Union[str, "os.PathLike[str]"]) -> Results:
    """Reads the output of ``exciton-mc run`` (its directory, or its ``results.json``)
    back as :class:`Results`, the same numbers bit for bit as :func:`run` gives: the
    scalars from ``results.json``, the curves from the ``curves.parquet`` beside it.

    For the curves of a large sweep as one table, :func:`read_curves`.
    """
    return Results(_native.load(os.fspath(path)))


def read_curves(path: Union[str, "os.PathLike[str]"]) -> Any:
    """The curves of ``exciton-mc run``'s output (its directory, its ``results.json`` or
    its ``curves.parquet``) as one pandas DataFrame, one row per point and frame: the
    file's table with every column it leaves out put back (the nm^2 and cm^2/s
    multiples, and in the exact backend the copies of the x MSD: ``curves.derived``),
    bit for bit the numbers of :func:`load`, in the column order of ``point-NNN.csv``
    (``pitch_nm`` after the swept values). For a large sweep this is the way in:
    ``Results.to_pandas`` builds a frame per point.

    Raises ImportError with a clear message when pandas or pyarrow is not installed.
    """
    from ._curves import read_curves as read

    return read(path, _FRAME_COLUMNS)


def check(scenario: Scenario) -> Dict[str, Any]:
    """Validates a scenario (a file path or a dict) without running it.

    Returns a summary dict (``name``, ``file``, ``sweep_mode``, ``points``, ``walkers``
    in all, ``frames``, ``dt_ps``, ``states``, each point's ``parameters``); raises
    :class:`ScenarioError` whose message names the file, the JSON path and the reason
    (also as the attributes ``file``, ``path``, ``kind``, ``reason``).
    """
    return _native.check(**_scenario_args(scenario))


def devices() -> List[Dict[str, Any]]:
    """The GPU adapters wgpu finds, as ``exciton-mc devices`` lists them: dicts with
    ``name``, ``backend``, ``device_type``, ``driver``, ``driver_info``, ``software`` and
    ``description`` (the line the command prints). Empty without a GPU driver (the cpu
    and exact backends still work)."""
    return _native.devices()


FitConfig = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _floats(values: Optional[List[Optional[float]]]) -> Optional[FloatArray]:
    # A JSON list of numbers as float64 (null -> NaN); None stays None.
    import numpy as np

    if values is None:
        return None
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


class FitParameter(_Fields):
    """A free parameter of a fit: an entry of fit.json's ``parameters``."""

    path: str
    """Its scenario path (``states.bright.fret``) or ``datasets[i].<knob>``."""
    value: float
    """The best value."""
    stderr: Optional[float]
    """Its standard error (None when the data cannot tell it)."""
    unit: str
    initial: float
    min: Optional[float]
    """Lower bound (None: unbounded)."""
    max: Optional[float]
    """Upper bound (None: unbounded)."""

    def __init__(self, path: str, fields: Dict[str, Any]) -> None:
        super().__init__({"path": path, **fields})

    def __repr__(self) -> str:
        err = "no error" if self.stderr is None else f"± {self.stderr:.2e}"
        unit = f" {self.unit}" if self.unit else ""
        return f"<FitParameter {self.path} = {self.value:.6e} {err}{unit}>"


class FitDataset(_Fields):
    """A dataset of a fit: an entry of fit.json's ``datasets``, its lists as float64
    arrays (``null`` -> NaN)."""

    file: str
    label: str
    observable: str
    """``msd``, ``apparent_msd`` or ``intensity``."""
    set: Dict[str, Any]
    """The scenario values this dataset was measured at (JSON path -> value)."""
    points: int
    unit: str
    chi2: Optional[float]
    """chi^2 of this dataset at the best values (None where the model is not defined)."""
    time_ps: FloatArray
    """Measured times, ps."""
    data: FloatArray
    """Measured values."""
    data_stderr: Optional[FloatArray]
    """Their standard errors (None: the file has no error column)."""
    model: Optional[FloatArray]
    """The model at the measured times at the best values (None where it is not defined)."""

    def __init__(self, fields: Dict[str, Any]) -> None:
        fields = dict(fields)
        for k in ("time_ps", "data", "data_stderr", "model"):
            if k in fields:
                fields[k] = _floats(fields[k])
        super().__init__(fields)

    def __repr__(self) -> str:
        return f"<FitDataset {self.label!r}: {self.observable}, {self.points} points>"


class FitResult(_Fields):
    """A fit: the fields of the ``fit.json`` that ``exciton-mc fit`` writes, as attributes;
    ``parameters`` a dict of :class:`FitParameter` (by path), ``datasets`` a list of
    :class:`FitDataset`, ``correlation`` a 2-D float64 array; ``json`` the whole fit.json
    as plain Python objects (what the command writes, bit for bit but for ``wall_s``)."""

    status: str
    """``"ok"``, ``"warning"`` or ``"failed"`` (the command exits 0, 3, 1)."""
    warnings: List[str]
    """Why the status is not ok, for people."""
    notes: List[str]
    fit_file: str
    """The fit file, or ``<dict>``."""
    scenario_file: str
    backend: str
    """The fit's backend (``exact``); the Monte Carlo check runs on the cpu."""
    parameters: Dict[str, FitParameter]
    """Free parameters by path, in the fit's order."""
    order: List[str]
    """The free parameters' paths, the order of ``correlation``'s rows."""
    chi2: Optional[float]
    dof: int
    reduced_chi2: Optional[float]
    p_value: Optional[float]
    """P(chi^2 >= chi2) for dof degrees of freedom (None when the errors come from the residuals)."""
    errors: str
    """Where the standard errors come from."""
    correlation: Optional[FloatArray]
    """Correlation matrix of the parameters (rows in ``order``; NaN where undefined)."""
    condition_number: Optional[float]
    converged: bool
    termination: str
    evaluations: int
    starts: int
    interpolation: str
    datasets: List[FitDataset]
    monte_carlo_check: Optional[Dict[str, Any]]
    """The Monte Carlo run at the best values: backend, chi2, points, p_value, per dataset
    walkers and chi2 (None without a check)."""
    wall_s: float
    """Wall time of the fit, s (the one field two fits differ in)."""
    json: Dict[str, Any]
    """The whole fit.json as plain Python objects (dicts, lists, floats, ints, str, None)."""

    def __init__(self, fit_json: Dict[str, Any]) -> None:
        import copy

        fields = copy.deepcopy(fit_json)
        fields["parameters"] = {
            k: FitParameter(k, v) for k, v in fields.get("parameters", {}).items()
        }
        fields["datasets"] = [FitDataset(d) for d in fields.get("datasets", [])]
        if fields.get("correlation") is not None:
            import numpy as np

            fields["correlation"] = np.array(
                [[np.nan if v is None else v for v in row] for row in fields["correlation"]],
                dtype=np.float64,
            )
        super().__init__(fields)
        self.json = fit_json

    def __dir__(self) -> List[str]:
        return sorted(set(self._keys) | {"keys", "json"})

    def __repr__(self) -> str:
        params = ", ".join(f"{k} = {p.value:.4g}" for k, p in self.parameters.items())
        chi2 = "None" if self.chi2 is None else f"{self.chi2:.4g}"
        return f"<FitResult {self.status}: {params}; chi2 {chi2} for {self.dof} dof>"


def fit(config: FitConfig, *, threads: Optional[int] = None) -> FitResult:
    """Fits free scenario parameters to measured curves, as ``exciton-mc fit FIT.json``
    does, and returns a :class:`FitResult`: the same fit, the same Monte Carlo check and
    the same fit.json (``result.json``), bit for bit but for ``wall_s``; nothing is written
    to disk (no fit.png).

    - ``config``: the fit file's path (its scenario and data paths relative to its
      directory), or the fit as a dict (its paths relative to the current directory;
      ``<dict>`` in errors).
    - ``threads``: CPU threads of the Monte Carlo check (default: all cores).

    A fit whose status is ``"warning"`` or ``"failed"`` does NOT raise: it returns with
    that ``status`` and its ``warnings`` (where the command exits 3 or 1), so check
    ``result.status``. Raises :class:`FitError` (a ``ValueError``) when the fit is refused
    before fitting (the command's exit 2): the message names the file (or ``<dict>``) and
    the JSON path (``free.states.bright.x``) or the data file's line, also as the
    attributes ``file``, ``path``, ``line``, ``reason``. :class:`RunError` when the Monte
    Carlo check cannot run.

    The GIL is released for the whole fit (seconds to a minute: the automatic check
    sizes its walkers to the data's errors, up to 1e8 per dataset); Ctrl-C raises
    KeyboardInterrupt during the check after its walker block in flight, or once the
    least-squares fit itself ends.
    """
    if isinstance(config, Mapping):
        try:
            text = json.dumps(config, default=_json_default, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise FitError(f"<dict>: not JSON: {e}") from None
        fields = _native.fit(config_json=text, threads=threads)
    elif isinstance(config, (str, os.PathLike)):
        fields = _native.fit(config_path=os.fspath(config), threads=threads)
    else:
        raise TypeError(f"config: a path or a dict, not {type(config).__name__}")
    return FitResult(fields)


def _ints(values: List[Any]) -> IntArray:
    import numpy as np

    return np.array(values, dtype=np.int64)


# An axis's per-frame fields in analysis.json (frames[i].x, frames[i].y): float64 arrays.
_AXIS_FLOATS = [
    "sigma2_nm2",
    "sigma2_stderr_nm2",
    "msd_nm2",
    "msd_stderr_nm2",
    "centre_nm",
    "amplitude",
    "kurtosis",
    "kurtosis_stderr",
]


class AnalysisAxis(_Fields):
    """One axis (x, or y of images) of an :class:`Analysis`, frame by frame: the fields
    of analysis.json's ``frames[i].x`` (or ``.y``) as float64 arrays (``null`` -> NaN),
    ``reason`` a list. Frames before t0 are NaN (and None in ``reason``)."""

    sigma2_nm2: FloatArray
    """The profile's Gaussian variance along this axis, nm^2."""
    sigma2_stderr_nm2: FloatArray
    msd_nm2: FloatArray
    """The apparent MSD along this axis, sigma^2(t) - sigma^2(t0), nm^2."""
    msd_stderr_nm2: FloatArray
    centre_nm: FloatArray
    """The fitted centre, nm."""
    amplitude: FloatArray
    """The fitted peak height, photons per pixel column (or row)."""
    kurtosis: FloatArray
    """The profile's excess kurtosis along this axis."""
    kurtosis_stderr: FloatArray
    reason: List[Optional[str]]
    """Why this axis has no fit in a frame (None where it has one)."""

    def __init__(self, frames: List[Optional[Dict[str, Any]]]) -> None:
        # A frame before t0 has no y at all in analysis.json (null): NaN here.
        frames = [f or {} for f in frames]
        fields: Dict[str, Any] = {k: _floats([f.get(k) for f in frames]) for k in _AXIS_FLOATS}
        fields["reason"] = [f.get("reason") for f in frames]
        super().__init__(fields)

    def __repr__(self) -> str:
        return f"<AnalysisAxis: {len(self.reason)} frames>"


# Per-frame float fields of analysis.json's frames, as float64 arrays of Analysis.
_FRAME_FLOATS = [
    "time_ps",
    "sigma2_nm2",
    "sigma2_stderr_nm2",
    "msd_nm2",
    "msd_stderr_nm2",
    "counts",
    "counts_stderr",
    "kurtosis",
    "kurtosis_stderr",
]


class Analysis(_Fields):
    """An analysis of an image stack or line scan: the fields of the analysis.json that
    ``exciton-mc analyze`` writes, as attributes, its frames as arrays (one entry per
    frame of the stack, before t0 included): floats as float64 arrays (``null`` -> NaN),
    ``frame`` and ``saturated_pixels`` as int64 arrays, ``status`` and ``reason`` as
    lists; ``x`` and ``y`` (None for a line scan) each axis's own numbers
    (:class:`AnalysisAxis`); ``json`` the whole analysis.json as plain Python objects
    (the command's, bit for bit, but for ``input``, ``<array>`` here)."""

    exciton_mc_version: str
    input: str
    """Where the stack came from: ``<array>``."""
    layout: str
    """``"images"`` (frames x y x x) or ``"line_scan"`` (time bins x positions)."""
    shape: List[int]
    """The stack's frames (time bins), rows (1 for a line scan) and columns."""
    pixel_nm: float
    frame_ps: float
    roi_columns: List[int]
    """Columns ``[first, end)`` analysed."""
    roi_rows: Optional[List[int]]
    """Rows ``[first, end)`` analysed (None for a line scan)."""
    t0_frame: int
    """Time zero's frame (from 0)."""
    t0_from: str
    """``"--t0-frame"`` (given) or ``"peak of the total counts"``."""
    background: str
    """What was subtracted, in words (each frame's level: ``frame_background``)."""
    profile: str
    """``"gaussian"`` or ``"voigt"``."""
    noise: str
    """``"poisson (gain G file units per photon)"`` or ``"uniform"``."""
    saturation: Optional[float]
    """The level at which a pixel counts as saturated (None: none)."""
    lorentz_x_nm: Optional[float]
    """The Voigt's Lorentzian half width fitted at t0 and held, nm (None for gaussian)."""
    lorentz_y_nm: Optional[float]
    notes: List[str]
    """What the numbers mean and what they cannot say."""
    frame: IntArray
    """Each frame's index, from 0."""
    time_ps: FloatArray
    """(frame - t0) x frame width, ps."""
    status: List[str]
    """``"fitted"``, ``"before t0"``, ``"saturated"``, ``"empty"``, ``"too few counts"``,
    ``"not converged"``."""
    reason: List[Optional[str]]
    """Why a frame has no fit (None where it has one)."""
    frame_background: FloatArray
    """Background subtracted per pixel, the mean over the region, in the array's units
    (analysis.json's ``frames[i].background``)."""
    saturated_pixels: IntArray
    """Pixels at or above ``saturation``."""
    counts: FloatArray
    """Total counts over the region after the background, photons (array units / gain)."""
    counts_stderr: FloatArray
    sigma2_nm2: FloatArray
    """The profile's Gaussian variance, nm^2 (the radial mean (x + y) / 2 for images)."""
    sigma2_stderr_nm2: FloatArray
    msd_nm2: FloatArray
    """The apparent MSD sigma^2(t) - sigma^2(t0), nm^2 (one axis, as the engine's)."""
    msd_stderr_nm2: FloatArray
    kurtosis: FloatArray
    """The profile's excess kurtosis (the mean of x and y for images)."""
    kurtosis_stderr: FloatArray
    x: AnalysisAxis
    y: Optional[AnalysisAxis]
    json: Dict[str, Any]
    """The whole analysis.json as plain Python objects (dicts, lists, floats, ints, str,
    None)."""

    def __init__(self, analysis_json: Dict[str, Any]) -> None:
        import copy

        fields = copy.deepcopy(analysis_json)
        frames = fields.pop("frames", [])
        fields["frame"] = _ints([f["frame"] for f in frames])
        fields["time_ps"] = _floats([f.get("time_ps") for f in frames])
        fields["status"] = [f.get("status") for f in frames]
        fields["reason"] = [f.get("reason") for f in frames]
        fields["frame_background"] = _floats([f.get("background") for f in frames])
        fields["saturated_pixels"] = _ints([f.get("saturated_pixels", 0) for f in frames])
        for k in _FRAME_FLOATS[1:]:
            fields[k] = _floats([f.get(k) for f in frames])
        fields["x"] = AnalysisAxis([f.get("x") for f in frames])
        images = fields.get("layout") == "images"
        fields["y"] = AnalysisAxis([f.get("y") for f in frames]) if images else None
        super().__init__(fields)
        self.json = analysis_json

    def __dir__(self) -> List[str]:
        return sorted(set(self._keys) | {"keys", "json"})

    def __repr__(self) -> str:
        fitted = self.status.count("fitted")
        return (
            f"<Analysis {self.layout} {tuple(self.shape)}: t0 frame {self.t0_frame}, "
            f"{fitted} of {len(self.status) - self.t0_frame} frames fitted>"
        )


Roi = Union[str, Sequence[int], Sequence[Sequence[int]]]


def _roi_text(roi: Optional[Roi]) -> Optional[str]:
    # "X0:X1,Y0:Y1" as the command line takes it, from text or from numbers.
    import operator

    if roi is None or isinstance(roi, str):
        return roi
    parts = list(roi)
    if parts and all(isinstance(p, (tuple, list)) for p in parts):
        ranges = [list(p) for p in parts]
    else:
        ranges = [parts[i : i + 2] for i in range(0, len(parts), 2)]
    if not 1 <= len(ranges) <= 2 or any(len(r) != 2 for r in ranges):
        raise ValueError(
            f"roi: (x0, x1), (x0, x1, y0, y1), ((x0, x1), (y0, y1)) or \"X0:X1,Y0:Y1\", "
            f"not {roi!r}"
        )
    try:
        return ",".join(f"{operator.index(a)}:{operator.index(b)}" for a, b in ranges)
    except TypeError:
        raise TypeError(f"roi: whole pixel indices, not {roi!r}") from None


def _index(value: Optional[int], what: str) -> Optional[int]:
    import operator

    if value is None:
        return None
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{what}: a whole number, not {value!r}") from None
    if v < 0:
        raise ValueError(f"{what}: {v} is negative")
    return v


def analyze(
    data: Any,
    *,
    pixel_nm: float,
    frame_ps: float,
    roi: Optional[Roi] = None,
    t0_frame: Optional[int] = None,
    background: Union[str, float] = "none",
    border_px: int = 3,
    profile: str = "gaussian",
    noise: Optional[str] = None,
    gain: float = 1.0,
    saturation: Optional[float] = None,
    out: Union[str, "os.PathLike[str]", None] = None,
    force: bool = False,
) -> Analysis:
    """Analyses an image stack or line scan as ``exciton-mc analyze`` analyses a file and
    returns an :class:`Analysis`: the same analysis.json, bit for bit, but for ``input``
    (``<array>``), and with ``out`` the same msd.csv, pl.csv and analysis.json (no
    figure; the CSV files' first line names ``<array>`` as their input).

    - ``data``: a NumPy array (or anything ``numpy.asarray`` takes: an xarray, a list) of
      3 dimensions, frames x y x x (images), or 2, time bins x positions (a line scan),
      from any reader (tifffile, ptufile, sdtfile, h5py). Integers and floats of any width
      are converted to float64; for integers a pixel at the type's maximum (65535 for
      uint16) is saturated, as the command reads integer TIFF and .npy files.
    - ``pixel_nm``: the pixel (or scan step) in the sample plane, nm; ``frame_ps``: the
      frame (or time bin) width, ps.
    - ``roi``: the region in pixels, ends excluded, x first: ``"X0:X1,Y0:Y1"``,
      ``(x0, x1, y0, y1)``, ``((x0, x1), (y0, y1))``, or x only (line scans, or all rows).
    - ``t0_frame``: time zero's frame (default: the frame with the most counts).
    - ``background``: ``"none"``, ``"pre"`` (each pixel's mean before t0), ``"border"``
      (each frame's mean over ``border_px`` pixels at the region's edge) or a number
      (array units per pixel).
    - ``profile``: ``"gaussian"`` or ``"voigt"``; ``noise``: ``"poisson"`` (photon counts,
      ``gain`` array units per photon) or ``"uniform"`` (values that are not counts: no
      errors); default poisson. ``saturation``: the level at which a pixel is saturated
      (default: the integer type's maximum, none for floats).
    - ``out``: a directory to write msd.csv (which ``exciton-mc fit`` reads as it is),
      pl.csv and analysis.json into; one that holds files is refused unless ``force``.

    Raises ValueError with the command's message for an array or option it refuses (the
    option named by its flag: ``--roi: ...``). The GIL is released while the stack is
    analysed.
    """
    import numpy as np

    a = np.asarray(data)
    if a.dtype.kind in "ui":
        dtype_max: Optional[float] = float(np.iinfo(a.dtype).max)
    elif a.dtype.kind == "f":
        dtype_max = None
    else:
        raise ValueError(
            f"dtype {a.dtype} is not read: integers or floats are (convert it with "
            f".astype(float) if its values are numbers)"
        )
    if not isinstance(background, str):
        import numbers

        if isinstance(background, bool) or not isinstance(background, numbers.Real):
            raise TypeError(
                f"background: \"none\", \"pre\", \"border\" or a number, not {background!r}"
            )
        # Its shortest decimal, which Rust reads back to the same float.
        background = repr(float(background))
    fields = _native.analyze(
        np.asarray(a, dtype=np.float64),
        pixel_nm=float(pixel_nm),
        frame_ps=float(frame_ps),
        dtype_max=dtype_max,
        roi=_roi_text(roi),
        t0_frame=_index(t0_frame, "t0_frame"),
        background=background,
        border_px=_index(border_px, "border_px"),
        profile=profile,
        noise=noise,
        gain=float(gain),
        saturation=None if saturation is None else float(saturation),
        out=None if out is None else os.fspath(out),
        force=bool(force),
    )
    return Analysis(fields)
