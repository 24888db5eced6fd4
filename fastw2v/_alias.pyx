# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled kernel of Walker's alias table, paired as Vose's method pairs it.

``fastw2v.losses.alias_table`` scales the weights and calls :func:`pair_buckets`; the loop
runs with the GIL released, in the order of the pure-Python version it replaces (small and
large stacks popped from their ends, float64 arithmetic rounded as Python rounds it), so the
table is the same.
"""
from libc.stdint cimport int32_t, int64_t

import numpy as np


cdef inline void file_bucket(int64_t *stacks, Py_ssize_t n, Py_ssize_t *n_small,
                             Py_ssize_t *n_large, int64_t bucket, double residual) noexcept nogil:
    """Push ``bucket`` on the stack of under-full buckets (growing from the start of
    ``stacks``) or of the others (growing from its end)."""
    if residual < 1.0:
        stacks[n_small[0]] = bucket
        n_small[0] += 1
    else:
        n_large[0] += 1
        stacks[n - n_large[0]] = bucket


def pair_buckets(double[::1] residual not None):
    """Pair under-full buckets with over-full ones.

    Parameters
    ----------
    residual : ndarray of float64
        Each bucket's weight scaled to a mean of 1; overwritten with what is left of it.

    Returns
    -------
    (ndarray of float64, ndarray of int32)
        Each bucket's share of its own word (1 where unpaired) and its partner's word.
    """
    cdef Py_ssize_t n = residual.shape[0], i, n_small = 0, n_large = 0
    cdef int64_t s, g
    # through memory: the build's -fassociative-math would otherwise let the compiler
    # regroup residual[g] - (1 - residual[s]) and round differently from Python
    cdef volatile double deficit
    prob_array = np.ones(n, dtype=np.float64)
    alias_array = np.arange(n, dtype=np.int32)
    stacks_array = np.empty(n, dtype=np.int64)  # the two stacks never hold more than n
    cdef double[::1] prob = prob_array
    cdef int32_t[::1] alias = alias_array
    cdef int64_t[::1] stacks_view = stacks_array
    cdef int64_t *stacks = &stacks_view[0] if n else NULL
    with nogil:
        for i in range(n):
            file_bucket(stacks, n, &n_small, &n_large, i, residual[i])
        while n_small and n_large:
            n_small -= 1
            s = stacks[n_small]
            g = stacks[n - n_large]
            n_large -= 1
            prob[s] = residual[s]
            alias[s] = <int32_t>g
            deficit = 1.0 - residual[s]
            residual[g] -= deficit
            file_bucket(stacks, n, &n_small, &n_large, g, residual[g])
    return prob_array, alias_array
