"""How dear moving data between the cores is right now: ``benchmarks/cacheline_probe.c``.

On a shared virtual machine the host can make a cache-line round trip between our two vCPUs
5-20 times slower for minutes at a time, while arithmetic runs at full speed. Multi-threaded
training, whose threads write the same rows, slows down with it; single-threaded runs and
gensim's Python-bound threads far less. The harness records the probe before every trial so
that a table can be read against the state of the machine.
"""
import os
import shutil
import subprocess

from benchmarks.common import CACHE

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cacheline_probe.c")
_BINARY = os.path.join(CACHE, "cacheline_probe")
#: Seconds after which a probe run is given up (a round trip of 10 us takes 2 s in all).
TIMEOUT = 30


def _build():
    """Compile the probe once (with ``$CC``, else ``cc``); its path, or None without a compiler."""
    if os.path.exists(_BINARY) and os.path.getmtime(_BINARY) >= os.path.getmtime(SOURCE):
        return _BINARY
    compiler = shutil.which(os.environ.get("CC", "cc"))
    if compiler is None:
        return None
    os.makedirs(os.path.dirname(_BINARY), exist_ok=True)
    tmp = "%s.%d" % (_BINARY, os.getpid())
    proc = subprocess.run([compiler, "-O2", "-pthread", SOURCE, "-o", tmp],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    os.replace(tmp, _BINARY)
    return _BINARY


def round_trip_ns():
    """Nanoseconds of one cache-line round trip between two threads, or None when the probe
    cannot be built or run here (no C compiler, a failure, a timeout)."""
    binary = _build()
    if binary is None:
        return None
    try:
        proc = subprocess.run([binary], capture_output=True, text=True, timeout=TIMEOUT)
        return float(proc.stdout) if proc.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError):
        return None
