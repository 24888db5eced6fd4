"""Streaming conversion of word2vec-format files (and GloVe, fastText ``.vec``) to fastw2v's format.

:func:`convert` parses the input one block at a time, as ``load_word2vec_format`` does.
When the input's header gives the number of vectors, each parsed block goes straight into
the archive's vectors member, the keys, norms and counts following it. Otherwise (a GloVe
file), or when a key turns out to be a duplicate (so that fewer vectors are kept than the
header says), the unique rows are spooled to a temporary file beside the output first,
and the archive is written from the spool, block by block. Memory holds the keys, the
per-key counts and norms and one block of vectors, whatever the size of the vectors: the
result is the file that ``KeyedVectors.load_word2vec_format(source, ...).save(target)``
writes.
"""
from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from fastw2v import persistence, word2vec_format
from fastw2v._fileio import open_input
from fastw2v.keyedvectors import KeyedVectors
from fastw2v._types import FloatArray, Key, PathType
from fastw2v.nearest import row_norms

logger = logging.getLogger(__name__)

_SPOOL_ROWS = 1 << 14  # rows read back from the spool per block
STORAGE_DTYPES = (np.float32, np.float16)


def convert(source: PathType, target: PathType, binary: bool = False, no_header: bool = False,
            fvocab: PathType | None = None, encoding: str = "utf8",
            unicode_errors: str = "strict", limit: int | None = None,
            key_type: type[str] | type[int] = str, dtype: npt.DTypeLike = np.float32,
            progress: bool = False) -> int:
    """Convert the word2vec-format file ``source`` into a fastw2v file ``target``.

    Reads exactly what :meth:`KeyedVectors.load_word2vec_format` reads, with the same checks
    and errors, and writes what :meth:`KeyedVectors.save` writes of the result (norms
    included), in memory that does not grow with the vectors. GloVe files are text files
    without a header (``no_header=True``); fastText ``.vec`` files are text files with one.

    Parameters
    ----------
    source : str or os.PathLike
        The input (plain, ``.gz``, ``.bz2`` or a smart_open URL).
    target : str or os.PathLike
        The fastw2v file to write (atomically, through a temporary file).
    binary, no_header, fvocab, encoding, unicode_errors, limit, key_type
        As for :meth:`KeyedVectors.load_word2vec_format`.
    dtype : {numpy.float32, numpy.float16}
        How the vectors are stored. float16 halves the file and the memory of a load, at
        the cost of rounding each value to 11 significant bits (see ``docs/keyedvectors.md``).
    progress : bool
        Show a progress bar (tqdm) on stderr, in vectors.

    Returns
    -------
    int
        The number of vectors written (duplicates are dropped, the first kept, as on loading).

    Raises
    ------
    ValueError, TruncatedFileError
        As :meth:`KeyedVectors.load_word2vec_format` raises them; the target is then left
        as it was.
    """
    dtype = np.dtype(dtype)
    if dtype not in STORAGE_DTYPES:
        raise ValueError("dtype must be float32 or float16, got %s" % dtype)
    word2vec_format.check_options(limit, binary, no_header, key_type)
    counts = word2vec_format.read_counts(fvocab, unicode_errors, key_type)
    job = _Job(source, os.fspath(target), binary, no_header, encoding, unicode_errors, limit,
               key_type, dtype, progress, counts)
    if not no_header:
        try:
            return job.run(spool=False)
        except _DuplicateKey:
            logger.info("%s: duplicate keys: converting again through a temporary file", job.name)
    return job.run(spool=True)


class _DuplicateKey(Exception):
    """A key seen before: fewer vectors will be kept than the header declares."""


