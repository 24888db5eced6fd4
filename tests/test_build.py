"""The package is importable, compiled and reports how it was built."""
import os
import subprocess
import sys

import pytest

import fastw2v
from fastw2v._config import build_info


def test_version_is_a_string():
    assert isinstance(fastw2v.__version__, str) and fastw2v.__version__.count(".") == 2


def test_compiled_extension_is_active():
    info = build_info()
    assert info["compiled"] is True, info
    assert "-O3" in info["compile_args"]
    assert "numpy" in info["blas"]
    from fastw2v import cpu
    assert info["kernel_variant"].startswith(cpu.active)
    assert info["bf16_search"].startswith("available") == cpu.bf16_search_available()


def test_module_version_command_prints_build():
    out = subprocess.run([sys.executable, "-m", "fastw2v", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert fastw2v.__version__ in out and "compile_args" in out


def test_kernel_variant_can_be_forced():
    from fastw2v import cpu
    assert cpu.requested_variant({}) == cpu.best_variant()
    assert cpu.requested_variant({cpu.ENVIRONMENT_VARIABLE: "baseline"}) == "baseline"
    with pytest.raises(ValueError, match="FASTW2V_CPU_VARIANT='avx9' is not a kernel variant: "
                                         "choose one of baseline, x86-64-v3, x86-64-v4"):
        cpu.requested_variant({cpu.ENVIRONMENT_VARIABLE: "avx9"})
    out = subprocess.run([sys.executable, "-m", "fastw2v", "--version"], capture_output=True,
                         text=True, check=True,
                         env=dict(os.environ, FASTW2V_CPU_VARIANT="baseline")).stdout
    assert "kernel_variant:  baseline (forced by FASTW2V_CPU_VARIANT)" in out
    assert "bf16_search:     not available" in out


def test_importing_fastw2v_leaves_scipy_stats_alone():
    """scipy.stats takes most of a second to import: only evaluate_word_pairs needs it."""
    code = "import sys, fastw2v; print('scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
