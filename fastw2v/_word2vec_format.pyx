# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled kernel of the word2vec.c binary-format reader."""
from libc.string cimport memchr, memcpy


def parse_binary_records(const unsigned char[::1] buf, Py_ssize_t pos, float[:, ::1] out,
                         Py_ssize_t max_word_bytes, Py_ssize_t[::1] word_starts,
                         Py_ssize_t[::1] word_ends):
    """Copy complete ``word<space><float32 x dim>`` records of ``buf`` into the rows of ``out``.

    Starts at byte ``pos`` and the first row of ``out``; newlines before a word are skipped
    (as word2vec.c writes one after each vector). Stops at the first incomplete record or
    when ``out`` (or ``word_starts``) is full; records the byte span of the word of row ``i``
    in ``word_starts[i]``/``word_ends[i]``.

    Returns
    -------
    (int, int, int)
        The rows filled, the byte offset of the first unparsed record, and 1 if that record's
        word is longer than ``max_word_bytes`` (no space found), else 0.
    """
    cdef Py_ssize_t size = buf.shape[0]
    cdef Py_ssize_t rows = min(out.shape[0], word_starts.shape[0], word_ends.shape[0])
    cdef Py_ssize_t vector_bytes = out.shape[1] * sizeof(float)
    cdef Py_ssize_t row = 0
    cdef Py_ssize_t start, limit, vector_start
    cdef const unsigned char *base = &buf[0] if size else NULL
    cdef const unsigned char *space
    cdef int overlong = 0
    with nogil:
        while row < rows:
            start = pos
            while start < size and base[start] == b'\n':
                start += 1
            limit = size - start
            if limit > max_word_bytes + 1:
                limit = max_word_bytes + 1
            space = <const unsigned char *>memchr(base + start, b' ', limit) if limit > 0 else NULL
            if space == NULL:
                overlong = limit == max_word_bytes + 1
                break
            vector_start = (space - base) + 1
            if size - vector_start < vector_bytes:
                break
            word_starts[row] = start
            word_ends[row] = space - base
            memcpy(&out[row, 0], base + vector_start, vector_bytes)
            pos = vector_start + vector_bytes
            row += 1
    return row, pos, overlong
