"""Command line of the exercises; run ``python -m minidl.exercises --help``."""
import argparse
import sys
from pathlib import Path

from . import DEFAULT_FOLDER, EXERCISES, TRACK, get_exercise
from .framework import format_results, run_check, stub_source, write_stub


def _fill_earlier_steps(exercise, folder):
    """Write the reference solution of every earlier track step missing from ``folder`` or not
    passing its checks (a failing file of yours is kept as NAME.yours.py)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for step in TRACK[:TRACK.index(exercise)]:
        path = folder / f"{step.name}.py"
        if path.is_file():
            if all(result.passed for result in run_check(step, path)):
                continue
            kept = path.with_name(f"{step.name}.yours.py")
            path.replace(kept)
            print(f"{path} does not pass its checks yet: kept as {kept}")
        path.write_text(step.solution_path.read_text())
        print(f"Wrote the reference solution of {step.name} to {path}")


def _list(args):
    current = None
    for exercise in EXERCISES.values():
        if exercise.tutorial != current:
            current = exercise.tutorial
            print(f"\ntutorials/{current}"
                  + ("  (the track: build your own framework, step by step)"
                     if exercise in TRACK else ""))
        print(f"  {exercise.name:<24} {exercise.summary}")
    print("\nStart one with:  python -m minidl.exercises start NAME  (a track step also by "
          "number: start 1)")
    return 0


def _start(args):
    exercise = get_exercise(args.name)
    if args.from_solution:
        if exercise not in TRACK:
            print(f"--from-solution is for the track's steps; {exercise.name} stands alone "
                  f"(see it with: python -m minidl.exercises show {exercise.name} --solution)")
            return 1
        _fill_earlier_steps(exercise, args.dir)
    try:
        path = write_stub(exercise, args.dir, overwrite=args.force)
    except FileExistsError as error:
        print(error)
        return 1
    print(f"Wrote {path}\nOpen it, replace each `raise NotImplementedError(...)` with your code "
          f"({exercise.pointer}), then run:\n  python -m minidl.exercises check {exercise.name}"
          + (f" --dir {args.dir}" if Path(args.dir) != Path(DEFAULT_FOLDER) else ""))
    return 0


def _check(args):
    exercise = get_exercise(args.name)
    path = Path(args.file) if args.file else Path(args.dir) / f"{exercise.name}.py"
    if not path.is_file():
        print(f"No file {path}. Create it with:  python -m minidl.exercises start {exercise.name}")
        return 1
    results = run_check(exercise, path)
    print(format_results(exercise, path, results))
    return 0 if all(r.passed for r in results) else 1


def _show(args):
    exercise = get_exercise(args.name)
    print(exercise.solution_path.read_text() if args.solution else stub_source(exercise), end="")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m minidl.exercises",
        description="Exercises that go with the tutorials: start one, edit it, check it.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the exercises, by tutorial").set_defaults(run=_list)

    start = commands.add_parser("start", help="write the blank exercise for you to edit")
    start.add_argument("name")
    start.add_argument("--dir", default=DEFAULT_FOLDER, help=f"folder (default {DEFAULT_FOLDER})")
    start.add_argument("--force", action="store_true", help="overwrite an existing file")
    start.add_argument("--from-solution", action="store_true",
                       help="track steps: first write the reference solution of every earlier "
                            "step that is missing or failing (continue when stuck)")
    start.set_defaults(run=_start)

    check = commands.add_parser("check", help="run the exercise's tests against your file")
    check.add_argument("name")
    check.add_argument("--file", help="your file (default: DIR/NAME.py)")
    check.add_argument("--dir", default=DEFAULT_FOLDER, help=f"folder (default {DEFAULT_FOLDER})")
    check.set_defaults(run=_check)

    show = commands.add_parser("show", help="print the blank exercise (or --solution)")
    show.add_argument("name")
    show.add_argument("--solution", action="store_true", help="print the reference solution")
    show.set_defaults(run=_show)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyError as error:
        print(error.args[0])
        return 2


if __name__ == "__main__":
    sys.exit(main())
