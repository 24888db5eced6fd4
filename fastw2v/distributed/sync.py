"""Synchronising replicas by the rows they changed: deltas, their combination, their bytes.

Each replica keeps, beside each training matrix ``W`` (``wv.vectors``, ``syn1neg``,
``syn1``), a base ``B``: ``W - B`` is what the replica trained and has not yet sent. A
round's delta holds, for each matrix, the *hot* rows (the most frequent words: a prefix
of a frequency-sorted vocabulary; for ``syn1``, the Huffman nodes nearest the root, its
last rows) densely, every round; and the changed rows of one stripe of the other rows, as
``(indices, rows)``, the stripes taking turns, so that every row is sent at least every
``stripes`` rounds and every round costs about the same. Deltas travel as bfloat16 (half
the bytes of float32; :mod:`fastw2v._row_deltas` takes and adds them in one pass over the
rows). Taking a delta moves ``B`` up to ``W`` for those rows by the delta as rounded, so
that what the rounding drops stays in ``W - B`` and goes with the next delta.

The client combines the replicas' deltas into one (:func:`combine`), adds it to the
synchronised model, and sends it back; each replica adds the combined delta less its own
to both ``W`` and ``B`` (:meth:`Rows.apply`), so what it trained meanwhile stays unsent.

**The combining rule.** Summing the deltas of a row is right when each is a few small
gradient steps (a rare word's row): it is what threads sharing one model do. It is wrong
for a row that every replica updates many times per round (a frequent word's, and above
all the output rows of the words drawn as negatives): within the round each replica pulls
that row most of the way to where its data wants it, all replicas from the same start, so
each delta carries the same correction and their sum moves the row about ``N`` times too
far. Averaging instead cannot overshoot but divides what the other rows learn by ``N``.

With the combination applied one round late, the synchronised error of a row that each
replica moves by the share ``p`` of its distance to its target follows
``e' = (1 - p) e - p (g - 1) e_prev``, ``g`` the combination's gain (``N`` for the sum, 1
for the mean): it converges if and only if ``g < 1 + 1/p``. The sum breaks this for
saturated rows (``p = 1``, ``g < 2``) from ``N = 3``; 2 replicas oscillate on the edge.

:func:`combine` keeps the sum for every row it cannot overshoot, and caps the gain of the
others at :data:`MARGIN` times the bound (:func:`stable_scale`). ``p`` is bounded from
above, so that the cap holds for the true ``p``: a row ``u`` updated along rows ``x`` of the
other matrix covers, per update at learning rate ``alpha``, at most ``alpha * (x . e)**2 /
4`` of its distance in direction ``e`` (the sigmoid's slope is at most 1/4), at most
``alpha * lambda / 4`` with ``lambda`` the largest eigenvalue of ``E[x x^T]``
(:func:`stiffness`, of each replica's state); after ``n`` updates, expected from
the vocabulary (:func:`update_rates`) and the words the replica trained since the row was
last sent, ``p <= 1 - exp(-alpha * n * lambda / 4)``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from fastw2v import _row_deltas, vocab

#: The dtype of a delta's rows on the wire: the bits of bfloat16 (see the module docstring).
WIRE = np.uint16
#: The kernels' sigmoid is tabulated over (-MAX_EXP, MAX_EXP); beyond it they stop learning.
MAX_EXP = 6.0
_GUARD_ROWS = 256  # frequent words whose dot products tell a diverged model
_MOMENT_ROWS = 4096  # frequent rows whose second moment bounds the others' (most updates)
#: One matrix's part of a delta: (hot rows, indices of other rows, those rows).
Part = tuple
#: A delta: one Part per matrix name.
Delta = dict
#: How far below the stability bound ``1 + 1/p`` the gain of a combination stays: at 3/4,
#: a row every replica saturates gets 1.5 times one replica's step, and its error shrinks
#: by 30% a round (the roots of ``z**2 + 1/2``).
MARGIN = 0.75


def hot_slice(name: str, n_rows: int, hot_rows: int) -> slice:
    """The rows of matrix ``name`` synchronised every round."""
    hot = min(hot_rows, n_rows)
    if name == "syn1":  # Huffman inner nodes: the root is the last
        return slice(n_rows - hot, n_rows)
    return slice(0, hot)


class Rows:
    """A replica's training matrices with their bases (see the module docstring).

    Parameters
    ----------
    matrices : dict of str -> numpy.ndarray
        The float32 matrices the kernels train, by name (updated in place).
    hot_rows : int
        Rows of each matrix synchronised every round.
    """

    def __init__(self, matrices: dict[str, np.ndarray], hot_rows: int) -> None:
        self.matrices = matrices
        self.bases = {name: matrix.copy() for name, matrix in matrices.items()}
        self.hot = {name: hot_slice(name, len(m), hot_rows) for name, m in matrices.items()}
        self.sent: Delta = {}

    def take(self, stripe: int, stripes: int) -> Delta:
        """The delta of the hot rows, and of the changed rows of stripe ``stripe`` of
        ``stripes`` of the other rows (``0, 1``: all of them), since they were last taken;
        the bases move up to the matrices for those rows."""
        delta = {}
        for name, current in self.matrices.items():
            base, hot = self.bases[name], self.hot[name]
            dim = current.shape[1]
            hot_delta = np.empty((hot.stop - hot.start, dim), dtype=WIRE)
            _row_deltas.take_block(current, base, hot.start, hot.stop, hot_delta)
            first = hot.stop if hot.start == 0 else 0  # the other rows: [first, first + n)
            n = len(current) - (hot.stop - hot.start)
            lo, hi = first + n * stripe // stripes, first + n * (stripe + 1) // stripes
            index = np.empty(hi - lo, dtype=np.int32 if len(current) < 2**31 else np.int64)
            changed = np.empty((hi - lo, dim), dtype=WIRE)
            found = _row_deltas.take_changed(current, base, lo, hi, index, changed)
            delta[name] = (hot_delta, index[:found], changed[:found])
        self.sent = delta
        return delta

    def apply(self, combined: Delta) -> None:
        """Add the combined delta less this replica's last delta to matrices and bases."""
        for name, (hot_delta, index, rows) in combined.items():
            own_hot, own_index, own_rows = self.sent[name]
            matrix, base, start = self.matrices[name], self.bases[name], self.hot[name].start
            _row_deltas.add_block(matrix, base, start, hot_delta, 1.0)
            _row_deltas.add_block(matrix, base, start, own_hot, -1.0)
            _row_deltas.add_rows(matrix, base, index, rows, 1.0)
            _row_deltas.add_rows(matrix, base, own_index, own_rows, -1.0)
        self.sent = {}


