"""Vocabulary scale: build_vocab_from_freq and train() with a GoogleNews-sized vocabulary.

    python -m benchmarks.vocab_scale [--words N] [--quick] [--tokens T] [--modes ns,hs]

A synthetic Zipf-like vocabulary of N words (default 3,000,000; ``--quick`` 300,000):
word ``w<i>`` occurs ``int(1e9 / (i + 1)) + 5`` times. For each mode (``ns``: skip-gram with
negative=5; ``hs``: skip-gram with hierarchical softmax, negative=0), in a fresh process,
one at a time: ``Word2Vec(vector_size=300, sg=1, ...)``, ``build_vocab_from_freq`` with
each step timed (the checks and copy of the counts, prepare_vocab and its parts,
prepare_weights), then two ``train()`` calls of one epoch on T tokens (default 300,000)
drawn from the same distribution: the first builds the training tables (subsampling
thresholds, alias table, Huffman tree), each times its fixed per-call costs. The peak
resident memory of the process (``VmHWM``), less what the counts dict given as input takes,
is compared with ``model.estimate_memory()``. Writes ``benchmarks/results/vocab_scale.json``
(``vocab_scale-quick.json`` with ``--quick``).
"""
import argparse
import json
import subprocess
import sys

import numpy as np

from benchmarks.common import ROOT, Timer, format_table, peak_rss_mb, write_json

DIM = 300
SENTENCE_WORDS = 1000
MODES = {"ns": {"hs": 0, "negative": 5}, "hs": {"hs": 1, "negative": 0}}
# The steps timed, each a function or method wrapped while the model runs: (label, owner,
# attribute); the owner "model" is the Word2Vec instance.
STEPS = [
    ("prepare_vocab", "model", "prepare_vocab"),
    ("  select_words (min_count, trim_rule)", "vocab", "select_words"),
    ("  prepare_report", "vocab", "prepare_report"),
    ("  sort by frequency", "vocab", "descending_frequency_order"),
    ("prepare_weights", "model", "prepare_weights"),
    ("keep thresholds (subsampling)", "vocab", "keep_thresholds"),
    ("alias table (negative sampling)", "losses", "alias_table"),
    ("Huffman tree (hierarchical softmax)", "losses", "huffman_codes"),
    ("kernel setup (with the tables)", "model", "_training_kernel"),
    ("check weights are finite", "model", "_check_finite_weights"),
    ("word hash of the vocabulary", "Feed", "word_table"),
]


def zipf_counts(words):
    """The synthetic counts: ``int(1e9 / rank) + 5`` for ranks 1..words."""
    return (1e9 / np.arange(1, words + 1)).astype(np.int64) + 5


class StepTimes:
    """Seconds spent in each wrapped function or method, summed over its calls."""

    def __init__(self):
        self.seconds = {}

    def wrap(self, owner, attribute, label):
        original = getattr(owner, attribute)

        def timed_call(*args, **kwargs):
            with Timer() as t:
                result = original(*args, **kwargs)
            self.seconds[label] = self.seconds.get(label, 0.0) + t.seconds
            return result

        setattr(owner, attribute, timed_call)

    def since(self, before):
        """Seconds per step spent since the snapshot ``before`` (a copy of ``seconds``)."""
        return {label: s - before.get(label, 0.0) for label, s in self.seconds.items()
                if s - before.get(label, 0.0) > 0}


