"""Write a file atomically: readers see the old file or the new one, never half of one.

The bytes go to a temporary file in the same folder (the same file system, where a rename is
atomic), are flushed and fsync'ed, and the file is renamed over ``path`` with ``os.replace``;
on any failure the temporary file is removed and the old file is left untouched. (``dl.save``
does the same, with its checksum, in minidl/io.py.)
"""
import os
import tempfile


def write_bytes_atomically(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp_path = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.",
                                     suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp_path, path)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise
