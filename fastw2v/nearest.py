"""Nearest-neighbour search over unit word vectors: blocked matrix products, top-k selection.

:func:`nearest` scores queries against blocks of keys with BLAS and keeps a running top-k.
On request (``bf16=True``) and on CPUs with AVX512_BF16, large batches take a bfloat16 first
pass (``_nearest.pyx``) instead, whose candidates our own kernel scores exactly in float32:
the same top-k, up to float32 rounding.
"""
from __future__ import annotations

import collections
import concurrent.futures
import os
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fastw2v._types import FloatArray

if TYPE_CHECKING:
    from fastw2v._nearest import CandidateLists

#: Row numbers.
Indices = npt.NDArray[np.int64]
Float32Array = npt.NDArray[np.float32]

_QUERY_CHUNK = 1024  # queries scored together: one matrix product per (query chunk, key block)
_KEY_BLOCK = 8192  # keys per block (a multiple of _BLOCK): similarity blocks of 32 MB
_BLOCK = 32  # keys per group: top-k selection looks at group maxima first
_BF16_MIN_QUERIES = 64  # smaller query chunks take the float32 path
_BF16_MIN_KEYS = 8192  # as do smaller vocabularies
_BF16_MAX_K = 512  # and longer result lists
_SCAN_RANGE = 16384  # keys per task of the bfloat16 first pass (threads take the next one)
_UNIT_SLACK = 2.0 ** -10  # unit rows are at most this much longer than 1 (float32 rounding: ~1e-7)


_NORM_ROWS = 65536  # rows per call of the norm kernel: threads take the next block


def row_norms(vectors: npt.ArrayLike, threads: int | None = None) -> FloatArray:
    """The L2 norm of every row of ``vectors``, without a temporary of their size.

    float32 and float64 rows are summed in double by a compiled kernel with the GIL released,
    in blocks of 65,536 rows shared by ``threads`` threads (default: the CPUs this process
    may use, at most 16); float16 rows are widened to float32 one block at a time.

    Parameters
    ----------
    vectors : numpy.ndarray
        2-D array of floats (a memory map is read once, in order).
    threads : int, optional
        Threads to use.

    Returns
    -------
    numpy.ndarray
        ``len(vectors)`` norms, of the dtype of ``vectors``.
    """
    from fastw2v import _norms

    rows: FloatArray = np.asarray(vectors)
    if rows.ndim != 2 or rows.dtype.kind != "f":
        raise ValueError("row_norms needs a 2-D float array, got %s of dtype %s"
                         % (rows.shape, rows.dtype))
    out = np.empty(len(rows), dtype=rows.dtype)
    native = rows.dtype in (np.float32, np.float64) and rows.flags.c_contiguous
    starts = range(0, len(rows), _NORM_ROWS)

    def norms_of(start: int) -> None:
        end = min(start + _NORM_ROWS, len(rows))
        if native:
            _norms.row_norms_into(rows, out, start, end)
        else:
            block = rows[start:end]
            if block.dtype in (np.float32, np.float64):
                block = np.ascontiguousarray(block)
            else:
                block = widen(block, np.empty(block.shape, np.float32))
            block_norms = np.empty(len(block), dtype=block.dtype)
            _norms.row_norms_into(block, block_norms, 0, len(block))
            out[start:end] = block_norms

    threads = min(threads or _scan_threads(), len(starts))
    if threads <= 1:
        for start in starts:
            norms_of(start)
    else:
        with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="fastw2v-norms") \
                as pool:
            list(pool.map(norms_of, starts))
    return out


def unit_rows(matrix: npt.ArrayLike) -> Float32Array:
    """Rows scaled to unit L2 length (zero rows unchanged), as float32."""
    rows = np.asarray(matrix, dtype=np.float64)
    lengths = np.linalg.norm(rows, axis=1, keepdims=True)
    lengths[lengths == 0] = 1.0
    return (rows / lengths).astype(np.float32)


def _largest(values: FloatArray, k: int) -> npt.NDArray[np.intp]:
    """Column positions of the ``k`` largest values of each row, in increasing order.

    Of equal values the leftmost are taken. ``values`` holds no NaN.
    """
    rows, width = values.shape
    if k >= width:
        return np.broadcast_to(np.arange(width), values.shape)
    kth = -np.partition(-values, k - 1, axis=1)[:, k - 1:k]
    above = values > kth
    tied = values == kth
    room = k - np.count_nonzero(above, axis=1, keepdims=True)
    taken = above | (tied & (np.cumsum(tied, axis=1) <= room))
    return np.nonzero(taken)[1].reshape(rows, k)


