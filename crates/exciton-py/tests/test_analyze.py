"""`em.analyze` against `exciton-mc analyze`: the same stack gives the same numbers, bit
for bit, and the same files but for the input's name; a PicoQuant PTU file read with
ptufile goes in as the README shows.

The CLI binary is conftest.py's `cli`.
"""

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

import exciton_mc as em

ROOT = Path(__file__).resolve().parents[3]


def spot_stack(seed: int, frames: int = 14, ny: int = 28, nx: int = 32) -> np.ndarray:
    """Photon counts (uint16) of a Gaussian spot that spreads and fades: two dim frames
    before the pulse, the peak at frame 2, sigma^2 growing 0.5 pixel^2 a frame, a
    background of 1 count per pixel."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) - 2
    yy, xx = np.mgrid[0:ny, 0:nx]
    s2 = 3.0 + 0.5 * np.maximum(t, 0)
    photons = np.where(t < 0, 50.0, 6000.0 * np.exp(-np.maximum(t, 0) / 8.0))
    spot = np.exp(
        -((xx[None] - 15.3) ** 2 + (yy[None] - 13.6) ** 2) / (2 * s2[:, None, None])
    ) / (2 * np.pi * s2[:, None, None])
    return rng.poisson(photons[:, None, None] * spot + 1.0).astype(np.uint16)


def line_scan(seed: int, bins: int = 16, positions: int = 40) -> np.ndarray:
    """Photon counts as float64, time bins x positions: a line profile that spreads and
    fades as the spot above, the peak in bin 2, a background of 2 counts."""
    rng = np.random.default_rng(seed)
    t = np.arange(bins) - 2
    x = np.arange(positions)
    s2 = 3.0 + 0.5 * np.maximum(t, 0)
    photons = np.where(t < 0, 50.0, 6000.0 * np.exp(-np.maximum(t, 0) / 8.0))
    line = np.exp(-((x[None] - 19.4) ** 2) / (2 * s2[:, None])) / np.sqrt(2 * np.pi * s2[:, None])
    return rng.poisson(photons[:, None] * line + 2.0).astype(np.float64)


# (name, the array, CLI flags, the same as Python keywords)
CASES = {
    "images-defaults": (lambda: spot_stack(7), [], {}),
    "images-options": (
        lambda: spot_stack(8),
        ["--roi", "2:30,1:27", "--background", "pre", "--t0-frame", "2", "--gain", "1.5"],
        {"roi": (2, 30, 1, 27), "background": "pre", "t0_frame": 2, "gain": 1.5},
    ),
    "line-scan": (
        lambda: line_scan(9),
        ["--background", "border", "--border-px", "4", "--noise", "poisson", "--saturation", "5000"],
        {"background": "border", "border_px": 4, "noise": "poisson", "saturation": 5000},
    ),
    "line-scan-uniform-constant": (
        lambda: line_scan(10),
        ["--background", "0.75", "--noise", "uniform", "--roi", "3:37"],
        {"background": 0.75, "noise": "uniform", "roi": "3:37"},
    ),
}


def run_cli(cli: Path, stack: np.ndarray, tmp: Path, flags) -> Path:
    np.save(tmp / "x.npy", stack)
    out = tmp / "cli"
    done = subprocess.run(
        [str(cli), "analyze", str(tmp / "x.npy"), "--pixel-nm", "40", "--frame-ps", "25",
         "--out", str(out), *flags],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return out


def without_input(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "input"}


def as_floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit, NaN where NaN (-0.0 and 0.0 differ)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(a.view(np.uint64) == b.view(np.uint64)))


def csv_rows(path: Path):
    """A CSV file's comment lines, its column names, and its rows parsed with float()."""
    lines = path.read_text().splitlines()
    comments = [l for l in lines if l.startswith("#")]
    rest = [l for l in lines if not l.startswith("#")]
    return comments, rest[0].split(","), [[float(v) for v in l.split(",")] for l in rest[1:]]


