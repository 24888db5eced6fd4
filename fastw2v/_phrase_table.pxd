# cython: language_level=3
"""The hash table of atom sequences shared by ``_phrase_counts`` and ``_phrase_apply``.

A key is a sequence of two or more atom ids (``_phrase_lexicon``), a value an int64: a count
or the bits of a float64 score. Two-atom keys sit inline in their slot; a longer key is stored
in the arena as its length, then its atoms, and its slot holds the arena offset in the low
``OFFSET_BITS`` bits, above them a tag of its hash (to skip most other long keys without
reading the arena), and the sign bit. The functions that run per key are inline here; the
others are in ``_phrase_table.pyx``.
"""
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memcpy

cdef extern from "_hashing.h":
    void FW_PREFETCH(const void *p) noexcept nogil
    void *fw_table_alloc(size_t size) noexcept nogil
    void fw_table_free(void *p, size_t size) noexcept nogil

cdef enum:
    AHEAD = 32         # how far ahead tokens and table slots are prefetched
    OFFSET_BITS = 40
    TAG_BITS = 23

ctypedef struct Entry:
    int64_t key      # 0: an empty slot; > 0: a two-atom key, packed; < 0: a longer key
    int64_t value

ctypedef struct Table:
    Entry *slots
    size_t mask      # capacity - 1, capacity a power of two
    size_t size
    int32_t *arena   # keys of three or more atoms
    size_t arena_len
    size_t arena_cap
    uint64_t *filter # one bit per hash bucket, set if some key falls in it; NULL if none
    int filter_shift # a hash's bucket is ``hash >> filter_shift``


cdef int table_init(Table *t, size_t capacity) noexcept nogil
cdef void table_free(Table *t) noexcept nogil
cdef int table_add_hashed(Table *t, const int32_t *key, Py_ssize_t n, uint32_t h,
                          int64_t value) noexcept nogil
cdef int table_resize(Table *t, size_t capacity) noexcept nogil
cdef int table_reserve(Table *t, size_t extra) noexcept nogil
cdef size_t fitting_capacity(size_t n) noexcept nogil
cdef int table_prune(Table *t, int64_t min_value) noexcept nogil
cdef int table_build_filter(Table *t) noexcept nogil
cdef Py_ssize_t table_atoms(const Table *t) noexcept nogil
cdef void table_export(const Table *t, int32_t *lengths, int32_t *atoms,
                       int64_t *values) noexcept nogil
cdef void table_import(Table *t, const int32_t *ids, Py_ssize_t n_words, Py_ssize_t n_keys,
                       const int32_t *lengths, Py_ssize_t n_atoms, const int32_t *atoms,
                       const int64_t *values) except *


cdef inline uint32_t hash_key(const int32_t *key, Py_ssize_t n) noexcept nogil:
    cdef uint64_t h = <uint64_t>n * <uint64_t>0x9E3779B97F4A7C15
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ <uint32_t>key[i]) * <uint64_t>0xBF58476D1CE4E5B9
        h ^= h >> 31
    h *= <uint64_t>0x94D049BB133111EB
    return <uint32_t>(h >> 32)


cdef inline bint same_atoms(const int32_t *a, const int32_t *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        if a[i] != b[i]:
            return False
    return True


cdef inline int64_t pack(const int32_t *key) noexcept nogil:
    """Two atoms in one positive number (atom ids are below 2**31 - 1)."""
    return <int64_t>((<uint64_t><uint32_t>(key[0] + 1) << 32) | <uint32_t>key[1])


cdef inline void unpack(int64_t packed, int32_t *pair) noexcept nogil:
    pair[0] = <int32_t>(<uint64_t>packed >> 32) - 1
    pair[1] = <int32_t><uint32_t><uint64_t>packed


cdef inline int64_t long_key(size_t offset, uint32_t h) noexcept nogil:
    """The slot value of the long key at ``offset`` in the arena, of hash ``h``."""
    return <int64_t>((<uint64_t>1 << 63) | (<uint64_t>(h >> (32 - TAG_BITS)) << OFFSET_BITS)
                     | offset)


cdef inline size_t arena_offset(int64_t key) noexcept nogil:
    return <size_t>(<uint64_t>key & ((<uint64_t>1 << OFFSET_BITS) - 1))


cdef inline Py_ssize_t entry_len(const Table *t, const Entry *e) noexcept nogil:
    """The number of atoms of an entry's key (0 for an empty slot)."""
    if e.key >= 0:
        return 2 if e.key else 0
    return t.arena[arena_offset(e.key)]


cdef inline const int32_t *entry_atoms(const Table *t, const Entry *e, int32_t *pair) noexcept nogil:
    """The atoms of an entry's key (``pair`` is scratch space for a two-atom key)."""
    if e.key > 0:
        unpack(e.key, pair)
        return pair
    return t.arena + arena_offset(e.key) + 1


cdef inline uint32_t entry_hash(const Table *t, const Entry *e) noexcept nogil:
    cdef int32_t pair[2]
    return hash_key(entry_atoms(t, e, pair), entry_len(t, e))


cdef inline Entry *table_find(const Table *t, const int32_t *key, Py_ssize_t n,
                              uint32_t h) noexcept nogil:
    """The slot holding ``key``, or the empty slot where it would go."""
    cdef size_t i = h & t.mask
    cdef int64_t wanted, tag_mask = ((<int64_t>1 << TAG_BITS) - 1) << OFFSET_BITS
    cdef Entry *e
    if n == 2:
        wanted = pack(key)
        while t.slots[i].key != wanted and t.slots[i].key != 0:
            i = (i + 1) & t.mask
        return &t.slots[i]
    wanted = long_key(0, h) & tag_mask
    while True:
        e = &t.slots[i]
        if e.key == 0:
            return e
        if (e.key < 0 and (e.key & tag_mask) == wanted and t.arena[arena_offset(e.key)] == n
                and same_atoms(t.arena + arena_offset(e.key) + 1, key, n)):
            return e
        i = (i + 1) & t.mask


cdef inline Entry *table_get(const Table *t, const int32_t *key, Py_ssize_t n) noexcept nogil:
    """The entry of ``key``, or NULL."""
    cdef Entry *e = table_find(t, key, n, hash_key(key, n))
    return e if e.key else NULL


cdef inline int table_add(Table *t, const int32_t *key, Py_ssize_t n, int64_t value) noexcept nogil:
    """Add ``value`` to the value of ``key`` (inserting it): 1 if new, 0 if not, -1 if out of memory."""
    return table_add_hashed(t, key, n, hash_key(key, n), value)


cdef inline bint table_may_hold(const Table *t, uint32_t h) noexcept nogil:
    """False if no key of hash ``h`` is in the table (by its filter, if it has one)."""
    if t.filter == NULL:
        return True
    return (t.filter[h >> t.filter_shift >> 6] >> ((h >> t.filter_shift) & 63)) & 1


cdef inline double score_of(const Entry *e) noexcept nogil:
    """The float64 score whose bits are an entry's value (``PhraseTable``)."""
    cdef double score
    memcpy(&score, &e.value, sizeof(double))
    return score
