"""The ``Word2Vec`` model: gensim 4's API over fastw2v's compiled, multi-threaded kernels."""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar, Literal, TypedDict, TypeVar, cast

import numpy as np
import numpy.typing as npt

from fastw2v import _trainer, _words, losses, persistence, sequences, training, vocab
from fastw2v._fileio import MAX_VECTOR_SIZE
from fastw2v._types import Corpus, FloatArray, Key, PathType, Sentences, TrimRule
from fastw2v.corpora import MAX_WORDS_IN_BATCH, LineSentence
from fastw2v.keyedvectors import (PICKLE_PROTOCOL, KeyedVectors, _check_fname, _HuffmanVecattrs,
                                  add_lifecycle_event, loaded_events, save_ignored, saved_events)
from fastw2v.parameters import (Constraint, InvalidParameterError, Interval, Options,
                                check_learning_rates, validate)
from fastw2v.phrases import FrozenPhrases, Phrases

logger = logging.getLogger(__name__)

_W2V = TypeVar("_W2V", bound="Word2Vec")
Float32Array = npt.NDArray[np.float32]


class _Tables(TypedDict):
    """A vocabulary's training tables (see ``Word2Vec._training_tables``)."""

    keep: npt.NDArray[np.uint64]
    negative_sampling: losses.NegativeSampling | None
    hierarchical_softmax: losses.HierarchicalSoftmax | None

_FLOAT32 = np.dtype(np.float32)  # the training matrices' dtype

# Bounds far beyond any real use that keep the kernels' scratch sizes within C ints and memory.
MAX_WINDOW = 100_000  # item2vec users set "whole basket" windows of thousands
MAX_NEGATIVE = 1_000  # papers use 2-25
MAX_WORKERS = 1024

# score(): gensim's sentence limit and its table of log(sigmoid(x)) for x in (-MAX_EXP, MAX_EXP)
SCORE_MAX_SENTENCE_LEN = 10000
_MAX_EXP = 6
_EXP_TABLE_SIZE = 1000
_SCORE_TERMS_PER_CHUNK = 1 << 16


def _log_sigmoid_table() -> Float32Array:
    """gensim's ``LOG_TABLE`` (word2vec_inner.pyx ``init``), rounded as its float code rounds."""
    i = np.arange(_EXP_TABLE_SIZE, dtype=np.float32)
    x = (i / np.float32(_EXP_TABLE_SIZE) * np.float32(2) - np.float32(1)) * np.float32(_MAX_EXP)
    e = np.exp(x.astype(np.float64)).astype(np.float32)
    e = e / (e + np.float32(1))
    return np.log(e.astype(np.float64)).astype(np.float32)


class WrongModelTypeError(AttributeError, ValueError):
    """A file holds another kind of object than the class asked to load it: an
    AttributeError, as gensim raises, and a ValueError, as fastw2v raises for bad files."""


