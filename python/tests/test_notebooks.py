"""Every example notebook runs from top to bottom without an error."""
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The kernel runs in the examples folder: make a relative PYTHONPATH absolute first.
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(os.path.abspath(p) for p in paths))
    nb = nbformat.read(path, as_version=4)
    # The kernel is this interpreter (Debian's python3 with numpy, pandas, matplotlib).
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert not errors


def test_there_are_at_least_two_notebooks():
    assert len(list(EXAMPLES.glob("*.ipynb"))) >= 2
