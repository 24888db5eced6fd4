"""Cython declarations of ``_text.h``, the compiled text layer (see that file)."""
from libc.stdint cimport int64_t


cdef extern from "_text.h" nogil:
    enum:
        FW_TEXT_END
        FW_TEXT_WORD
        FW_TEXT_NEWLINE
        FW_TEXT_MORE
        FW_TEXT_INVALID
        FW_TEXT_NOMEM
        FW_TEXT_LOOKBEHIND

    ctypedef struct fw_text:
        const char *word
        size_t word_len
        int64_t word_start
        int64_t invalid_at

    void fw_text_init(fw_text *t, int64_t base, int64_t begin, int64_t end)
    void fw_text_free(fw_text *t)
    void fw_text_feed(fw_text *t, const char *buf, size_t n, int last)
    int fw_text_next(fw_text *t)
    int64_t fw_text_offset(const fw_text *t)
