# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Interning for the phrase models: sentences of token strings -> runs of atom ids.

gensim keys its vocabulary by strings: ``"york"`` for a word, ``"new_york"`` for the tokens of
a candidate joined by the delimiter. Here every string is split at the delimiter into *atoms*
(``"new_york"`` -> ``new``, ``york``), each atom has an integer id, and a key is its sequence
of atom ids. Joining tokens concatenates their atom sequences, so two keys are equal exactly
when gensim's strings are, and no string is built while counting or applying.

``Lexicon`` interns strings through its own string table, looked up in a prefetching pipeline;
``Tokens`` holds the atoms of a batch of sentences for ``_phrase_counts`` and ``_phrase_apply``.
"""
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t
from libc.stdlib cimport free, realloc
from libc.string cimport memchr, memcmp, memcpy

cdef extern from "_hashing.h":
    void FW_PREFETCH(const void *p) noexcept nogil
    void *fw_table_alloc(size_t size) noexcept nogil
    void fw_table_free(void *p, size_t size) noexcept nogil
    Py_hash_t fw_text_hash(const char *data, Py_ssize_t n) noexcept nogil

cdef extern from "Python.h":
    Py_hash_t PyObject_Hash(object o) except -1
    bint PyUnicode_CheckExact(object o)
    void *PyUnicode_DATA(object o)
    int PyUnicode_KIND(object o)
    int PyUnicode_1BYTE_KIND
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    object PyUnicode_FromObject(object o)

cdef extern from *:
    """
    /* Only a str made by the legacy C API before Python 3.12 can be not ready. */
    #if PY_VERSION_HEX < 0x030C0000
    #define FW_STR_READY(o) PyUnicode_READY(o)
    #else
    #define FW_STR_READY(o) 0
    #endif
    """
    int FW_STR_READY(object o) except -1

cdef enum:
    AHEAD = 32    # how far ahead ``Lexicon.put_all`` prefetches
    RING = 128    # > 2 * AHEAD: hashes in flight in ``Lexicon.put_all``


cdef void *grown(void *data, size_t size) except NULL:
    """``realloc``, raising MemoryError."""
    cdef void *result = realloc(data, size)
    if result == NULL:
        raise MemoryError()
    return result


cdef inline Py_hash_t str_hash(object word, bint python_hash) except? -1:
    """The hash of an exact str, or -1 for anything else: with ``python_hash`` Python's
    (computed once, then cached in the object), else ``fw_text_hash`` of the characters in
    the str's canonical (narrowest) representation, so that equal strings hash alike."""
    if not PyUnicode_CheckExact(word):
        return -1
    FW_STR_READY(word)
    if python_hash:
        return PyObject_Hash(word)
    return fw_text_hash(<const char *>PyUnicode_DATA(word),
                        PyUnicode_GET_LENGTH(word) * PyUnicode_KIND(word))


cdef class Tokens:
    """Scratch buffer: the atoms of a run of tokens, where each token starts, sentence ends."""

    def __dealloc__(self):
        free(self.atoms)
        free(self.starts)
        free(self.flags)
        free(self.ends)
        free(self.key_start)
        free(self.key_len)
        free(self.key_hash)

    @property
    def sentences(self):
        """The number of sentences held."""
        return self.n_sent

    @property
    def words(self):
        """The number of tokens held."""
        return self.n_pos

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

    cdef int push(self, int32_t atom, uint8_t flags) except -1:
        """Append a token of one atom."""
        if self.n_atoms + 1 > self.atoms_cap or self.n_pos + 2 > self.pos_cap:
            self.reserve(1)
        self.atoms[self.n_atoms] = atom
        self.n_atoms += 1
        self.end_token(flags)
        return 0

    cdef void end_token(self, uint8_t flags) noexcept:
        self.flags[self.n_pos] = flags
        self.n_pos += 1
        self.starts[self.n_pos] = self.n_atoms

    cdef void end_sentence(self) except *:
        if self.n_sent == self.sent_cap:
            self.sent_cap = 2 * self.sent_cap + 1024
            self.ends = <int64_t *>grown(self.ends, self.sent_cap * sizeof(int64_t))
        self.ends[self.n_sent] = self.n_pos
        self.n_sent += 1


cdef class Lexicon:
    """Token strings <-> ids, each token's atoms and whether it is a connector word.

    Strings are found through an open-addressing table of their hashes, where a string of at
    most ``INLINE`` bytes is compared inline (its characters in the canonical representation,
    which equal strings share), so a lookup rarely touches another string object. A lexicon
    that learns uses ``fw_text_hash``: a corpus just read has no hashes yet, and Python's costs
    more than the rest of interning. One that only looks words up (``python_hash``) uses
    Python's, which a corpus applied to after learning, or more than once, has cached.
    """

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
        """Rebuild the string table with ``capacity`` (a power of two) slots."""
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
        cdef int kind = PyUnicode_KIND(word)
        cdef bint inline = n * kind <= INLINE
        cdef Word *slot
        while True:
            slot = &self.slots[i]
            if slot.id < 0:
                return -1
            if slot.hash == h:
                if inline:
                    if (slot.length == n and slot.kind == kind
                            and memcmp(slot.text, PyUnicode_DATA(word), n * kind) == 0):
                        return i
                elif slot.length < 0 and self.words[slot.id] == word:
                    return i
            i = (i + 1) & self.mask

    cdef int32_t intern(self, str word) except -1:
        """The id of ``word``, added if new."""
        cdef Py_hash_t h = str_hash(word, self.python_hash)
        cdef Py_ssize_t slot
        if h == -1:
            word = PyUnicode_FromObject(word)
            h = str_hash(word, self.python_hash)
        slot = self.find(word, h)
        return self.slots[slot if slot >= 0 else self.add(word, h)].id

    cdef int32_t *intern_all(self, list words) except NULL:
        """The ids of ``words`` (all str) interned: a ``malloc``'d array."""
        cdef Py_ssize_t i, n = len(words)
        cdef int32_t *ids = <int32_t *>grown(NULL, max(n, 1) * sizeof(int32_t))
        try:
            for i in range(n):
                ids[i] = self.intern(words[i])
        except BaseException:
            free(ids)
            raise
        return ids

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
        cdef int kind = PyUnicode_KIND(word)
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
        if n * kind <= INLINE:
            self.slots[j].length = <int8_t>n
            self.slots[j].kind = <uint8_t>kind
            memcpy(self.slots[j].text, PyUnicode_DATA(word), n * kind)
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
        """``put`` a word not in the lexicon: atom -1, unless it is made of known atoms."""
        cdef Py_ssize_t first = buf.n_atoms, slot
        if self.delimiter_char >= 0 and PyUnicode_KIND(word) == PyUnicode_1BYTE_KIND:
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
