"""One training trial: train one implementation in one mode, time it, score it, report JSON.

The comparison runner (:mod:`benchmarks.compare`) starts every trial in a fresh process::

    python -m benchmarks.trial SPEC_JSON RESULT_PATH

so that the peak resident memory measured here is this trial's own. ``SPEC_JSON`` holds
``impl`` (``"fastw2v"`` or ``"gensim"``), ``mode`` (a key of :data:`MODES`), ``workers``,
``epochs`` and ``corpus`` (a plain text8-format file), and optionally ``barrier`` (a
directory and a number of trials: trials run side by side start training together, see
:func:`wait_at_barrier`) and ``score`` (false: time only, no evaluation); the result is written
to ``RESULT_PATH`` as JSON.
"""
import gzip
import hashlib
import inspect
import json
import os
import sys
import time

import numpy as np

from benchmarks.common import CACHE, Timer, eval_path, peak_rss_mb

IMPLEMENTATIONS = ("fastw2v", "gensim")

#: Training parameters shared by every trial (alpha is left to each library's default).
PARAMETERS = {"vector_size": 100, "window": 5, "min_count": 5, "sample": 1e-3, "seed": 1}

_OBJECTIVES = {
    "sg-ns": {"sg": 1, "hs": 0, "negative": 5},
    "cbow-ns": {"sg": 0, "hs": 0, "negative": 5},
    "sg-hs": {"sg": 1, "hs": 1, "negative": 0},
    "cbow-hs": {"sg": 0, "hs": 1, "negative": 0},
}

#: How a mode's corpus is given to the library, by the suffix of the mode's name:
#:
#: - ``""``: the library's ``Text8Corpus`` over the plain file (fastw2v trains its own
#:   readers of plain local files in compiled code);
#: - ``-file``: ``corpus_file=`` the plain file;
#: - ``-py``: a plain Python iterable over that reader, which no library can read in
#:   compiled code (the path of any other iterable);
#: - ``-gz``: ``Text8Corpus`` over a gzipped copy (fastw2v: decompressed by the reading
#:   thread, split in compiled code);
#: - ``-utf8``: ``Text8Corpus`` over a UTF-8 copy with accented letters and Unicode spaces
#:   (see :func:`benchmarks.readers.to_utf8`);
#: - ``-ints``: the words as integer ids (numbered in order of first occurrence), rows of
#:   1,000, a 2-D array in a ``.npy`` file, memory-mapped (fastw2v only: gensim trains on
#:   str tokens).
SOURCES = {
    "": {"corpus_file": False},
    "-file": {"corpus_file": True},
    "-py": {"corpus_file": False, "python_iterable": True},
    "-gz": {"corpus_file": False, "variant": "gz"},
    "-utf8": {"corpus_file": False, "variant": "utf8"},
    "-ints": {"corpus_file": False, "variant": "ints"},
}

#: Every mode: each objective with each source.
MODES = {name + suffix: dict(params, **source)
         for suffix, source in SOURCES.items() for name, params in _OBJECTIVES.items()}

#: The modes run unless others are asked for: the reader and ``corpus_file`` ones.
DEFAULT_MODES = [mode for mode in MODES if not mode.endswith(("-py", "-gz", "-utf8", "-ints"))]
INT_ROW_WORDS = 1000


def corpus_variant(corpus, mode):
    """The file a trial of ``mode`` reads: ``corpus`` itself, or its ``-gz`` or ``-utf8``
    copy, made once beside the benchmark cache (atomically: trials may ask at once)."""
    variant = MODES[mode].get("variant")
    if variant is None:
        return corpus
    stat = os.stat(corpus)
    suffix = {"gz": "txt.gz", "utf8": "utf8.txt", "ints": "ints.npy"}[variant]
    name = "%s-%d-%d.%s" % (os.path.basename(corpus), stat.st_size, stat.st_mtime_ns, suffix)
    path = os.path.join(CACHE, "variants", name)
    if not os.path.exists(path):
        from benchmarks.readers import to_utf8

        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(corpus, "rb") as fin:
            data = fin.read()
        tmp = "%s.%d.tmp" % (path, os.getpid())
        if variant == "gz":
            with gzip.open(tmp, "wb", compresslevel=6) as fout:
                fout.write(data)
        elif variant == "ints":
            ids = {}
            tokens = [ids.setdefault(word, len(ids)) for word in data.split()]
            rows = len(tokens) // INT_ROW_WORDS  # the last partial row left out
            with open(tmp, "wb") as fout:
                np.save(fout, np.array(tokens[:rows * INT_ROW_WORDS], dtype=np.int32)
                        .reshape(rows, INT_ROW_WORDS))
        else:
            with open(tmp, "wb") as fout:
                fout.write(to_utf8(data))
        os.replace(tmp, path)
    return path


class PythonIterable:
    """A restartable iterable over ``corpus`` that hides what ``corpus`` is."""

    def __init__(self, corpus):
        self.corpus = corpus

    def __iter__(self):
        return iter(self.corpus)

#: Vocabulary used by the analogy evaluation (the most frequent words).
ANALOGY_VOCAB = 30000


def mode_parameters(mode):
    """Word2Vec keyword arguments of ``mode`` (``sg``, ``hs``, ``negative``)."""
    return {key: value for key, value in MODES[mode].items()
            if key not in ("corpus_file", "python_iterable", "variant")}


def build_fingerprint(package):
    """A short hash of the files of ``package``'s loaded modules, to spot a rebuild mid-run."""
    digest = hashlib.sha1()
    files = {getattr(module, "__file__", None) for name, module in list(sys.modules.items())
             if name == package or name.startswith(package + ".")}
    for path in sorted(filter(None, files)):
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:12]


