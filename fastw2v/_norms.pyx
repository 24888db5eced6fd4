# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled kernel of the row norms: L2 lengths of vector rows, without temporaries.

``fastw2v.nearest.row_norms`` checks the arguments, picks the block of rows each call takes
and runs calls in threads; here we check only what would otherwise read or write out of
bounds. The loop runs with the GIL released.
"""
from libc.math cimport sqrt

ctypedef fused real:
    float
    double


def row_norms_into(const real[:, ::1] vectors not None, real[::1] out not None, Py_ssize_t begin,
                   Py_ssize_t end):
    """``out[i] = ||vectors[i]||`` for rows ``i`` in ``[begin, end)``, summed in double."""
    cdef Py_ssize_t i, j, dim = vectors.shape[1]
    cdef double total
    if not 0 <= begin <= end <= min(vectors.shape[0], out.shape[0]):
        raise ValueError("row range [%d, %d) out of bounds" % (begin, end))
    with nogil:
        for i in range(begin, end):
            total = 0.0
            for j in range(dim):
                total += <double>vectors[i, j] * vectors[i, j]
            out[i] = <real>sqrt(total)
