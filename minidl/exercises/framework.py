"""The machinery behind ``python -m minidl.exercises``: stubs from solutions, and checks.

Single source: every exercise has one solution file, ``solutions/NAME.py``, in which each part
the learner writes sits between two marker lines::

    def sigmoid_backward(y, gy):
        \"\"\"...\"\"\"
        # BEGIN SOLUTION
        return gy * y * (1 - y)
        # END SOLUTION

``stub_source`` replaces each such region by one ``raise NotImplementedError(...)`` at the
indentation of its ``BEGIN`` line; the message names the exercise, what to implement and the
tutorial cell that explains it. ``# BEGIN SOLUTION what to implement`` overrides the "what".

A check is a list of small test functions (``checks/NAME.py``, in order); each takes the
learner's module and raises ``ExerciseFailure`` (or AssertionError) with the test's name, what
was expected, what came back and a hint. ``run_check`` runs them all and reports in plain words.
"""
import importlib
import importlib.util
import re
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PACKAGE_DIR = Path(__file__).resolve().parent
SOLUTIONS_DIR = PACKAGE_DIR / "solutions"
BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?P<what>.*)$")
END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")


@dataclass(frozen=True)
class Exercise:
    name: str
    tutorial: str  # a file name in tutorials/
    cell: str  # the title of the cell that explains it
    summary: str  # one line: what the learner implements

    @property
    def solution_path(self):
        return SOLUTIONS_DIR / f"{self.name}.py"

    @property
    def pointer(self):
        return f"see tutorials/{self.tutorial}, cell '{self.cell}'"


class ExerciseFailure(AssertionError):
    """A check that failed, with what was expected, what came back, and a hint."""

    def __init__(self, expected, got=None, hint=None):
        self.expected, self.got, self.hint = expected, got, hint
        super().__init__(expected)


# ---- stubs ----------------------------------------------------------------------------------
def stub_source(exercise):
    """The blank exercise: the solution file with every solution region replaced by a raise."""
    lines = exercise.solution_path.read_text().splitlines(keepends=True)
    out, inside, begin_line = [], False, None
    for number, line in enumerate(lines, start=1):
        begin = BEGIN.match(line.rstrip("\n"))
        if begin:
            if inside:
                raise ValueError(f"{exercise.solution_path}:{number}: BEGIN SOLUTION inside a region")
            inside, begin_line = True, number
            what = begin["what"].strip() or exercise.summary
            message = f"Exercise {exercise.name}: implement {what} — {exercise.pointer}"
            out.append(f"{begin['indent']}raise NotImplementedError({message!r})\n")
        elif END.match(line.rstrip("\n")):
            if not inside:
                raise ValueError(f"{exercise.solution_path}:{number}: END SOLUTION without BEGIN")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{exercise.solution_path}:{begin_line}: BEGIN SOLUTION never ends")
    if begin_line is None:
        raise ValueError(f"{exercise.solution_path}: no BEGIN SOLUTION region")
    return "".join(out)


