"""``curves.parquet`` as one pandas DataFrame, with the columns the file leaves out put
back: for a large sweep, the way in (``Results.to_pandas`` builds a frame per point)."""

from __future__ import annotations

import json
import os
from typing import Any, List, Union

# The file's own metadata holds what it leaves out (results.json's curves.derived), so
# the curves are read without parsing a large sweep's results.json.
_DERIVED_KEY = b"exciton_mc.derived"


def _rebuilt(df: Any, source: Any, rule: str, where: str) -> Any:
    # The rules as the run computes the columns (so the values agree bit for bit): nm^2 is
    # sites^2 x (a x a); cm^2/s is sites^2/ps x a x a x 0.01, in that order.
    pitch = df["pitch_nm"]
    if rule == "copy":
        return source.copy()
    if rule == "times_pitch_nm2":
        return source * (pitch * pitch)
    if rule == "sites2_ps_to_cm2_s":
        return source * pitch * pitch * 1e-2
    raise ValueError(f"{where}: unknown rule {rule!r} (a newer exciton-mc wrote it?)")


def read_curves(path: Union[str, "os.PathLike[str]"], frame_columns: List[str]) -> Any:
    """See :func:`exciton_mc.read_curves`."""
    try:
        import pandas as pd
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "read_curves needs pandas and pyarrow: pip install pandas pyarrow"
        ) from None
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "curves.parquet")
    elif path.endswith(".json"):
        path = os.path.join(os.path.dirname(path), "curves.parquet")
    metadata = pq.read_metadata(path).metadata or {}
    derived = json.loads(metadata.get(_DERIVED_KEY, b"{}"))
    df = pd.read_parquet(path)
    # In the order they are rebuilt: a multiple of a copy reads the copy.
    for name, d in derived.items():
        where = f"{path}: {_DERIVED_KEY.decode()}.{name}"
        df[name] = _rebuilt(df, df[d["from"]], d["rule"], where)
    # point-NNN.csv's order: the point and its swept values, the frame, its curves, the
    # rest (apparent MSD, per state).
    lead = list(df.columns[: list(df.columns).index("frame") + 1])
    body = [c for c in frame_columns if c in df.columns and c not in lead]
    rest = [c for c in df.columns if c not in lead and c not in body]
    return df[lead + body + rest]