@pytest.mark.parametrize("case", list(CASES))
def test_python_equals_cli_bit_for_bit(cli, tmp_path, case):
    make, flags, kwargs = CASES[case]
    stack = make()
    cli_out = run_cli(cli, stack, tmp_path, flags)
    cli_json = json.loads((cli_out / "analysis.json").read_text())

    py_out = tmp_path / "py"
    a = em.analyze(stack, pixel_nm=40, frame_ps=25, out=py_out, **kwargs)

    # The whole analysis.json: every number parsed by float() equal with ==, and the
    # shortest decimals equal too (so -0.0 against 0.0 would show).
    assert a.input == "<array>" and cli_json["input"] == str(tmp_path / "x.npy")
    assert without_input(a.json) == without_input(cli_json)
    assert json.dumps(without_input(a.json)) == json.dumps(without_input(cli_json))

    # The per-frame arrays are the JSON's numbers (null -> NaN), bit for bit.
    frames = cli_json["frames"]
    assert list(a.frame) == [f["frame"] for f in frames] == list(range(len(stack)))
    for k in ("time_ps", "sigma2_nm2", "sigma2_stderr_nm2", "msd_nm2", "msd_stderr_nm2",
              "counts", "counts_stderr", "kurtosis", "kurtosis_stderr"):
        assert same_bits(getattr(a, k), as_floats([f[k] for f in frames])), k
    assert same_bits(a.frame_background, as_floats([f["background"] for f in frames]))
    assert list(a.saturated_pixels) == [f["saturated_pixels"] for f in frames]
    assert a.status == [f["status"] for f in frames]
    assert a.reason == [f["reason"] for f in frames]
    images = stack.ndim == 3
    assert a.layout == ("images" if images else "line_scan")
    assert (a.y is not None) == images
    for axis in ("x", "y") if images else ("x",):
        got = getattr(a, axis)
        # A frame before t0 has no y (null): NaN, as a field's null is.
        of = [f[axis] or {} for f in frames]
        for k in ("sigma2_nm2", "sigma2_stderr_nm2", "msd_nm2", "msd_stderr_nm2", "centre_nm",
                  "amplitude", "kurtosis", "kurtosis_stderr"):
            assert same_bits(getattr(got, k), as_floats([f.get(k) for f in of])), (axis, k)
        assert got.reason == [f.get("reason") for f in of]
        assert np.isfinite(getattr(got, "msd_nm2")[a.t0_frame + 1 :]).all(), axis
    assert a.t0_frame == cli_json["t0_frame"]
    assert a.status.count("fitted") >= len(stack) - a.t0_frame - 1, a.status
    assert a.status[: a.t0_frame] == ["before t0"] * a.t0_frame

    # msd.csv's and pl.csv's numbers are the arrays' (frames from t0 on, found by time).
    _, names, rows = csv_rows(cli_out / "msd.csv")
    errors = "msd_stderr_nm2" in names
    assert errors == (kwargs.get("noise") != "uniform")
    at = {t: i for i, t in enumerate(a.time_ps)}
    shown = [at[r[0]] for r in rows]
    fitted = np.flatnonzero((a.frame >= a.t0_frame) & np.isfinite(a.msd_nm2))
    assert shown == list(fitted) and len(shown) > 5
    for row, i in zip(rows, shown):
        assert row[1] == a.msd_nm2[i], (row, i)
        if errors:  # each frame's own error: its sigma^2's (t0's is shared by all rows)
            assert row[2] == a.sigma2_stderr_nm2[i], (row, i)
    _, _, pl = csv_rows(cli_out / "pl.csv")
    assert len(pl) >= 5
    for row in pl:
        i = at[row[0]]
        assert i >= a.t0_frame and row[1] == a.counts[i] and a.saturated_pixels[i] == 0
        if errors:
            assert row[2] == a.counts_stderr[i]

    # out=: the CLI's files byte for byte but for the header line naming the input.
    for name in ("msd.csv", "pl.csv"):
        want = (cli_out / name).read_text().splitlines()
        got = (py_out / name).read_text().splitlines()
        assert want[0].endswith(f" analyze {tmp_path / 'x.npy'}"), want[0]
        assert got[0] == f"# exciton-mc {em.__version__} analyze <array>", got[0]
        assert got[1:] == want[1:], name
    assert json.loads((py_out / "analysis.json").read_text()) == a.json
    assert sorted(p.name for p in py_out.iterdir()) == ["analysis.json", "msd.csv", "pl.csv"]


