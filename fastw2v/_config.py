"""How this copy of fastw2v was built: compile flags, BLAS, CPU dispatch."""
import platform
import sys

from fastw2v._version import __version__


def build_info():
    """Describe the build as a dict (version, compile flags, BLAS, compiled kernels, and the
    nearest-neighbour search this CPU runs)."""
    info = {"fastw2v": __version__, "python": sys.version.split()[0], "machine": platform.machine()}
    try:
        from fastw2v import _core
    except ImportError as exc:  # the extension was not compiled
        info.update(compiled=False, error=str(exc))
        return info
    info.update(_core.build_info())
    info["compiled"] = True
    from fastw2v import _nearest
    info["nearest_search"] = ("bfloat16 first pass (AVX512_BF16), float32 rerank"
                              if _nearest.bf16_supported() else "float32 (BLAS)")
    try:
        import scipy
        blas = scipy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = "%s %s (scipy %s, via scipy.linalg.cython_blas)" % (
            blas.get("name"), blas.get("version"), scipy.__version__)
    except Exception:  # older scipy without dict config
        info["blas"] = "scipy.linalg.cython_blas"
    return info


def show_config():
    """Print how fastw2v was built (the same as ``python -m fastw2v --version``)."""
    for key, value in build_info().items():
        print("%-16s %s" % (key + ":", value))
