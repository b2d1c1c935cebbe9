#!/usr/bin/env bash
# The 100,000-point exact sweep of issue 15 (Fig. 3's trap model, 1000 trap
# probabilities x 100 FRET probabilities, 20 frames): wall time, peak memory and disk of
# `exciton-mc run`, the whole command as a user runs it (outputs included).
#
#   benches/large-sweep.sh [EXCITON_MC_BINARY] [POINTS_PER_AXIS_1=1000]
#
# Targets: under 30 s, under 500 MB of memory, under 100 MB on disk (docs/PERFORMANCE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/exciton-mc}"
n1="${2:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$work/sweep.json" "$n1" <<'PY'
import json, sys
s = json.load(open("scenarios/fig3-traps.json"))
s["name"], s["frames"] = "large-sweep", 20
s["sweep"] = {"mode": "product", "parameters": {
    "states.free.to.trapped": [i * 1e-5 for i in range(int(sys.argv[2]))],
    "states.free.fret": [0.05 + 0.001 * i for i in range(100)]}}
json.dump(s, open(sys.argv[1], "w"))
PY
/usr/bin/time -f "%e %M" -o "$work/time" "$bin" run "$work/sweep.json" --backend exact \
    --quiet --out "$work/out" >/dev/null
read -r wall rss_kb <"$work/time"
disk_kb="$(du -sk "$work/out" | cut -f1)"
files="$(find "$work/out" -type f | wc -l)"
echo "points $((n1 * 100))  wall ${wall} s  peak memory $((rss_kb / 1024)) MiB  disk $((disk_kb / 1024)) MiB in ${files} files"
