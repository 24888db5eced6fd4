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


@pytest.mark.parametrize("n_words,workers,batched,sg,expected", [
    (1000, 2, True, False, (256, 512)), (1000, 2, True, True, (32, 64)),
    (50, 2, True, False, (49, 512)), (50, 1, True, False, (0, 0)), (50, 4, False, True, (0, 0)),
    (10, 2, True, True, (9, 64)), (1, 2, True, False, (0, 0))])
def test_top_nodes_are_copied_with_several_workers_in_the_batched_scheme(n_words, workers,
                                                                       batched, sg, expected):
    tree = losses.HierarchicalSoftmax(np.arange(n_words, 0, -1))
    assert tree.inner_nodes == max(n_words - 1, 0)
    assert tree.thread_copies(workers, batched, sg) == expected


class _ReferenceCountOnly:
    """The heap item of the reference below: compared by its count alone, as gensim's."""

    __slots__ = ("count", "node")

    def __init__(self, count, node):
        self.count, self.node = count, node

    def __lt__(self, other):
        return self.count < other.count


def reference_huffman_codes(counts, ties):
    """The Huffman codes as fastw2v built them before issue #24, one merge and one node at a
    time in Python (slow), which fixed both tie orders' output."""
    n = len(counts)
    if n < 2:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, np.uint8), np.zeros(0, np.int32)
    if ties == "gensim":
        make, unpack = _ReferenceCountOnly, lambda item: (item.count, item.node)
    else:
        make, unpack = (lambda count, node: (count, node)), tuple
    heap = [make(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    bit = np.zeros(2 * n - 1, dtype=np.uint8)
    for inner in range(n - 1):
        count1, node1 = unpack(heapq.heappop(heap))
        count2, node2 = unpack(heapq.heappop(heap))
        parent[node1], parent[node2] = n + inner, n + inner
        bit[node2] = 1
        heapq.heappush(heap, make(count1 + count2, n + inner))
    root = 2 * n - 2
    depth = np.zeros(2 * n - 1, dtype=np.int64)
    for node in range(root - 1, -1, -1):
        depth[node] = depth[parent[node]] + 1
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(depth[:n], out=offsets[1:])
    codes = np.empty(offsets[-1], dtype=np.uint8)
    points = np.empty(offsets[-1], dtype=np.int32)
    for word in range(n):
        node, position = word, offsets[word + 1] - 1
        while node != root:
            codes[position], points[position] = bit[node], parent[node] - n
            node, position = parent[node], position - 1
    return offsets, codes, points


def tie_heavy_counts():
    """Count vectors for the equality checks: tiny vocabularies, all-equal counts, zeros, and
    random counts with many ties (drawn from few values, and Zipf-like with a flat tail)."""
    rng = np.random.default_rng(24)
    yield from ([7], [3, 3], [1, 2], [2, 1], [5, 5, 5], [1, 2, 3], [3, 1, 2], [0, 0, 0, 1])
    for n in (4, 7, 64, 1000):
        yield [9] * n
    for n in (10, 100, 2000):
        for values in (2, 5, 50):
            yield rng.integers(1, values + 1, size=n)
    ranks = np.arange(1, 5001)
    yield (10000 // ranks + 5)
    yield np.sort(10000 // ranks + 5)  # ascending: the heap's initial order differs
    yield rng.permutation(10000 // ranks + 5)


@pytest.mark.parametrize("ties", losses.HUFFMAN_TIES)
def test_huffman_codes_equal_the_reference_for_both_tie_orders(ties):
    for counts in tie_heavy_counts():
        counts = np.asarray(counts, dtype=np.int64)
        expected = reference_huffman_codes(counts, ties)
        got = losses.huffman_codes(counts, ties)
        for mine, theirs, dtype in zip(got, expected, (np.int64, np.uint8, np.int32)):
            assert mine.dtype == dtype
            np.testing.assert_array_equal(mine, theirs, err_msg="counts %r" % (counts[:20],))


def test_huffman_tie_orders_differ_on_ties_only():
    counts = np.array([9] * 7)
    assert not np.array_equal(losses.huffman_codes(counts, "gensim")[2],
                              losses.huffman_codes(counts, "index")[2])
    counts = np.array([100, 60, 35, 17, 8, 4, 2, 1])  # no tie in any merge
    for mine, theirs in zip(losses.huffman_codes(counts, "gensim"),
                            losses.huffman_codes(counts, "index")):
        np.testing.assert_array_equal(mine, theirs)


def test_huffman_codes_refuse_an_unknown_tie_order():
    with pytest.raises(ValueError, match="ties must be one of"):
        losses.huffman_codes([1, 2, 3], "alphabetical")


def reference_alias_table(counts, ns_exponent):
    """The alias table as fastw2v built it before issue #24, with numpy scalars (slow)."""
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    n = len(weights)
    scaled = weights * (n / weights.sum())
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    prob = np.minimum(np.round(prob * 2.0 ** 32), 2.0 ** 32 - 1)
    return prob.astype(np.uint32), alias


@pytest.mark.parametrize("ns_exponent", [0.75, 0.5, 1.0, 0.0, -0.5])
def test_alias_table_equals_the_reference(ns_exponent):
    for counts in tie_heavy_counts():
        counts = np.asarray(counts, dtype=np.int64) + 1
        expected_prob, expected_alias = reference_alias_table(counts, ns_exponent)
        prob, alias = losses.alias_table(counts, ns_exponent)
        assert prob.dtype == np.uint32 and alias.dtype == np.int32
        np.testing.assert_array_equal(prob, expected_prob)
        np.testing.assert_array_equal(alias, expected_alias)


def test_gensim_ties_give_gensims_codes_and_points():
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors as GensimKV
    from gensim.models.word2vec import _assign_binary_codes

    rng = np.random.default_rng(7)
    for counts in ([4, 4, 4, 4, 4], [5, 5, 5, 5, 3, 3, 1], rng.integers(1, 4, size=3000)):
        counts = np.asarray(counts, dtype=np.int64)
        kv = GensimKV(2, len(counts))
        kv.index_to_key = list(range(len(counts)))
        kv.key_to_index = {i: i for i in range(len(counts))}
        kv.expandos = {"count": counts}
        _assign_binary_codes(kv)
        offsets, codes, points = losses.huffman_codes(counts, "gensim")
        for i in range(len(counts)):
            lo, hi = offsets[i], offsets[i + 1]
            np.testing.assert_array_equal(codes[lo:hi], kv.get_vecattr(i, "code"))
            np.testing.assert_array_equal(points[lo:hi], kv.get_vecattr(i, "point"))
