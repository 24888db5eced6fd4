"""Build the compiled kernels of fastw2v.

Every ``fastw2v/*.pyx`` file becomes an extension module. The default build is
portable x86-64 code with optimisation on; set ``FASTW2V_NATIVE=1`` to compile
for the build machine's own CPU (``-march=native``) in a local install,
``FASTW2V_SANITIZE=1`` to build with AddressSanitizer and UndefinedBehaviorSanitizer
(``make sanitize``), and ``FASTW2V_PORTABLE=1`` to build the ISO C path that MSVC compiles
(``-DFW_PORTABLE``, see ``fastw2v/_portable.h``) with GCC or Clang (``make test-portable``).
Each of the last two keeps its objects in a build directory of its own; build either in a
copy of the tree, not in place in a checkout, whose default build would then look up to date.
"""
import glob
import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup


def compile_args():
    """Compiler flags: optimised, vectorisable float reductions, portable by default.

    MSVC gets ``/O2`` and keeps its default ``/fp:precise``: its ``/fp:fast`` also gives up
    IEEE NaN semantics, and the kernels count NaN dot products (``f != f``) to stop training
    that diverges; ``_vectors_portable.h`` is written to vectorise without reassociating.
    """
    if sys.platform == "win32":
        return ["/O2"]
    args = [
        "-O3",
        "-fno-math-errno",
        "-fno-trapping-math",
        "-fassociative-math",
        "-fno-signed-zeros",
        "-funroll-loops",
    ]
    if os.environ.get("FASTW2V_NATIVE") == "1":
        args.append("-march=native")
    if portable():
        args.append("-DFW_PORTABLE")
    return args + sanitizer_args()


def portable():
    """Whether FASTW2V_PORTABLE=1 asks for the ISO C path of the kernels (not on Windows,
    where it is the only one)."""
    return os.environ.get("FASTW2V_PORTABLE") == "1" and sys.platform != "win32"


def sanitizer_args():
    """AddressSanitizer and UndefinedBehaviorSanitizer flags when FASTW2V_SANITIZE=1."""
    if os.environ.get("FASTW2V_SANITIZE") != "1" or sys.platform == "win32":
        return []
    return ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-fno-omit-frame-pointer", "-g"]


def extensions():
    args = compile_args()
    flags = " ".join(args)
    headers = sorted(glob.glob(os.path.join("fastw2v", "*.h")) + glob.glob(os.path.join("fastw2v", "*.pxd")))
    modules = []
    for path in sorted(glob.glob(os.path.join("fastw2v", "*.pyx"))):
        name = "fastw2v." + os.path.splitext(os.path.basename(path))[0]
        modules.append(
            Extension(
                name,
                [path],
                depends=headers,
                extra_compile_args=args,
                extra_link_args=sanitizer_args(),
                define_macros=[("FASTW2V_COMPILE_ARGS", '"%s"' % flags),
                               ("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    return cythonize(
        modules,
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
            "embedsignature": True,
        },
    )


def build_options():
    """The sanitized and the portable builds keep their objects apart (``build/sanitize``,
    ``build/portable``, ``build/sanitize-portable``), so that no build reuses another's."""
    kinds = [kind for kind, chosen in (("sanitize", sanitizer_args()), ("portable", portable()))
             if chosen]
    return {"build": {"build_base": os.path.join("build", "-".join(kinds))}} if kinds else {}


setup(ext_modules=extensions(), options=build_options())
