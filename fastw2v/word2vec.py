"""The ``Word2Vec`` model: gensim 4's API over fastw2v's compiled, multi-threaded kernels."""
import contextlib
import logging
import os
import threading
import time
from numbers import Integral, Real

import numpy as np

from fastw2v import _trainer, losses, persistence, training, vocab
from fastw2v._fileio import MAX_VECTOR_SIZE
from fastw2v.corpora import MAX_WORDS_IN_BATCH, LineSentence
from fastw2v.keyedvectors import KeyedVectors
from fastw2v.parameters import (InvalidParameterError, Interval, Options, check_learning_rates,
                                validate)
from fastw2v.phrases import FrozenPhrases, Phrases

logger = logging.getLogger(__name__)

_FLOAT32 = np.dtype(np.float32)  # the training matrices' dtype

# Bounds far beyond any real use that keep the kernels' scratch sizes within C ints and memory.
MAX_WINDOW = 100_000  # item2vec users set "whole basket" windows of thousands
MAX_NEGATIVE = 1_000  # papers use 2-25
MAX_WORKERS = 1024


class Word2Vec:
    """Train word2vec embeddings: skip-gram or CBOW, negative sampling or hierarchical softmax.

    Parameters follow gensim 4's ``gensim.models.Word2Vec`` with the same names, defaults and
    meanings; passing ``sentences`` or ``corpus_file`` builds the vocabulary and trains at once.

    Parameters
    ----------
    sentences : iterable of list of str, optional
        A restartable iterable of tokenised sentences (a list, or a reader from
        :mod:`fastw2v.corpora`). Sentences of any length are trained whole.
    corpus_file : str, optional
        Path or URL of a text file, one sentence per line (a single-line text8-style file
        works too), read as ``LineSentence(corpus_file)``: lines cut every 10,000 words, as
        gensim cuts them. A plain local file is read and converted in compiled code in byte
        ranges split across the workers; a ``.gz``/``.bz2``/``.xz`` file or a URL is
        decompressed by one reading thread and split in compiled code.
    phrases : Phrases or FrozenPhrases, optional
        With ``corpus_file``: join the file's phrases as it is read, in compiled code (the
        file is then read as ``phrases[LineSentence(corpus_file)]``, by one reading thread).
        For ``sentences``, pass ``phrases[sentences]`` instead (an extension of fastw2v).
    vector_size : int
        Dimensionality of the word vectors.
    alpha, min_alpha : float
        Initial and final learning rate (linear decay over all epochs).
    window : int
        Maximum distance between the centre word and a context word.
    min_count : int
        Ignore words rarer than this.
    max_vocab_size : int, optional
        Prune the rarest words during the scan whenever the vocabulary grows past this.
    sample : float
        Frequent-word subsampling threshold (0 disables).
    seed : int
        Seed for the initial vectors and the training random generators.
    workers : int
        Number of training threads.
    sg : {0, 1}
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}
        1 for hierarchical softmax.
    negative : int
        Number of negative samples (0 disables negative sampling).
    ns_exponent : float
        Exponent of the unigram counts for the negative-sampling distribution.
    cbow_mean : {0, 1}
        CBOW input: 1 for the mean of the context vectors, 0 for their sum.
    hashfxn : callable
        Accepted for gensim compatibility; initialisation uses ``seed`` only, as in gensim 4.
    epochs : int
        Passes over the corpus.
    null_word : {0, 1}
        Add a ``"\\0"`` padding pseudo-word to the vocabulary, as gensim does.
    trim_rule : callable, optional
        ``trim_rule(word, count, min_count)`` returning ``RULE_DISCARD``, ``RULE_KEEP`` or
        ``RULE_DEFAULT`` (see :mod:`fastw2v.vocab`).
    sorted_vocab : {0, 1}
        Sort the vocabulary by descending frequency.
    batch_words : int
        Target number of words per job handed to a worker thread (fastw2v makes jobs of at
        least 65,536 words, so that the threads rarely wait for the GIL).
    compute_loss : bool
        Record the training loss of each epoch in ``training_loss``.
    callbacks : sequence
        Objects with any of ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``,
        ``on_train_end`` (gensim's ``CallbackAny2Vec`` subclasses work as they are).
    comment : str, optional
        Stored with the model.
    max_final_vocab : int, optional
        Raise the effective ``min_count`` so that at most this many words are kept.
    shrink_windows : bool
        Draw a reduced window size uniformly in ``[1, window]`` for each centre word.
    kernel : {"batched", "classic"}
        Update scheme (an extension of fastw2v). ``"batched"`` scores each centre word's
        inputs against all its outputs from the same values and updates them as one block;
        in skip-gram the window shares its negative samples (pWord2Vec's HogBatch), which is
        about twice as fast at the same quality. ``"classic"`` is word2vec.c's exact
        pair-by-pair scheme with fresh negatives for every pair.
    progress : bool
        Show a progress bar while training (an extension of fastw2v).

    Raises
    ------
    InvalidParameterError
        (a ValueError and a TypeError) for a parameter of the wrong type or out of range,
        before anything is read or trained: see ``_parameter_constraints``.
    """

    _parameter_constraints = {
        "vector_size": [Interval(Integral, 1, MAX_VECTOR_SIZE)],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "min_alpha": [Interval(Real, 0, None, closed="left")],
        "window": [Interval(Integral, 1, MAX_WINDOW)],
        "min_count": [Interval(Integral, 0, None)],
        "max_vocab_size": [None, Interval(Integral, 1, None)],
        "sample": [Interval(Real, 0, None)],
        "seed": [Interval(Integral, 0, None)],
        "workers": [Interval(Integral, 1, MAX_WORKERS)],
        "sg": [Options(0, 1)],
        "hs": [Options(0, 1)],
        "negative": [Interval(Integral, 0, MAX_NEGATIVE)],
        "ns_exponent": [Interval(Real, None, None)],
        "cbow_mean": [Options(0, 1)],
        "hashfxn": ["callable"],
        "epochs": [Interval(Integral, 0, None)],
        "null_word": [Options(0, 1)],
        "trim_rule": [None, "callable"],
        "sorted_vocab": [Options(0, 1)],
        "batch_words": [Interval(Integral, 1, None)],
        "compute_loss": ["boolean"],
        "callbacks": ["iterable"],
        "comment": [None, str],
        "max_final_vocab": [None, Interval(Integral, 1, None)],
        "shrink_windows": ["boolean"],
        "kernel": [Options("batched", "classic")],
        "progress": ["boolean"],
    }

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5,
                 min_count=5, max_vocab_size=None, sample=1e-3, seed=1, workers=3,
                 min_alpha=0.0001, sg=0, hs=0, negative=5, ns_exponent=0.75, cbow_mean=1,
                 hashfxn=hash, epochs=5, null_word=0, trim_rule=None, sorted_vocab=1,
                 batch_words=MAX_WORDS_IN_BATCH, compute_loss=False, callbacks=(), comment=None,
                 max_final_vocab=None, shrink_windows=True, kernel="batched", progress=True,
                 phrases=None):
        params = {name: value for name, value in locals().items()
                  if name in self._parameter_constraints}
        validate(self._parameter_constraints, params, type(self).__name__)
        check_learning_rates(alpha, min_alpha, type(self).__name__)
        if not hs and not negative:
            raise InvalidParameterError(
                "%s: negative=0 and hs=0 leave nothing to train: set negative > 0 (negative "
                "sampling) or hs=1 (hierarchical softmax)" % type(self).__name__)
        self.vector_size = int(vector_size)
        self.layer1_size = self.vector_size
        self.alpha = float(alpha)
        self.min_alpha = float(min_alpha)
        self.window = int(window)
        self.min_count = int(min_count)
        self.max_vocab_size = None if max_vocab_size is None else int(max_vocab_size)
        self.sample = float(sample)
        self.seed = int(seed)
        self.workers = int(workers)
        self.sg = int(bool(sg))
        self.hs = int(bool(hs))
        self.negative = int(negative)
        self.ns_exponent = float(ns_exponent)
        self.cbow_mean = int(bool(cbow_mean))
        self.hashfxn = hashfxn
        self.epochs = int(epochs)
        self.null_word = int(null_word)
        self.trim_rule = trim_rule
        self.sorted_vocab = int(sorted_vocab)
        self.batch_words = int(batch_words)
        self.compute_loss = bool(compute_loss)
        self.callbacks = tuple(callbacks)
        self.comment = comment
        self.max_final_vocab = None if max_final_vocab is None else int(max_final_vocab)
        self.shrink_windows = bool(shrink_windows)
        self.kernel = kernel
        self.progress = bool(progress)

        self.wv = KeyedVectors(self.vector_size)
        self.syn1neg = np.zeros((0, self.vector_size), dtype=np.float32)
        self.syn1 = np.zeros((0, self.vector_size), dtype=np.float32)
        self.raw_vocab = {}
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.effective_min_count = self.min_count
        self.epochs_trained = 0
        self.train_count = 0
        self.total_train_time = 0.0
        self.training_loss = []
        self.running_training_loss = 0.0
        self.min_alpha_yet_reached = self.alpha
        self.train_state = None
        self._tables = None
        self._worker_states = []
        self._busy = threading.Lock()  # held by train(); see _exclusive
        self._training_thread = None

        if sentences is not None and corpus_file is not None:
            raise TypeError("pass either sentences or corpus_file, not both")
        sentences, corpus_file = _phrased_corpus_file(sentences, corpus_file, phrases)
        if sentences is not None or corpus_file is not None:
            self.build_vocab(corpus_iterable=sentences, corpus_file=corpus_file, trim_rule=trim_rule)
            self.train(corpus_iterable=sentences, corpus_file=corpus_file,
                       total_examples=self.corpus_count, total_words=self.corpus_total_words,
                       epochs=self.epochs, start_alpha=self.alpha, end_alpha=self.min_alpha,
                       compute_loss=compute_loss, callbacks=callbacks)

    def __str__(self):
        return "%s<vocab=%d, vector_size=%d, alpha=%g>" % (
            type(self).__name__, len(self.wv), self.vector_size, self.alpha)

    # ----------------------------------------------------------------- vocabulary

    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, progress_per=10000,
                    keep_raw_vocab=False, trim_rule=None, phrases=None, **kwargs):
        """Scan a corpus, choose the vocabulary and allocate the weights.

        Parameters
        ----------
        corpus_iterable : iterable of list of str, optional
            The sentences (must be restartable).
        corpus_file : str, optional
            A text file, one sentence per line.
        update : bool
            Add the corpus's new words to an existing vocabulary (online training).
        progress_per : int
            Log progress every this many sentences.
        keep_raw_vocab : bool
            Keep the raw counts in ``raw_vocab`` after the vocabulary is chosen.
        trim_rule : callable, optional
            See the class docstring.
        phrases : Phrases or FrozenPhrases, optional
            With ``corpus_file``: its phrases joined as it is read (see the class docstring).
        """
        start = time.perf_counter()
        with self._exclusive("build the vocabulary"):
            self.scan_vocab(corpus_iterable, corpus_file, progress_per, trim_rule, phrases)
            self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule)
            self.prepare_weights(update=update)
        logger.info("built vocabulary of %d words from %d raw words in %.2fs",
                    len(self.wv), self.corpus_total_words, time.perf_counter() - start)

    def scan_vocab(self, corpus_iterable=None, corpus_file=None, progress_per=10000, trim_rule=None,
                   phrases=None):
        """Count the corpus's words into ``raw_vocab``; sets ``corpus_count``/``corpus_total_words``."""
        _check_corpus_args(corpus_iterable, corpus_file)
        corpus_iterable, corpus_file = _phrased_corpus_file(corpus_iterable, corpus_file, phrases)
        if corpus_file is not None:  # read as LineSentence reads it, in compiled code
            counts, sentences, total = vocab.scan_iterable(
                LineSentence(_check_corpus_file(corpus_file)), self.max_vocab_size, trim_rule,
                progress_per)
        else:
            vocab.check_reiterable(corpus_iterable)
            counts, sentences, total = vocab.scan_iterable(
                corpus_iterable, self.max_vocab_size, trim_rule, progress_per)
        if total == 0:
            raise ValueError("the corpus is empty: no words found in %s"
                             % ("corpus_file %r" % corpus_file if corpus_file else "corpus_iterable"))
        self.raw_vocab = counts
        self.corpus_count = sentences
        self.corpus_total_words = total
        return total

    def build_vocab_from_freq(self, word_freq, keep_raw_vocab=False, corpus_count=None,
                              trim_rule=None, update=False):
        """Build the vocabulary from a ``{word: count}`` mapping instead of a corpus."""
        if not word_freq:
            raise ValueError("word_freq is empty")
        for word, count in word_freq.items():
            if not isinstance(word, str):
                raise TypeError("word_freq keys must be str, got %r" % (word,))
            try:
                word.encode("utf-8")
            except UnicodeEncodeError as err:
                raise vocab.unencodable_token_error(err) from None
        with self._exclusive("build the vocabulary"):
            self.raw_vocab = {word: int(count) for word, count in word_freq.items()}
            self.corpus_count = int(corpus_count) if corpus_count else 0
            self.corpus_total_words = sum(self.raw_vocab.values())
            self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule)
            self.prepare_weights(update=update)

    def prepare_vocab(self, update=False, keep_raw_vocab=False, trim_rule=None, **kwargs):
        """Apply ``min_count``/``max_final_vocab``/``trim_rule`` and sort the vocabulary."""
        self.effective_min_count = vocab.effective_min_count(
            self.raw_vocab, self.min_count, self.max_final_vocab)
        words = vocab.select_words(self.raw_vocab, self.effective_min_count, trim_rule)
        wv = self.wv
        if update:
            if not len(wv):
                raise RuntimeError("build_vocab(update=True) needs an existing vocabulary; "
                                   "call build_vocab() first")
            new_words = [w for w in words if w not in wv.key_to_index]
            counts = wv.expandos["count"].copy()
            for word in words:
                if word in wv.key_to_index:
                    counts[wv.key_to_index[word]] += self.raw_vocab[word]
            wv.index_to_key = wv.index_to_key + new_words
            wv.key_to_index = {w: i for i, w in enumerate(wv.index_to_key)}
            wv.expandos["count"] = np.concatenate(
                [counts, np.array([self.raw_vocab[w] for w in new_words], dtype=np.int64)])
        else:
            if not words:
                top = max(self.raw_vocab.values()) if self.raw_vocab else 0
                remedy = "lower min_count"
                if self.max_vocab_size:
                    remedy = ("raise max_vocab_size=%d (pruning during the scan dropped the "
                              "rarer words and their counts) or leave it None, or lower "
                              "min_count" % self.max_vocab_size)
                raise ValueError("no word occurs at least min_count=%d times (the most frequent "
                                 "occurs %d times): %s" % (self.effective_min_count, top, remedy))
            if self.null_word:
                words.append("\0")
            counts = np.array([self.raw_vocab.get(w, 1) for w in words], dtype=np.int64)
            if self.sorted_vocab:
                order = vocab.descending_frequency_order(counts)
                words = [words[i] for i in order]
                counts = counts[order]
            wv.index_to_key = words
            wv.key_to_index = {w: i for i, w in enumerate(words)}
            wv.expandos = {"count": counts}
        self._tables = None
        if not keep_raw_vocab:
            self.raw_vocab = {}

    def prepare_weights(self, update=False):
        """Allocate (or, with ``update``, grow) the input and output weight matrices."""
        n, dim = len(self.wv), self.vector_size
        old = len(self.wv.vectors) if update else 0
        rng = np.random.default_rng(seed=self.seed if not update else self.seed + old)
        fresh = rng.random((n - old, dim), dtype=np.float32)
        fresh *= 2.0
        fresh -= 1.0
        fresh /= dim
        if update:
            self.wv.vectors = np.ascontiguousarray(np.vstack([self.wv.vectors, fresh]))
        else:
            self.wv.vectors = fresh
        self.wv.norms = None
        if self.negative:
            self.syn1neg = _grow(self.syn1neg if update else None, n, dim)
        if self.hs:
            self.syn1 = _grow(self.syn1 if update else None, n, dim)

    def _training_tables(self):
        """Subsampling thresholds and the losses' tables, for this vocabulary (cached).

        Returns
        -------
        dict
            ``"keep"``: the thresholds; ``"negative_sampling"`` and
            ``"hierarchical_softmax"``: the :mod:`fastw2v.losses` objects, or None for a loss
            this model does not train.
        """
        if self._tables is None:
            counts = self.wv.expandos["count"]
            self._tables = {
                "keep": vocab.keep_thresholds(counts, self.sample),
                "negative_sampling": losses.NegativeSampling(counts, self.negative, self.ns_exponent)
                if self.negative else None,
                "hierarchical_softmax": losses.HierarchicalSoftmax(counts) if self.hs else None,
            }
        return self._tables

    def estimate_memory(self, vocab_size=None, report=None):
        """Estimate the memory (bytes) the model needs, as gensim reports it."""
        vocab_size = vocab_size or len(self.wv)
        report = report or {}
        report["vocab"] = vocab_size * (700 if self.hs else 500)
        report["vectors"] = vocab_size * self.vector_size * np.dtype(np.float32).itemsize
        if self.hs:
            report["syn1"] = vocab_size * self.layer1_size * np.dtype(np.float32).itemsize
        if self.negative:
            report["syn1neg"] = vocab_size * self.layer1_size * np.dtype(np.float32).itemsize
        report["total"] = sum(report.values())
        return report

    # ----------------------------------------------------------------- training

    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None,
              epochs=None, start_alpha=None, end_alpha=None, word_count=0, queue_factor=2,
              report_delay=1.0, compute_loss=False, callbacks=(), phrases=None, **kwargs):
        """Train the vectors on a corpus, ``epochs`` passes with linearly decaying alpha.

        Parameters
        ----------
        corpus_iterable, corpus_file
            The corpus, as in :meth:`build_vocab`.
        total_examples, total_words : int, optional
            Size of the corpus in sentences or raw words, for the learning-rate schedule and
            progress (one is required with ``corpus_iterable``; ``model.corpus_count`` or
            ``model.corpus_total_words`` after :meth:`build_vocab` on the same corpus).
        epochs : int
            Passes over the corpus (required, as in gensim).
        start_alpha, end_alpha : float, optional
            Learning-rate range of this call (default ``alpha`` and ``min_alpha``).
        compute_loss : bool
            Record the loss of each epoch in ``training_loss``.
        callbacks : sequence
            Called at the start and end of training and of each epoch.
        phrases : Phrases or FrozenPhrases, optional
            With ``corpus_file``: its phrases joined as it is read (see the class docstring).

        Returns
        -------
        (int, int)
            Words trained (after subsampling) and raw words read, over all epochs.

        Notes
        -----
        A run stopped part-way (KeyboardInterrupt, or a checkpoint loaded from disk) is
        continued by calling ``train`` with the same ``epochs``, ``start_alpha`` and
        ``end_alpha``: training resumes at the first unfinished epoch with the same
        learning-rate schedule (``model.train_state`` says where it stands).
        """
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("train() is already running on this model (in another thread, "
                               "or this is a callback of it): wait until it returns")
        self._training_thread = threading.get_ident()
        try:
            if phrases is not None:
                _check_corpus_args(corpus_iterable, corpus_file)
                total_words = total_words or self.corpus_total_words  # as for corpus_file
                corpus_iterable, corpus_file = _phrased_corpus_file(corpus_iterable, corpus_file,
                                                                    phrases)
            return self._train(corpus_iterable, corpus_file, total_examples, total_words, epochs,
                               start_alpha, end_alpha, report_delay, compute_loss, callbacks)
        finally:
            self._training_thread = None
            self._busy.release()

    _train_constraints = {
        "epochs": [Interval(Integral, 0, None)],
        "total_examples": [None, Interval(Integral, 0, None)],
        "total_words": [None, Interval(Integral, 0, None)],
        "compute_loss": ["boolean"],
        "callbacks": ["iterable"],
    }

    def _train(self, corpus_iterable, corpus_file, total_examples, total_words, epochs,
               start_alpha, end_alpha, report_delay, compute_loss, callbacks):
        """:meth:`train` once the model is known to be free."""
        _check_corpus_args(corpus_iterable, corpus_file)
        if not len(self.wv):
            raise RuntimeError("you must build the vocabulary before training the model "
                               "(call build_vocab first)")
        self._check_writeable()
        if epochs is None:
            raise InvalidParameterError("train() needs an explicit epochs count "
                                        "(e.g. epochs=model.epochs)")
        validate(self._train_constraints,
                 {"epochs": epochs, "total_examples": total_examples, "total_words": total_words,
                  "compute_loss": compute_loss, "callbacks": callbacks}, "train()")
        start_alpha = self.alpha if start_alpha is None else start_alpha
        end_alpha = self.min_alpha if end_alpha is None else end_alpha
        check_learning_rates(start_alpha, end_alpha, "train()", "start_alpha", "end_alpha")
        start_alpha, end_alpha, epochs = float(start_alpha), float(end_alpha), int(epochs)
        self._check_finite_weights()
        if corpus_file is not None:
            _check_corpus_file(corpus_file)
            total_words = total_words or self.corpus_total_words
        else:
            vocab.check_reiterable(corpus_iterable)
        feed = training.Feed.for_corpus(corpus_iterable, corpus_file)
        self.compute_loss = bool(compute_loss)
        run = training.Run(self, feed, epochs, start_alpha, end_alpha, total_examples,
                           total_words, report_delay)
        return run.train(tuple(callbacks))

    def _training_kernel(self):
        """The compiled kernel of one training run: this model's weights, tables and settings."""
        tables = self._training_tables()
        hs = tables["hierarchical_softmax"]
        batched = self.kernel == "batched"
        return _trainer.TrainingKernel(_trainer.KernelConfig(
            syn0=self.wv.vectors, keep_threshold=tables["keep"], sg=self.sg, window=self.window,
            cbow_mean=self.cbow_mean, shrink_windows=self.shrink_windows, batched=batched,
            negative_sampling=tables["negative_sampling"], syn1neg=self.syn1neg,
            hierarchical_softmax=hs, syn1=self.syn1,
            top_nodes=hs.top_nodes(self.workers, batched) if hs is not None else 0))

    def _workers(self):
        """One WorkerState per thread, seeded from ``seed``; kept across ``train()`` calls."""
        if len(self._worker_states) != self.workers:
            seeds = np.random.SeedSequence(self.seed).generate_state(self.workers, np.uint64)
            self._worker_states = [_trainer.WorkerState(self.vector_size, int(s)) for s in seeds]
        return self._worker_states

    @property
    def rng_states(self):
        """The random generator state of each worker thread (for exact checkpoints)."""
        return [state.rng for state in self._workers()]

    @rng_states.setter
    def rng_states(self, states):
        self._worker_states = [_trainer.WorkerState(self.vector_size, int(s)) for s in states]
        self.workers = len(self._worker_states)

    def save(self, path):
        """Save the model with everything needed to continue training (no pickle).

        Parameters
        ----------
        path : str or os.PathLike
            The file to write; an existing file is replaced atomically (an interrupted save
            leaves it intact). ``trim_rule``, ``callbacks`` and ``hashfxn`` are not saved.
            See ``docs/file-format.md``.
        """
        with self._exclusive("save the model"):
            persistence.save(self, path)

    @classmethod
    def load(cls, path, mmap=None):
        """Load a model saved by :meth:`save`; ``train()`` continues an unfinished run exactly.

        Parameters
        ----------
        path : str or os.PathLike
            The file.
        mmap : {None, "r", "c"}
            None reads the arrays; ``"r"`` maps them read-only, shared between processes (the
            model can be queried but not trained); ``"c"`` maps them copy-on-write.

        Returns
        -------
        Word2Vec
        """
        return persistence.load(cls, path, mmap=mmap)

    #: The constructor's arguments that a saved model keeps: all but the callables.
    SAVED_PARAMS = tuple(name for name in _parameter_constraints
                         if name not in ("hashfxn", "trim_rule", "callbacks"))
    #: The training state a saved model keeps (with the arrays of ``to_state``).
    SAVED_STATE = ("corpus_count", "corpus_total_words", "effective_min_count", "epochs_trained",
                   "train_count", "total_train_time", "training_loss", "running_training_loss",
                   "min_alpha_yet_reached", "train_state")

    def to_state(self):
        """``(meta, arrays)``: what :func:`fastw2v.persistence.save` writes of this model,
        everything needed to continue training."""
        arrays = {}
        meta = {"class": "Word2Vec",
                "params": {name: getattr(self, name) for name in self.SAVED_PARAMS},
                "state": {name: getattr(self, name) for name in self.SAVED_STATE},
                "wv": self.wv.describe(arrays, "wv/")}
        arrays["syn1neg.npy"] = self.syn1neg
        arrays["syn1.npy"] = self.syn1
        arrays["rng_states.npy"] = np.array(self.rng_states, dtype=np.uint64)
        raw_keys = list(self.raw_vocab)
        persistence.key_arrays(raw_keys, "raw_vocab/", arrays)
        arrays["raw_vocab/counts.npy"] = np.array([self.raw_vocab[k] for k in raw_keys], np.int64)
        return meta, arrays

    @classmethod
    def from_state(cls, reader):
        """The model of an open archive (a ``persistence.ArchiveReader``), built from its
        saved parameters (``SAVED_PARAMS``, nothing else) without a corpus: loading never
        trains and never reads another file. A ValueError names anything invalid: a
        parameter the constructor refuses, an insane training state, an array whose dtype
        or shape disagrees with the vocabulary."""
        if reader.meta.get("class") != "Word2Vec":
            raise ValueError("%r holds a %s, not a Word2Vec model; load it with %s.load"
                             % (reader.path, reader.meta.get("class"), reader.meta.get("class")))
        with reader.invalid_metadata():
            model = cls(**_saved_params(reader.meta["params"], cls.SAVED_PARAMS))
            for name, value in _saved_state(reader.meta["state"], cls.SAVED_STATE).items():
                setattr(model, name, value)
            model.wv = type(model.wv).from_description(reader, reader.meta["wv"], "wv/",
                                                       _FLOAT32, key_types=("str",))
            n, dim = len(model.wv), model.vector_size
            if model.wv.vector_size != dim:
                raise ValueError("wv has vector_size %d, the model %d"
                                 % (model.wv.vector_size, dim))
            counts = model.wv.expandos.get("count")
            if (counts is None and n) or (counts is not None and (
                    counts.dtype.kind not in "iu" or np.any(counts < 0))):
                raise ValueError("a trained model's wv needs a non-negative integer count per "
                                 "word (expando 'count')")
            model.syn1neg = reader.array("syn1neg.npy", _FLOAT32, (n if model.negative else 0, dim))
            model.syn1 = reader.array("syn1.npy", _FLOAT32, (n if model.hs else 0, dim))
            model.rng_states = reader.array("rng_states.npy", "u", (model.workers,), mmap=False)
            raw_keys = persistence.load_keys(reader, "raw_vocab/")
            raw_counts = reader.array("raw_vocab/counts.npy", "iu", (len(raw_keys),), mmap=False)
            model.raw_vocab = dict(zip(raw_keys, raw_counts.tolist()))
        return model

    @contextlib.contextmanager
    def _exclusive(self, action):
        """Run ``action`` (a phrase for the error) only while no other thread trains the model.

        A callback of the model's own ``train()`` (between epochs, when no worker runs) may
        go ahead; another thread gets a RuntimeError instead of a half-updated model.
        """
        if self._training_thread == threading.get_ident():
            yield
            return
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("cannot %s while train() runs on this model in another thread: "
                               "wait until it returns, or do it from a callback" % action)
        try:
            yield
        finally:
            self._busy.release()

    def _check_finite_weights(self):
        """Refuse to train on weights holding NaN or infinity, naming the array and word."""
        for name, array in (("wv.vectors", self.wv.vectors), ("syn1neg", self.syn1neg),
                            ("syn1", self.syn1)):
            finite = np.isfinite(array).all(axis=1)
            if not finite.all():
                row = int(np.argmin(finite))
                key = " (key %r)" % (self.wv.index_to_key[row],) if name == "wv.vectors" else ""
                raise ValueError("%s holds NaN or infinite values (%d rows, the first row %d%s): "
                                 "training would spread them to every vector; reset or remove "
                                 "those rows first" % (name, np.count_nonzero(~finite), row, key))

    def _check_writeable(self):
        for name, array in (("wv.vectors", self.wv.vectors), ("syn1neg", self.syn1neg),
                            ("syn1", self.syn1)):
            if not array.flags.writeable:
                raise ValueError("%s is read-only (loaded with mmap='r'): load the model with "
                                 "mmap=None or mmap='c' to train it" % name)

    def get_latest_training_loss(self):
        """Loss summed over the epochs of the latest ``train()`` call (``compute_loss=True``)."""
        return self.running_training_loss

    # ----------------------------------------------------------------- queries

    def predict_output_word(self, context_words_list, topn=10):
        """Most probable centre words given context words (negative-sampling models).

        Returns
        -------
        list of (str, float) or None
            ``topn`` words with their probabilities, or None when no context word is known.
        """
        if not self.negative:
            raise RuntimeError("predict_output_word needs a negative-sampling model (negative > 0)")
        indexes = [self.wv.key_to_index[w] for w in context_words_list if w in self.wv.key_to_index]
        if not indexes:
            logger.warning("none of the context words %r is in the vocabulary", context_words_list)
            return None
        hidden = self.wv.vectors[indexes].sum(axis=0)
        if self.cbow_mean:
            hidden /= len(indexes)
        scores = self.syn1neg @ hidden
        scores = np.exp(scores - scores.max())
        probs = scores / scores.sum()
        top = np.argsort(-probs)[:topn]
        return [(self.wv.index_to_key[i], float(probs[i])) for i in top]


