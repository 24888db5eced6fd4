"""Corpora of integer ids: graph walks (node2vec, DeepWalk) and item sequences (item2vec).

An :class:`IntSequences` holds its sequences as integer arrays, never as Python objects: the
vocabulary is counted with numpy and each training job's ids are looked up in one vectorised
step, so no Python code runs per token. A 2-D array is used as it is (a memory-mapped ``.npy``
file stays on disk); lists of arrays or of ints are joined once into one array.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fastw2v._types import IntCorpus

#: Integer ids, of any integer dtype.
IntArray = npt.NDArray[np.integer]
#: A training job: ``(ids, ends, raw_words, sequences)``.
Job = tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], int, int]

# Dense lookup tables up to this many entries (int32 each); sparser keys are searched.
_DENSE_LOOKUP_MAX = 1 << 26
# Ids are counted in tables indexed by id (two int64 per id) when the largest id is below
# this or below the corpus's number of ids; sparser ids are counted with a sort.
_DENSE_COUNT_MIN = 1 << 20
_COUNT_BLOCK = 1 << 22  # ids counted per step


class IntSequences:
    """Sequences of non-negative integer ids, as one corpus.

    Parameters
    ----------
    data : 2-D integer ndarray, or list of 1-D integer arrays or of lists of ints
        A 2-D array holds one sequence per row (every row whole, unless ``padding`` or
        ``lengths`` says where each ends); a list holds one sequence per item.
    padding : int, optional
        For a 2-D array: the value that fills each row after its sequence (such as -1). The
        first occurrence ends the row.
    lengths : array_like of int, optional
        For a 2-D array: each row's sequence length.

    Iterating yields each sequence as a list of Python ints, as gensim's corpora yield lists
    of words; training reads the arrays directly.
    """

    #: The 2-D array of sequences (one per row), or None when they are ``flat``.
    rows: IntArray | None
    #: The length of each row's sequence (no entries when ``rows`` is None).
    lengths: npt.NDArray[np.int64]
    #: The sequences back to back, and the end of each in ``flat`` (empty with ``rows``).
    flat: IntArray
    ends: npt.NDArray[np.int64]

    def __init__(self, data: IntCorpus, padding: int | None = None,
                 lengths: npt.ArrayLike | None = None) -> None:
        if isinstance(data, IntSequences):  # the same sequences
            if data.rows is not None:
                padding, lengths = None, data.lengths
                data = data.rows
            else:
                data = [data.flat[start:end] for start, end in zip(
                    np.r_[0, data.ends[:-1]].tolist(), data.ends.tolist())]
        if isinstance(data, np.ndarray) and data.ndim == 2:
            self.rows = _integer_array(data, "the walks array")
            self.lengths = _row_lengths(self.rows, padding, lengths)
            self.flat, self.ends = np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            if padding is not None or lengths is not None:
                raise TypeError("padding and lengths are for a 2-D array of sequences")
            if isinstance(data, np.ndarray):
                raise ValueError("an array of sequences must be 2-D (one per row), got %d-D"
                                 % data.ndim)
            self.rows, self.lengths = None, np.zeros(0, np.int64)
            self.flat, self.ends = _joined(data)
        if self.total_words == 0:
            raise ValueError("the corpus is empty: no ids in its %d sequences" % len(self))
        if self.rows is None:
            low, self.max_id = int(self.flat.min()), int(self.flat.max())
        else:
            low, self.max_id = _row_range(self.rows, self.lengths)
        if low < 0:
            raise ValueError("ids must be non-negative, found %d" % low)

    def __len__(self) -> int:
        return len(self.lengths) if self.rows is not None else len(self.ends)

    @property
    def total_words(self) -> int:
        """Ids in all sequences."""
        if self.rows is not None:
            return int(self.lengths.sum())
        return int(self.ends[-1]) if len(self.ends) else 0

    def __iter__(self) -> Iterator[list[int]]:
        for start, stop in zip(range(0, len(self), 1024), range(1024, len(self) + 1024, 1024)):
            tokens, ends = self._block(start, min(stop, len(self)))
            starts = np.concatenate(([0], ends[:-1]))
            values = tokens.tolist()
            for a, b in zip(starts.tolist(), ends.tolist()):
                yield values[a:b]


    def _block(self, first: int, last: int) -> tuple[IntArray, npt.NDArray[np.int64]]:
        """Sequences ``first..last-1`` as ``(tokens, ends)``: one flat int array and the end of
        each sequence in it."""
        if self.rows is None:
            base = self.ends[first - 1] if first else 0
            return self.flat[base:self.ends[last - 1]], self.ends[first:last] - base
        rows, lengths = self.rows[first:last], self.lengths[first:last]
        if np.all(lengths == rows.shape[1]):
            tokens = np.asarray(rows).reshape(-1)
        else:
            tokens = np.asarray(rows)[np.arange(rows.shape[1]) < lengths[:, None]]
        return tokens, np.cumsum(lengths)

    def _blocks(self, words_per_block: int
                ) -> Iterator[tuple[IntArray, npt.NDArray[np.int64]]]:
        """``(tokens, ends)`` of consecutive sequences, about ``words_per_block`` ids each."""
        if self.rows is not None:
            per_row = max(int(self.rows.shape[1]), 1)
            step = max(words_per_block // per_row, 1)
            for first in range(0, len(self), step):
                yield self._block(first, min(first + step, len(self)))
            return
        first = 0
        while first < len(self):
            base = self.ends[first - 1] if first else 0
            last = int(np.searchsorted(self.ends, base + words_per_block, side="left")) + 1
            last = min(max(last, first + 1), len(self))
            yield self._block(first, last)
            first = last

    def count(self) -> tuple[dict[int, int], int, int]:
        """``({id: count}, sequences, ids)``; the ids in the order they first occur, as
        gensim's counting orders the words of a corpus (equal counts keep that order when the
        vocabulary is sorted)."""
        if self.max_id < max(_DENSE_COUNT_MIN, self.total_words):
            keys, counts, firsts = self._count_dense()
        else:
            keys, counts, firsts = self._count_sorted()
        by_first = np.argsort(firsts, kind="stable")
        return (dict(zip(keys[by_first].tolist(), counts[by_first].tolist())), len(self),
                self.total_words)

    def _count_dense(self) -> tuple[IntArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Ids ``0..max_id`` counted in tables indexed by id: ``(ids, counts, firsts)``."""
        counts = np.zeros(self.max_id + 1, dtype=np.int64)
        firsts = np.full(self.max_id + 1, self.total_words, dtype=np.int64)
        seen = 0
        for tokens, _ in self._blocks(_COUNT_BLOCK):
            if tokens.dtype == np.uint64:  # below 2**63 (checked), but not safely cast
                tokens = tokens.astype(np.int64)
            counts += np.bincount(tokens, minlength=len(counts))
            np.minimum.at(firsts, tokens, np.arange(seen, seen + len(tokens)))
            seen += len(tokens)
        keys = np.flatnonzero(counts)
        return keys, counts[keys], firsts[keys]

    def _count_sorted(self) -> tuple[IntArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Sparse ids counted block by block with a sort: ``(ids, counts, firsts)``."""
        key_blocks: list[IntArray] = []
        first_blocks: list[npt.NDArray[np.int64]] = []
        count_blocks: list[npt.NDArray[np.int64]] = []
        seen = 0
        for tokens, _ in self._blocks(_COUNT_BLOCK):
            k, first, c = np.unique(tokens, return_index=True, return_counts=True)
            key_blocks.append(k)
            first_blocks.append(first.astype(np.int64) + seen)
            count_blocks.append(c.astype(np.int64))
            seen += len(tokens)
        keys: IntArray = np.concatenate(key_blocks)
        firsts, counts = np.concatenate(first_blocks), np.concatenate(count_blocks)
        # merge the blocks: total per id, earliest first occurrence per id
        order = np.lexsort((firsts, keys))
        keys, firsts, counts = keys[order], firsts[order], counts[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        return keys[starts], np.add.reduceat(counts, starts), firsts[starts]

    def jobs(self, lookup: IdLookup, job_words: int) -> Iterator[Job]:
        """Training jobs ``(ids, ends, raw_words, sequences)``: the vocabulary ids
        (``lookup``, an :class:`IdLookup`) of about ``job_words`` raw ids each, the ids
        outside the vocabulary left out."""
        for tokens, ends in self._blocks(job_words):
            index = lookup.indexes(tokens)
            kept = index >= 0
            kept_before = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
            yield (np.ascontiguousarray(index[kept], dtype=np.int32),
                   np.ascontiguousarray(kept_before[ends], dtype=np.int64), len(tokens), len(ends))


class IdLookup:
    """Vocabulary index of each id (-1 outside the vocabulary): a dense table when the ids are
    small, else a search in the sorted ids."""

    def __init__(self, index_to_key: Sequence[int]) -> None:
        keys = np.asarray(index_to_key, dtype=np.int64)
        self.size = len(keys)
        top = int(keys.max()) + 1 if len(keys) else 0
        self.table: npt.NDArray[np.int32] | None = None
        self.sorted_keys, self.sorted_index = keys, np.zeros(0, np.int32)
        if top <= max(_DENSE_LOOKUP_MAX, 4 * len(keys)):
            self.table = np.full(top, -1, dtype=np.int32)
            self.table[keys] = np.arange(len(keys), dtype=np.int32)
        else:
            order = np.argsort(keys)
            self.sorted_keys, self.sorted_index = keys[order], order.astype(np.int32)

    def __len__(self) -> int:
        return self.size

    def indexes(self, tokens: npt.ArrayLike) -> npt.NDArray[np.int32]:
        """The vocabulary index of every id of ``tokens`` (int32, -1 where absent)."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if self.table is not None:
            inside = tokens < len(self.table)
            result = np.full(len(tokens), -1, dtype=np.int32)
            result[inside] = self.table[tokens[inside]]
            return result
        where = np.searchsorted(self.sorted_keys, tokens)
        where = np.minimum(where, len(self.sorted_keys) - 1)
        found = self.sorted_keys[where] == tokens
        return np.where(found, self.sorted_index[where], -1).astype(np.int32)


def as_int_corpus(corpus: Iterable[Any]) -> IntSequences | None:
    """``corpus`` as :class:`IntSequences` when it is a corpus of integer ids (a 2-D integer
    array, or a list or restartable iterable whose first sequence is an integer array or a
    list of ints, joined once into one array), else None."""
    if isinstance(corpus, IntSequences):
        return corpus
    if isinstance(corpus, np.ndarray):
        return IntSequences(corpus)
    if hasattr(corpus, "compiled_source") or iter(corpus) is corpus:
        return None  # a text reader, not peeked at; or a one-shot iterator, refused later
    if isinstance(corpus, (list, tuple)):
        first = corpus[0] if len(corpus) else None
    else:
        first = next(iter(corpus), None)
    if isinstance(first, np.ndarray) and first.dtype.kind in "iub":
        return IntSequences(list(corpus))
    if isinstance(first, np.ndarray) and first.ndim == 1 and first.dtype.kind == "f":
        raise TypeError("ids must be integers, got an array of %s" % first.dtype)
    if isinstance(first, (list, tuple)) and len(first) and _is_int(first[0]):
        return IntSequences(list(corpus))
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _integer_array(array: IntArray, name: str) -> IntArray:
    if array.dtype.kind not in "iu":
        raise TypeError("%s must hold integer ids, not %s" % (name, array.dtype))
    if array.dtype == np.uint64 and array.size and array.max() > np.iinfo(np.int64).max:
        raise ValueError("ids must be below 2**63 (keys are saved as int64), found %d"
                         % array.max())
    return array


def _row_lengths(rows: IntArray, padding: int | None,
                 lengths: npt.ArrayLike | None) -> npt.NDArray[np.int64]:
    n, width = rows.shape
    if padding is not None and lengths is not None:
        raise TypeError("pass padding or lengths, not both")
    if lengths is not None:
        given = np.asarray(lengths)
        if given.shape != (n,) or given.dtype.kind not in "iu":
            raise ValueError("lengths must hold one integer per row (%d), got %s of %s"
                             % (n, given.shape, given.dtype))
        if len(given) and (given.min() < 0 or given.max() > width):
            raise ValueError("lengths must lie in [0, %d], the rows' width" % width)
        return given.astype(np.int64)
    if padding is None:
        return np.full(n, width, dtype=np.int64)
    found = np.empty(n, dtype=np.int64)
    for first in range(0, n, 1 << 16):  # in blocks: a memory-mapped array stays mapped
        pad = np.asarray(rows[first:first + (1 << 16)]) == padding
        ends = np.where(pad.any(axis=1), pad.argmax(axis=1), width)
        found[first:first + len(ends)] = ends
    return found


def _row_range(rows: IntArray, lengths: npt.NDArray[np.int64]) -> tuple[int, int]:
    """The smallest and largest id in the rows' sequences."""
    low: int | None = None
    high: int | None = None
    for first in range(0, len(rows), 1 << 16):
        block = np.asarray(rows[first:first + (1 << 16)])
        valid = np.arange(block.shape[1]) < lengths[first:first + len(block), None]
        if valid.any():
            ids = block[valid] if not valid.all() else block
            lo, hi = int(ids.min()), int(ids.max())
            low = lo if low is None else min(low, lo)
            high = hi if high is None else max(high, hi)
    return (0, 0) if low is None or high is None else (low, high)


def _joined(sequences: Sequence[Any]) -> tuple[IntArray, npt.NDArray[np.int64]]:
    """A list of sequences (1-D integer arrays or lists of ints) as ``(flat, ends)``."""
    parts: list[IntArray] = []
    ends, total = np.empty(len(sequences), dtype=np.int64), 0
    for position, sequence in enumerate(sequences):
        if isinstance(sequence, np.ndarray):
            if sequence.ndim != 1 or sequence.dtype.kind not in "iu":
                raise TypeError("sequence %d must be a 1-D array of integer ids, got %s of %s"
                                % (position, sequence.shape, sequence.dtype))
            array = _integer_array(sequence, "sequence %d" % position)
        elif isinstance(sequence, (list, tuple)):
            if not all(map(_is_int, sequence)):
                bad = next(v for v in sequence if not _is_int(v))
                raise TypeError("sequence %d must hold integer ids, got %r of type %s; a "
                                "model's keys are all str or all int" % (
                                    position, bad, type(bad).__name__))
            array = np.array(sequence, dtype=np.int64)
        else:
            raise TypeError("sequence %d must be a 1-D integer array or a list of ints, got %s"
                            % (position, type(sequence).__name__))
        parts.append(array)
        total += len(array)
        ends[position] = total
    flat = np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)
    return flat, ends
