#!/usr/bin/env bash
# Makes this example's stand-in for a measured stack: the paper's 5 nm superlattice at
# 9 K (bright FRET 0.09, bright -> dark 0.15 per 25 ps frame) through scenario.json's
# microscope (270 nm PSF, 40 nm pixels, 10^6 photons per frame, Poisson shot noise, seed
# 3), written by `exciton-mc stack` as a line scan of 120 frames. `exciton-mc analyze
# stack.tif --out analysis` then `exciton-mc fit fit.json` should find the two rates.
set -euo pipefail
cd "$(dirname "$0")"
bin="${1:-../../target/release/exciton-mc}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$bin" stack scenario.json --backend exact --quiet --out "$out" --force >/dev/null
cp "$out/stack-000.tif" stack.tif
