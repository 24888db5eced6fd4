# cython: language_level=3
"""Compiled vocabulary kernels: word counting, words to ids, and the readers of text.

The readers (``_text.h``, which splits UTF-8 exactly as ``str.split()`` does) of file
ranges (``read_range``, ``sentence_ranges``) and of chunked streams (``TextStream``, which
also counts, pruning as gensim does, and applies a ``SentenceTransform`` such as phrases),
and the byte-keyed hash table, run without the GIL; they serve ``corpus_file`` and
fastw2v's readers, whose corpus never becomes Python strings.
"""
import numpy as np

from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport INT32_MAX, INT64_MAX, int32_t, int64_t, uint32_t, uint64_t
from libc.stdio cimport FILE, SEEK_SET, fclose, ferror, fopen, fread
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

from fastw2v._text cimport (FW_TEXT_END, FW_TEXT_INVALID, FW_TEXT_LOOKBEHIND, FW_TEXT_MORE,
                            FW_TEXT_NEWLINE, FW_TEXT_NOMEM, FW_TEXT_WORD, fw_text_feed,
                            fw_text_free, fw_text_init, fw_text_next, fw_text_offset)

cdef extern from "_hashing.h" nogil:
    ptrdiff_t fw_text_hash(const char *data, ptrdiff_t n)
    void *fw_table_alloc(size_t size)
    void fw_table_free(void *p, size_t size)

cdef extern from *:
    """
    #include <stdio.h>
    #if defined(_WIN32)
    #define fw_fseek64 _fseeki64
    #else
    #define fw_fseek64 fseeko
    #endif
    """
    int fw_fseek64(FILE *stream, long long offset, int whence) nogil

cdef enum:
    # below glibc's mmap threshold: allocated from the heap, not mapped and unmapped each
    # call (unmapping makes the kernel flush the other threads' TLBs)
    BUFFER_SIZE = 1 << 16
    TOKEN_FAILED = -1


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
        cdef int64_t slot = self.probe(word, length, h), arena_size
        cdef int32_t entry = self.slots[slot].id1 - 1
        cdef char *arena
        if entry >= 0:
            self.counts[entry] += count
            return entry
        if self.size == self.capacity and self.grow_entries():
            return -1
        if self.arena_used + length > self.arena_size:
            arena_size = 2 * (self.arena_size + length)
            arena = <char *>realloc(self.arena, arena_size)
            if arena == NULL:
                return -1
            self.arena, self.arena_size = arena, arena_size
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
        cdef void *grown
        grown = realloc(self.offsets, capacity * sizeof(int64_t))
        if grown == NULL:
            return -1
        self.offsets = <int64_t *>grown
        grown = realloc(self.lengths, capacity * sizeof(int32_t))
        if grown == NULL:
            return -1
        self.lengths = <int32_t *>grown
        grown = realloc(self.hashes, capacity * sizeof(uint64_t))
        if grown == NULL:
            return -1
        self.hashes = <uint64_t *>grown
        grown = realloc(self.counts, capacity * sizeof(int64_t))
        if grown == NULL:
            return -1
        self.counts = <int64_t *>grown
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


cdef int tokenizer_open(Tokenizer *t, const char *path, int64_t start, int64_t end) noexcept nogil:
    """Open ``path`` to read the words and line ends at offsets in ``[start, end)``, split
    as in a read of the whole file (a word cut by ``start`` belongs to the range before);
    -1 on error."""
    cdef int64_t base = max(start - FW_TEXT_LOOKBEHIND, 0)
    fw_text_init(&t.text, base, start, end)
    t.fh = fopen(path, "rb")
    t.buf = <char *>malloc(BUFFER_SIZE)
    if t.fh == NULL or t.buf == NULL:
        return -1
    if base > 0 and fw_fseek64(t.fh, base, SEEK_SET) != 0:
        return -1
    return 0


cdef void tokenizer_close(Tokenizer *t) noexcept nogil:
    if t.fh != NULL:
        fclose(t.fh)
    free(t.buf)
    fw_text_free(&t.text)
    t.fh = NULL
    t.buf = NULL


