"""Fixtures shared by the Python tests: the `exciton-mc` command they compare with."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The command: $EXCITON_MC_BIN (made absolute: some tests run in their own
    directory), else target/python or target/release, else built."""
    env = os.environ.get("EXCITON_MC_BIN")
    if env:
        return Path(env).absolute()
    for c in (ROOT / "target/python/release/exciton-mc", ROOT / "target/release/exciton-mc"):
        if c.exists():
            return c
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "exciton-mc"], cwd=ROOT, check=True)
    return ROOT / "target/release/exciton-mc"
