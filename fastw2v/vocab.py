"""Vocabulary: counting words, choosing the vocabulary, and its subsampling thresholds.

Everything here follows gensim 4's ``Word2Vec`` semantics: ``min_count``, ``max_vocab_size``
pruning, ``max_final_vocab``, ``trim_rule``, ``sorted_vocab`` and frequent-word subsampling.
The tables the losses draw from (alias table, Huffman codes) are in :mod:`fastw2v.losses`.
"""
from __future__ import annotations

import logging
import types
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fastw2v import _words, threads
from fastw2v._types import TrimRule

logger = logging.getLogger(__name__)

RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2
SCAN_BATCH_WORDS = 1 << 16  # words a batch handed to the counting thread


def check_reiterable(corpus: Iterable[Any], name: str = "corpus_iterable") -> None:
    """Raise TypeError when ``corpus`` can be iterated only once (a generator or iterator)."""
    if isinstance(corpus, types.GeneratorType) or iter(corpus) is corpus:
        raise TypeError(
            "%s is a one-shot %s, but training needs several passes over the corpus (one to "
            "build the vocabulary and one per epoch). Pass a restartable iterable instead: a "
            "list, a fastw2v.corpora reader such as LineSentence, or a class whose __iter__ "
            "returns a fresh generator." % (name, type(corpus).__name__))


def unencodable_token_error(err: UnicodeEncodeError) -> ValueError:
    """The ValueError to raise for a token that cannot be stored as UTF-8 (a lone surrogate).

    Parameters
    ----------
    err : UnicodeEncodeError
        Raised while encoding the token (``err.object``).
    """
    return ValueError("token %r cannot be encoded as UTF-8 (%s at position %d); clean the "
                      "corpus, or decode it with errors='replace' rather than 'surrogateescape'"
                      % (err.object, err.reason, err.start))


def _counting(add: Callable[[Any], None], sentences: Any) -> None:
    """``add(sentences)`` (a WordCounter method), a token that is not UTF-8 text a ValueError."""
    try:
        add(sentences)
    except UnicodeEncodeError as err:
        raise unencodable_token_error(err) from None


def keep_vocab_item(word: Hashable, count: int, min_count: int,
                    trim_rule: TrimRule | None = None) -> bool:
    """Whether ``word`` stays in the vocabulary (gensim's ``utils.keep_vocab_item``)."""
    default = count >= min_count
    if trim_rule is None:
        return default
    rule = trim_rule(word, count, min_count)
    if rule == RULE_KEEP:
        return True
    if rule == RULE_DISCARD:
        return False
    return default


def prune_counts(counts: dict[str, int], min_reduce: int,
                 trim_rule: TrimRule | None = None) -> None:
    """Drop words with count < ``min_reduce`` (gensim's ``utils.prune_vocab``), in place."""
    for word in [w for w, c in counts.items() if not keep_vocab_item(w, c, min_reduce, trim_rule)]:
        del counts[word]


def scan_iterable(corpus: Iterable[Sequence[str]], max_vocab_size: int | None = None,
                  trim_rule: TrimRule | None = None,
                  progress_per: int = 10000) -> tuple[dict[str, int], int, int]:
    """Count the words of an iterable of sentences.

    fastw2v's readers, which describe their text with ``compiled_source()``, are counted in
    compiled code (with their phrases, unless pruning; pruning with a ``trim_rule`` is done
    in Python).

    Returns
    -------
    (dict, int, int)
        ``{word: count}``, the number of sentences and the number of words.

    Raises
    ------
    ValueError
        A token cannot be encoded as UTF-8 (it holds a lone surrogate such as ``'\\ud800'``).
    """
    source = getattr(corpus, "compiled_source", lambda: None)()
    if source is not None and (not max_vocab_size
                               or (trim_rule is None and source.phrases is None)):
        return source.count(max_vocab_size, _Progress(progress_per))
    counter = _words.WordCounter()
    if max_vocab_size:
        _count_pruning(counter, corpus, max_vocab_size, trim_rule, progress_per)
    else:
        _count_pipelined(counter, corpus, progress_per)
    return counter.as_dict(), counter.sentences, counter.total_words


