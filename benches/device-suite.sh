#!/usr/bin/env bash
# Every workload that matters on a GPU, in one call: a lent GPU machine is there for
# minutes, so what it measures must be prepared and run at once (README "Speed",
# docs/PERFORMANCE.md). From a prebuilt binary, no toolchain, no network; writes one JSON
# (`suite.json`, every bench row) and the bench tables (`suite.md`) for docs/PERFORMANCE.md.
#
#   benches/device-suite.sh [--tiny] [--bin PATH] [--out DIR] [--backend B] [--then CMD]
#
# --tiny     a few thousand walkers per workload: checks the script and the binary (CI
#            runs it on the software Vulkan device), measures nothing
# --bin      the binary (default: .gpu/exciton-mc, else target/release/exciton-mc)
# --out      where suite.json and suite.md go (default: $OUT on the device machine, else
#            ./device-suite; not kept in git)
# --backend  the bench backend (default gpu; cpu to compare on the same machine)
# --then     one more command, run after the suite in the same call (a peer's benchmark);
#            its output goes to then.txt
#
# Workloads: the paper's per-frame case at 2^20, 2^24 and 2^26 walkers; continuous time
# (scenarios/bench-rates-1.json and -2.json, each also with one outcome per frame from
# the same rates, and the ratio: `bench --workload rates`); the landscape (with its film
# without the landscape, and the ratio: `--workload landscape`), its 3D film and its size
# spread (scenarios/bench-landscape.json, bench-3d.json, bench-size-spread.json); the
# 256-point temperature x trap sweep in shared dispatches and one point with as many
# walkers. The master equation has no GPU path and is not here. About 2 minutes on an
# H100-class GPU; a workload that fails is reported and the rest still run (exit 1).
set -uo pipefail
here="$PWD"

tiny=0
bin=""
out="${OUT:-device-suite}"
backend="gpu"
then_cmd=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tiny) tiny=1 ;;
    --bin) bin="$2"; shift ;;
    --out) out="$2"; shift ;;
    --backend) backend="$2"; shift ;;
    --then) then_cmd="$2"; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "device-suite.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
# Paths given are the caller's; the workloads' scenarios are the repository's.
abs() { case "$1" in /*) echo "$1" ;; *) echo "$here/$1" ;; esac; }
[ -n "$bin" ] && bin="$(abs "$bin")"
out="$(abs "$out")"
cd "$(dirname "$0")/.."
if [ -z "$bin" ]; then
  if [ -x .gpu/exciton-mc ]; then bin=.gpu/exciton-mc; else bin=target/release/exciton-mc; fi
fi
if [ ! -x "$bin" ]; then
  echo "device-suite.sh: no binary at $bin: build it (cargo build --release) or pass --bin" >&2
  exit 2
fi
mkdir -p "$out"

if [ "$tiny" = 1 ]; then
  paper_walkers="4096,16384"; walkers=8192; sweep_walkers=256; repeats=1
else
  paper_walkers="1048576,16777216,67108864"; walkers=16777216; sweep_walkers=1048576; repeats=3
fi

rows=()
failed=0
: >"$out/suite.md"
# One bench call: its table to suite.md (and the terminal), its rows to suite.json.
bench() { # label, bench arguments...
  local label="$1"; shift
  local json="$out/.$label.json"
  echo "== $label" | tee -a "$out/suite.md"
  if "$bin" bench --backend "$backend" --repeats "$repeats" --out "$json" "$@" 2>&1 |
    tee -a "$out/suite.md"; then
    rows+=("$(cat "$json")")
  else
    echo "device-suite.sh: workload $label failed" | tee -a "$out/suite.md" >&2
    failed=1
  fi
  rm -f "$json"
}

start=$SECONDS
"$bin" devices 2>&1 | tee "$out/devices.txt"
bench paper --workload paper --walkers "$paper_walkers"
bench rates --workload rates --walkers "$walkers"
bench landscape --workload landscape --walkers "$walkers"
bench landscape-3d --scenario scenarios/bench-3d.json --walkers "$walkers"
bench size-spread --scenario scenarios/bench-size-spread.json --walkers "$walkers"
bench sweep --workload sweep --workload single --sweep-walkers "$sweep_walkers"

# suite.json: the device, the date, and every bench row, as the bench wrote them.
{
  printf '{"date": "%s", "tiny": %s, "backend": "%s", "binary": "%s", "seconds": %s, "workloads": [' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$([ $tiny = 1 ] && echo true || echo false)" \
    "$backend" "${bin//\"/\\\"}" "$((SECONDS - start))"
  sep=""
  for r in "${rows[@]}"; do printf '%s%s' "$sep" "$r"; sep=", "; done
  printf ']}\n'
} >"$out/suite.json"
echo "suite: $((SECONDS - start)) s; $out/suite.json, $out/suite.md"

if [ -n "$then_cmd" ]; then
  bash -c "$then_cmd" >"$out/then.txt" 2>&1 || failed=1
  echo "then: $out/then.txt"
fi
exit "$failed"
