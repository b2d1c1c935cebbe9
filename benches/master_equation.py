#!/usr/bin/env python3
"""The master-equation backend's speed (issue 24), in one run:

1. `exciton-mc run --backend exact` on one periodic disordered film (paper geometry,
   3 states, 300 frames of 25 ps, probability_per_frame, one realization) from 32^2 to
   512^2 sites: wall time and time per frame, which must grow linearly with the sites.
2. The same film at 128^2 in rate_per_ns against scipy.sparse.linalg.expm_multiply on
   the same generator (built here from the site table `exciton-mc landscape` exports,
   with the probability and the x and y displacement moments per (site, state), as the
   backend propagates them), on the same time grid; their final mean energy and
   populations are compared so the two are seen to solve one problem.

Usage: python benches/master_equation.py [--exe target/release/exciton-mc]
       [--sizes 32,64,128,256,512] [--threads 2]
Needs numpy and scipy (pip install numpy scipy pyarrow).
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import pyarrow.parquet as pq
import scipy
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply

KB_MEV_PER_K = 0.08617333
# Paper geometry: 4 nearest neighbours (weight 1) and 4 diagonals (weight 1/8).
DIRECTIONS = [((1, 0), 1.0), ((-1, 0), 1.0), ((0, 1), 1.0), ((0, -1), 1.0),
              ((1, 1), 0.125), ((1, -1), 0.125), ((-1, 1), 0.125), ((-1, -1), 0.125)]
PER_FRAME = {
    "bright": {"radiative": 0.03, "fret": 0.09, "to": {"dark": 0.15, "trapped": 0.01}},
    "dark": {"radiative": 0.0003, "to": {"bright": 0.001}},
    "trapped": {"radiative": 0.0003},
}
PER_NS = {
    "bright": {"radiative": 1.2, "fret": 3.6, "to": {"dark": 6.0, "trapped": 0.4}},
    "dark": {"radiative": 0.012, "to": {"bright": 0.04}},
    "trapped": {"radiative": 0.012},
}
NAMES = ["bright", "dark", "trapped"]


def film(side, units, frames=300):
    return {
        "name": f"me-{side}", "lattice": {"geometry": "paper", "pitch_nm": 7.0},
        "dt_ps": 25.0, "frames": frames, "walkers": 1000, "seed": 1, "units": units,
        "temperature_K": 100.0,
        "initial": {"sigma_sites": 0.0, "populations": {"bright": 1.0}},
        "states": PER_FRAME if units == "probability_per_frame" else PER_NS,
        "landscape": {"seed": 3, "energy_sigma_meV": 15.0, "void_fraction": 0.1,
                      "size": [side, side], "edges": "periodic", "realizations": 1},
    }


def run_exact(exe, scenario, tmp, threads):
    path = os.path.join(tmp, scenario["name"] + ".json")
    with open(path, "w") as f:
        json.dump(scenario, f)
    out = os.path.join(tmp, scenario["name"] + "-out")
    t = time.perf_counter()
    subprocess.run([exe, "run", path, "--backend", "exact", "--threads", str(threads),
                    "--out", out, "--force"], check=True, capture_output=True)
    wall = time.perf_counter() - t
    return wall, pq.read_table(os.path.join(out, "curves.parquet")).to_pandas(), path


def generator(sites, temperature_k):
    """Q (column convention, dx/dt = Q x) over x = [site][state][p, m1x, m2x, m1y, m2y]."""
    e = sites["energy_meV"].to_numpy()
    open_ = ~sites["void"].to_numpy().astype(bool)
    xs, ys = sites["x"].to_numpy(), sites["y"].to_numpy()
    x0, y0 = xs.min(), ys.min()
    nx, ny = xs.max() - x0 + 1, ys.max() - y0 + 1
    n, s, m = len(e), len(NAMES), 5
    kt = KB_MEV_PER_K * temperature_k
    rows, cols, vals = [], [], []

    def add(r, c, v):
        rows.append(r); cols.append(c); vals.append(v)

    def idx(site, state, k):
        return (site * s + state) * m + k

    out_rate = np.zeros((n, s))
    for st, name in enumerate(NAMES):
        spec = PER_NS[name]
        for target, rate in spec.get("to", {}).items():
            t = NAMES.index(target)
            for i in np.flatnonzero(open_):
                for k in range(m):
                    add(idx(i, t, k), idx(i, st, k), rate)
            out_rate[open_, st] += rate
        out_rate[open_, st] += spec["radiative"]
        fret = spec.get("fret", 0.0)
        if fret == 0.0:
            continue
        for i in np.flatnonzero(open_):
            cx, cy = xs[i] - x0, ys[i] - y0
            for (ex, ey), w in DIRECTIONS:
                j = ((cy + ey) % ny) * nx + (cx + ex) % nx
                if not open_[j]:
                    continue
                r = fret * w * min(1.0, np.exp(-(e[j] - e[i]) / kt))
                out_rate[i, st] += r
                p, a, b, c, d = (idx(i, st, k) for k in range(m))
                q = [idx(j, st, k) for k in range(m)]
                add(q[0], p, r)
                add(q[1], a, r); add(q[1], p, r * ex)
                add(q[2], b, r); add(q[2], a, 2 * r * ex); add(q[2], p, r * ex * ex)
                add(q[3], c, r); add(q[3], p, r * ey)
                add(q[4], d, r); add(q[4], c, 2 * r * ey); add(q[4], p, r * ey * ey)
    for i in range(n):
        for st in range(s):
            for k in range(m):
                add(idx(i, st, k), idx(i, st, k), -out_rate[i, st])
    q = sp.csr_matrix((vals, (rows, cols)), shape=(n * s * m, n * s * m))
    start = np.flatnonzero((xs == 0) & (ys == 0))[0]
    assert open_[start], "the start site (0, 0) is a void: pick another landscape seed"
    x = np.zeros(n * s * m)
    x[idx(start, 0, 0)] = 1.0
    return q, x, e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", default="target/release/exciton-mc")
    ap.add_argument("--sizes", default="32,64,128,256,512")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("1. probability_per_frame, paper geometry, 3 states, 300 frames, one film")
        print(f"{'sites':>8} {'wall s':>8} {'ms/frame':>9} {'ns/site/frame':>14}")
        for side in [int(v) for v in a.sizes.split(",")]:
            wall, _, _ = run_exact(a.exe, film(side, "probability_per_frame"), tmp, a.threads)
            per = wall / 300
            print(f"{side * side:>8} {wall:>8.3f} {per * 1e3:>9.3f} {per / side / side * 1e9:>14.1f}")
        print("\n2. rate_per_ns, 128 x 128, 300 frames: exciton-mc vs scipy expm_multiply")
        wall, curves, path = run_exact(a.exe, film(128, "rate_per_ns"), tmp, a.threads)
        table = os.path.join(tmp, "sites.parquet")
        subprocess.run([a.exe, "landscape", path, "--out", table], check=True, capture_output=True)
        sites = pq.read_table(table).to_pandas()
        t = time.perf_counter()
        q, x, e = generator(sites, 100.0)
        build = time.perf_counter() - t
        t = time.perf_counter()
        grid = expm_multiply(q * 0.025, x, start=0, stop=299, num=300, endpoint=True)
        propagate = time.perf_counter() - t
        last = grid[-1].reshape(-1, 3, 5)
        pops = last[:, :, 0].sum(axis=0)
        mean_e = (last[:, :, 0].sum(axis=1) * e).sum() / pops.sum()
        print(f"exciton-mc {wall:.3f} s (whole run, {a.threads} threads); scipy {scipy.__version__} "
              f"expm_multiply {propagate:.3f} s (+ {build:.1f} s building the generator in Python), "
              f"{q.shape[0]} unknowns, {q.nnz} nonzeros")
        print(f"ratio scipy / exciton-mc: {propagate / wall:.1f}")
        ours = [curves[f"population_{n}"].iloc[-1] for n in NAMES]
        print("frame 299 populations, scipy vs exciton-mc: " + ", ".join(
            f"{n} {p:.6e} / {o:.6e}" for n, p, o in zip(NAMES, pops, ours)))
        print(f"frame 299 mean energy: scipy {mean_e:.6f} meV, exciton-mc "
              f"{curves['mean_energy_meV'].iloc[-1]:.6f} meV")


if __name__ == "__main__":
    main()
