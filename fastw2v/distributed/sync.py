"""Synchronising replicas by the rows they changed: deltas, their combination, their bytes.

Each replica keeps, beside each training matrix ``W`` (``wv.vectors``, ``syn1neg``,
``syn1``), a base ``B``: ``W - B`` is what the replica trained and has not yet sent. A
round's delta holds, for each matrix, the *hot* rows (the most frequent words: a prefix
of a frequency-sorted vocabulary; for ``syn1``, the Huffman nodes nearest the root, its
last rows) densely, every round; and the changed rows of one stripe of the other rows, as
``(indices, rows)``, the stripes taking turns, so that every row is sent at least every
``stripes`` rounds and every round costs about the same. Taking a delta moves ``B`` up to
``W`` for those rows, by the delta as sent.

The client combines the replicas' deltas into one (:func:`combine`), adds it to the
synchronised model, and sends it back; each replica adds the combined delta less its own
to both ``W`` and ``B`` (:meth:`Rows.apply`), so what it trained meanwhile stays unsent.
"""
from __future__ import annotations

import numpy as np

#: How replicas' deltas are combined: summed, averaged, or averaged for the hot rows and
#: summed for the others ("hybrid").
RULES = ("sum", "mean", "hybrid", "changed", "saturation")
_BLOCK_ROWS = 1 << 15  # rows compared at a time when looking for changed rows
#: The dtype deltas travel in. A replica's base moves by the delta as sent, so that a
#: narrower dtype's rounding would stay in ``W - B`` and go with the next delta (numpy's
#: float32 -> float16 conversion costs more than the bytes it saves on a local network).
WIRE = np.float32

#: One matrix's part of a delta: (hot rows, indices of other rows, those rows).
Part = tuple
#: A delta: one Part per matrix name.
Delta = dict


def hot_slice(name: str, n_rows: int, hot_rows: int) -> slice:
    """The rows of matrix ``name`` synchronised every round."""
    hot = min(hot_rows, n_rows)
    if name == "syn1":  # Huffman inner nodes: the root is the last
        return slice(n_rows - hot, n_rows)
    return slice(0, hot)


def _changed(current: np.ndarray, base: np.ndarray, rows: slice) -> np.ndarray:
    """Indices (into the matrix) of the rows in ``rows`` where ``current`` and ``base``
    differ, compared in blocks."""
    found = []
    for lo in range(rows.start, rows.stop, _BLOCK_ROWS):
        hi = min(lo + _BLOCK_ROWS, rows.stop)
        differs = np.any(current[lo:hi] != base[lo:hi], axis=1)
        found.append(np.flatnonzero(differs) + lo)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


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
            hot_delta = (current[hot] - base[hot]).astype(WIRE)
            base[hot] += hot_delta
            first = hot.stop if hot.start == 0 else 0  # the other rows: [first, first + n)
            n = len(current) - (hot.stop - hot.start)
            rows = slice(first + n * stripe // stripes, first + n * (stripe + 1) // stripes)
            index = _changed(current, base, rows)
            changed = (current[index] - base[index]).astype(WIRE)
            base[index] += changed
            index = index.astype(np.int32 if len(current) < 2**31 else np.int64)
            delta[name] = (hot_delta, index, changed)
        self.sent = delta
        return delta

    def apply(self, combined: Delta) -> None:
        """Add the combined delta less this replica's last delta to matrices and bases."""
        for name, (hot_delta, index, rows) in combined.items():
            own_hot, own_index, own_rows = self.sent[name]
            change = hot_delta.astype(np.float32) - own_hot
            hot = self.hot[name]
            for array in (self.matrices[name], self.bases[name]):
                array[hot] += change
                array[index] += rows
                array[own_index] -= own_rows
        self.sent = {}


def combine(deltas: list[Delta], rule: str, mass: list[dict] | None = None) -> Delta:
    """One delta from the replicas' ``deltas`` by ``rule`` (see :data:`RULES`); the rows
    outside the hot ones are indexed in sorted order."""
    scale = np.float32(1.0 / len(deltas))
    combined = {}
    for name in deltas[0]:
        parts = [delta[name] for delta in deltas]
        hot = np.sum([part[0] for part in parts], axis=0, dtype=np.float32)
        n_rows = 1 + max((int(part[1].max()) for part in parts if len(part[1])), default=-1)
        seen = np.zeros(n_rows, dtype=bool)
        for part in parts:
            seen[part[1]] = True
        index = np.flatnonzero(seen).astype(parts[0][1].dtype)
        position = np.zeros(n_rows, dtype=np.int64)
        position[index] = np.arange(len(index))
        rows = np.zeros((len(index), hot.shape[1]), dtype=np.float32)
        for _, part_index, part_rows in parts:  # indices are unique within a part
            rows[position[part_index]] += part_rows
        if rule == "changed":
            hot_count = np.sum([np.any(part[0] != 0, axis=1) for part in parts], axis=0)
            hot /= np.maximum(hot_count, 1)[:, None].astype(np.float32)
            count = np.zeros(len(index))
            for _, part_index, _ in parts:
                count[position[part_index]] += 1
            rows /= np.maximum(count, 1)[:, None].astype(np.float32)
        elif rule == "saturation":
            hot_mass = [m[name][0] for m in mass]
            hot *= _saturation(hot_mass)[:, None]
            row_mass = [m[name][1][index] for m in mass]
            rows *= _saturation(row_mass)[:, None]
        else:
            if rule not in ("sum",):
                hot *= scale
            if rule == "mean":
                rows *= scale
        combined[name] = (hot.astype(WIRE), index, rows.astype(WIRE))
    return combined


def _saturation(masses):
    x = np.asarray(masses, dtype=np.float64)
    p = -np.expm1(-x)
    total = p.sum(axis=0)
    together = -np.expm1(-x.sum(axis=0))
    out = np.ones(x.shape[1])
    ok = total > 1e-9
    out[ok] = together[ok] / total[ok]
    return out.astype(np.float32)


def add(matrices: dict[str, np.ndarray], delta: Delta, hot_rows: int) -> None:
    """Add ``delta`` to ``matrices`` in place (the client's synchronised model)."""
    for name, (hot_delta, index, rows) in delta.items():
        matrix = matrices[name]
        matrix[hot_slice(name, len(matrix), hot_rows)] += hot_delta
        matrix[index] += rows


def nbytes(delta: Delta) -> int:
    """Bytes of the arrays of ``delta``."""
    return sum(array.nbytes for part in delta.values() for array in part)