class _Job:
    """One conversion: its arguments, and the keys, norms and rows parsed so far."""

    def __init__(self, source: PathType, target: str, binary: bool, no_header: bool,
                 encoding: str, unicode_errors: str, limit: int | None,
                 key_type: type[str] | type[int], dtype: np.dtype[Any], progress: bool,
                 counts: dict[Key, int] | None) -> None:
        self.source, self.target, self.binary, self.no_header = source, target, binary, no_header
        self.encoding, self.unicode_errors, self.limit = encoding, unicode_errors, limit
        self.key_type, self.dtype, self.progress, self.counts = key_type, dtype, progress, counts
        self.name = word2vec_format.display_name(source)

    def run(self, spool: bool) -> int:
        """Convert, spooling the rows first or not; the number of vectors written."""
        self.keys: list[Key] = []
        self.norms: list[FloatArray] = []
        self.read, self.spool = 0, spool
        self.hashes: list[np.ndarray] = []  # the keys' hashes, without a spool
        self.seen: set[Key] = set()  # the keys, with one
        self.key_arrays: dict[str, persistence.Member] | None = None
        directory = os.path.dirname(os.path.abspath(self.target))
        with open_input(self.source, "rb") as fin:
            if self.no_header:
                count, size, header_bytes, check_end = self.limit, None, 0, False
            else:
                count, size_read, header_bytes = word2vec_format.read_header(fin, self.name)
                size = size_read
                check_end = self.limit is None or int(self.limit) >= count
                if self.limit is not None:
                    count = min(count, int(self.limit))
            blocks = self._blocks(fin, count, size, header_bytes, check_end)
            if not spool:
                assert count is not None and size is not None  # from the header
                vectors = persistence.ArrayStream((count, size), self.dtype, blocks)
                self._write(count, size, vectors)
                return count
            with tempfile.TemporaryFile(dir=directory, prefix=".fastw2v-convert-") as file:
                for rows in blocks:
                    file.write(rows.reshape(-1).view(np.uint8).data)
                    size = rows.shape[1]
                assert size is not None  # from the first line of a file without a header
                vectors = persistence.ArrayStream((len(self.keys), size), self.dtype,
                                                  _read_back(file, len(self.keys), size,
                                                             self.dtype, self.name))
                self._write(len(self.keys), size, vectors)
        return len(self.keys)

    def _blocks(self, fin: IO[bytes], count: int | None, size: int | None, header_bytes: int,
                check_end: bool) -> Iterator[np.ndarray]:
        """The parsed rows to store, block by block, as :meth:`_add` keeps them."""
        bar = _progress_bar(count, self.name) if self.progress else None
        try:
            if self.binary:  # one block is written while the other is parsed into
                assert count is not None and size is not None  # binary files have a header
                blocks = [word2vec_format.Block(size), word2vec_format.Block(size)]
                for words in word2vec_format.binary_blocks(
                        fin, self.name, count, size, header_bytes, check_end, self.encoding,
                        self.unicode_errors, lambda row, rows: blocks[0].take(row, rows)):
                    yield self._add(words, blocks[0].vectors[:len(words)], bar)
                    blocks.reverse()
            else:
                for words, vectors in word2vec_format.text_batches(
                        fin, self.name, count, size, check_end, not self.no_header,
                        self.encoding, self.unicode_errors, np.float32):
                    yield self._add(words, vectors, bar)
            if not self.spool:
                self._check_unique()
        finally:
            if bar is not None:
                bar.close()

    def _add(self, words: list[Any], vectors: np.ndarray, bar: Any) -> np.ndarray:
        """Record the keys and norms of the next ``words``; their rows to store."""
        if self.key_type is int:
            words = word2vec_format.int_keys(words, self.name, self.binary,
                                              1 + (not self.no_header), start=self.read)
        self.read += len(words)
        if bar is not None:
            bar.update(len(words))
        if not self.spool:  # no duplicate expected: checked at the end (_check_unique)
            self.hashes.append(np.fromiter(map(hash, words), np.int64, len(words)))
            self.keys += words
        else:
            keep = []
            for i, word in enumerate(words):
                if word in self.seen:
                    logger.warning("%s: duplicate word %r in word2vec file, ignoring all but "
                                   "first", self.name, word)
                else:
                    self.seen.add(word)
                    self.keys.append(word)
                    keep.append(i)
            if len(keep) != len(words):
                vectors = vectors[keep]
        stored = np.ascontiguousarray(vectors, dtype=self.dtype)
        self.norms.append(row_norms(stored))
        return stored

    def _check_unique(self) -> None:
        """Raise _DuplicateKey if a key was read twice: the keys' hashes are sorted and
        compared (much faster than a dict of the keys), the keys themselves only when two
        hashes are equal."""
        hashes = np.sort(np.concatenate(self.hashes)) if self.hashes else np.empty(0)
        if np.any(hashes[1:] == hashes[:-1]) and len(set(self.keys)) != len(self.keys):
            raise _DuplicateKey()

    def _write(self, count: int, size: int, vectors: persistence.ArrayStream) -> None:
        """Write the archive: the description of ``count`` keys, then ``vectors`` (an
        ArrayStream), then the keys, norms and counts, known once the vectors are written."""
        kv = KeyedVectors(size, 0, dtype=self.dtype)
        placeholder = "" if self.key_type is str else 0
        kv.index_to_key = [placeholder] * count  # the real keys are parsed with the vectors
        kv.next_index = count
        kv.expandos["count"] = np.empty(0, dtype=np.int64)
        kv.add_lifecycle_event("converted", fname=self.name)
        meta, described = kv.to_state()
        arrays: dict[str, persistence.Member] = {"vectors.npy": vectors}  # the others follow
        arrays.update((name, self._member(name)) for name in described if name not in arrays)
        persistence.write_archive(self.target, meta, arrays)

    def _member(self, name: str) -> Callable[[], np.ndarray]:
        """A function giving the member ``name`` once the vectors are written."""
        def member() -> np.ndarray:
            if name == "norms.npy":
                return (np.concatenate(self.norms) if self.norms
                        else np.empty(0, self.dtype)).astype(self.dtype, copy=False)
            if name == "expandos/0.npy":  # the count
                if self.counts is None:
                    return np.arange(len(self.keys), 0, -1, dtype=np.int64)
                missing = sum(key not in self.counts for key in self.keys)
                if missing:
                    logger.warning("vocabulary file is incomplete: %d words missing; their "
                                   "count is 0", missing)
                return np.array([self.counts.get(key, 0) for key in self.keys], dtype=np.int64)
            if self.key_arrays is None:
                self.key_arrays = {}
                persistence.key_arrays(self.keys, "", self.key_arrays)
            key_array = self.key_arrays[name]
            assert isinstance(key_array, np.ndarray)  # key_arrays gives arrays
            return key_array
        return member


def _read_back(file: Any, rows: int, size: int, dtype: np.dtype[Any],
               name: str) -> Iterator[np.ndarray]:
    """The ``rows`` spooled rows of ``file``, read back ``_SPOOL_ROWS`` at a time into two
    buffers in turn (one is written while the other is read into)."""
    file.flush()
    file.seek(0)
    buffers = [np.empty((_SPOOL_ROWS, size), dtype=dtype) for _ in range(2)]
    for start in range(0, rows, _SPOOL_ROWS):
        buffers.reverse()
        block = buffers[0][:min(_SPOOL_ROWS, rows - start)]
        view = block.data.cast("B")
        got = 0
        while got < len(view):
            received = file.readinto(view[got:])
            if not received:
                raise OSError("%s: the temporary spool file ended early" % name)
            got += received
        yield block


def _progress_bar(total: int | None, name: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=" vectors", unit_scale=True, dynamic_ncols=True,
                desc=os.path.basename(name), smoothing=0.1)