def update_rates(model: Any) -> dict[str, np.ndarray]:
    """Expected updates of each row of each training matrix per word trained.

    A word's share of the trained words is its count times its subsampling keep
    probability; ``window + 1`` is the mean number of context words (the window is cut at
    random). Skip-gram updates a word's input row once per context it appears in, and per
    word trained, the centre's output row (or Huffman path) once per context and ``negative``
    output rows drawn as ``count ** ns_exponent`` once per context; CBOW the same per word
    trained, not per context.

    Parameters
    ----------
    model : Word2Vec
        A model with its vocabulary.

    Returns
    -------
    dict of str -> numpy.ndarray
        float64 rates by matrix name (``wv.vectors``, ``syn1neg``, ``syn1``).
    """
    counts = np.asarray(model.wv.expandos["count"], dtype=np.float64)
    kept = counts * vocab.keep_thresholds(counts, model.sample) / 2.0 ** 32
    share = kept / max(kept.sum(), 1e-300)
    contexts = model.window + 1
    per_centre = contexts if model.sg else 1  # output updates of each word trained
    rates = {"wv.vectors": share * contexts}
    if model.negative:
        drawn = counts ** model.ns_exponent
        drawn /= max(drawn.sum(), 1e-300)
        rates["syn1neg"] = per_centre * (share + model.negative * drawn)
    if model.hs:
        tables = model._training_tables()["hierarchical_softmax"]
        lengths = np.diff(tables.offsets)
        rates["syn1"] = np.bincount(tables.points, weights=np.repeat(per_centre * share, lengths),
                                    minlength=len(model.syn1))
    return rates


