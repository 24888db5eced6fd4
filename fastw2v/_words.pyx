# cython: language_level=3
"""Words to ids: the word table every compiled reader and counter looks words up in.

``WordHash`` maps UTF-8 words (bytes) to dense ids with a count each; ``WordCounter`` counts
Python sentences into one; ``sentences_to_ids`` turns a job of Python sentences into the ids
the kernels train; ``as_sentence`` is the one check of what a sentence is. The table's hash
and allocator are ``_hashing.h``'s, shared with the phrase tables.
"""
import numpy as np

from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy

cdef extern from "_hashing.h" nogil:
    ptrdiff_t fw_text_hash(const char *data, ptrdiff_t n)
    void *fw_table_alloc(size_t size)
    void fw_table_free(void *p, size_t size)

cdef inline uint64_t word_hash(const char *word, int32_t length) noexcept nogil:
    return <uint64_t>fw_text_hash(word, length)


cdef class WordHash:
    """Hash table from UTF-8 words (bytes) to dense ids ``0..len-1``, with a count per word."""

    def __cinit__(self):
        self.n_slots = 0
        self.size = 0
        self.capacity = 0
        self.arena_used = 0
        self.arena_size = 0

    def __dealloc__(self):
        fw_table_free(self.slots, self.n_slots * sizeof(WordSlot))
        free(self.arena)
        free(self.offsets)
        free(self.lengths)
        free(self.hashes)
        free(self.counts)

    def __init__(self, words=()):
        if self.rehash(1024) or self.grow_entries():
            raise MemoryError()
        for word in words:
            data = word.encode("utf8") if isinstance(word, str) else bytes(word)
            if self.add(data, len(data), 0) < 0:
                raise MemoryError()

    def __len__(self):
        return self.size

    def get(self, word):
        """Id of ``word`` (str or bytes), or -1."""
        data = word.encode("utf8") if isinstance(word, str) else bytes(word)
        return self.lookup(data, len(data))

    def words_and_counts(self):
        """All words (decoded UTF-8 str, in id order) and their counts as int64 array."""
        words = []
        cdef int64_t i
        for i in range(self.size):
            raw = self.arena[self.offsets[i]:self.offsets[i] + self.lengths[i]]
            try:
                words.append(raw.decode("utf8"))
            except UnicodeDecodeError as exc:
                raise ValueError("corpus word %r is not valid UTF-8: %s" % (raw, exc)) from None
        counts = np.empty(self.size, dtype=np.int64)
        cdef int64_t[::1] view = counts
        for i in range(self.size):
            view[i] = self.counts[i]
        return words, counts

    def prune(self, int64_t min_count):
        """Drop words counted fewer than ``min_count`` times (ids are renumbered)."""
        if self.prune_below(min_count) < 0:
            raise MemoryError()

    cdef int prune_below(self, int64_t min_count) noexcept nogil:
        """``prune`` without the GIL; -1 when out of memory."""
        cdef int64_t i, kept = 0, used = 0
        for i in range(self.size):
            if self.counts[i] < min_count:
                continue
            memcpy(self.arena + used, self.arena + self.offsets[i], self.lengths[i])
            self.offsets[kept] = used
            self.lengths[kept] = self.lengths[i]
            self.hashes[kept] = self.hashes[i]
            self.counts[kept] = self.counts[i]
            used += self.lengths[i]
            kept += 1
        self.size = kept
        self.arena_used = used
        return -1 if self.rehash(self.n_slots) else 0

    cdef inline int64_t probe(self, const char *word, int32_t length, uint64_t h) noexcept nogil:
        """The slot holding ``word``, or the empty slot where it would go. A slot keeps the
        high half of its word's hash, so a probe reads a word's text only when that matches."""
        cdef int64_t mask = self.n_slots - 1
        cdef int64_t slot = <int64_t>(h & mask)
        cdef uint32_t tag = <uint32_t>(h >> 32)
        cdef int32_t entry
        while True:
            entry = self.slots[slot].id1 - 1
            if entry < 0 or (self.slots[slot].tag == tag and self.lengths[entry] == length
                             and memcmp(self.arena + self.offsets[entry], word, length) == 0):
                return slot
            slot = (slot + 1) & mask

    cdef int64_t lookup(self, const char *word, int32_t length) noexcept nogil:
        return self.slots[self.probe(word, length, word_hash(word, length))].id1 - 1

    cdef int64_t add(self, const char *word, int32_t length, int64_t count) noexcept nogil:
        """Add ``count`` to ``word`` (inserting it); its id, or -1 when out of memory."""
        cdef uint64_t h = word_hash(word, length)
        cdef int64_t slot = self.probe(word, length, h)
        cdef int32_t entry = self.slots[slot].id1 - 1
        if entry >= 0:
            self.counts[entry] += count
            return entry
        if self.size == self.capacity and self.grow_entries():
            return -1
        if self.arena_used + length > self.arena_size:
            if not resized(<void **>&self.arena, 2 * (self.arena_size + length)):
                return -1
            self.arena_size = 2 * (self.arena_size + length)
        if length:
            memcpy(self.arena + self.arena_used, word, length)
        entry = <int32_t>self.size
        self.offsets[entry] = self.arena_used
        self.lengths[entry] = length
        self.hashes[entry] = h
        self.counts[entry] = count
        self.arena_used += length
        self.slots[slot].id1 = entry + 1
        self.slots[slot].tag = <uint32_t>(h >> 32)
        self.size += 1
        if 2 * self.size > self.n_slots and self.rehash(2 * self.n_slots):
            return -1
        return entry

    cdef int grow_entries(self) noexcept nogil:
        cdef int64_t capacity = 2 * self.capacity if self.capacity else 1024
        if not (resized(<void **>&self.offsets, capacity * sizeof(int64_t))
                and resized(<void **>&self.lengths, capacity * sizeof(int32_t))
                and resized(<void **>&self.hashes, capacity * sizeof(uint64_t))
                and resized(<void **>&self.counts, capacity * sizeof(int64_t))):
            return -1
        self.capacity = capacity
        return 0

    cdef int rehash(self, int64_t n_slots) noexcept nogil:
        cdef int64_t i, slot, mask = n_slots - 1
        cdef WordSlot *slots = <WordSlot *>fw_table_alloc(n_slots * sizeof(WordSlot))  # zeroed: empty
        if slots == NULL:
            return -1
        fw_table_free(self.slots, self.n_slots * sizeof(WordSlot))
        self.slots, self.n_slots = slots, n_slots
        for i in range(self.size):
            slot = <int64_t>(self.hashes[i] & mask)
            while slots[slot].id1:
                slot = (slot + 1) & mask
            slots[slot].id1 = <int32_t>(i + 1)
            slots[slot].tag = <uint32_t>(self.hashes[i] >> 32)
        return 0


cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t *size) except NULL


cdef class WordCounter:
    """Count the words of an iterable of sentences (lists of str) in a compiled hash table."""
    cdef WordHash table
    cdef public int64_t total_words, sentences

    def __init__(self):
        self.table = WordHash()
        self.total_words = 0
        self.sentences = 0

    def add_sentence(self, sentence):
        """Count one sentence; raises TypeError on anything but a list/tuple of str."""
        self.add_batch([as_sentence(sentence)])

    def add_batch(self, list sentences):
        """Count a batch of sentences (lists of str): the hash-table work runs without the GIL.

        The words are copied out with the GIL held (so the caller may reuse or change its
        lists afterwards), then counted with it released, so that another thread can read
        the next batch meanwhile. Raises TypeError on anything but lists of str.
        """
        cdef Py_ssize_t n_words = 0, n_bytes = 0, n = 0, used = 0, i, size
        cdef const char *data
        cdef list sentence
        for sentence in sentences:
            n_words += len(sentence)
            for token in sentence:
                if not PyUnicode_Check(token):
                    raise TypeError("sentences must contain str tokens, got %r of type %s"
                                    % (token, type(token).__name__))
                PyUnicode_AsUTF8AndSize(token, &size)
                n_bytes += size
        cdef char *text = <char *>malloc(max(n_bytes, 1))
        cdef int32_t *lengths = <int32_t *>malloc(max(n_words, 1) * sizeof(int32_t))
        cdef int failed = text == NULL or lengths == NULL
        try:
            if failed:
                raise MemoryError("out of memory while counting words")
            for sentence in sentences:
                for token in sentence:
                    data = PyUnicode_AsUTF8AndSize(token, &size)
                    memcpy(text + used, data, size)
                    used += size
                    lengths[n] = <int32_t>size
                    n += 1
            with nogil:
                used = 0
                for i in range(n):
                    if self.table.add(text + used, lengths[i], 1) < 0:
                        failed = 1
                        break
                    used += lengths[i]
            if failed:
                raise MemoryError("out of memory while counting words")
        finally:
            free(text)
            free(lengths)
        self.total_words += n_words
        self.sentences += len(sentences)

    def __len__(self):
        return self.table.size

    def prune(self, int64_t min_count):
        """Drop words counted fewer than ``min_count`` times."""
        self.table.prune(min_count)

    def as_dict(self):
        """The counts as a ``{word: count}`` dict, in first-seen order."""
        words, counts = self.table.words_and_counts()
        return dict(zip(words, counts.tolist()))

    def replace(self, dict word_counts):
        """Reset the counts to ``word_counts`` (after pruning with a trim rule)."""
        self.table = WordHash()
        for word, count in word_counts.items():
            data = word.encode("utf8")
            if self.table.add(data, len(data), count) < 0:
                raise MemoryError()