def test_dtypes_memory_order_and_saturation():
    stack = spot_stack(11)
    a = em.analyze(stack, pixel_nm=40, frame_ps=25)
    assert a.saturation == 65535.0 and a.layout == "images" and a.shape == [14, 28, 32]
    # The same values in other dtypes and memory orders: the same analysis.
    for other in (stack.astype(np.int32), stack.astype(np.float32), np.asfortranarray(stack),
                  stack.astype(">u2")):
        b = em.analyze(other, pixel_nm=40, frame_ps=25)
        assert without_input(b.json)["frames"] == a.json["frames"], other.dtype
    assert em.analyze(stack.astype(np.float64), pixel_nm=40, frame_ps=25).saturation is None
    assert em.analyze(stack.astype(np.uint8), pixel_nm=40, frame_ps=25).saturation == 255.0
    # A transposed view (x x y x frames -> frames x y x x) reads as its values, not its memory.
    moved = np.moveaxis(np.ascontiguousarray(np.moveaxis(stack, 0, -1)), -1, 0)
    assert not moved.flags.c_contiguous
    assert em.analyze(moved, pixel_nm=40, frame_ps=25).json == a.json
    # A list of lists is an array too.
    scan = line_scan(12)
    assert em.analyze(scan.tolist(), pixel_nm=40, frame_ps=25).json == em.analyze(
        scan, pixel_nm=40, frame_ps=25
    ).json
    # A pixel at the integer maximum is saturated: its frame is reported, not fitted.
    # (After t0: a saturated t0 frame is refused, since every MSD is measured from it.)
    t0 = int(stack.reshape(len(stack), -1).sum(axis=1).argmax())
    hot = stack.copy()
    hot[t0 + 2, 13, 15] = 65535
    s = em.analyze(hot, pixel_nm=40, frame_ps=25, t0_frame=t0)
    k = t0 + 2
    assert s.status[k] == "saturated" and s.saturated_pixels[k] == 1 and math.isnan(s.msd_nm2[k])
    assert em.analyze(hot, pixel_nm=40, frame_ps=25, t0_frame=t0, saturation=1e9).status[k] == "fitted"
    with pytest.raises(ValueError, match="time zero .* has no fit"):
        em.analyze(hot, pixel_nm=40, frame_ps=25, t0_frame=k)


def test_refusals_raise_value_error_with_the_command_message(tmp_path):
    stack = spot_stack(13)
    kw = {"pixel_nm": 40, "frame_ps": 25}
    with pytest.raises(ValueError, match=r"wrong dimensionality: shape \(5,\)"):
        em.analyze(np.zeros(5), **kw)
    with pytest.raises(ValueError, match="one frame only"):
        em.analyze(stack[:1], **kw)
    bad = stack.astype(float)
    bad[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"<array>: frame 3, row 2, column 1 \(counted from 0\) is NaN"):
        em.analyze(bad, **kw)
    with pytest.raises(ValueError, match="--background: `sometimes`"):
        em.analyze(stack, background="sometimes", **kw)
    with pytest.raises(ValueError, match="--profile"):
        em.analyze(stack, profile="lorentz", **kw)
    with pytest.raises(ValueError, match="--noise"):
        em.analyze(stack, noise="gaussian", **kw)
    with pytest.raises(ValueError, match="--roi"):
        em.analyze(stack, roi="a:b", **kw)
    with pytest.raises(ValueError, match="roi"):
        em.analyze(stack, roi=(1, 2, 3), **kw)
    with pytest.raises(ValueError, match="--pixel-nm"):
        em.analyze(stack, pixel_nm=-1, frame_ps=25)
    with pytest.raises(ValueError, match="t0_frame"):
        em.analyze(stack, t0_frame=-1, **kw)
    with pytest.raises(ValueError, match="dtype complex128 is not read"):
        em.analyze(stack.astype(complex), **kw)
    with pytest.raises(TypeError, match="background"):
        em.analyze(stack, background=True, **kw)
    # out= holding files is refused (the command's --force is force=True), and nothing
    # is written before the analysis is done.
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="already holds files: pass force=True"):
        em.analyze(stack, out=out, **kw)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    em.analyze(stack, out=out, force=True, **kw)
    assert (out / "msd.csv").exists() and (out / "keep.txt").exists()
    fresh = tmp_path / "never"
    with pytest.raises(ValueError):
        em.analyze(stack, out=fresh, profile="no", **kw)
    assert not fresh.exists()


def test_analysis_attributes_are_annotated_in_the_package():
    source = (Path(em.__file__).parent / "__init__.py").read_text()
    a = em.analyze(spot_stack(14), pixel_nm=40, frame_ps=25)
    for k in [*a.keys(), *a.x.keys()]:
        assert f"    {k}:" in source, k
    assert set(a.json) - {"frames"} <= set(a.keys())
    assert "<Analysis images (14, 28, 32)" in repr(a)