def _saved_params(params, names):
    """The constructor arguments saved in ``params``: exactly ``names`` (their values are
    checked by the constructor)."""
    persistence.check_object(params, "params")
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ValueError("unknown parameter %r in params (a fastw2v file holds only %s)"
                         % (unknown[0], ", ".join(names)))
    return {name: params[name] for name in names}


def _saved_state(state, names):
    """The training state saved in ``state``: exactly ``names``, every value checked."""
    integer, number = persistence.integer, persistence.number
    persistence.check_object(state, "state")
    unknown = sorted(set(state) - set(names))
    if unknown:
        raise ValueError("unknown field %r in state" % unknown[0])
    checked = {name: integer(state[name], name) for name in (
        "corpus_count", "corpus_total_words", "effective_min_count", "epochs_trained",
        "train_count")}
    checked["total_train_time"] = number(state["total_train_time"], "total_train_time", low=0)
    checked["min_alpha_yet_reached"] = number(state["min_alpha_yet_reached"],
                                              "min_alpha_yet_reached")
    losses = state["training_loss"]
    if not isinstance(losses, list):
        raise ValueError("training_loss must be a list, got %r" % (losses,))
    checked["training_loss"] = [number(loss, "training_loss", finite=False) for loss in losses]
    checked["running_training_loss"] = number(state["running_training_loss"],
                                              "running_training_loss", finite=False)
    checked["train_state"] = _saved_run(state["train_state"])
    return checked


