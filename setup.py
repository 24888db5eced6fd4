"""Build the compiled kernels of fastw2v.

Every ``fastw2v/*.pyx`` file becomes an extension module. The default build is
portable x86-64 code with optimisation on; set ``FASTW2V_NATIVE=1`` to compile
for the build machine's own CPU (``-march=native``) in a local install, and
``FASTW2V_SANITIZE=1`` to build with AddressSanitizer and UndefinedBehaviorSanitizer
(``make sanitize``).
"""
import glob
import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup


def compile_args():
    """Compiler flags: optimised, vectorisable float reductions, portable by default."""
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
    return args + sanitizer_args()


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


# a sanitized build keeps its objects apart, so that neither build reuses the other's
build_options = {"build": {"build_base": "build/sanitize"}} if sanitizer_args() else {}
setup(ext_modules=extensions(), options=build_options)
