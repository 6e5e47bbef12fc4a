"""Every example notebook runs from top to bottom without an error, from a copy in a temporary
folder: notebooks find their scenarios through plantwin.scenarios_dir(), not the repository."""
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_runs_from_a_copy_elsewhere(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The kernel runs in the temporary folder: make a relative PYTHONPATH absolute first.
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(os.path.abspath(p) for p in paths))
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    # The kernel is this interpreter (Debian's python3 with numpy, pandas, matplotlib).
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert not errors


def test_there_are_the_four_notebooks():
    names = {p.name for p in EXAMPLES.glob("*.ipynb")}
    assert {"automotive_whatif.ipynb", "buffer_sweep_heatmap.ipynb", "experiment_comparison.ipynb",
            "calibration.ipynb"} <= names


def test_no_notebook_reaches_into_the_repository():
    for path in EXAMPLES.glob("*.ipynb"):
        assert "../" not in path.read_text(), path.name
