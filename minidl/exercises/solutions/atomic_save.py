"""Exercise atomic_save: write a file so that a crash never leaves half of it behind.

``open(path, "wb").write(data)`` first empties the old file, then writes. Kill the process in
between (a full disk, Ctrl-C, a power cut) and both the old checkpoint and the new one are gone.
The atomic recipe, used by ``dl.save`` (minidl/io.py):

1. write the bytes to a temporary file **in the same folder** (``tempfile.mkstemp(dir=...)``;
   the same folder means the same file system, where a rename is atomic);
2. ``f.flush()`` and ``os.fsync(f.fileno())`` so the bytes are on disk, not in a cache;
3. ``os.replace(temp, path)``: readers see either the old file or the new one, never a mix;
4. if anything fails before the rename, delete the temporary file and re-raise.

``chunks`` is an iterable of bytes objects (it may raise part-way: that is the test).
Check with:  python -m minidl.exercises check atomic_save
"""
import os
import tempfile


def atomic_write(path, chunks):
    """Write the concatenated ``chunks`` to ``path`` atomically."""
    folder = os.path.dirname(os.path.abspath(path))
    # BEGIN SOLUTION
    fd, temp_path = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp_path, path)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise
    # END SOLUTION
