# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled kernels of distributed training's row deltas (``fastw2v.distributed.sync``).

A delta travels as bfloat16: the upper half of a float32 (sign, exponent and 7 bits of
mantissa), rounded to nearest even; a NaN stays a NaN. Taking a delta moves the base by
the delta as rounded, so that what the rounding drops stays in ``matrix - base`` and goes
with the next delta. Each kernel reads and writes its rows in one pass, with the GIL
released. ``fastw2v.distributed.sync`` checks the arguments; here we check only what would
otherwise read or write out of bounds.
"""
from libc.stdint cimport int32_t, int64_t, uint16_t, uint32_t
from libc.string cimport memcpy

ctypedef fused index_t:
    int32_t
    int64_t


cdef inline uint16_t _narrow(float value) noexcept nogil:
    cdef uint32_t bits
    memcpy(&bits, &value, 4)
    if (bits & 0x7FFFFFFFu) > 0x7F800000u:  # NaN: rounding could carry it to zero
        return <uint16_t>((bits >> 16) | 0x0040u)
    return <uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16)


cdef inline float _widen(uint16_t half) noexcept nogil:
    cdef uint32_t bits = (<uint32_t>half) << 16
    cdef float value
    memcpy(&value, &bits, 4)
    return value


cdef inline bint _take_row(float *current, float *base, uint16_t *out,
                           Py_ssize_t dim) noexcept nogil:
    """``out = current - base`` as bfloat16, ``base += out``; whether any of it was not 0."""
    cdef Py_ssize_t j
    cdef float change
    cdef bint changed = False
    for j in range(dim):
        change = current[j] - base[j]
        changed |= change != 0
        out[j] = _narrow(change)
        base[j] += _widen(out[j])
    return changed


cdef int _check_pair(float[:, ::1] matrix, float[:, ::1] base) except -1:
    if base.shape[0] != matrix.shape[0] or base.shape[1] != matrix.shape[1]:
        raise ValueError("base of shape %s for a matrix of shape %s"
                         % ((base.shape[0], base.shape[1]), (matrix.shape[0], matrix.shape[1])))
    return 0


cdef int _check_span(Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t n_rows) except -1:
    if not 0 <= lo <= hi <= n_rows:
        raise ValueError("rows %d:%d of a matrix of %d" % (lo, hi, n_rows))
    return 0


def take_block(float[:, ::1] current not None, float[:, ::1] base not None,
               Py_ssize_t lo, Py_ssize_t hi, uint16_t[:, ::1] out not None):
    """``out[:hi - lo] = current[lo:hi] - base[lo:hi]`` as bfloat16; the base moves by it."""
    cdef Py_ssize_t row, dim = current.shape[1]
    _check_pair(current, base)
    _check_span(lo, hi, current.shape[0])
    if out.shape[0] < hi - lo or out.shape[1] != dim:
        raise ValueError("out of shape %s cannot hold %d rows of %d"
                         % ((out.shape[0], out.shape[1]), hi - lo, dim))
    if dim == 0:
        return
    with nogil:
        for row in range(lo, hi):
            _take_row(&current[row, 0], &base[row, 0], &out[row - lo, 0], dim)


def take_changed(float[:, ::1] current not None, float[:, ::1] base not None,
                 Py_ssize_t lo, Py_ssize_t hi, index_t[::1] index not None,
                 uint16_t[:, ::1] out not None):
    """The rows of ``lo:hi`` where ``current`` and ``base`` differ: their numbers into
    ``index``, ``current - base`` as bfloat16 into ``out`` (the base moves by it).

    Returns
    -------
    int
        How many rows changed (written to the front of ``index`` and ``out``).
    """
    cdef Py_ssize_t row, found = 0, dim = current.shape[1]
    _check_pair(current, base)
    _check_span(lo, hi, current.shape[0])
    if index.shape[0] < hi - lo or out.shape[0] < hi - lo or out.shape[1] != dim:
        raise ValueError("index of %d and out of shape %s cannot hold %d rows of %d"
                         % (index.shape[0], (out.shape[0], out.shape[1]), hi - lo, dim))
    if dim == 0:
        return 0
    with nogil:
        for row in range(lo, hi):
            if _take_row(&current[row, 0], &base[row, 0], &out[found, 0], dim):
                index[found] = row
                found += 1
    return found


cdef void _add_row(float *matrix, float *base, const uint16_t *row, float sign,
                   Py_ssize_t dim) noexcept nogil:
    cdef Py_ssize_t j
    cdef float value
    if base == NULL:
        for j in range(dim):
            matrix[j] += sign * _widen(row[j])
        return
    for j in range(dim):
        value = sign * _widen(row[j])
        matrix[j] += value
        base[j] += value


def add_rows(float[:, ::1] matrix not None, float[:, ::1] base, index_t[::1] index not None,
             const uint16_t[:, ::1] rows not None, float sign):
    """``matrix[index] += sign * rows`` (bfloat16 rows), and the same to ``base`` unless
    it is None; ``index`` must not repeat a row."""
    cdef Py_ssize_t k, n = index.shape[0], n_rows = matrix.shape[0], dim = matrix.shape[1]
    cdef bint in_bounds = True
    cdef float *base_row = NULL
    cdef bint has_base = base is not None
    if has_base:
        _check_pair(matrix, base)
    if rows.shape[0] != n or rows.shape[1] != dim:
        raise ValueError("%d rows of %d for %d indices into rows of %d"
                         % (rows.shape[0], rows.shape[1], n, dim))
    if n == 0 or dim == 0:
        return
    with nogil:
        for k in range(n):
            in_bounds &= 0 <= index[k] < n_rows
    if not in_bounds:
        raise IndexError("an index of the delta is outside the matrix's %d rows" % n_rows)
    with nogil:
        for k in range(n):
            if has_base:
                base_row = &base[index[k], 0]
            _add_row(&matrix[index[k], 0], base_row, &rows[k, 0], sign, dim)


def add_block(float[:, ::1] matrix not None, float[:, ::1] base, Py_ssize_t lo,
              const uint16_t[:, ::1] rows not None, float sign):
    """``matrix[lo:lo + len(rows)] += sign * rows`` (bfloat16 rows), and the same to
    ``base`` unless it is None."""
    cdef Py_ssize_t k, n = rows.shape[0], dim = matrix.shape[1]
    cdef float *base_row = NULL
    cdef bint has_base = base is not None
    if has_base:
        _check_pair(matrix, base)
    _check_span(lo, lo + n, matrix.shape[0])
    if rows.shape[1] != dim:
        raise ValueError("rows of %d for a matrix with rows of %d" % (rows.shape[1], dim))
    if n == 0 or dim == 0:
        return
    with nogil:
        for k in range(n):
            if has_base:
                base_row = &base[lo + k, 0]
            _add_row(&matrix[lo + k, 0], base_row, &rows[k, 0], sign, dim)


def narrow(const float[:, ::1] values not None, uint16_t[:, ::1] out not None):
    """``out = values`` as bfloat16, rounded to nearest even."""
    cdef Py_ssize_t i, j
    if out.shape[0] != values.shape[0] or out.shape[1] != values.shape[1]:
        raise ValueError("out of shape %s for values of shape %s"
                         % ((out.shape[0], out.shape[1]), (values.shape[0], values.shape[1])))
    with nogil:
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                out[i, j] = _narrow(values[i, j])
