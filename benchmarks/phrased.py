"""Training on phrased text: ``Word2Vec(frozen[LineSentence(path)])``, fastw2v against gensim.

    python -m benchmarks.phrased [--quick] [--repeat N] [--megabytes M]

The first ``M`` MB (default 40) of the corpus, 20 words a line (``benchmarks/readers.py``'s
``lines``), in ASCII and in UTF-8 ``.gz``. Each library first learns its own ``Phrases``
(``min_count=5, threshold=10``, English connector words) and freezes it (untimed; the two
find the same phrases). Then, per repeat, three pipelines each build the vocabulary of
``frozen[LineSentence(path)]`` and train one skip-gram epoch with 2 workers:

- ``fastw2v``: the phrases joined in compiled code as the file is read;
- ``fastw2v (Python)``: the same corpus iterated in Python (sentences, then phrases), for
  comparison;
- ``gensim``: gensim 4's own ``Phrases``, ``LineSentence`` and ``Word2Vec``;

and, for what joining phrases costs, ``fastw2v (no phrases)``: ``LineSentence(path)`` alone.

The table gives medians of the vocabulary scan's seconds and training's words/s, and the
median over repeats of each pipeline's ratio to gensim in the same repeat.
"""
import importlib.util

from benchmarks.common import Timer, format_table, machine_description, median, write_json
from benchmarks.formats import parse_arguments

VARIANTS = [("ascii", ""), ("utf8", ".gz")]
PIPELINES = ["fastw2v", "fastw2v (Python)", "gensim", "fastw2v (no phrases)"]
PHRASES = dict(min_count=5, threshold=10)
TRAINING = dict(vector_size=100, sg=1, workers=2, epochs=1)


class _PythonIterable:
    """A corpus iterated in Python: hides the reader's compiled description."""

    def __init__(self, corpus):
        self.corpus = corpus

    def __iter__(self):
        return iter(self.corpus)


def learn_phrases(library, path):
    """``library``'s frozen phrases of the file at ``path``."""
    if library == "gensim":
        from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
        from gensim.models.word2vec import LineSentence
    else:
        from fastw2v import LineSentence
        from fastw2v.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    return Phrases(LineSentence(path), connector_words=ENGLISH_CONNECTOR_WORDS,
                   **PHRASES).freeze()


def run_pipeline(pipeline, path, frozen):
    """``(vocabulary seconds, training words/s, raw words)`` of one pipeline."""
    if pipeline == "gensim":
        from gensim.models import Word2Vec
        from gensim.models.word2vec import LineSentence
        model = Word2Vec(**TRAINING)
    else:
        from fastw2v import LineSentence, Word2Vec
        model = Word2Vec(progress=False, **TRAINING)
    corpus = LineSentence(path) if pipeline == "fastw2v (no phrases)" else frozen[LineSentence(path)]
    if pipeline == "fastw2v (Python)":
        corpus = _PythonIterable(corpus)
    with Timer() as scan:
        model.build_vocab(corpus)
    with Timer() as t:
        _, raw = model.train(corpus, total_examples=model.corpus_count, epochs=1)
    return scan.seconds, raw / t.seconds, raw


def main():
    if importlib.util.find_spec("gensim") is None:
        raise SystemExit("gensim is not installed: pip install -r benchmarks/requirements.txt")
    args, megabytes, paths = parse_arguments(__doc__.splitlines()[0])
    results = {}
    for encoding, compression in VARIANTS:
        path = paths["lines", encoding, compression]
        models = {"fastw2v": learn_phrases("fastw2v", path), "gensim": learn_phrases("gensim", path)}
        ours, theirs = dict(models["fastw2v"].phrasegrams), models["gensim"].phrasegrams
        assert set(ours) == set(theirs), "the libraries found different phrases"
        print("%s%s: %d phrases" % (encoding, compression, len(ours)), flush=True)
        for repeat in range(args.repeat):
            order = PIPELINES if repeat % 2 == 0 else PIPELINES[::-1]
            for pipeline in order:
                frozen = models["gensim" if pipeline == "gensim" else "fastw2v"]
                scan, rate, raw = run_pipeline(pipeline, path, frozen)
                results.setdefault((encoding, compression, pipeline), []).append((scan, rate, raw))
                print("%-5s %-3s %-20s vocab %.2fs  train %.2fM words/s  (%d words)" % (
                    encoding, compression or "-", pipeline, scan, rate / 1e6, raw), flush=True)
    rows = []
    for encoding, compression in VARIANTS:
        gensim_runs = results[encoding, compression, "gensim"]
        for pipeline in PIPELINES:
            runs = results[encoding, compression, pipeline]
            rows.append({
                "text": encoding, "file": compression or "plain", "pipeline": pipeline,
                "vocab s": "%.2f" % median([r[0] for r in runs]),
                "vocab vs gensim": "%.1fx" % median([g[0] / r[0] for r, g in zip(runs, gensim_runs)]),
                "train words/s": "%.2fM" % (median([r[1] for r in runs]) / 1e6),
                "train vs gensim": "%.1fx" % median([r[1] / g[1] for r, g in zip(runs, gensim_runs)]),
            })
    print(format_table(rows, ["text", "file", "pipeline", "vocab s", "vocab vs gensim",
                              "train words/s", "train vs gensim"]))
    write_json("phrased-quick" if args.quick else "phrased", {
        "machine": machine_description(), "megabytes": megabytes, "repeat": args.repeat,
        "runs": {"%s %s %s" % key: values for key, values in results.items()}})


if __name__ == "__main__":
    main()
