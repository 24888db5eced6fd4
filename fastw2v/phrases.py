"""Collocation detection ("new_york", "bank_of_america") with gensim 4's ``Phrases`` API.

Counting (``fastw2v._phrase_counts``) and applying (``fastw2v._phrase_apply``) run in compiled
code over interned tokens (``fastw2v._phrase_lexicon``); the policy is here: the scoring
formulas, gensim's rule for which keys are phrases, the learning loop, the checks of saved
arrays. The results are gensim's: the same vocabulary counts, pruning, phrases and scores for
the same corpus and parameters.

Examples
--------
>>> from fastw2v.phrases import Phrases, ENGLISH_CONNECTOR_WORDS
>>> sentences = [["the", "bank", "of", "america", "said"], ["bank", "of", "america", "rates"]]
>>> bigram = Phrases(sentences, min_count=1, threshold=1, connector_words=ENGLISH_CONNECTOR_WORDS)
>>> bigram[["bank", "of", "america"]]
['bank_of_america']
>>> frozen = bigram.freeze()  # only the phrases: smaller and faster
"""
from __future__ import annotations

import abc
import itertools
import logging
import numbers
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from inspect import getfullargspec
from math import log
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from fastw2v import _phrase_apply, _phrase_counts, _phrase_lexicon, gensim_import, persistence, threads
from fastw2v._types import PathType, Sentences

if TYPE_CHECKING:
    from fastw2v.corpora import CompiledSource

#: A scoring function with gensim's signature: ``scorer(worda_count, wordb_count, bigram_count,
#: len_vocab, min_count, corpus_word_count)`` (called with keywords), the candidate's score.
Scorer = Callable[..., float]

logger = logging.getLogger(__name__)

NEGATIVE_INFINITY = float("-inf")

#: Words that may sit inside a phrase but never start or end one (gensim's list).
ENGLISH_CONNECTOR_WORDS = frozenset(
    " a an the "  # articles
    " for of with without at from to in on by "  # prepositions
    " and or "  # conjunctions
    .split()
)

_INT32, _INT64, _FLOAT64 = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float64)
_SCORING_PARAMS = ["worda_count", "wordb_count", "bigram_count", "len_vocab", "min_count",
                   "corpus_word_count"]


def original_scorer(worda_count: int, wordb_count: int, bigram_count: int, len_vocab: int,
                    min_count: float, corpus_word_count: int) -> float:
    """Score of word2phrase (Mikolov et al., 2013): ``(bigram - min_count) / (a * b) * len_vocab``.

    Returns
    -------
    float
        The score, ``-inf`` when a word count is zero.
    """
    denom = worda_count * wordb_count
    if denom == 0:
        return NEGATIVE_INFINITY
    return (bigram_count - min_count) / float(denom) * len_vocab


def npmi_scorer(worda_count: int, wordb_count: int, bigram_count: int, len_vocab: int,
                min_count: float, corpus_word_count: int) -> float:
    """Normalized pointwise mutual information (Bouma, 2009), in ``[-1, 1]``.

    Returns
    -------
    float
        ``ln(p(a, b) / (p(a) p(b))) / -ln(p(a, b))``, or ``-inf`` when
        ``bigram_count < min_count``.
    """
    if bigram_count < min_count:
        return NEGATIVE_INFINITY
    words = float(corpus_word_count)
    pa = worda_count / words
    pb = wordb_count / words
    pab = bigram_count / words
    try:
        return log(pab / (pa * pb)) / -log(pab)
    except ValueError:  # a zero count: never a phrase
        return NEGATIVE_INFINITY


_NAMED_SCORERS: dict[str, Scorer] = {"default": original_scorer, "npmi": npmi_scorer}
#: The scorers whose formula ``_phrase_counts.score_counts`` computes in compiled code.
_SCORER_KINDS: dict[Scorer, int] = {original_scorer: _phrase_counts.SCORE_DEFAULT,
                                    npmi_scorer: _phrase_counts.SCORE_NPMI}
_CANDIDATES_PER_CHUNK = 1 << 16


