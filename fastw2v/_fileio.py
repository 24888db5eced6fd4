"""File helpers shared by every reader and writer: smart_open input, atomic output."""
from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from typing import IO, Any

from fastw2v._types import PathType

try:
    import fcntl
except ImportError:  # Windows: a temporary file in use cannot be removed there anyway
    fcntl = None  # type: ignore[assignment]

#: The largest vector size a file may declare: the compiled kernels index a vector with a C int.
MAX_VECTOR_SIZE = 2**31 - 1

#: Suffixes of the compressed files smart_open reads (and ``atomic_write`` writes: .gz, .bz2).
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".lz4", ".xz", ".zst")


def is_compressed(path: str) -> bool:
    """Whether ``path`` (str) names a compressed file, by its suffix."""
    return path.endswith(COMPRESSED_SUFFIXES)


def open_input(uri: PathType | IO[Any], mode: str = "rb",
               **kwargs: Any) -> contextlib.AbstractContextManager[Any]:
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
    uri = os.fspath(uri) if isinstance(uri, os.PathLike) else uri
    if isinstance(uri, str) and "://" not in uri and not is_compressed(uri):
        if "b" not in mode:  # a plain local file, opened as smart_open would open it
            kwargs.setdefault("encoding", "utf-8")
        return open(os.path.expanduser(uri), mode, **kwargs)
    return smart_open(uri, mode, **kwargs)


def smart_open(uri: str, mode: str, **kwargs: Any) -> Any:
    """smart_open's ``open``, imported on first use: it brings in about 18 MB of modules
    (requests among them) that reading plain local files does not need."""
    from smart_open import open as open_uri

    return open_uri(uri, mode, **kwargs)


@contextlib.contextmanager
def atomic_write(path: PathType, mode: str = "wb", **kwargs: Any) -> Iterator[Any]:
    """Write ``path`` through a temporary file in the same directory, renamed into place.

    The temporary file, ``.<name>.<random hex>.tmp``, is created with the permissions a plain
    ``open()`` would give and stays locked (``flock``) until it is renamed or removed. The
    data is flushed and fsynced before the rename, so a crash or KeyboardInterrupt while
    writing leaves any previous file at ``path`` intact. A process killed outright (SIGKILL,
    power loss) leaves its temporary file behind: the next ``atomic_write`` to the same
    ``path`` removes every such file whose lock is free, i.e. whose writer is dead. A
    ``.gz`` or ``.bz2`` suffix on ``path`` compresses the output.

    Yields
    ------
    file
        The open temporary file.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    basename = os.path.basename(path)
    remove_abandoned_temporaries(directory, basename)
    compression = os.path.splitext(path)[1]
    fd, tmp_path = _create_locked_temporary(directory, basename)
    try:
        try:
            if compression in (".gz", ".bz2"):
                output = smart_open(tmp_path, mode, compression=compression, **kwargs)
            else:
                output = open(tmp_path, mode, **kwargs)
            with output as fout:
                yield fout
            os.fsync(fd)
            if fcntl is not None:  # renamed under the lock (Windows renames no open file)
                os.replace(tmp_path, path)
        finally:
            os.close(fd)  # releases the lock
        if fcntl is None:
            os.replace(tmp_path, path)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise


def _temporary_pattern(basename: str) -> re.Pattern[str]:
    """The names of ``atomic_write``'s temporary files for ``basename`` (and, 8 random
    characters, of fastw2v 0.1.0's ``tempfile.mkstemp``)."""
    return re.compile(re.escape("." + basename + ".") + r"([0-9a-f]{16}|[a-z0-9_]{8})\.tmp")


def _create_locked_temporary(directory: str, basename: str) -> tuple[int, str]:
    """Create and lock a new temporary file for ``basename``: ``(fd, path)``.

    A cleaner may remove the file between its creation and the lock; it is then made again.
    """
    while True:
        tmp_path = os.path.join(directory, ".%s.%s.tmp" % (basename, secrets.token_hex(8)))
        fd = os.open(tmp_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            if fcntl is None:
                return fd, tmp_path
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.path.samestat(os.fstat(fd), os.stat(tmp_path)):
                return fd, tmp_path
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def remove_abandoned_temporaries(directory: str, basename: str) -> list[str]:
    """Remove the temporary files of ``atomic_write`` to ``basename`` whose writer is dead.

    A live writer holds its file's lock; the lock of a dead one is free. Does nothing where
    files cannot be locked (no ``fcntl``).

    Returns
    -------
    list of str
        The paths removed.
    """
    if fcntl is None:
        return []
    pattern = _temporary_pattern(basename)
    try:
        names = [name for name in os.listdir(directory) if pattern.fullmatch(name)]
    except OSError:
        return []
    removed = []
    for name in names:
        tmp_path = os.path.join(directory, name)
        try:
            fd = os.open(tmp_path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(tmp_path)
            removed.append(tmp_path)
        except OSError:  # locked by a live writer, or already removed
            pass
        finally:
            os.close(fd)
    return removed


def _fsync_directory(directory: str) -> None:
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
