"""Two workers against one, and what the machine allows: ``python -m benchmarks.scaling``.

Issues #3 and #6 ask for 2 workers to train at least 1.8x / 1.9x as fast as one. How close
any trainer can come depends on the machine as well as the code: on a shared virtual machine
the two vCPUs may not give twice the work of one. So each mode is run three ways, in turn:

- ``1 worker``: fastw2v alone with ``workers=1``;
- ``2 workers``: fastw2v with ``workers=2`` (threads sharing one model);
- ``2 processes``: two ``workers=1`` trainings at once, each in its own process with its own
  model, starting to train together once both have built the vocabulary. They share nothing, so
  their combined words/s is the ceiling that two workers could reach on this machine at that
  moment, if sharing the rows cost nothing.

The order of the three flips on every other repeat. Only speed is measured (no scoring).

Before each run, the round trip of a cache line between CPUs 0 and 1 is measured
(``line_round_trip.c``, built with the C compiler when there is one). On this project's
shared virtual machines it switches between about 55 ns and about 320 ns as the host places
the two vCPUs, and two workers, which write the same rows, train far slower at 320 ns; two
processes share no rows and do not notice. The runs record it before and after, and the table
counts the 2-worker runs with a reading over 150 ns (the state may change during a run).

``share`` is issue #25's measure: (2 workers / 1) / (2 processes / 1), the median of the
repeats' own ratios; ``share at <= 150 ns`` the same over the repeats whose 2-worker run saw
no reading over 150 ns (their number in brackets).
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from benchmarks.common import CACHE, RESULTS_DIR, format_table, machine_description, median, write_json
from benchmarks.compare import comma_list, corpus_path, run_trials_together
from benchmarks.trial import MODES, PARAMETERS, corpus_variant

KINDS = ("1 worker", "2 workers", "2 processes")
#: Every input kind: the four objectives from the compiled reader and ``corpus_file``;
#: skip-gram and CBOW NS from a plain Python iterable, gzipped text, UTF-8 text and an
#: array of integer ids.
SCALING_MODES = ([mode for mode in MODES if not mode.endswith(("-py", "-gz", "-utf8", "-ints"))]
                 + [objective + kind for kind in ("-py", "-gz", "-utf8", "-ints")
                    for objective in ("sg-ns", "cbow-ns")])
COLUMNS = ["mode", "1 worker", "2 workers", "2 processes", "2 workers / 1",
           "2 processes / 1", "share", "runs", "2 workers at > 150 ns", "share at <= 150 ns"]
SLOW_LINE_NS = 150  # a round trip slower than this: the vCPUs are placed apart


def parse_args(argv=None):
    """Parse the command line; ``--modes`` comes back as a list."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", help="text8-format corpus, plain or .gz (default: "
                        "../shared/data/enwiki2015-text8like.gz, else the shipped demo slice)")
    parser.add_argument("--modes", type=comma_list(list(MODES)), default=SCALING_MODES,
                        help="comma list of %s (default: %s)"
                        % (",".join(MODES), ",".join(SCALING_MODES)))
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the three kinds; "
                        "the table shows medians (default: 3)")
    parser.add_argument("--out", default=os.path.join(RESULTS_DIR, "scaling.json"),
                        help="JSON results path (default: benchmarks/results/scaling.json)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def kind_specs(kind, mode, corpus, barrier):
    """The trial specs that run together for one kind of run (``barrier``: an empty
    directory for the two processes to meet in)."""
    spec = dict(impl="fastw2v", mode=mode, epochs=1, corpus=corpus, score=False)
    if kind == "1 worker":
        return [dict(spec, workers=1)]
    if kind == "2 workers":
        return [dict(spec, workers=2)]
    return [dict(spec, workers=1, barrier=(barrier, 2)) for _ in range(2)]


def schedule(modes, repeat):
    """``(repeat, mode, kind)`` in running order; the kinds' order flips every other repeat."""
    order = []
    for r in range(repeat):
        kinds = KINDS if r % 2 == 0 else KINDS[::-1]
        order += [(r + 1, mode, kind) for mode in modes for kind in kinds]
    return order


def line_round_trip():
    """A function giving the current cache-line round trip between CPUs 0 and 1 in ns
    (None where it cannot be measured: no C compiler, one CPU, not Linux)."""
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "line_round_trip.c")
    program = os.path.join(CACHE, "line_round_trip")
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None or not {0, 1} <= os.sched_getaffinity(0):
        return lambda: None
    os.makedirs(CACHE, exist_ok=True)
    if subprocess.run([compiler, "-O2", "-pthread", source, "-o", program],
                      capture_output=True).returncode:
        return lambda: None

    def measure():
        out = subprocess.run([program], capture_output=True, text=True)
        return float(out.stdout) if out.returncode == 0 else None
    return measure


