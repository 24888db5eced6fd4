"""Cython declarations of ``_words``: the word table and the sentence check."""
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport realloc


cdef struct WordSlot:
    int32_t id1       # the word's id + 1; 0 marks an empty slot
    uint32_t tag      # the high half of the word's hash


cdef class WordHash:
    """Open-addressing hash table from UTF-8 words to dense ids, with counts."""
    cdef WordSlot *slots
    cdef int64_t n_slots
    cdef char *arena
    cdef int64_t arena_used, arena_size
    cdef int64_t *offsets
    cdef int32_t *lengths
    cdef uint64_t *hashes
    cdef int64_t *counts
    cdef int64_t size, capacity

    cdef int64_t probe(self, const char *word, int32_t length, uint64_t h) noexcept nogil
    cdef int64_t lookup(self, const char *word, int32_t length) noexcept nogil
    cdef int64_t add(self, const char *word, int32_t length, int64_t count) noexcept nogil
    cdef int grow_entries(self) noexcept nogil
    cdef int rehash(self, int64_t n_slots) noexcept nogil
    cdef int prune_below(self, int64_t min_count) noexcept nogil


cdef list as_sentence(object sentence)


cdef inline bint resized(void **data, size_t size) noexcept nogil:
    """Reallocate ``*data`` to ``size`` bytes; False, ``*data`` intact, when out of memory."""
    cdef void *result = realloc(data[0], size)
    if result == NULL:
        return False
    data[0] = result
    return True
