"""The Rust extension module; use the functions of ``exciton_mc`` instead."""

import os
from typing import Any, Callable, Dict, List, Optional, Union

__version__: str

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

class FitError(ValueError):
    """A fit refused before fitting: the fit file, its scenario or a data file."""

    file: str
    """The fit file (or ``<dict>``), or the data file."""
    path: str
    """Dotted JSON path of the offending field (``free.states.bright.x``); empty for a data file."""
    line: Optional[int]
    """The data file's line, where there is one."""
    reason: str
    """What is wrong, for people."""

def run(
    scenario_path: Optional[str] = None,
    scenario_json: Optional[str] = None,
    backend: str = "auto",
    walkers: Any = None,
    seed: Any = None,
    threads: Optional[int] = None,
    adapter: Optional[str] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> Dict[str, Any]: ...
def check(
    scenario_path: Optional[str] = None, scenario_json: Optional[str] = None
) -> Dict[str, Any]: ...
def devices() -> List[Dict[str, Any]]: ...
def load(path: Union[str, os.PathLike[str]]) -> Dict[str, Any]: ...
def fit(
    config_path: Optional[Union[str, os.PathLike[str]]] = None,
    config_json: Optional[str] = None,
    threads: Optional[int] = None,
) -> Dict[str, Any]: ...
def analyze(
    data: Any,
    *,
    pixel_nm: float,
    frame_ps: float,
    dtype_max: Optional[float] = None,
    roi: Optional[str] = None,
    t0_frame: Optional[int] = None,
    background: str = "none",
    border_px: int = 3,
    profile: str = "gaussian",
    noise: Optional[str] = None,
    gain: float = 1.0,
    saturation: Optional[float] = None,
    out: Optional[Union[str, os.PathLike[str]]] = None,
    force: bool = False,
) -> Dict[str, Any]: ...
