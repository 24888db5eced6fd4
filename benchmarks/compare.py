"""fastw2v against gensim 4.4, side by side: ``python -m benchmarks.compare`` (``make bench``).

Both implementations train on the same corpus with the same parameters in one run. Every
(implementation, mode, workers, repeat) trial runs in a fresh process
(:mod:`benchmarks.trial`), the implementations alternating, and the medians over repeats are
printed as a Markdown table, written as JSON and drawn as a PNG chart. ``--suite`` also runs
the Phrases and KeyedVectors benchmarks (``benchmarks/phrases.py``,
``benchmarks/keyedvectors.py``).
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

from benchmarks.common import (RESULTS_DIR, ROOT, decompressed, default_corpus, format_table,
                               machine_description, median, write_json)
from benchmarks.trial import DEFAULT_MODES, IMPLEMENTATIONS, MODES, PARAMETERS, mode_parameters

#: Modes of a ``--quick`` run: SG and CBOW, NS and HS, iterable and corpus_file, in three.
QUICK_MODES = ["sg-ns", "cbow-hs", "cbow-ns-file"]
#: Bytes of ``--corpus`` kept by a ``--quick`` run (the shipped demo slice is 8 MB).
QUICK_BYTES = 8_000_000
SUITES = ("train", "phrases", "keyedvectors")
#: Per-trial measurements summarised by their median over repeats.
MEASURES = ("vocab_seconds", "train_seconds", "words_per_second", "analogy", "wordsim",
            "peak_rss_mb")
COLUMNS = ["implementation", "mode", "workers", "vocab s", "train s", "words/s", "vs gensim",
           "analogy 30k", "WS-353", "peak RSS"]
SCALING_COLUMN = "vs 1 worker"
#: A run counts as not trained when both its analogy accuracy and its WordSim-353 Spearman
#: are under these. gensim 4.4's corpus_file mode does not train on a text8-format file (one
#: 100 MB line): its vectors score about 0% and a WordSim-353 of -0.08 to 0. On a small slice
#: (``--quick``) one epoch scores under 1% on analogies too, but its WordSim-353 is 0.08-0.2.
UNTRAINED_ANALOGY = 0.01
UNTRAINED_WORDSIM = 0.05
#: Seconds after which a trial is abandoned as hung (a full 5-epoch sg-hs run takes minutes).
TRIAL_TIMEOUT = 3600


def comma_list(choices):
    """An argparse type: a comma-separated list of some of ``choices``."""
    def parse(text):
        items = [item.strip() for item in text.split(",") if item.strip()]
        if not items or not set(items) <= set(choices):
            raise argparse.ArgumentTypeError(
                "expected a comma list of %s; got %r" % (",".join(choices), text))
        return items
    return parse


def comma_ints(least):
    """An argparse type: a comma list of integers of at least ``least`` (``"1,2"``)."""
    def parse(text):
        try:
            values = [int(item) for item in text.split(",")]
        except ValueError:
            values = []
        if not values or min(values) < least:
            raise argparse.ArgumentTypeError(
                "expected a comma list of integers >= %d, e.g. %d,%d; got %r"
                % (least, least, least + 1, text))
        return values
    return parse


def parse_args(argv=None):
    """Parse the command line; lists come back as Python lists.

    ``--quick`` picks :data:`QUICK_MODES` unless ``--modes`` is given, and one repeat.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", help="text8-format corpus, plain or .gz (default: "
                        "../shared/data/enwiki2015-text8like.gz, else the shipped demo slice)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--modes", type=comma_list(list(MODES)),
                        help="comma list of %s (default: all but the -py modes)"
                        % ",".join(MODES))
    parser.add_argument("--workers", type=comma_ints(1), default=[2],
                        help="comma list of worker counts, e.g. 1,2 (default: 2)")
    parser.add_argument("--repeat", type=int, default=1, help="trials per configuration; "
                        "the table shows medians (default: 1)")
    parser.add_argument("--impl", type=comma_list(IMPLEMENTATIONS),
                        default=list(IMPLEMENTATIONS), help="comma list (default: fastw2v,gensim)")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: an 8 MB slice, "
                        "modes %s, one repeat" % ",".join(QUICK_MODES))
    parser.add_argument("--suite", choices=SUITES + ("all",), default="train")
    parser.add_argument("--out", help="JSON results path (default: benchmarks/results/"
                        "train.json; tmp/train-quick.json with --quick)")
    parser.add_argument("--chart", help="PNG chart path (default: docs/img/bench-train.png; "
                        "benchmarks/results/tmp/bench-train-quick.png with --quick)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.repeat < 1:
        parser.error("--epochs and --repeat must be at least 1")
    if args.modes is None:
        args.modes = QUICK_MODES if args.quick else DEFAULT_MODES
    if args.quick:
        args.repeat = 1
    tmp = os.path.join(RESULTS_DIR, "tmp")
    args.out = args.out or (os.path.join(tmp, "train-quick.json") if args.quick
                            else os.path.join(RESULTS_DIR, "train.json"))
    args.chart = args.chart or (os.path.join(tmp, "bench-train-quick.png") if args.quick
                                else os.path.join(ROOT, "docs", "img", "bench-train.png"))
    return args


def corpus_path(corpus=None, quick=False):
    """The plain file of ``corpus`` (default: the benchmark corpus), decompressed and, with
    ``quick``, sliced to :data:`QUICK_BYTES` once."""
    if corpus is None:
        return default_corpus(quick=quick)
    return decompressed(corpus, max_bytes=QUICK_BYTES if quick else None)


def schedule(impls, modes, workers, repeat, **common):
    """The trial specs in running order: implementations alternate within each configuration.

    The order of the implementations flips on every other repeat, so neither always runs
    first on a machine whose load drifts. ``common`` (``epochs``, ``corpus``) is added to
    every spec.
    """
    specs = []
    for r in range(repeat):
        order = impls if r % 2 == 0 else impls[::-1]
        for mode in modes:
            for w in workers:
                specs += [dict(common, impl=impl, mode=mode, workers=w, repeat=r + 1)
                          for impl in order]
    return specs


def run_trial(spec):
    """Run one trial in a fresh Python process; its result, or the spec with an ``error``."""
    return run_trials_together([spec])[0]


def run_trials_together(specs):
    """Run the trials of ``specs`` at once, each in a fresh Python process; their results (see
    :func:`run_trial`)."""
    procs = []
    # stderr goes to a file, not a pipe: a trial that filled an unread pipe would stall, and
    # the trials it was to start training with would wait for it at their barrier
    with tempfile.TemporaryDirectory(prefix="fastw2v-trials-") as tmp:
        try:
            for k, spec in enumerate(specs):
                with open(os.path.join(tmp, "%d.err" % k), "w") as err:
                    procs.append(subprocess.Popen(
                        [sys.executable, "-m", "benchmarks.trial", json.dumps(spec),
                         os.path.join(tmp, "%d.json" % k)],
                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err))
            return [_trial_result(spec, proc, os.path.join(tmp, str(k)))
                    for k, (spec, proc) in enumerate(zip(specs, procs))]
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


def _trial_result(spec, proc, stem):
    """What the trial process ``proc`` of ``spec`` wrote to ``stem + ".json"`` (its result)
    or ``stem + ".err"`` (its stderr), once it has ended."""
    try:
        proc.wait(timeout=TRIAL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return dict(spec, error="no result after %d s" % TRIAL_TIMEOUT)
    if proc.returncode != 0:
        with open(stem + ".err") as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
        return dict(spec, error=lines[-1] if lines else "exit status %d" % proc.returncode)
    with open(stem + ".json") as f:
        return json.load(f)


def summarize(trials):
    """Median of each measure per (impl, mode, workers), in first-seen order, with ratios.

    Failed trials (those with an ``error``) are left out.
    """
    groups = {}
    for trial in trials:
        if "error" not in trial:
            groups.setdefault((trial["impl"], trial["mode"], trial["workers"]), []).append(trial)
    rows = []
    for (impl, mode, workers), runs in groups.items():
        row = {"impl": impl, "mode": mode, "workers": workers, "runs": len(runs),
               "version": runs[0]["version"]}
        row.update({key: median([run[key] for run in runs]) for key in MEASURES})
        rows.append(row)
    add_ratios(rows)
    return rows


def mixed_versions(trials):
    """``{impl: [versions]}`` for each implementation seen in more than one version."""
    seen = {}
    for trial in trials:
        if "error" not in trial:
            seen.setdefault(trial["impl"], {})[trial["version"]] = None
    return {impl: list(versions) for impl, versions in seen.items() if len(versions) > 1}


def trained(row):
    """Whether the run learnt anything (its analogy accuracy or WordSim-353 is not about
    zero)."""
    if row.get("analogy") is None:
        return True
    return row["analogy"] >= UNTRAINED_ANALOGY or row["wordsim"] >= UNTRAINED_WORDSIM


def add_ratios(rows):
    """Set ``ratio`` (words/s over gensim's, same mode and workers), ``baseline`` (the gensim
    mode it is measured against) and ``scaling`` (over the same implementation and mode with
    one worker) on each row; None when there is no baseline.

    gensim reads a ``-py`` mode's plain iterable just as its own ``Text8Corpus``, so those
    rows compare with gensim's iterable mode; so do the ``-file`` rows when gensim's
    ``corpus_file`` run did not train (a baseline that learns nothing is no baseline).
    """
    by_key = {(row["impl"], row["mode"], row["workers"]): row for row in rows}
    for row in rows:
        one = by_key.get((row["impl"], row["mode"], 1))
        row["baseline"] = _gensim_baseline(by_key, row)
        gensim = by_key.get(("gensim", row["baseline"], row["workers"]))
        row["ratio"] = row["words_per_second"] / gensim["words_per_second"] if gensim else None
        row["scaling"] = (row["words_per_second"] / one["words_per_second"]
                          if one and row["workers"] > 1 else None)
    return rows


def _gensim_baseline(by_key, row):
    """The mode of gensim's row that ``row`` is compared with, or None."""
    mode, workers = row["mode"], row["workers"]
    iterable = mode.removesuffix("-py").removesuffix("-file")
    own = by_key.get(("gensim", mode, workers))
    if own is not None and (trained(own) or row["impl"] == "gensim"):
        return mode
    if ("gensim", iterable, workers) in by_key:
        return iterable
    return None


def _format(value, pattern):
    return "" if value is None else pattern % value


def _ratio_cell(row):
    """The "vs gensim" cell: the ratio, naming gensim's mode when it is another one, and
    saying so when gensim's run did not train."""
    if row["impl"] == "gensim" and not trained(row):
        return "did not train"
    if row["ratio"] is None:
        return ""
    other = row["baseline"] != row["mode"] and not row["mode"].endswith("-py")
    return "%.2fx%s" % (row["ratio"], " (vs %s)" % row["baseline"] if other else "")


def results_table(rows):
    """The Markdown table of summary rows (a scaling column when one worker was measured)."""
    cells = [{
        "implementation": row["impl"],
        "mode": row["mode"],
        "workers": str(row["workers"]),
        "vocab s": _format(row["vocab_seconds"], "%.2f"),
        "train s": _format(row["train_seconds"], "%.2f"),
        "words/s": _format(row["words_per_second"] / 1e6, "%.2fM"),
        "vs gensim": _ratio_cell(row),
        "analogy 30k": _format(100 * row["analogy"], "%.1f%%"),
        "WS-353": _format(row["wordsim"], "%.3f"),
        "peak RSS": _format(row["peak_rss_mb"], "%.0f MB"),
        SCALING_COLUMN: _format(row["scaling"], "%.2fx"),
    } for row in rows]
    scaled = any(row["scaling"] is not None for row in rows)
    return format_table(cells, COLUMNS + [SCALING_COLUMN] if scaled else COLUMNS)


def _describe(trial):
    """One progress line for a finished trial."""
    head = "%-8s %-13s workers=%d run %d" % (trial["impl"], trial["mode"], trial["workers"],
                                             trial["repeat"])
    if "error" in trial:
        return "%s  FAILED: %s" % (head, trial["error"])
    return ("%s  vocab %.2f s  train %.2f s  %.2fM words/s  analogy %.1f%%  WS-353 %.3f"
            "  (scoring %.1f s)" % (
                head, trial["vocab_seconds"], trial["train_seconds"],
                trial["words_per_second"] / 1e6, 100 * trial["analogy"], trial["wordsim"],
                trial["eval_seconds"]))


def run_training(args, command):
    """The training comparison (``command`` is recorded in the JSON); 1 if a trial failed."""
    corpus = corpus_path(args.corpus, args.quick)
    specs = schedule(args.impl, args.modes, args.workers, args.repeat, epochs=args.epochs,
                     corpus=corpus)
    print("corpus %s; epochs %d; %s; machine: %s" % (
        corpus, args.epochs, ", ".join("%s=%s" % item for item in PARAMETERS.items()),
        machine_description()), flush=True)
    trials = []
    for i, spec in enumerate(specs, 1):
        trials.append(run_trial(spec))
        print("[%d/%d] %s" % (i, len(specs), _describe(trials[-1])), flush=True)
    rows = summarize(trials)
    failed = [trial for trial in trials if "error" in trial]
    print()
    if rows:
        print(results_table(rows))
        versions = dict((row["impl"], row["version"]) for row in rows)
        print("\n%s. words/s: raw corpus words x epochs / training seconds; medians of %d "
              "run(s); quality scored by gensim's evaluators." % (
                  ", ".join("%s %s" % item for item in versions.items()), args.repeat))
    for trial in failed:
        print("\nfailed: " + _describe(trial))
    for impl, versions in mixed_versions(trials).items():
        print("\nwarning: %s changed during the run (builds %s); rerun for a consistent table"
              % (impl, ", ".join(versions)))
    payload = {
        "command": command,
        "corpus": corpus,
        "corpus_words": next((t["corpus_words"] for t in trials if "error" not in t), None),
        "epochs": args.epochs,
        "parameters": dict(PARAMETERS, modes={m: mode_parameters(m) for m in args.modes}),
        "rows": rows,
        "trials": trials,
    }
    print("\nresults: " + write_json("train", payload, path=args.out))
    if rows:
        from benchmarks.chart import plot_words_per_second

        title = "Word2Vec training: %s, %d epoch(s), workers %s" % (
            os.path.basename(corpus), args.epochs, ",".join(map(str, args.workers)))
        print("chart: " + plot_words_per_second(rows, args.chart, title))
    return 1 if failed else 0


def run_suite(name, quick):
    """Run ``python -m benchmarks.<name>``; its exit status."""
    print("\n== suite %s" % name, flush=True)
    command = [sys.executable, "-m", "benchmarks." + name] + (["--quick"] if quick else [])
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv=None):
    """Entry point of ``python -m benchmarks.compare``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    command = " ".join(["python -m benchmarks.compare"] + [shlex.quote(a) for a in argv])
    suites = SUITES if args.suite == "all" else (args.suite,)
    status = 0
    for suite in suites:
        status |= run_training(args, command) if suite == "train" else run_suite(suite, args.quick)
    return status


if __name__ == "__main__":
    sys.exit(main())
