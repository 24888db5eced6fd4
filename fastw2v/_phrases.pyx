# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled kernels of ``fastw2v.phrases``: interning, n-gram counting, phrase detection.

Keys. gensim keys its vocabulary by strings: ``"york"`` for a word, ``"new_york"`` for the
tokens of a candidate joined by the delimiter. Here every string is split at the delimiter
into *atoms* (``"new_york"`` -> ``new``, ``york``), each atom has an integer id, and a key is
its sequence of atom ids. Joining tokens concatenates their atom sequences, so two keys are
equal exactly when gensim's strings are, and no string is built while counting or applying.
One-atom keys are counted in an array indexed by atom id, longer keys in an open-addressing
hash table (``Table``) whose two-atom keys sit inline in the slot.

Pieces. ``Lexicon`` interns strings (its own string table, looked up in a prefetching
pipeline); ``Tokens`` holds the atoms of a batch of sentences; ``Counts`` (a ``Phrases``
model) counts batches without the GIL, on a helper thread while the next batch is interned,
and decides candidates from counts; ``PhraseTable`` (a ``FrozenPhrases``) from scores.

Argument checking lives in ``fastw2v.phrases``; here we check only what keeps C in bounds.
"""
cimport cython
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE, PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF, PyObject
from libc.math cimport INFINITY, log
from libc.stdint cimport INT64_MAX, int16_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memchr, memcmp, memcpy, memset

import threading

from fastw2v import threads

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define FW_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define FW_PREFETCH(p) ((void)0)
    #endif

    /* Zeroed memory for big hash tables, which are read at random: on Linux in transparent
       huge pages, so that a lookup rarely misses the TLB as well as the cache. */
    #include <stdlib.h>
    #if defined(__linux__)
    #include <sys/mman.h>
    #endif
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
    #define FW_HUGE_MIN ((size_t)4 << 20)
    static void *fw_table_alloc(size_t size) {
        void *p;
        if (size < FW_HUGE_MIN)
            return calloc(size, 1);
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        madvise(p, size, MADV_HUGEPAGE);
        return p;
    }
    static void fw_table_free(void *p, size_t size) {
        if (p != NULL && size >= FW_HUGE_MIN)
            munmap(p, size);
        else
            free(p);
    }
    #else
    static void *fw_table_alloc(size_t size) { return calloc(size, 1); }
    static void fw_table_free(void *p, size_t size) { (void)size; free(p); }
    #endif
    """
    void FW_PREFETCH(const void *p) nogil
    void *fw_table_alloc(size_t size) nogil
    void fw_table_free(void *p, size_t size) nogil

cdef enum:
    CONNECTOR = 1
    BATCH_ATOMS = 1 << 19  # atoms counted per release of the GIL while learning
    AHEAD = 32             # how far ahead tokens and table slots are prefetched

# How ``Counts`` scores a candidate (``Counts.configure``).
SCORE_DEFAULT, SCORE_NPMI, SCORE_PYTHON = 0, 1, 2


# ---------------------------------------------------------------- hash table of atom sequences

ctypedef struct Entry:
    int64_t key      # 0: an empty slot; > 0: a two-atom key, packed; < 0: a longer key (below)
    int64_t value    # a count (Phrases) or the bits of a score (FrozenPhrases)

# A key of three or more atoms is stored in the arena as its length, then its atoms; its slot
# holds the arena offset in the low OFFSET_BITS bits, above them a tag of its hash (to skip
# most other long keys without reading the arena), and the sign bit.
cdef enum:
    OFFSET_BITS = 40
    TAG_BITS = 23

ctypedef struct Table:
    Entry *slots
    size_t mask      # capacity - 1, capacity a power of two
    size_t size
    int32_t *arena   # keys of three or more atoms
    size_t arena_len
    size_t arena_cap
    uint64_t *filter # one bit per hash bucket, set if some key falls in it; NULL if none
    int filter_shift # a hash's bucket is ``hash >> filter_shift``


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


cdef int table_init(Table *t, size_t capacity) noexcept nogil:
    t.slots = <Entry *>fw_table_alloc(capacity * sizeof(Entry))
    t.mask = capacity - 1
    t.size = 0
    t.arena = NULL
    t.arena_len = t.arena_cap = 0
    t.filter = NULL
    return 0 if t.slots != NULL else -1


cdef void table_free(Table *t) noexcept nogil:
    fw_table_free(t.slots, (t.mask + 1) * sizeof(Entry))
    free(t.arena)
    free(t.filter)
    t.slots = NULL
    t.arena = NULL
    t.filter = NULL
    t.size = t.arena_len = t.arena_cap = 0


cdef Entry *table_find(const Table *t, const int32_t *key, Py_ssize_t n, uint32_t h) noexcept nogil:
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
    cdef Entry *e = table_find(t, key, n, hash_key(key, n))
    return e if e.key else NULL


cdef void place(Entry *slots, size_t mask, const Entry *e, uint32_t h) noexcept nogil:
    """Put an entry (of hash ``h``) known to be absent into a slot array."""
    cdef size_t i = h & mask
    while slots[i].key:
        i = (i + 1) & mask
    slots[i] = e[0]


cdef int table_resize(Table *t, size_t capacity) noexcept nogil:
    cdef Entry *slots = <Entry *>fw_table_alloc(capacity * sizeof(Entry))
    cdef uint32_t hashes[AHEAD]
    cdef size_t i
    if slots == NULL:
        return -1
    for i in range(t.mask + 1 + AHEAD):  # hashed AHEAD slots before being placed
        if i >= AHEAD and t.slots[i - AHEAD].key:
            place(slots, capacity - 1, &t.slots[i - AHEAD], hashes[i % AHEAD])
        if i <= t.mask and t.slots[i].key:
            hashes[i % AHEAD] = entry_hash(t, &t.slots[i])
            FW_PREFETCH(&slots[hashes[i % AHEAD] & (capacity - 1)])
    fw_table_free(t.slots, (t.mask + 1) * sizeof(Entry))
    t.slots = slots
    t.mask = capacity - 1
    return 0


