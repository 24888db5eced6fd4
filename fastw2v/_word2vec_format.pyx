# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled kernels of the word2vec.c format readers: binary records, text numbers."""
from libc.math cimport sqrt
from libc.stdlib cimport strtod
from libc.string cimport memchr, memcpy


def parse_binary_records(const unsigned char[::1] buf not None, Py_ssize_t pos,
                         float[:, ::1] out not None, Py_ssize_t max_word_bytes,
                         Py_ssize_t[::1] word_starts not None, Py_ssize_t[::1] word_ends not None,
                         float[::1] norms not None, unsigned char[::1] word_bytes not None):
    """Copy complete ``word<space><float32 x dim>`` records of ``buf`` into the rows of ``out``.

    Starts at byte ``pos`` and the first row of ``out``; newlines before a word are skipped
    (as word2vec.c writes one after each vector). Stops at the first incomplete record or
    when ``out`` (or ``word_starts``) is full; records the byte span of the word of row ``i``
    in ``word_starts[i]``/``word_ends[i]`` and its L2 norm (of the native-endian floats,
    summed in double) in ``norms[i]``, while the row is in cache. The words are also copied
    into ``word_bytes`` (at least as long as ``buf``), each followed by a newline, so that
    they can be decoded at once.

    Returns
    -------
    (int, int, int, int)
        The rows filled, the byte offset of the first unparsed record, 1 if that record's
        word is longer than ``max_word_bytes`` (no space found), else 0, and the bytes of
        ``word_bytes`` filled.
    """
    cdef Py_ssize_t size = buf.shape[0]
    cdef Py_ssize_t rows = min(out.shape[0], word_starts.shape[0], word_ends.shape[0],
                               norms.shape[0])
    cdef Py_ssize_t vector_bytes = out.shape[1] * sizeof(float)
    cdef Py_ssize_t dim = out.shape[1]
    cdef Py_ssize_t row = 0
    cdef Py_ssize_t start, limit, vector_start, j
    cdef double total
    cdef const float *copied
    cdef const unsigned char *base = &buf[0] if size else NULL
    cdef const unsigned char *space
    cdef int overlong = 0
    cdef Py_ssize_t filled = 0
    if word_bytes.shape[0] < size:
        raise ValueError("word_bytes is shorter than buf")
    if not 0 <= pos <= size:
        raise ValueError("pos %d is outside buf" % pos)
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
            memcpy(&word_bytes[filled], base + start, word_ends[row] - start)
            filled += word_ends[row] - start
            word_bytes[filled] = b'\n'
            filled += 1
            memcpy(&out[row, 0], base + vector_start, vector_bytes)
            copied = &out[row, 0]
            total = 0.0
            for j in range(dim):
                total += <double>copied[j] * copied[j]
            norms[row] = <float>sqrt(total)
            pos = vector_start + vector_bytes
            row += 1
    return row, pos, overlong, filled


cdef inline bint _is_space(unsigned char c) noexcept nogil:
    return c == b' ' or 9 <= c <= 13  # ASCII whitespace, as bytes.split() splits


cdef inline bint _is_digit(unsigned char c) noexcept nogil:
    return b'0' <= c <= b'9'


cdef inline bint _plain_number(const unsigned char *token, Py_ssize_t length) noexcept nogil:
    """Whether ``token`` is ``[+-]digits[.digits][(e|E)[+-]digits]`` (digits on at least one
    side of the point)."""
    cdef Py_ssize_t i = 0, digits = 0, exponent_digits = 0
    if i < length and (token[i] == b'+' or token[i] == b'-'):
        i += 1
    while i < length and _is_digit(token[i]):
        i += 1
        digits += 1
    if i < length and token[i] == b'.':
        i += 1
        while i < length and _is_digit(token[i]):
            i += 1
            digits += 1
    if digits == 0:
        return False
    if i < length and (token[i] == b'e' or token[i] == b'E'):
        i += 1
        if i < length and (token[i] == b'+' or token[i] == b'-'):
            i += 1
        while i < length and _is_digit(token[i]):
            i += 1
            exponent_digits += 1
        if exponent_digits == 0:
            return False
    return i == length


def parse_numbers(const unsigned char[::1] text not None, double[::1] out not None,
                  Py_ssize_t per_line):
    """Parse the whitespace-separated numbers of ``text`` into ``out``, with the GIL released.

    Only plain decimal numbers (an optional sign, digits with an optional point, an optional
    exponent; at most 63 bytes) are parsed here, by the C library's ``strtod`` (the caller
    makes sure the locale's decimal point is ``.``), correctly rounded to double as Python
    and numpy round them.

    ``text`` holds lines (each ended by a newline, but for the last) of ``per_line`` numbers
    each.

    Returns
    -------
    int
        ``len(out)`` if ``text`` holds exactly that many such numbers, ``per_line`` on every
        line, else -1 (another token, or another count: the caller parses the text itself,
        to report it).
    """
    cdef Py_ssize_t size = text.shape[0], capacity = out.shape[0]
    cdef Py_ssize_t pos = 0, start, length, count = 0, line_start = 0
    cdef const unsigned char *base = &text[0] if size else NULL
    cdef char token[64]
    cdef char *end
    if per_line <= 0:
        raise ValueError("per_line must be positive")
    with nogil:
        while True:
            while pos < size and _is_space(base[pos]):
                if base[pos] == b'\n':  # the end of a line: it must hold per_line numbers
                    if count - line_start != per_line:
                        count = -1
                        break
                    line_start = count
                pos += 1
            if count < 0:
                break
            if pos == size:
                break
            start = pos
            while pos < size and not _is_space(base[pos]):
                pos += 1
            length = pos - start
            if count == capacity or length > 63 or not _plain_number(base + start, length):
                count = -1
                break
            memcpy(token, base + start, length)
            token[length] = 0
            out[count] = strtod(token, &end)
            if end != token + length:
                count = -1
                break
            count += 1
    return count if count == capacity else -1
