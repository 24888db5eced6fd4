# cython: language_level=3
"""Compiled vocabulary kernels: word counting, words to ids, and a streaming file tokenizer.

The file tokenizer and the byte-keyed hash table run without the GIL; they serve
``corpus_file`` mode, where the corpus never becomes Python strings.
"""
import numpy as np

from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdio cimport EOF, FILE, fclose, fopen, fread, fseek, getc, SEEK_SET
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

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
    # word2vec.c truncates words at 100 bytes; we keep far longer ones, but a "word" with no
    # whitespace in sight (a binary file) must not grow without bound.
    MAX_TOKEN_BYTES = 4096

cdef inline bint is_space(char c) noexcept nogil:
    return c == b' ' or c == b'\n' or c == b'\t' or c == b'\r' or c == b'\v' or c == b'\f'


cdef inline uint64_t fnv1a(const char *word, int32_t length) noexcept nogil:
    cdef uint64_t h = 14695981039346656037ULL
    cdef int32_t i
    for i in range(length):
        h = (h ^ <unsigned char>word[i]) * 1099511628211ULL
    return h


cdef class WordHash:
    """Hash table from UTF-8 words (bytes) to dense ids ``0..len-1``, with a count per word."""

    def __cinit__(self):
        self.n_slots = 0
        self.size = 0
        self.capacity = 0
        self.arena_used = 0
        self.arena_size = 0

    def __dealloc__(self):
        free(self.slots)
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
        if self.rehash(self.n_slots):
            raise MemoryError()

    cdef inline int64_t probe(self, const char *word, int32_t length, uint64_t h) noexcept nogil:
        """The slot holding ``word``, or the empty slot where it would go."""
        cdef int64_t mask = self.n_slots - 1
        cdef int64_t slot = <int64_t>(h & mask)
        cdef int32_t entry
        while True:
            entry = self.slots[slot]
            if entry < 0 or (self.hashes[entry] == h and self.lengths[entry] == length
                             and memcmp(self.arena + self.offsets[entry], word, length) == 0):
                return slot
            slot = (slot + 1) & mask

    cdef int64_t lookup(self, const char *word, int32_t length) noexcept nogil:
        return self.slots[self.probe(word, length, fnv1a(word, length))]

    cdef int64_t add(self, const char *word, int32_t length, int64_t count) noexcept nogil:
        """Add ``count`` to ``word`` (inserting it); its id, or -1 when out of memory."""
        cdef uint64_t h = fnv1a(word, length)
        cdef int64_t slot = self.probe(word, length, h)
        cdef int32_t entry = self.slots[slot]
        if entry >= 0:
            self.counts[entry] += count
            return entry
        if self.size == self.capacity and self.grow_entries():
            return -1
        if self.arena_used + length > self.arena_size:
            self.arena_size = 2 * (self.arena_size + length)
            self.arena = <char *>realloc(self.arena, self.arena_size)
            if self.arena == NULL:
                return -1
        memcpy(self.arena + self.arena_used, word, length)
        entry = <int32_t>self.size
        self.offsets[entry] = self.arena_used
        self.lengths[entry] = length
        self.hashes[entry] = h
        self.counts[entry] = count
        self.arena_used += length
        self.slots[slot] = entry
        self.size += 1
        if 2 * self.size > self.n_slots and self.rehash(2 * self.n_slots):
            return -1
        return entry

    cdef int grow_entries(self) noexcept nogil:
        cdef int64_t capacity = 2 * self.capacity if self.capacity else 1024
        self.offsets = <int64_t *>realloc(self.offsets, capacity * sizeof(int64_t))
        self.lengths = <int32_t *>realloc(self.lengths, capacity * sizeof(int32_t))
        self.hashes = <uint64_t *>realloc(self.hashes, capacity * sizeof(uint64_t))
        self.counts = <int64_t *>realloc(self.counts, capacity * sizeof(int64_t))
        if not (self.offsets and self.lengths and self.hashes and self.counts):
            return -1
        self.capacity = capacity
        return 0

    cdef int rehash(self, int64_t n_slots) noexcept nogil:
        cdef int64_t i, slot, mask = n_slots - 1
        free(self.slots)
        self.slots = <int32_t *>malloc(n_slots * sizeof(int32_t))
        if self.slots == NULL:
            return -1
        self.n_slots = n_slots
        for i in range(n_slots):
            self.slots[i] = -1
        for i in range(self.size):
            slot = <int64_t>(self.hashes[i] & mask)
            while self.slots[slot] >= 0:
                slot = (slot + 1) & mask
            self.slots[slot] = <int32_t>i
        return 0


