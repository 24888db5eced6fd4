"""Cython declarations of ``_reading``: the compiled readers of text."""
from libc.stdint cimport int32_t, int64_t
from libc.stdio cimport FILE

from fastw2v._text cimport fw_text
from fastw2v._words cimport WordHash


cdef class SentenceTransform:
    """Rewrites the sentences a ``TextStream`` reads (phrases join tokens): each word to an
    id of the transform's own, then each finished sentence to the words it outputs."""
    cdef int64_t token(self, const char *word, int32_t length) noexcept nogil
    cdef int64_t rewrite(self, int32_t *ids, int64_t n, int64_t *tokens) noexcept nogil
    cdef int raise_error(self) except -1


cdef struct Tokenizer:
    FILE *fh
    char *buf
    fw_text text


cdef int tokenizer_open(Tokenizer *t, const char *path, int64_t start, int64_t end) noexcept nogil
cdef void tokenizer_close(Tokenizer *t) noexcept nogil
cdef int tokenizer_next(Tokenizer *t) noexcept nogil


cdef struct RangeCounts:
    int64_t raw_words       # words read, known or not
    int64_t raw_sentences   # sentences with at least one word read
    int64_t sentences       # sentences with at least one known word: entries of ``ends``
    int64_t longest         # known words of the longest sentence
    int64_t invalid_at      # file offset of the first byte that is not UTF-8 (READ_INVALID)


cdef enum:
    READ_OK = 0
    READ_FAILED = -1        # the file cannot be read, or memory ran out
    READ_INVALID = -2       # a word is not valid UTF-8


cdef int read_range(const char *path, int64_t start, int64_t end, WordHash words,
                    int64_t max_sentence_length, bint by_line, int32_t *ids, int64_t *ends,
                    RangeCounts *counts) noexcept nogil
cdef int check_read(int status, path, const RangeCounts *counts) except -1
