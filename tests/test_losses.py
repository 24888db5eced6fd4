"""The losses' tables (alias table, Huffman codes) and the top-Huffman-node policy."""
import heapq

import numpy as np
import pytest

from fastw2v import losses


def test_alias_table_draws_unigram_to_the_075():
    counts = np.array([50, 20, 10, 5, 1, 1, 300])
    prob, alias = losses.alias_table(counts, 0.75)
    n = len(counts)
    chance = prob / 2.0 ** 32 / n
    for bucket in range(n):
        chance[alias[bucket]] += (1 - prob[bucket] / 2.0 ** 32) / n
    weights = counts ** 0.75
    np.testing.assert_allclose(chance, weights / weights.sum(), atol=1e-8)


def test_huffman_codes_are_prefix_free_and_optimal():
    counts = np.array([40, 30, 10, 8, 6, 4, 1, 1])
    offsets, codes, points = losses.huffman_codes(counts)
    words = ["".join(map(str, codes[offsets[w]:offsets[w + 1]])) for w in range(len(counts))]
    for a in words:
        for b in words:
            assert a == b or not b.startswith(a)
    lengths = np.diff(offsets)
    # the optimal cost is the sum of all merge weights
    heap = list(counts)
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    assert int((lengths * counts).sum()) == cost
    assert points.min() >= 0 and points.max() == len(counts) - 2
    assert all(points[offsets[w]] == len(counts) - 2 for w in range(len(counts)))  # the root


def test_negative_sampling_holds_its_alias_table():
    counts = np.array([50, 20, 10])
    sampling = losses.NegativeSampling(counts, 5, 0.5)
    prob, index = losses.alias_table(counts, 0.5)
    assert sampling.negative == 5
    np.testing.assert_array_equal(sampling.prob, prob)
    np.testing.assert_array_equal(sampling.index, index)
    with pytest.raises(ValueError, match="negative >= 1"):
        losses.NegativeSampling(counts, 0)


@pytest.mark.parametrize("n_words,workers,batched,expected", [
    (50, 2, True, losses.TOP_HUFFMAN_NODES), (50, 1, True, 0), (50, 4, False, 0),
    (10, 2, True, 9), (1, 2, True, 0)])
def test_top_nodes_are_copied_with_several_workers_in_the_batched_scheme(n_words, workers,
                                                                       batched, expected):
    tree = losses.HierarchicalSoftmax(np.arange(n_words, 0, -1))
    assert tree.inner_nodes == max(n_words - 1, 0)
    assert tree.top_nodes(workers, batched) == expected
