"""The Rust extension module; use the functions of ``exciton_mc`` instead."""

from typing import Any, Callable, Dict, List, Optional

__version__: str

class ScenarioError(ValueError):
    file: str
    path: str
    kind: str
    reason: str

class RunError(RuntimeError): ...

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