def _library(impl):
    """``(Word2Vec, Text8Corpus, version, extra constructor kwargs)`` of an implementation."""
    if impl == "gensim":
        import gensim
        from gensim.models.word2vec import Text8Corpus, Word2Vec

        return Word2Vec, Text8Corpus, gensim.__version__, {}
    import fastw2v
    from fastw2v import Word2Vec
    from fastw2v.corpora import Text8Corpus

    quiet = {"progress": False} if "progress" in inspect.signature(Word2Vec).parameters else {}
    return Word2Vec, Text8Corpus, fastw2v.__version__, quiet


def wait_at_barrier(directory, parties, timeout=600.0):
    """Mark this process ready in ``directory`` and return once ``parties`` processes are.

    Raises
    ------
    TimeoutError
        When the others are not ready after ``timeout`` seconds.
    """
    with open(os.path.join(directory, "%d.ready" % os.getpid()), "w"):
        pass
    deadline = time.time() + timeout
    while sum(name.endswith(".ready") for name in os.listdir(directory)) < parties:
        if time.time() > deadline:
            raise TimeoutError("only some of %d trials reached the barrier in %s"
                               % (parties, directory))
        time.sleep(0.001)


def train(impl, mode, workers, epochs, corpus, barrier=None):
    """Build the vocabulary and train once, timing each step.

    Parameters
    ----------
    impl : {"fastw2v", "gensim"}
        Which library's ``Word2Vec`` to train.
    mode : str
        A key of :data:`MODES`.
    workers, epochs : int
        Passed to ``Word2Vec``.
    corpus : str
        A plain text8-format file, read as the mode says (see :data:`SOURCES`).
    barrier : (str, int), optional
        A directory and a number of processes: between building the vocabulary and
        training, wait until that many have come that far (:func:`wait_at_barrier`).

    Returns
    -------
    model : Word2Vec
        The trained model.
    result : dict
        ``version`` (fastw2v's with a fingerprint of its loaded code), ``vocab_size``,
        ``corpus_words``, ``vocab_seconds``, ``train_seconds``, ``train_start`` and
        ``train_end`` (``time.time()``), ``words_per_second`` (raw corpus words per second
        of training) and ``peak_rss_mb``.
    """
    word2vec, text8corpus, version, extra = _library(impl)
    corpus = corpus_variant(corpus, mode)
    if MODES[mode]["corpus_file"]:
        source = {"corpus_file": corpus}
    elif MODES[mode].get("variant") == "ints":
        if impl != "fastw2v":
            raise ValueError("the -ints modes are fastw2v's: gensim trains on str tokens")
        source = {"corpus_iterable": np.load(corpus, mmap_mode="r")}
    elif MODES[mode].get("python_iterable"):
        source = {"corpus_iterable": PythonIterable(text8corpus(corpus))}
    else:
        source = {"corpus_iterable": text8corpus(corpus)}
    model = word2vec(workers=workers, epochs=epochs, **PARAMETERS, **mode_parameters(mode), **extra)
    with Timer() as vocab:
        model.build_vocab(**source)
    if barrier is not None:
        wait_at_barrier(*barrier)
    train_start = time.time()
    with Timer() as training:
        model.train(**source, total_examples=model.corpus_count,
                    total_words=model.corpus_total_words, epochs=epochs)
    if impl == "fastw2v":
        version += "+" + build_fingerprint("fastw2v")  # changes whenever its code is rebuilt
    return model, {
        "version": version,
        "vocab_size": len(model.wv.index_to_key),
        "corpus_words": model.corpus_total_words,
        "vocab_seconds": vocab.seconds,
        "train_seconds": training.seconds,
        "train_start": train_start,
        "train_end": train_start + training.seconds,
        "words_per_second": model.corpus_total_words * epochs / training.seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def evaluate(index_to_key, vectors):
    """Score vectors with gensim's evaluators, the one referee for every implementation.

    Parameters
    ----------
    index_to_key : list of str
        The vocabulary, most frequent word first.
    vectors : numpy.ndarray
        One row per word of ``index_to_key``.

    Returns
    -------
    dict
        ``analogy``: accuracy on questions-words restricted to the :data:`ANALOGY_VOCAB` most
        frequent words (0..1); ``wordsim``: Spearman correlation on WordSim-353.
    """
    from gensim.models import KeyedVectors
    from threadpoolctl import threadpool_limits

    kv = KeyedVectors(vectors.shape[1], dtype=vectors.dtype)
    kv.add_vectors(list(index_to_key), vectors)
    # Thousands of small products: one BLAS thread is faster, and far faster on a busy machine.
    with threadpool_limits(limits=1):
        analogy, _ = kv.evaluate_word_analogies(eval_path("questions-words.txt"),
                                                restrict_vocab=ANALOGY_VOCAB)
        _, spearman, _ = kv.evaluate_word_pairs(eval_path("wordsim353.tsv"))
    return {"analogy": float(analogy), "wordsim": float(spearman[0])}


def main(argv=None):
    """Run the trial described by ``argv[0]`` (JSON) and write its result to ``argv[1]``."""
    spec_json, result_path = (sys.argv[1:] if argv is None else argv)
    spec = json.loads(spec_json)
    model, result = train(spec["impl"], spec["mode"], spec["workers"], spec["epochs"],
                          spec["corpus"], spec.get("barrier"))
    if spec.get("score", True):
        with Timer() as scoring:
            result.update(evaluate(model.wv.index_to_key, model.wv.vectors))
        result["eval_seconds"] = scoring.seconds
    with open(result_path, "w") as f:
        json.dump(dict(spec, **result), f)


if __name__ == "__main__":
    main()
