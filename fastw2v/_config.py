"""How this copy of fastw2v was built and what it runs here: compile flags, the kernel variant,
the nearest-neighbour search and the BLAS that numpy's matrix products use."""
from __future__ import annotations

import os
import platform
import sys

from fastw2v._version import __version__


def build_info() -> dict[str, object]:
    """Describe the build and what runs on this machine, as a dict."""
    info: dict[str, object] = {"fastw2v": __version__, "python": sys.version.split()[0],
                               "machine": platform.machine()}
    try:
        from fastw2v import _trainer, cpu
    except ImportError as exc:  # the extension was not compiled
        info.update(compiled=False, error=str(exc))
        return info
    info["compiled"] = True
    info["compile_args"] = _trainer.compile_args()
    forced = os.environ.get(cpu.ENVIRONMENT_VARIABLE)
    info["kernel_variant"] = cpu.active + (" (forced by %s)" % cpu.ENVIRONMENT_VARIABLE
                                           if forced else " (the best this CPU runs)")
    info["nearest_search"] = "float32 matrix products (numpy, BLAS)"
    info["bf16_search"] = ("available with most_similar_batch(..., bf16=True)"
                           if cpu.bf16_search_available() else "not available on this CPU or variant")
    info["blas"] = _numpy_blas()
    return info


def _numpy_blas() -> str:
    """The BLAS numpy's matrix products call, with the OpenBLAS core type when one is forced."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = "%s %s (numpy %s)" % (blas.get("name"), blas.get("version"), np.__version__)
    except Exception:  # an older numpy without dict config
        name = "unknown (numpy %s)" % np.__version__
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    return name + (", OPENBLAS_CORETYPE=%s" % coretype if coretype else "")


def show_config() -> None:
    """Print how fastw2v was built (the same as ``python -m fastw2v --version``)."""
    for key, value in build_info().items():
        print("%-16s %s" % (key + ":", value))