cdef int tokenizer_next(Tokenizer *t) noexcept nogil:
    """The next FW_TEXT_WORD (in t.text), FW_TEXT_NEWLINE, FW_TEXT_INVALID or FW_TEXT_END, or
    TOKEN_FAILED: a read error, no memory, or a word too long for a WordHash (2 GiB)."""
    cdef int kind
    cdef size_t n
    while True:
        kind = fw_text_next(&t.text)
        if kind == FW_TEXT_WORD:
            return kind if t.text.word_len <= INT32_MAX else TOKEN_FAILED
        if kind == FW_TEXT_NOMEM:
            return TOKEN_FAILED
        if kind != FW_TEXT_MORE:
            return kind
        n = fread(t.buf, 1, BUFFER_SIZE, t.fh)
        if n == 0 and ferror(t.fh):
            return TOKEN_FAILED
        fw_text_feed(&t.text, t.buf, n, n == 0)


cdef int read_range(const char *path, int64_t start, int64_t end, WordHash words,
                    int64_t max_sentence_length, bint by_line, int32_t *ids, int64_t *ends,
                    RangeCounts *counts) noexcept nogil:
    """The known words starting in bytes ``[start, end)`` of a file as ids, sentence by
    sentence: sentence s is ``ids[ends[s-1]:ends[s]]``. Sentences end at line ends (if
    ``by_line``) and every ``max_sentence_length`` words read (if positive), counted from
    ``start``. ``ids`` and ``ends`` must hold ``(end - start) // 2 + 1`` entries (every word is
    followed by a separator or the end of the file). READ_OK on success, READ_INVALID if a
    word is not valid UTF-8 (at ``counts.invalid_at``), READ_FAILED if the file cannot be
    read (or memory runs out)."""
    cdef Tokenizer t
    cdef int kind, status = READ_OK
    cdef int64_t word, n = 0, sentence_start = 0, sentence_raw = 0
    memset(counts, 0, sizeof(RangeCounts))
    if tokenizer_open(&t, path, start, end) < 0:
        status = READ_FAILED
    while status == READ_OK:
        kind = tokenizer_next(&t)
        if kind == FW_TEXT_WORD:
            counts.raw_words += 1
            sentence_raw += 1
            word = words.lookup(t.text.word, <int32_t>t.text.word_len)
            if word >= 0:
                ids[n] = <int32_t>word
                n += 1
            if sentence_raw != max_sentence_length:
                continue
        elif kind == FW_TEXT_NEWLINE and not by_line:
            continue
        elif kind == FW_TEXT_INVALID:
            counts.invalid_at = t.text.invalid_at
            status = READ_INVALID
            break
        elif kind == TOKEN_FAILED:
            status = READ_FAILED
            break
        # a sentence ends here
        counts.raw_sentences += sentence_raw > 0
        sentence_raw = 0
        if n > sentence_start:
            ends[counts.sentences] = n
            counts.sentences += 1
            counts.longest = max(counts.longest, n - sentence_start)
            sentence_start = n
        if kind == FW_TEXT_END:
            break
    tokenizer_close(&t)
    return status


cdef int check_read(int status, path, const RangeCounts *counts) except -1:
    """Raise the error that a ``read_range`` status stands for; 0 for READ_OK."""
    if status == READ_INVALID:
        raise read_error(path, counts.invalid_at)
    if status != READ_OK:
        raise read_error(path)
    return 0


def read_error(path, int64_t invalid_at=-1):
    """The exception for a file that compiled reading failed on: a ValueError naming the
    offset of the first byte that is not valid UTF-8 (``invalid_at``) and why, in the words
    of Python's decoder, else an OSError."""
    if invalid_at >= 0:
        with open(path, "rb") as fin:
            fin.seek(invalid_at)
            data = fin.read(4)  # the longest UTF-8 sequence
        try:
            data.decode("utf8")
            reason = "changed while read"
        except UnicodeDecodeError as exc:
            reason = exc.reason
        return ValueError("%s is not valid UTF-8 near byte %d: %s" % (path, invalid_at, reason))
    return OSError("cannot read corpus file %r (a read error, out of memory, or a word of "
                   "2 GiB or more)" % (path,))


