import os
import pathlib
import pickle
import struct
import zlib

import numpy as np
import pytest

import minidl as dl
from minidl import atomic_write, io
from minidl.io import FileFormatError, load, save

DTYPES = [np.float32, np.float64, np.int64, np.bool_]
SHAPES = [(), (0,), (3, 0), (5,), (2, 3)]


def _example(shape, dtype):
    return np.asarray(np.arange(int(np.prod(shape))).reshape(shape) % 3).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_arrays_and_tensors_round_trip(tmp_path, dtype, shape):
    array = _example(shape, dtype)
    path = tmp_path / "x.mdl"
    save({"array": array, "tensor": dl.tensor(array)}, path)
    loaded = load(path)
    assert type(loaded["array"]) is np.ndarray
    assert loaded["array"].dtype == dtype and loaded["array"].shape == shape
    np.testing.assert_array_equal(loaded["array"], array)
    t = loaded["tensor"]
    assert isinstance(t, dl.Tensor) and t.device == "cpu" and not t.requires_grad
    assert t.dtype == dtype and t.shape == shape
    np.testing.assert_array_equal(t.numpy(), array)


def test_nested_structure_round_trip(tmp_path):
    state = {
        "layers": [{"weight": dl.randn(2, 3), "bias": dl.zeros(2)}, {"scale": np.ones(4)}],
        "betas": (0.9, 0.999),
        "state": {0: {"step": 3}, 1: {}},  # integer keys, as in an optimizer's state_dict
        "name": "mlp",
        "flags": [True, False, None],
        "special": [float("nan"), float("inf"), -float("inf"), -0.0, 2**70],
        "numpy_scalars": [np.float32(1.5), np.int64(7), np.bool_(True)],
        "empty": [[], {}, ()],
    }
    save(state, tmp_path / "s.mdl")
    loaded = load(tmp_path / "s.mdl")
    assert list(loaded) == list(state)
    np.testing.assert_array_equal(loaded["layers"][0]["weight"].numpy(),
                                  state["layers"][0]["weight"].numpy())
    assert isinstance(loaded["layers"][0]["bias"], dl.Tensor)
    assert type(loaded["layers"][1]["scale"]) is np.ndarray
    assert loaded["betas"] == (0.9, 0.999) and isinstance(loaded["betas"], tuple)
    assert loaded["state"] == {0: {"step": 3}, 1: {}}
    assert loaded["name"] == "mlp" and loaded["flags"] == [True, False, None]
    nan, inf, neg_inf, neg_zero, big = loaded["special"]
    assert np.isnan(nan) and inf == float("inf") and neg_inf == -float("inf")
    assert neg_zero == 0.0 and np.copysign(1, neg_zero) == -1 and big == 2**70
    assert loaded["numpy_scalars"] == [1.5, 7, True]
    assert [type(v) for v in loaded["numpy_scalars"]] == [float, int, bool]
    assert loaded["empty"] == [[], {}, ()]


def test_tensor_keeps_requires_grad_and_loads_independent_copies(tmp_path):
    w = dl.randn(3, requires_grad=True)
    save([w, w], tmp_path / "w.mdl")
    a, b = load(tmp_path / "w.mdl")
    assert a.requires_grad and a.is_leaf
    a._data[0] = 100.0
    assert b.numpy()[0] != 100.0


def test_non_native_byte_order_and_non_contiguous_arrays(tmp_path):
    big_endian = np.arange(6, dtype=">i4").reshape(2, 3).T
    save(big_endian, tmp_path / "a.mdl")
    loaded = load(tmp_path / "a.mdl")
    np.testing.assert_array_equal(loaded, big_endian)
    assert loaded.dtype == np.int32 and loaded.flags.writeable


