# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The hash table of atom sequences (see ``_phrase_table.pxd``): growing, pruning, filtering,
and copying keys to and from flat arrays for saving. Plain C, without the GIL."""
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy


cdef int table_init(Table *t, size_t capacity) noexcept nogil:
    """An empty table of ``capacity`` (a power of two) slots; -1 if out of memory."""
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


cdef int table_add_hashed(Table *t, const int32_t *key, Py_ssize_t n, uint32_t h,
                          int64_t value) noexcept nogil:
    """``table_add`` of a key whose hash ``h`` is known."""
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
    """The capacity for ``n`` keys at most half full."""
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


# ---------------------------------------------------------------- saving and loading

cdef Py_ssize_t table_atoms(const Table *t) noexcept nogil:
    """The number of atoms of all keys of a table."""
    cdef size_t i
    cdef Py_ssize_t total = 0
    for i in range(t.mask + 1):
        total += entry_len(t, &t.slots[i])
    return total


cdef void table_export(const Table *t, int32_t *lengths, int32_t *atoms,
                       int64_t *values) noexcept nogil:
    """Write every key (its length, its atoms one after the other) and value, in slot order,
    into arrays of ``t.size``, ``table_atoms(t)`` and ``t.size`` items."""
    cdef size_t i
    cdef Py_ssize_t k = 0, at = 0, n
    cdef int32_t pair[2]
    cdef const Entry *e
    for i in range(t.mask + 1):
        e = &t.slots[i]
        n = entry_len(t, e)
        if n:
            lengths[k], values[k] = <int32_t>n, e.value
            memcpy(&atoms[at], entry_atoms(t, e, pair), n * sizeof(int32_t))
            k += 1
            at += n


cdef bint in_range(const int32_t *atoms, Py_ssize_t n, Py_ssize_t n_words) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        if not 0 <= atoms[j] < n_words:
            return False
    return True


cdef void table_import(Table *t, const int32_t *ids, Py_ssize_t n_words, Py_ssize_t n_keys,
                       const int32_t *lengths, Py_ssize_t n_atoms, const int32_t *atoms,
                       const int64_t *values) except *:
    """Insert the keys written by ``table_export`` (atoms as indexes into ``ids``) into an
    empty table: a ValueError if one is not valid (a length below 2 or past the atoms, an atom
    out of range, a duplicate). The caller checks the arrays; this keeps C in bounds."""
    cdef Py_ssize_t k, j, n, at = 0, key_cap = 0
    cdef int32_t *key = NULL
    cdef int32_t *longer
    cdef int added
    if table_reserve(t, n_keys) < 0:
        raise MemoryError()
    try:
        for k in range(n_keys):
            n = lengths[k]
            if n < 2 or n > n_atoms - at or not in_range(atoms + at, n, n_words):
                raise ValueError("key %d is not valid" % k)
            if n > key_cap:
                key_cap = 2 * n
                longer = <int32_t *>realloc(key, key_cap * sizeof(int32_t))
                if longer == NULL:
                    raise MemoryError()
                key = longer
            for j in range(n):
                key[j] = ids[atoms[at + j]]
            at += n
            added = table_add(t, key, n, values[k])
            if added < 0:
                raise MemoryError()
            if added == 0:
                raise ValueError("key %d is a duplicate" % k)
    finally:
        free(key)

