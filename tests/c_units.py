"""The C that fastw2v's extension modules compile, as translation units to check on their own:
``tests/test_build.py`` compiles the ISO C path with the C compiler here, and
``tools/check_windows_headers.py`` compiles them for Windows with Zig's Clang."""
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fastw2v"

# GNU C that MSVC rejects, poisoned (#pragma GCC poison) where the MSVC path is compiled, once
# the system headers are in (their own uses are left alone). The __atomic builtins are not:
# GCC and Clang lock with them even with FW_PORTABLE (MSVC with _portable.h's interlocked
# branch).
GNU_ONLY = ["__attribute__", "__builtin_prefetch", "__builtin_expect", "__builtin_popcount",
            "__builtin_ctz", "__builtin_cpu_init", "__builtin_cpu_supports", "__typeof__",
            "typeof", "__int128", "__extension__", "__asm__", "asm"]

# Included only on Windows; Clang has an intrin.h of its own everywhere, which elsewhere looks
# for the system's and fails.
WINDOWS_ONLY = {"intrin.h", "windows.h"}


def translation_units(package=PACKAGE):
    """Name to C source: each header that a .pyx or .pxd names in ``cdef extern from "..."``,
    and each C snippet of a ``cdef extern from *`` (named ``file.pyx:i``)."""
    units = {}
    for source in sorted(package.glob("*.pyx")) + sorted(package.glob("*.pxd")):
        text = source.read_text(encoding="utf8")
        for header in re.findall(r'^cdef extern from "(_\w+\.h)"', text, re.M):
            units[header] = '#include "%s"\n' % header
        snippets = re.findall(r'^cdef extern from \*:\n\s*"""(.*?)"""', text, re.M | re.S)
        for i, snippet in enumerate(snippets):
            units["%s:%d" % (source.name, i)] = snippet
    return units


def _local_includes(text):
    return re.findall(r'^\s*#\s*include "(\w+\.h)"', text, re.M)


def reached_headers(units, package=PACKAGE):
    """The package's headers that the units include, directly or through another header."""
    reached, todo = set(), [name for code in units.values() for name in _local_includes(code)]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += _local_includes((package / name).read_text(encoding="utf8"))
    return reached


def system_headers_prelude(units, package=PACKAGE):
    """C that includes every system header the units and the package's headers include and
    this compiler has, so that what follows it can poison identifiers those headers use."""
    sources = list(units.values()) + [path.read_text(encoding="utf8")
                                      for path in package.glob("*.h")]
    names = sorted({name for code in sources
                    for name in re.findall(r"^\s*#\s*include <([\w/]+\.h)>", code, re.M)})
    return "".join("#if %s__has_include(<%s>)\n#include <%s>\n#endif\n"
                   % ("defined(_WIN32) && " if name in WINDOWS_ONLY else "", name, name)
                   for name in names)
