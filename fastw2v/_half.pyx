# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled kernel of float16 storage: float16 rows widened to float32 with the CPU's F16C
instructions (x86-64 CPUs since 2012).

``fastw2v.nearest.widen`` decides when to use it (``f16c_available()``, numpy elsewhere)
and checks the arguments; here we check only what would otherwise read or write out of
bounds. The loop runs with the GIL released.
"""
from libc.stdint cimport uint16_t

cdef extern from *:
    """
    #include <stddef.h>
    #include <stdint.h>
    #include "_portable.h"
    /* not with clang-cl (_MSC_VER): __builtin_cpu_supports needs a runtime it does not link */
    #if FW_GNU_C && defined(__x86_64__) && !defined(_MSC_VER)
    #include <immintrin.h>
    static int fw_f16c_available(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
    }
    __attribute__((target("avx,f16c")))
    static void fw_widen_f16c(const uint16_t *src, float *dst, ptrdiff_t n) {
        ptrdiff_t i = 0;
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
        for (; i < n; i++)
            dst[i] = _cvtsh_ss(src[i]);
    }
    #else
    static int fw_f16c_available(void) { return 0; }
    static void fw_widen_f16c(const uint16_t *src, float *dst, ptrdiff_t n) {
        (void)src; (void)dst; (void)n;  /* never called: fw_f16c_available() is 0 */
    }
    #endif
    """
    int fw_f16c_available()
    void fw_widen_f16c(const uint16_t *src, float *dst, Py_ssize_t n) nogil


def f16c_available():
    """Whether this CPU has F16C (and this build its kernel)."""
    return bool(fw_f16c_available())


def widen_into(const uint16_t[:, ::1] half not None, float[:, ::1] out not None):
    """``out[:len(half)] = half`` (float16 bits read as uint16), with F16C."""
    cdef Py_ssize_t rows = half.shape[0], dim = half.shape[1]
    if not fw_f16c_available():
        raise RuntimeError("this CPU has no F16C")
    if out.shape[0] < rows or out.shape[1] != dim:
        raise ValueError("out of shape %s cannot hold %d rows of %d"
                         % ((out.shape[0], out.shape[1]), rows, dim))
    if rows == 0 or dim == 0:
        return
    with nogil:
        fw_widen_f16c(&half[0, 0], &out[0, 0], rows * dim)
