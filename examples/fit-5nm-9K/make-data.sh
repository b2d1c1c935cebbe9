#!/usr/bin/env bash
# Makes this example's synthetic "measurements": the Monte Carlo (cpu) of the paper's
# 5 nm superlattice at 9 K with known rates (bright FRET 0.09, bright -> dark 0.15 per
# 25 ps frame), 10^8 walkers, every 4th frame up to 3 ns, with a measurement's noise on
# top: photon shot noise on the PL (10^5 photons in the first frame, Poisson per frame)
# and 2 nm^2 + 2 % Gaussian noise on the MSD (the fit error of a profile). The noise is
# independent from point to point, as in a measurement, and much larger than the Monte
# Carlo's own error (the same walkers make every frame, so that error is correlated
# across frames). `exciton-mc fit fit.json` should find the two rates within errors.
set -euo pipefail
cd "$(dirname "$0")"
bin="${1:-../../target/release/exciton-mc}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$bin" run scenario.json --backend cpu --walkers 1e8 --seed 21 --quiet --point-csv --out "$out" >/dev/null
python3 - "$out/point-000.csv" <<'PY'
import csv, math, random, sys
rng = random.Random(7)
rows = list(csv.DictReader(open(sys.argv[1])))
keep = [r for r in rows if int(r["frame"]) % 4 == 0 and float(r["time_ps"]) <= 3000.0]
source = ("# synthetic, not a measurement: exciton-mc Monte Carlo (cpu, 1e8 walkers, seed 21) of "
          "scenario.json at bright fret 0.09 and bright->dark 0.15 per frame, plus {}\n")
with open("msd.csv", "w") as f:
    f.write(source.format("Gaussian noise of 2 nm^2 + 2 % per point (python random seed 7)"))
    f.write("time_ps,msd_nm2,msd_stderr_nm2\n")
    for r in keep[1:]:  # frame 0's MSD is 0 by definition
        m = float(r["msd_nm2"])
        mc = float(r["msd_stderr_sites2"]) * 49.0  # pitch 7 nm
        noise = 2.0 + 0.02 * abs(m)
        err = math.hypot(noise, mc)
        f.write(f"{r['time_ps']},{m + rng.gauss(0.0, noise)!r},{err!r}\n")
i0 = float(keep[0]["intensity"])
photons = 1e5
with open("pl.csv", "w") as f:
    f.write(source.format("Poisson shot noise of 1e5 photons in the first frame (python random seed 7)"))
    f.write("time_ps,intensity,intensity_stderr\n")
    counts = []
    for r in keep:
        lam = photons * float(r["intensity"]) / i0
        # Poisson, drawn by its normal limit: lam is above 1500 at every point here.
        counts.append((r["time_ps"], max(0.0, round(rng.gauss(lam, math.sqrt(lam))))))
    n0 = counts[0][1]
    for t, n in counts:
        f.write(f"{t},{n / n0!r},{math.sqrt(max(n, 1.0)) / n0!r}\n")
PY
echo "wrote msd.csv and pl.csv"
