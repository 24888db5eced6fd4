"""Pictures of training and of vectors: loss and evaluation curves per epoch, 2-D word maps.

Needs matplotlib, the ``plot`` extra (``pip install "fastw2v[plot]"``); importing fastw2v
never imports it. Figures are made without pyplot (``matplotlib.figure.Figure``), so they
draw on any machine, with or without a display, and leave pyplot's state alone; in a
notebook, the returned Figure displays itself. t-SNE needs scikit-learn and UMAP umap-learn,
imported only when asked for.
"""
from __future__ import annotations

import numbers
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, Union, cast

import numpy as np
import numpy.typing as npt

from fastw2v._fileio import atomic_write
from fastw2v._types import KeyLike, PathType

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from fastw2v.callbacks import EvaluationCallback, LossLogger
    from fastw2v.keyedvectors import KeyedVectors
    from fastw2v.word2vec import Word2Vec

#: What :func:`plot_history` draws: a callback's history, a model's losses, or the records.
HistorySource = Union["LossLogger", "EvaluationCallback", "Word2Vec", Iterable[dict[str, Any]]]
#: How :func:`project` maps the vectors to the plane.
MapMethod = Literal["pca", "tsne", "umap"]

#: Per-epoch evaluation scores of ``EvaluationCallback.history`` drawn by :func:`plot_history`.
EVALUATION_SCORES = ("analogy_accuracy", "pearson", "spearman", "oov_ratio")
MAP_METHODS = ("pca", "tsne", "umap")
_METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def _figure_class() -> type[Figure]:
    """``matplotlib.figure.Figure``, or an ImportError naming the extra to install."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("fastw2v.plot needs matplotlib: pip install \"fastw2v[plot]\" "
                          "(or pip install matplotlib)") from None
    return Figure


def save_figure(figure: Figure, path: PathType, dpi: float = 100) -> str:
    """Save ``figure`` to ``path`` atomically: an interrupted save leaves any previous file.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : str or os.PathLike
        The image; its suffix gives the format (``.png``, ``.svg``, ``.pdf``...), PNG when
        it has none.
    dpi : float
        Dots per inch of raster formats.

    Returns
    -------
    str
        ``path``.
    """
    filename = os.fspath(path)
    image_format = os.path.splitext(filename)[1][1:].lower() or "png"
    with atomic_write(filename, "wb") as fout:
        figure.savefig(fout, format=image_format, dpi=dpi)
    return filename


def history_records(source: HistorySource) -> list[dict[str, Any]]:
    """The per-epoch records of ``source``, as a list of dicts with an ``"epoch"``.

    Parameters
    ----------
    source : LossLogger, EvaluationCallback, Word2Vec or list of dict
        A callback's ``history``, a model's ``training_loss`` (epochs 1, 2, ... of the
        losses it recorded with ``compute_loss=True``), or such records themselves.

    Returns
    -------
    list of dict
    """
    if hasattr(source, "training_loss") and not hasattr(source, "history"):
        return [{"epoch": epoch, "loss": loss}
                for epoch, loss in enumerate(source.training_loss, start=1)]
    history = getattr(source, "history", source)
    if isinstance(history, (str, bytes, dict)) or not hasattr(history, "__iter__"):
        raise TypeError("expected a callback with a history, a Word2Vec model or a list of "
                        "per-epoch dicts, got %s" % type(source).__name__)
    records = list(history)
    for record in records:
        if not isinstance(record, dict) or "epoch" not in record:
            raise ValueError("each history record must be a dict with an 'epoch', got %r"
                             % (record,))
    return records


def plot_history(*sources: HistorySource, path: PathType | None = None, title: str | None = None,
                 figsize: tuple[float, float] = (7.0, 4.5)) -> Figure:
    """Curves per epoch of the training loss and of evaluation scores.

    The loss (``LossLogger``, or a model trained with ``compute_loss=True``) is drawn in one
    panel, the evaluation scores (``EvaluationCallback``: analogy accuracy, Pearson and
    Spearman correlations, out-of-vocabulary ratio) in another, one point per epoch.

    Parameters
    ----------
    *sources : LossLogger, EvaluationCallback, Word2Vec or list of dict
        What to draw (see :func:`history_records`); at least one.
    path : str or os.PathLike, optional
        Also save the figure there, atomically (PNG unless the suffix says otherwise).
    title : str, optional
        The figure's title.
    figsize : (float, float)
        Width and height in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        No source, or no loss or evaluation score in any of them.
    ImportError
        matplotlib is not installed.

    Examples
    --------
    >>> logger = LossLogger()  # doctest: +SKIP
    >>> model = Word2Vec(sentences, compute_loss=True, callbacks=[logger])  # doctest: +SKIP
    >>> plot_history(logger, path="loss.png")  # doctest: +SKIP
    """
    if not sources:
        raise ValueError("give at least one callback, model or history to plot")
    series: dict[str, tuple[list[int], list[float]]] = {}  # name -> (epochs, values)
    for source in sources:
        for record in history_records(source):
            for name in ("loss",) + EVALUATION_SCORES:
                value = record.get(name)
                if isinstance(value, numbers.Real):
                    epochs, values = series.setdefault(name, ([], []))
                    epochs.append(record["epoch"])
                    values.append(float(value))
    if not series:
        raise ValueError("nothing to plot: no 'loss' nor evaluation score (%s) in the history"
                         % ", ".join(EVALUATION_SCORES))
    panels = [names for names in (["loss"], [s for s in EVALUATION_SCORES if s in series])
              if any(name in series for name in names)]
    figure = _figure_class()(figsize=figsize, layout="constrained")
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, names in zip(axes, panels):
        for name in names:
            epochs, values = series[name]
            ax.plot(epochs, values, marker="o", label=name.replace("_", " "))
        ax.set_ylabel("training loss" if names == ["loss"] else "score")
        ax.grid(True, alpha=0.3)
        if names != ["loss"]:
            ax.legend(loc="best")
    axes[-1].set_xlabel("epoch")
    axes[-1].xaxis.get_major_locator().set_params(integer=True)
    if title:
        figure.suptitle(title)
    if path is not None:
        save_figure(figure, path)
    return figure


def project(points: npt.ArrayLike, method: MapMethod = "pca",
            random_state: int = 0) -> npt.NDArray[np.float64]:
    """2-D coordinates of the rows of ``points``.

    Parameters
    ----------
    points : array of shape (n, d)
        n >= 2 rows.
    method : {"pca", "tsne", "umap"}
        Principal components (numpy's SVD, always available), t-SNE (scikit-learn) or UMAP
        (umap-learn, n >= 3); the last two adapt their neighbourhood size to small ``n``.
    random_state : int
        Seed of t-SNE and UMAP (PCA is deterministic up to the signs of its axes, fixed
        here so that the largest coordinate of each axis is positive).

    Returns
    -------
    ndarray of shape (n, 2)
    """
    if method not in MAP_METHODS:
        raise ValueError("method must be one of %s, got %r" % (", ".join(MAP_METHODS), method))
    rows = np.asarray(points, dtype=np.float64)
    if rows.ndim != 2 or len(rows) < 2:
        raise ValueError("need at least 2 points to map, got an array of shape %s"
                         % (rows.shape,))
    n = len(rows)
    if method == "pca":
        centred = rows - rows.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        coords = np.zeros((n, 2))
        width = min(2, len(s))
        coords[:, :width] = u[:, :width] * s[:width]
        signs = np.sign(coords[np.abs(coords).argmax(axis=0), [0, 1]])
        return coords * np.where(signs == 0, 1, signs)
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError:
            raise ImportError("method='tsne' needs scikit-learn: pip install scikit-learn") \
                from None
        return np.asarray(TSNE(n_components=2, perplexity=min(30.0, n - 1.0), init="pca",
                               random_state=random_state).fit_transform(rows), np.float64)
    if n < 3:
        raise ValueError("method='umap' needs at least 3 points, got %d" % n)
    try:
        from umap import UMAP
    except ImportError:
        raise ImportError("method='umap' needs umap-learn: pip install umap-learn") from None
    # UMAP's spectral start needs more points than dimensions + 1: a random one for fewer
    return np.asarray(UMAP(n_components=2, n_neighbors=max(2, min(15, n - 1)),
                           init="spectral" if n > 3 else "random",
                           random_state=random_state).fit_transform(rows), np.float64)


def plot_words(vectors: KeyedVectors | Word2Vec, words: Iterable[KeyLike],
               method: MapMethod = "pca", path: PathType | None = None, title: str | None = None,
               random_state: int = 0, figsize: tuple[float, float] = (7.0, 6.0)) -> Figure:
    """A 2-D map of chosen words: their unit vectors projected to the plane, labelled.

    Parameters
    ----------
    vectors : KeyedVectors or Word2Vec
        The vectors (a model's ``wv``).
    words : list of str (or int keys)
        The keys to draw, at least 2, all in the vocabulary.
    method : {"pca", "tsne", "umap"}
        How to project (see :func:`project`); t-SNE needs scikit-learn, UMAP umap-learn.
    path : str or os.PathLike, optional
        Also save the figure there, atomically (PNG unless the suffix says otherwise).
    title : str, optional
        The figure's title (default: the method).
    random_state : int
        Seed of t-SNE and UMAP.
    figsize : (float, float)
        Width and height in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        Words not in the vocabulary (all of them named).
    ValueError
        Fewer than 2 distinct words, or an unknown ``method``.
    ImportError
        matplotlib, or the library ``method`` needs, is not installed.

    Examples
    --------
    >>> plot_words(model.wv, ["king", "queen", "man", "woman"], path="words.png")  # doctest: +SKIP
    """
    kv = cast("KeyedVectors", getattr(vectors, "wv", vectors))
    if isinstance(words, (str, bytes)):
        raise TypeError("words must be a list of keys, got the string %r" % (words,))
    keys = list(dict.fromkeys(words))
    missing = [word for word in keys if word not in kv]
    if missing:
        raise KeyError("not in the vocabulary: %s" % ", ".join(map(repr, missing)))
    if len(keys) < 2:
        raise ValueError("give at least 2 distinct words to map, got %d" % len(keys))
    if method not in MAP_METHODS:
        raise ValueError("method must be one of %s, got %r" % (", ".join(MAP_METHODS), method))
    Figure = _figure_class()
    coords = project(np.stack([kv.get_vector(word, norm=True) for word in keys]), method,
                     random_state)
    figure = Figure(figsize=figsize, layout="constrained")
    ax = figure.subplots()
    ax.scatter(coords[:, 0], coords[:, 1], s=24)
    for word, (x, y) in zip(keys, coords):
        ax.annotate(str(word), (x, y), xytext=(4, 4), textcoords="offset points")
    ax.margins(0.12)
    ax.set_title(title if title is not None else "%d words, %s" % (len(keys),
                                                                  _METHOD_NAMES[method]))
    ax.set_xticks([])
    ax.set_yticks([])
    if path is not None:
        save_figure(figure, path)
    return figure
