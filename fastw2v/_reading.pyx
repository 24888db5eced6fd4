# cython: language_level=3
"""Reading text in compiled code: files in byte ranges and streams in chunks, to word ids.

The readers split UTF-8 exactly as ``str.split()`` does (``_text.h``) and look words up in a
``WordHash`` (``_words``), without the GIL: ``read_range`` reads a byte range of a plain file
for a training worker, ``sentence_ranges`` cuts a file into ranges of whole sentences, and
``TextStream`` reads chunks (decompressed, say) as word ids or as counts, pruning as gensim
does, rewriting each sentence with a ``SentenceTransform`` (phrases) if it has one.
"""
import numpy as np

from libc.stdint cimport INT32_MAX, INT64_MAX, int32_t, int64_t
from libc.stdio cimport FILE, SEEK_SET, fclose, ferror, fopen, fread
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset

from fastw2v._text cimport (FW_TEXT_END, FW_TEXT_INVALID, FW_TEXT_LOOKBEHIND, FW_TEXT_MORE,
                            FW_TEXT_NEWLINE, FW_TEXT_NOMEM, FW_TEXT_WORD, fw_text_feed,
                            fw_text_free, fw_text_init, fw_text_next, fw_text_offset)
from fastw2v._words cimport WordHash

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
    cdef int64_t *bounds         # counting: starts of ranges of whole sentences (sentence_ranges)
    cdef int64_t n_bounds, bounds_capacity, bounds_target, next_mark

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
        free(self.bounds)

    def record_bounds(self, int64_t target_bytes):
        """While counting, also find the byte ranges of whole sentences, about
        ``target_bytes`` each, that ``sentence_ranges`` finds (see :meth:`sentence_bounds`)."""
        if self.bounds == NULL:
            self.bounds = <int64_t *>malloc(1024 * sizeof(int64_t))
            if self.bounds == NULL:
                raise MemoryError()
            self.bounds_capacity = 1024
        self.bounds[0] = 0
        self.n_bounds = 1
        self.bounds_target = self.next_mark = target_bytes

    def sentence_bounds(self):
        """After counting the whole stream with ``record_bounds``: what ``sentence_ranges``
        returns for it, the range starts followed by the stream's length."""
        result = np.empty(self.n_bounds + 1, dtype=np.int64)
        result[:self.n_bounds] = <int64_t[:self.n_bounds]>self.bounds
        result[self.n_bounds] = fw_text_offset(&self.text)
        return result

    cdef int add_bound(self, int64_t word_start) noexcept nogil:
        """Start a range at a sentence's first word, at ``word_start``, if it is due."""
        cdef int64_t *grown
        if word_start < self.next_mark:
            return 0
        if self.n_bounds == self.bounds_capacity:
            grown = <int64_t *>realloc(self.bounds, 2 * self.bounds_capacity * sizeof(int64_t))
            if grown == NULL:
                return -1
            self.bounds, self.bounds_capacity = grown, 2 * self.bounds_capacity
        self.bounds[self.n_bounds] = word_start
        self.n_bounds += 1
        self.next_mark = word_start + self.bounds_target
        return 0

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
                            or self.words.add(self.text.word, <int32_t>self.text.word_len, 1) < 0
                            or (words == 0 and self.bounds != NULL
                                and self.add_bound(self.text.word_start) < 0)):
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
