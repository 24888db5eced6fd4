"""Training callbacks in gensim's shape, and ready-made ones for loss, evaluation and checkpoints.

A callback is any object with some of ``on_train_begin``, ``on_epoch_begin``,
``on_epoch_end`` and ``on_train_end``, each called with the model; gensim's
``CallbackAny2Vec`` subclasses work unchanged.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fastw2v._types import PathType

if TYPE_CHECKING:
    from fastw2v.word2vec import Word2Vec

logger = logging.getLogger(__name__)


def notify(callbacks: Iterable[object], event: str, model: Word2Vec) -> None:
    """Call ``event`` (``"on_epoch_end"``...) of every callback that has it, with ``model``."""
    for callback in callbacks:
        method = getattr(callback, event, None)
        if method is not None:
            method(model)


class CallbackAny2Vec:
    """Base class for training callbacks; override the hooks you need."""

    def on_train_begin(self, model: Word2Vec) -> None:
        pass

    def on_epoch_begin(self, model: Word2Vec) -> None:
        pass

    def on_epoch_end(self, model: Word2Vec) -> None:
        pass

    def on_train_end(self, model: Word2Vec) -> None:
        pass


class LossLogger(CallbackAny2Vec):
    """Log the loss of each epoch and keep it in ``history`` (needs ``compute_loss=True``).

    Attributes
    ----------
    history : list of dict
        ``{"epoch": n, "loss": float}`` for each epoch trained with this callback.
    """

    def __init__(self) -> None:
        self.history: list[dict[str, Any]] = []

    def on_epoch_end(self, model: Word2Vec) -> None:
        if not model.compute_loss:
            raise RuntimeError("LossLogger needs the model to train with compute_loss=True")
        loss = model.training_loss[-1]
        self.history.append({"epoch": model.epochs_trained, "loss": loss})
        logger.info("epoch %d: loss %.6g", model.epochs_trained, loss)


class EvaluationCallback(CallbackAny2Vec):
    """Evaluate the vectors on an analogy file and/or a word-pair file after each epoch.

    Parameters
    ----------
    analogies : str, optional
        A file in the format of ``questions-words.txt``.
    word_pairs : str, optional
        A tab-separated word-pair similarity file such as WordSim-353.
    restrict_vocab : int
        Evaluate only on the most frequent words (30,000 as in the benchmarks).

    Attributes
    ----------
    history : list of dict
        ``{"epoch", "analogy_accuracy", "pearson", "spearman", "oov_ratio"}`` per epoch.
    """

    def __init__(self, analogies: PathType | None = None, word_pairs: PathType | None = None,
                 restrict_vocab: int = 30000) -> None:
        if analogies is None and word_pairs is None:
            raise ValueError("give an analogy file, a word-pair file, or both")
        self.analogies = analogies
        self.word_pairs = word_pairs
        self.restrict_vocab = restrict_vocab
        self.history: list[dict[str, Any]] = []

    def on_epoch_end(self, model: Word2Vec) -> None:
        record: dict[str, Any] = {"epoch": model.epochs_trained}
        if self.analogies is not None:
            score, _ = model.wv.evaluate_word_analogies(self.analogies,
                                                        restrict_vocab=self.restrict_vocab)
            record["analogy_accuracy"] = score
        if self.word_pairs is not None:
            pearson, spearman, oov = model.wv.evaluate_word_pairs(
                self.word_pairs, restrict_vocab=self.restrict_vocab)
            record.update(pearson=pearson[0], spearman=spearman[0], oov_ratio=oov)
        self.history.append(record)
        logger.info("epoch %d evaluation: %s", model.epochs_trained, record)


class CheckpointCallback(CallbackAny2Vec):
    """Save the model to one file during training, to resume it after a crash.

    Saves happen at the end of an epoch, the only point from which a run resumes exactly:
    after every ``every_epochs`` epochs of the run, and/or after an epoch that ends at least
    ``every_seconds`` after the previous save (or the start of training). Each save replaces
    the previous checkpoint atomically. Resume with ``Word2Vec.load(path).train(...)`` given
    the same corpus, ``epochs`` and alphas as the interrupted call.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    every_epochs : int, optional
        Save when the number of completed epochs of the run is a multiple of this
        (None: no epoch-based saves).
    every_seconds : float, optional
        Save after an epoch when at least this many seconds have passed since the last save.

    Attributes
    ----------
    history : list of dict
        ``{"epoch": completed epochs of the run, "seconds": time the save took}`` per save.
    """

    def __init__(self, path: PathType, every_epochs: int | None = 1,
                 every_seconds: float | None = None) -> None:
        if every_epochs is None and every_seconds is None:
            raise ValueError("give every_epochs, every_seconds, or both")
        if every_epochs is not None and (not isinstance(every_epochs, int) or every_epochs < 1):
            raise ValueError("every_epochs must be a positive integer or None, got %r"
                             % (every_epochs,))
        if every_seconds is not None and not every_seconds >= 0:
            raise ValueError("every_seconds must be >= 0 or None, got %r" % (every_seconds,))
        self.path = os.fspath(path)
        self.every_epochs = every_epochs
        self.every_seconds = every_seconds
        self.history: list[dict[str, Any]] = []
        self._last_save = time.monotonic()

    def on_train_begin(self, model: Word2Vec) -> None:
        self._last_save = time.monotonic()

    def on_epoch_end(self, model: Word2Vec) -> None:
        assert model.train_state is not None  # (set by train() before any epoch)
        completed = model.train_state["completed"]
        due = self.every_epochs is not None and completed % self.every_epochs == 0
        if self.every_seconds is not None:
            due = due or time.monotonic() - self._last_save >= self.every_seconds
        if due:
            started = time.monotonic()
            model.save(self.path)
            self._last_save = time.monotonic()
            self.history.append({"epoch": completed, "seconds": self._last_save - started})
            logger.info("epoch %d: checkpoint saved to %s", completed, self.path)