def current_rss_mb():
    """Resident memory of this process now, in MB (``VmRSS``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def measure(mode, words, tokens):
    """One mode in this (fresh) process: the timings and memory, as a dict."""
    from fastw2v import Word2Vec, losses, training, vocab

    counts = zipf_counts(words)
    freqs = {"w%d" % i: c for i, c in enumerate(counts.tolist())}
    rng = np.random.default_rng(0)
    cumulative = np.cumsum(counts)
    drawn = np.searchsorted(cumulative, rng.random(tokens) * cumulative[-1], side="right")
    keys = list(freqs)
    corpus = [[keys[i] for i in drawn[start:start + SENTENCE_WORDS]]
              for start in range(0, tokens, SENTENCE_WORDS)]
    del keys
    input_mb = current_rss_mb()

    model = Word2Vec(vector_size=DIM, sg=1, workers=2, progress=False, **MODES[mode])
    times = StepTimes()
    owners = {"model": model, "vocab": vocab, "losses": losses, "Feed": training.Feed}
    for label, owner, attribute in STEPS:
        times.wrap(owners[owner], attribute, label)
    with Timer() as build:
        model.build_vocab_from_freq(freqs)
    steps = dict(times.seconds)
    inner = sum(s for label, s in steps.items() if label.startswith("  "))
    steps["  rest (counts, reorder, key_to_index)"] = steps["prepare_vocab"] - inner
    steps["checks and copy of word_freq"] = (build.seconds - steps["prepare_vocab"]
                                             - steps["prepare_weights"])
    build_peak_mb = peak_rss_mb()
    calls = []
    for _ in range(2):
        before = dict(times.seconds)
        with Timer() as call:
            model.train(corpus, total_examples=len(corpus), epochs=1)
        calls.append({"seconds": call.seconds, "steps": times.since(before)})
    estimate = model.estimate_memory()
    return {"mode": mode, "words": words, "tokens": tokens, "vocab": len(model.wv),
            "build_vocab_from_freq_s": build.seconds, "build_steps": steps, "train": calls,
            "input_mb": input_mb, "build_peak_rss_mb": build_peak_mb,
            "peak_rss_mb": peak_rss_mb(), "estimate_memory": estimate}


def run_child(mode, words, tokens):
    """:func:`measure` in a fresh interpreter; its result."""
    command = [sys.executable, "-m", "benchmarks.vocab_scale", "--measure", mode,
               "--words", str(words), "--tokens", str(tokens)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def step_rows(results):
    """One row per step, a column of seconds per mode."""
    labels = ["checks and copy of word_freq"] + [label for label, _, _ in STEPS[:4]] + [
        "  rest (counts, reorder, key_to_index)"] + [label for label, _, _ in STEPS[4:8]]
    rows = []
    for label in labels:
        row = {"step": label.replace("  ", "- ")}
        for result in results:
            merged = dict(result["build_steps"], **result["train"][0]["steps"])
            row[result["mode"]] = merged.get(label)
        rows.append(row)
    rows.append({"step": "**build_vocab_from_freq total**",
                 **{r["mode"]: r["build_vocab_from_freq_s"] for r in results}})
    for number in range(2):
        rows.append({"step": "**train() call %d total** (%s tokens)" % (
            number + 1, "{:,}".format(results[0]["tokens"])),
            **{r["mode"]: r["train"][number]["seconds"] for r in results}})
        for label, _, _ in STEPS[8:]:
            rows.append({"step": "- " + label,
                         **{r["mode"]: r["train"][number]["steps"].get(label) for r in results}})
    return rows


def memory_rows(results):
    rows = []
    for r in results:
        model_mb = r["peak_rss_mb"] - r["input_mb"]
        estimate_mb = r["estimate_memory"]["total"] / 2 ** 20
        rows.append({"mode": r["mode"], "input_mb": r["input_mb"],
                     "build_peak_mb": r["build_peak_rss_mb"], "peak_rss_mb": r["peak_rss_mb"],
                     "model_peak_mb": model_mb, "estimate_mb": estimate_mb,
                     "peak/estimate": model_mb / estimate_mb})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vocab_scale",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=None,
                        help="vocabulary size (default 3,000,000; --quick 300,000)")
    parser.add_argument("--quick", action="store_true", help="a 300,000-word vocabulary")
    parser.add_argument("--tokens", type=int, default=300_000, help="tokens per train() call")
    parser.add_argument("--modes", default="ns,hs", help="modes to run: ns, hs or both")
    parser.add_argument("--measure", choices=sorted(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    words = args.words or (300_000 if args.quick else 3_000_000)
    if args.measure:
        print(json.dumps(measure(args.measure, words, args.tokens)))
        return
    results = [run_child(mode, words, args.tokens) for mode in args.modes.split(",")]
    modes = [r["mode"] for r in results]
    print("%s words, vector_size=%d, sg=1 (ns: negative=5; hs: hs=1, negative=0), seconds:\n"
          % ("{:,}".format(words), DIM))
    print(format_table(step_rows(results), ["step"] + modes))
    print("\nPeak resident memory (MB; model = peak less the input dict and corpus) against "
          "estimate_memory():\n")
    print(format_table(memory_rows(results), ["mode", "input_mb", "build_peak_mb",
                                              "peak_rss_mb", "model_peak_mb", "estimate_mb",
                                              "peak/estimate"]))
    command = "python -m benchmarks.vocab_scale --words %d --tokens %d --modes %s" % (
        words, args.tokens, args.modes)
    path = write_json("vocab_scale" + ("-quick" if args.quick else ""),
                      {"command": command, "words": words, "dim": DIM, "results": results})
    print("\nwrote", path)


if __name__ == "__main__":
    main()
