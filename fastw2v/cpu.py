"""Which compiled variant of the kernels runs: the best this CPU supports, or the one named by
the ``FASTW2V_CPU_VARIANT`` environment variable.

The training kernels are compiled three times (``baseline`` x86-64, ``x86-64-v3`` with AVX2
and FMA, ``x86-64-v4`` with AVX-512). Setting ``FASTW2V_CPU_VARIANT`` to one of these names
before fastw2v is imported forces that variant, so that every compiled path can be tested on
one machine; the bfloat16 search (``most_similar_batch(..., bf16=True)``) belongs to
``x86-64-v4`` and is off under the other two.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from fastw2v import _trainer, _nearest

ENVIRONMENT_VARIABLE = "FASTW2V_CPU_VARIANT"
VARIANTS = tuple(_trainer.VARIANTS)  # from the most portable to the widest


def best_variant() -> str:
    """The widest variant this CPU runs."""
    return [name for name in VARIANTS if _trainer.cpu_runs(name)][-1]


def requested_variant(environ: Mapping[str, str] = os.environ) -> str:
    """The variant ``FASTW2V_CPU_VARIANT`` names (checked), or the best one when it is unset."""
    name = environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not name:
        return best_variant()
    if name not in VARIANTS:
        raise ValueError("%s=%r is not a kernel variant: choose one of %s"
                         % (ENVIRONMENT_VARIABLE, name, ", ".join(VARIANTS)))
    if not _trainer.cpu_runs(name):
        raise RuntimeError("%s=%r, but this CPU (or this build) cannot run the %s kernels; it runs %s"
                           % (ENVIRONMENT_VARIABLE, name, name,
                              ", ".join(v for v in VARIANTS if _trainer.cpu_runs(v))))
    return name


def use(name: str) -> None:
    """Train with variant ``name`` from now on (one of ``VARIANTS`` that this CPU runs)."""
    global active
    if name not in VARIANTS or not _trainer.cpu_runs(name):
        raise ValueError("cannot use kernel variant %r on this CPU" % (name,))
    _trainer.use_variant(name)
    active = name


def bf16_search_available() -> bool:
    """Whether ``bf16=True`` searches take the bfloat16 first pass here."""
    return active == "x86-64-v4" and _nearest.bf16_supported()


active = requested_variant()  # the variant that runs: see use()
use(active)