def _scores(scoring: Scorer, worda_counts: npt.NDArray[np.int64],
            wordb_counts: npt.NDArray[np.int64], bigram_counts: npt.NDArray[np.int64],
            len_vocab: int, min_count: float, corpus_word_count: int) -> npt.NDArray[np.float64]:
    """``scoring`` of each candidate of the given counts (int64 arrays), as float64.

    The named scorers are computed by their compiled copy (``_phrase_counts.score_counts``,
    checked against these formulas by the tests); any other is called once per candidate.
    """
    kind = _SCORER_KINDS.get(scoring)
    if kind is not None:
        scores = np.empty(len(bigram_counts))
        _phrase_counts.score_all(kind, worda_counts, wordb_counts, bigram_counts, len_vocab,
                                 min_count, corpus_word_count, scores)
        return scores
    return np.array([float(scoring(worda_count=a, wordb_count=b, bigram_count=ab,
                                   len_vocab=len_vocab, min_count=min_count,
                                   corpus_word_count=corpus_word_count))
                     for a, b, ab in zip(worda_counts.tolist(), wordb_counts.tolist(),
                                         bigram_counts.tolist())], np.float64)


def _find_phrases(counts: _phrase_counts.PhraseCounts, scoring: Scorer, threshold: float,
                  min_count: float, corpus_word_count: int) -> _phrase_apply.PhraseTable:
    """The phrases among the n-gram keys of ``counts``, as gensim's ``export_phrases`` finds
    them: a key is a phrase if its first and its last atom were counted as words and its
    score from those two counts and its own is not at most ``threshold`` (so NaN is a phrase).

    Returns
    -------
    _phrase_apply.PhraseTable
        The phrases with their scores, over the lexicon of ``counts``.
    """
    phrases = _phrase_apply.PhraseTable(counts.lexicon)
    version, start, len_vocab = counts.version, 0, len(counts)
    slots, first, last, count = (np.empty(_CANDIDATES_PER_CHUNK, np.int64) for _ in range(4))
    while True:
        n, start = counts.candidates(start, slots, first, last, count)
        if not n:
            return phrases
        ends = (first[:n] > 0) & (last[:n] > 0)
        scores = _scores(scoring, first[:n][ends], last[:n][ends], count[:n][ends], len_vocab,
                         min_count, corpus_word_count)
        selected = ~(scores <= threshold)
        # (a Python scorer could have changed the counts: add_phrases checks the version)
        counts.add_phrases(phrases, version, slots[:n][ends][selected], scores[selected])


def _learn(counts: _phrase_counts.PhraseCounts, sentences: Iterable[Sequence[str]],
           max_vocab_size: int, log_progress: Callable[[int, int, int], None],
           ) -> tuple[int, int, int]:
    """Count a corpus into the empty ``counts`` as gensim's ``_learn_vocab``, pruning whenever
    they grow beyond ``max_vocab_size`` keys.

    Sentences are interned in batches; each batch is counted without the GIL on a helper
    thread while the next one is interned.

    Returns
    -------
    (int, int, int)
        ``min_reduce`` (the next pruning threshold), the number of words, of sentences.
    """
    batch, counted = _phrase_lexicon.Tokens(), _phrase_lexicon.Tokens()
    remaining: Iterator[Any] = iter(sentences)
    total_words, n_sentences = 0, 0
    counts.start_learning(max_vocab_size)

    def count(batch: _phrase_lexicon.Tokens) -> None:
        counts.count_prepared(batch)
        counts.finish_batch(batch)  # (empties it for the next fill)

    with threads.Overlap(count, "fastw2v-phrases-count") as overlap:
        while True:
            more = counts.fill(batch, remaining)
            overlap.wait()  # the other batch is counted: the counts may grow for this one
            n_sentences += batch.sentences
            log_progress(n_sentences, total_words, len(counts))
            total_words += batch.words
            counts.prepare_batch(batch)
            overlap.submit(batch)
            if not more:
                break
            batch, counted = counted, batch
    return counts.min_reduce, total_words, n_sentences