cdef int table_build_filter(Table *t) noexcept nogil:
    """Build the filter of a table that will not change any more: 16 bits per key, so that
    about 94% of absent keys are told apart without touching (and missing) the slots."""
    cdef size_t i, bits = 64
    cdef int shift = 32 - 6
    cdef uint32_t h
    while bits < 16 * t.size and shift > 6:
        bits *= 2
        shift -= 1
    free(t.filter)
    t.filter = <uint64_t *>calloc(bits // 64, sizeof(uint64_t))
    if t.filter == NULL:
        return -1
    t.filter_shift = shift
    for i in range(t.mask + 1):
        if t.slots[i].key:
            h = entry_hash(t, &t.slots[i])
            t.filter[h >> shift >> 6] |= <uint64_t>1 << ((h >> shift) & 63)
    return 0


cdef inline bint table_may_hold(const Table *t, uint32_t h) noexcept nogil:
    """False if no key of hash ``h`` is in the table (by its filter, if it has one)."""
    if t.filter == NULL:
        return True
    return (t.filter[h >> t.filter_shift >> 6] >> ((h >> t.filter_shift) & 63)) & 1


cdef inline int table_add(Table *t, const int32_t *key, Py_ssize_t n, int64_t value) noexcept nogil:
    """Add ``value`` to the value of ``key`` (inserting it): 1 if new, 0 if not, -1 if out of memory."""
    return table_add_hashed(t, key, n, hash_key(key, n), value)


cdef int table_add_hashed(Table *t, const int32_t *key, Py_ssize_t n, uint32_t h,
                          int64_t value) noexcept nogil:
    cdef Entry *e
    cdef int32_t *arena
    cdef size_t cap
    free(t.filter)  # (outdated by any change)
    t.filter = NULL
    if (t.size + 1) * 10 > (t.mask + 1) * 7:
        if table_resize(t, (t.mask + 1) * 2) < 0:
            return -1
    e = table_find(t, key, n, h)
    if e.key:
        e.value += value
        return 0
    if n == 2:
        e.key = pack(key)
    else:
        if t.arena_len + n + 1 > t.arena_cap:
            cap = 2 * t.arena_cap + n + 1024
            if cap >= <size_t>1 << OFFSET_BITS:
                return -1
            arena = <int32_t *>realloc(t.arena, cap * sizeof(int32_t))
            if arena == NULL:
                return -1
            t.arena, t.arena_cap = arena, cap
        t.arena[t.arena_len] = <int32_t>n
        memcpy(t.arena + t.arena_len + 1, key, n * sizeof(int32_t))
        e.key = long_key(t.arena_len, h)
        t.arena_len += n + 1
    e.value = value
    t.size += 1
    return 1


cdef int table_reserve(Table *t, size_t extra) noexcept nogil:
    """Grow the table to take ``extra`` more keys without resizing. Keys copied in the slot
    order of another table must go into a table sized for them all: otherwise their hashes'
    low bits, which come in order, pile them up in the smaller table's slots."""
    cdef size_t capacity = t.mask + 1
    while (t.size + extra) * 10 > capacity * 7:
        capacity *= 2
    return table_resize(t, capacity) if capacity > t.mask + 1 else 0


cdef size_t fitting_capacity(size_t n) noexcept nogil:
    cdef size_t capacity = 64
    while n * 2 > capacity:
        capacity *= 2
    return capacity


cdef int table_prune(Table *t, int64_t min_value) noexcept nogil:
    """Drop the entries whose value is below ``min_value``, compacting slots and arena."""
    cdef size_t i, kept = 0, arena_len = 0, capacity, n
    cdef uint32_t h
    cdef Entry e
    cdef Entry *slots
    cdef int32_t *arena = NULL
    for i in range(t.mask + 1):
        if t.slots[i].key and t.slots[i].value >= min_value:
            kept += 1
            if t.slots[i].key < 0:
                arena_len += entry_len(t, &t.slots[i]) + 1
    capacity = fitting_capacity(kept)
    slots = <Entry *>fw_table_alloc(capacity * sizeof(Entry))
    if arena_len:
        arena = <int32_t *>malloc(arena_len * sizeof(int32_t))
    if slots == NULL or (arena_len and arena == NULL):
        fw_table_free(slots, capacity * sizeof(Entry))
        free(arena)
        return -1
    arena_len = 0
    for i in range(t.mask + 1):
        e = t.slots[i]
        if e.key and e.value >= min_value:
            h = entry_hash(t, &e)
            if e.key < 0:
                n = entry_len(t, &e) + 1
                memcpy(arena + arena_len, t.arena + arena_offset(e.key), n * sizeof(int32_t))
                e.key = long_key(arena_len, h)
                arena_len += n
            place(slots, capacity - 1, &e, h)
    fw_table_free(t.slots, (t.mask + 1) * sizeof(Entry))
    free(t.arena)
    t.slots, t.mask, t.size = slots, capacity - 1, kept
    t.arena, t.arena_len, t.arena_cap = arena, arena_len, arena_len
    return 0


cdef inline double score_of(const Entry *e) noexcept nogil:
    cdef double score
    memcpy(&score, &e.value, sizeof(double))
    return score


# ---------------------------------------------------------------- interning

cdef extern from "Python.h":
    ctypedef struct PyASCIIObject:
        Py_hash_t hash
    Py_hash_t PyObject_Hash(object o) except -1
    bint PyUnicode_CheckExact(object o)
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    void *PyUnicode_DATA(object o)
    int PyUnicode_KIND(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    object PyUnicode_FromObject(object o)
    ctypedef struct PyListObject:
        PyObject **ob_item
    void Py_SET_SIZE(object o, Py_ssize_t size)

cdef extern from *:
    int __Pyx_PyUnicode_READY(object o) except -1  # (Cython's; a no-op from Python 3.12)

cdef enum:
    INLINE = 16   # ASCII words this short are compared inside the string table
    RING = 128    # > 2 * AHEAD: hashes in flight in ``Lexicon.put_all``

ctypedef struct Word:
    Py_hash_t hash
    int32_t id        # -1 marks an empty slot
    int16_t length    # the length of a short ASCII word, whose text is inline; else -1
    uint8_t flags     # CONNECTOR or 0
    uint8_t single    # whether the word is one atom (its own id)
    char text[INLINE]


cdef inline bint same_bytes(const char *a, const char *b, Py_ssize_t n) noexcept nogil:
    return memcmp(a, b, n) == 0


cdef inline Py_hash_t text_hash(const char *data, Py_ssize_t n) noexcept nogil:
    """A fast hash of ``n`` bytes (never -1); much cheaper than Python's SipHash, which
    a corpus read from a file has not computed yet."""
    cdef uint64_t h = <uint64_t>n * <uint64_t>0x9E3779B97F4A7C15, w = 0
    cdef uint32_t a, b
    if n > 8:  # 8 bytes at a time, the last 8 overlapping the previous ones
        while n > 8:
            memcpy(&w, data, 8)
            h = (h ^ w) * <uint64_t>0xBF58476D1CE4E5B9
            h ^= h >> 29
            data += 8
            n -= 8
        data -= 8 - n
        n = 8
    if n == 8:
        memcpy(&w, data, 8)
    elif n >= 4:  # the first and the last 4 bytes
        memcpy(&a, data, 4)
        memcpy(&b, data + n - 4, 4)
        w = (<uint64_t>a << 32) | b
    elif n > 0:
        w = (<uint64_t><uint8_t>data[0] << 16) | (<uint64_t><uint8_t>data[n >> 1] << 8) | <uint8_t>data[n - 1]
    h = (h ^ w) * <uint64_t>0xBF58476D1CE4E5B9
    h ^= h >> 32
    h *= <uint64_t>0xD6E8FEB86659FD93
    h ^= h >> 32
    return <Py_hash_t>h if <Py_hash_t>h != -1 else -2


cdef inline Py_hash_t str_hash(object word, bint python_hash) except? -1:
    """The hash of an exact str, or -1 for anything else: with ``python_hash`` Python's
    (computed once, then cached in the object), else ``text_hash`` of the characters in the
    str's canonical (narrowest) representation, so that equal strings hash alike."""
    cdef Py_hash_t h
    if not PyUnicode_CheckExact(word):
        return -1
    if python_hash:
        h = (<PyASCIIObject *><PyObject *>word).hash
        return h if h != -1 else PyObject_Hash(word)
    __Pyx_PyUnicode_READY(word)
    return text_hash(<const char *>PyUnicode_DATA(word), PyUnicode_GET_LENGTH(word) * PyUnicode_KIND(word))


@cython.final
cdef class Lexicon:
    """Token strings <-> ids, each token's atoms and whether it is a connector word.

    Strings are found through an open-addressing table of their hashes, where a short ASCII
    word is compared inline, so a lookup rarely touches another string object. A lexicon
    that learns uses ``text_hash``: a corpus just read has no hashes yet, and Python's costs
    more than the rest of interning. One that only looks words up (``python_hash``) uses
    Python's, which a corpus applied to after learning, or more than once, has cached.
    """
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

    def __cinit__(self, str delimiter, frozenset connector_words, bint python_hash=False):
        self.words = []
        self.delimiter = delimiter
        self.connector_words = connector_words
        self.python_hash = python_hash
        self.delimiter_chars = frozenset(delimiter) if len(delimiter) > 1 else None
        self.delimiter_char = ord(delimiter) if len(delimiter) == 1 and ord(delimiter) < 128 else -1
        self.resize(1024)
        for word in sorted(connector_words):
            self.intern(word)

    def __dealloc__(self):
        fw_table_free(self.slots, (self.mask + 1) * sizeof(Word))
        free(self.natoms)
        free(self.offsets)
        free(self.atoms)

    def __len__(self):
        return self.n

    cdef void resize(self, size_t capacity) except *:
        cdef Word *slots = <Word *>fw_table_alloc(capacity * sizeof(Word))
        cdef size_t i, j
        if slots == NULL:
            raise MemoryError()
        for i in range(capacity):
            slots[i].id = -1
        for i in range(self.mask + 1 if self.slots != NULL else 0):
            if self.slots[i].id >= 0:
                j = <size_t>self.slots[i].hash & (capacity - 1)
                while slots[j].id >= 0:
                    j = (j + 1) & (capacity - 1)
                slots[j] = self.slots[i]
        fw_table_free(self.slots, (self.mask + 1) * sizeof(Word))
        self.slots, self.mask = slots, capacity - 1

    cdef Py_ssize_t find(self, object word, Py_hash_t h) except -2:
        """The slot of the exact str ``word`` (of hash ``h``), or -1."""
        cdef size_t i = <size_t>h & self.mask
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(word)
        cdef bint inline = PyUnicode_IS_COMPACT_ASCII(word) and n <= INLINE
        cdef Word *slot
        while True:
            slot = &self.slots[i]
            if slot.id < 0:
                return -1
            if slot.hash == h:
                if inline:
                    if slot.length == n and same_bytes(slot.text, <const char *>PyUnicode_DATA(word), n):
                        return i
                elif slot.length < 0 and self.words[slot.id] == word:
                    return i
            i = (i + 1) & self.mask

    cdef int32_t intern(self, str word) except -1:
        cdef Py_hash_t h = str_hash(word, self.python_hash)
        cdef Py_ssize_t slot
        if h == -1:
            word = PyUnicode_FromObject(word)
            h = str_hash(word, self.python_hash)
        slot = self.find(word, h)
        return self.slots[slot if slot >= 0 else self.add(word, h)].id

    cdef list split(self, str word):
        """The atoms of ``word``; a ValueError if joining it would not concatenate atoms."""
        pieces = word.split(self.delimiter) if self.delimiter in word else [word]
        if self.delimiter_chars is not None:
            for piece in pieces:
                if piece and (piece[0] in self.delimiter_chars
                              or piece[len(piece) - 1] in self.delimiter_chars):
                    raise ValueError(
                        "token %r starts or ends with part of the delimiter %r, which makes "
                        "joined phrases ambiguous; use another delimiter" % (word, self.delimiter))
        return pieces

    cdef Py_ssize_t add(self, str word, Py_hash_t h) except -1:
        """Intern an exact str that is not in the table yet and return its slot."""
        cdef Py_ssize_t i, k, n = PyUnicode_GET_LENGTH(word)
        cdef size_t j
        parts = None
        if self.delimiter_chars is not None or self.delimiter in word:  # (no garbage otherwise)
            pieces = self.split(word)
            if len(pieces) > 1:
                parts = [self.intern(piece) for piece in pieces]
        if self.n == self.capacity:
            self.grow()
        if <size_t>(2 * (self.n + 1)) > self.mask + 1:
            self.resize(2 * (self.mask + 1))
        i = self.n
        self.natoms[i] = 1 if parts is None else len(parts)
        self.offsets[i] = self.atoms_len
        if parts is not None:
            if self.atoms_len + len(parts) > self.atoms_cap:
                self.grow_atoms(len(parts))
            for k in range(len(parts)):
                self.atoms[self.atoms_len + k] = parts[k]
            self.atoms_len += len(parts)
        j = <size_t>h & self.mask
        while self.slots[j].id >= 0:
            j = (j + 1) & self.mask
        self.slots[j].hash = h
        self.slots[j].id = <int32_t>i
        self.slots[j].flags = CONNECTOR if word in self.connector_words else 0
        self.slots[j].single = parts is None
        self.slots[j].length = -1
        if PyUnicode_IS_COMPACT_ASCII(word) and n <= INLINE:
            self.slots[j].length = <int16_t>n
            memcpy(self.slots[j].text, PyUnicode_DATA(word), n)
        self.words.append(word)
        self.n += 1
        return j

    cdef void grow(self) except *:
        cdef Py_ssize_t capacity = 2 * self.capacity + 1024
        if capacity > 0x7FFFFFFF:
            raise OverflowError("more than 2**31 distinct tokens")
        self.natoms = <int32_t *>grown(self.natoms, capacity * sizeof(int32_t))
        self.offsets = <int64_t *>grown(self.offsets, capacity * sizeof(int64_t))
        self.capacity = capacity

    cdef void grow_atoms(self, Py_ssize_t extra) except *:
        cdef Py_ssize_t capacity = 2 * self.atoms_cap + extra + 1024
        self.atoms = <int32_t *>grown(self.atoms, capacity * sizeof(int32_t))
        self.atoms_cap = capacity

    cdef int put_all(self, Tokens buf, list seq, bint learning) except -1:
        """``put`` every token of a sentence, in a pipeline: prefetch a token object, then
        (``AHEAD`` tokens later) read its hash and prefetch its slot, then look it up."""
        cdef Py_ssize_t i, j, n = PyList_GET_SIZE(seq)
        cdef Py_hash_t hashes[RING]
        cdef Py_hash_t h
        for i in range(n + 2 * AHEAD):
            if i < n:
                FW_PREFETCH(PyList_GET_ITEM(seq, i))
            j = i - AHEAD
            if 0 <= j < n:
                h = str_hash(<object>PyList_GET_ITEM(seq, j), self.python_hash)
                hashes[j % RING] = h
                FW_PREFETCH(&self.slots[<size_t>h & self.mask])
            j = i - 2 * AHEAD
            if 0 <= j < n:
                self.put(buf, <object>PyList_GET_ITEM(seq, j), hashes[j % RING], learning)
        return 0

    cdef int put(self, Tokens buf, object word, Py_hash_t h, bint learning) except -1:
        """Append ``word``'s atoms to ``buf``; unknown words get the atom -1 unless learning."""
        cdef int32_t i, k
        cdef Py_ssize_t s
        cdef const Word *slot
        if h == -1:  # not an exact str
            return self.put_converted(buf, word, learning)
        s = self.find(word, h)
        if s < 0:
            if not learning:
                return self.put_unknown(buf, word)
            s = self.add(word, h)
        slot = &self.slots[s]
        if slot.single:  # (read from the slot, which find just brought into the cache)
            buf.push(slot.id, slot.flags)
        else:
            i = slot.id
            buf.split_tokens = True
            buf.reserve(self.natoms[i])
            for k in range(self.natoms[i]):
                buf.atoms[buf.n_atoms + k] = self.atoms[self.offsets[i] + k]
            buf.n_atoms += self.natoms[i]
            buf.end_token(slot.flags)
        return 0

    cdef int put_converted(self, Tokens buf, object word, bint learning) except -1:
        """``put`` a token that is not an exact str: a str subclass as a str, else TypeError."""
        if not isinstance(word, str):
            raise TypeError("sentences must be lists of str tokens, found %s %.60r"
                            % (type(word).__name__, word))
        word = PyUnicode_FromObject(word)
        return self.put(buf, word, str_hash(word, self.python_hash), learning)

    cdef int put_unknown(self, Tokens buf, str word) except -1:
        cdef Py_ssize_t first = buf.n_atoms, slot
        if self.delimiter_char >= 0 and PyUnicode_IS_COMPACT_ASCII(word):
            if memchr(PyUnicode_DATA(word), self.delimiter_char, PyUnicode_GET_LENGTH(word)) == NULL:
                buf.push(-1, 0)  # the common case: one atom, never seen
                return 0
        pieces = self.split(word)
        if len(pieces) == 1:
            buf.push(-1, 0)
            return 0
        buf.split_tokens = True
        buf.reserve(len(pieces))
        for piece in pieces:
            slot = self.find(piece, str_hash(piece, self.python_hash))
            if slot < 0:  # an atom never seen: no key can contain this token
                buf.n_atoms = first
                buf.push(-1, 0)
                return 0
            buf.atoms[buf.n_atoms] = self.slots[slot].id
            buf.n_atoms += 1
        buf.end_token(0)
        return 0


cdef void *grown(void *data, size_t size) except NULL:
    cdef void *result = realloc(data, size)
    if result == NULL:
        raise MemoryError()
    return result


@cython.final
cdef class Tokens:
    """Scratch buffer: the atoms of a run of tokens, where each token starts, sentence ends."""
    cdef int32_t *atoms
    cdef int64_t *starts     # starts[p]..starts[p + 1] are the atoms of position p
    cdef uint8_t *flags
    cdef int64_t *ends       # one past the last position of each sentence
    cdef int64_t *key_start  # table updates of a group of sentences: key offsets into atoms,
    cdef int32_t *key_len    # key lengths,
    cdef uint32_t *key_hash  # key hashes
    cdef Py_ssize_t n_atoms, n_pos, n_sent, atoms_cap, pos_cap, sent_cap, keys_cap
    cdef bint split_tokens   # some token contains the delimiter

    def __dealloc__(self):
        free(self.atoms)
        free(self.starts)
        free(self.flags)
        free(self.ends)
        free(self.key_start)
        free(self.key_len)
        free(self.key_hash)

    cdef void reserve_keys(self, Py_ssize_t n) except *:
        if n > self.keys_cap:
            self.key_start = <int64_t *>grown(self.key_start, n * sizeof(int64_t))
            self.key_len = <int32_t *>grown(self.key_len, n * sizeof(int32_t))
            self.key_hash = <uint32_t *>grown(self.key_hash, n * sizeof(uint32_t))
            self.keys_cap = n

    cdef void clear(self) noexcept:
        self.n_atoms = self.n_pos = self.n_sent = 0
        self.split_tokens = False

    cdef void reserve(self, Py_ssize_t extra) except *:
        if self.n_atoms + extra > self.atoms_cap:
            self.atoms_cap = 2 * self.atoms_cap + extra + 4096
            self.atoms = <int32_t *>grown(self.atoms, self.atoms_cap * sizeof(int32_t))
        if self.n_pos + 2 > self.pos_cap:
            self.pos_cap = 2 * self.pos_cap + 4096
            self.starts = <int64_t *>grown(self.starts, self.pos_cap * sizeof(int64_t))
            self.flags = <uint8_t *>grown(self.flags, self.pos_cap * sizeof(uint8_t))
            if self.n_pos == 0:
                self.starts[0] = 0

    cdef inline int push(self, int32_t atom, uint8_t flags) except -1:
        if self.n_atoms + 1 > self.atoms_cap or self.n_pos + 2 > self.pos_cap:
            self.reserve(1)
        self.atoms[self.n_atoms] = atom
        self.n_atoms += 1
        self.end_token(flags)
        return 0

    cdef inline void end_token(self, uint8_t flags) noexcept:
        self.flags[self.n_pos] = flags
        self.n_pos += 1
        self.starts[self.n_pos] = self.n_atoms

    cdef void end_sentence(self) except *:
        if self.n_sent == self.sent_cap:
            self.sent_cap = 2 * self.sent_cap + 1024
            self.ends = <int64_t *>grown(self.ends, self.sent_cap * sizeof(int64_t))
        self.ends[self.n_sent] = self.n_pos
        self.n_sent += 1


cdef inline Py_ssize_t emit(list out, Py_ssize_t m, object token, list scores) except -1:
    """Set ``out[m] = token`` in a list made by ``PyList_New``; also a None score if scoring."""
    Py_INCREF(token)
    PyList_SET_ITEM(out, m, token)
    if scores is not None:
        scores.append(None)
    return m + 1


cdef list as_list(object sentence):
    if type(sentence) is list:
        return sentence
    if not isinstance(sentence, (str, bytes)):
        try:
            return list(sentence)
        except TypeError:
            pass
    raise TypeError("expected a sentence as a list of str tokens, got %s %.60r; a corpus is an "
                    "iterable of such lists" % (type(sentence).__name__, sentence))


# ---------------------------------------------------------------- detection

cdef class Detector:
    """Applies a phrase model to sentences; subclasses decide whether a candidate is a phrase."""
    cdef readonly Lexicon lexicon
    cdef Tokens scratch
    cdef bint scratch_busy
    cdef bint calls_python   # the scorer is Python code, which could change a sentence
    cdef double threshold
    cdef readonly int64_t version  # bumped by every change, to stop stale iterations
    cdef list texts                # phrase texts by table slot (``PhraseTable``), else None

    cdef int evaluate(self, const int32_t *key, Py_ssize_t n, Py_ssize_t na, Py_ssize_t nb,
                      double *score) except -1:
        """Whether a candidate (``na`` atoms of its first token, ``nb`` of its last) is a phrase."""
        raise NotImplementedError

    cdef int prepare(self) except -1:
        """Called before a sentence is applied."""
        return 0

    cdef Table *phrase_table(self) noexcept:
        """The table ``evaluate`` looks candidates up in, to prefetch from; NULL if none."""
        return NULL

    cdef str phrase_text(self, list seq, Py_ssize_t start, Py_ssize_t stop):
        """The phrase made of tokens ``seq[start:stop]``, just accepted by ``evaluate``."""
        return self.lexicon.delimiter.join(seq[start:stop])

    cdef Tokens borrow(self):
        if self.scratch_busy:  # re-entered from a Python scorer: use a fresh buffer
            return Tokens()
        self.scratch_busy = True
        self.scratch.clear()
        return self.scratch

    def apply(self, sentence, bint with_scores):
        """Join the phrases of one sentence: ``(tokens, scores or None)``, as gensim's
        ``analyze_sentence`` (a score per output token, None for single words)."""
        return self.apply_to(sentence, with_scores, False)

    cdef object apply_to(self, sentence, bint with_scores, bint plain_only):
        """``apply``; with ``plain_only``, None if a token contains the delimiter."""
        cdef list seq = as_list(sentence)
        cdef Tokens buf
        self.prepare()
        buf = self.borrow()
        if self.calls_python and seq is sentence:
            seq = list(seq)
        try:
            self.lexicon.put_all(buf, seq, False)
            if plain_only and buf.split_tokens:
                return None
            return self.join(seq, buf, with_scores)
        finally:
            if buf is self.scratch:
                self.scratch_busy = False

    cdef tuple join(self, list seq, Tokens buf, bint with_scores):
        """gensim's ``analyze_sentence`` over the atoms in ``buf`` of the tokens ``seq``."""
        cdef Py_ssize_t i, j, start = -1, n = buf.n_pos, m = 0
        cdef size_t slot
        cdef PyObject *text
        cdef int64_t *at = buf.starts
        cdef double score
        cdef list out = PyList_New(n)  # filled up to m, then cut
        cdef list scores = [] if with_scores else None
        cdef str delimiter = self.lexicon.delimiter
        cdef Table *table = self.phrase_table()
        if table != NULL:
            self.hash_candidates(buf)
        for i in range(n):
            if i + AHEAD < n:  # the token object, to be referenced from ``out``
                FW_PREFETCH(PyList_GET_ITEM(seq, i + AHEAD))
                if table != NULL and buf.key_len[i + AHEAD]:
                    slot = buf.key_hash[i + AHEAD] & table.mask  # (where it is, unless it collided)
                    FW_PREFETCH(&table.slots[slot])
                    if self.texts is not None:  # and the phrase's cached text, in two steps
                        FW_PREFETCH(&(<PyListObject *>self.texts).ob_item[slot])
            if self.texts is not None and i + AHEAD // 2 < n and buf.key_len[i + AHEAD // 2]:
                text = PyList_GET_ITEM(self.texts, buf.key_hash[i + AHEAD // 2] & table.mask)
                if text != <PyObject *>None:
                    FW_PREFETCH(text)
            if buf.flags[i] & CONNECTOR:
                if start < 0:
                    m = emit(out, m, <object>PyList_GET_ITEM(seq, i), scores)
                continue
            if start >= 0:
                # an unknown first or last word (atom -1) never makes a phrase, nor does a
                # candidate the table's filter rules out (key_len 0)
                if (buf.atoms[at[start]] >= 0 and buf.atoms[at[i + 1] - 1] >= 0
                        and (table == NULL or buf.key_len[i])
                        and self.evaluate(buf.atoms + at[start], at[i + 1] - at[start],
                                          at[start + 1] - at[start], at[i + 1] - at[i], &score)):
                    m = emit(out, m, self.phrase_text(seq, start, i + 1), None)
                    if with_scores:
                        scores.append(score)
                    start = -1
                    continue
                for j in range(start, i):
                    m = emit(out, m, <object>PyList_GET_ITEM(seq, j), scores)
            start = i
        if start >= 0:
            for j in range(start, n):
                m = emit(out, m, <object>PyList_GET_ITEM(seq, j), scores)
        Py_SET_SIZE(out, m)  # (items past m were never set: nothing to release)
        return out, scores

    cdef void hash_candidates(self, Tokens buf) except *:
        """Hash the candidate ending at each word (from the previous word, whether or not that
        one is still free when the sentence is joined), to prefetch the slots; its length is
        left 0 if it has an unknown end or the phrase table's filter rules it out."""
        cdef Py_ssize_t i, prev = -1
        cdef int64_t *at = buf.starts
        cdef int32_t n
        cdef uint32_t h
        cdef const Table *table = self.phrase_table()
        buf.reserve_keys(buf.n_pos + 1)
        for i in range(buf.n_pos):
            buf.key_len[i] = 0
            if buf.flags[i] & CONNECTOR:
                continue
            if prev >= 0 and buf.atoms[at[prev]] >= 0 and buf.atoms[at[i + 1] - 1] >= 0:
                n = <int32_t>(at[i + 1] - at[prev])
                h = hash_key(buf.atoms + at[prev], n)
                buf.key_hash[i] = h
                buf.key_len[i] = n * table_may_hold(table, h)  # (no branch on the filter)
            prev = i

    def score_tokens(self, tokens):
        """The score of the candidate made of ``tokens`` (first, in-between..., last), or None."""
        cdef Tokens buf = Tokens()
        cdef double score
        cdef int64_t *at
        self.lexicon.put_all(buf, list(tokens), False)
        at = buf.starts
        if buf.n_pos < 2:
            return None
        if self.evaluate(buf.atoms, buf.n_atoms, at[1], buf.n_atoms - at[buf.n_pos - 1], &score):
            return score
        return None


cdef class Counts(Detector):
    """Unigram and n-gram counts of a ``Phrases`` model, keyed by atom sequences."""
    cdef int64_t *unigrams   # count of each one-atom key, by atom id
    cdef Py_ssize_t unigrams_cap, n_unigrams
    cdef Table table
    cdef int kind
    cdef object scorer
    cdef double min_count
    cdef object min_count_value
    cdef int64_t corpus_word_count
    cdef int64_t max_vocab_size, min_reduce   # while learning
    cdef int status                           # of the last counted batch: -1 out of memory
    cdef tuple configured        # the scoring parameters, to notice a change
    cdef PhraseTable selected    # cache of the phrases, valid until counts or parameters change,
    cdef PhraseTable compact     # and the same over a lexicon of their words only

    def __cinit__(self, Lexicon lexicon):
        self.lexicon = lexicon
        self.scratch = Tokens()
        if table_init(&self.table, 64) < 0:
            raise MemoryError()

    def __dealloc__(self):
        free(self.unigrams)
        table_free(&self.table)

    def __len__(self):
        """Number of keys, gensim's ``len(vocab)``."""
        return self.n_unigrams + self.table.size

    def configure(self, int kind, scorer, double threshold, min_count, int64_t corpus_word_count):
        """Set the scoring used by ``apply``, ``score_tokens``, ``export`` and ``freeze``."""
        configured = (kind, scorer, threshold, min_count, corpus_word_count)
        if configured != self.configured:
            self.selected = None
        self.configured = configured
        self.kind, self.scorer, self.threshold = kind, scorer, threshold
        self.calls_python = kind == SCORE_PYTHON
        self.min_count, self.min_count_value = min_count, min_count
        self.corpus_word_count = corpus_word_count

    cdef void changed(self) noexcept:
        self.version += 1
        self.selected = None

    cdef Table *phrase_table(self) noexcept:
        return &self.selected.table if self.selected is not None else NULL

    cdef int prepare(self) except -1:
        if self.selected is None and self.kind != SCORE_PYTHON:
            self.selected = self.selection()
            self.compact = self.selected.compacted()
            self.compact.threshold = -INFINITY  # holds only phrases
        return 0

    def apply(self, sentence, bint with_scores):
        """As ``Detector.apply``. A sentence without delimiter-containing tokens (which have
        their own counts) is decided by the phrases alone, over their small lexicon."""
        sentence = as_list(sentence)  # (read twice)
        self.prepare()
        if self.selected is not None:
            result = self.compact.apply_to(sentence, with_scores, True)
            if result is not None:
                return result
        return self.apply_to(sentence, with_scores, False)

    cdef void reserve(self, Py_ssize_t n) except *:
        if n > self.unigrams_cap:
            self.unigrams = <int64_t *>grown(self.unigrams, n * sizeof(int64_t))
            memset(self.unigrams + self.unigrams_cap, 0, (n - self.unigrams_cap) * sizeof(int64_t))
            self.unigrams_cap = n

    cdef inline int64_t count_of(self, const int32_t *key, Py_ssize_t n) noexcept:
        cdef Entry *e
        if n == 1:
            return self.unigrams[key[0]] if 0 <= key[0] < self.unigrams_cap else 0
        e = table_get(&self.table, key, n)
        return e.value if e != NULL else 0

    cdef inline double score_counts(self, int64_t a, int64_t b, int64_t ab) except? -1.5:
        cdef double words, pab, ratio
        if self.kind == SCORE_DEFAULT:
            return (ab - self.min_count) / product(a, b) * <double>(self.n_unigrams + self.table.size)
        if self.kind == SCORE_NPMI:
            if ab < self.min_count:
                return -INFINITY
            words = <double>self.corpus_word_count
            pab = ab / words
            ratio = pab / ((a / words) * (b / words))
            return log(ratio) / -log(pab) if ratio > 0 else -INFINITY
        return float(self.scorer(worda_count=a, wordb_count=b, bigram_count=ab,
                                 len_vocab=self.n_unigrams + self.table.size,
                                 min_count=self.min_count_value,
                                 corpus_word_count=self.corpus_word_count))

    cdef int evaluate(self, const int32_t *key, Py_ssize_t n, Py_ssize_t na, Py_ssize_t nb,
                      double *score) except -1:
        cdef int64_t a, b, ab
        cdef Entry *e
        if na == 1 and nb == 1 and self.selected is not None:
            # both ends one atom: exactly gensim's export rule, so look in the phrases only
            if key[0] < 0 or key[n - 1] < 0:
                return 0
            e = table_get(&self.selected.table, key, n)
            if e != NULL:
                score[0] = score_of(e)
            return e != NULL
        a = self.count_of(key, na)
        if a <= 0:
            return 0
        b = self.count_of(key + n - nb, nb)
        if b <= 0:
            return 0
        ab = self.count_of(key, n)
        if ab <= 0:
            return 0
        score[0] = self.score_counts(a, b, ab)
        return not (score[0] <= self.threshold)

    # -- learning

    def learn(self, sentences, int64_t max_vocab_size, log_progress):
        """Count a corpus into these (empty) counts as gensim's ``_learn_vocab``.

        Tokens are interned here in batches; each batch is counted without the GIL on a
        helper thread while the next one is interned. Returns ``(min_reduce, total_words,
        n_sentences)``.
        """
        cdef Tokens buf = Tokens(), counted = Tokens()
        cdef int64_t total_words = 0, n_sentences = 0
        cdef list seq
        worker = None
        self.max_vocab_size, self.min_reduce = max_vocab_size, 1
        try:
            for sentence in sentences:
                seq = as_list(sentence)
                self.lexicon.put_all(buf, seq, True)
                buf.end_sentence()
                n_sentences += 1
                if buf.n_atoms >= BATCH_ATOMS:
                    self.finish(worker, counted)
                    log_progress(n_sentences, total_words, len(self))
                    total_words += buf.n_pos
                    self.prepare_batch(buf)
                    started = threading.Event()
                    worker = threads.start(self.count_prepared, (buf, started),
                                           name="fastw2v-phrases-count")
                    started.wait()  # until it has released the GIL
                    buf, counted = counted, buf
        finally:
            self.finish(worker, counted)
        total_words += buf.n_pos
        self.prepare_batch(buf)
        self.count_prepared(buf, None)
        self.finish(None, buf)
        return self.min_reduce, total_words, n_sentences

    cdef prepare_batch(self, Tokens buf):
        """Size the arrays a batch will touch (with the GIL, before counting it)."""
        self.reserve(len(self.lexicon))
        buf.reserve_keys(2 * buf.n_pos + 1)
        self.changed()

    def count_prepared(self, Tokens buf, started):
        """Count a prepared batch with the GIL released (on the helper thread)."""
        if started is not None:
            started.set()
        with nogil:
            self.status = self.count_sentences(buf, self.max_vocab_size, &self.min_reduce)

    cdef finish(self, worker, Tokens buf):
        if worker is not None:  # the helper's finish event: it may still write after Ctrl-C
            threads.wait_uninterrupted([worker])
        if self.status < 0:
            raise MemoryError("out of memory while counting phrases")
        buf.clear()

    cdef int count_sentences(self, Tokens buf, int64_t max_vocab_size, int64_t *min_reduce) noexcept nogil:
        """Count sentence by sentence, pruning after a sentence that overflows the vocabulary.

        Sentences are counted in groups too small to overflow it (each position adds at most
        two keys), so the result is the same as one at a time.
        """
        cdef Py_ssize_t k = 0, last, first = 0
        cdef int64_t bound
        while k < buf.n_sent:
            last = k
            bound = self.n_unigrams + self.table.size + 2 * (buf.ends[k] - first)
            while (last + 1 < buf.n_sent
                   and bound + 2 * (buf.ends[last + 1] - buf.ends[last]) <= max_vocab_size):
                last += 1
                bound += 2 * (buf.ends[last] - buf.ends[last - 1])
            if self.count_group(buf, k, last) < 0:
                return -1
            first = buf.ends[last]
            k = last + 1
            if <int64_t>(self.n_unigrams + self.table.size) > max_vocab_size:
                if self.prune_nogil(min_reduce[0]) < 0:
                    return -1
                min_reduce[0] += 1
        return 0

    cdef int count_group(self, Tokens buf, Py_ssize_t first, Py_ssize_t last) noexcept nogil:
        """Count sentences ``first..last``: unigrams, then the table keys, hashed in advance
        so that their slots can be prefetched."""
        cdef Py_ssize_t j, k, p, start, n_keys = 0
        cdef Py_ssize_t p0 = buf.ends[first - 1] if first else 0
        cdef int64_t *at = buf.starts
        cdef int32_t atom
        for j in range(first, last + 1):
            start = -1
            for p in range(p0, buf.ends[j]):
                if p + AHEAD < buf.n_pos and buf.atoms[at[p + AHEAD]] >= 0:
                    FW_PREFETCH(&self.unigrams[buf.atoms[at[p + AHEAD]]])
                if buf.flags[p] & CONNECTOR:
                    continue
                if at[p + 1] - at[p] == 1:
                    atom = buf.atoms[at[p]]
                    if self.unigrams[atom] == 0:
                        self.n_unigrams += 1
                    self.unigrams[atom] += 1
                else:
                    buf.key_start[n_keys] = at[p]
                    buf.key_len[n_keys] = <int32_t>(at[p + 1] - at[p])
                    n_keys += 1
                if start >= 0:
                    buf.key_start[n_keys] = at[start]
                    buf.key_len[n_keys] = <int32_t>(at[p + 1] - at[start])
                    n_keys += 1
                start = p
            p0 = buf.ends[j]
        for k in range(n_keys):
            buf.key_hash[k] = hash_key(buf.atoms + buf.key_start[k], buf.key_len[k])
        for k in range(n_keys):
            if k + AHEAD < n_keys:
                FW_PREFETCH(&self.table.slots[buf.key_hash[k + AHEAD] & self.table.mask])
            if table_add_hashed(&self.table, buf.atoms + buf.key_start[k], buf.key_len[k],
                                buf.key_hash[k], 1) < 0:
                return -1
        return 0

    cdef int prune_nogil(self, int64_t min_reduce) noexcept nogil:
        cdef Py_ssize_t i
        for i in range(self.unigrams_cap):
            if 0 < self.unigrams[i] < min_reduce:
                self.unigrams[i] = 0
                self.n_unigrams -= 1
        return table_prune(&self.table, min_reduce)

    def prune(self, int64_t min_reduce):
        """Drop keys counted fewer than ``min_reduce`` times (gensim's ``prune_vocab``)."""
        self.changed()
        if self.prune_nogil(min_reduce) < 0:
            raise MemoryError()

    def merge(self, Counts other):
        """Add ``other``'s counts (over the same lexicon) to these."""
        cdef Py_ssize_t i
        cdef size_t slot
        cdef int32_t pair[2]
        cdef Entry *e
        if other.lexicon is not self.lexicon:
            raise ValueError("counts over different lexicons")
        self.changed()
        self.reserve(other.unigrams_cap)
        # at least as big as the other table (the union has at least its keys)
        if (other.table.size > self.table.size
                and table_reserve(&self.table, other.table.size - self.table.size) < 0):
            raise MemoryError()
        for i in range(other.unigrams_cap):
            if other.unigrams[i]:
                if self.unigrams[i] == 0:
                    self.n_unigrams += 1
                self.unigrams[i] += other.unigrams[i]
        for slot in range(other.table.mask + 1):
            e = &other.table.slots[slot]
            if e.key and table_add(&self.table, entry_atoms(&other.table, e, pair),
                                   entry_len(&other.table, e), e.value) < 0:
                raise MemoryError()

    def items(self):
        """Yield ``(key string, count)`` for every key."""
        cdef Py_ssize_t i
        cdef size_t slot
        cdef int32_t pair[2]
        cdef int64_t version = self.version
        words = self.lexicon.words
        for i in range(self.unigrams_cap):
            if self.unigrams[i]:
                yield words[i], self.unigrams[i]
                check_version(self, version)
        for slot in range(self.table.mask + 1):
            if self.table.slots[slot].key:
                yield self.key_string(&self.table.slots[slot], pair), self.table.slots[slot].value
                check_version(self, version)

    cdef str key_string(self, Entry *e, int32_t *pair):
        return join_atoms(self.lexicon, entry_atoms(&self.table, e, pair), entry_len(&self.table, e))

    # -- saving and loading

    def array_sizes(self):
        """``(words, keys, atoms)``: the sizes of the arrays ``export_arrays`` fills."""
        return len(self.lexicon), self.table.size, table_atoms(&self.table)

    def export_arrays(self, int64_t[::1] unigrams, int32_t[::1] lengths, int32_t[::1] atoms,
                      int64_t[::1] counts):
        """Fill the arrays of a saved model: the count of each word of the lexicon (by id, 0
        for none) and the n-gram keys (atoms as word ids) with their counts."""
        cdef Py_ssize_t i
        if unigrams.shape[0] != len(self.lexicon):
            raise ValueError("arrays of the wrong size")
        for i in range(unigrams.shape[0]):
            unigrams[i] = self.unigrams[i] if i < self.unigrams_cap else 0
        table_export(&self.table, lengths, atoms, counts)

    def import_arrays(self, list words, const int64_t[::1] unigrams, const int32_t[::1] lengths,
                      const int32_t[::1] atoms, const int64_t[::1] counts):
        """Fill these empty counts from the arrays of ``export_arrays`` and the lexicon's
        ``words`` (in id order); a ValueError if they are inconsistent."""
        cdef Py_ssize_t i
        cdef int32_t *ids
        if unigrams.shape[0] != len(words):
            raise ValueError("%d word counts for %d words" % (unigrams.shape[0], len(words)))
        for i in range(counts.shape[0]):
            if counts[i] <= 0:
                raise ValueError("n-gram %d has the count %d" % (i, counts[i]))
        self.changed()
        ids = interned(self.lexicon, words)
        try:
            self.reserve(len(self.lexicon))
            for i in range(unigrams.shape[0]):
                if unigrams[i] < 0:
                    raise ValueError("word %r has the count %d" % (words[i], unigrams[i]))
                if unigrams[i]:
                    if self.unigrams[ids[i]] == 0:
                        self.n_unigrams += 1
                    self.unigrams[ids[i]] += unigrams[i]
            table_import(&self.table, ids, len(words), lengths, atoms, counts)
        finally:
            free(ids)

    # -- exporting

    cdef int select(self, Entry *e, double *score) except -1:
        """Whether a key of the table is a phrase, as gensim's ``export_phrases`` decides."""
        cdef int32_t pair[2]
        cdef const int32_t *key = entry_atoms(&self.table, e, pair)
        cdef int64_t a = self.count_of(key, 1), b
        if a <= 0:
            return 0
        b = self.count_of(key + entry_len(&self.table, e) - 1, 1)
        if b <= 0:
            return 0
        score[0] = self.score_counts(a, b, e.value)
        return not (score[0] <= self.threshold)

    cdef PhraseTable selection(self):
        """The phrases among the keys with their scores, over this lexicon."""
        cdef size_t i
        cdef double score
        cdef int32_t pair[2]
        cdef Entry *e
        cdef PhraseTable phrases = PhraseTable(self.lexicon)
        cdef int64_t version = self.version
        for i in range(self.table.mask + 1):
            e = &self.table.slots[i]
            if e.key and self.select(e, &score):
                check_version(self, version)  # a Python scorer could have changed the counts
                phrases.insert(entry_atoms(&self.table, e, pair), entry_len(&self.table, e), score)
        return phrases

    def export(self):
        """All phrases with their scores as a dict of strings, gensim's ``export_phrases``."""
        return dict(self.selection().items())

    def freeze(self):
        """A ``PhraseTable`` of the phrases, over a lexicon holding only their atoms."""
        return self.selection().compacted()


cdef inline double product(int64_t a, int64_t b) noexcept nogil:
    """``float(a * b)`` as Python computes it, exact unless the product overflows 64 bits."""
    if b != 0 and a > INT64_MAX / b:
        return <double>a * <double>b
    return <double>(a * b)


cdef check_version(Detector detector, int64_t version):
    if detector.version != version:
        raise RuntimeError("phrase model changed during iteration")


# ---------------------------------------------------------------- saving and loading

cdef Py_ssize_t table_atoms(const Table *t) noexcept nogil:
    """The number of atoms of all keys of a table."""
    cdef size_t i
    cdef Py_ssize_t total = 0
    for i in range(t.mask + 1):
        total += entry_len(t, &t.slots[i])
    return total


cdef void table_export(const Table *t, int32_t[::1] lengths, int32_t[::1] atoms,
                       int64_t[::1] values) except *:
    """Write every key (its length, its atoms one after the other) and value, in slot order."""
    cdef size_t i
    cdef Py_ssize_t k = 0, at = 0, n
    cdef int32_t pair[2]
    cdef const Entry *e
    if lengths.shape[0] != t.size or values.shape[0] != t.size or atoms.shape[0] != table_atoms(t):
        raise ValueError("arrays of the wrong size")
    for i in range(t.mask + 1):
        e = &t.slots[i]
        n = entry_len(t, e)
        if n:
            lengths[k], values[k] = <int32_t>n, e.value
            memcpy(&atoms[at], entry_atoms(t, e, pair), n * sizeof(int32_t))
            k += 1
            at += n


cdef int32_t *interned(Lexicon lexicon, list words) except NULL:
    """The ids of ``words`` (all str) interned into ``lexicon``: a ``malloc``'d array."""
    cdef Py_ssize_t i, n = len(words)
    cdef int32_t *ids = <int32_t *>grown(NULL, max(n, 1) * sizeof(int32_t))
    try:
        for i in range(n):
            ids[i] = lexicon.intern(words[i])
    except BaseException:
        free(ids)
        raise
    return ids


cdef void table_import(Table *t, const int32_t *ids, Py_ssize_t n_words, const int32_t[::1] lengths,
                       const int32_t[::1] atoms, const int64_t[::1] values) except *:
    """Insert the keys written by ``table_export`` (atoms as indexes into ``ids``) into an
    empty table; a ValueError if they are not a valid set of keys."""
    cdef Py_ssize_t k, j, n, at = 0, key_cap = 0
    cdef int32_t *key = NULL
    cdef int added
    if values.shape[0] != lengths.shape[0]:
        raise ValueError("%d key lengths but %d values" % (lengths.shape[0], values.shape[0]))
    if table_reserve(t, lengths.shape[0]) < 0:
        raise MemoryError()
    try:
        for k in range(lengths.shape[0]):
            n = lengths[k]
            if n < 2 or n > atoms.shape[0] - at:
                raise ValueError("key %d has an invalid length %d" % (k, n))
            if n > key_cap:
                key_cap = 2 * n
                key = <int32_t *>grown(key, key_cap * sizeof(int32_t))
            for j in range(n):
                if not 0 <= atoms[at + j] < n_words:
                    raise ValueError("key %d has an atom out of range: %d" % (k, atoms[at + j]))
                key[j] = ids[atoms[at + j]]
            at += n
            added = table_add(t, key, n, values[k])
            if added < 0:
                raise MemoryError()
            if added == 0:
                raise ValueError("key %d is a duplicate" % k)
        if at != atoms.shape[0]:
            raise ValueError("%d atoms stored, the keys have %d" % (atoms.shape[0], at))
    finally:
        free(key)


cdef str join_atoms(Lexicon lexicon, const int32_t *key, Py_ssize_t n):
    words = lexicon.words
    return lexicon.delimiter.join([words[key[k]] for k in range(n)])


@cython.final
cdef class PhraseTable(Detector):
    """The phrases of a ``FrozenPhrases`` model: atom sequences -> scores."""
    cdef Table table
    cdef Py_ssize_t matched  # the slot of the phrase ``evaluate`` last accepted

    def __cinit__(self, Lexicon lexicon):
        self.lexicon = lexicon
        self.scratch = Tokens()
        if table_init(&self.table, 64) < 0:
            raise MemoryError()

    def __dealloc__(self):
        table_free(&self.table)

    def __len__(self):
        return self.table.size

    def configure(self, double threshold):
        self.threshold = threshold

    cdef Table *phrase_table(self) noexcept:
        return &self.table

    cdef str phrase_text(self, list seq, Py_ssize_t start, Py_ssize_t stop):
        """The text of the phrase in slot ``matched``, joined once and then reused: a key's
        atoms determine its text (tokens are split at the delimiter into atoms)."""
        cdef str text
        if self.texts is None:
            self.texts = [None] * (self.table.mask + 1)
        text = <str>PyList_GET_ITEM(self.texts, self.matched)
        if text is None:
            text = self.lexicon.delimiter.join(seq[start:stop])
            self.texts[self.matched] = text
        return text

    def finish(self):
        """Once built, spread the phrase and string tables to a quarter full and build the
        phrase table's filter: most lookups while applying are misses, which the filter
        answers, or which end after a probe or two."""
        if (table_resize(&self.table, fitting_capacity(2 * self.table.size)) < 0
                or table_build_filter(&self.table) < 0):
            raise MemoryError()
        self.texts = None  # slots moved
        self.lexicon.resize(fitting_capacity(2 * len(self.lexicon)))

    cdef PhraseTable compacted(self):
        """A copy over a new lexicon holding only the connector words and the phrases' atoms."""
        cdef size_t i
        cdef Py_ssize_t k, n
        cdef int32_t pair[2]
        cdef const int32_t *old
        cdef Entry *e
        cdef Lexicon lexicon = Lexicon(self.lexicon.delimiter, self.lexicon.connector_words, True)
        cdef PhraseTable copy = PhraseTable(lexicon)
        cdef int32_t *remap = <int32_t *>grown(NULL, max(len(self.lexicon), 1) * sizeof(int32_t))
        cdef int32_t *key = NULL
        cdef Py_ssize_t key_cap = 0
        words = self.lexicon.words
        memset(remap, 0xFF, len(self.lexicon) * sizeof(int32_t))
        try:
            for i in range(self.table.mask + 1):
                e = &self.table.slots[i]
                n = entry_len(&self.table, e)
                if not n:
                    continue
                if n > key_cap:
                    key_cap = 2 * n
                    key = <int32_t *>grown(key, key_cap * sizeof(int32_t))
                old = entry_atoms(&self.table, e, pair)
                for k in range(n):
                    if remap[old[k]] < 0:
                        remap[old[k]] = lexicon.intern(words[old[k]])
                    key[k] = remap[old[k]]
                copy.insert(key, n, score_of(e))
        finally:
            free(remap)
            free(key)
        copy.finish()
        return copy

    cdef void insert(self, const int32_t *key, Py_ssize_t n, double score) except *:
        cdef Entry *e
        self.version += 1
        self.texts = None  # slots may move
        if table_add(&self.table, key, n, 0) < 0:
            raise MemoryError()
        e = table_get(&self.table, key, n)
        memcpy(&e.value, &score, sizeof(double))

    def add(self, str phrase, double score):
        """Record ``phrase`` (delimiter-joined) with its score; one-word keys are never matched
        by a candidate, so they are skipped."""
        pieces = self.lexicon.split(phrase)
        cdef Py_ssize_t n = len(pieces), k
        cdef int32_t *atoms
        if n < 2:
            return
        atoms = <int32_t *>grown(NULL, n * sizeof(int32_t))
        try:
            for k in range(n):
                atoms[k] = self.lexicon.intern(pieces[k])
            self.insert(atoms, n, score)
        finally:
            free(atoms)

    def array_sizes(self):
        """``(words, phrases, atoms)``: the sizes of the arrays ``export_arrays`` fills."""
        return len(self.lexicon), self.table.size, table_atoms(&self.table)

    def export_arrays(self, int32_t[::1] lengths, int32_t[::1] atoms, int64_t[::1] score_bits):
        """Fill the arrays of a saved model: the phrases (atoms as word ids, the lexicon's
        words in id order) and the bits of their float64 scores."""
        table_export(&self.table, lengths, atoms, score_bits)

    def import_arrays(self, list words, const int32_t[::1] lengths, const int32_t[::1] atoms,
                      const int64_t[::1] score_bits):
        """Fill this empty table from the arrays of ``export_arrays`` and ``words``."""
        cdef int32_t *ids = interned(self.lexicon, words)
        self.version += 1
        try:
            table_import(&self.table, ids, len(words), lengths, atoms, score_bits)
        finally:
            free(ids)
        self.finish()

    def items(self):
        """Yield ``(phrase, score)`` for every phrase."""
        cdef size_t i
        cdef int32_t pair[2]
        cdef Entry *e
        cdef int64_t version = self.version
        for i in range(self.table.mask + 1):
            e = &self.table.slots[i]
            if e.key:
                yield (join_atoms(self.lexicon, entry_atoms(&self.table, e, pair), entry_len(&self.table, e)),
                       score_of(e))
                check_version(self, version)

    cdef int evaluate(self, const int32_t *key, Py_ssize_t n, Py_ssize_t na, Py_ssize_t nb,
                      double *score) except -1:
        cdef Entry *e = NULL
        if key[0] >= 0 and key[n - 1] >= 0:  # an unknown atom: no phrase can match
            e = table_get(&self.table, key, n)
        if e == NULL:
            score[0] = -INFINITY
            return False
        score[0] = score_of(e)
        self.matched = e - self.table.slots
        return score[0] > self.threshold
