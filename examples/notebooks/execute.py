"""Executes every notebook here, as CI does (`.ci/run`), so that none of them rots.

    python examples/notebooks/execute.py [--save]

Needs the `exciton_mc` package and nbclient, ipykernel, matplotlib and pandas in the
same Python. A cell that raises fails the run, naming the notebook and the cell.
`--save` writes each executed notebook, its outputs and figures included, beside it as
`NAME.executed.ipynb` (not kept in git).
"""

import sys
from pathlib import Path

import nbclient
import nbformat

here = Path(__file__).resolve().parent
save = "--save" in sys.argv[1:]
notebooks = sorted(p for p in here.glob("*.ipynb") if not p.name.endswith(".executed.ipynb"))
if not notebooks:
    sys.exit(f"no notebooks in {here}")
for path in notebooks:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(here)}}
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        sys.exit(f"{path}: a cell failed:\n{e}")
    if save:
        nbformat.write(nb, path.with_suffix(".executed.ipynb"))
    print(f"{path.name}: ran {len(nb.cells)} cells")