cdef int tokenizer_open(Tokenizer *t, const char *path, int64_t start, int64_t end) noexcept nogil:
    """Open ``path`` to read the tokens that start in bytes ``[start, end)``; -1 on error."""
    t.fh = fopen(path, "rb")
    t.buf = <char *>malloc(BUFFER_SIZE)
    t.token = <char *>malloc(MAX_TOKEN_BYTES)
    t.token_cap = MAX_TOKEN_BYTES
    t.token_len = 0
    t.buf_len = 0
    t.buf_pos = 0
    t.eof = 0
    t.end = end
    t.offset = start
    if t.fh == NULL or t.buf == NULL or t.token == NULL:
        return -1
    cdef int c
    if start > 0:
        # a word cut by `start` belongs to the range before
        if fw_fseek64(t.fh, start - 1, SEEK_SET) != 0:
            return -1
        c = getc(t.fh)
        if c != EOF and not is_space(<char>c):
            while True:
                c = getc(t.fh)
                if c == EOF or is_space(<char>c):
                    break
                t.offset += 1
            if c != EOF:
                # hand the separator back through the buffer
                t.buf[0] = <char>c
                t.buf_len = 1
    return 0


cdef void tokenizer_close(Tokenizer *t) noexcept nogil:
    if t.fh != NULL:
        fclose(t.fh)
    free(t.buf)
    free(t.token)
    t.fh = NULL
    t.buf = NULL
    t.token = NULL


cdef inline int tokenizer_fill(Tokenizer *t) noexcept nogil:
    """Refill the buffer; 0 at end of file."""
    if t.eof:
        return 0
    t.buf_len = <int64_t>fread(t.buf, 1, BUFFER_SIZE, t.fh)
    t.buf_pos = 0
    if t.buf_len == 0:
        t.eof = 1
    return t.buf_len > 0


cdef int tokenizer_next(Tokenizer *t) noexcept nogil:
    """Advance to the next word (TOKEN_WORD, in t.token), line end (TOKEN_NEWLINE) or the end."""
    cdef char c
    while True:
        if t.buf_pos == t.buf_len and not tokenizer_fill(t):
            return TOKEN_END
        c = t.buf[t.buf_pos]
        if not is_space(c):
            break
        if t.offset >= t.end:
            return TOKEN_END
        t.buf_pos += 1
        t.offset += 1
        if c == b'\n':
            return TOKEN_NEWLINE
    if t.offset >= t.end:
        return TOKEN_END
    t.token_len = 0
    t.token_start = t.offset
    while True:
        if t.buf_pos == t.buf_len and not tokenizer_fill(t):
            break
        c = t.buf[t.buf_pos]
        if is_space(c):
            break
        if t.token_len < t.token_cap:
            t.token[t.token_len] = c
            t.token_len += 1
        t.buf_pos += 1
        t.offset += 1
    return TOKEN_WORD


cdef inline int64_t line_sentences(int64_t line_words, int64_t max_sentence_length) noexcept nogil:
    if max_sentence_length <= 0:
        return line_words > 0
    return (line_words + max_sentence_length - 1) // max_sentence_length


