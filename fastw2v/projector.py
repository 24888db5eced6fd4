"""TensorBoard Embedding Projector files: ``vectors.tsv`` and ``metadata.tsv``.

The projector (``tensorboard --logdir``, or https://projector.tensorflow.org's "Load" button)
reads two tab-separated files: one row of numbers per vector, and one row of labels per
vector in the same order. Its parser splits the metadata at newlines and tabs, drops
blank lines and takes a first line holding a tab for a header, with no way to quote a
field; :func:`escape_key` writes every key as one non-blank field without tabs, so rows
stay aligned with the vectors whatever the keys hold.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt

from fastw2v._fileio import atomic_write
from fastw2v._types import Key, PathType

if TYPE_CHECKING:
    from fastw2v.keyedvectors import KeyedVectors
    from fastw2v.word2vec import Word2Vec

VECTORS_FILE = "vectors.tsv"
METADATA_FILE = "metadata.tsv"
#: What the empty key is written as (a blank line would be dropped by the projector).
EMPTY_KEY = "\\empty"

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_BATCH_ROWS = 4096
#: Characters JavaScript's String.prototype.trim() removes, with those Python's str.strip()
#: removes: a key of these alone would be a blank line, dropped by the projector.
_BLANK = frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003"
                   "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f"
                   "\u3000\ufeff")


def escape_key(key: Key) -> str:
    """``key`` as one metadata field: no tab, no line break, never blank.

    A backslash becomes ``\\\\``, a tab ``\\t``, a line feed ``\\n``, a carriage return
    ``\\r``. A key made of whitespace alone (which the projector would skip as a blank line)
    has each character written as ``\\uXXXX``; the empty key is written ``\\empty``. Other
    characters are kept as they are; int keys are written in decimal.

    Parameters
    ----------
    key : str or int

    Returns
    -------
    str
    """
    text = str(key)
    if not text:
        return EMPTY_KEY
    if all(char in _BLANK for char in text):
        return "".join("\\u%04x" % ord(char) for char in text)
    if any(char in _ESCAPES for char in text):
        return "".join(_ESCAPES.get(char, char) for char in text)
    return text


def export_order(kv: KeyedVectors) -> npt.NDArray[np.intp]:
    """Row indices of ``kv`` in the order exported: descending ``count`` (ties in index
    order), as ``save_word2vec_format`` writes them; index order when there are no counts."""
    if "count" in kv.expandos:
        counts = np.asarray(kv.expandos["count"])
        return np.argsort(-counts.astype(np.float64), kind="stable")
    return np.arange(len(kv.index_to_key))


def export_projector(vectors: KeyedVectors | Word2Vec, directory: PathType,
                     limit: int | None = None, counts: bool = False) -> tuple[str, str]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for TensorBoard's Embedding Projector.

    ``vectors.tsv`` holds one row of tab-separated numbers per key (each value in its
    shortest round-trip form); ``metadata.tsv`` the keys, one a line in the same order,
    escaped by :func:`escape_key`. Keys go most frequent first. Both files are written
    atomically.

    Parameters
    ----------
    vectors : KeyedVectors or Word2Vec
        The vectors (a model's ``wv``).
    directory : str or os.PathLike
        Where to write the two files; created if it does not exist.
    limit : int, optional
        Export only the ``limit`` most frequent keys.
    counts : bool
        Add a ``count`` column to the metadata; with two columns it starts with a header
        line ``key<TAB>count``. The counts of vectors read from a word2vec-format file
        without a vocabulary file are made up (descending), as gensim makes them.

    Returns
    -------
    tuple of str
        The paths of ``vectors.tsv`` and ``metadata.tsv``.

    Raises
    ------
    ValueError
        ``limit`` is not a positive integer, or ``counts`` is asked of vectors without
        counts, or ``vectors`` holds no keys.
    NotADirectoryError
        ``directory`` is an existing file.
    """
    kv = cast("KeyedVectors", getattr(vectors, "wv", vectors))
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer))
                              or limit < 1):
        raise ValueError("limit must be a positive integer or None, got %r" % (limit,))
    if counts and "count" not in kv.expandos:
        raise ValueError("counts=True, but these vectors have no counts")
    if len(kv.index_to_key) == 0:
        raise ValueError("there are no vectors to export")
    folder = os.fspath(directory)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise NotADirectoryError("%r exists and is not a directory" % folder)
    os.makedirs(folder, exist_ok=True)
    order = export_order(kv)[:limit]
    vectors_path = os.path.join(folder, VECTORS_FILE)
    metadata_path = os.path.join(folder, METADATA_FILE)
    with atomic_write(vectors_path, "wb") as fout:
        for lo in range(0, len(order), _BATCH_ROWS):
            rows = kv.vectors[order[lo:lo + _BATCH_ROWS]]
            # str() of each numpy scalar: its shortest round-trip form, as in word2vec text
            fout.write("".join("\t".join(map(str, row)) + "\n" for row in rows).encode("utf8"))
    keys = [escape_key(kv.index_to_key[i]) for i in order.tolist()]
    if counts:
        values = np.asarray(kv.expandos["count"])[order].tolist()
        lines = ["key\tcount"] + ["%s\t%s" % pair for pair in zip(keys, values)]
    else:
        lines = keys
    with atomic_write(metadata_path, "wb") as fout:
        for lo in range(0, len(lines), _BATCH_ROWS):
            fout.write("".join(line + "\n" for line in lines[lo:lo + _BATCH_ROWS])
                       .encode("utf8", "backslashreplace"))
    return vectors_path, metadata_path
