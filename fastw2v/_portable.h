/*
 * What the C code needs beyond ISO C, in one place: GCC and Clang (clang-cl too) take GNU C's
 * attributes, builtins and vector types; MSVC takes its own keywords and intrinsics, and the
 * ISO C loops of _vectors.h instead of vector types. Defining FW_PORTABLE sends GCC and Clang
 * down MSVC's path wherever they can compile it, so that it is built and tested here
 * (FASTW2V_PORTABLE=1 in setup.py, make test-portable).
 *
 * FW_GNU_C            1 where the GNU C extensions are used
 * FW_INLINE           a static function always inlined (what a variant's fw_train_batch
 *                     calls, so that it is built for that variant's instruction set)
 * FW_NOINLINE         a function never inlined
 * FW_RESTRICT         C99's restrict (MSVC's C takes it only with /std:c11)
 * FW_PREFETCH(p)      a hint to bring the cache line at p into the cache, to read
 * FW_PREFETCH_WRITE(p) ... to write
 * FW_FLAG_TEST_AND_SET(p), FW_FLAG_IS_SET(p), FW_FLAG_CLEAR(p)
 *                     a one-byte lock flag (unsigned char): set it, returning whether it was
 *                     set (acquire); read it (no ordering); clear it (release)
 */
#ifndef FASTW2V_PORTABLE_H
#define FASTW2V_PORTABLE_H

#if (defined(__GNUC__) || defined(__clang__)) && !defined(FW_PORTABLE)
#define FW_GNU_C 1
#else
#define FW_GNU_C 0
#endif

#if FW_GNU_C
#define FW_INLINE static inline __attribute__((always_inline))
#define FW_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define FW_INLINE static __forceinline
#define FW_NOINLINE __declspec(noinline)
#else
#define FW_INLINE static inline
#define FW_NOINLINE
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#define FW_RESTRICT __restrict
#else
#define FW_RESTRICT restrict
#endif

/* _mm_prefetch has no write hint: the line is fetched to read, as good for a row written
 * soon after. */
#if FW_GNU_C
#define FW_PREFETCH(p) __builtin_prefetch(p)
#define FW_PREFETCH_WRITE(p) __builtin_prefetch(p, 1, 3)
#elif defined(_M_X64) || defined(_M_IX86) || defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define FW_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#define FW_PREFETCH_WRITE(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#define FW_PREFETCH(p) ((void)(p))
#define FW_PREFETCH_WRITE(p) ((void)(p))
#endif

/* MSVC's interlocked exchange is a full barrier, stronger than acquire and release. */
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#define FW_FLAG_TEST_AND_SET(p) (_InterlockedExchange8((volatile char *)(p), 1) != 0)
#define FW_FLAG_IS_SET(p) (*(volatile const unsigned char *)(p) != 0)
#define FW_FLAG_CLEAR(p) ((void)_InterlockedExchange8((volatile char *)(p), 0))
#else
#define FW_FLAG_TEST_AND_SET(p) __atomic_test_and_set(p, __ATOMIC_ACQUIRE)
#define FW_FLAG_IS_SET(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define FW_FLAG_CLEAR(p) __atomic_clear(p, __ATOMIC_RELEASE)
#endif

#endif /* FASTW2V_PORTABLE_H */
