"""The batched search returns an exact top k, up to float32 rounding, by either route."""
import numpy as np
import pytest

from fastw2v import _nearest, _testing, nearest as search
from fastw2v.keyedvectors import KeyedVectors
from fastw2v.nearest import nearest

requires_bf16 = pytest.mark.skipif(not _nearest.bf16_supported(), reason="no AVX512_BF16")


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of 512 keys, chunks of 96 queries, scans of 640 keys and two scan threads on
    any machine, so that small data takes the bf16 path the same way everywhere."""
    monkeypatch.setattr(search, "_KEY_BLOCK", 512)
    monkeypatch.setattr(search, "_SCAN_RANGE", 640)
    monkeypatch.setattr(search, "_BF16_MIN_KEYS", 1024)
    monkeypatch.setattr(search, "_QUERY_CHUNK", 96)
    monkeypatch.setattr(search, "_scan_threads", lambda: 2)


def unit_queries(vectors, rows):
    return search.unit_rows(vectors[rows])


def exact_similarities(queries, vectors, norms):
    """Cosine similarities in float64; keys and queries that cannot rank score -inf."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        unit = vectors.astype(np.float64) / norms.astype(np.float64)[:, np.newaxis]
        sims = queries.astype(np.float64) @ unit.T
    sims[~np.isfinite(sims)] = -np.inf
    return sims


def assert_top_k_within_rounding(queries, vectors, norms, k, found, tolerance=1e-5):
    """``found`` is an exact top ``k`` of each query, up to float32 rounding: its similarities
    are right and in order, and no key left out beats its last one by more than rounding."""
    indices, sims = found
    exact = exact_similarities(queries, vectors, norms)
    rankable = np.isfinite(exact).sum(axis=1)
    for q in range(len(queries)):
        kept = sims[q] > -np.inf
        assert kept.sum() == min(k, rankable[q])
        assert (np.diff(sims[q][kept]) <= 0).all()
        np.testing.assert_allclose(sims[q][kept], exact[q, indices[q][kept]], rtol=0,
                                   atol=tolerance)
        if kept.sum() == k:
            left_out = np.delete(exact[q], indices[q][kept])
            assert (left_out <= sims[q][kept][-1] + tolerance).all()


def assert_both_routes_exact(queries, vectors, k, norms=None):
    """The default and the bfloat16 route each return an exact top ``k``, with the same
    similarities up to rounding; returns the bfloat16 route's result."""
    norms = np.linalg.norm(vectors, axis=1) if norms is None else norms
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = nearest(queries, vectors, norms, k)
        found = nearest(queries, vectors, norms, k, bf16=True)
    for result in (expected, found):
        assert_top_k_within_rounding(queries, vectors, norms, k, result)
    np.testing.assert_allclose(found[1], expected[1], rtol=0, atol=1e-5)
    return found


def test_bf16_supported_is_a_bool():
    assert isinstance(_nearest.bf16_supported(), bool)


@pytest.mark.parametrize("dim, n", [(300, 3000), (100, 2085), (7, 3000), (301, 2085)])
def test_both_routes_return_an_exact_top_k(dim, n):
    rng = np.random.default_rng(dim + n)
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    queries = unit_queries(vectors, rng.choice(n, 110, replace=False))  # chunks of 96 and 14
    for k in (2, 11, 51):
        assert_both_routes_exact(queries, vectors, k)


def test_most_similar_batch_with_restrict_vocab():
    rng = np.random.default_rng(3)
    kv = KeyedVectors(50)
    kv.add_vectors(["w%d" % i for i in range(4000)], rng.standard_normal((4000, 50)))
    queries = ["w%d" % i for i in range(0, 4000, 40)] + [rng.standard_normal(50)]
    for topn, restrict in ((1, None), (10, 2500), (50, 1100)):
        expected = kv.most_similar_batch(queries, topn=topn, restrict_vocab=restrict)
        found = kv.most_similar_batch(queries, topn=topn, restrict_vocab=restrict, bf16=True)
        assert len(found) == len(expected) == len(queries)
        for query, found_row, expected_row in zip(queries, found, expected):
            assert len(found_row) == len(expected_row) == topn
            np.testing.assert_allclose([s for _, s in found_row], [s for _, s in expected_row],
                                       rtol=0, atol=1e-5)
            allowed = {"w%d" % i for i in range(restrict or 4000)} - {query if isinstance(query, str) else None}
            assert {key for key, _ in found_row} <= allowed
            one = kv.most_similar(positive=[query], topn=topn, restrict_vocab=restrict)
            np.testing.assert_allclose([s for _, s in one], [s for _, s in expected_row],
                                       rtol=0, atol=1e-5)