def top_k(scores: FloatArray, k: int) -> npt.NDArray[np.intp]:
    """Column indices of the ``k`` largest values of each row of ``scores``, largest first.

    Two-stage selection: the maxima of blocks of 32 columns pick the ``k`` candidate blocks,
    then only those blocks are searched. NaN scores never rank; of equal scores the earlier
    column comes first (and is the one kept at the cut).

    Parameters
    ----------
    scores : numpy.ndarray
        2-D array (queries x candidates).
    k : int
        How many indices per row.

    Returns
    -------
    numpy.ndarray
        ``(rows, min(k, columns))`` int64 indices.
    """
    rows, width = scores.shape
    k = min(k, width)
    if k <= 0:
        return np.empty((rows, 0), dtype=np.intp)
    if width <= 16 * _BLOCK or k * _BLOCK * 4 > width:
        candidates = np.broadcast_to(np.arange(width), scores.shape)
        values = scores
    else:
        block_max = np.fmax.reduceat(scores, np.arange(0, width, _BLOCK), axis=1)  # NaN-blind
        block_max[np.isnan(block_max)] = -np.inf
        blocks = _largest(block_max, k)
        candidates = (blocks[:, :, None] * _BLOCK + np.arange(_BLOCK)).reshape(rows, -1)
        in_range = candidates < width
        candidates = np.where(in_range, candidates, 0)
        values = np.where(in_range, np.take_along_axis(scores, candidates, axis=1), -np.inf)
    values = np.where(np.isnan(values), -np.inf, values)
    best = _largest(values, k)
    best_values = np.take_along_axis(values, best, axis=1)
    order = np.argsort(-best_values, axis=1, kind="stable")
    return np.take_along_axis(np.take_along_axis(candidates, best, axis=1), order, axis=1)


