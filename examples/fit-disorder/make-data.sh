#!/usr/bin/env bash
# Makes this example's synthetic "measurements": the Monte Carlo (cpu) of one disordered
# film (48 x 48 periodic, sigma_E = 15 meV, paper geometry, FRET 0.09 per frame, one
# state with a 1 ns lifetime) at 50 K and 150 K, 4e6 walkers, every 3rd frame, with a
# measurement's noise on top: 5 nm^2 + 3 % Gaussian per point, independent from point to
# point. Each point's error is that noise and the Monte Carlo's own error in quadrature.
# `exciton-mc fit fit.json` should find sigma_E and the FRET rate within errors: the two
# temperatures tell disorder (which slows the walk more in the cold) from a slower hop.
set -euo pipefail
cd "$(dirname "$0")"
bin="${1:-../../target/release/exciton-mc}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for t in 50 150; do
  sed "s/\"temperature_K\": 100.0/\"temperature_K\": $t.0/" scenario.json > "$out/film-$t.json"
  "$bin" run "$out/film-$t.json" --backend cpu --walkers 4e6 --seed 2$t --quiet --point-csv --out "$out/$t" >/dev/null
  python3 - "$out/$t/point-000.csv" "$t" <<'PY'
import csv, math, random, sys
path, temp = sys.argv[1], sys.argv[2]
rng = random.Random(int(temp))
rows = [r for r in csv.DictReader(open(path)) if int(r["frame"]) % 3 == 0 and int(r["frame"]) > 0]
with open(f"msd-{temp}K.csv", "w") as f:
    f.write(f"# synthetic, not a measurement: exciton-mc Monte Carlo (cpu, 4e6 walkers, seed 2{temp}) of "
            f"scenario.json at {temp} K (sigma_E 15 meV, fret 0.09), plus Gaussian noise of "
            f"5 nm^2 + 3 % per point (python random seed {temp})\n")
    f.write("time_ps,msd_nm2,msd_stderr_nm2\n")
    for r in rows:
        m = float(r["msd_nm2"])
        mc = float(r["msd_stderr_sites2"]) * 49.0  # pitch 7 nm
        noise = 5.0 + 0.03 * abs(m)
        f.write(f"{r['time_ps']},{m + rng.gauss(0.0, noise)!r},{math.hypot(noise, mc)!r}\n")
PY
done
echo "wrote msd-50K.csv and msd-150K.csv"