def _warn_plain_string(sentence: object) -> None:
    """gensim's warning when the first sentence is a str (before fastw2v refuses it)."""
    if isinstance(sentence, str):
        logger.warning("Each 'sentences' item should be a list of words (usually unicode "
                       "strings). First item here is instead plain %s.", type(sentence))


class _Progress:
    """gensim's scan progress line, logged at sentence #0 and then whenever the sentences
    read pass another multiple of ``progress_per`` (0: never)."""

    def __init__(self, progress_per: int) -> None:
        self.progress_per, self.next = progress_per, 0

    def __call__(self, sentences: int, words: int, word_types: int) -> None:
        if self.progress_per and sentences >= self.next:
            logger.info("PROGRESS: at sentence #%i, processed %i words, keeping %i word types",
                        sentences, words, word_types)
            self.next = (sentences // self.progress_per + 1) * self.progress_per


def _count_pipelined(counter: _words.WordCounter, corpus: Iterable[Sequence[str]],
                     progress_per: int) -> None:
    """Count batches in a second thread (without the GIL) while this one reads the next."""
    progress = _Progress(progress_per)
    def count(batch: list[list[str]]) -> None:
        _counting(counter.add_batch, batch)

    with threads.Overlap(count, "fastw2v-count") as overlap:
        batch: list[list[str]] = []
        batch_words = 0
        for sentence_no, sentence in enumerate(corpus):
            if progress_per and sentence_no % progress_per == 0:
                progress(sentence_no, counter.total_words, len(counter))
            if type(sentence) is not list:
                if sentence_no == 0:
                    _warn_plain_string(sentence)
                sentence = _words.check_sentence(sentence)
            batch.append(sentence)
            batch_words += len(sentence)
            if batch_words >= SCAN_BATCH_WORDS:
                overlap.submit(batch)
                batch, batch_words = [], 0
        overlap.submit(batch)


def _count_pruning(counter: _words.WordCounter, corpus: Iterable[Sequence[str]],
                   max_vocab_size: int, trim_rule: TrimRule | None, progress_per: int) -> None:
    """Count sentence by sentence, pruning as gensim does whenever the vocabulary grows
    past ``max_vocab_size``."""
    min_reduce, progress = 1, _Progress(progress_per)
    for sentence_no, sentence in enumerate(corpus):
        if progress_per and sentence_no % progress_per == 0:
            progress(sentence_no, counter.total_words, len(counter))
        if sentence_no == 0:
            _warn_plain_string(sentence)
        _counting(counter.add_sentence, sentence)
        if len(counter) > max_vocab_size:
            if trim_rule is None:
                counter.prune(min_reduce)
            else:
                counts = counter.as_dict()
                prune_counts(counts, min_reduce, trim_rule)
                counter.replace(counts)
            min_reduce += 1


def calc_min_count(raw_counts: Mapping[Any, int], max_final_vocab: int) -> int:
    """gensim's ``calc_min_count``: the smallest count that keeps the vocabulary within
    ``max_final_vocab`` words (1 when every word fits); the effective ``min_count`` is the
    larger of it and ``min_count``."""
    if max_final_vocab >= len(raw_counts):
        return 1
    ordered = sorted(raw_counts.values(), reverse=True)
    return ordered[max_final_vocab] + 1


def select_words(raw_counts: Mapping[Any, int], min_count: int,
                 trim_rule: TrimRule | None = None) -> list[Any]:
    """The words (in first-seen order) that survive ``min_count`` and ``trim_rule``."""
    if trim_rule is None:
        return [w for w, c in raw_counts.items() if c >= min_count]
    return [w for w, c in raw_counts.items() if keep_vocab_item(w, c, min_count, trim_rule)]


def descending_frequency_order(counts: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Permutation sorting by descending count, ties as gensim breaks them."""
    values = np.asarray(counts, dtype=np.int64)
    return np.lexsort((-np.arange(len(values)), -values))


def keep_thresholds(counts: npt.ArrayLike, sample: float) -> npt.NDArray[np.uint64]:
    """Subsampling thresholds: word ``w`` is kept when a 32-bit random number is below ``t[w]``.

    The keep probability is word2vec.c's ``(sqrt(f / (s*N)) + 1) * (s*N) / f``, capped at 1.
    """
    values = np.asarray(counts, dtype=np.float64)
    total = values.sum()
    if not sample:
        threshold_count = total
    elif sample < 1.0:
        threshold_count = sample * total
    else:
        threshold_count = np.floor(sample * (3 + np.sqrt(5)) / 2)  # gensim's int(), inf-safe
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(values / threshold_count) + 1) * (threshold_count / values)
    keep = np.minimum(np.nan_to_num(keep, nan=1.0, posinf=1.0), 1.0)
    return np.round(keep * 2.0 ** 32).astype(np.uint64)


def prepare_report(raw_counts: Mapping[Any, int], retained: Sequence[Any],
                   sample: float) -> dict[str, int]:
    """gensim's ``prepare_vocab`` report for keeping the words ``retained`` of ``raw_counts``.

    Parameters
    ----------
    raw_counts : dict of str -> int
    retained : list of str
        The words kept, in the order gensim visits them (their ``downsample_total`` is a
        float sum, accumulated in that order as gensim does).
    sample : float
        The subsampling threshold.

    Returns
    -------
    dict
        ``drop_unique``, ``retain_total``, ``downsample_unique``, ``downsample_total`` (int)
        and ``num_retained_words``, with gensim's values.
    """
    counts = np.fromiter((raw_counts[w] for w in retained), dtype=np.int64, count=len(retained))
    retain_total = int(counts.sum())
    threshold_count: float
    if not sample:
        threshold_count = retain_total
    elif sample < 1.0:
        threshold_count = sample * retain_total
    else:
        with np.errstate(over="ignore"):
            threshold_count = sample * (3 + np.sqrt(5)) / 2
        # gensim's int() (which overflows where this keeps every word, as keep_thresholds)
        threshold_count = int(threshold_count) if np.isfinite(threshold_count) else np.inf
    downsample_total = 0
    downsample_unique = 0
    if len(counts):
        v = counts.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            probability = (np.sqrt(v / threshold_count) + 1) * (threshold_count / v)
        downsampled = probability < 1.0
        downsample_unique = int(np.count_nonzero(downsampled))
        terms = np.where(downsampled, probability * v, v)
        downsample_total = np.cumsum(terms)[-1]  # in order, as gensim's loop adds them
    return {"drop_unique": len(raw_counts) - len(retained), "retain_total": retain_total,
            "downsample_unique": downsample_unique, "downsample_total": int(downsample_total),
            "num_retained_words": len(retained)}


def cumulative_table(counts: npt.ArrayLike, ns_exponent: float = 0.75,
                     domain: int = 2**31 - 1) -> npt.NDArray[np.uint32]:
    """gensim's ``make_cum_table``: cumulative ``count ** ns_exponent``, scaled to ``domain``.

    Sums are accumulated in order and rounded half to even, as gensim's loop does, so the
    table equals gensim's for the same counts.

    Returns
    -------
    numpy.ndarray of uint32
    """
    powers = np.asarray(counts, dtype=np.int64) ** float(ns_exponent)
    if not len(powers):
        return np.zeros(0, dtype=np.uint32)
    cumulative = np.cumsum(powers.astype(np.float64))
    return np.round(cumulative / cumulative[-1] * domain).astype(np.uint32)