cdef int read_range(const char *path, int64_t start, int64_t end, WordHash words,
                    int64_t max_sentence_length, bint by_line, int32_t *ids, int64_t *ends,
                    RangeCounts *counts) noexcept nogil:
    """The known words starting in bytes ``[start, end)`` of a file as ids, sentence by
    sentence: sentence s is ``ids[ends[s-1]:ends[s]]``. Sentences end at line ends (if
    ``by_line``) and every ``max_sentence_length`` words read (if positive), counted from
    ``start``. ``ids`` and ``ends`` must hold ``(end - start) // 2 + 1`` entries (every word is
    followed by a separator or the end of the file). 0 on success, -1 if the file cannot be
    read."""
    cdef Tokenizer t
    cdef int kind, status = 0
    cdef int64_t word, n = 0, sentence_start = 0, sentence_raw = 0
    memset(counts, 0, sizeof(RangeCounts))
    t.fh = NULL
    t.buf = NULL
    t.token = NULL
    if tokenizer_open(&t, path, start, end) < 0:
        status = -1
    while status == 0:
        kind = tokenizer_next(&t)
        if kind == TOKEN_WORD:
            counts.raw_words += 1
            sentence_raw += 1
            word = words.lookup(t.token, t.token_len)
            if word >= 0:
                ids[n] = <int32_t>word
                n += 1
            if sentence_raw != max_sentence_length:
                continue
        elif kind == TOKEN_NEWLINE and not by_line:
            continue
        # a sentence ends here
        counts.raw_sentences += sentence_raw > 0
        sentence_raw = 0
        if n > sentence_start:
            ends[counts.sentences] = n
            counts.sentences += 1
            counts.longest = max(counts.longest, n - sentence_start)
            sentence_start = n
        if kind == TOKEN_END:
            break
    tokenizer_close(&t)
    return status


def read_file_range(WordHash words not None, path, int64_t start, int64_t end,
                    int64_t max_sentence_length=0, bint by_line=True):
    """``read_range`` from Python: ``(ids, ends, raw_words, raw_sentences)`` (for tests)."""
    cdef bytes path_bytes = path.encode() if isinstance(path, str) else bytes(path)
    cdef int64_t capacity = max(end - start, 0) // 2 + 2
    cdef int32_t[::1] ids = np.empty(capacity, dtype=np.int32)
    cdef int64_t[::1] ends = np.empty(capacity, dtype=np.int64)
    cdef RangeCounts counts
    if read_range(path_bytes, start, end, words, max_sentence_length, by_line, &ids[0],
                  &ends[0], &counts) < 0:
        raise OSError("cannot read corpus file %r" % (path,))
    n_ids = ends[counts.sentences - 1] if counts.sentences else 0
    return (np.asarray(ids[:n_ids]).copy(), np.asarray(ends[:counts.sentences]).copy(),
            counts.raw_words, counts.raw_sentences)


def sentence_ranges(path, int64_t target_bytes, int64_t max_sentence_length, bint by_line):
    """Split a text file into byte ranges of whole sentences, about ``target_bytes`` each.

    Sentences are cut as ``LineSentence`` (``by_line``: at line ends, and every
    ``max_sentence_length`` words of a line) or ``Text8Corpus`` (every
    ``max_sentence_length`` words, lines ignored) cut them; each range starts at the first
    word of a sentence, so training the ranges apart trains the reader's own sentences.

    Returns
    -------
    numpy.ndarray or None
        int64 range starts followed by the file size; None when compiled reading would not
        see the words Python does: bytes that are not ASCII, ASCII separators that
        ``str.split()`` splits on but the tokenizer keeps (0x1c-0x1f), or words over
        ``MAX_TOKEN_BYTES``.
    """
    cdef bytes path_bytes = path.encode() if isinstance(path, str) else bytes(path)
    cdef const char *cpath = path_bytes
    cdef Tokenizer t
    t.fh = NULL
    t.buf = NULL
    t.token = NULL
    cdef int kind, plain = 1
    cdef int32_t k
    cdef unsigned char c
    cdef int64_t in_sentence = 0, next_mark = target_bytes, n = 0, capacity = 1024
    cdef int64_t *starts = <int64_t *>malloc(capacity * sizeof(int64_t))
    cdef int64_t *grown
    if starts == NULL:
        raise MemoryError()
    starts[n] = 0
    n += 1
    try:
        if tokenizer_open(&t, cpath, 0, <int64_t>1 << 62) < 0:
            raise OSError("cannot open corpus file %r" % (path,))
        with nogil:
            while plain:
                kind = tokenizer_next(&t)
                if kind == TOKEN_END:
                    break
                if kind == TOKEN_NEWLINE:
                    if by_line:
                        in_sentence = 0
                    continue
                if t.offset - t.token_start > t.token_len:  # cut at the tokenizer's cap
                    plain = 0
                for k in range(t.token_len):
                    c = <unsigned char>t.token[k]
                    if c >= 0x80 or 0x1c <= c <= 0x1f:
                        plain = 0
                if in_sentence == 0 and t.token_start >= next_mark:
                    if n == capacity:
                        capacity *= 2
                        grown = <int64_t *>realloc(starts, capacity * sizeof(int64_t))
                        if grown == NULL:
                            plain = -1
                            break
                        starts = grown
                    starts[n] = t.token_start
                    n += 1
                    next_mark = t.token_start + target_bytes
                in_sentence += 1
                if max_sentence_length > 0 and in_sentence == max_sentence_length:
                    in_sentence = 0
        if plain < 0:
            raise MemoryError()
        if not plain:
            return None
        result = np.empty(n + 1, dtype=np.int64)
        result[:n] = <int64_t[:n]>starts
        result[n] = t.offset
        return result
    finally:
        tokenizer_close(&t)
        free(starts)


