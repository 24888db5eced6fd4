"""Compile the C of fastw2v's extension modules for 64-bit Windows, without a Windows machine.

Zig's Clang (``pip install ziglang``) with its MinGW-w64 headers compiles each translation
unit of ``tests/c_units.py`` (every header a module includes, every C snippet of a .pyx) for
``x86_64-windows-gnu`` three ways:

- ``gnu``: as Clang (or clang-cl) builds them, with the GNU C extensions;
- ``portable``: with ``-DFW_PORTABLE``, the ISO C path;
- ``msvc``: the MSVC branches of ``fastw2v/_portable.h``: once the system headers are in,
  ``__GNUC__``, ``__clang__`` and ``__x86_64__`` are undefined, ``_MSC_VER`` and ``_M_X64``
  defined (with ``-fms-extensions`` for ``__forceinline``, ``__declspec`` and the
  interlocked intrinsics) and the GNU builtins and attributes poisoned.

Only compilation is checked (no Windows CPython headers here, nothing is linked or run), and
Clang is not cl.exe: MSVC's own parser can still differ. Prints one line per unit and
configuration; the exit status is 1 if any failed.

Usage: ``python tools/check_windows_headers.py`` (the Python that has ziglang installed).
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from c_units import GNU_ONLY, PACKAGE, system_headers_prelude, translation_units  # noqa: E402

# what MSVC has in place of GNU C: the system headers are read as Clang reads them, then
# fastw2v's own code as MSVC would see it
MSVC_SWITCH = """
#undef __GNUC__
#undef __GNUC_MINOR__
#undef __GNUC_PATCHLEVEL__
#undef __clang__
#undef __x86_64__
#define _MSC_VER 1940
#ifndef _M_X64
#define _M_X64 100
#endif
#define __INTRIN_H /* Clang's intrin.h, already read (as MinGW's) in the prelude */
#undef __forceinline /* MinGW's macro for GCC: MSVC's keyword (-fms-extensions) instead */
#pragma GCC poison %s __atomic_test_and_set __atomic_load_n __atomic_clear
""" % " ".join(GNU_ONLY)

CONFIGURATIONS = {
    "gnu": ([], ""),
    "portable": (["-DFW_PORTABLE"], ""),
    "msvc": (["-fms-extensions", "-Wno-builtin-macro-redefined"], MSVC_SWITCH),
}


def main():
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, ZIG_GLOBAL_CACHE_DIR=os.path.join(work, "cache"),
                   ZIG_LOCAL_CACHE_DIR=os.path.join(work, "cache"))
        units = translation_units()
        prelude = system_headers_prelude(units)
        for name, code in units.items():
            for configuration, (flags, switch) in CONFIGURATIONS.items():
                unit = os.path.join(work, "%s_%s.c" % (re.sub(r"\W", "_", name), configuration))
                with open(unit, "w", encoding="utf8") as f:
                    f.write(prelude + switch + code)
                run = subprocess.run(
                    [sys.executable, "-m", "ziglang", "cc", "-target", "x86_64-windows-gnu",
                     "-std=c11", "-Wall", "-Wno-unused-function", "-I", str(PACKAGE), *flags,
                     "-c", unit, "-o", unit + ".o"],
                    capture_output=True, text=True, env=env)
                failed += run.returncode != 0
                print("%-8s %-22s %s" % (configuration, name, "ok" if run.returncode == 0
                                         else "FAILED\n" + run.stderr))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