def _check_keys(n_words: int, lengths: npt.NDArray[np.int32], atoms: npt.NDArray[np.int32],
                n_values: int) -> None:
    """A ValueError unless ``lengths`` and ``atoms`` (int32 arrays) are the keys of a saved
    model over ``n_words`` words, with ``n_values`` values: each key's length (at least 2),
    then all their atoms one after the other, each an index into the words. (A duplicate key
    is found while loading.)"""
    if n_values != len(lengths):
        raise ValueError(f"{len(lengths)} keys but {n_values} values")
    short = np.flatnonzero(lengths < 2)
    if short.size:
        raise ValueError(f"key {short[0]} has an invalid length {lengths[short[0]]}")
    total = int(lengths.sum(dtype=np.int64))
    if total != len(atoms):
        raise ValueError(f"{len(atoms)} atoms stored, the keys have {total}")
    wrong = np.flatnonzero((atoms < 0) | (atoms >= n_words))
    if wrong.size:
        raise ValueError(f"an atom out of range: {atoms[wrong[0]]}")


def _resolve_scoring(scoring: str | Scorer) -> Scorer:
    """The scoring function for ``scoring`` (a name or a function with gensim's signature)."""
    if isinstance(scoring, str):
        if scoring not in _NAMED_SCORERS:
            raise ValueError(f"unknown scoring method string {scoring} specified")
        return _NAMED_SCORERS[scoring]
    if not callable(scoring):
        raise TypeError(f"scoring must be 'default', 'npmi' or a function, not {scoring!r}")
    missing = [param for param in _SCORING_PARAMS if param not in getfullargspec(scoring).args]
    if missing:
        raise ValueError(f"scoring function missing expected parameters {missing}")
    return scoring


def _scoring_name(scoring: Scorer | None) -> str | dict[str, str | None]:
    for name, function in _NAMED_SCORERS.items():
        if scoring is function:
            return name
    if scoring is None:  # a FrozenPhrases loaded without its custom scorer
        return {"custom": None}
    return {"custom": f"{getattr(scoring, '__module__', '?')}.{getattr(scoring, '__qualname__', '?')}"}


def _saved_scoring(saved: Any) -> Scorer | None:
    """The scoring function recorded by ``_scoring_name``; None for a custom one."""
    if isinstance(saved, dict) and "custom" in saved:
        return None
    if saved not in _NAMED_SCORERS:
        raise ValueError(f"unknown scoring {saved!r}")
    return _NAMED_SCORERS[saved]


def _check_connector_words(connector_words: Iterable[str]) -> frozenset[str]:
    if isinstance(connector_words, (str, bytes)):
        raise TypeError("connector_words must be a collection of str, not a single string")
    words = frozenset(connector_words)
    wrong = [word for word in words if not isinstance(word, str)]
    if wrong:
        raise TypeError(f"connector_words must all be str, found {wrong[0]!r}")
    return words


def _check_delimiter(delimiter: str) -> str:
    if not isinstance(delimiter, str) or not delimiter:
        raise ValueError(f"delimiter must be a non-empty str, not {delimiter!r}")
    return delimiter


def _check_corpus(sentences: object) -> None:
    if isinstance(sentences, (str, bytes)):
        raise TypeError("sentences must be an iterable of lists of str (e.g. Text8Corpus(path) "
                        "or LineSentence(path)), not a string")


def _is_single(obj: Iterable[Any]) -> tuple[bool, Iterable[Any]]:
    """``(True, sentence)`` if ``obj`` is one sentence, ``(False, corpus)`` if a corpus.

    As gensim: an empty iterable or one whose first item is a str is a sentence; the peeked
    item is put back in front of a one-shot iterator.
    """
    obj_iter = iter(obj)
    try:
        peek = next(obj_iter)
    except StopIteration:
        return True, obj
    chained = itertools.chain([peek], obj_iter)
    if isinstance(peek, str):
        return True, chained
    return False, chained if obj_iter is obj else obj


