"""``save`` and ``load``: a small binary format that stores arrays and never runs code on load.

Why not pickle? Unpickling can run arbitrary code, so loading someone else's checkpoint would
be as dangerous as running their script. This format holds only data: a JSON description of
the structure plus raw array bytes.

File layout (format version 1; all integers little-endian)::

    offset  size  content
    0       8     magic bytes b"\\x89MINIDL\\n"  (the high first byte and the newline catch
                  files mangled by text-mode transfers)
    8       4     format version, uint32 (currently 1)
    12      8     header length H in bytes, uint64
    20      H     header: UTF-8 JSON object {"data_nbytes": D, "root": NODE}
    20+H    D     data section: every array's bytes, one after another, C order, little-endian
    20+H+D  4     CRC-32 (zlib.crc32) of all the bytes before it, uint32

A NODE is a JSON ``null``, ``true``/``false``, integer, finite float or string standing for
itself, or a JSON object with exactly one key that says what it holds:

    {"dict": [[key, NODE], ...]}     keys are strings or integers; order is kept
    {"list": [NODE, ...]}
    {"tuple": [NODE, ...]}
    {"float": "nan" | "inf" | "-inf"}
    {"array": LEAF} or {"tensor": LEAF}, where LEAF is
        {"dtype": "float32", "shape": [2, 3], "offset": 0, "nbytes": 24}
    (offset counts from the start of the data section; a tensor LEAF also has
    "requires_grad": true/false).

Loading returns the same structure: Tensors come back as Tensors on "cpu" with the same
dtype and ``requires_grad`` (CUDA tensors are copied to the host when saved), NumPy arrays as
NumPy arrays, NumPy scalars as Python numbers, tuples as tuples. An object that appears twice
is saved twice and loads as two independent copies.

Writes are atomic (minidl/atomic_write.py): the file is written to a temporary file in the same
folder, fsync'ed, then renamed over ``path``; a failure at any point leaves any previous file at
``path`` untouched, and no temporary file behind.

Errors: ``save`` raises TypeError for an object it cannot store, naming where it sits (e.g.
``obj['layers'][2]``); ``load`` raises FileFormatError (a ValueError) for a file that is not
in this format, is truncated, fails its checksum, has an unsupported version, or whose header
(even with a valid checksum) does not describe a structure of the grammar above.
"""
import json
import math
import struct
import zlib

import numpy as np

from .atomic_write import write_atomically
from .tensor import Tensor

MAGIC = b"\x89MINIDL\n"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIQ")  # magic, version, header length
_CRC = struct.Struct("<I")
_ARRAY_KINDS = "biufc"  # bool, signed and unsigned int, float, complex: plain numbers only
_MAX_DIMS = 32  # NumPy 1 arrays have at most 32 axes (NumPy 2: 64)


class FileFormatError(ValueError):
    """A file that ``load`` cannot read: not minidl's format, damaged, or too new."""


# ---- save -----------------------------------------------------------------------------------
def save(obj, path):
    """Save ``obj`` (nested dicts, lists, tuples, Tensors, NumPy arrays, numbers, strings, None)
    to ``path`` atomically, in the format described in this module's docstring."""
    arrays = []
    root = _encode(obj, "obj", arrays, on_path={})
    offset = 0
    for leaf, array in arrays:
        leaf["offset"], offset = offset, offset + array.nbytes
    header = json.dumps({"data_nbytes": offset, "root": root}, allow_nan=False).encode()
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header
    write_atomically(path, _with_checksum([prefix] + [array for _, array in arrays]))


