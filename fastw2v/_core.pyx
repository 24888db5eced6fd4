# cython: language_level=3
"""Compiled training kernels of fastw2v (placeholder until the trainer lands)."""

cdef extern from *:
    """
    #ifndef FASTW2V_COMPILE_ARGS
    #define FASTW2V_COMPILE_ARGS "unknown"
    #endif
    static int fastw2v_cpu_has(const char *feature) {
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        __builtin_cpu_init();
        if (feature[0] == 'a' && feature[3] == '2') return __builtin_cpu_supports("avx2");
        if (feature[0] == 'a' && feature[3] == '5') return __builtin_cpu_supports("avx512f");
        if (feature[0] == 'f') return __builtin_cpu_supports("fma");
    #endif
        return 0;
    }
    """
    const char *FASTW2V_COMPILE_ARGS
    int fastw2v_cpu_has(const char *feature)


def build_info():
    """Compile flags and the CPU features seen at run time."""
    return {
        "compile_args": FASTW2V_COMPILE_ARGS.decode(),
        "cpu_avx2": bool(fastw2v_cpu_has(b"avx2")),
        "cpu_avx512f": bool(fastw2v_cpu_has(b"avx512f")),
        "cpu_fma": bool(fastw2v_cpu_has(b"fma")),
    }