def nearest(queries: Float32Array, vectors: FloatArray, norms: FloatArray, k: int,
            bf16: bool = False) -> tuple[Indices, Float32Array]:
    """The ``k`` most similar rows of ``vectors`` for each unit query, best first.

    Queries are taken 1,024 at a time and scored against blocks of 8,192 unit vectors with
    one matrix product per block (into one reused buffer, keys along the rows). A running
    top-``k`` is kept; after the first block only the 32-key groups whose maximum beats a
    query's current ``k``-th best are examined. Rows of zero norm never rank; of equal
    similarities the earlier row ranks first.

    With ``bf16=True`` on CPUs with AVX512_BF16, chunks of 64 queries or more over large
    vocabularies take a bfloat16 first pass instead (:func:`_nearest_bf16`), about twice
    as fast. It returns the exact float32 top ``k`` as our own kernel scores it (one fused
    multiply-add per dimension, in order), while the default path returns what the BLAS
    matrix product scores: the two may differ in the last bits of a similarity, and so in
    the order of keys whose similarities differ by less than a rounding error. It is off by
    default so that a result never depends on which path a machine takes.

    Parameters
    ----------
    queries : numpy.ndarray
        ``(n, dim)`` float32 unit rows.
    vectors, norms : numpy.ndarray
        The rows to search and their L2 norms.
    k : int
        Results per query.
    bf16 : bool
        Take the bfloat16 first pass where the CPU has AVX512_BF16 and the batch is large
        enough; False (the default) scores every key with float32 matrix products.

    Returns
    -------
    indices : numpy.ndarray
        ``(len(queries), min(k, len(vectors)))`` row numbers.
    similarities : numpy.ndarray
        Their cosine similarities; ``-inf`` marks a filler (fewer than ``k`` rows of
        non-zero norm), whose index is meaningless.
    """
    k = min(k, len(vectors))
    all_indices = np.empty((len(queries), k), dtype=np.int64)
    all_sims = np.empty((len(queries), k), dtype=np.float32)
    if k == 0:
        return all_indices, all_sims
    block_rows = min(_KEY_BLOCK, -(-len(vectors) // _BLOCK) * _BLOCK)
    bf16 = bf16 and _bf16_applies(queries, vectors, norms, k, block_rows)
    for lo in range(0, len(queries), _QUERY_CHUNK):
        chunk = queries[lo:lo + _QUERY_CHUNK]
        if bf16 and len(chunk) >= _BF16_MIN_QUERIES:
            indices, best = _nearest_bf16(chunk, vectors, norms, k, block_rows)
        else:
            indices, best = _nearest_float32(chunk, vectors, norms, k, block_rows)
        all_indices[lo:lo + len(chunk)] = indices
        all_sims[lo:lo + len(chunk)] = best
    return all_indices, all_sims


def _nearest_float32(chunk: Float32Array, vectors: FloatArray, norms: FloatArray, k: int,
                     block_rows: int) -> tuple[Indices, Float32Array]:
    """:func:`nearest` for one chunk of queries, by float32 matrix products over key blocks."""
    k = min(k, len(vectors))
    buffer = np.empty((block_rows, len(chunk)), dtype=np.float32)
    unit = np.empty((block_rows, vectors.shape[1]), dtype=np.float32)
    indices, best = np.empty((len(chunk), 0), np.int64), np.empty((len(chunk), 0), np.float32)
    for start in range(0, len(vectors), block_rows):
        block = vectors[start:start + block_rows]
        sims = buffer[:-(-len(block) // _BLOCK) * _BLOCK]
        if block.dtype == np.float16:  # widened first: faster than numpy's mixed divide
            block = widen(block, unit)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(block, norms[start:start + len(block), np.newaxis], out=unit[:len(block)],
                      casting="same_kind")
        np.matmul(unit[:len(block)], chunk.T, out=sims[:len(block)])
        sims[len(block):] = -np.inf
        block_max = np.fmax.reduce(sims.reshape(-1, _BLOCK, len(chunk)), axis=1).T
        block_max[np.isnan(block_max)] = -np.inf
        if start == 0:
            indices, best = _block_top_k(sims, block_max, k)
        else:
            indices, best = _merge_block(sims, block_max, start, indices, best)
    return indices, best


def _bf16_applies(queries: Float32Array, vectors: FloatArray, norms: FloatArray, k: int,
                  block_rows: int) -> bool:
    """Whether :func:`_nearest_bf16` can serve these arrays and is worth it."""
    from fastw2v import cpu

    whole_blocks = len(vectors) // block_rows * block_rows
    return (queries.dtype == vectors.dtype == norms.dtype == np.float32
            and vectors.flags.c_contiguous and norms.flags.c_contiguous
            and whole_blocks >= max(k, _BF16_MIN_KEYS) and k <= _BF16_MAX_K
            and len(vectors) < 2 ** 31 and cpu.bf16_search_available())


def _bf16_margin(dim: int) -> float:
    """Twice the largest difference between a bfloat16 and the float32 similarity of two
    rows of length at most ``1 + _UNIT_SLACK``: the first pass keeps the keys within it of a
    query's k-th best approximate score.

    Rounding to bfloat16 (8 significant bits) moves a number by at most ``2**-8`` of it, so
    rounding both factors moves each product by at most ``2**-7 + 2**-16`` of its magnitude,
    and the magnitudes sum to at most the product of the lengths. Summing in float32 adds at
    most ``gamma(n)`` of that sum, once for the ``dim + 1`` bfloat16 terms (counting the
    padding, and allowing rounding toward zero) and once for the ``dim`` float32 terms.
    Subnormals flushed to zero add less than ``dim * 2**-120``. The result is widened to
    cover the float32 rounding of the thresholds and of the kernel's length checks.
    """
    def gamma(n: int, rounding: float = 2.0 ** -23) -> float:
        return n * rounding / (1 - n * rounding)

    lengths = (1 + _UNIT_SLACK) ** 2
    bound = (2.0 ** -7 + 2.0 ** -16 + gamma(dim + 1) * (1 + 2.0 ** -6) + gamma(dim)) * lengths
    bound += dim * 2.0 ** -120
    return 2 * bound * (1 + 2.0 ** -10) + 2.0 ** -20


def _scan_threads() -> int:
    """Threads for the bfloat16 first pass: one per CPU this process may use, at most 16."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 16))


def _nearest_bf16(chunk: Float32Array, vectors: Float32Array, norms: Float32Array, k: int,
                  block_rows: int) -> tuple[Indices, Float32Array]:
    """:func:`nearest` for one chunk of queries, with a bfloat16 first pass.

    The first pass (:func:`_bf16_candidates`) keeps, for each query, every key of the whole
    key blocks that may belong to its top ``k``. Those keys are scored exactly in float32 by
    ``_nearest.rerank`` and ranked as the float32 path ranks. The float32 path itself scores
    the last, partial key block and the queries the first pass cannot settle: not of unit
    length (zero, say), with more near-equal keys than the candidate lists hold, or with
    fewer than ``k`` keys that can rank.
    """
    from fastw2v import _nearest

    whole_blocks = len(vectors) // block_rows * block_rows
    lengths = np.sqrt(np.einsum("ij,ij->i", chunk, chunk, dtype=np.float64))
    unit = np.abs(lengths - 1) <= _UNIT_SLACK
    searched = np.ascontiguousarray(chunk[unit])
    margin = _bf16_margin(chunk.shape[1])
    scans = _bf16_candidates(searched, vectors[:whole_blocks], norms[:whole_blocks], k, margin)
    if scans is None:
        return _nearest_float32(chunk, vectors, norms, k, block_rows)
    indices = np.empty((len(chunk), k), dtype=np.int64)
    best = np.empty((len(chunk), k), dtype=np.float32)
    indices[unit], best[unit], fallback = _nearest.rerank(scans, searched, vectors, norms, k, margin)
    redo = ~unit
    redo[np.flatnonzero(unit)[fallback]] = True
    if redo.any():
        indices[redo], best[redo] = _nearest_float32(chunk[redo], vectors[:whole_blocks],
                                                     norms[:whole_blocks], k, block_rows)
    if whole_blocks < len(vectors):
        tail, tail_sims = _nearest_float32(chunk, vectors[whole_blocks:], norms[whole_blocks:],
                                           k, block_rows)
        candidates = np.concatenate((indices, tail + whole_blocks), axis=1)
        values = np.concatenate((best, tail_sims), axis=1)
        keep = top_k(values, k)
        indices = np.take_along_axis(candidates, keep, axis=1)
        best = np.take_along_axis(values, keep, axis=1)
    return indices, best


def _bf16_candidates(queries: Float32Array, vectors: Float32Array, norms: Float32Array, k: int,
                     margin: float) -> list[CandidateLists] | None:
    """The bfloat16 first pass: candidate keys of each unit query, one list per thread.

    Threads take ``_SCAN_RANGE`` keys at a time. Unit keys and queries are rounded to
    bfloat16, and every key whose approximate similarity is within ``margin`` of a query's
    running k-th best approximate similarity is kept, which cannot drop a key of the exact
    top ``k`` (see ``_nearest.h``). Returns None if a unit key row is too long for the
    margin to hold (stale norms, say).
    """
    from fastw2v import _nearest

    packed = _nearest.pack_queries(queries)
    capacity = -(-(2 * k + 160) // 16) * 16  # room to collect between prunings
    threads = min(_scan_threads(), -(-len(vectors) // _SCAN_RANGE))
    lists = [_nearest.CandidateLists(len(queries), capacity) for _ in range(threads)]
    starts = collections.deque(range(0, len(vectors), _SCAN_RANGE))

    def scan(candidates: CandidateLists) -> int:
        """Scan the ranges left until none is; returns a status of ``_nearest.scan``."""
        while True:
            try:
                start = starts.popleft()
            except IndexError:
                return 0
            status = _nearest.scan(packed, vectors, norms, start,
                                   min(start + _SCAN_RANGE, len(vectors)),
                                   (1 + _UNIT_SLACK) ** 2, k, margin, candidates)
            if status:
                starts.clear()
                return status

    with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="fastw2v-nearest") as pool:
        try:
            statuses = list(pool.map(scan, lists))
        finally:  # on KeyboardInterrupt, say: the threads stop after their current range
            starts.clear()
    return None if _nearest.SCAN_ODD_NORMS in statuses else lists


def _block_top_k(sims: Float32Array, block_max: Float32Array, k: int,
                 ) -> tuple[Indices, Float32Array]:
    """Top-``k`` rows of each column of ``sims``, best first, as ``(columns, k)`` arrays.

    ``block_max`` holds the maximum of each 32-row group of each column, ``(columns, groups)``.
    """
    columns = sims.shape[1]
    groups = _largest(block_max, k)
    rows = (groups[:, :, np.newaxis] * _BLOCK + np.arange(_BLOCK)).reshape(columns, -1)
    values = sims[rows, np.arange(columns)[:, np.newaxis]]
    values[np.isnan(values)] = -np.inf
    best = top_k(values, k)
    return np.take_along_axis(rows, best, axis=1), np.take_along_axis(values, best, axis=1)


def _merge_block(sims: Float32Array, block_max: Float32Array, start: int, indices: Indices,
                 best: Float32Array) -> tuple[Indices, Float32Array]:
    """Merge the rows of ``sims`` (keys ``start...``) into each column's running top-k."""
    columns, k = best.shape
    column, group = np.nonzero(block_max > best[:, -1:])
    if not len(column):
        return indices, best
    if len(column) > columns:  # many improving groups: select within the block first
        rows, values = _block_top_k(sims, block_max, k)
        candidates = np.concatenate((indices, rows + start), axis=1)
        values = np.concatenate((best, values), axis=1)
        keep = top_k(values, k)
        return np.take_along_axis(candidates, keep, axis=1), np.take_along_axis(values, keep, axis=1)
    rows = group[:, np.newaxis] * _BLOCK + np.arange(_BLOCK)
    values = sims[rows, column[:, np.newaxis]]
    values[np.isnan(values)] = -np.inf
    owner = np.concatenate((np.repeat(np.arange(columns), k), np.repeat(column, _BLOCK)))
    candidates = np.concatenate((indices.ravel(), (rows + start).ravel()))
    values = np.concatenate((best.ravel(), values.ravel()))
    order = np.lexsort((-values, owner))  # by column, then best first; earlier keys win ties
    first = np.searchsorted(owner[order], np.arange(columns))
    take = order[first[:, np.newaxis] + np.arange(k)]
    return candidates[take], values[take]


_SCORE_ROWS = 1 << 16  # rows of non-float32/64 vectors converted at a time by cosine_scores


def widen(rows: FloatArray, out: Float32Array) -> Float32Array:
    """``rows`` as float32 in ``out[:len(rows)]`` (returned): float16 rows through the CPU's
    F16C instructions where it has them (several times faster than numpy), others by numpy.

    Parameters
    ----------
    rows : numpy.ndarray
        ``(n, dim)`` floats.
    out : numpy.ndarray
        ``(>= n, dim)`` C-contiguous float32 buffer.
    """
    from fastw2v import _half

    view = out[:len(rows)]
    if rows.dtype == np.float16 and rows.flags.c_contiguous and _half.f16c_available():
        _half.widen_into(rows.view(np.uint16), view)
    else:
        view[...] = rows
    return view


def cosine_scores(vectors: FloatArray, query: FloatArray, norms: FloatArray) -> FloatArray:
    """``vectors @ query / norms``: the cosine similarity of every row to a unit ``query``.

    float32 and float64 rows are scored by one BLAS product (no temporary beyond the
    result); other dtypes (float16) are converted to float32 ``65,536`` rows at a time.
    Rows of zero norm score NaN.

    Parameters
    ----------
    vectors : numpy.ndarray
        ``(n, dim)`` rows.
    query : numpy.ndarray
        ``(dim,)`` unit vector.
    norms : numpy.ndarray
        ``(n,)`` L2 norms of the rows.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` similarities.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if vectors.dtype in (np.float32, np.float64):
            return vectors @ query / norms
        query32 = np.asarray(query, dtype=np.float32)
        scores = np.empty(len(vectors), dtype=np.float32)
        buffer = np.empty((min(_SCORE_ROWS, len(vectors)), vectors.shape[1]), np.float32)
        for start in range(0, len(vectors), _SCORE_ROWS):
            block = widen(vectors[start:start + _SCORE_ROWS], buffer)
            np.divide(block @ query32, norms[start:start + len(block)],
                      out=scores[start:start + len(block)])
        return scores


def scaled_similarities(queries: Float32Array, vectors: FloatArray,
                        norms: FloatArray) -> FloatArray:
    """``queries @ vectors.T / norms`` (cosine similarities when ``queries`` are unit rows)."""
    sims = queries @ vectors.T
    with np.errstate(divide="ignore", invalid="ignore"):
        sims /= norms
    return sims
