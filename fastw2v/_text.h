/*
 * fastw2v's compiled text layer: UTF-8 bytes to words, exactly as Python splits them.
 *
 * A stream of bytes is read as Python reads a binary text file line by line and splits
 * each decoded line with str.split(): lines end at b'\n' only, and words are the maximal
 * runs of code points that are not whitespace to str.split() (chr(c).isspace()). Anything
 * that is not one of those whitespace characters, exactly encoded, belongs to a word, so
 * every byte that is not valid UTF-8 lands in a word, and each word with a byte >= 0x80 is
 * validated as strictly as Python's decoder does. Words have no length limit.
 *
 * The stream comes in chunks of any size (fw_text_feed); a word or a multi-byte whitespace
 * character may be split between two chunks. A reader may start anywhere in a stream: it
 * reports only the words and line ends at offsets in [begin, end), and a reader that starts
 * FW_TEXT_LOOKBEHIND bytes before `begin` sees the words starting at or after `begin` as a
 * reader from the stream's start does (whitespace characters are at most that long, and
 * their trailing bytes never start one).
 *
 * Nothing here needs the GIL; the caller owns the chunks, which must stay valid until the
 * next fw_text_feed.
 */
#ifndef FASTW2V_TEXT_H
#define FASTW2V_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What fw_text_next found. */
enum {
    FW_TEXT_END = 0,      /* the end of the stream, or of [begin, end) */
    FW_TEXT_WORD = 1,     /* a word: t->word, t->word_len, at stream offset t->word_start */
    FW_TEXT_NEWLINE = 2,  /* a line end (b'\n') */
    FW_TEXT_MORE = 3,     /* the chunk is used up: feed the next one */
    FW_TEXT_INVALID = 4,  /* a word that is not valid UTF-8; its first bad byte at t->invalid_at */
    FW_TEXT_NOMEM = 5     /* out of memory holding a word split between chunks */
};

/* Bytes of the longest whitespace character, and so how far before `begin` a reader must
 * start to split the stream as a reader from its start does. */
#define FW_TEXT_MAX_SPACE 3
#define FW_TEXT_LOOKBEHIND FW_TEXT_MAX_SPACE

/* Classes of bytes: part of a word, ASCII whitespace, line end, first byte >= 0x80. */
enum { FW_BYTE_WORD = 0, FW_BYTE_SPACE = 1, FW_BYTE_NEWLINE = 2, FW_BYTE_HIGH = 3 };

/* ASCII whitespace to str.split() is \t \n \v \f \r, \x1c-\x1f and the space. */
static const unsigned char fw_byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 1, 1, 0, 0,  /* 0x00: \t \n \v \f \r */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1,  /* 0x10: \x1c-\x1f */
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20: space */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

/* Length of the non-ASCII whitespace character at p (p[0] >= 0x80) given n >= 1 bytes: 2 or
 * 3, 0 if there is none, -1 if the n bytes are a proper prefix of one. The characters are
 * U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000. */
static inline int fw_text_space_len(const unsigned char *p, size_t n)
{
    switch (p[0]) {
    case 0xC2:
        if (n < 2) return -1;
        return p[1] == 0x85 || p[1] == 0xA0 ? 2 : 0;
    case 0xE1:
        if (n < 2) return -1;
        if (p[1] != 0x9A) return 0;
        if (n < 3) return -1;
        return p[2] == 0x80 ? 3 : 0;
    case 0xE2:
        if (n < 2) return -1;
        if (p[1] != 0x80 && p[1] != 0x81) return 0;
        if (n < 3) return -1;
        if (p[1] == 0x81) return p[2] == 0x9F ? 3 : 0;
        return p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF ? 3 : 0;
    case 0xE3:
        if (n < 2) return -1;
        if (p[1] != 0x80) return 0;
        if (n < 3) return -1;
        return p[2] == 0x80 ? 3 : 0;
    default:
        return 0;
    }
}

/* Index of the first byte of s[0:n] at which Python's strict UTF-8 decoder fails (its
 * UnicodeDecodeError.start), or -1 if s is valid UTF-8. Surrogates and overlong forms are
 * invalid, as in Python. */