class _PhrasedCorpus:
    """``model[corpus]``: each sentence of ``corpus`` with its phrases joined, computed lazily.

    Iterable as often as ``corpus`` is.
    """

    def __init__(self, model: _PhrasesTransformation, corpus: Iterable[Sequence[str]]) -> None:
        self.model, self.corpus = model, corpus

    def __iter__(self) -> Iterator[list[str]]:
        apply = self.model._compiled().apply
        for sentence in self.corpus:
            yield apply(sentence, False)[0]

    def __len__(self) -> int:
        return len(self.corpus)  # type: ignore[arg-type]  # (TypeError for a corpus without)

    def compiled_source(self) -> CompiledSource | None:
        """How compiled code reads this corpus: the inner reader's text with this model's
        phrases joined as it is read (a :class:`fastw2v.corpora.CompiledSource`), or None
        when the inner corpus is read in Python (or is itself phrased)."""
        source = getattr(self.corpus, "compiled_source", lambda: None)()
        if source is None or source.phrases is not None:
            return None
        return source.with_phrases(self.model)


class _PhrasesTransformation(abc.ABC):
    """What ``Phrases`` and ``FrozenPhrases`` share: applying, finding phrases, saving."""

    min_count: float
    threshold: float
    scoring: Scorer | None  # (None: a FrozenPhrases loaded without its custom scorer)
    _compiled_model: _phrase_counts.PhraseCounts | _phrase_apply.PhraseTable

    @abc.abstractmethod
    def _compiled(self) -> _phrase_apply.Detector:
        """The compiled model, set up to apply this model's phrases."""

    @staticmethod
    @abc.abstractmethod
    def _export_values(compiled: Any, n_words: int, lengths: npt.NDArray[np.int32],
                       atoms: npt.NDArray[np.int32], arrays: dict[str, persistence.Member],
                       ) -> None:
        """Add the arrays of the values of the keys (counts or scores) to ``arrays``."""

    @classmethod
    @abc.abstractmethod
    def _from_arrays(cls, reader: persistence.Reader, params: dict[str, Any],
                     scoring: Scorer | None, words: list[str], sizes: dict[str, int],
                     lengths: npt.NDArray[np.int32],
                     atoms: npt.NDArray[np.int32]) -> Phrases | FrozenPhrases:
        """The model of a saved file: its parameters, words and keys (checked here)."""

    @property
    def connector_words(self) -> frozenset[str]:
        """frozenset of str: words allowed inside a phrase but not at its ends."""
        return self._compiled_model.lexicon.connector_words

    @property
    def delimiter(self) -> str:
        """str: the glue between the tokens of a phrase."""
        return self._compiled_model.lexicon.delimiter

    def score_candidate(self, word_a: str, word_b: str, in_between: Iterable[str],
                        ) -> tuple[str, float] | tuple[None, None]:
        """Score the candidate phrase ``word_a, *in_between, word_b``.

        Returns
        -------
        (str, float) or (None, None)
            The joined phrase and its score, or ``(None, None)`` if it is not a phrase.
        """
        tokens = [word_a, *in_between, word_b]
        score = self._compiled().score_tokens(tokens)
        if score is None:
            return None, None
        return self.delimiter.join(tokens), score

    def analyze_sentence(self, sentence: Iterable[str]) -> Iterator[tuple[str, float | None]]:
        """Join the phrases of ``sentence`` (a list of str).

        Returns
        -------
        iterator of (str, float or None)
            Each output token with its score, None for tokens that are not phrases.
        """
        tokens, scores = self._compiled().apply(sentence, True)
        return zip(tokens, scores or [])

    @overload
    def __getitem__(self, sentence: Sequence[str]) -> list[str]:  # type: ignore[overload-overlap]
        ...

    @overload
    def __getitem__(self, sentence: Iterable[Sequence[str]]) -> Iterable[list[str]]: ...

    def __getitem__(self, sentence: Iterable[Any]) -> list[str] | Iterable[list[str]]:
        """Join phrases: a list of str for one sentence, a lazy re-iterable for a corpus."""
        if isinstance(sentence, (str, bytes)):
            raise TypeError("expected a sentence (list of str tokens) or a corpus of them, "
                            f"not {type(sentence).__name__} {sentence[:50]!r}")
        is_single, sentence = _is_single(sentence)
        if not is_single:
            return _PhrasedCorpus(self, sentence)
        return self._compiled().apply(sentence, False)[0]

    def find_phrases(self, sentences: Sentences) -> dict[str, float]:
        """The phrases that occur in ``sentences``, mapped to their scores.

        Returns
        -------
        dict of (str, float)
        """
        _check_corpus(sentences)
        apply = self._compiled().apply
        result: dict[str, float] = {}
        for sentence in sentences:
            tokens, scores = apply(sentence, True)
            for token, score in zip(tokens, scores or []):
                if score is not None:
                    result[token] = score
        return result

    # -- saving

    def _params(self) -> dict[str, Any]:
        return {"min_count": self.min_count, "threshold": self.threshold,
                "delimiter": self.delimiter, "scoring": _scoring_name(self.scoring),
                "connector_words": sorted(self.connector_words)}

    def save(self, path: PathType) -> None:
        """Write the model to ``path`` in fastw2v's file format (no pickle), atomically.

        The layout is described in ``docs/phrases.md``. A custom scoring function is recorded
        by name only; pass it again to ``load``.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (replaced atomically if it exists); not a compressed name such
            as ``.gz``.
        """
        compiled = self._compiled_model
        n_words, n_keys, n_atoms = compiled.array_sizes()
        arrays: dict[str, persistence.Member] = {}
        persistence.key_arrays(compiled.lexicon.words, "words/", arrays)
        lengths, atoms = np.empty(n_keys, np.int32), np.empty(n_atoms, np.int32)
        arrays.update({"keys/lengths.npy": lengths, "keys/atoms.npy": atoms})
        self._export_values(compiled, n_words, lengths, atoms, arrays)
        meta = {"class": type(self).__name__, "params": self._params(),
                "sizes": {"words": n_words, "keys": n_keys, "atoms": n_atoms}}
        persistence.write_archive(path, meta, arrays)

    @classmethod
    def load(cls, path: PathType, scoring: str | Scorer | None = None) -> Phrases | FrozenPhrases:
        """Load a model written by ``save``: a ``Phrases`` or ``FrozenPhrases``, whichever it is.

        Parameters
        ----------
        path : str or os.PathLike
            The file.
        scoring : callable, optional
            The scoring function, needed when the model was saved with a custom one.

        Returns
        -------
        Phrases or FrozenPhrases

        Raises
        ------
        ValueError
            If the file is not a complete fastw2v phrases file of a version this fastw2v reads,
            or a custom scoring function is needed and not given.
        """
        if gensim_import.is_gensim_file(path):
            loaded: Phrases | FrozenPhrases = gensim_import.load(cls, path, scoring=scoring)
            return loaded
        scorer = _resolve_scoring(scoring) if scoring is not None else None
        with persistence.ArchiveReader(path, None) as reader:
            kind = reader.meta.get("class")
            classes: dict[str, type[Phrases] | type[FrozenPhrases]] = {
                "Phrases": Phrases, "FrozenPhrases": FrozenPhrases}
            model_class = classes.get(kind) if isinstance(kind, str) else None
            if model_class is None:
                raise ValueError(f"{reader.path!r} holds a {kind}, not a phrase model")
            with reader.invalid_metadata():
                params, sizes = reader.meta["params"], reader.meta["sizes"]
                if scorer is None:
                    scorer = _saved_scoring(params["scoring"])
                words = persistence.load_keys(reader, "words/")
                if len(words) != sizes["words"]:
                    raise ValueError(f"{len(words)} words stored, {sizes['words']} described")
                arrays = [reader.array("keys/lengths.npy", _INT32, (sizes["keys"],), mmap=False),
                          reader.array("keys/atoms.npy", _INT32, (sizes["atoms"],), mmap=False)]
                return model_class._from_arrays(reader, params, scorer, words, sizes, *arrays)


