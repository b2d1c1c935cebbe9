# %% [markdown]
# # exciton_mc quickstart
#
# Notebook-style (`# %%` cells: VS Code, Jupytext and Spyder run them one by one), or
# as a script from the repository root:
#
#     pip install ./crates/exciton-py matplotlib pandas
#     python examples/python/quickstart.py
#
# Runs the paper case (5 nm superlattice at 9 K), plots its MSD into
# `out/python/quickstart-msd.png`, and runs a small sweep into a pandas DataFrame.

# %%
from pathlib import Path

import numpy as np

import exciton_mc as em

ROOT = Path(__file__).resolve().parents[2] if "__file__" in globals() else Path.cwd()
OUT = ROOT / "out" / "python"
OUT.mkdir(parents=True, exist_ok=True)

# %% The paper case: 10^6 walkers on the CPU (about 10 s on 2 cores), with a progress bar.
res = em.run(ROOT / "scenarios" / "paper-5nm-9K.json", backend="cpu", walkers=10**6, seed=1,
             progress=True)
p = res.points[0]
print(res)
print(p)
print(f"tau_PL = {p.tau_pl_ps:.2f} ± {p.tau_pl_stderr_ps:.2f} ps")
print(f"D_avg  = {p.d_avg_cm2_s:.4g} ± {p.d_avg_stderr_cm2_s:.2g} cm^2/s")
print(f"L      = {p.diffusion_length_nm:.2f} ± {p.diffusion_length_stderr_nm:.2f} nm")
print("t_max  =", p.t_max_ps, "ps" if p.t_max_ps is not None else f"({p.t_max_note})")

# %% The same case without noise: the exact moment recursion.
exact = em.run(ROOT / "scenarios" / "paper-5nm-9K.json", backend="exact").points[0]

# %% MSD(t): Monte Carlo (reliable frames, ±1 s.e.) against the exact curve.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the plot (pip install matplotlib)")
else:
    ok = p.msd_reliable
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.fill_between(p.time_ps[ok], (p.msd_nm2 - p.msd_stderr_sites2 * p.pitch_nm**2)[ok],
                    (p.msd_nm2 + p.msd_stderr_sites2 * p.pitch_nm**2)[ok], alpha=0.3)
    ax.plot(p.time_ps[ok], p.msd_nm2[ok], label=f"Monte Carlo, {p.walkers:,} walkers")
    ax.plot(exact.time_ps, exact.msd_nm2, "k--", label="exact")
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("MSD (nm$^2$)")
    ax.set_title(res.scenario)
    ax.legend()
    fig.tight_layout()
    png = OUT / "quickstart-msd.png"
    fig.savefig(png, dpi=120)
    print(f"wrote {png}")

# %% A small sweep, given as a dict: the FRET probability of the bright state.
import json

scenario = json.loads((ROOT / "scenarios" / "paper-5nm-9K.json").read_text())
scenario["sweep"] = {"mode": "product",
                     "parameters": {"states.bright.fret": [0.03, 0.06, 0.09, 0.12]}}
sweep = em.run(scenario, backend="cpu", walkers=10**5, seed=1)
for q in sweep:
    print(q.parameters, f"D_avg = {q.d_avg_cm2_s:.4g} cm^2/s")

# %% Into pandas: one row per point (the scalars) and one per point and frame (the curves).
try:
    points = sweep.to_pandas(per="point")
    frames = sweep.to_pandas()
except ImportError as e:
    print(e)
else:
    print(points[["point", "states.bright.fret", "tau_pl_ps", "d_avg_cm2_s",
                  "diffusion_length_nm", "t_max_ps"]].to_string())
    last = frames[frames["frame"] == frames["frame"].max()]
    print(last[["states.bright.fret", "time_ps", "msd_nm2", "msd_reliable"]].to_string())
    assert np.array_equal(frames[frames["point"] == 0]["msd_nm2"].to_numpy(),
                          sweep.points[0].msd_nm2, equal_nan=True)