def _saved_run(run):
    """``train_state``: None, or where an unfinished ``train()`` call stands."""
    if run is None:
        return None
    integer, number = persistence.integer, persistence.number
    persistence.check_object(run, "train_state")
    fields = ("epochs", "completed", "start_alpha", "end_alpha")
    if sorted(run) != sorted(fields):
        raise ValueError("train_state must have the fields %s, got %r" % (", ".join(fields), run))
    epochs = integer(run["epochs"], "train_state epochs")
    return {"epochs": epochs,
            "completed": integer(run["completed"], "train_state completed", high=epochs),
            "start_alpha": number(run["start_alpha"], "train_state start_alpha"),
            "end_alpha": number(run["end_alpha"], "train_state end_alpha")}


def _grow(matrix, rows, dim):
    grown = np.zeros((rows, dim), dtype=np.float32)
    if matrix is not None and len(matrix):
        grown[:len(matrix)] = matrix
    return grown


def _check_corpus_args(corpus_iterable, corpus_file):
    if (corpus_iterable is None) == (corpus_file is None):
        raise TypeError("pass exactly one of corpus_iterable (sentences) or corpus_file")


def _phrased_corpus_file(corpus_iterable, corpus_file, phrases):
    """``(corpus_iterable, corpus_file)``, where a ``corpus_file`` with ``phrases`` becomes
    the iterable ``phrases[LineSentence(corpus_file)]``, read and joined in compiled code."""
    if phrases is None:
        return corpus_iterable, corpus_file
    if not isinstance(phrases, (Phrases, FrozenPhrases)):
        raise TypeError("phrases must be a fastw2v Phrases or FrozenPhrases model, not %s"
                        % type(phrases).__name__)
    if corpus_file is None:
        raise TypeError("phrases= joins the phrases of corpus_file; for sentences, pass "
                        "phrases[sentences] as the corpus instead")
    return phrases[LineSentence(_check_corpus_file(corpus_file))], None


def _check_corpus_file(path):
    path = os.fspath(path)
    if "://" not in path and not os.path.isfile(path):
        raise FileNotFoundError("corpus_file %r does not exist or is not a file" % path)
    return path
