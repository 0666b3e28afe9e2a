"""Every exercise: the reference solution passes its checks, the generated stub fails them with
the message that says what to implement, and the command line works."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from minidl.exercises import EXERCISES, TRACK, run_check, stub_source, write_stub
from minidl.exercises.framework import BEGIN, END

REPO = Path(__file__).resolve().parents[2]
NAMES = list(EXERCISES)


@pytest.mark.parametrize("name", NAMES)
def test_solution_passes(name):
    exercise = EXERCISES[name]
    results = run_check(exercise, exercise.solution_path)
    failures = [f"{r.test}: {r.message}" for r in results if not r.passed]
    assert not failures, "\n".join(failures)
    assert len(results) >= 2


@pytest.mark.parametrize("name", NAMES)
def test_stub_fails_with_what_to_implement(name, tmp_path):
    exercise = EXERCISES[name]
    if exercise in TRACK:  # a learner at this step has done the earlier ones
        for step in TRACK[:TRACK.index(exercise)]:
            (tmp_path / f"{step.name}.py").write_text(step.solution_path.read_text())
    path = write_stub(exercise, tmp_path)
    results = run_check(exercise, path)
    assert results and not any(r.passed for r in results), [r.test for r in results if r.passed]
    first = results[0].message
    assert f"Exercise {name}: implement" in first, first
    assert f"tutorials/{exercise.tutorial}" in first and exercise.cell in first


@pytest.mark.parametrize("name", NAMES)
def test_stub_is_the_solution_without_its_regions(name):
    exercise = EXERCISES[name]
    stub = stub_source(exercise)
    assert "BEGIN SOLUTION" not in stub and "END SOLUTION" not in stub
    compile(stub, f"{name}.py", "exec")
    solution = exercise.solution_path.read_text().splitlines()
    regions = sum(bool(BEGIN.match(line)) for line in solution)
    assert regions == sum(bool(END.match(line)) for line in solution) >= 1
    assert stub.count("raise NotImplementedError(") >= regions


@pytest.mark.parametrize("name", NAMES)
def test_exercise_points_at_an_existing_tutorial_cell(name):
    exercise = EXERCISES[name]
    tutorial = REPO / "tutorials" / exercise.tutorial
    if not tutorial.exists():
        pytest.skip(f"tutorials/{exercise.tutorial} not written yet")
    heading = r"^#+ (.+)$" if tutorial.suffix == ".md" else r"^# #+ (.+)$"
    headings = re.findall(heading, tutorial.read_text(), flags=re.M)
    assert exercise.cell in headings, f"no cell titled {exercise.cell!r} in {exercise.tutorial}"


def test_start_refuses_to_overwrite(tmp_path):
    exercise = EXERCISES[NAMES[0]]
    write_stub(exercise, tmp_path)
    with pytest.raises(FileExistsError):
        write_stub(exercise, tmp_path)


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "minidl.exercises", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))


def test_cli_list(tmp_path):
    completed = _cli("list", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    for name in NAMES:
        assert name in completed.stdout


def test_cli_start_and_check(tmp_path):
    name = "numerical_gradient"
    started = _cli("start", name, cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    stub = tmp_path / "minidl_exercises" / f"{name}.py"
    assert stub.is_file()
    failing = _cli("check", name, cwd=tmp_path)
    assert failing.returncode == 1
    assert f"Exercise {name}: implement" in failing.stdout and "FAIL" in failing.stdout

    solved = _cli("check", name, "--file", str(EXERCISES[name].solution_path), cwd=tmp_path)
    assert solved.returncode == 0, solved.stdout
    assert "All" in solved.stdout and "passed" in solved.stdout


def test_cli_start_with_dir_and_wrong_answer(tmp_path):
    name = "numerical_gradient"
    assert _cli("start", name, "--dir", "work", cwd=tmp_path).returncode == 0
    path = tmp_path / "work" / f"{name}.py"
    # a plausible mistake: the one-sided difference
    source = EXERCISES[name].solution_path.read_text().replace(
        "grad[index] = (plus - minus) / (2 * eps)", "grad[index] = (plus - f(x)) / eps")
    path.write_text(source)
    completed = _cli("check", name, "--dir", "work", cwd=tmp_path)
    assert completed.returncode == 1
    assert "central difference" in completed.stdout  # the hint


def test_cli_unknown_exercise_and_missing_file(tmp_path):
    unknown = _cli("check", "no_such_exercise", cwd=tmp_path)
    assert unknown.returncode != 0 and "Known exercises" in unknown.stdout
    missing = _cli("check", NAMES[0], cwd=tmp_path)
    assert missing.returncode == 1 and "start" in missing.stdout


def test_every_exercise_named_in_the_docs_exists():
    """The package docstring and the tutorials' README name only exercises that exist."""
    import minidl.exercises

    texts = [minidl.exercises.__doc__, (REPO / "tutorials" / "README.md").read_text()]
    named = set()
    for text in texts:
        named |= set(re.findall(r"minidl\.exercises (?:start|check|show) ([a-z_0-9]+)", text))
    named.discard("NAME")
    assert named and named <= set(NAMES), named - set(NAMES)