def _moments(matrices: dict[str, np.ndarray], rates: dict[str, np.ndarray]
             ) -> dict[str, np.ndarray]:
    """Per matrix, the second moment ``E[x x^T]`` of its 4096 most frequent rows (which
    take most of the updates; see :func:`hot_slice`), weighted by how often each is used
    (``rates``, from :func:`update_rates`)."""
    second: dict[str, np.ndarray] = {}
    for name, matrix in matrices.items():
        rows = hot_slice(name, len(matrix), _MOMENT_ROWS)
        weight = rates[name][rows]
        weight = (weight / max(weight.sum(), 1e-300)).astype(np.float32)
        second[name] = ((matrix[rows].T * weight) @ matrix[rows]).astype(np.float64)
    return second


def stiffness(matrices: dict[str, np.ndarray], rates: dict[str, np.ndarray]
              ) -> dict[str, float]:
    """Per matrix of a replica, a bound on the share of a row's distance to its target
    that one update at learning rate 1 covers, in the direction where it covers most.

    A row ``u`` updated along rows ``x`` of the other matrix (``wv.vectors`` along the
    output rows, the output matrices along ``wv.vectors``) covers ``sigmoid'(u . x) *
    (x . e)**2`` of its distance in direction ``e``: averaged over the ``x`` used, at most
    ``e^T E[x x^T] e / 4`` (the sigmoid's slope is at most 1/4), at most the largest
    eigenvalue of ``E[x x^T]`` over 4. Each replica computes its own (in its process,
    where Dask gives BLAS one thread); :func:`mean_stiffness` combines them.
    """
    second = _moments(matrices, rates)
    outputs = [name for name in ("syn1neg", "syn1") if name in second]
    result = {}
    for name in second:
        partners = outputs if name == "wv.vectors" else ["wv.vectors"]
        moment = np.mean([second[partner] for partner in partners], axis=0)
        result[name] = max(float(np.linalg.eigvalsh(moment)[-1]), 0.0) / 4
    return result


def mean_stiffness(replicas: list[dict[str, float]]) -> dict[str, float]:
    """The replicas' :func:`stiffness`, averaged: still a bound for their averaged state,
    as the largest eigenvalue is convex in the matrix."""
    return {name: float(np.mean([replica[name] for replica in replicas]))
            for name in replicas[0]}


def stable_scale(loads: np.ndarray) -> np.ndarray:
    """Per row, the factor applied to the sum of the replicas' deltas: 1 (the sum) unless
    that could overshoot, then the largest gain within :data:`MARGIN` of the stability
    bound (see the module docstring).

    Parameters
    ----------
    loads : numpy.ndarray
        ``(replicas, rows)``: ``alpha * n * stiffness`` of each replica on each row.

    Returns
    -------
    numpy.ndarray
        float32 scales, 1 where fewer than two replicas updated the row.
    """
    x = np.asarray(loads, dtype=np.float64)
    p = -np.expm1(-x.max(axis=0))  # the most a replica can have covered
    updated = np.count_nonzero(x > 0, axis=0)
    scale = np.ones(x.shape[1:])
    limit = np.divide(MARGIN * (1 + p), p * np.maximum(updated, 1), out=scale.copy(),
                      where=p > 0)
    np.minimum(scale, limit, out=scale)
    return scale.astype(np.float32)


