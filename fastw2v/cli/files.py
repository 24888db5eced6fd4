"""Checks on the command line's input and output paths, made before any long work starts."""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from fastw2v._fileio import atomic_write
from fastw2v.cli.arguments import UsageError

COMPRESSED_SUFFIXES = (".gz", ".bz2")


def is_url(path: str) -> bool:
    """True for a smart_open URL such as ``s3://bucket/key`` (not checked locally)."""
    return "://" in path


def check_input(path: str, what: str = "input file") -> str:
    """Fail early if ``path`` is not a readable local file (URLs are left to smart_open).

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        With a message naming ``what`` and ``path``.
    """
    if is_url(path):
        return path
    if not os.path.exists(path):
        raise FileNotFoundError("%s %r does not exist" % (what, path))
    if os.path.isdir(path):
        raise IsADirectoryError("%s %r is a directory, not a file" % (what, path))
    if not os.access(path, os.R_OK):
        raise PermissionError("%s %r is not readable" % (what, path))
    return path


def check_output(path: str, what: str = "output file", allow_stdout: bool = False) -> str:
    """Fail early if ``path`` cannot be written: so hours of training are not lost at the end.

    URLs, and ``-`` (standard output) where ``allow_stdout``, are accepted as they are.
    """
    if (allow_stdout and path == "-") or is_url(path):
        return path
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError("%s %r is a directory" % (what, path))
    if not os.path.isdir(directory):
        raise FileNotFoundError("%s %r: directory %r does not exist" % (what, path, directory))
    if not os.access(directory, os.W_OK):
        raise PermissionError("%s %r: directory %r is not writable" % (what, path, directory))
    return path


def same_file(path1: str, path2: str) -> bool:
    """Whether two paths name the same file: the same URL, or one local file (links resolved).

    A path that does not exist yet is compared by its resolved absolute path.
    """
    if is_url(path1) or is_url(path2):
        return path1 == path2
    try:
        return os.path.samefile(path1, path2)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(path1) == os.path.realpath(path2)


def check_distinct(outputs: Iterable[tuple[str, str | None]],
                   inputs: Iterable[tuple[str, str | None]] = ()) -> None:
    """Refuse an output that is an input or another output: it would be overwritten.

    Parameters
    ----------
    outputs, inputs : list of (str, str or None)
        ``(flag, path)`` pairs; None paths, and ``-`` (standard output), are skipped.

    Raises
    ------
    UsageError
        Naming both flags and the path.
    """
    seen: list[tuple[str, str]] = [(flag, path) for flag, path in inputs if path is not None]
    for flag, path in outputs:
        if path is None or path == "-":
            continue
        for other_flag, other in seen:
            if same_file(path, other):
                raise UsageError("%s %r is the same file as %s %r, which would be overwritten; "
                                 "choose another %s path" % (flag, path, other_flag, other, flag))
        seen.append((flag, path))


@contextlib.contextmanager
def open_text_output(path: str) -> Iterator[TextIO]:
    """Write UTF-8 text to ``path`` atomically (``.gz``/``.bz2`` compress), or stdout for ``-``."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
    else:
        with atomic_write(path, "w", encoding="utf8") as fout:
            yield fout
