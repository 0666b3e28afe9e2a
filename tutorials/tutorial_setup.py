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
    if not IN_NOTEBOOK:
        plt.close(fig)
    elif plt.fignum_exists(getattr(fig, "number", -1)):
        plt.show()  # a pyplot figure
    else:
        from IPython.display import display

        display(fig)  # a figure made without pyplot, e.g. by minidl.viz.draw_graph


def exercise_solution(name):
    """The module of exercise ``name`` that the tutorial runs, without showing its code.

    Your own file (``minidl_exercises/NAME.py`` under the working folder or the repository root)
    when it exists and passes ``python -m minidl.exercises check NAME``; minidl's reference
    solution otherwise. The tutorial says which one it used, so you can do the exercise first
    and then watch your code drive the cell.
    """
    from minidl.exercises import get_exercise
    from minidl.exercises.framework import load_module, run_check

    exercise = get_exercise(name)
    for folder in (Path.cwd(), Path(__file__).resolve().parent.parent):
        path = folder / "minidl_exercises" / f"{name}.py"
        if path.is_file():
            if all(result.passed for result in run_check(exercise, path)):
                print(f"[exercise {name}: using your solution {path}]")
                return load_module(path, name)
            print(f"[exercise {name}: {path} does not pass its checks yet "
                  f"(python -m minidl.exercises check {name}); using minidl's reference]")
            break
    else:
        print(f"[exercise {name}: using minidl's reference solution; write your own with "
              f"python -m minidl.exercises start {name}]")
    return load_module(exercise.solution_path, name)