def tied_data():
    """Entries of +-0.25 in 16 dimensions: unit rows whose similarities are exact multiples
    of 1/16, in any summation order, so ties abound (and exact duplicates are added)."""
    rng = np.random.default_rng(4)
    vectors = rng.choice(np.float32([-0.25, 0.25]), size=(3000, 16))
    vectors[2000:2100] = vectors[:100]
    return vectors, unit_queries(vectors, np.arange(0, 3000, 20))


@pytest.mark.parametrize("bf16", [False, True])
def test_ties_rank_earlier_rows_first(bf16):
    vectors, queries = tied_data()
    full = queries @ vectors.T  # exact: every product and partial sum is a multiple of 1/16
    for k in (5, 30):  # top_k's two-stage and direct selections
        expected = np.argsort(-full, axis=1, kind="stable")[:, :k]
        indices, sims = nearest(queries, vectors, np.linalg.norm(vectors, axis=1), k, bf16=bf16)
        np.testing.assert_array_equal(indices, expected)
        np.testing.assert_array_equal(sims, np.take_along_axis(full, expected, axis=1))
        assert (sims[:, :-1] == sims[:, 1:]).any()
        np.testing.assert_array_equal(search.top_k(full, k), expected)


def test_duplicate_vectors():
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((40, 300), dtype=np.float32)[np.arange(3001) % 40]  # 75 copies
    assert_both_routes_exact(unit_queries(vectors, np.arange(100)), vectors, 11)


def test_many_near_equal_keys():
    rng = np.random.default_rng(6)
    vectors = rng.standard_normal((4, 100), dtype=np.float32)[np.arange(3001) % 4]  # 750 copies
    vectors += 1e-4 * rng.standard_normal(vectors.shape, dtype=np.float32)
    assert_both_routes_exact(unit_queries(vectors, np.arange(100)), vectors, 11)


def test_keys_that_cannot_rank_and_odd_queries():
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((3000, 64), dtype=np.float32)
    vectors[[5, 700, 2999]] = 0.0  # zero norm
    vectors[17, 3] = np.nan
    vectors[1500] = np.inf
    queries = unit_queries(vectors, np.arange(100, 200))
    queries[3] = 0.0  # a zero query: every key ties at 0
    queries[4, 0] = np.nan
    indices, sims = assert_both_routes_exact(queries, vectors, 11)
    assert not np.isin(indices[[0, 1, 2] + list(range(5, 100))], [5, 17, 700, 1500, 2999]).any()
    assert (sims[4] == -np.inf).all()
    assert (sims[3] == 0).all()


def test_fewer_keys_that_can_rank_than_k():
    rng = np.random.default_rng(8)
    vectors = np.zeros((3000, 20), dtype=np.float32)
    vectors[[3, 900, 1999, 2600]] = rng.standard_normal((4, 20))
    indices, sims = assert_both_routes_exact(unit_queries(vectors, [3, 900] * 40), vectors, 11)
    assert (sims[:, 4:] == -np.inf).all() and np.isfinite(sims[:, :4]).all()


def test_stale_norms():
    rng = np.random.default_rng(9)
    vectors = rng.standard_normal((3000, 30), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1)
    norms[1234] /= 10  # a unit row ten times too long
    queries = unit_queries(vectors, np.arange(100))
    assert_both_routes_exact(queries, vectors, 11, norms)


def test_margin_bounds_the_bfloat16_error():
    """Round unit rows to bfloat16 (to nearest even) as the first pass does and compare."""
    def bfloat16(x):
        bits = x.view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
        return bits.astype(np.uint32).view(np.float32).astype(np.float64)

    rng = np.random.default_rng(10)
    for dim in (7, 300):
        keys = search.unit_rows(rng.standard_normal((2000, dim)) ** 3)  # heavy tails
        queries = search.unit_rows(rng.standard_normal((20, dim)))
        error = np.abs(bfloat16(keys) @ bfloat16(queries).T - keys @ queries.T)
        assert error.max() <= search._bf16_margin(dim) / 2
        assert search._bf16_margin(dim) < 0.016


@requires_bf16
def test_exact_cosines():
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((700, 300), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1)
    queries = unit_queries(vectors, np.arange(64))
    rows = np.arange(0, 700, 3, dtype=np.int32)
    found = _testing.exact_cosines(queries[5], vectors, norms, rows)
    expected = exact_similarities(queries[5:6], vectors[rows], norms[rows])[0]
    np.testing.assert_allclose(found, expected, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="out of bounds"):
        _testing.exact_cosines(queries[5], vectors, norms, np.int32([700]))


def test_no_keys():
    indices, sims = nearest(unit_queries(np.eye(3, dtype=np.float32), [0, 1]),
                            np.zeros((0, 3), np.float32), np.zeros(0, np.float32), 5)
    assert indices.shape == sims.shape == (2, 0)