def sentence_ranges(path, int64_t target_bytes, int64_t max_sentence_length, bint by_line):
    """Split a text file into byte ranges of whole sentences, about ``target_bytes`` each.

    Sentences are cut as ``LineSentence`` (``by_line``: at line ends, and every
    ``max_sentence_length`` words of a line) or ``Text8Corpus`` (every
    ``max_sentence_length`` words, lines ignored) cut them; each range starts at the first
    word of a sentence, so training the ranges apart trains the reader's own sentences.

    Returns
    -------
    numpy.ndarray
        int64 range starts followed by the file size.

    Raises
    ------
    ValueError
        If a word is not valid UTF-8.
    """
    cdef bytes path_bytes = path.encode() if isinstance(path, str) else bytes(path)
    cdef const char *cpath = path_bytes
    cdef Tokenizer t
    cdef int kind = FW_TEXT_END
    cdef int64_t in_sentence = 0, next_mark = target_bytes, n = 0, capacity = 1024
    cdef int64_t *starts = <int64_t *>malloc(capacity * sizeof(int64_t))
    cdef int64_t *grown
    cdef bint failed = 0
    if starts == NULL:
        raise MemoryError()
    starts[n] = 0
    n += 1
    try:
        if tokenizer_open(&t, cpath, 0, <int64_t>1 << 62) < 0:
            raise OSError("cannot open corpus file %r" % (path,))
        with nogil:
            while True:
                kind = tokenizer_next(&t)
                if kind == FW_TEXT_NEWLINE:
                    if by_line:
                        in_sentence = 0
                    continue
                if kind != FW_TEXT_WORD:
                    break
                if in_sentence == 0 and t.text.word_start >= next_mark:
                    if n == capacity:
                        capacity *= 2
                        grown = <int64_t *>realloc(starts, capacity * sizeof(int64_t))
                        if grown == NULL:
                            failed = 1
                            break
                        starts = grown
                    starts[n] = t.text.word_start
                    n += 1
                    next_mark = t.text.word_start + target_bytes
                in_sentence += 1
                if max_sentence_length > 0 and in_sentence == max_sentence_length:
                    in_sentence = 0
        if failed:
            raise MemoryError()
        if kind != FW_TEXT_END:
            raise read_error(path, t.text.invalid_at if kind == FW_TEXT_INVALID else -1)
        result = np.empty(n + 1, dtype=np.int64)
        result[:n] = <int64_t[:n]>starts
        result[n] = fw_text_offset(&t.text)
        return result
    finally:
        tokenizer_close(&t)
        free(starts)


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


cdef class SentenceTransform:
    """What a ``TextStream`` applies to each sentence it reads (see ``_phrased_text``).

    ``token`` gives a word (UTF-8 bytes) an id of the transform's own (-1: out of memory;
    other negative ids are the transform's to give);
    ``rewrite`` turns a finished sentence of such ids, in place, into the word ids it
    outputs and returns how many it wrote (-1 on an error, which ``raise_error`` raises),
    setting ``tokens`` to the number of tokens of the rewritten sentence. Both run without
    the GIL, in the one thread that reads the stream.
    """

    cdef int64_t token(self, const char *word, int32_t length) noexcept nogil:
        return -1

    cdef int64_t rewrite(self, int32_t *ids, int64_t n, int64_t *tokens) noexcept nogil:
        return -1

    cdef int raise_error(self) except -1:
        raise MemoryError("out of memory rewriting sentences")


