"""Shared pieces of the benchmark scripts: data paths, timing, memory, tables, results."""
import gzip
import json
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
DEMO_CORPUS = os.path.join(ROOT, "examples", "enwiki-demo.txt.gz")
RESULTS_DIR = os.path.join(ROOT, "benchmarks", "results")
#: Where the benchmarks keep what they make once: decompressed corpora, corpus variants, models.
CACHE = os.path.join(tempfile.gettempdir(), "fastw2v-bench")


def shared_path(*parts):
    """Path of a file under ``../shared/data``, or None (with a message) when it is absent."""
    path = os.path.join(SHARED_DATA, *parts)
    if not os.path.exists(path):
        print("note: %s not found; ../shared/data is not beside the repository" % path)
        return None
    return path


def eval_path(name):
    """An evaluation file (``questions-words.txt``, ``wordsim353.tsv``) shipped with fastw2v."""
    return os.path.join(ROOT, "fastw2v", "data", name)


def decompressed(path, max_bytes=None):
    """A plain local copy of a corpus, made once in a temp dir.

    A ``.gz`` file is decompressed; with ``max_bytes`` only its first bytes (cut at the last
    space) are kept. A plain file is returned as it is, or its prefix is copied when
    ``max_bytes`` is given.
    """
    compressed = path.endswith(".gz")
    if not compressed and not max_bytes:
        return path
    os.makedirs(CACHE, exist_ok=True)
    name = os.path.basename(path).replace(".gz", "")
    if max_bytes:
        name += ".%d" % max_bytes
    target = os.path.join(CACHE, name)
    if not os.path.exists(target):
        tmp = target + ".tmp"
        with (gzip.open if compressed else open)(path, "rb") as fin, open(tmp, "wb") as fout:
            if max_bytes:
                data = fin.read(max_bytes)
                fout.write(data[: data.rfind(b" ")] if b" " in data else data)
            else:
                shutil.copyfileobj(fin, fout, 1 << 24)
        os.replace(tmp, target)
    return target


def default_corpus(quick=False):
    """The benchmark corpus: enwiki2015-text8like (or the shipped demo slice when quick/absent)."""
    full = None if quick else shared_path("enwiki2015-text8like.gz")
    return decompressed(full) if full else decompressed(DEMO_CORPUS)


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def timed(function, repeats):
    """Median wall time of ``repeats`` calls and the last result."""
    times = []
    for _ in range(repeats):
        with Timer() as t:
            result = function()
        times.append(t.seconds)
    return median(times), result


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB.

    Read from ``VmHWM`` in ``/proc/self/status`` where there is one: Linux carries
    ``ru_maxrss`` across ``exec``, so in a trial process started by a large parent it reports
    the parent's size at the fork whenever that is larger (a 136 MB trial read as 669 MB).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def median(values):
    """The median of a non-empty sequence of numbers."""
    return statistics.median(values)


def machine_description():
    """One line describing the CPU, core count and Python."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, Python %s" % (cpu, os.cpu_count(), platform.python_version())


def format_table(rows, columns):
    """Render ``rows`` (dicts) as a Markdown table with the given column keys."""
    def cell(value):
        if isinstance(value, float):
            return "%.3g" % value if abs(value) < 100 else "%.0f" % value
        return "" if value is None else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def write_json(name, payload, path=None):
    """Write ``benchmarks/results/<name>.json`` (or ``path``) with the machine description added.

    Returns
    -------
    str
        The path written.
    """
    path = path or os.path.join(RESULTS_DIR, name + ".json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    payload = dict(payload, machine=machine_description())
    with open(path, "w") as f:
        json.dump(payload, f, indent=2)
    return path