class Word2Vec:
    """Train word2vec embeddings: skip-gram or CBOW, negative sampling or hierarchical softmax.

    Parameters follow gensim 4's ``gensim.models.Word2Vec`` with the same names, defaults and
    meanings; passing ``sentences`` or ``corpus_file`` builds the vocabulary and trains at once.

    Parameters
    ----------
    sentences : iterable of list of str, or a corpus of integer ids, optional
        A restartable iterable of tokenised sentences (a list, or a reader from
        :mod:`fastw2v.corpora`). Sentences of any length are trained whole. Or integer ids
        (graph walks, item sequences): a 2-D integer array (a walk per row), a list of 1-D
        integer arrays or of lists of ints, or a :class:`~fastw2v.sequences.IntSequences`
        (ragged rows by padding or lengths), trained from the arrays in compiled code; the
        model's keys are then ints. A model has one key type.
    corpus_file : str, optional
        Path or URL of a text file, one sentence per line (a single-line text8-style file
        works too), read as ``LineSentence(corpus_file)``: lines cut every 10,000 words, as
        gensim cuts them. A plain local file is read and converted in compiled code in byte
        ranges split across the workers; a ``.gz``/``.bz2``/``.xz`` file or a URL is
        decompressed by one reading thread and split in compiled code. A ``.npy`` file of a
        2-D integer array is read as integer walks, memory-mapped.
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

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
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

    def __init__(self, sentences: Corpus | None = None, corpus_file: PathType | None = None,
                 vector_size: int = 100, alpha: float = 0.025, window: int = 5,
                 min_count: int = 5, max_vocab_size: int | None = None, sample: float = 1e-3,
                 seed: int = 1, workers: int = 3, min_alpha: float = 0.0001, sg: int = 0,
                 hs: int = 0, negative: int = 5, ns_exponent: float = 0.75, cbow_mean: int = 1,
                 hashfxn: Callable[[Any], int] = hash, epochs: int = 5, null_word: int = 0,
                 trim_rule: TrimRule | None = None, sorted_vocab: int = 1,
                 batch_words: int = MAX_WORDS_IN_BATCH, compute_loss: bool = False,
                 callbacks: Iterable[object] = (), comment: str | None = None,
                 max_final_vocab: int | None = None, shrink_windows: bool = True,
                 kernel: Literal["batched", "classic"] = "batched", progress: bool = True,
                 phrases: Phrases | FrozenPhrases | None = None) -> None:
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
        self.syn1: Float32Array = np.zeros((0, self.vector_size), dtype=np.float32)
        self.raw_vocab: dict[Any, int] = {}  # the scanned counts, by str or int key
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.effective_min_count = self.min_count
        self.epochs_trained = 0
        self.train_count = 0
        self.total_train_time = 0.0
        self.training_loss: list[float] = []
        self.running_training_loss = 0.0
        self.min_alpha_yet_reached = self.alpha
        self.train_state: training.TrainState | None = None
        self._tables: _Tables | None = None
        self._worker_states: list[_trainer.WorkerState] = []
        self._busy = threading.Lock()  # held by train(); see _exclusive
        self._training_thread: int | None = None
        # (counts, ns_exponent, table): see cum_table
        self._cum_table: tuple[npt.NDArray[Any], float, npt.NDArray[np.uint32]] | None = None
        self.lifecycle_events: list[dict[str, Any]] | None = []
        self._huffman_ties = "gensim"  # how the Huffman tree orders equal counts (see losses)
        self.wv._derived_vecattrs = _HuffmanVecattrs(self._huffman_ties) if self.hs else None
        self.add_lifecycle_event("created", params=str(self))

        if sentences is not None and corpus_file is not None:
            raise TypeError("pass either sentences or corpus_file, not both")
        sentences, corpus_file = _phrased_corpus_file(sentences, corpus_file, phrases)
        if sentences is not None or corpus_file is not None:
            self.build_vocab(corpus_iterable=sentences, corpus_file=corpus_file, trim_rule=trim_rule)
            self.train(corpus_iterable=sentences, corpus_file=corpus_file,
                       total_examples=self.corpus_count, total_words=self.corpus_total_words,
                       epochs=self.epochs, start_alpha=self.alpha, end_alpha=self.min_alpha,
                       compute_loss=compute_loss, callbacks=callbacks)

    @property
    def wv(self) -> KeyedVectors:
        """The word vectors (:class:`~fastw2v.KeyedVectors`). Their ``output_vectors``
        refer to this model's :attr:`syn1neg`, for ``wv.most_similar(..., space="in-out")``."""
        return self._wv

    @wv.setter
    def wv(self, wv: KeyedVectors) -> None:
        self._wv = wv
        self._link_output_vectors()

    @property
    def syn1neg(self) -> Float32Array:
        """Negative sampling's output weights, one row per word (no rows when ``negative``
        is 0); ``wv.output_vectors`` refers to this array."""
        return self._syn1neg

    @syn1neg.setter
    def syn1neg(self, weights: Float32Array) -> None:
        self._syn1neg = weights
        self._link_output_vectors()

    def _link_output_vectors(self) -> None:
        """Point ``wv.output_vectors`` at :attr:`syn1neg` (None while it has no rows): run
        whenever either is assigned, so the link survives new arrays (``prepare_weights``,
        ``load``, ``reset_from``) without a copy and never goes stale."""
        wv, syn1neg = getattr(self, "_wv", None), getattr(self, "_syn1neg", None)
        if wv is not None:
            wv.output_vectors = syn1neg if syn1neg is not None and len(syn1neg) else None

    def __str__(self) -> str:
        return "%s<vocab=%d, vector_size=%d, alpha=%g>" % (
            type(self).__name__, len(self.wv), self.vector_size, self.alpha)

    # ----------------------------------------------------------------- vocabulary

    def build_vocab(self, corpus_iterable: Corpus | None = None,
                    corpus_file: PathType | None = None, update: bool = False,
                    progress_per: int = 10000, keep_raw_vocab: bool = False,
                    trim_rule: TrimRule | None = None,
                    phrases: Phrases | FrozenPhrases | None = None, **kwargs: Any) -> None:
        """Scan a corpus, choose the vocabulary and allocate the weights.

        Parameters
        ----------
        corpus_iterable : iterable of list of str, or a corpus of integer ids, optional
            The sentences (must be restartable), or integer ids (see the class docstring).
        corpus_file : str, optional
            A text file, one sentence per line, or a ``.npy`` file of a 2-D integer array of
            walks (memory-mapped).
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
        **kwargs
            Passed to :meth:`prepare_vocab` (``min_count``, ``sample``, ``dry_run``), as in
            gensim; with ``dry_run=True`` the vocabulary and weights are left as they are.
        """
        start = time.perf_counter()
        with self._exclusive("build the vocabulary"):
            self.scan_vocab(corpus_iterable=corpus_iterable, corpus_file=corpus_file,
                            progress_per=progress_per, trim_rule=trim_rule, phrases=phrases)
            report = self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab,
                                        trim_rule=trim_rule, **kwargs)
            self.estimate_memory(vocab_size=report["num_retained_words"])  # (logs it, as gensim)
            if kwargs.get("dry_run"):
                return
            self.prepare_weights(update=update)
        logger.info("built vocabulary of %d words from %d raw words in %.2fs",
                    len(self.wv), self.corpus_total_words, time.perf_counter() - start)
        self.add_lifecycle_event("build_vocab", update=update, trim_rule=str(trim_rule))

    def scan_vocab(self, corpus_iterable: Corpus | None = None,
                   corpus_file: PathType | None = None, progress_per: int = 10000,
                   workers: int | None = None, trim_rule: TrimRule | None = None,
                   phrases: Phrases | FrozenPhrases | None = None) -> tuple[int, int]:
        """Count the corpus's words into ``raw_vocab``; sets ``corpus_count``/``corpus_total_words``.

        Parameters
        ----------
        corpus_iterable, corpus_file, progress_per, trim_rule, phrases
            As in :meth:`build_vocab`.
        workers : int, optional
            Accepted for gensim compatibility (fastw2v counts in a thread of its own).

        Returns
        -------
        (int, int)
            ``(total_words, corpus_count)``: raw words and sentences, as gensim 4 returns them.
        """
        _check_corpus_args(corpus_iterable, corpus_file)
        corpus_iterable, corpus_file = _phrased_corpus_file(corpus_iterable, corpus_file, phrases)
        corpus_iterable, corpus_file = _int_corpus(corpus_iterable, corpus_file)
        logger.info("collecting all words and their counts")
        counts: dict[Any, int]  # str or int keys
        if isinstance(corpus_iterable, sequences.IntSequences):
            if self.max_vocab_size:
                raise ValueError("max_vocab_size prunes words while a text corpus is read; an "
                                 "integer corpus is counted exactly: leave it None and use "
                                 "min_count or max_final_vocab")
            counts, sentences, total = corpus_iterable.count()
        elif corpus_file is not None:  # read as LineSentence reads it, in compiled code
            counts, sentences, total = vocab.scan_iterable(
                LineSentence(_check_corpus_file(corpus_file)), self.max_vocab_size, trim_rule,
                progress_per)
        else:
            assert corpus_iterable is not None  # (_check_corpus_args)
            vocab.check_reiterable(corpus_iterable)
            counts, sentences, total = vocab.scan_iterable(
                corpus_iterable, self.max_vocab_size, trim_rule, progress_per)
        if total == 0:
            raise ValueError("the corpus is empty: no words found in %s"
                             % ("corpus_file %r" % corpus_file if corpus_file else "corpus_iterable"))
        logger.info("collected %i word types from a corpus of %i raw words and %i sentences",
                    len(counts), total, sentences)
        self.raw_vocab = counts
        self.corpus_count = sentences
        self.corpus_total_words = total
        return total, sentences

    def build_vocab_from_freq(self, word_freq: Mapping[str, int], keep_raw_vocab: bool = False,
                              corpus_count: int | None = None, trim_rule: TrimRule | None = None,
                              update: bool = False) -> None:
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
        logger.info("Processing provided word frequencies")
        with self._exclusive("build the vocabulary"):
            self.raw_vocab = {word: int(count) for word, count in word_freq.items()}
            self.corpus_count = int(corpus_count) if corpus_count else 0
            self.corpus_total_words = sum(self.raw_vocab.values())
            logger.info("collected %i unique word types, with total frequency of %i",
                        len(self.raw_vocab), self.corpus_total_words)
            report = self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab,
                                        trim_rule=trim_rule)
            self.estimate_memory(vocab_size=report["num_retained_words"])  # (logs it, as gensim)
            self.prepare_weights(update=update)

    def prepare_vocab(self, update: bool = False, keep_raw_vocab: bool = False,
                      trim_rule: TrimRule | None = None, min_count: int | None = None,
                      sample: float | None = None, dry_run: bool = False,
                      **kwargs: Any) -> dict[str, int]:
        """Apply ``min_count``/``max_final_vocab``/``trim_rule`` to ``raw_vocab`` and sort the
        vocabulary; report what the settings retain, as gensim does.

        Parameters
        ----------
        update : bool
            Add the new words to the existing vocabulary.
        keep_raw_vocab : bool
            Keep ``raw_vocab`` afterwards.
        trim_rule : callable, optional
        min_count, sample : optional
            Settings to apply instead of (and, unless ``dry_run``, to store over) the model's.
        dry_run : bool
            Only compute the report: the model is left exactly as it is.

        Returns
        -------
        dict
            gensim's report: ``drop_unique`` (distinct words dropped), ``retain_total``
            (occurrences of the retained words), ``downsample_unique`` (retained words that
            ``sample`` downsamples), ``downsample_total`` (expected occurrences left after
            downsampling, an int) and ``num_retained_words``. With ``update``, the retained
            words are those of ``raw_vocab`` kept by ``min_count``, new or already known.
        """
        min_count = min_count or self.min_count
        sample = sample or self.sample
        effective_min_count = min_count
        if self.max_final_vocab is not None:
            calc_min_count = vocab.calc_min_count(self.raw_vocab, self.max_final_vocab)
            effective_min_count = max(calc_min_count, min_count)
            self.add_lifecycle_event("prepare_vocab", msg=(
                "max_final_vocab=%d and min_count=%d resulted in calc_min_count=%d, "
                "effective_min_count=%d" % (self.max_final_vocab, min_count, calc_min_count,
                                            effective_min_count)))
        logger.info("Updating model with new vocabulary" if update
                    else "Creating a fresh vocabulary")
        words = vocab.select_words(self.raw_vocab, effective_min_count, trim_rule)
        wv = self.wv
        if update:
            new_words = [w for w in words if w not in wv.key_to_index]
            report_words = new_words + [w for w in words if w in wv.key_to_index]
        else:
            report_words = words
        report = vocab.prepare_report(self.raw_vocab, report_words, sample)
        self._log_vocab_report(report, effective_min_count, sample, len(new_words) if update
                               else None)
        if dry_run:
            return report
        self.effective_min_count = effective_min_count
        if update:
            if not len(wv):
                raise RuntimeError("build_vocab(update=True) needs an existing vocabulary; "
                                   "call build_vocab() first")
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
                                 "occurs %d times): %s" % (effective_min_count, top, remedy))
            self.min_count = int(min_count)
            self.sample = float(sample)
            if self.null_word:
                if words and not isinstance(words[0], str):
                    raise ValueError("null_word adds the str key '\\0', and this vocabulary "
                                     "has int keys: leave null_word=0")
                words.append("\0")
            counts = np.array([self.raw_vocab.get(w, 1) for w in words], dtype=np.int64)
            if self.sorted_vocab:
                order = vocab.descending_frequency_order(counts)
                words = [words[i] for i in order.tolist()]
                counts = counts[order]
            wv.index_to_key = words
            wv.key_to_index = dict(zip(words, range(len(words))))
            wv.expandos = {"count": counts}
        wv._derived_vecattrs = _HuffmanVecattrs(self._huffman_ties) if self.hs else None
        self._tables = None
        if not keep_raw_vocab:
            logger.info("deleting the raw counts dictionary of %i items", len(self.raw_vocab))
            self.raw_vocab = {}
        return report

    def _log_vocab_report(self, report: Mapping[str, int], effective_min_count: int,
                          sample: float, new_words: int | None) -> None:
        """Record ``prepare_vocab``'s report as gensim's lifecycle events and log lines;
        ``new_words``: how many words an update adds (None: a fresh vocabulary)."""
        retained, dropped = report["num_retained_words"], report["drop_unique"]
        unique_total = retained + dropped
        if new_words is not None:
            known = retained - new_words
            msg = ("added %d new unique words (%.2f%% of original %d) and increased the count of "
                   "%d pre-existing words (%.2f%% of original %d)"
                   % (new_words, new_words * 100 / max(unique_total, 1), unique_total, known,
                      known * 100 / max(unique_total, 1), unique_total))
            self.add_lifecycle_event("prepare_vocab", msg=msg)
        else:
            self.add_lifecycle_event("prepare_vocab", msg=(
                "effective_min_count=%d retains %d unique words (%.2f%% of original %d, drops %d)"
                % (effective_min_count, retained, retained * 100 / max(unique_total, 1),
                   unique_total, dropped)))
            retain_total, original_total = report["retain_total"], sum(self.raw_vocab.values())
            self.add_lifecycle_event("prepare_vocab", msg=(
                "effective_min_count=%d leaves %d word corpus (%.2f%% of original %d, drops %d)"
                % (effective_min_count, retain_total, retain_total * 100 / max(original_total, 1),
                   original_total, original_total - retain_total)))
        logger.info("sample=%g downsamples %i most-common words", sample,
                    report["downsample_unique"])
        self.add_lifecycle_event("prepare_vocab", msg="downsampling leaves estimated %d word corpus "
                                 "(%.1f%% of prior %d)" % (
                                     report["downsample_total"],
                                     report["downsample_total"] * 100.0
                                     / max(report["retain_total"], 1), report["retain_total"]))

    def prepare_weights(self, update: bool = False) -> None:
        """Allocate (or, with ``update``, grow) the input and output weight matrices."""
        logger.info("updating layer weights" if update else "resetting layer weights")
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
            self.wv.vectors_lockf = np.ones(n, dtype=np.float32)
        self.wv.norms = None
        if self.negative:
            self.syn1neg = _grow(self.syn1neg if update else None, n, dim)
        if self.hs:
            self.syn1 = _grow(self.syn1 if update else None, n, dim)

    def _training_tables(self) -> _Tables:
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
                "hierarchical_softmax": (losses.HierarchicalSoftmax(counts, self._huffman_ties)
                                         if self.hs else None),
            }
        return self._tables

    @property
    def cum_table(self) -> npt.NDArray[np.uint32] | None:
        """gensim's negative-sampling table: the cumulative ``count ** ns_exponent`` of the
        words, scaled to ``2**31 - 1``, as uint32 (None without negative sampling, as in gensim).

        Computed from the vocabulary on demand, equal to gensim's ``make_cum_table()`` for the
        same counts. fastw2v's kernels draw negatives from an alias table of the same
        distribution instead (see :mod:`fastw2v.losses`), so assigning it changes nothing.
        """
        if not self.negative:
            return None
        counts = self.wv.expandos.get("count")
        if counts is None:
            return np.zeros(0, dtype=np.uint32)
        cached = self._cum_table
        if cached is None or cached[0] is not counts or cached[1] != self.ns_exponent \
                or len(cached[2]) != len(counts):
            self._cum_table = cached = (counts, self.ns_exponent,
                                        vocab.cumulative_table(counts, self.ns_exponent))
        return cached[2]

    @cum_table.setter
    def cum_table(self, table: npt.ArrayLike | None) -> None:
        counts = self.wv.expandos.get("count")
        self._cum_table = None if table is None or counts is None else (
            counts, self.ns_exponent, np.asarray(table, dtype=np.uint32))

    def make_cum_table(self, domain: int = 2**31 - 1) -> None:
        """Compute :attr:`cum_table` (gensim's method), scaled to ``domain``."""
        counts = self.wv.expandos.get("count", np.zeros(0, dtype=np.int64))
        self._cum_table = (counts, self.ns_exponent,
                           vocab.cumulative_table(counts, self.ns_exponent, domain))

    def estimate_memory(self, vocab_size: int | None = None,
                        report: dict[str, int] | None = None) -> dict[str, int]:
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
        logger.info("estimated required memory for %i words and %i dimensions: %i bytes",
                    vocab_size, self.vector_size, report["total"])
        return report

    # ----------------------------------------------------------------- training

    def train(self, corpus_iterable: Corpus | None = None, corpus_file: PathType | None = None,
              total_examples: int | None = None, total_words: int | None = None,
              epochs: int | None = None, start_alpha: float | None = None,
              end_alpha: float | None = None, word_count: int = 0, queue_factor: int = 2,
              report_delay: float = 1.0, compute_loss: bool = False,
              callbacks: Iterable[object] = (), phrases: Phrases | FrozenPhrases | None = None,
              **kwargs: Any) -> tuple[int, int]:
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
        start = time.perf_counter()
        try:
            if phrases is not None:
                _check_corpus_args(corpus_iterable, corpus_file)
                total_words = total_words or self.corpus_total_words  # as for corpus_file
                corpus_iterable, corpus_file = _phrased_corpus_file(corpus_iterable, corpus_file,
                                                                    phrases)
            result = self._train(corpus_iterable, corpus_file, total_examples, total_words, epochs,
                                 start_alpha, end_alpha, report_delay, compute_loss, callbacks)
        finally:
            self._training_thread = None
            self._busy.release()
        elapsed = time.perf_counter() - start
        trained, raw = result
        self.add_lifecycle_event("train", msg="training on %i raw words (%i effective words) "
                                 "took %.1fs, %.0f effective words/s"
                                 % (raw, trained, elapsed, trained / max(elapsed, 1e-9)))
        return result

    _train_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "epochs": [Interval(Integral, 0, None)],
        "total_examples": [None, Interval(Integral, 0, None)],
        "total_words": [None, Interval(Integral, 0, None)],
        "compute_loss": ["boolean"],
        "callbacks": ["iterable"],
    }

    def _train(self, corpus_iterable: Corpus | None, corpus_file: PathType | None,
               total_examples: int | None, total_words: int | None, epochs: int | None,
               start_alpha: float | None, end_alpha: float | None, report_delay: float,
               compute_loss: bool, callbacks: Iterable[object]) -> tuple[int, int]:
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
        first = self.alpha if start_alpha is None else start_alpha
        last = self.min_alpha if end_alpha is None else end_alpha
        check_learning_rates(first, last, "train()", "start_alpha", "end_alpha")
        self._check_finite_weights()
        if corpus_file is not None:
            _check_corpus_file(corpus_file)
            total_words = total_words or self.corpus_total_words
        else:
            assert corpus_iterable is not None  # (_check_corpus_args)
            vocab.check_reiterable(corpus_iterable)
        corpus_iterable, corpus_file = _int_corpus(corpus_iterable, corpus_file)
        feed = training.Feed.for_corpus(corpus_iterable, corpus_file, self.workers)
        self.add_lifecycle_event("train", msg=(
            "training model with %i workers on %i vocabulary and %i features, using sg=%s "
            "hs=%s sample=%s negative=%s window=%s shrink_windows=%s"
            % (self.workers, len(self.wv), self.layer1_size, self.sg, self.hs, self.sample,
               self.negative, self.window, self.shrink_windows)))
        self.compute_loss = bool(compute_loss)
        run = training.Run(self, feed, int(epochs), float(first), float(last), total_examples,
                           total_words, report_delay)
        return run.train(tuple(callbacks))

    def _training_kernel(self) -> _trainer.TrainingKernel:
        """The compiled kernel of one training run: this model's weights, tables and settings."""
        tables = self._training_tables()
        hs = tables["hierarchical_softmax"]
        batched = self.kernel == "batched"
        lockf = self.wv.vectors_lockf
        if not np.isfinite(lockf).all():
            raise ValueError("wv.vectors_lockf holds NaN or infinite values")
        top_nodes, top_sync = (hs.thread_copies(self.workers, batched, bool(self.sg))
                               if hs is not None else (0, 0))
        return _trainer.TrainingKernel(_trainer.KernelConfig(
            syn0=self.wv.vectors, keep_threshold=tables["keep"], sg=self.sg, window=self.window,
            cbow_mean=self.cbow_mean, shrink_windows=self.shrink_windows, batched=batched,
            negative_sampling=tables["negative_sampling"], syn1neg=self.syn1neg,
            hierarchical_softmax=hs, syn1=self.syn1,
            top_nodes=top_nodes, top_sync=top_sync,
            lockf=None if np.all(lockf == 1.0) else np.ascontiguousarray(lockf, np.float32)))

    def _workers(self) -> list[_trainer.WorkerState]:
        """One WorkerState per thread, seeded from ``seed``; kept across ``train()`` calls."""
        if len(self._worker_states) != self.workers:
            seeds = np.random.SeedSequence(self.seed).generate_state(self.workers, np.uint64)
            self._worker_states = [_trainer.WorkerState(self.vector_size, int(s)) for s in seeds]
        return self._worker_states

    @property
    def rng_states(self) -> list[int]:
        """The random generator state of each worker thread (for exact checkpoints)."""
        return [state.rng for state in self._workers()]

    @rng_states.setter
    def rng_states(self, states: Iterable[int]) -> None:
        self._worker_states = [_trainer.WorkerState(self.vector_size, int(s)) for s in states]
        self.workers = len(self._worker_states)

    def save(self, fname_or_handle: PathType, separately: Sequence[str] | None = None,
             sep_limit: int = 10 * 1024**2, ignore: Collection[str] = frozenset(),
             pickle_protocol: int = PICKLE_PROTOCOL) -> None:
        """Save the model with everything needed to continue training (no pickle).

        Parameters
        ----------
        fname_or_handle : str or os.PathLike
            The file to write; an existing file is replaced atomically (an interrupted save
            leaves it intact). ``trim_rule``, ``callbacks`` and ``hashfxn`` are not saved.
            See ``docs/file-format.md``. (gensim also takes an open file; fastw2v needs a
            path, to write atomically.)
        separately, sep_limit, pickle_protocol
            Accepted for gensim compatibility, no effect: see
            :meth:`fastw2v.keyedvectors.KeyedVectors.save`.
        ignore : collection of str
            Attributes not to store, as in gensim: ``"raw_vocab"`` (loaded as ``{}``),
            ``"lifecycle_events"`` (loaded as ``[]``), ``"syn1neg"`` and ``"syn1"`` (the output
            weights: loaded as zeros, with a warning; the vectors can be queried, but
            ``predict_output_word``, ``score`` and further training start from a blank output
            layer). ``cum_table`` and other computed attributes are never stored; naming
            anything else logs a warning and it is stored anyway (it is needed to load the
            model).
        """
        ignored = save_ignored(self, separately, sep_limit, ignore, pickle_protocol,
                               droppable=("raw_vocab", "lifecycle_events", "syn1neg", "syn1"))
        fname = _check_fname(fname_or_handle)
        with self._exclusive("save the model"):
            self.add_lifecycle_event("saving", fname_or_handle=str(fname),
                                     separately=str(separately), sep_limit=sep_limit,
                                     ignore=sorted(ignore))
            meta, arrays = self.to_state(ignore=ignored)
            persistence.write_archive(fname, meta, arrays)

    @classmethod
    def load(cls: type[_W2V], path: PathType, mmap: persistence.MmapMode = None) -> _W2V:
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

    def to_state(self, ignore: Collection[str] = frozenset(),
                 ) -> tuple[persistence.Meta, dict[str, persistence.Member]]:
        """``(meta, arrays)``: what :func:`fastw2v.persistence.save` writes of this model,
        everything needed to continue training (but the attributes named in ``ignore``: see
        :meth:`save`)."""
        arrays: dict[str, persistence.Member] = {}
        meta: persistence.Meta = {"class": "Word2Vec",
                "params": {name: getattr(self, name) for name in self.SAVED_PARAMS},
                "state": {name: getattr(self, name) for name in self.SAVED_STATE},
                "wv": self.wv.describe(arrays, "wv/"),
                "huffman_ties": self._huffman_ties}
        if "lifecycle_events" not in ignore:
            meta["lifecycle_events"] = saved_events(getattr(self, "lifecycle_events", []))
        dropped = sorted({"syn1neg", "syn1"} & set(ignore))
        if dropped:
            meta["ignored"] = dropped
        for name in ("syn1neg", "syn1"):
            array = getattr(self, name)
            arrays[name + ".npy"] = array[:0] if name in ignore else array
        arrays["rng_states.npy"] = np.array(self.rng_states, dtype=np.uint64)
        raw_keys = list(self.raw_vocab) if "raw_vocab" not in ignore else []
        meta["raw_vocab_key_type"] = persistence.key_arrays(raw_keys, "raw_vocab/", arrays)
        arrays["raw_vocab/counts.npy"] = np.array([self.raw_vocab[k] for k in raw_keys], np.int64)
        return meta, arrays

    @classmethod
    def from_state(cls: type[_W2V], reader: persistence.Reader) -> _W2V:
        """The model of an open archive (a ``persistence.ArchiveReader``), built from its
        saved parameters (``SAVED_PARAMS``, nothing else) without a corpus: loading never
        trains and never reads another file. A ValueError names anything invalid: a
        parameter the constructor refuses, an insane training state, an array whose dtype
        or shape disagrees with the vocabulary."""
        if reader.meta.get("class") != "Word2Vec":
            raise WrongModelTypeError(
                "%r holds a %s, not a Word2Vec model; load it with %s.load (gensim: Model of "
                "type %s can't be loaded by %s)" % (
                    reader.path, reader.meta.get("class"), reader.meta.get("class"),
                    reader.meta.get("class"), cls.__name__))
        with reader.invalid_metadata():
            model = cls(**_saved_params(reader.meta["params"], cls.SAVED_PARAMS))
            for name, value in _saved_state(reader.meta["state"], cls.SAVED_STATE).items():
                setattr(model, name, value)
            model.wv = type(model.wv).from_description(reader, reader.meta["wv"], "wv/",
                                                       _FLOAT32, key_types=("str", "int"))
            n, dim = len(model.wv), model.vector_size
            if model.wv.vector_size != dim:
                raise ValueError("wv has vector_size %d, the model %d"
                                 % (model.wv.vector_size, dim))
            counts = model.wv.expandos.get("count")
            if (counts is None and n) or (counts is not None and (
                    counts.dtype.kind not in "iu" or np.any(counts < 0))):
                raise ValueError("a trained model's wv needs a non-negative integer count per "
                                 "word (expando 'count')")
            ignored = reader.meta.get("ignored", [])
            if not isinstance(ignored, list) or not set(ignored) <= {"syn1neg", "syn1"}:
                raise ValueError("ignored must be a list of syn1neg, syn1, got %r" % (ignored,))
            for name, rows in (("syn1neg", n if model.negative else 0), ("syn1", n if model.hs else 0)):
                if name in ignored:
                    reader.array(name + ".npy", _FLOAT32, (0, dim))
                    logger.warning("%r was saved without %s (save(ignore=...)): it is loaded as "
                                   "zeros", reader.path, name)
                    setattr(model, name, np.zeros((rows, dim), dtype=np.float32))
                else:
                    setattr(model, name, reader.array(name + ".npy", _FLOAT32, (rows, dim)))
            model.rng_states = reader.array("rng_states.npy", "u", (model.workers,), mmap=False)
            raw_key_type = reader.meta.get("raw_vocab_key_type", "str")
            if raw_key_type not in ("str", "int"):
                raise ValueError("raw_vocab_key_type must be 'str' or 'int', got %r"
                                 % (raw_key_type,))
            raw_keys = persistence.load_keys(reader, "raw_vocab/", raw_key_type)
            raw_counts = reader.array("raw_vocab/counts.npy", "iu", (len(raw_keys),), mmap=False)
            model.raw_vocab = dict(zip(raw_keys, raw_counts.tolist()))
            model.lifecycle_events = loaded_events(reader.meta.get("lifecycle_events", []))
            ties = reader.meta.get("huffman_ties", "index")  # absent: written before it was
            if ties not in losses.HUFFMAN_TIES:
                raise ValueError("huffman_ties must be one of %s, got %r"
                                 % (losses.HUFFMAN_TIES, ties))
            model._huffman_ties = ties
            model.wv._derived_vecattrs = _HuffmanVecattrs(ties) if model.hs else None
        model.add_lifecycle_event("loaded", fname=reader.path)
        return model

    @contextlib.contextmanager
    def _exclusive(self, action: str) -> Iterator[None]:
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

    def _check_finite_weights(self) -> None:
        """Refuse to train on weights holding NaN or infinity, naming the array and word."""
        for name, array in (("wv.vectors", self.wv.vectors), ("syn1neg", self.syn1neg),
                            ("syn1", self.syn1)):
            step = max(1, (1 << 22) // max(1, array.shape[1] if array.ndim == 2 else 1))
            if all(np.isfinite(array[start:start + step]).all()  # in blocks: no full-size mask
                   for start in range(0, len(array), step)):
                continue
            finite = np.isfinite(array).all(axis=1)
            if not finite.all():
                row = int(np.argmin(finite))
                key = " (key %r)" % (self.wv.index_to_key[row],) if name == "wv.vectors" else ""
                raise ValueError("%s holds NaN or infinite values (%d rows, the first row %d%s): "
                                 "training would spread them to every vector; reset or remove "
                                 "those rows first" % (name, np.count_nonzero(~finite), row, key))

    def _check_writeable(self) -> None:
        for name, array in (("wv.vectors", self.wv.vectors), ("syn1neg", self.syn1neg),
                            ("syn1", self.syn1)):
            if not array.flags.writeable:
                raise ValueError("%s is read-only (loaded with mmap='r'): load the model with "
                                 "mmap=None or mmap='c' to train it" % name)

    def add_lifecycle_event(self, event_name: str,
                            log_level: int | Literal[False] = logging.INFO, **event: Any) -> None:
        """Append an event to ``lifecycle_events``, as gensim does; see
        :meth:`fastw2v.KeyedVectors.add_lifecycle_event`. The model records ``created``,
        ``build_vocab``, ``prepare_vocab``, ``train``, ``saving`` and ``loaded`` events."""
        add_lifecycle_event(self, event_name, log_level, **event)

    def reset_from(self, other_model: Word2Vec) -> None:
        """Borrow ``other_model``'s vocabulary and reset the weights, as gensim does.

        The new ``wv`` shares ``index_to_key``, ``key_to_index`` and the per-word attributes
        (``expandos``) of ``other_model.wv``; ``corpus_count`` and ``corpus_total_words`` are
        copied, and the weights are drawn afresh from ``seed``. As in gensim, neither model
        should then grow its vocabulary, and a per-word attribute set on one changes both.
        """
        if not isinstance(other_model, Word2Vec):
            raise TypeError("other_model must be a Word2Vec model, not %s"
                            % type(other_model).__name__)
        with self._exclusive("reset the model"):
            self.wv = KeyedVectors(self.vector_size)
            self.wv.index_to_key = other_model.wv.index_to_key
            self.wv.key_to_index = other_model.wv.key_to_index
            self.wv.expandos = other_model.wv.expandos
            self.wv.next_index = len(self.wv.index_to_key)
            self.wv._derived_vecattrs = _HuffmanVecattrs(self._huffman_ties) if self.hs else None
            self.corpus_count = other_model.corpus_count
            self.corpus_total_words = other_model.corpus_total_words
            self._tables = None
            self._cum_table = None
            self.prepare_weights(update=False)

    def score(self, sentences: Iterable[Sequence[str]], total_sentences: int = int(1e6),
              chunksize: int = 100, queue_factor: int = 2, report_delay: float = 1,
              ) -> Float32Array:
        """Log probability of each sentence under a hierarchical-softmax model, as gensim.

        gensim's ``score_sentence_sg``/``score_sentence_cbow``: out-of-vocabulary words are
        left out and a sentence is cut after 10,000 known words; each known word's Huffman
        path is predicted from each word of its full ``window`` (skip-gram), or from their
        sum or mean (CBOW), and ``log(sigmoid(+-dot))`` summed (in float32, from gensim's
        1,000-entry table, dots outside (-6, 6) left out). Computed in numpy; the model is
        not changed.

        Parameters
        ----------
        sentences : iterable of list of str
        total_sentences : int
            Score at most this many sentences (the rest are left out with a warning).
        chunksize, queue_factor, report_delay
            Accepted for gensim compatibility (gensim's job queue); no effect.

        Returns
        -------
        numpy.ndarray of float32
            One score per sentence.

        Raises
        ------
        RuntimeError
            No vocabulary, or not a hierarchical-softmax model (``hs=0``), as in gensim.
        """
        logger.info("scoring sentences with %i workers on %i vocabulary and %i features, using "
                    "sg=%s hs=%s sample=%s and negative=%s", self.workers, len(self.wv),
                    self.layer1_size, self.sg, self.hs, self.sample, self.negative)
        if not self.wv.key_to_index:
            raise RuntimeError("you must first build vocabulary before scoring new data")
        if not self.hs:
            raise RuntimeError(
                "We have currently only implemented score for the hierarchical softmax scheme, "
                "so you need to have run word2vec with hs=1 and negative=0 for this to work.")
        if not isinstance(total_sentences, Integral) or total_sentences < 0:
            raise TypeError("total_sentences must be an int >= 0, got %r" % (total_sentences,))
        tables = self._training_tables()["hierarchical_softmax"]
        assert tables is not None  # (hs)
        log_table = _log_sigmoid_table()
        key_to_index = self.wv.key_to_index
        start = time.perf_counter()
        scores: list[np.float32] = []
        for sentence_no, sentence in enumerate(sentences):
            if sentence_no >= total_sentences:
                logger.warning("terminating after %i sentences (set higher total_sentences if "
                               "you want more).", total_sentences)
                break
            if type(sentence) is not list:
                sentence = _words.check_sentence(sentence)
            indexes = [key_to_index[token] for token in sentence if token in key_to_index]
            scores.append(self._score_sentence(
                np.array(indexes[:SCORE_MAX_SENTENCE_LEN], dtype=np.int64), tables, log_table))
        elapsed = time.perf_counter() - start
        self.wv.norms = None
        logger.info("scoring %i sentences took %.1fs, %.0f sentences/s", len(scores), elapsed,
                    len(scores) / max(elapsed, 1e-9))
        return np.array(scores, dtype=np.float32)

    def _score_sentence(self, indexes: npt.NDArray[np.int64], tables: losses.HierarchicalSoftmax,
                        log_table: Float32Array) -> np.float32:
        """gensim's score of one sentence, its known words' ``indexes``; see :meth:`score`."""
        offsets, codes, points = tables.offsets, tables.codes, tables.points
        starts = offsets[indexes]
        lengths = offsets[indexes + 1] - starts
        n = len(indexes)
        window = min(self.window, max(n - 1, 0))
        positions = np.arange(n)
        shifts = np.array([d for d in range(-window, window + 1) if d], dtype=np.int64)
        # (target, context) position pairs, targets in order, each one's contexts in order
        target = np.repeat(positions, len(shifts))
        context = target + np.tile(shifts, n)
        valid = (context >= 0) & (context < n)
        target, context = target[valid], context[valid]
        valid = (lengths[target] > 0) & (lengths[context] > 0)
        target, context = target[valid], context[valid]
        syn0, syn1 = self.wv.vectors, self.syn1
        source: FloatArray
        if self.sg:
            source, rows, paths = syn0, indexes[context], target  # one input row per pair
        else:
            # CBOW: one input per target, its context vectors summed in order, in float32
            paths = np.flatnonzero(lengths > 0)
            neu1 = np.zeros((n, syn0.shape[1]), dtype=np.float32)
            counts = np.zeros(n, dtype=np.float32)
            for shift in shifts:
                use = context - target == shift
                neu1[target[use]] += syn0[indexes[context[use]]]
                counts[target[use]] += np.float32(1.0)
            if self.cbow_mean:
                with np.errstate(divide="ignore"):
                    inverse = np.where(counts > 0.5, np.float32(1.0) / counts, np.float32(0.0))
                neu1 *= inverse.astype(np.float32)[:, np.newaxis]
            source, rows = neu1, paths
        # one term per (input, node on the target's path), in gensim's order
        path_lengths = lengths[paths]
        owner = np.repeat(np.arange(len(paths)), path_lengths)
        step = np.arange(len(owner)) - np.repeat(np.cumsum(path_lengths) - path_lengths,
                                                 path_lengths)
        node = starts[paths][owner] + step
        terms = np.empty(len(owner), dtype=np.float32)
        for lo in range(0, len(owner), _SCORE_TERMS_PER_CHUNK):
            part = slice(lo, lo + _SCORE_TERMS_PER_CHUNK)
            dots = np.einsum("ij,ij->i", source[rows[owner[part]]].astype(np.float64),
                             syn1[points[node[part]]].astype(np.float64)).astype(np.float32)
            dots[codes[node[part]] == 1] *= np.float32(-1.0)
            terms[part] = dots
        inside = (terms > -_MAX_EXP) & (terms < _MAX_EXP)
        # gensim's <int>((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2)): Cython folds the
        # constants in integer arithmetic (83, as word2vec.c), so it is all float32
        slots = ((terms[inside] + np.float32(_MAX_EXP))
                 * np.float32(_EXP_TABLE_SIZE // _MAX_EXP // 2)).astype(np.int64)
        values = log_table[slots]
        return np.float32(np.cumsum(values, dtype=np.float32)[-1] if len(values) else 0.0)

    def get_latest_training_loss(self) -> float:
        """Loss summed over the epochs of the latest ``train()`` call (``compute_loss=True``)."""
        return self.running_training_loss

    # ----------------------------------------------------------------- queries

    def predict_output_word(self, context_words_list: Iterable[Key],
                            topn: int = 10) -> list[tuple[Key, float]] | None:
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


def _saved_params(params: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The constructor arguments saved in ``params``: exactly ``names`` (their values are
    checked by the constructor)."""
    persistence.check_object(params, "params")
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ValueError("unknown parameter %r in params (a fastw2v file holds only %s)"
                         % (unknown[0], ", ".join(names)))
    return {name: params[name] for name in names}


def _saved_state(state: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The training state saved in ``state``: exactly ``names``, every value checked."""
    integer, number = persistence.integer, persistence.number
    persistence.check_object(state, "state")
    unknown = sorted(set(state) - set(names))
    if unknown:
        raise ValueError("unknown field %r in state" % unknown[0])
    checked: dict[str, Any] = {name: integer(state[name], name) for name in (
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


def _saved_run(run: Any) -> training.TrainState | None:
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


def _grow(matrix: Float32Array | None, rows: int, dim: int) -> Float32Array:
    grown = np.zeros((rows, dim), dtype=np.float32)
    if matrix is not None and len(matrix):
        grown[:len(matrix)] = matrix
    return grown


def _check_corpus_args(corpus_iterable: object, corpus_file: object) -> None:
    if (corpus_iterable is None) == (corpus_file is None):
        raise TypeError("pass exactly one of corpus_iterable (sentences) or corpus_file")


def _phrased_corpus_file(corpus_iterable: Corpus | None, corpus_file: PathType | None,
                         phrases: Phrases | FrozenPhrases | None,
                         ) -> tuple[Corpus | None, PathType | None]:
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


def _int_corpus(corpus_iterable: Corpus | None, corpus_file: PathType | None,
                ) -> tuple[Sentences | sequences.IntSequences | None, PathType | None]:
    """``(corpus_iterable, corpus_file)`` with a corpus of integer ids (an array, a list of
    arrays or of lists of ints, or a ``.npy`` file of walks, memory-mapped) as one
    :class:`~fastw2v.sequences.IntSequences`, any other corpus as it is."""
    if corpus_file is not None and os.fspath(corpus_file).endswith(".npy"):
        walks = np.load(_check_corpus_file(corpus_file), mmap_mode="r", allow_pickle=False)
        return sequences.IntSequences(walks), None
    if corpus_iterable is not None:
        ints = sequences.as_int_corpus(corpus_iterable)
        if ints is not None:
            return ints, None
    return cast("Sentences | None", corpus_iterable), corpus_file  # (not integer ids)


def _check_corpus_file(path: PathType) -> str:
    path = os.fspath(path)
    if "://" not in path and not os.path.isfile(path):
        raise FileNotFoundError("corpus_file %r does not exist or is not a file" % path)
    return path