cdef class TextStream:
    """Text fed in byte chunks (decompressed, say), read by the compiled text layer: as
    sentences of word ids to train (:meth:`ids`) or as word counts (:meth:`count`).

    Sentences end at line ends (if ``by_line``) and every ``max_sentence_length`` words read
    (if positive), as fastw2v's readers cut them; a word or a sentence may run across chunks.
    With a ``transform`` (phrases), each sentence so cut is rewritten by it: ``ids`` gives
    the words it outputs, and ``count`` lets it count them. Each call's loop runs without
    the GIL. ``name`` (the file) goes into error messages.
    """
    cdef fw_text text
    cdef WordHash words
    cdef SentenceTransform transform
    cdef int64_t max_sentence_length
    cdef bint by_line
    cdef object name
    cdef bytes chunk             # what the text layer reads, alive until the next feed
    cdef int64_t chunk_start     # its offset in the stream
    cdef int32_t *pending        # known words of the sentence the last chunk left unfinished
    cdef int64_t n_pending, pending_capacity, pending_raw
    cdef int64_t sentence_words  # counting: words of the current sentence
    cdef readonly int64_t total_words, sentences
    cdef public int64_t min_reduce   # counting: gensim's, carried from file to file

    def __cinit__(self):
        fw_text_init(&self.text, 0, 0, INT64_MAX)
        self.min_reduce = 1

    def __init__(self, WordHash words, int64_t max_sentence_length, bint by_line,
                 name="<stream>", SentenceTransform transform=None):
        if (words is None) == (transform is None):
            raise TypeError("a TextStream looks words up in a WordHash or a transform")
        self.words = words
        self.transform = transform
        self.max_sentence_length = max_sentence_length
        self.by_line = by_line
        self.name = name

    def __dealloc__(self):
        fw_text_free(&self.text)
        free(self.pending)

    cdef feed(self, chunk, bint last):
        if self.chunk is not None:
            self.chunk_start += len(self.chunk)
        self.chunk = bytes(chunk)
        fw_text_feed(&self.text, self.chunk, len(self.chunk), last)

    cdef int raise_for(self, int kind) except -1:
        """Raise the error a text-layer result stands for: invalid UTF-8 as a ValueError
        naming the stream, the offset in its (decompressed) text and the decoder's reason."""
        cdef int64_t at = self.text.invalid_at - self.chunk_start
        if kind == FW_TEXT_INVALID:
            reason = "invalid UTF-8"
            if 0 <= at < len(self.chunk):
                try:
                    self.chunk[at:at + 4].decode("utf8")
                except UnicodeDecodeError as exc:
                    reason = exc.reason
            raise ValueError("%s is not valid UTF-8 near byte %d: %s"
                             % (self.name, self.text.invalid_at, reason))
        raise MemoryError("out of memory reading %s (or a word of 2 GiB or more)" % (self.name,))

    def ids(self, chunk, bint last=False):
        """The sentences that ``chunk`` (bytes; ``last`` at the end of the stream) completes.

        Returns
        -------
        (ndarray of int32, ndarray of int64, int, int)
            Known words' ids back to back, the end of each sentence in them (sentences with
            no known word left out), and the words read (with a transform: the tokens of
            the rewritten sentences) and sentences ended in this chunk.
        """
        self.feed(chunk, last)
        cdef int64_t capacity = self.n_pending + len(self.chunk) // 2 + 2
        ids = np.empty(capacity, dtype=np.int32)
        ends = np.empty(capacity, dtype=np.int64)
        cdef int32_t[::1] id_view = ids
        cdef int64_t[::1] end_view = ends
        cdef int kind
        cdef bint failed = 0
        cdef int64_t word, kept, tokens, n = self.n_pending, n_sentences = 0, sentence_start = 0
        cdef int64_t sentence_raw = self.pending_raw, raw = 0, raw_sentences = 0
        cdef SentenceTransform transform = self.transform
        if self.n_pending:
            memcpy(&id_view[0], self.pending, self.n_pending * sizeof(int32_t))
        with nogil:
            while True:
                kind = fw_text_next(&self.text)
                if kind == FW_TEXT_WORD:
                    if self.text.word_len > INT32_MAX:
                        kind = FW_TEXT_NOMEM
                        break
                    sentence_raw += 1
                    if transform is None:
                        raw += 1
                        word = self.words.lookup(self.text.word, <int32_t>self.text.word_len)
                        if word >= 0:
                            id_view[n] = <int32_t>word
                            n += 1
                    else:  # every word, for the transform to rewrite
                        word = transform.token(self.text.word, <int32_t>self.text.word_len)
                        if word == -1:
                            kind = FW_TEXT_NOMEM
                            break
                        id_view[n] = <int32_t>word
                        n += 1
                    if sentence_raw != self.max_sentence_length:
                        continue
                elif kind == FW_TEXT_NEWLINE and not self.by_line:
                    continue
                elif kind != FW_TEXT_NEWLINE and kind != FW_TEXT_END:
                    break
                raw_sentences += sentence_raw > 0  # a sentence ends here
                sentence_raw = 0
                if transform is not None and n > sentence_start:
                    kept = transform.rewrite(&id_view[sentence_start], n - sentence_start, &tokens)
                    if kept < 0:
                        failed = 1
                        break
                    raw += tokens
                    n = sentence_start + kept
                if n > sentence_start:
                    end_view[n_sentences] = n
                    n_sentences += 1
                    sentence_start = n
                if kind == FW_TEXT_END:
                    break
        if failed:
            transform.raise_error()
        if kind != FW_TEXT_MORE and kind != FW_TEXT_END:
            self.raise_for(kind)
        self.keep_pending(&id_view[sentence_start], n - sentence_start, sentence_raw)
        return ids[:sentence_start], ends[:n_sentences], raw, raw_sentences

    cdef int keep_pending(self, const int32_t *ids, int64_t n, int64_t raw) except -1:
        """Keep the unfinished sentence's ids (and raw words) for the next chunk."""
        if n > self.pending_capacity:
            free(self.pending)
            self.pending_capacity = 0
            self.pending = <int32_t *>malloc(2 * n * sizeof(int32_t))
            if self.pending == NULL:
                raise MemoryError()
            self.pending_capacity = 2 * n
        if n:
            memcpy(self.pending, ids, n * sizeof(int32_t))
        self.n_pending = n
        self.pending_raw = raw
        return 0

    def count(self, chunk, bint last=False, int64_t max_vocab_size=0):
        """Add the words of ``chunk`` (bytes; ``last`` at the end of the stream) to the word
        table's counts; ``total_words`` and ``sentences`` keep the tallies, sentences cut as
        ``ids`` cuts them. With a positive ``max_vocab_size``, the rarest words are pruned
        as gensim prunes them: after each sentence that leaves more words than that, those
        counted fewer than ``min_reduce`` times go, and ``min_reduce`` grows by one. With a
        transform (which counts the words it outputs), the tallies are of its output."""
        if self.transform is not None:
            _, _, tokens, ended = self.ids(chunk, last)
            self.total_words += tokens
            self.sentences += ended
            return
        self.feed(chunk, last)
        cdef int kind
        cdef bint ends_sentence
        cdef int64_t total = 0, sentences = 0, words = self.sentence_words
        with nogil:
            while True:
                kind = fw_text_next(&self.text)
                if kind == FW_TEXT_WORD:
                    if (self.text.word_len > INT32_MAX
                            or self.words.add(self.text.word, <int32_t>self.text.word_len, 1) < 0):
                        kind = FW_TEXT_NOMEM
                        break
                    total += 1
                    words += 1
                    ends_sentence = words == self.max_sentence_length
                elif kind == FW_TEXT_NEWLINE or kind == FW_TEXT_END:
                    ends_sentence = words > 0 and (self.by_line or kind == FW_TEXT_END)
                else:
                    break
                if ends_sentence:
                    sentences += 1
                    words = 0
                    if 0 < max_vocab_size < self.words.size:
                        if self.words.prune_below(self.min_reduce) < 0:
                            kind = FW_TEXT_NOMEM
                            break
                        self.min_reduce += 1
                if kind == FW_TEXT_END:
                    break
        self.total_words += total
        self.sentences += sentences
        self.sentence_words = words
        if kind != FW_TEXT_MORE and kind != FW_TEXT_END:
            self.raise_for(kind)
