# cython: language_level=3
"""Applying phrase models to sentences (``Detector``) and the phrases of a frozen model
(``PhraseTable``); ``_phrase_counts.PhraseCounts`` is the detector of a ``Phrases`` model."""
cimport cython
from cpython.ref cimport PyObject
from libc.stdint cimport int32_t, int64_t

from fastw2v._phrase_lexicon cimport Lexicon, Tokens
from fastw2v._phrase_table cimport Table


cdef class Detector:
    cdef readonly Lexicon lexicon
    cdef Tokens scratch
    cdef bint scratch_busy
    cdef bint calls_python         # the scorer is Python code, which could change a sentence
    cdef double threshold
    cdef readonly int64_t version  # bumped by every change, to stop stale iterations
    cdef PyObject **texts          # phrase texts by table slot, owned (``PhraseTable``), or NULL

    cdef int evaluate(self, const int32_t *key, Py_ssize_t n, Py_ssize_t na, Py_ssize_t nb,
                      double *score) except -1
    cdef Table *phrase_table(self) noexcept
    cdef str phrase_text(self, list seq, Py_ssize_t start, Py_ssize_t stop)
    cdef Tokens borrow(self)
    cdef object apply_to(self, sentence, bint with_scores, bint plain_only)
    cdef tuple join(self, list seq, Tokens buf, bint with_scores)
    cdef void hash_candidates(self, Tokens buf) except *


@cython.final
cdef class PhraseTable(Detector):
    cdef Table table
    cdef Py_ssize_t matched  # the slot of the phrase ``evaluate`` last accepted

    cdef void forget_texts(self) noexcept
    cpdef PhraseTable compacted(self)
    cdef void insert(self, const int32_t *key, Py_ssize_t n, double score) except *


cdef check_version(Detector detector, int64_t version)
cdef str join_atoms(Lexicon lexicon, const int32_t *key, Py_ssize_t n)
