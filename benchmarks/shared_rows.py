"""Which shared rows cost two worker threads their speed: ``python -m benchmarks.shared_rows``.

Issue #25 asks where the second thread's time goes. Two worker threads train one model
Hogwild-style: both write the same rows of ``wv.vectors`` (syn0) and ``syn1neg``, and a row
the other core wrote last must first travel to this core's cache. Two processes share nothing
and do not pay this (the ceiling of ``benchmarks.scaling``). This benchmark measures the cost
directly, in one process, with the same threads, reading and byte ranges as ``corpus_file``
training, one epoch each of:

- ``1 thread``: one worker;
- ``2 shared``: two workers on one model (what ``workers=2`` does);
- ``2 private``: two workers, each on a model of its own (no row is shared);
- ``2 private syn0``: each its own input vectors, sharing the output rows;
- ``2 private syn1neg``: each its own output rows, sharing the input vectors.

Only speed is measured: models that share nothing learn nothing from each other. The kinds
run in turn, ``--repeat`` times, with the cache-line probe of ``benchmarks.scaling`` before
and after each run (the host places the two vCPUs about 55 ns or about 320 ns apart).

``--never-noise 64,1024`` runs everything again with the 64 (then 1,024) most frequent words
never drawn as negatives, which shows how much of the cost is the hottest output rows (a
diagnostic: it changes what is trained).
"""
import argparse
import os
import shlex
import sys
import time

import numpy as np

from benchmarks.common import (RESULTS_DIR, decompressed, format_table, machine_description,
                               median, write_json)
from benchmarks.compare import comma_ints, comma_list, corpus_path
from benchmarks.scaling import line_round_trip
from benchmarks.trial import PARAMETERS

