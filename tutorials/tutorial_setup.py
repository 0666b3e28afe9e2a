"""What every tutorial sets up first: quick mode, the folder for its figures, and saving them.

A tutorial imports it with ``from tutorial_setup import OUT, QUICK, save_figure``; this file sits
beside the tutorials, so the import works both when a tutorial runs as a script (Python puts the
script's folder on the path) and when it opens as a notebook (the notebook's folder is the
working folder).

- ``QUICK``: true when ``MINIDL_QUICK=1``, the test suite's fast mode (tiny runs, same steps).
- ``OUT``: the folder given by ``MINIDL_OUT``, by default ``tutorials/outputs``; never the package.
"""
import os
import sys
from pathlib import Path

import matplotlib

IN_NOTEBOOK = "ipykernel" in sys.modules
if not IN_NOTEBOOK:
    matplotlib.use("Agg")  # run as a script: draw off-screen; in a notebook figures show inline
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

QUICK = os.environ.get("MINIDL_QUICK") == "1"
OUT = Path(os.environ.get("MINIDL_OUT", Path(__file__).resolve().parent / "outputs"))
OUT.mkdir(parents=True, exist_ok=True)


def save_figure(fig, name):
    """Save a figure into OUT; show it in a notebook, close it in a script."""
    fig.savefig(OUT / name, dpi=110, bbox_inches="tight")
    print(f"figure saved: {OUT / name}")
    if IN_NOTEBOOK:
        plt.show()
    else:
        plt.close(fig)