def _encode(obj, key_path, arrays, on_path):
    """The JSON node for ``obj``; array leaves are appended to ``arrays`` as (leaf, bytes).

    ``key_path`` names ``obj`` in error messages; ``on_path`` maps the containers being encoded
    (by id) to their key paths, to catch a structure that contains itself.
    """
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        return _encode(obj.item(), key_path, arrays, on_path)
    if isinstance(obj, Tensor):
        leaf = _array_leaf(obj.numpy(), key_path, arrays)
        leaf["requires_grad"] = obj.requires_grad
        return {"tensor": leaf}
    if isinstance(obj, np.ndarray):
        return {"array": _array_leaf(obj, key_path, arrays)}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in on_path:
            raise ValueError(f"save: {key_path} refers back to {on_path[id(obj)]} "
                             "(a structure that contains itself cannot be saved)")
        on_path[id(obj)] = key_path
        if isinstance(obj, dict):
            for key in obj:
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise TypeError(
                        f"save: {key_path} has a key {key!r} of type {type(key).__name__}; "
                        "dict keys must be str or int"
                    )
            node = {"dict": [[k, _encode(v, f"{key_path}[{k!r}]", arrays, on_path)]
                             for k, v in obj.items()]}
        else:
            items = [_encode(v, f"{key_path}[{i}]", arrays, on_path) for i, v in enumerate(obj)]
            node = {type(obj).__name__: items}
        del on_path[id(obj)]
        return node
    raise TypeError(
        f"save: cannot save {key_path}, an object of type {type(obj).__module__}."
        f"{type(obj).__qualname__}; supported are dict, list, tuple, Tensor, numpy.ndarray, "
        "int, float, bool, str and None"
    )


def _array_leaf(array, key_path, arrays):
    if array.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(f"save: {key_path} is an array of dtype {array.dtype}; only numeric "
                        "and bool arrays can be saved")
    little_endian = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    leaf = {"dtype": array.dtype.name, "shape": list(array.shape), "nbytes": array.nbytes}
    arrays.append((leaf, little_endian.reshape(-1).view(np.uint8)))  # its raw bytes
    return leaf


def _with_checksum(chunks):
    """The chunks, then their CRC-32 (which ``load`` checks)."""
    crc = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        yield chunk
    yield _CRC.pack(crc)


# ---- load -----------------------------------------------------------------------------------
def load(path):
    """Load what ``save`` wrote to ``path``; runs no code from the file."""
    with open(path, "rb") as f:
        data = f.read()
    truncated = FileFormatError(f"{path}: truncated minidl file ({len(data)} bytes)")
    if data[:len(MAGIC)] != MAGIC:
        if MAGIC.startswith(data):
            raise truncated
        looks_pickled = data[:1] == b"\x80" or data[:4] == b"PK\x03\x04"  # pickle, torch.save
        hint = " (a pickle or PyTorch file? minidl never unpickles)" if looks_pickled else ""
        raise FileFormatError(f"{path} is not a minidl file: it starts with {data[:16]!r}, "
                              f"expected {MAGIC!r}{hint}")
    if len(data) < _PREFIX.size:
        raise truncated
    _, version, header_nbytes = _PREFIX.unpack_from(data)
    if version != FORMAT_VERSION:
        raise FileFormatError(f"{path}: unsupported minidl format version {version} "
                              f"(this minidl reads version {FORMAT_VERSION})")
    header_end = _PREFIX.size + header_nbytes
    if len(data) < header_end + _CRC.size:
        raise truncated
    (stored_crc,) = _CRC.unpack_from(data, len(data) - _CRC.size)
    if zlib.crc32(memoryview(data)[:-_CRC.size]) != stored_crc:
        hint = "truncated" if _declared_size(data, header_end) > len(data) else "corrupted"
        raise FileFormatError(f"{path}: checksum mismatch; the file is {hint}")
    header = _parse_header(data[_PREFIX.size:header_end], path)
    data_section = memoryview(data)[header_end:-_CRC.size]
    if len(data_section) != header["data_nbytes"]:
        raise FileFormatError(f"{path}: the data section holds {len(data_section)} bytes, "
                              f"the header declares {header['data_nbytes']}")
    try:
        return _decode(header["root"], data_section, path)
    except RecursionError:
        raise FileFormatError(f"{path}: the header nests containers too deeply") from None


