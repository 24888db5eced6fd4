/* Hashing and hash-table memory shared by the compiled modules (plain C, no Python).
 *
 * fw_text_hash  a fast hash of a byte string (never -1, as a Py_hash_t of the same width)
 * fw_table_alloc, fw_table_free
 *               zeroed memory for big hash tables, in transparent huge pages on Linux
 * FW_PREFETCH   (_portable.h) a hint to bring an address into the cache
 */
#ifndef FASTW2V_HASHING_H
#define FASTW2V_HASHING_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_portable.h"

/* A hash of n bytes, much cheaper than Python's SipHash: 8 bytes at a time, the last 8
   overlapping the previous ones; 4 to 7 bytes as their first and last 4; fewer as three of
   them. Never -1. */
static inline ptrdiff_t fw_text_hash(const char *data, ptrdiff_t n) {
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL, w = 0;
    uint32_t a, b;
    if (n > 8) {
        while (n > 8) {
            memcpy(&w, data, 8);
            h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 29;
            data += 8;
            n -= 8;
        }
        data -= 8 - n;
        n = 8;
    }
    if (n == 8) {
        memcpy(&w, data, 8);
    } else if (n >= 4) {
        memcpy(&a, data, 4);
        memcpy(&b, data + n - 4, 4);
        w = ((uint64_t)a << 32) | b;
    } else if (n > 0) {
        w = ((uint64_t)(uint8_t)data[0] << 16) | ((uint64_t)(uint8_t)data[n >> 1] << 8)
            | (uint8_t)data[n - 1];
    }
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ULL;
    h ^= h >> 32;
    return (ptrdiff_t)h != -1 ? (ptrdiff_t)h : -2;
}

/* Big hash tables are read at random: in huge pages a lookup rarely misses the TLB as well
   as the cache. Free with the size given to fw_table_alloc. */
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__linux__) && defined(MADV_HUGEPAGE)
#define FW_HUGE_MIN ((size_t)4 << 20)

static inline void *fw_table_alloc(size_t size) {
    void *p;
    if (size < FW_HUGE_MIN)
        return calloc(size, 1);
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, size, MADV_HUGEPAGE);
    return p;
}

static inline void fw_table_free(void *p, size_t size) {
    if (p != NULL && size >= FW_HUGE_MIN)
        munmap(p, size);
    else
        free(p);
}
#else
static inline void *fw_table_alloc(size_t size) { return calloc(size, 1); }
static inline void fw_table_free(void *p, size_t size) { (void)size; free(p); }
#endif

#endif /* FASTW2V_HASHING_H */