def combined(trials):
    """One measurement of trials run together: raw words trained by all of them per second
    from the first start of training to the last end; an ``error`` if any failed."""
    failed = [t["error"] for t in trials if "error" in t]
    head = {"mode": trials[0]["mode"]}
    if failed:
        return dict(head, error=failed[0])
    start = min(t["train_start"] for t in trials)
    end = max(t["train_end"] for t in trials)
    words = sum(t["corpus_words"] * t["epochs"] for t in trials)
    return dict(head, words_per_second=words / (end - start), version=trials[0]["version"])


def slow(run):
    """Whether the cache-line probe read over SLOW_LINE_NS before or after ``run``."""
    return max(run.get("line_round_trip_ns") or 0,
               run.get("line_round_trip_after_ns") or 0) > SLOW_LINE_NS


def summarize(runs):
    """Per mode: the median words/s of each kind, the two ratios to one worker and the share
    (medians of the per-repeat ratios, so each ratio compares runs made minutes apart, not
    hours), and the share over the repeats whose 2-worker run the probe found fast."""
    rows = []
    for mode in dict.fromkeys(run["mode"] for run in runs):
        by_repeat, slow_repeats = {}, set()
        for run in runs:
            if run["mode"] == mode and "error" not in run:
                by_repeat.setdefault(run["repeat"], {})[run["kind"]] = run["words_per_second"]
                if run["kind"] == "2 workers" and slow(run):
                    slow_repeats.add(run["repeat"])
        complete = {repeat: kinds for repeat, kinds in by_repeat.items()
                    if len(kinds) == len(KINDS)}
        shares = {repeat: k["2 workers"] / k["2 processes"] for repeat, k in complete.items()}
        near = [share for repeat, share in shares.items() if repeat not in slow_repeats]
        row = {"mode": mode, "runs": len(complete), "2 workers at > 150 ns": sum(
            1 for run in runs if run["mode"] == mode and run["kind"] == "2 workers" and slow(run)),
            "share": median(list(shares.values())) if shares else None,
            "share at <= 150 ns": median(near) if near else None, "near runs": len(near)}
        for kind in KINDS:
            row[kind] = median([k[kind] for k in complete.values()]) if complete else None
        for kind in KINDS[1:]:
            row[kind + " / 1"] = (median([k[kind] / k["1 worker"] for k in complete.values()])
                                  if complete else None)
        rows.append(row)
    return rows


def results_table(rows):
    """The Markdown table of :func:`summarize`'s rows."""
    def cell(value, pattern, scale=1.0):
        return "" if value is None else pattern % (value / scale)
    cells = []
    for row in rows:
        cell_row = {"mode": row["mode"], "runs": str(row["runs"]),
                    "2 workers at > 150 ns": str(row["2 workers at > 150 ns"])}
        cell_row.update({kind: cell(row[kind], "%.2fM", 1e6) for kind in KINDS})
        cell_row.update({kind + " / 1": cell(row[kind + " / 1"], "%.2fx") for kind in KINDS[1:]})
        cell_row["share"] = cell(row["share"], "%.2f")
        cell_row["share at <= 150 ns"] = (cell(row["share at <= 150 ns"], "%.2f")
                                          + " (%d)" % row["near runs"])
        cells.append(cell_row)
    return format_table(cells, COLUMNS)


def main(argv=None):
    """Entry point of ``python -m benchmarks.scaling``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    corpus = corpus_path(args.corpus)
    print("corpus %s; 1 epoch; %s; machine: %s" % (
        corpus, ", ".join("%s=%s" % item for item in PARAMETERS.items()),
        machine_description()), flush=True)
    for mode in args.modes:  # made before any timing, not by two trials at once
        corpus_variant(corpus, mode)
    runs, failed = [], 0
    order = schedule(args.modes, args.repeat)
    round_trip = line_round_trip()
    for i, (repeat, mode, kind) in enumerate(order, 1):
        line_ns = round_trip()
        with tempfile.TemporaryDirectory(prefix="fastw2v-barrier-") as barrier:
            specs = kind_specs(kind, mode, corpus, barrier)
            run = dict(combined(run_trials_together(specs)), repeat=repeat, kind=kind,
                       line_round_trip_ns=line_ns, line_round_trip_after_ns=round_trip())
        runs.append(run)
        failed += "error" in run
        print("[%d/%d] %-13s %-11s run %d  %s  (line round trip before/after: %s/%s)" % (
            i, len(order), mode, kind, repeat,
            "FAILED: " + run["error"] if "error" in run
            else "%.2fM words/s" % (run["words_per_second"] / 1e6),
            *("?" if ns is None else "%.0f ns" % ns
              for ns in (line_ns, run["line_round_trip_after_ns"]))), flush=True)
    rows = summarize(runs)
    print()
    print(results_table(rows))
    print("\nwords/s: raw corpus words / training seconds; ratios: medians over repeats of "
          "each repeat's ratio to its own 1-worker run.")
    command = " ".join(["python -m benchmarks.scaling"] + [shlex.quote(a) for a in argv])
    print("\nresults: " + write_json("scaling", {"command": command, "corpus": corpus,
                                                 "parameters": PARAMETERS, "rows": rows,
                                                 "runs": runs}, path=args.out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
