# cython: language_level=3
"""Interning for the phrase models: token strings -> atom ids (``Lexicon``), and the buffer
of the atoms of a run of sentences (``Tokens``). See ``_phrase_lexicon.pyx``."""
cimport cython
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t

cdef enum:
    CONNECTOR = 1   # a token's flag: a connector word
    INLINE = 16     # strings of at most this many bytes are compared inside the string table

ctypedef struct Word:
    Py_hash_t hash
    int32_t id        # -1 marks an empty slot
    int8_t length     # the length of a short string, whose characters are inline; else -1
    uint8_t kind      # the width of those characters (PyUnicode_KIND)
    uint8_t flags     # CONNECTOR or 0
    uint8_t single    # whether the word is one atom (its own id)
    char text[INLINE]


cdef void *grown(void *data, size_t size) except NULL


@cython.final
cdef class Tokens:
    cdef int32_t *atoms
    cdef int64_t *starts     # starts[p]..starts[p + 1] are the atoms of position p
    cdef uint8_t *flags
    cdef int64_t *ends       # one past the last position of each sentence
    cdef int64_t *key_start  # table updates or lookups of a group of sentences: key offsets
    cdef int32_t *key_len    # into atoms, key lengths,
    cdef uint32_t *key_hash  # key hashes
    cdef Py_ssize_t n_atoms, n_pos, n_sent, atoms_cap, pos_cap, sent_cap, keys_cap
    cdef bint split_tokens   # some token contains the delimiter

    cdef void reserve_keys(self, Py_ssize_t n) except *
    cdef void clear(self) noexcept
    cdef void reserve(self, Py_ssize_t extra) except *
    cdef int push(self, int32_t atom, uint8_t flags) except -1
    cdef void end_token(self, uint8_t flags) noexcept
    cdef void end_sentence(self) except *


@cython.final
cdef class Lexicon:
    cdef readonly list words         # id -> token
    cdef readonly str delimiter
    cdef readonly frozenset connector_words
    cdef readonly bint python_hash
    cdef frozenset delimiter_chars   # only for delimiters longer than one character
    cdef int delimiter_char          # the delimiter if it is one ASCII character, else -1
    cdef Word *slots
    cdef size_t mask
    cdef int32_t *natoms
    cdef int64_t *offsets            # into atoms, for tokens of several atoms
    cdef int32_t *atoms
    cdef Py_ssize_t n, capacity, atoms_len, atoms_cap

    cdef void resize(self, size_t capacity) except *
    cdef Py_ssize_t find(self, object word, Py_hash_t h) except -2
    cdef int32_t intern(self, str word) except -1
    cdef int32_t *intern_all(self, list words) except NULL
    cdef list split(self, str word)
    cdef Py_ssize_t add(self, str word, Py_hash_t h) except -1
    cdef void grow(self) except *
    cdef void grow_atoms(self, Py_ssize_t extra) except *
    cdef int put_all(self, Tokens buf, list seq, bint learning) except -1
    cdef int put(self, Tokens buf, object word, Py_hash_t h, bint learning) except -1
    cdef int put_converted(self, Tokens buf, object word, bint learning) except -1
    cdef int put_unknown(self, Tokens buf, str word) except -1