cdef list as_sentence(object sentence):
    """``sentence`` as a list of tokens (itself if it is a list); TypeError for a string or
    a non-iterable. The one check of what a sentence is, for training, counting and Phrases."""
    if type(sentence) is list:
        return sentence
    if isinstance(sentence, (str, bytes)):
        raise TypeError("each sentence must be a list of str tokens, got a %s (%.30r...); split "
                        "your text into tokens, e.g. [line.split() for line in lines]"
                        % (type(sentence).__name__, sentence))
    try:
        return list(sentence)
    except TypeError:
        raise TypeError("each sentence must be a list of str tokens, got %s %.60r; a corpus is "
                        "an iterable of such lists" % (type(sentence).__name__, sentence)) from None


def check_sentence(sentence):
    """``as_sentence`` for Python callers."""
    return as_sentence(sentence)


def sentences_to_ids(list sentences, WordHash words not None):
    """Map a batch of sentences to in-vocabulary word ids.

    Parameters
    ----------
    sentences : list of list of str
        The batch.
    words : WordHash
        The vocabulary (ids are its entry numbers).

    Returns
    -------
    (ndarray of int32, ndarray of int64, int)
        Ids of all sentences back to back (out-of-vocabulary words dropped), the cumulative
        end of each sentence in that array, and the raw number of words in the batch.
    """
    cdef Py_ssize_t n_raw = 0, n = 0, s = 0, size
    cdef int64_t word
    cdef const char *data
    cdef list sentence
    for sentence in sentences:
        n_raw += len(sentence)
    ids = np.empty(n_raw, dtype=np.int32)
    ends = np.empty(len(sentences), dtype=np.int64)
    cdef int32_t[::1] ids_view = ids
    cdef int64_t[::1] ends_view = ends
    for sentence in sentences:
        for token in sentence:
            if not PyUnicode_Check(token):
                continue
            data = PyUnicode_AsUTF8AndSize(token, &size)
            word = words.lookup(data, <int32_t>size)
            if word >= 0:
                ids_view[n] = <int32_t>word
                n += 1
        ends_view[s] = n
        s += 1
    return ids[:n], ends, n_raw