def test_track_has_twelve_steps_each_building_on_the_earlier_ones():
    """Every later step imports the learner's earlier steps, or its check runs them (step 2's
    backward is checked on the learner's step-1 Values; step 4's Tensor with step 2's backward)."""
    assert len(TRACK) >= 12
    checks = REPO / "minidl" / "exercises" / "checks"
    for number, step in enumerate(TRACK[1:], start=2):
        source = step.solution_path.read_text()
        imported = set(re.findall(r"^from (track\d\d)_\w+ import", source, flags=re.M))
        imported |= set(re.findall(r'earlier_step\(mod, "(track\d\d)_\w+"\)',
                                   (checks / f"{step.name}.py").read_text()))
        assert imported, f"{step.name} builds on none of the learner's earlier steps"
        assert all(int(name[5:]) < number for name in imported), (step.name, imported)


def test_track_step_without_its_earlier_steps_says_how_to_continue(tmp_path):
    step = TRACK[4]
    path = write_stub(step, tmp_path)
    results = run_check(step, path)
    assert not any(r.passed for r in results)
    assert "--from-solution" in results[0].message and "track04_tensor" in results[0].message


def test_track_uses_the_learners_own_earlier_steps(tmp_path):
    """A later step runs the learner's code: a wrong earlier step shows up in its check."""
    for step in TRACK[:3]:
        (tmp_path / f"{step.name}.py").write_text(step.solution_path.read_text())
    value = tmp_path / "track01_value.py"
    value.write_text(value.read_text().replace("self.grad += out.grad\n", "self.grad = out.grad\n"))
    results = run_check(TRACK[2], tmp_path / "track03_scalar_mlp.py")
    assert not all(r.passed for r in results)
    reference = run_check(TRACK[2], TRACK[2].solution_path)
    assert all(r.passed for r in reference)


def test_cli_track_by_number_and_from_solution(tmp_path):
    started = _cli("start", "4", "--from-solution", cwd=tmp_path)
    assert started.returncode == 0, started.stdout + started.stderr
    folder = tmp_path / "minidl_exercises"
    for step in TRACK[:3]:
        assert (folder / f"{step.name}.py").read_text() == step.solution_path.read_text()
    assert "raise NotImplementedError" in (folder / "track04_tensor.py").read_text()
    failing = _cli("check", "4", cwd=tmp_path)
    assert failing.returncode == 1 and "Exercise track04_tensor: implement" in failing.stdout
    (folder / "track04_tensor.py").write_text(TRACK[3].solution_path.read_text())
    passing = _cli("check", "4", cwd=tmp_path)
    assert passing.returncode == 0, passing.stdout
    # a failing earlier step is kept aside and replaced by the reference
    (folder / "track02_backward.py").write_text(
        TRACK[1].solution_path.read_text().replace("node._backward()", "pass"))
    again = _cli("start", "5", "--from-solution", cwd=tmp_path)
    assert again.returncode == 0 and (folder / "track02_backward.yours.py").is_file()
    assert (folder / "track02_backward.py").read_text() == TRACK[1].solution_path.read_text()