static inline ptrdiff_t fw_utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        unsigned char lo = 0x80, hi = 0xBF;
        size_t len, k;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            else if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            else if (c == 0xF4) hi = 0x8F;
        } else return (ptrdiff_t)i;
        if (i + 1 >= n || s[i + 1] < lo || s[i + 1] > hi) return (ptrdiff_t)i;
        for (k = 2; k < len; k++)
            if (i + k >= n || s[i + k] < 0x80 || s[i + k] > 0xBF) return (ptrdiff_t)i;
        i += len;
    }
    return -1;
}

/* A reader of one stream. Set it up with fw_text_init, give it chunks with fw_text_feed and
 * take what it finds with fw_text_next; free it with fw_text_free. */
typedef struct {
    const unsigned char *buf;  /* the current chunk (the caller's) */
    size_t len, pos;           /* its size, and how much of it is read */
    int64_t base;              /* stream offset of buf[0] */
    int last;                  /* no chunk follows this one */
    int64_t begin, end;        /* report only what starts at offsets in [begin, end) */
    /* the last word found */
    const char *word;
    size_t word_len;
    int64_t word_start;        /* its stream offset */
    int64_t invalid_at;        /* stream offset of its first bad byte (FW_TEXT_INVALID) */
    /* carried from one chunk to the next */
    int in_word;               /* a word began in an earlier chunk */
    int skip;                  /* ... before `begin`: scanned past, not kept */
    int high;                  /* ... with a byte >= 0x80 so far */
    char *carry;               /* ... its bytes so far */
    size_t carry_len, carry_cap;
    /* the last bytes of a chunk, a proper prefix of a whitespace character */
    unsigned char pend[FW_TEXT_MAX_SPACE];
    int pend_len;
} fw_text;

/* A reader whose first chunk starts at stream offset `base`. */
static inline void fw_text_init(fw_text *t, int64_t base, int64_t begin, int64_t end)
{
    memset(t, 0, sizeof(*t));
    t->base = base;
    t->begin = begin;
    t->end = end;
}

static inline void fw_text_free(fw_text *t)
{
    free(t->carry);
    t->carry = NULL;
    t->carry_cap = t->carry_len = 0;
}

/* The next chunk: n bytes (0 allowed), `last` if the stream ends with it. */
static inline void fw_text_feed(fw_text *t, const char *buf, size_t n, int last)
{
    t->base += (int64_t)t->len;
    t->buf = (const unsigned char *)buf;
    t->len = n;
    t->pos = 0;
    t->last = last;
}

/* Stream offset of the first byte not read yet. */
static inline int64_t fw_text_offset(const fw_text *t)
{
    return t->base + (int64_t)t->pos - t->pend_len;
}

static inline int fw_text_keep(fw_text *t, const void *p, size_t n)
{
    if (t->skip || n == 0)
        return 0;
    if (t->carry_len + n > t->carry_cap) {
        size_t cap = 2 * (t->carry_len + n);
        char *grown = (char *)realloc(t->carry, cap);
        if (grown == NULL)
            return -1;
        t->carry = grown;
        t->carry_cap = cap;
    }
    memcpy(t->carry + t->carry_len, p, n);
    t->carry_len += n;
    return 0;
}

/* A word starts at stream offset `at`: 0, or -1 if that is past `end`. */
static inline int fw_text_start_word(fw_text *t, int64_t at)
{
    if (at >= t->end)
        return -1;
    t->word_start = at;
    t->in_word = 1;
    t->skip = at < t->begin;
    t->high = 0;
    t->carry_len = 0;
    return 0;
}

/* The word just ended, at word[0:n]: FW_TEXT_WORD, or FW_TEXT_INVALID after checking it. */
static inline int fw_text_found(fw_text *t, const char *word, size_t n)
{
    ptrdiff_t bad;
    t->in_word = 0;
    t->word = word;
    t->word_len = n;
    if (t->high && (bad = fw_utf8_invalid_at((const unsigned char *)word, n)) >= 0) {
        t->invalid_at = t->word_start + bad;
        return FW_TEXT_INVALID;
    }
    return FW_TEXT_WORD;
}

/* Settle the bytes a chunk ended with that might have started a whitespace character, now
 * that the next chunk is here: the result of fw_text_next, or -1 to read on. */
