"""dl.load of crafted files (every one with a valid checksum) raises FileFormatError and runs
nothing; saves killed or interrupted midway leave no temporary files; saved files get the mode
open() would give them."""
import json
import os
import signal
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest

import minidl as dl
from minidl.io import _CRC, _PREFIX, FORMAT_VERSION, MAGIC, FileFormatError

LEAF = {"dtype": "float32", "shape": [2], "offset": 0, "nbytes": 8}
DATA = np.array([1.0, 2.0], dtype="<f4").tobytes()


def craft(header, data=b""):
    """A file whose prefix and checksum are valid, around any header (an object or raw bytes)."""
    header = header if isinstance(header, bytes) else json.dumps(header).encode()
    body = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header + data
    return body + _CRC.pack(zlib.crc32(body))


def root(node, data=b""):
    return craft({"data_nbytes": len(data), "root": node}, data)


CRAFTED = {
    "header not JSON": craft(b"{not json"),
    "header not UTF-8": craft(b'{"root": "\xff\xfe"}'),
    "header a list": craft([1, 2]),
    "header without root": craft({"data_nbytes": 0}),
    "data_nbytes a string": craft({"data_nbytes": "0", "root": None}),
    "data_nbytes negative": craft({"data_nbytes": -1, "root": None}),
    "bare list node": root([1, 2]),
    "NaN literal": root(float("nan")),
    "node with two kinds": root({"list": [], "tuple": []}),
    "dict node not a list": root({"dict": {"a": 1}}),
    "dict key a list": root({"dict": [[[1], 2]]}),
    "dict pair of three": root({"dict": [["a", 1, 2]]}),
    "list node not a list": root({"list": 5}),
    "float node of garbage": root({"float": "abc"}),
    "array leaf not a dict": root({"array": [1]}),
    "array without dtype": root({"array": {"shape": [2], "offset": 0, "nbytes": 8}}, DATA),
    "unknown dtype": root({"array": {**LEAF, "dtype": "float99"}}, DATA),
    "object dtype": root({"array": {**LEAF, "dtype": "object"}}, DATA),
    "negative dims": root({"array": {**LEAF, "shape": [-1, -2]}}, DATA),
    "too many dims": root({"array": {**LEAF, "shape": [1] * 100, "nbytes": 4}}, DATA),
    "bool offset": root({"array": {**LEAF, "offset": True}}, DATA),
    "offset past the data": root({"array": {**LEAF, "offset": 4}}, DATA),
    "int tensor requiring grad": root(
        {"tensor": {**LEAF, "dtype": "int32", "requires_grad": True}}, DATA),
    "tensor without requires_grad": root({"tensor": LEAF}, DATA),
    "unknown kind": root({"pickle": "cos\nsystem"}),
    "JSON nested too deeply": craft(b'{"data_nbytes": 0, "root": ' + b"[" * 100000
                                    + b"]" * 100000 + b"}"),
    "nodes nested too deeply": craft(b'{"data_nbytes": 0, "root": ' + b'{"list": [' * 3000
                                     + b"]}" * 3000 + b"}"),
}


@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_files_raise_file_format_error(tmp_path, name):
    path = tmp_path / "crafted.minidl"
    path.write_bytes(CRAFTED[name])
    with pytest.raises(FileFormatError, match="crafted.minidl"):
        dl.load(path)


def test_a_well_formed_crafted_file_loads(tmp_path):
    path = tmp_path / "ok.minidl"
    path.write_bytes(root({"dict": [["w", {"tensor": {**LEAF, "requires_grad": True}}]]}, DATA))
    loaded = dl.load(path)
    assert loaded["w"].requires_grad and loaded["w"].tolist() == [1.0, 2.0]


def test_saved_files_respect_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        dl.save({"x": dl.ones(2)}, tmp_path / "a.minidl")
        with open(tmp_path / "b", "w"):
            pass
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "a.minidl").st_mode & 0o777 == os.stat(tmp_path / "b").st_mode & 0o777
    assert os.stat(tmp_path / "a.minidl").st_mode & 0o777 == 0o640


def test_an_exception_during_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    def fail(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(KeyboardInterrupt):
        dl.save({"x": dl.ones(1000)}, tmp_path / "model.minidl")
    assert os.listdir(tmp_path) == []


SAVE_FOREVER = """
import sys
import numpy as np
import minidl as dl
state = {"w": np.random.default_rng(0).standard_normal(4_000_000).astype(np.float32)}
print("ready", flush=True)
while True:
    dl.save(state, sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_saves_killed_midway_leave_no_temporary_files_behind(tmp_path):
    """Kill a process that saves 16 MB in a loop, 8 times at random moments: the file is always
    the old or the new one, and the next save removes what the killed writers left."""
    target = tmp_path / "model.minidl"
    rng = np.random.default_rng(0)
    for _ in range(8):
        writer = subprocess.Popen([sys.executable, "-c", SAVE_FOREVER, str(target)],
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.3))
        writer.kill()
        writer.wait(timeout=60)
        writer.stdout.close()
        if target.exists():
            assert dl.load(target)["w"].shape == (4_000_000,)
    dl.save({"w": np.zeros(3)}, target)
    assert sorted(os.listdir(tmp_path)) == ["model.minidl"]