def _number(value: Any, name: str, kind: type = numbers.Real) -> Any:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be a {'int' if kind is numbers.Integral else 'number'}, "
                        f"not {value!r}")
    return value


class Phrases(_PhrasesTransformation):
    """Detect phrases by counting words and n-grams (gensim 4's ``Phrases``).

    Parameters
    ----------
    sentences : iterable of list of str, optional
        Corpus to learn from (may be re-iterated or a one-shot generator).
    min_count : float
        Ignore words and bigrams with a total count below this.
    threshold : float
        A candidate is a phrase if its score is above this.
    max_vocab_size : int
        Prune the rarest keys whenever the vocabulary grows beyond this many.
    delimiter : str
        Glue between the tokens of a phrase.
    progress_per : int
        Kept for gensim compatibility; progress is logged per counted batch.
    scoring : {'default', 'npmi'} or callable
        ``'default'`` (word2phrase), ``'npmi'``, or a function taking ``worda_count,
        wordb_count, bigram_count, len_vocab, min_count, corpus_word_count``.
    connector_words : set of str
        Words that may sit inside a phrase but never start or end one, such as
        ``ENGLISH_CONNECTOR_WORDS`` ("bank_of_america").
    """

    _compiled_model: _phrase_counts.PhraseCounts

    def __init__(self, sentences: Sentences | None = None, min_count: float = 5,
                 threshold: float = 10.0, max_vocab_size: int = 40000000, delimiter: str = "_",
                 progress_per: int = 10000, scoring: str | Scorer = "default",
                 connector_words: Collection[str] = frozenset()) -> None:
        _number(min_count, "min_count")
        _number(threshold, "threshold")
        if min_count <= 0:
            raise ValueError("min_count should be at least 1")
        if threshold <= 0 and scoring == "default":
            raise ValueError("threshold should be positive for default scoring")
        if scoring == "npmi" and (threshold < -1 or threshold > 1):
            raise ValueError("threshold should be between -1 and 1 for npmi scoring")
        self.scoring: Scorer = _resolve_scoring(scoring)
        self.min_count = min_count
        self.threshold = threshold
        self.max_vocab_size = _number(max_vocab_size, "max_vocab_size", numbers.Integral)
        self.progress_per = _number(progress_per, "progress_per", numbers.Integral)
        self.min_reduce = 1
        self.corpus_word_count = 0
        lexicon = _phrase_lexicon.Lexicon(_check_delimiter(delimiter),
                                          _check_connector_words(connector_words))
        self._compiled_model = _phrase_counts.PhraseCounts(lexicon)
        if sentences is not None:
            start = time.perf_counter()
            self.add_vocab(sentences)
            logger.info("built %s in %.2fs", self, time.perf_counter() - start)

    def __str__(self) -> str:
        return "%s<%i vocab, min_count=%s, threshold=%s, max_vocab_size=%s>" % (
            type(self).__name__, len(self._compiled_model), self.min_count, self.threshold,
            self.max_vocab_size)

    def _configured(self) -> _phrase_counts.PhraseCounts:
        """The counts, with this model's scoring parameters."""
        counts = self._compiled_model
        counts.configure(_SCORER_KINDS.get(self.scoring, _phrase_counts.SCORE_PYTHON), self.scoring,
                         self.threshold, self.min_count, self.corpus_word_count)
        return counts

    def _compiled(self) -> _phrase_counts.PhraseCounts:
        """The counts, set up to apply this model: with its phrases (kept until the counts or
        the parameters change), unless a Python scorer decides each candidate as it is met."""
        counts = self._configured()
        if counts.phrases is None and self.scoring in _SCORER_KINDS:
            counts.use_phrases(self._phrases())
        return counts

    def _phrases(self) -> _phrase_apply.PhraseTable:
        """The phrases with their scores over the model's lexicon (a ``PhraseTable``)."""
        counts = self._configured()
        if counts.phrases is not None:
            return counts.phrases
        return _find_phrases(counts, self.scoring, self.threshold, self.min_count,
                             self.corpus_word_count)

    @property
    def vocab(self) -> dict[str, int]:
        """dict of (str, int): a copy of the counts of words and "a_b" n-grams, as gensim's."""
        return dict(self._compiled_model.items())

    def add_vocab(self, sentences: Sentences) -> None:
        """Count ``sentences`` (iterable of list of str) and merge them into the model.

        As gensim, the new counts are collected (and pruned) on their own, then merged.
        """
        _check_corpus(sentences)
        counts = _phrase_counts.PhraseCounts(self._compiled_model.lexicon)
        logger.info("collecting all words and their counts")
        min_reduce, total_words, n_sentences = _learn(
            counts, sentences, min(self.max_vocab_size, 2**62), self._log_progress)
        logger.info("collected %i token types (unigram + bigrams) from a corpus of %i words "
                    "and %i sentences", len(counts), total_words, n_sentences)
        self.corpus_word_count += total_words
        if len(self._compiled_model):
            logger.info("merging %i counts into %s", len(counts), self)
            self.min_reduce = max(self.min_reduce, min_reduce)
            self._compiled_model.merge(counts)
            if len(self._compiled_model) > self.max_vocab_size:
                self._compiled_model.prune(self.min_reduce)
                self.min_reduce += 1
        else:
            self._compiled_model = counts
        logger.info("merged %s", self)

    @staticmethod
    def _log_progress(n_sentences: int, total_words: int, n_types: int) -> None:
        logger.info("PROGRESS: at sentence #%i, processed %i words and %i word types",
                    n_sentences, total_words, n_types)

    def export_phrases(self) -> dict[str, float]:
        """Every phrase in the vocabulary with its score, as gensim's ``export_phrases``.

        Returns
        -------
        dict of (str, float)
        """
        return dict(self._phrases().items())

    def freeze(self) -> FrozenPhrases:
        """A ``FrozenPhrases`` holding only the phrases: smaller and faster to apply."""
        return FrozenPhrases(self)

    def _params(self) -> dict[str, Any]:
        return dict(super()._params(), max_vocab_size=self.max_vocab_size,
                    progress_per=self.progress_per, corpus_word_count=self.corpus_word_count,
                    min_reduce=self.min_reduce)

    @staticmethod
    def _export_values(compiled: _phrase_counts.PhraseCounts, n_words: int,
                       lengths: npt.NDArray[np.int32], atoms: npt.NDArray[np.int32],
                       arrays: dict[str, persistence.Member]) -> None:
        arrays["words/counts.npy"] = unigrams = np.empty(n_words, np.int64)
        arrays["keys/counts.npy"] = counts = np.empty(len(lengths), np.int64)
        compiled.export_arrays(unigrams, lengths, atoms, counts)

    @classmethod
    def _from_arrays(cls, reader: persistence.Reader, params: dict[str, Any],
                     scoring: Scorer | None, words: list[str], sizes: dict[str, int],
                     lengths: npt.NDArray[np.int32], atoms: npt.NDArray[np.int32]) -> Phrases:
        if scoring is None:
            raise ValueError(f"{reader.path!r} was saved with the custom scoring function "
                             f"{params['scoring'].get('custom')!r}; pass it as "
                             f"load(path, scoring=...)")
        model = cls(min_count=params["min_count"], threshold=params["threshold"],
                    max_vocab_size=params["max_vocab_size"], delimiter=params["delimiter"],
                    progress_per=params["progress_per"], scoring=scoring,
                    connector_words=params["connector_words"])
        for name, low in (("corpus_word_count", 0), ("min_reduce", 1)):
            value = _number(params[name], name, numbers.Integral)
            if not low <= value <= 2**62:  # int64 counters, with room to count further
                raise ValueError(f"{name} must be an int in [{low}, 2**62], got {value}")
            setattr(model, name, value)
        unigrams = reader.array("words/counts.npy", _INT64, (len(words),), mmap=False)
        counts = reader.array("keys/counts.npy", _INT64, (sizes["keys"],), mmap=False)
        negative = np.flatnonzero(unigrams < 0)
        if negative.size:
            raise ValueError(f"word {words[negative[0]]!r} has the count {unigrams[negative[0]]}")
        _check_keys(len(words), lengths, atoms, len(counts))
        not_counted = np.flatnonzero(counts <= 0)
        if not_counted.size:
            raise ValueError(f"n-gram {not_counted[0]} has the count {counts[not_counted[0]]}")
        model._compiled_model.import_arrays(words, unigrams, lengths, atoms, counts)
        return model