def write_stub(exercise, folder, overwrite=False):
    """Write the blank exercise to ``folder/NAME.py``; never overwrite work unless asked."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{exercise.name}.py"
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists (your work is kept; pass --force to "
                              "start over)")
    path.write_text(stub_source(exercise))
    return path


# ---- checks ---------------------------------------------------------------------------------
_LEARNER_FILES = set()  # files load_module imported: errors raised there are the learner's
_LEARNER_FOLDERS = set()  # their folders, outside minidl (a track step imports its neighbours)


def load_module(path, name):
    """Import the Python file at ``path`` as a fresh module (never cached between checks)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    _LEARNER_FILES.add(path.resolve())
    if PACKAGE_DIR not in path.resolve().parents:
        _LEARNER_FOLDERS.add(path.resolve().parent)
    module_name = f"_minidl_exercise_{name}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
    # A track step imports the earlier steps from its own folder (``from track01_value import
    # Value``): the learner's files for the learner's step, the reference ones for the reference.
    _forget_track_modules()
    sys.path.insert(0, str(path.resolve().parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(module_name, None)
        sys.path.remove(str(path.resolve().parent))
    return module


TRACK_MODULE = re.compile(r"^track\d\d_\w+$")


def _forget_track_modules():
    """Drop imported track steps, so that the next import reads the files of the right folder."""
    for name in [name for name in sys.modules if TRACK_MODULE.match(name)]:
        module = sys.modules.pop(name)
        if getattr(module, "__file__", None):
            path = Path(module.__file__).resolve()
            if PACKAGE_DIR not in path.parents:
                _LEARNER_FILES.add(path)


def earlier_step(module, name):
    """The track step ``name`` from the same folder as ``module`` (the learner's own, when
    ``module`` is the learner's file), for a check that needs an earlier step's code."""
    folder = str(Path(module.__file__).resolve().parent)
    cached = sys.modules.get(name)
    if cached is not None and str(Path(cached.__file__).resolve().parent) == folder:
        return cached
    _forget_track_modules()
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and TRACK_MODULE.match(error.name):
            raise ExerciseFailure(
                f"your earlier step {error.name}.py in {folder}", "no such file",
                "do the earlier steps first, or continue from their reference solutions with "
                "python -m minidl.exercises start STEP --from-solution") from None
        raise
    finally:
        sys.path.remove(folder)


def check_functions(exercise):
    """The test functions of an exercise, in the order they are written."""
    checks = importlib.import_module(f"minidl.exercises.checks.{exercise.name}")
    return list(checks.TESTS)


@dataclass
class Result:
    test: str
    passed: bool
    message: str = ""


def _describe(error, test_name):
    """Plain words for an exception raised by a test."""
    if isinstance(error, NotImplementedError):
        return f"not implemented yet: {error}"
    if isinstance(error, ExerciseFailure):
        lines = [f"expected: {error.expected}"]
        if error.got is not None:
            lines.append(f"got:      {error.got}")
        if error.hint:
            lines.append(f"hint:     {error.hint}")
        return "\n".join(lines)
    if isinstance(error, AssertionError):
        return f"expected: {error}" if str(error) else "an assertion failed"
    # Any other exception: show the learner's line if it came out of their code.
    frames = traceback.extract_tb(error.__traceback__)
    learner = [f for f in frames if _is_learner_file(f.filename)]
    if learner:
        where = learner[-1]
        return (f"your code raised {type(error).__name__}: {error}\n"
                f"at:       {where.filename}, line {where.lineno}: {where.line}")
    # It came out of minidl or NumPy, working on something the learner's code returned (a
    # wrongly shaped gradient, a list instead of an array): say so, not "your code raised".
    return (f"minidl raised {type(error).__name__} while using what your code returned: {error}\n"
            f"hint:     the error is not on a line you wrote; check the shapes and types your "
            f"functions return (print them, or compare with the docstring)")


def _is_learner_file(filename):
    """True for a file check loaded as the learner's, or another file in the learner's folder."""
    path = Path(filename).resolve()
    return path in _LEARNER_FILES or (path.parent in _LEARNER_FOLDERS and path.suffix == ".py")


def run_check(exercise, path):
    """Run every test of ``exercise`` against the file at ``path``; a list of Results."""
    try:
        module = load_module(path, exercise.name)
    except NotImplementedError as error:
        return [Result("import", False, f"not implemented yet: {error}")]
    except ModuleNotFoundError as error:
        if error.name and TRACK_MODULE.match(error.name):
            return [Result("import", False, (
                f"this step builds on your earlier step {error.name}.py, which is not in "
                f"{Path(path).parent}: do that step first, or continue from the reference "
                f"solution of every earlier step with  python -m minidl.exercises start "
                f"{exercise.name} --from-solution"))]
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return [Result("import", False, f"your file could not be imported:\n{detail}")]
    except Exception as error:  # a syntax error or a failing import in the learner's file
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return [Result("import", False, f"your file could not be imported:\n{detail}")]
    results = []
    for test in check_functions(exercise):
        name = test.__name__.removeprefix("test_").replace("_", " ")
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                # a blank Numba stub has nothing to parallelise; say so once, not as a warning
                warnings.filterwarnings("ignore", message="(?s).*parallel=True")
                test(module)
        except Exception as error:
            results.append(Result(name, False, _describe(error, name)))
        else:
            results.append(Result(name, True))
    return results


def format_results(exercise, path, results):
    """The report ``check`` prints: one line per test, details under each failure."""
    lines = [f"Checking exercise {exercise.name} ({path})"]
    previous = None
    for result in results:
        lines.append(f"  {'PASS' if result.passed else 'FAIL'}  {result.test}")
        if not result.passed:
            same = result.message == previous
            message = "(the same as above)" if same else result.message
            lines += ["        " + line for line in message.splitlines()]
            previous = result.message
    passed = sum(r.passed for r in results)
    if passed == len(results):
        lines.append(f"All {passed} tests passed. Well done!")
    else:
        lines.append(f"{passed} of {len(results)} tests passed. Read the first failure above, "
                     f"then {exercise.pointer}.")
    return "\n".join(lines)


# ---- helpers for writing tests ----------------------------------------------------------------
def short(array, limit=6):
    """A short printable form of an array or number for failure messages."""
    if isinstance(array, (int, float, np.floating, np.integer)):
        return f"{float(array):.6g}"
    if array is None:
        return "None"
    array = np.asarray(array)
    flat = array.ravel()
    shown = np.array2string(flat[:limit], precision=5, separator=", ")
    more = ", ..." if flat.size > limit else ""
    return f"shape {array.shape}, values {shown[:-1]}{more}]"


def expect_gradients(result, inputs, names, function):
    """Check that ``function`` returned one array per input, each shaped like its input.

    Run this on what a learner's backward returns before the engine uses it, so that a wrong
    shape is reported as the learner's mistake, not as an error deep inside minidl.
    """
    if not isinstance(result, (tuple, list)) or len(result) != len(inputs):
        raise ExerciseFailure(f"{function} returns a tuple of {len(inputs)} gradients "
                              f"({', '.join(names)})", repr(result)[:100])
    for gradient, array, name in zip(result, inputs, names):
        if gradient is None or np.shape(gradient) != np.shape(array):
            got = "None" if gradient is None else f"shape {np.shape(gradient)}"
            raise ExerciseFailure(
                f"{name} with shape {np.shape(array)}, the shape of the input it belongs to",
                f"{got} from {function}",
                "a gradient always has its input's shape: check which axes your products sum "
                "over and whether a transpose is missing")
    return tuple(result)


def expect_close(got, expected, what, hint=None, atol=1e-6, rtol=1e-5):
    """Raise ExerciseFailure unless ``got`` has ``expected``'s shape and values."""
    if got is None:
        raise ExerciseFailure(f"{what}: {short(expected)}", "None (did you forget to return?)",
                              hint)
    got_array = np.asarray(got.numpy() if hasattr(got, "numpy") else got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got_array.shape != expected.shape:
        raise ExerciseFailure(f"{what} with shape {expected.shape}",
                              f"shape {got_array.shape}", hint)
    if not np.allclose(got_array, expected, atol=atol, rtol=rtol, equal_nan=True):
        bad = np.argwhere(~np.isclose(got_array, expected, atol=atol, rtol=rtol, equal_nan=True))
        index = tuple(int(i) for i in bad[0])
        raise ExerciseFailure(
            f"{what}: {short(expected)}",
            f"{short(got_array)} ({len(bad)} of {expected.size} elements differ; first at index "
            f"{index}: {got_array[index]:.6g} instead of {expected[index]:.6g})",
            hint,
        )
