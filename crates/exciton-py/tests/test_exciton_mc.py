"""The Python package against the command line: same seed, same numbers, bit for bit.

The CLI binary is $EXCITON_MC_BIN, else target/python/release/exciton-mc (where
.ci/run builds it next to the wheel), else target/release/exciton-mc; when none exists
it is built with `cargo build --release`.
"""

import faulthandler
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import exciton_mc as em

ROOT = Path(__file__).resolve().parents[3]
PAPER = ROOT / "scenarios" / "paper-5nm-9K.json"
WALKERS = 20_000


def gpu_required() -> bool:
    return os.environ.get("EXCITON_MC_REQUIRE_GPU") == "1" or os.environ.get("CI") == "true"


def cli_results(cli: Path, tmp_path: Path, scenario: Path, *args: str) -> em.Results:
    """The CLI's output directory read back (results.json + curves.parquet)."""
    out = tmp_path / "out"
    subprocess.run(
        [str(cli), "run", str(scenario), "--out", str(out), "--quiet", *args],
        check=True,
        cwd=ROOT,
    )
    return em.load(out)


# What an output directory adds to a run: where the curves are, the sample all points share.
FILE_ONLY = ("curves", "sample")


def as_array(values: list) -> np.ndarray:
    if values and all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.uint64)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def assert_same(expected, got, where: str) -> None:
    """Two runs' values exactly: arrays bit for bit (NaN included), a JSON list as the
    array the API makes of it."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), where
        assert list(expected) == list(got), where
        for k in expected:
            assert_same(expected[k], got[k], f"{where}.{k}")
    elif isinstance(got, np.ndarray) and isinstance(expected, (list, np.ndarray)):
        want = expected
        if isinstance(expected, list):
            nested = expected and isinstance(expected[0], list)
            want = np.array(expected, dtype=np.uint64) if nested else as_array(expected)
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, where
        if got.dtype == np.float64:
            # Bit for bit (NaN included): compare the 64-bit patterns.
            assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), where
        else:
            assert np.array_equal(got, want), where
    else:
        assert type(expected) is type(got) or (
            isinstance(expected, (int, float)) and isinstance(got, (int, float))
        ), f"{where}: {type(expected)} vs {type(got)}"
        assert expected == got, f"{where}: {expected!r} != {got!r}"


def assert_results_equal(expected: em.Results, res: em.Results, skip=()) -> None:
    keys = [k for k in expected.keys() if k not in FILE_ONLY]
    assert keys == res.keys()
    for k in keys:
        if k == "points" or k in skip:
            continue
        assert_same(expected[k], res[k], k)
    assert len(expected.points) == len(res.points)
    for i, (want, p) in enumerate(zip(expected.points, res.points)):
        assert want.keys() == p.keys(), f"point {i}: fields differ"
        for k in want.keys():
            assert_same(getattr(want, k), getattr(p, k), f"points[{i}].{k}")


@pytest.mark.parametrize("backend", ["cpu", "exact"])
def test_cli_and_python_identical(cli, tmp_path, backend):
    expected = cli_results(
        cli, tmp_path, PAPER, "--backend", backend, "--walkers", str(WALKERS), "--seed", "7"
    )
    res = em.run(str(PAPER), backend=backend, walkers=WALKERS, seed=7)
    assert_results_equal(expected, res)
    p = res.points[0]
    assert p.msd_reliable.dtype == bool
    assert isinstance(p.populations["bright"], np.ndarray)
    assert p.tau_pl_ps is None or isinstance(p.tau_pl_ps, float)


def test_cli_and_python_identical_gpu(cli, tmp_path):
    if not em.devices():
        if gpu_required():
            pytest.fail("no GPU adapter, and EXCITON_MC_REQUIRE_GPU=1 / CI=true")
        pytest.skip("no GPU adapter")
    expected = cli_results(
        cli, tmp_path, PAPER, "--backend", "gpu", "--walkers", str(WALKERS), "--seed", "3"
    )
    res = em.run(str(PAPER), backend="gpu", walkers=2e4, seed=3)
    assert_results_equal(expected, res)


def test_sweep_from_dict_and_to_pandas(cli, tmp_path):
    scenario = json.loads(PAPER.read_text())
    scenario["frames"] = 40
    scenario["sweep"] = {"mode": "product", "parameters": {"states.bright.fret": [0.05, 0.09]}}
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(scenario))
    expected = cli_results(cli, tmp_path, path, "--backend", "cpu", "--walkers", "5000")
    res = em.run(scenario, backend="cpu", walkers="5e3")
    assert res.scenario_file == "<dict>"
    assert_results_equal(expected, res, skip=("scenario_file",))

    # pandas reads the CLI's curves in one call, the numbers of to_pandas() bit for bit;
    # a column the file leaves out is its source times the pitch squared, as documented.
    pd = pytest.importorskip("pandas")
    curves = pd.read_parquet(tmp_path / "out" / "curves.parquet")
    assert len(curves) == 2 * 40
    assert "msd_occupancy_nm2" not in curves.columns
    tidy = res.to_pandas()
    for col in ["point", "frame", "states.bright.fret", "time_ps", "intensity",
                "msd_occupancy_sites2", "msd_occupancy_stderr_sites2", "population_bright"]:
        np.testing.assert_array_equal(curves[col].to_numpy(), tidy[col].to_numpy(), err_msg=col)
    nm2 = curves["msd_occupancy_sites2"] * curves["pitch_nm"] ** 2
    np.testing.assert_array_equal(nm2.to_numpy(), tidy["msd_occupancy_nm2"].to_numpy())
    assert_same_frame(em.read_curves(tmp_path / "out"), tidy)

    df = res.to_pandas()
    assert len(df) == 2 * 40
    assert list(df["states.bright.fret"].unique()) == [0.05, 0.09]
    for i, g in df.groupby("point"):
        p = res.points[i]
        for col in ["time_ps", "intensity", "msd_sites2", "msd_stderr_sites2", "msd_nm2",
                    "msd_occupancy_nm2", "occupancy_walkers"]:
            np.testing.assert_array_equal(g[col].to_numpy(), getattr(p, col))
        np.testing.assert_array_equal(g["msd_reliable"].to_numpy(), p.msd_reliable)
        np.testing.assert_array_equal(g["population_bright"].to_numpy(), p.populations["bright"])
        np.testing.assert_array_equal(g["frame"].to_numpy(), np.arange(40))
    points = res.to_pandas(per="point")
    assert list(points["point"]) == [0, 1]
    assert points["d_avg_cm2_s"].tolist() == [p.d_avg_cm2_s for p in res.points]


def assert_same_frame(got, tidy) -> None:
    """read_curves against to_pandas: every column of to_pandas, bit for bit, in its order."""
    pytest.importorskip("pyarrow")
    assert [c for c in got.columns if c != "pitch_nm"] == list(tidy.columns)
    for col in tidy.columns:
        a, b = got[col].to_numpy(), tidy[col].to_numpy()
        if a.dtype == np.float64:
            assert np.array_equal(a.view(np.uint64), b.astype(np.float64).view(np.uint64)), col
        else:
            assert np.array_equal(a, b), col


def test_large_exact_sweep_reads_back_every_column(cli, tmp_path):
    # More than 1000 points: results.json writes what they share once (points_common,
    # points_warnings) and curves.parquet leaves out the exact backend's copies of the x
    # MSD and every unit multiple; load and read_curves give the run back, bit for bit.
    scenario = json.loads(PAPER.read_text())
    scenario["frames"] = 12
    fret = [0.05 + 1e-4 * i for i in range(1001)]
    to_dark = [0.1 + 1e-3 * (i % 7) for i in range(1001)]
    scenario["sweep"] = {"mode": "zip", "parameters": {
        "states.bright.fret": fret, "states.bright.to.dark": to_dark}}
    path = tmp_path / "large.json"
    path.write_text(json.dumps(scenario))
    expected = cli_results(cli, tmp_path, path, "--backend", "exact")
    raw = json.loads((tmp_path / "out" / "results.json").read_text())
    assert raw["points_common"]["walkers"] == scenario["walkers"]
    assert "warning_ids" in raw["points"][0] and "msd_y_sites2" in raw["curves"]["derived"]
    res = em.run(scenario, backend="exact")
    assert_results_equal(expected, res, skip=("scenario_file",))
    pytest.importorskip("pandas")
    got = em.read_curves(tmp_path / "out")
    assert len(got) == 1001 * 12
    assert_same_frame(got, res.to_pandas())


def test_exact_from_dict():
    scenario = json.loads(PAPER.read_text())
    res = em.run(scenario, backend="exact")
    p = res.points[0]
    assert res.backend == "exact"
    assert np.all(np.nan_to_num(p.msd_stderr_sites2) == 0)  # no noise
    assert p.d_avg_cm2_s > 0 and p.diffusion_length_nm > 0
    assert p.time_ps[1] == scenario["dt_ps"]


def test_bad_scenario_dict_names_the_path():
    scenario = json.loads(PAPER.read_text())
    scenario["states"]["bright"]["radiative"] = -0.1
    with pytest.raises(em.ScenarioError) as e:
        em.check(scenario)
    assert "states.bright.radiative" in str(e.value)
    assert str(e.value).startswith("<dict>")
    assert e.value.path == "states.bright.radiative"
    with pytest.raises(em.ScenarioError):
        em.run(scenario, backend="exact")
    assert isinstance(e.value, ValueError)


def test_bad_scenario_file_names_file_and_path(tmp_path):
    scenario = json.loads(PAPER.read_text())
    scenario["initial"]["popluations"] = {"bright": 1.0}
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(scenario))
    with pytest.raises(em.ScenarioError) as e:
        em.run(path, backend="exact")
    msg = str(e.value)
    assert str(path) in msg and "initial" in msg and "popluations" in msg
    with pytest.raises(em.ScenarioError) as e:
        em.check(tmp_path / "missing.json")
    assert "missing.json" in str(e.value)


def test_check_and_devices():
    summary = em.check(PAPER)
    assert summary["name"] == "paper-5nm-9K" and summary["points"] == 1
    for d in em.devices():
        assert {"name", "backend", "device_type", "software", "description"} <= set(d)


def test_bad_arguments():
    with pytest.raises(ValueError):
        em.run(PAPER, backend="quantum")
    with pytest.raises(ValueError):
        em.run(PAPER, backend="exact", walkers=0)
    with pytest.raises(ValueError):
        em.run(PAPER, backend="exact", seed=-1)
    with pytest.raises(ValueError):
        em.run(PAPER, backend="exact", walkers=2.5)


def test_progress_callback():
    seen = []
    em.run(PAPER, backend="cpu", walkers=50_000, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (50_000, 50_000)
    em.run(PAPER, backend="exact", progress=True)


def test_ctrl_c_interrupts_a_long_run():
    # Python's own Ctrl-C handler, even where this process started with SIGINT ignored (a
    # background job of a non-interactive shell inherits SIG_IGN, and Python then installs
    # none): without it the signal below is lost and the run goes on for hours.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupt():
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    start = time.monotonic()
    # Should the interrupt be lost, fail within a minute with every thread's stack
    # instead of walking for hours (it happened once in CI, and never again since).
    faulthandler.dump_traceback_later(60, exit=True)
    try:
        with pytest.raises(KeyboardInterrupt):
            # Hours of work on two cores: only Ctrl-C ends it in time.
            em.run(PAPER, backend="cpu", walkers=10**10)
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - start < 6.0


def test_to_pandas_without_pandas_says_so(monkeypatch):
    import sys

    res = em.run(PAPER, backend="exact")
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError
    with pytest.raises(ImportError, match="pip install pandas"):
        res.to_pandas()


def test_attributes_are_annotated_in_the_package():
    # Every field of a point has an annotated line in the package (the one source of its
    # signatures: Jupyter's completion, help, type checkers).
    source = (Path(em.__file__).parent / "__init__.py").read_text()
    res = em.run(PAPER, backend="exact")
    for k in res.points[0].keys():
        assert f"    {k}:" in source, k
    for k in res.keys():
        assert f"    {k}:" in source, k
    assert (Path(em.__file__).parent / "py.typed").exists()


def test_no_runtime_dir_warning_from_mesa():
    # Without XDG_RUNTIME_DIR (a batch job), opening Vulkan must not make Mesa complain.
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    code = "import exciton_mc as em; em.devices()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "XDG_RUNTIME_DIR" not in out.stderr, out.stderr


# Fits: `em.fit` against `exciton-mc fit` on the example (a few seconds each: the Monte
# Carlo check runs the example's check_walkers per dataset).
FIT_EXAMPLE = ROOT / "examples" / "fit-5nm-9K" / "fit.json"
# What two runs of the same fit differ in.
FIT_WALL = ("wall_s",)


def fit_spec_absolute(spec: dict, base: Path) -> dict:
    """A fit file's spec with its scenario and data paths absolute (relative to `base`)."""
    spec = json.loads(json.dumps(spec))
    spec["scenario"] = str(base / spec["scenario"])
    for d in spec["datasets"]:
        d["file"] = str(base / d["file"])
        irf = d.get("irf")
        if isinstance(irf, dict) and isinstance(irf.get("file"), str):
            irf["file"] = str(base / irf["file"])
    return spec


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory) -> Path:
    """The example's fit file; a copy with absolute paths and 1e5 check walkers should the
    example size its Monte Carlo check automatically (half a minute per fit)."""
    spec = json.loads(FIT_EXAMPLE.read_text())
    if isinstance(spec.get("check_walkers", "auto"), int):
        return FIT_EXAMPLE
    spec = fit_spec_absolute(spec, FIT_EXAMPLE.parent)
    spec["check_walkers"] = 100_000
    path = tmp_path_factory.mktemp("fit") / "fit.json"
    path.write_text(json.dumps(spec, indent=2))
    return path