def test_ptu_file_read_with_ptufile_as_the_readme_shows(cli, tmp_path, monkeypatch):
    """A small TCSPC image made here and written as a PicoQuant PTU file (T3 image mode)
    by ptufile, read back with ptufile and analysed as README "Measured data" does: each
    delay bin is a frame."""
    ptufile = pytest.importorskip("ptufile")
    rng = np.random.default_rng(21)
    ny, nx, bins = 24, 28, 40  # y x x x delay bins of 25 ps
    yy, xx = np.mgrid[0:ny, 0:nx]
    delay = np.arange(bins) - 4  # the pulse in bin 4
    s2 = 2.5 + 0.3 * np.maximum(delay, 0)
    photons = np.where(delay < 0, 3.0, 900.0 * np.exp(-np.maximum(delay, 0) / 20.0))
    spot = np.exp(-((xx[..., None] - 13.7) ** 2 + (yy[..., None] - 11.4) ** 2) / (2 * s2))
    histogram = rng.poisson(photons * spot / (2 * np.pi * s2) + 0.05).astype(np.uint16)
    path = tmp_path / "scan.ptu"
    # 80 MHz laser, 25 ps TCSPC bins, 40 nm pixels (ImgHdr_PixResol is in µm).
    ptufile.imwrite(path, histogram, 12.5e-9, 25e-12, pixel_resolution=0.04)
    assert path.read_bytes()[:8] == b"PQTTTR\0\0"

    # README "Measured data", its three lines as written there (scan.ptu in the cwd).
    monkeypatch.chdir(tmp_path)
    ptu = ptufile.PtuFile("scan.ptu")  # TCSPC image: y x x x delay bins (channel 0, frames summed)
    a = em.analyze(np.moveaxis(ptu.decode_image(channel=0, frame=-1, keepdims=False), -1, 0),
                   pixel_nm=ptu.tags["ImgHdr_PixResol"] * 1e3, frame_ps=ptu.tcspc_resolution * 1e12, out="scan_analysis")
    a.time_ps, a.msd_nm2, a.msd_stderr_nm2  # numpy, one entry per delay bin; out= wrote msd.csv, pl.csv, analysis.json
    ptu.close()

    # The file gives back the histogram written, so the analysis is the array's.
    with ptufile.PtuFile(path) as ptu:
        assert ptu.shape == (1, ny, nx, 1, bins)
        assert np.array_equal(ptu.decode_image(channel=0, frame=-1, keepdims=False), histogram)
    stack = np.moveaxis(histogram, -1, 0)
    direct = em.analyze(stack, pixel_nm=40, frame_ps=25)
    assert (a.pixel_nm, a.frame_ps, a.saturation) == (40.0, 25.0, 65535.0)
    assert a.json == direct.json
    assert a.t0_frame == 4 and a.status.count("fitted") == bins - 4
    # The spot spreads by 0.3 pixel^2 a bin: 0.3 x 40^2 = 480 nm^2 a bin, seen through noise.
    late = a.msd_nm2[-5:] / (a.time_ps[-5:] / 25)
    assert np.all((late > 300) & (late < 700)), late
    assert (tmp_path / "scan_analysis" / "msd.csv").exists()
    # And the command on the same array, saved as .npy, agrees bit for bit.
    out = run_cli(cli, stack, tmp_path, [])
    assert without_input(json.loads((out / "analysis.json").read_text())) == without_input(a.json)


def test_tiff_read_with_tifffile_equals_the_command_on_the_file(cli, tmp_path):
    """A multi-page uint16 TIFF written and read with tifffile: em.analyze on the array
    tifffile reads is the command's analysis of the file, bit for bit."""
    tifffile = pytest.importorskip("tifffile")
    stack = spot_stack(15)
    tifffile.imwrite(tmp_path / "stack.tif", stack)
    a = em.analyze(tifffile.imread(tmp_path / "stack.tif"), pixel_nm=40, frame_ps=25)
    out = tmp_path / "cli"
    subprocess.run(
        [str(cli), "analyze", str(tmp_path / "stack.tif"), "--pixel-nm", "40", "--frame-ps",
         "25", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    cli_json = json.loads((out / "analysis.json").read_text())
    assert cli_json["shape"] == [14, 28, 32] and cli_json["saturation"] == 65535.0
    assert json.dumps(without_input(a.json)) == json.dumps(without_input(cli_json))
