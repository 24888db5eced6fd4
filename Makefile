# fastw2v developer commands. Each target sets up its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
BENCH_ARGS ?=

.PHONY: venv install demo test bench bench-quick bench-scaling bench-micro clean

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

bench: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.compare $(BENCH_ARGS)

bench-quick: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.compare --quick $(BENCH_ARGS)

# 2 workers against 1, and against two 1-worker processes (what the machine allows).
bench-scaling: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m benchmarks.scaling $(BENCH_ARGS)

bench-micro: install
	$(PIP) install --quiet -r benchmarks/requirements.txt
	$(PY) -m pytest -q benchmarks/micro --benchmark-only

clean:
	rm -rf build dist *.egg-info fastw2v/*.c fastw2v/*.so
