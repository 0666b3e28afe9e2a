"""Tests of the exercise atomic_save."""
import os
import tempfile

from ..framework import ExerciseFailure


class DiskFull(OSError):
    pass


def _failing_chunks():
    yield b"new data, part 1. "
    raise DiskFull("no space left on device (simulated)")


def test_writes_the_file(mod):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.bin")
        mod.atomic_write(path, [b"hello ", b"world"])
        with open(path, "rb") as f:
            content = f.read()
        if content != b"hello world":
            raise ExerciseFailure("the file holds b'hello world'", repr(content))
        if sorted(os.listdir(folder)) != ["model.bin"]:
            raise ExerciseFailure("only model.bin in the folder", str(os.listdir(folder)),
                                  "rename the temporary file over the target with os.replace")


def test_replaces_an_existing_file(mod):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.bin")
        mod.atomic_write(path, [b"version 1"])
        mod.atomic_write(path, [b"version 2"])
        with open(path, "rb") as f:
            if f.read() != b"version 2":
                raise ExerciseFailure("the second write replaces the first", "old content")


def test_failure_keeps_the_old_file(mod):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.bin")
        with open(path, "wb") as f:
            f.write(b"the old checkpoint")
        try:
            mod.atomic_write(path, _failing_chunks())
        except DiskFull:
            pass
        else:
            raise ExerciseFailure("the error from the failing write is raised again", "no error",
                                  "re-raise after cleaning up (a bare `raise`)")
        with open(path, "rb") as f:
            content = f.read()
        if content != b"the old checkpoint":
            raise ExerciseFailure("the old file untouched after a failed write", repr(content),
                                  "never open the target itself for writing: write a temporary "
                                  "file and rename it only when complete")


def test_failure_leaves_no_temporary_file(mod):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.bin")
        try:
            mod.atomic_write(path, _failing_chunks())
        except DiskFull:
            pass
        if os.listdir(folder):
            raise ExerciseFailure("an empty folder after a failed first write",
                                  str(os.listdir(folder)),
                                  "delete the temporary file in an except block before "
                                  "re-raising")


def test_temporary_file_in_the_same_folder(mod):
    seen = []
    real_replace = os.replace

    def spy(src, dst, *args, **kwargs):
        seen.append((os.path.dirname(os.path.abspath(src)), os.path.dirname(os.path.abspath(dst))))
        return real_replace(src, dst, *args, **kwargs)

    with tempfile.TemporaryDirectory() as folder:
        os.replace = spy
        try:
            mod.atomic_write(os.path.join(folder, "m.bin"), [b"x"])
        finally:
            os.replace = real_replace
    if not seen or seen[0][0] != seen[0][1]:
        raise ExerciseFailure("os.replace(temp, path) with temp in path's folder",
                              f"{seen or 'no os.replace call'}",
                              "a rename is atomic only within one file system: "
                              "tempfile.mkstemp(dir=folder)")


TESTS = [test_writes_the_file, test_replaces_an_existing_file, test_failure_keeps_the_old_file,
         test_failure_leaves_no_temporary_file, test_temporary_file_in_the_same_folder]