def test_file_layout_matches_the_documented_format(tmp_path):
    save({"x": np.array([1.0, 2.0], dtype="<f4")}, tmp_path / "f.mdl")
    data = (tmp_path / "f.mdl").read_bytes()
    magic, version, header_nbytes = struct.unpack_from("<8sIQ", data)
    assert magic == b"\x89MINIDL\n" and version == 1
    header = data[20:20 + header_nbytes]
    assert b'"dtype": "float32"' in header and b'"data_nbytes": 8' in header
    assert data[20 + header_nbytes:-4] == np.array([1.0, 2.0], dtype="<f4").tobytes()
    assert struct.unpack("<I", data[-4:])[0] == zlib.crc32(data[:-4])


class _TouchOnUnpickle:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (pathlib.Path(self.marker),)


def test_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"w": _TouchOnUnpickle(str(marker))}))
    with pytest.raises(FileFormatError, match="not a minidl file") as info:
        load(path)
    assert str(path) in str(info.value) and r"b'\x80" in str(info.value)
    assert "pickle" in str(info.value)
    assert not marker.exists()


def test_other_files_are_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(FileFormatError, match="starts with b'hello'"):
        load(path)


@pytest.mark.parametrize("keep", [0, 5, 15, 30, -5, -1])
def test_truncated_file(tmp_path, keep):
    path = tmp_path / "t.mdl"
    save({"w": np.arange(10.0)}, path)
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(FileFormatError, match="truncated"):
        load(path)


def test_corrupted_byte_fails_the_checksum(tmp_path):
    path = tmp_path / "c.mdl"
    save({"w": np.arange(10.0)}, path)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01  # one bit inside the array data
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="checksum mismatch; the file is corrupted"):
        load(path)


def test_unsupported_version(tmp_path):
    path = tmp_path / "v.mdl"
    save({}, path)
    data = bytearray(path.read_bytes())
    data[8:12] = struct.pack("<I", 99)
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="unsupported minidl format version 99"):
        load(path)


def test_unsupported_object_names_its_key_path(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['layers'\]\[2\]\['act'\].*set"):
        save({"layers": [1, 2, {"act": {1, 2}}]}, tmp_path / "u.mdl")
    with pytest.raises(TypeError, match=r"obj\[1\].*dtype <U1"):
        save([0, np.array(["a"])], tmp_path / "u.mdl")
    with pytest.raises(TypeError, match="key 1.5"):
        save({1.5: 0}, tmp_path / "u.mdl")


def test_self_containing_structure_is_refused(tmp_path):
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match=r"obj\[0\]\[0\] refers back to obj\[0\]"):
        save([loop], tmp_path / "l.mdl")


def _assert_old_file_intact(folder, path, old):
    assert path.read_bytes() == old
    assert sorted(os.listdir(folder)) == [path.name]  # no temporary file left behind


def test_failed_save_of_bad_object_leaves_old_file(tmp_path):
    path = tmp_path / "ckpt.mdl"
    save({"w": np.ones(3)}, path)
    old = path.read_bytes()
    with pytest.raises(TypeError):
        save({"w": np.zeros(3), "deep": [[{"x": object()}]]}, path)
    _assert_old_file_intact(tmp_path, path, old)
    assert load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_crash_midway_through_writing_leaves_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mdl"
    save({"w": np.ones(3)}, path)
    old = path.read_bytes()
    real_crc32 = zlib.crc32
    calls = []

    def crash_on_second_chunk(data, value=0):
        calls.append(1)  # the CRC is updated right after each chunk is written
        if len(calls) == 2:
            raise OSError("disk full")
        return real_crc32(data, value)

    monkeypatch.setattr(io.zlib, "crc32", crash_on_second_chunk)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.zeros(3), "v": np.zeros(5)}, path)
    monkeypatch.undo()
    _assert_old_file_intact(tmp_path, path, old)


def test_failed_fsync_leaves_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mdl"
    save({"w": np.ones(3)}, path)
    old = path.read_bytes()

    def failing_fsync(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(atomic_write.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="I/O error"):
        save({"w": np.zeros(3)}, path)
    monkeypatch.undo()
    _assert_old_file_intact(tmp_path, path, old)


def test_save_accepts_str_paths_and_overwrites(tmp_path):
    path = str(tmp_path / "p.mdl")
    save([1], path)
    save([2], path)
    assert load(path) == [2]