@pytest.fixture(scope="module")
def fit_pair(cli, fit_file, tmp_path_factory):
    """The CLI's fit.json and em.fit's result on the same file."""
    out = tmp_path_factory.mktemp("fit-out") / "out"
    done = subprocess.run(
        [str(cli), "fit", str(fit_file), "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode in (0, 1, 3), done.stderr
    expected = json.loads((out / "fit.json").read_text())
    res = em.fit(fit_file)
    # The command's exit code is the verdict's: 0 ok, 3 warning, 1 failed.
    assert done.returncode == {"ok": 0, "warning": 3, "failed": 1}[res.status], done.stderr
    return expected, res


def without(d: dict, keys) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


def test_fit_cli_and_python_identical(fit_pair):
    expected, res = fit_pair
    # Bit for bit: Python floats compare exactly, the JSON's keys in the same order.
    assert list(res.json) == list(expected)
    assert without(res.json, FIT_WALL) == without(expected, FIT_WALL)
    assert isinstance(res.wall_s, float) and res.wall_s > 0
    assert res.status == expected["status"] and res.status in ("ok", "warning", "failed")
    assert res.warnings == expected["warnings"] and res.notes == expected["notes"]
    assert list(res.parameters) == expected["order"]
    for path, p in res.parameters.items():
        want = expected["parameters"][path]
        assert p.value == want["value"] and type(p.value) is float, path
        assert p.stderr == want["stderr"] and p.unit == want["unit"], path
        assert p["value"] == want["value"] and p.path == path
    assert res.chi2 == expected["chi2"] and res.dof == expected["dof"]
    assert res.p_value == expected["p_value"]
    assert res.converged == expected["converged"]
    if expected["correlation"] is None:
        assert res.correlation is None
    else:
        assert res.correlation.dtype == np.float64
        assert res.correlation.shape == (len(res.parameters), len(res.parameters))
        want = np.array(expected["correlation"], dtype=np.float64)
        assert np.array_equal(res.correlation.view(np.uint64), want.view(np.uint64))
    assert len(res.datasets) == len(expected["datasets"])
    for d, want in zip(res.datasets, expected["datasets"]):
        assert d.label == want["label"] and d.observable == want["observable"]
        for k in ("time_ps", "data", "data_stderr", "model"):
            if want[k] is None:
                assert getattr(d, k) is None, k
                continue
            assert_same(want[k], getattr(d, k), f"{d.label}.{k}")
    assert res.monte_carlo_check == expected["monte_carlo_check"]
    # The attributes are copies: res.json stays the command's fit.json.
    assert isinstance(res.json["datasets"][0]["time_ps"], list)


def test_fit_from_dict_as_from_file(fit_pair, fit_file):
    _, from_file = fit_pair
    spec = fit_spec_absolute(json.loads(fit_file.read_text()), fit_file.parent)
    res = em.fit(spec)
    assert res.fit_file == "<dict>"
    skip = FIT_WALL + ("fit_file",)
    assert without(res.json, skip) == without(from_file.json, skip)


def test_fit_refused_names_file_and_path(cli, tmp_path, monkeypatch):
    spec = json.loads(FIT_EXAMPLE.read_text())
    spec["free"]["states.bright.nonexistent"] = {"initial": 0.1, "min": 0.0, "max": 1.0}
    # A dict's relative paths resolve against the current directory: the scenario and data
    # are found, then the free path is refused.
    monkeypatch.chdir(FIT_EXAMPLE.parent)
    with pytest.raises(em.FitError) as e:
        em.fit(spec)
    assert str(e.value).startswith("<dict>: free.states.bright.nonexistent: ")
    assert e.value.path == "free.states.bright.nonexistent" and e.value.file == "<dict>"
    assert isinstance(e.value, ValueError)

    # A file: the same message as the command's, which exits 2.
    path = tmp_path / "bad-fit.json"
    path.write_text(json.dumps(fit_spec_absolute(spec, FIT_EXAMPLE.parent)))
    with pytest.raises(em.FitError) as e:
        em.fit(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: free.states.bright.nonexistent: ")
    done = subprocess.run(
        [str(cli), "fit", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert f"error: {msg}" in done.stderr

    # A data file that does not exist, and arguments that are not a fit.
    spec = fit_spec_absolute(json.loads(FIT_EXAMPLE.read_text()), FIT_EXAMPLE.parent)
    spec["datasets"][0]["file"] = str(tmp_path / "missing.csv")
    with pytest.raises(em.FitError, match="missing.csv"):
        em.fit(spec)
    with pytest.raises(em.FitError, match="nothere.json"):
        em.fit(tmp_path / "nothere.json")
    with pytest.raises(TypeError):
        em.fit(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        em.fit(FIT_EXAMPLE, threads=0)


def test_fit_attributes_are_annotated_in_the_package(fit_pair):
    source = (Path(em.__file__).parent / "__init__.py").read_text()
    _, res = fit_pair
    for k in [*res.json, *res.json["datasets"][0], *next(iter(res.json["parameters"].values()))]:
        assert f"    {k}:" in source, k
