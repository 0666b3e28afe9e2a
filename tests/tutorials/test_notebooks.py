"""A tutorial opens and runs as a notebook: jupytext converts the percent-format script, nbclient
executes it in a fresh kernel (quick mode), with ``tutorials/`` as the working folder."""
import os
import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

TUTORIALS = Path(__file__).resolve().parents[2] / "tutorials"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["01_tensors_and_autograd.py"])
def test_tutorial_runs_as_a_notebook(name, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIDL_QUICK", "1")
    monkeypatch.setenv("MINIDL_OUT", str(tmp_path))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    notebook = jupytext.read(TUTORIALS / name)  # the same conversion as `jupytext --to ipynb`
    assert sum(cell.cell_type == "markdown" for cell in notebook.cells) >= 5
    # the kernel runs this interpreter, the one minidl is installed in
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(TUTORIALS)}})
    # the kernelspec starts `python`: put this interpreter's folder (the venv's) first on PATH
    client.execute(env=dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}"))
    outputs = "".join(output.get("text", "") for cell in notebook.cells
                      if cell.cell_type == "code" for output in cell.get("outputs", []))
    assert "RESULT {" in outputs
    images = sum("image/png" in output.get("data", {}) for cell in notebook.cells
                 if cell.cell_type == "code" for output in cell.get("outputs", []))
    assert images >= 3, "a notebook shows its figures inline"
    assert (tmp_path / "01_computation_graph.png").is_file()