def scan_file(path, int64_t max_vocab_size=0, int64_t start=0, int64_t end=-1,
              int64_t max_sentence_length=0):
    """Count the words of a text file in compiled code, without the GIL.

    Lines are sentences; words are split on ASCII whitespace. When ``max_vocab_size`` is
    positive, the rarest words are pruned as in gensim whenever the vocabulary grows past it.

    Returns
    -------
    (WordHash, int, int, int)
        The counted words, the number of sentences (non-empty lines, each counted as
        ``ceil(words / max_sentence_length)`` when that is positive), the number of words,
        and the final ``min_reduce``.
    """
    cdef bytes path_bytes = path.encode() if isinstance(path, str) else bytes(path)
    cdef const char *cpath = path_bytes
    cdef WordHash words = WordHash()
    cdef Tokenizer t
    t.fh = NULL
    t.buf = NULL
    t.token = NULL
    cdef int kind, failed = 0
    cdef int64_t sentences = 0, total = 0, since_check = 0, min_reduce = 1, line_words = 0
    cdef int64_t stop = end if end >= 0 else (<int64_t>1 << 62)
    if tokenizer_open(&t, cpath, start, stop) < 0:
        tokenizer_close(&t)
        raise OSError("cannot open corpus file %r" % (path,))
    try:
        while True:
            with nogil:
                while True:
                    kind = tokenizer_next(&t)
                    if kind == TOKEN_WORD:
                        if words.add(t.token, t.token_len, 1) < 0:
                            failed = 1
                            break
                        total += 1
                        since_check += 1
                        line_words += 1
                    elif kind == TOKEN_NEWLINE:
                        sentences += line_sentences(line_words, max_sentence_length)
                        line_words = 0
                    else:
                        break
                    if (max_vocab_size > 0 and words.size > max_vocab_size
                            and (kind == TOKEN_NEWLINE or since_check >= 10000)):
                        break
                    if kind == TOKEN_NEWLINE:
                        since_check = 0
            if failed:
                raise MemoryError("out of memory while counting words")
            if kind == TOKEN_END:
                break
            words.prune(min_reduce)
            min_reduce += 1
            since_check = 0
    finally:
        tokenizer_close(&t)
    sentences += line_sentences(line_words, max_sentence_length)
    return words, sentences, total, min_reduce


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
        self.add_batch([sentence if type(sentence) is list else check_sentence(sentence)])

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


def check_sentence(sentence):
    """Return ``sentence`` as a list of tokens, or raise TypeError saying what is wrong."""
    if isinstance(sentence, (str, bytes)):
        raise TypeError("each sentence must be a list of str tokens, got a %s (%r...); split "
                        "your text into tokens, e.g. [line.split() for line in lines]"
                        % (type(sentence).__name__, sentence[:30]))
    try:
        return list(sentence)
    except TypeError:
        raise TypeError("each sentence must be a list of str tokens, got %r" % (sentence,)) from None


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