def _parse_header(header_bytes, path):
    """The header's JSON object, checked to be {"data_nbytes": int, "root": NODE, ...}."""
    try:
        header = json.loads(header_bytes)
    except RecursionError:
        raise FileFormatError(f"{path}: the header nests containers too deeply") from None
    except ValueError as error:  # also bad UTF-8 (UnicodeDecodeError is a ValueError)
        raise FileFormatError(f"{path}: the header is not valid JSON ({error})") from None
    if not (isinstance(header, dict) and "root" in header
            and _is_count(header.get("data_nbytes"))):
        raise FileFormatError(f"{path}: the header is not an object with a root node and a "
                              "data_nbytes count")
    return header


def _declared_size(data, header_end):
    """The file size the header declares, or 0 when the header itself is unreadable."""
    try:
        return header_end + json.loads(data[_PREFIX.size:header_end])["data_nbytes"] + _CRC.size
    except (ValueError, KeyError, TypeError):
        return 0


def _is_count(value):
    """A non-negative JSON integer (JSON's true and false are bools, not counts)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _malformed(path, node, why):
    text = json.dumps(node)
    text = text if len(text) <= 80 else text[:77] + "..."
    return FileFormatError(f"{path}: malformed header node {text}: {why}")


def _decode(node, data_section, path):
    """The object a header NODE stands for; any node outside the grammar (module docstring)
    raises FileFormatError."""
    if not isinstance(node, dict):
        if isinstance(node, list) or (isinstance(node, float) and not math.isfinite(node)):
            raise _malformed(path, node, "a bare list or non-finite number is not a node")
        return node
    if len(node) != 1:
        raise _malformed(path, node, "a container node has exactly one key")
    ((kind, value),) = node.items()
    if kind == "dict":
        if not isinstance(value, list) or not all(
                isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
                and not isinstance(item[0], bool) for item in value):
            raise _malformed(path, node, "a dict node holds a list of [str or int key, node] pairs")
        return {key: _decode(item, data_section, path) for key, item in value}
    if kind in ("list", "tuple"):
        if not isinstance(value, list):
            raise _malformed(path, node, f"a {kind} node holds a list of nodes")
        items = [_decode(item, data_section, path) for item in value]
        return items if kind == "list" else tuple(items)
    if kind == "float":
        if value not in ("nan", "inf", "-inf"):
            raise _malformed(path, node, 'a float node holds "nan", "inf" or "-inf"')
        return float(value)
    if kind == "array":
        return _read_array(value, data_section, path)
    if kind == "tensor":
        array = _read_array(value, data_section, path)
        requires_grad = value.get("requires_grad")
        if not isinstance(requires_grad, bool) or (requires_grad and array.dtype.kind != "f"):
            raise _malformed(path, node, "a tensor's requires_grad is true (float dtypes only) "
                                         "or false")
        return Tensor._wrap(array).requires_grad_(requires_grad)
    raise FileFormatError(f"{path}: unknown node kind {kind!r} in the header")


def _read_array(leaf, data_section, path):
    if not (isinstance(leaf, dict) and isinstance(leaf.get("dtype"), str)
            and isinstance(leaf.get("shape"), list) and len(leaf["shape"]) <= _MAX_DIMS
            and all(map(_is_count, leaf["shape"]))
            and _is_count(leaf.get("offset")) and _is_count(leaf.get("nbytes"))):
        raise _malformed(path, leaf, "an array leaf has a dtype name, a shape of at most "
                                     f"{_MAX_DIMS} non-negative integers, an offset and nbytes")
    try:
        dtype = np.dtype(leaf["dtype"])
    except (TypeError, ValueError):
        raise _malformed(path, leaf, "unknown dtype") from None
    shape, offset, nbytes = tuple(leaf["shape"]), leaf["offset"], leaf["nbytes"]
    count = math.prod(shape)
    if dtype.kind not in _ARRAY_KINDS or count * dtype.itemsize != nbytes \
            or offset + nbytes > len(data_section):
        raise FileFormatError(f"{path}: inconsistent array entry in the header: {leaf}")
    array = np.frombuffer(data_section, dtype=dtype.newbyteorder("<"), count=count, offset=offset)
    return array.astype(dtype).reshape(shape)  # astype copies: a writable array in native order
