"""File helpers shared by every reader and writer: smart_open input, atomic output."""
import contextlib
import os
import tempfile

from smart_open import open as smart_open


def open_input(uri, mode="rb", **kwargs):
    """Open a local path, ``.gz``/``.bz2`` file or remote URL for reading.

    Parameters
    ----------
    uri : str or os.PathLike or file-like
        What to read. Compression is inferred from the extension. A file-like object is
        returned as it is.
    mode : str
        ``"rb"`` or ``"r"`` (text, UTF-8 unless ``encoding`` is given).
    """
    if hasattr(uri, "read"):
        return contextlib.nullcontext(uri)
    return smart_open(os.fspath(uri) if isinstance(uri, os.PathLike) else uri, mode, **kwargs)


@contextlib.contextmanager
def atomic_write(path, mode="wb", **kwargs):
    """Write ``path`` through a temporary file in the same directory, renamed into place.

    The data is flushed and fsynced before the rename, so a crash or KeyboardInterrupt
    while writing leaves any previous file at ``path`` intact. A ``.gz`` or ``.bz2``
    suffix on ``path`` compresses the output.

    Yields
    ------
    file
        The open temporary file.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    basename = os.path.basename(path)
    fd, tmp_path = tempfile.mkstemp(prefix="." + basename + ".", suffix=".tmp", dir=directory)
    os.close(fd)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
    try:
        compression = os.path.splitext(path)[1]
        transport = {"compression": compression if compression in (".gz", ".bz2") else "disable"}
        with smart_open(tmp_path, mode, **transport, **kwargs) as fout:
            yield fout
        with open(tmp_path, "rb+") as raw:
            os.fsync(raw.fileno())
        os.replace(tmp_path, path)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise


def _umask():
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_directory(directory):
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
