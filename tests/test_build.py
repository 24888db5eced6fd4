"""The package is importable, compiled, typed, and reports how it was built."""
import ast
import fnmatch
import importlib
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import fastw2v
from fastw2v._config import build_info
import c_units

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_a_string():
    assert isinstance(fastw2v.__version__, str) and fastw2v.__version__.count(".") == 2


def test_compiled_extension_is_active():
    info = build_info()
    assert info["compiled"] is True, info
    assert ("/O2" if sys.platform == "win32" else "-O3") in info["compile_args"]
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


def _stub_names(stub):
    """The top-level names a ``.pyi`` stub declares, and the members of each class."""
    names, members = set(), {}
    for node in ast.parse(stub.read_text(encoding="utf8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {item.name if isinstance(item, ast.FunctionDef)
                                  else item.target.id for item in node.body
                                  if isinstance(item, (ast.FunctionDef, ast.AnnAssign))}
    return names, members


def _packaging_patterns():
    """The package-data patterns of ``fastw2v`` in pyproject.toml and the include patterns
    of MANIFEST.in (the wheel's and the sdist's file lists)."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf8")
    section = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    package_data = re.findall(r'"([^"]+)"', re.search(r"^fastw2v\s*=\s*\[(.*?)\]", section,
                                                      re.M | re.S).group(1))
    manifest = [pattern for line in (ROOT / "MANIFEST.in").read_text().splitlines()
                if line.startswith("include ") for pattern in line.split()[1:]]
    return package_data, manifest


def test_type_information_is_in_the_tree_and_packaged():
    """py.typed and a stub beside every compiled module, in the wheel's and the sdist's lists."""
    package = ROOT / "fastw2v"
    compiled = sorted(path.stem for path in package.glob("_*.pyx"))
    assert "_trainer" in compiled and "_words" in compiled
    typing_files = ["py.typed"] + [name + ".pyi" for name in compiled]
    assert [name for name in typing_files if not (package / name).is_file()] == []
    package_data, manifest = _packaging_patterns()
    for name in typing_files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in package_data), name
        assert any(fnmatch.fnmatch("fastw2v/" + name, pattern) for pattern in manifest), name


def test_stubs_declare_exactly_the_compiled_modules_public_names():
    """Each stub beside the compiled modules that run (the installed package's, so a wheel's
    own stubs when testing a wheel) names what its module defines, and nothing else."""
    package = Path(fastw2v.__file__).resolve().parent
    stubs = sorted(package.glob("_*.pyi"))
    assert {stub.stem for stub in stubs} >= {"_trainer", "_words", "_reading", "_nearest"}
    for stub in stubs:
        module = importlib.import_module("fastw2v." + stub.stem)
        names, members = _stub_names(stub)
        public = {name for name, value in vars(module).items() if not name.startswith("_")
                  and not isinstance(value, types.ModuleType)
                  and getattr(value, "__module__", module.__name__) == module.__name__}
        assert names == public, stub.name
        for cls, declared in members.items():
            assert [m for m in declared if not hasattr(getattr(module, cls), m)] == [], cls


@pytest.mark.skipif(sys.platform == "win32" or not (shutil.which("cc") or shutil.which("gcc")),
                    reason="needs a GCC-compatible cc (on Windows, building is the check)")
def test_portable_path_is_iso_c(tmp_path):
    """The path MSVC compiles, forced with FW_PORTABLE, is ISO C11: every header and C
    snippet of the modules compiles with -pedantic-errors and without any GNU-only attribute
    or builtin, and every header in fastw2v/ is reached from one of them."""
    package = ROOT / "fastw2v"
    units = c_units.translation_units(package)
    assert c_units.reached_headers(units, package) == {path.name for path in package.glob("*.h")}
    prelude = c_units.system_headers_prelude(units, package)
    prelude += "#pragma GCC poison %s\n" % " ".join(c_units.GNU_ONLY)
    compiler = shutil.which("cc") or shutil.which("gcc")
    failures = []
    for name, code in units.items():
        unit = tmp_path / (re.sub(r"\W", "_", name) + ".c")
        unit.write_text(prelude + code, encoding="utf8")
        run = subprocess.run([compiler, "-std=c11", "-pedantic-errors", "-Werror=vla",
                              "-DFW_PORTABLE", "-D_GNU_SOURCE", "-I", str(package),
                              "-fsyntax-only", str(unit)], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append("%s:\n%s" % (name, run.stderr))
    assert failures == [], "\n".join(failures)