def combine(deltas: list[Delta], words: list[tuple[float, float]],
            rates: dict[str, np.ndarray], stiff: dict[str, float], hot_rows: int) -> Delta:
    """One delta from the replicas' ``deltas``: their sum, scaled per row by
    :func:`stable_scale`.

    Parameters
    ----------
    deltas : list of dict
        Each replica's delta.
    words : list of (float, float)
        Each replica's learning rate times the words it trained since its hot rows were
        last sent, and since its other rows were.
    rates : dict of str -> numpy.ndarray
        :func:`update_rates`.
    stiff : dict of str -> float
        :func:`stiffness`.
    hot_rows : int
        Rows of each matrix sent every round.

    Returns
    -------
    dict
        The combined delta; the rows outside the hot ones indexed in sorted order.
    """
    hot_words = np.array([pair[0] for pair in words], dtype=np.float64)[:, None]
    tail_words = np.array([pair[1] for pair in words], dtype=np.float64)[:, None]
    combined = {}
    for name in deltas[0]:
        parts = [delta[name] for delta in deltas]
        rate = rates[name] * stiff[name]
        hot = np.zeros(parts[0][0].shape, dtype=np.float32)
        for part in parts:
            _row_deltas.add_block(hot, None, 0, part[0], 1.0)
        hot *= stable_scale(hot_words * rate[hot_slice(name, len(rate), hot_rows)])[:, None]
        n_rows = 1 + max((int(part[1].max()) for part in parts if len(part[1])), default=-1)
        seen = np.zeros(n_rows, dtype=bool)
        for part in parts:
            seen[part[1]] = True
        index = np.flatnonzero(seen).astype(parts[0][1].dtype)
        position = np.zeros(n_rows, dtype=np.int64)
        position[index] = np.arange(len(index))
        rows = np.zeros((len(index), hot.shape[1]), dtype=np.float32)
        loads = np.zeros((len(parts), len(index)))
        for number, (_, part_index, part_rows) in enumerate(parts):  # unique within a part
            _row_deltas.add_rows(rows, None, position[part_index], part_rows, 1.0)
            loads[number, position[part_index]] = tail_words[number, 0] * rate[part_index]
        rows *= stable_scale(loads)[:, None]
        combined[name] = (narrow(hot), index, narrow(rows))
    return combined


def diverged(matrices: dict[str, np.ndarray]) -> str | None:
    """Why the synchronised ``matrices`` look diverged, or None.

    Non-finite weights, or dot products of the most frequent words' input and output rows
    mostly far beyond the kernels' sigmoid range (their median magnitude above three times
    ``MAX_EXP``), where every gradient is clipped and training has stopped learning: what
    overshooting updates of frequent rows lead to. A model trained by one process stays
    below ``MAX_EXP``.
    """
    inputs = matrices["wv.vectors"]
    name = "syn1neg" if "syn1neg" in matrices else "syn1" if "syn1" in matrices else None
    k = min(_GUARD_ROWS, len(inputs))
    if name is None or k == 0:
        return None
    output = matrices[name]
    outputs = output[hot_slice(name, len(output), k)]
    # einsum, not BLAS: the client shares its machine with workers in a LocalCluster, where
    # a multithreaded BLAS's threads wait for each other's cores
    dots = np.einsum("ik,jk->ij", inputs[:k].astype(np.float64), outputs.astype(np.float64))
    if not np.isfinite(dots).all():
        return "non-finite weights"
    median = float(np.median(np.abs(dots)))
    if median > 3 * MAX_EXP:
        return ("the %d most frequent words' input and %s rows have dot products of median "
                "magnitude %.3g, far beyond the sigmoid's range (+-%g)"
                % (k, name, median, MAX_EXP))
    return None


def add(matrices: dict[str, np.ndarray], delta: Delta, hot_rows: int) -> None:
    """Add ``delta`` to ``matrices`` in place (the client's synchronised model)."""
    for name, (hot_delta, index, rows) in delta.items():
        matrix = matrices[name]
        _row_deltas.add_block(matrix, None, hot_slice(name, len(matrix), hot_rows).start,
                              hot_delta, 1.0)
        _row_deltas.add_rows(matrix, None, index, rows, 1.0)


def narrow(values: np.ndarray) -> np.ndarray:
    """float32 ``values`` as they travel: the bits of bfloat16, rounded to nearest even."""
    out = np.empty(values.shape, dtype=WIRE)
    _row_deltas.narrow(values, out)
    return out


def nbytes(delta: Delta) -> int:
    """Bytes of the arrays of ``delta``."""
    return sum(array.nbytes for part in delta.values() for array in part)
