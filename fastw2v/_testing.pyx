# cython: language_level=3
"""Entry points for the tests into compiled code that the library calls only from C.

Nothing in ``fastw2v`` imports this module: it lets the tests read text with the compiled
text layer (``split_chunks``), read a byte range as training's workers do
(``read_file_range``) and score as the nearest-key rerank scores (``exact_cosines``).
"""
import numpy as np

from libc.stdint cimport INT64_MAX, int32_t, int64_t
from libc.stdlib cimport free, malloc

from fastw2v._text cimport (FW_TEXT_INVALID, FW_TEXT_MORE, FW_TEXT_NEWLINE, FW_TEXT_NOMEM,
                            FW_TEXT_WORD, fw_text, fw_text_feed, fw_text_free, fw_text_init,
                            fw_text_next)
from fastw2v._reading cimport RangeCounts, check_read, read_range
from fastw2v._words cimport WordHash

cdef extern from "_nearest.h" nogil:
    void fw_exact_cosines(const float *query, const float *vectors, const float *norms, int dim,
                          const int32_t *rows, int64_t n_rows, float *unit, float *out)


def split_chunks(chunks):
    """The lines of a byte stream given as chunks (bytes), as lists of words, read a chunk at
    a time by the compiled text layer: ``[line.decode().split() for line in
    b"".join(chunks).split(b"\\n")]``.

    Raises
    ------
    ValueError
        If a word is not valid UTF-8.
    """
    cdef fw_text t
    cdef int kind
    cdef bytes chunk
    chunks = iter(chunks)
    cdef list line = []
    cdef list lines = [line]
    fw_text_init(&t, 0, 0, INT64_MAX)
    try:
        while True:
            kind = fw_text_next(&t)
            if kind == FW_TEXT_MORE:
                piece = next(chunks, None)
                chunk = b"" if piece is None else bytes(piece)  # alive while t points into it
                fw_text_feed(&t, chunk, len(chunk), piece is None)
            elif kind == FW_TEXT_WORD:
                line.append(t.word[:t.word_len].decode("utf8"))
            elif kind == FW_TEXT_NEWLINE:
                line = []
                lines.append(line)
            elif kind == FW_TEXT_INVALID:
                raise ValueError("not valid UTF-8 near byte %d" % t.invalid_at)
            elif kind == FW_TEXT_NOMEM:
                raise MemoryError()
            else:
                return lines
    finally:
        fw_text_free(&t)


def read_file_range(WordHash words not None, path, int64_t start, int64_t end,
                    int64_t max_sentence_length=0, bint by_line=True):
    """``read_range`` from Python: ``(ids, ends, raw_words, raw_sentences)``."""
    cdef bytes path_bytes = path.encode() if isinstance(path, str) else bytes(path)
    cdef int64_t capacity = max(end - start, 0) // 2 + 2
    cdef int32_t[::1] ids = np.empty(capacity, dtype=np.int32)
    cdef int64_t[::1] ends = np.empty(capacity, dtype=np.int64)
    cdef RangeCounts counts
    check_read(read_range(path_bytes, start, end, words, max_sentence_length, by_line, &ids[0],
                          &ends[0], &counts), path, &counts)
    n_ids = ends[counts.sentences - 1] if counts.sentences else 0
    return (np.asarray(ids[:n_ids]).copy(), np.asarray(ends[:counts.sentences]).copy(),
            counts.raw_words, counts.raw_sentences)


def exact_cosines(const float[::1] query, const float[:, ::1] vectors, const float[::1] norms,
                  const int32_t[::1] rows):
    """Float32 similarities of a unit query with ``vectors[rows] / norms[rows]``, summed as the
    rerank sums them (one fused multiply-add per dimension, in order)."""
    cdef int dim = vectors.shape[1]
    cdef int64_t n = rows.shape[0]
    out = np.empty(n, dtype=np.float32)
    if query.shape[0] != dim:
        raise ValueError("query has %d dimensions, vectors %d" % (query.shape[0], dim))
    if n and not (0 <= np.min(rows) and np.max(rows) < min(vectors.shape[0], norms.shape[0])):
        raise ValueError("rows out of bounds")
    cdef float[::1] result = out
    cdef float *unit
    if n:
        unit = <float *>malloc(16 * dim * sizeof(float))
        if unit == NULL:
            raise MemoryError()
        with nogil:
            fw_exact_cosines(&query[0], &vectors[0, 0], &norms[0], dim, &rows[0], n, unit, &result[0])
        free(unit)
    return out
