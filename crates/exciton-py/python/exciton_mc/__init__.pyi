"""Type stubs of exciton_mc: attribute names are the keys of results.json."""

import os
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

Scenario = Union[str, os.PathLike[str], Mapping[str, Any]]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
CountArray = npt.NDArray[np.uint64]

class ScenarioError(ValueError):
    """A scenario that cannot be run; the message names the file, the JSON path and the reason."""

    file: str
    """The scenario file, or ``<dict>``."""
    path: str
    """Dotted JSON path of the offending field (``states.bright.to.dark``); empty for the file."""
    kind: str
    """What is wrong, as a name (``UnknownField``, ``Negative``, ``SumAboveOne``, ...)."""
    reason: str
    """What is wrong, for people."""

class RunError(RuntimeError):
    """A run that could not be done: no GPU adapter, not enough memory, a device error."""

class Point:
    """One sweep point: the fields of a point in results.json."""

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

    def __init__(self, fields: Dict[str, Any]) -> None: ...
    def keys(self) -> List[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def __getitem__(self, key: str) -> Any: ...

class Results:
    """A run: the top-level fields of results.json and its points."""

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
    """Where the curves file is (set by :func:`load`): file, format, layout, rows, columns."""
    points: List[Point]

    def __init__(self, fields: Dict[str, Any]) -> None: ...
    def keys(self) -> List[str]: ...
    def __getitem__(self, key: str) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Point]: ...
    def to_pandas(self, per: str = "frame") -> Any:
        """One row per point and frame (per="frame") or per point (per="point"); needs pandas."""

def run(
    scenario: Scenario,
    backend: str = "auto",
    walkers: Union[int, float, str, None] = None,
    seed: Union[int, float, str, None] = None,
    threads: Optional[int] = None,
    adapter: Optional[str] = None,
    progress: Union[bool, Callable[[int, int], Any]] = False,
) -> Results:
    """Runs a scenario (path or dict), as ``exciton-mc run``, bit for bit; returns NumPy arrays."""

def load(path: Union[str, "os.PathLike[str]"]) -> Results:
    """Reads a run's output directory (or results.json) back as Results."""

def check(scenario: Scenario) -> Dict[str, Any]:
    """Validates a scenario without running it; raises ScenarioError."""

def devices() -> List[Dict[str, Any]]:
    """The GPU adapters wgpu finds, as ``exciton-mc devices``."""
