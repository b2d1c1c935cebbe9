#!/usr/bin/env bash
# The 100,000-point exact sweep of issue 15 (Fig. 3's trap model, 1000 trap
# probabilities x 100 FRET probabilities, 20 frames): wall time, peak memory and disk of
# `exciton-mc run`, the whole command as a user runs it (outputs included).
#
#   benches/large-sweep.sh [EXCITON_MC_BINARY] [POINTS_PER_AXIS_1=1000] [MODEL=traps]
#
# MODEL: traps (Fig. 3's trap model, free -> trapped x free FRET), or two-state (issue
# 28's: bright/dark with dark -> bright by detailed balance at 20 K, bright -> dark x
# bright FRET: more warnings and results.json keys per point than the trap model).
#
# Targets, for both models: under 30 s, under 500 MB of memory (the peak resident set,
# /usr/bin/time's maximum RSS), under 100 MB on disk (docs/PERFORMANCE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/exciton-mc}"
n1="${2:-1000}"
model="${3:-traps}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$work/sweep.json" "$n1" "$model" <<'PY'
import json, sys
n1, model = int(sys.argv[2]), sys.argv[3]
if model == "traps":
    s = json.load(open("scenarios/fig3-traps.json"))
    axes = {"states.free.to.trapped": [i * 1e-5 for i in range(n1)],
            "states.free.fret": [0.05 + 0.001 * i for i in range(100)]}
elif model == "two-state":
    s = {"dt_ps": 25.0, "walkers": 1000000, "seed": 1, "units": "probability_per_frame",
         "lattice": {"geometry": "paper", "pitch_nm": 7.0}, "temperature_K": 20,
         "initial": {"sigma_sites": 10.0, "populations": {"bright": 0.5, "dark": 0.5}},
         "states": {"bright": {"radiative": 0.03, "fret": 0.09, "to": {"dark": 0.15}},
                    "dark": {"radiative": 0.0003, "to": {"bright": {
                        "detailed_balance": {"splitting_meV": 15}}}}}}
    axes = {"states.bright.to.dark": [0.05 + 1e-4 * i for i in range(n1)],
            "states.bright.fret": [0.05 + 0.001 * i for i in range(100)]}
else:
    sys.exit(f"large-sweep.sh: unknown model {model!r} (traps or two-state)")
s["name"], s["frames"] = "large-sweep", 20
s["sweep"] = {"mode": "product", "parameters": axes}
json.dump(s, open(sys.argv[1], "w"))
PY
/usr/bin/time -f "%e %M" -o "$work/time" "$bin" run "$work/sweep.json" --backend exact \
    --quiet --out "$work/out" >/dev/null
read -r wall rss_kb <"$work/time"
disk_kb="$(du -sk "$work/out" | cut -f1)"
files="$(find "$work/out" -type f | wc -l)"
for f in "$work"/out/*; do echo "  $(basename "$f") $(du -k "$f" | cut -f1) KiB"; done
echo "model $model  points $((n1 * 100))  wall ${wall} s  peak memory $((rss_kb / 1024)) MiB  disk $((disk_kb / 1024)) MiB in ${files} files"