KINDS = ("1 thread", "2 shared", "2 private", "2 private syn0", "2 private syn1neg")
OBJECTIVES = {"sg-ns": 1, "cbow-ns": 0}  # mode: sg
FIRST_BYTES = 40_000_000  # of the default corpus


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shared_rows",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", help="text8-format corpus, plain or .gz (default: the "
                        "first 40 MB of ../shared/data/enwiki2015-text8like.gz, else the "
                        "shipped demo slice)")
    parser.add_argument("--modes", type=comma_list(list(OBJECTIVES)), default=["cbow-ns"],
                        help="comma list of sg-ns,cbow-ns (default: cbow-ns)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the kinds (default: 3)")
    parser.add_argument("--never-noise", type=comma_ints(0), default=[0],
                        help="comma list: the most frequent words never drawn as negatives, "
                        "a set of runs for each (default: 0, the model's own noise)")
    parser.add_argument("--out", default=os.path.join(RESULTS_DIR, "shared_rows.json"),
                        help="JSON results path (default: benchmarks/results/shared_rows.json)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


class Models:
    """Two models of the same vocabulary and initial weights, and kernels over any mix of
    their matrices."""

    def __init__(self, corpus, sg):
        from fastw2v import Word2Vec, _words
        from fastw2v.corpora import LineSentence

        def build():
            model = Word2Vec(sg=sg, hs=0, negative=5, workers=2, progress=False, **PARAMETERS)
            model.build_vocab(corpus_file=corpus)
            return model
        self.first, self.second = build(), build()
        self.words = _words.WordHash(self.first.wv.index_to_key)
        self.source = LineSentence(corpus).compiled_source()
        self.noise = self.first._training_tables()["negative_sampling"]

    def never_noise(self, top):
        """Draw negatives as the model does, but never the ``top`` most frequent words."""
        from fastw2v import losses

        model = self.first
        counts = np.array(model.wv.expandos["count"], dtype=np.int64)
        counts[:top] = 0
        self.noise = losses.NegativeSampling(counts, model.negative, model.ns_exponent)

    def kernel(self, syn0_of, syn1neg_of):
        from fastw2v import _trainer

        model = self.first
        tables = model._training_tables()
        return _trainer.TrainingKernel(_trainer.KernelConfig(
            syn0=syn0_of.wv.vectors, keep_threshold=tables["keep"], sg=model.sg,
            window=model.window, cbow_mean=model.cbow_mean, shrink_windows=model.shrink_windows,
            batched=model.kernel == "batched", negative_sampling=self.noise,
            syn1neg=syn1neg_of.syn1neg, hierarchical_softmax=None, syn1=None, top_nodes=0,
            top_sync=0, lockf=None))

    def kernels(self, kind):
        """One kernel per worker thread of ``kind``."""
        first, second = self.first, self.second
        own = self.kernel(first, first)
        return {"1 thread": [own], "2 shared": [own, own],
                "2 private": [own, self.kernel(second, second)],
                "2 private syn0": [own, self.kernel(second, first)],
                "2 private syn1neg": [own, self.kernel(first, second)]}[kind]

    def epoch(self, kernels):
        """Train one epoch of the corpus's byte ranges as ``corpus_file`` training does
        (:func:`fastw2v.training.train_epoch_file`), worker thread ``i`` with
        ``kernels[i]``; raw words per second."""
        from fastw2v import training

        states = self.first._workers()[:len(kernels)]
        by_state = {id(state): kernel for state, kernel in zip(states, kernels)}

        class PerThread:
            """A kernel that hands each worker thread's ranges to that thread's kernel."""

            @staticmethod
            def train_file_range(state, *args):
                return by_state[id(state)].train_file_range(state, *args)

        ranges = self.source.ranges(len(kernels))
        schedule = training.LearningRate(0.025, 0.0001, 1, sum(e - s for _, s, e in ranges))
        tally = training.EpochTally()
        started = time.perf_counter()
        training.train_epoch_file(PerThread, states, self.words, ranges, schedule, False, tally,
                                  lambda: None, self.source.max_sentence_length,
                                  self.source.by_line)
        return tally.raw_words / (time.perf_counter() - started)


def summarize(runs):
    """The row of one mode and noise: median words/s of each kind (millions), and of shared
    against each private kind the median of the per-repeat ratios."""
    row = {"mode": runs[0]["mode"], "never noise": runs[0]["never_noise"]}
    for kind in KINDS:
        row[kind] = median([r["words_per_second"] for r in runs if r["kind"] == kind]) / 1e6
    for kind in KINDS[2:]:
        row["2 shared / " + kind] = median([
            shared["words_per_second"] / other["words_per_second"]
            for shared in runs if shared["kind"] == "2 shared"
            for other in runs if other["kind"] == kind and other["repeat"] == shared["repeat"]])
    return row


def main(argv=None):
    """Entry point of ``python -m benchmarks.shared_rows``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    corpus = (corpus_path(args.corpus) if args.corpus
              else decompressed(corpus_path(), max_bytes=FIRST_BYTES))
    print("corpus %s; machine: %s" % (corpus, machine_description()), flush=True)
    round_trip = line_round_trip()
    runs, rows = [], []
    for mode in args.modes:
        models = Models(corpus, OBJECTIVES[mode])
        for top in args.never_noise:
            models.never_noise(top)
            for repeat in range(1, args.repeat + 1):
                for kind in KINDS:
                    before = round_trip()
                    speed = models.epoch(models.kernels(kind))
                    runs.append(dict(mode=mode, never_noise=top, kind=kind, repeat=repeat,
                                     words_per_second=speed, line_round_trip_ns=before,
                                     line_round_trip_after_ns=round_trip()))
                    print("%-8s never noise %-5d %-18s run %d  %.2fM words/s  (line round "
                          "trip before/after: %s/%s ns)" % (
                              mode, top, kind, repeat, speed / 1e6, before,
                              runs[-1]["line_round_trip_after_ns"]), flush=True)
            rows.append(summarize([run for run in runs
                                   if run["mode"] == mode and run["never_noise"] == top]))
    columns = ["mode", "never noise", *KINDS, *("2 shared / " + kind for kind in KINDS[2:])]
    print()
    print(format_table(rows, columns))
    print("\nwords/s in millions (medians); ratios: medians of each repeat's own ratio.")
    command = " ".join(["python -m benchmarks.shared_rows"] + [shlex.quote(a) for a in argv])
    print("\nresults: " + write_json("shared_rows", {
        "command": command, "corpus": corpus, "parameters": PARAMETERS, "rows": rows,
        "runs": runs}, path=args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
