"""Write a file atomically: readers see the old file or the new one, never half of one.

The bytes go to a temporary file in the same folder (the same file system, where a rename is
atomic), are flushed and fsync'ed, and the file is renamed over ``path`` with ``os.replace``;
on any exception (also KeyboardInterrupt) the temporary file is removed and the old file is
left untouched. A process killed outright (SIGKILL, power loss) cannot remove it, so its name
carries the writer's process id (``.NAME.PID.RANDOM.tmp``) and the next write to the same path
removes those whose writer is gone. The file gets the mode ``open()`` would give it (0o666 less
the umask). ``dl.save``, ``dl.save_safetensors`` and ``dl.onnx.export`` all write through here.
"""
import os
import secrets


def write_atomically(path, chunks):
    """Write the bytes-like ``chunks``, one after the other, to ``path`` atomically."""
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    _remove_abandoned_temp_files(folder, name)
    temp_path = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        # O_EXCL: never reuse a file; mode 0o666: the kernel applies the umask, as open() does
        fd = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp_path, path)
    finally:
        if os.path.exists(temp_path):  # an exception before the rename
            os.remove(temp_path)


def write_bytes_atomically(path, data):
    """Write ``data`` (bytes) to ``path`` atomically."""
    write_atomically(path, [data])


def _remove_abandoned_temp_files(folder, name):
    """Remove temporary files of writes to ``name`` whose writing process no longer exists."""
    prefix = f".{name}."
    for entry in os.scandir(folder):
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        pid = entry.name[len(prefix):-len(".tmp")].split(".")[0]
        if pid.isdigit() and not _process_exists(int(pid)):
            try:
                os.remove(entry.path)
            except FileNotFoundError:  # another write removed it first
                pass


def _process_exists(pid):
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