class FrozenPhrases(_PhrasesTransformation):
    """Only the phrases of a trained ``Phrases``: smaller and faster, no further training.

    Parameters
    ----------
    phrases_model : Phrases
        The trained model (a gensim ``Phrases`` works too, through its ``export_phrases``).
    """

    _compiled_model: _phrase_apply.PhraseTable

    def __init__(self, phrases_model: Any) -> None:
        self.threshold = phrases_model.threshold
        self.min_count = phrases_model.min_count
        self.scoring = phrases_model.scoring
        logger.info("exporting phrases from %s", phrases_model)
        start = time.perf_counter()
        if isinstance(phrases_model, Phrases):
            self._compiled_model = phrases_model._phrases().compacted()
        else:
            self._compiled_model = self._table(phrases_model.delimiter, phrases_model.connector_words,
                                              phrases_model.export_phrases())
        logger.info("exported %s from %s in %.2fs", self, phrases_model,
                    time.perf_counter() - start)

    @staticmethod
    def _table(delimiter: str, connector_words: Iterable[str],
               phrasegrams: dict[str, float]) -> _phrase_apply.PhraseTable:
        lexicon = _phrase_lexicon.Lexicon(_check_delimiter(delimiter),
                                          _check_connector_words(connector_words), python_hash=True)
        table = _phrase_apply.PhraseTable(lexicon)
        for phrase, score in phrasegrams.items():
            if not isinstance(phrase, str):
                raise TypeError(f"phrases must be str, found {phrase!r}")
            table.add(phrase, _number(score, f"the score of {phrase!r}"))
        table.finish()
        return table

    def __str__(self) -> str:
        return "%s<%i phrases, min_count=%s, threshold=%s>" % (
            type(self).__name__, len(self._compiled_model), self.min_count, self.threshold)

    def _compiled(self) -> _phrase_apply.PhraseTable:
        self._compiled_model.configure(self.threshold)
        return self._compiled_model

    @property
    def phrasegrams(self) -> dict[str, float]:
        """dict of (str, float): a copy of the phrases and their scores."""
        return dict(self._compiled_model.items())

    @staticmethod
    def _export_values(compiled: _phrase_apply.PhraseTable, n_words: int,
                       lengths: npt.NDArray[np.int32], atoms: npt.NDArray[np.int32],
                       arrays: dict[str, persistence.Member]) -> None:
        arrays["keys/scores.npy"] = scores = np.empty(len(lengths), np.float64)
        compiled.export_arrays(lengths, atoms, scores.view(np.int64))

    @classmethod
    def _from_arrays(cls, reader: persistence.Reader, params: dict[str, Any],
                     scoring: Scorer | None, words: list[str], sizes: dict[str, int],
                     lengths: npt.NDArray[np.int32],
                     atoms: npt.NDArray[np.int32]) -> FrozenPhrases:
        model = cls.__new__(cls)
        model.threshold = _number(params["threshold"], "threshold")
        model.min_count = _number(params["min_count"], "min_count")
        model.scoring = scoring
        lexicon = _phrase_lexicon.Lexicon(_check_delimiter(params["delimiter"]),
                                          _check_connector_words(params["connector_words"]),
                                          python_hash=True)
        model._compiled_model = _phrase_apply.PhraseTable(lexicon)
        scores = reader.array("keys/scores.npy", _FLOAT64, (sizes["keys"],), mmap=False)
        _check_keys(len(words), lengths, atoms, len(scores))
        model._compiled_model.import_arrays(words, lengths, atoms, scores.view(np.int64))
        return model


Phraser = FrozenPhrases  # gensim's older name
