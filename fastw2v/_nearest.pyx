# cython: language_level=3
"""Compiled kernels of the batched nearest-key search: the Python-facing side of ``_nearest.h``.

``fastw2v.nearest`` decides when to use them and checks the arguments; here we
only check what would otherwise make the C code read or write out of bounds. Every kernel
runs with the GIL released.
"""
import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc

cdef extern from "_nearest.h" nogil:
    enum: FW_SCAN_ODD_NORMS, FW_SCAN_NO_MEMORY
    ctypedef struct fw_candidates:
        int64_t n_queries
        int capacity
        float *scores
        int32_t *rows
        int32_t *counts
        float *thresholds
    int fw_bf16_supported()
    int64_t fw_packed_query_words(int64_t n_queries, int dim)
    void fw_bf16_pack_queries(const float *queries, int64_t n_queries, int dim, uint32_t *packed)
    int fw_bf16_scan(const uint32_t *packed_queries, const float *vectors, const float *norms,
                     int dim, int64_t begin_row, int64_t end_row, float max_sum_squares, int k,
                     float margin, fw_candidates *c)
    int fw_bf16_rerank(const fw_candidates *scans, int n_scans, const float *queries,
                       const float *vectors, const float *norms, int dim, int k, float margin,
                       int64_t *out_rows, float *out_similarities, uint8_t *fallback)

SCAN_ODD_NORMS = FW_SCAN_ODD_NORMS  # a unit key row is too long: use the float32 path


def bf16_supported():
    """Whether this CPU runs the bfloat16 kernels (AVX512_BF16) and this build has them."""
    return bool(fw_bf16_supported())


cdef class CandidateLists:
    """Candidate keys per query, up to ``capacity`` (row, approximate score) pairs, collected
    by one thread's scans."""
    cdef fw_candidates lists
    cdef readonly object scores, rows, counts, thresholds
    cdef readonly int64_t end_row  # the candidates are rows below end_row

    def __init__(self, int64_t n_queries, int capacity):
        self.end_row = 0
        self.scores = np.empty((n_queries, capacity), dtype=np.float32)
        self.rows = np.empty((n_queries, capacity), dtype=np.int32)
        self.counts = np.zeros(n_queries, dtype=np.int32)
        self.thresholds = np.full(n_queries, -np.inf, dtype=np.float32)
        cdef float[:, ::1] scores = self.scores
        cdef int32_t[:, ::1] rows = self.rows
        cdef int32_t[::1] counts = self.counts
        cdef float[::1] thresholds = self.thresholds
        self.lists.n_queries = n_queries
        self.lists.capacity = capacity
        self.lists.scores = &scores[0, 0] if n_queries else NULL
        self.lists.rows = &rows[0, 0] if n_queries else NULL
        self.lists.counts = &counts[0] if n_queries else NULL
        self.lists.thresholds = &thresholds[0] if n_queries else NULL


def pack_queries(const float[:, ::1] queries):
    """Unit query rows as bfloat16 pairs in the layout of the scan's micro-kernel."""
    cdef int64_t n = queries.shape[0]
    cdef int dim = queries.shape[1]
    packed = np.empty(fw_packed_query_words(n, dim), dtype=np.uint32)
    cdef uint32_t[::1] out = packed
    if n:
        with nogil:
            fw_bf16_pack_queries(&queries[0, 0], n, dim, &out[0])
    return packed


def scan(const uint32_t[::1] packed_queries, const float[:, ::1] vectors, const float[::1] norms,
         int64_t begin_row, int64_t end_row, float max_sum_squares, int k, float margin,
         CandidateLists candidates):
    """Approximate pass over rows ``[begin_row, end_row)``, adding to ``candidates``.

    Returns 0, or ``SCAN_ODD_NORMS`` when a key's unit row is longer than
    ``sqrt(max_sum_squares)`` (the candidates are then incomplete).
    """
    cdef int dim = vectors.shape[1]
    cdef int status
    if packed_queries.shape[0] != fw_packed_query_words(candidates.lists.n_queries, dim):
        raise ValueError("packed queries do not match the candidate lists or the vector size")
    if not 0 <= begin_row <= end_row <= min(vectors.shape[0], norms.shape[0], 2 ** 31 - 1):
        raise ValueError("row range [%d, %d) out of bounds" % (begin_row, end_row))
    if not 1 <= k <= candidates.lists.capacity - 32:
        raise ValueError("the candidate lists need room for k + 32 keys")
    candidates.end_row = max(candidates.end_row, end_row)
    if begin_row == end_row or candidates.lists.n_queries == 0:
        return 0
    with nogil:
        status = fw_bf16_scan(&packed_queries[0], &vectors[0, 0], &norms[0], dim, begin_row,
                              end_row, max_sum_squares, k, margin, &candidates.lists)
    if status == FW_SCAN_NO_MEMORY:
        raise MemoryError()
    return status


def rerank(scans, const float[:, ::1] queries, const float[:, ::1] vectors, const float[::1] norms,
           int k, float margin):
    """Exact best ``k`` of each query among the candidates of ``scans`` (CandidateLists).

    Returns ``(rows, similarities, fallback)``: ``(queries, k)`` int64 and float32 arrays and
    a boolean array marking the queries to answer with the float32 path instead.
    """
    cdef int64_t n = queries.shape[0]
    cdef int n_scans = len(scans), s, status
    cdef CandidateLists candidates
    for candidates in scans:
        if candidates.lists.n_queries != n:
            raise ValueError("candidate lists for %d queries, got %d queries"
                             % (candidates.lists.n_queries, n))
        if candidates.lists.capacity < k:
            raise ValueError("candidate lists shorter than k")
        if candidates.end_row > min(vectors.shape[0], norms.shape[0]):
            raise ValueError("candidate rows out of bounds")
    if vectors.shape[1] != queries.shape[1]:
        raise ValueError("queries and vectors differ in size")
    rows = np.zeros((n, k), dtype=np.int64)
    similarities = np.zeros((n, k), dtype=np.float32)
    fallback = np.ones(n, dtype=np.uint8)
    if n == 0 or n_scans == 0 or k < 1:
        return rows, similarities, fallback.astype(bool)
    cdef int64_t[:, ::1] out_rows = rows
    cdef float[:, ::1] out_similarities = similarities
    cdef uint8_t[::1] out_fallback = fallback
    cdef fw_candidates *lists = <fw_candidates *>malloc(n_scans * sizeof(fw_candidates))
    if lists == NULL:
        raise MemoryError()
    for s in range(n_scans):
        candidates = scans[s]
        lists[s] = candidates.lists
    with nogil:
        status = fw_bf16_rerank(lists, n_scans, &queries[0, 0], &vectors[0, 0], &norms[0],
                                vectors.shape[1], k, margin, &out_rows[0, 0],
                                &out_similarities[0, 0], &out_fallback[0])
    free(lists)
    if status < 0:
        raise MemoryError()
    return rows, similarities, fallback.astype(bool)
