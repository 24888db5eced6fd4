"""The losses the training kernels optimise, and the tables each one draws from.

Negative sampling draws its noise words from the unigram counts to the ``ns_exponent``
through an alias table; hierarchical softmax predicts each word along its path in a Huffman
tree of the vocabulary. Both follow gensim 4 and word2vec.c. Their compiled side is in
``_loss_ns.h`` and ``_loss_hs.h``; a ``fastw2v._trainer.KernelConfig`` takes one of each, or
both.
"""
from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

from fastw2v import _alias, _huffman

logger = logging.getLogger(__name__)

# Inner nodes nearest the Huffman root, which lie on nearly every word's path, that each
# worker thread trains in a copy of its own when there are several threads, and the
# predictions between its merges (see ``_loss_hs.h``): shared, both cores would write them
# for every word. By architecture: 256 nodes merged every 512 predictions trained CBOW HS 6-9%
# faster than 32 every 64, at the same quality; skip-gram, whose predictions cost about six
# times as much, lost about a point of analogy accuracy with them and keeps 32 every 64
# (docs/performance.md, issue #25).
TOP_HUFFMAN_NODES = {"sg": 32, "cbow": 256}
TOP_NODE_SYNC = {"sg": 64, "cbow": 512}


def alias_table(counts: npt.ArrayLike, ns_exponent: float = 0.75,
                ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int32]]:
    """Walker's alias table for drawing negatives from ``counts ** ns_exponent`` in O(1).

    Returns
    -------
    (ndarray of uint32, ndarray of int32)
        For bucket ``i`` (drawn uniformly): keep ``i`` when a 32-bit random number is below
        ``prob[i]``, else take ``alias[i]``.
    """
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    scaled = weights * (len(weights) / weights.sum())
    prob, alias = _alias.pair_buckets(scaled)  # Vose's pairing, in compiled code
    prob = np.minimum(np.round(prob * 2.0 ** 32), 2.0 ** 32 - 1)
    return prob.astype(np.uint32), alias


#: How equal counts are ordered while the Huffman tree is built: ``"gensim"``, as gensim's
#: heap of items compared by count alone (what fastw2v builds); ``"index"``, the lower word id
#: first (what fastw2v built before; kept for the files it wrote then). Both give
#: optimal codes; only gensim's gives gensim's codes, points and ``syn1`` rows.
HUFFMAN_TIES = ("gensim", "index")


def huffman_codes(counts: npt.ArrayLike, ties: str = "gensim") -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.uint8], npt.NDArray[np.int32]]:
    """Huffman codes of every word, as gensim builds them (``ties``: see :data:`HUFFMAN_TIES`).

    Built in compiled code (``_huffman.pyx``), in a heap that moves as gensim's ``heapq``
    heap: O(n log n).

    Returns
    -------
    (ndarray of int64, ndarray of uint8, ndarray of int32)
        ``offsets`` (length ``n + 1``), and ``codes``/``points`` where word ``w``'s path from
        the root is ``codes[offsets[w]:offsets[w + 1]]`` through inner nodes ``points[...]``
        (row numbers in ``syn1``).
    """
    if ties not in HUFFMAN_TIES:
        raise ValueError("ties must be one of %s, got %r" % (HUFFMAN_TIES, ties))
    values = np.ascontiguousarray(counts, dtype=np.int64)
    if len(values) < 2:
        return (np.zeros(len(values) + 1, dtype=np.int64), np.zeros(0, np.uint8),
                np.zeros(0, np.int32))
    return _huffman.huffman_tree(values, ties == "index")


class NegativeSampling:
    """Negative sampling: each target against ``negative`` noise words.

    Parameters
    ----------
    counts : array_like of int
        Count of every vocabulary word, by word id.
    negative : int
        Noise words per target (at least 1).
    ns_exponent : float
        Exponent of the counts in the noise distribution.

    Attributes
    ----------
    negative : int
    prob, index : ndarray of uint32, ndarray of int32
        The alias table of the noise distribution (see :func:`alias_table`).
    """

    def __init__(self, counts: npt.ArrayLike, negative: int, ns_exponent: float = 0.75) -> None:
        if negative < 1:
            raise ValueError("negative sampling needs negative >= 1, not %r" % (negative,))
        self.negative = int(negative)
        self.prob, self.index = alias_table(counts, ns_exponent)


class HierarchicalSoftmax:
    """Hierarchical softmax: each target predicted along its path in a Huffman tree.

    Parameters
    ----------
    counts : array_like of int
        Count of every vocabulary word, by word id.
    ties : {"gensim", "index"}
        How equal counts are ordered (see :data:`HUFFMAN_TIES`).

    Attributes
    ----------
    offsets, codes, points : ndarray of int64, uint8 and int32
        The Huffman paths (see :func:`huffman_codes`).
    """

    def __init__(self, counts: npt.ArrayLike, ties: str = "gensim") -> None:
        logger.info("constructing a huffman tree from %i words", np.size(counts))
        self.offsets, self.codes, self.points = huffman_codes(counts, ties)
        logger.info("built huffman tree with maximum node depth %i",
                    int(np.diff(self.offsets).max(initial=0)))

    @property
    def inner_nodes(self) -> int:
        """Inner nodes of the tree (one fewer than the words): the rows of ``syn1`` used."""
        return max(len(self.offsets) - 2, 0)

    def thread_copies(self, workers: int, batched: bool, sg: bool) -> tuple[int, int]:
        """How many nodes nearest the root each worker thread trains in its own copy, and
        how many predictions it makes between merges.

        Copies pay with several threads, which would otherwise all write those rows for
        every word; they have been measured with the batched scheme only.

        Parameters
        ----------
        workers : int
            Worker threads.
        batched : bool
            Whether the batched update scheme trains (else the classic one).
        sg : bool
            Skip-gram (else CBOW).

        Returns
        -------
        (int, int)
            With several workers and the batched scheme, ``TOP_HUFFMAN_NODES`` (at most
            every inner node) and ``TOP_NODE_SYNC`` of the architecture; else ``(0, 0)``.
        """
        if workers < 2 or not batched or not self.inner_nodes:
            return 0, 0
        architecture = "sg" if sg else "cbow"
        return (min(TOP_HUFFMAN_NODES[architecture], self.inner_nodes),
                TOP_NODE_SYNC[architecture])