static inline int fw_text_settle(fw_text *t)
{
    unsigned char head[FW_TEXT_MAX_SPACE];
    size_t have = (size_t)t->pend_len, take = FW_TEXT_MAX_SPACE - have;
    int64_t at = t->base - t->pend_len;
    int len;
    if (take > t->len)
        take = t->len;
    memcpy(head, t->pend, have);
    memcpy(head + have, t->buf, take);
    len = fw_text_space_len(head, have + take);
    if (len < 0 && !t->last) {  /* still undecided: the chunk is shorter than the rest */
        memcpy(t->pend + have, t->buf, take);
        t->pend_len += (int)take;
        t->pos = take;
        return FW_TEXT_MORE;
    }
    t->pend_len = 0;
    if (len > 0) {  /* whitespace: it ends the word carried over, if any */
        t->pos = (size_t)len - have;
        if (t->in_word) {
            t->in_word = 0;
            if (!t->skip)
                return fw_text_found(t, t->carry, t->carry_len);
        }
        return -1;
    }
    /* bytes of a word */
    if (!t->in_word && fw_text_start_word(t, at) < 0) {
        t->pos = 0;
        return FW_TEXT_END;
    }
    t->high = 1;
    if (fw_text_keep(t, head, have) < 0)
        return FW_TEXT_NOMEM;
    return -1;
}

/* Read on to the next word or line end in [begin, end); FW_TEXT_MORE when the chunk is used
 * up (feed the next, or an empty last one at the end of the stream). */
static inline int fw_text_next(fw_text *t)
{
    const unsigned char *b = t->buf;
    const size_t n = t->len;
    size_t i, w;
    int len, kind, fresh;
    if (t->pend_len > 0 && (kind = fw_text_settle(t)) >= 0)
        return kind;
    i = t->pos;
    for (;;) {
        if (!t->in_word) {
            /* skip whitespace, stopping at a line end */
            for (;;) {
                if (i == n) {
                    t->pos = i;
                    return t->last ? FW_TEXT_END : FW_TEXT_MORE;
                }
                kind = fw_byte_class[b[i]];
                if (kind == FW_BYTE_WORD)
                    break;
                if (kind == FW_BYTE_SPACE) {
                    i++;
                } else if (kind == FW_BYTE_NEWLINE) {
                    if (t->base + (int64_t)i >= t->end) {
                        t->pos = i;
                        return FW_TEXT_END;
                    }
                    i++;
                    if (t->base + (int64_t)i > t->begin) {
                        t->pos = i;
                        return FW_TEXT_NEWLINE;
                    }
                } else {
                    len = fw_text_space_len(b + i, n - i);
                    if (len == 0 || (len < 0 && t->last))
                        break;
                    if (len < 0) {
                        t->pend_len = (int)(n - i);
                        memcpy(t->pend, b + i, n - i);
                        t->pos = n;
                        return FW_TEXT_MORE;
                    }
                    i += (size_t)len;
                }
            }
            if (fw_text_start_word(t, t->base + (int64_t)i) < 0) {
                t->pos = i;
                return FW_TEXT_END;
            }
            fresh = 1;
        } else {
            fresh = 0;  /* the word began in an earlier chunk */
        }
        /* read the word */
        w = i;
        for (;;) {
            if (i == n) {
                if (t->last)
                    break;
                t->pos = i;
                return fw_text_keep(t, b + w, i - w) < 0 ? FW_TEXT_NOMEM : FW_TEXT_MORE;
            }
            kind = fw_byte_class[b[i]];
            if (kind == FW_BYTE_WORD) {
                i++;
                continue;
            }
            if (kind != FW_BYTE_HIGH)
                break;
            len = fw_text_space_len(b + i, n - i);
            if (len > 0)
                break;
            if (len < 0 && !t->last) {
                t->pend_len = (int)(n - i);
                memcpy(t->pend, b + i, n - i);
                t->pos = n;
                return fw_text_keep(t, b + w, i - w) < 0 ? FW_TEXT_NOMEM : FW_TEXT_MORE;
            }
            t->high = 1;
            i++;
        }
        t->pos = i;
        if (t->skip) {
            t->in_word = 0;
            continue;
        }
        if (fresh)
            return fw_text_found(t, (const char *)b + w, i - w);
        if (fw_text_keep(t, b + w, i - w) < 0)
            return FW_TEXT_NOMEM;
        return fw_text_found(t, t->carry, t->carry_len);
    }
}

#endif
