"""The bfloat16 first pass of the batched search returns exactly what the float32 path returns."""
import numpy as np
import pytest

from fastw2v import _nearest, nearest as search
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


@pytest.fixture
def passes(monkeypatch):
    """Records, per bfloat16 chunk, which queries the rerank sent back to the float32 path."""
    fallbacks = []

    def rerank(*args):
        result = real_rerank(*args)
        fallbacks.append(result[2])
        return result

    real_rerank = _nearest.rerank
    monkeypatch.setattr(_nearest, "rerank", rerank)
    return fallbacks


def unit_queries(vectors, rows):
    return search.unit_rows(vectors[rows])


def assert_same_as_float32(queries, vectors, k):
    norms = np.linalg.norm(vectors, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = nearest(queries, vectors, norms, k, bf16=False)
        found = nearest(queries, vectors, norms, k)
    np.testing.assert_array_equal(found[0], expected[0])
    np.testing.assert_array_equal(found[1], expected[1])  # bit for bit
    return found


def test_bf16_supported_is_a_bool():
    assert isinstance(_nearest.bf16_supported(), bool)


@requires_bf16
@pytest.mark.parametrize("dim, n", [(300, 3000), (100, 2085), (7, 3000), (301, 2085)])
def test_same_results_as_float32(passes, dim, n):
    rng = np.random.default_rng(dim + n)
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    queries = unit_queries(vectors, rng.choice(n, 110, replace=False))  # chunks of 96 and 14
    for k in (2, 11, 51):
        assert_same_as_float32(queries, vectors, k)
    assert len(passes) == 3 and not any(f.any() for f in passes)  # one bf16 chunk per call
    assert search._rerank_matches_blas(dim)


@requires_bf16
def test_most_similar_batch_with_restrict_vocab(passes):
    rng = np.random.default_rng(3)
    kv = KeyedVectors(50)
    kv.add_vectors(["w%d" % i for i in range(4000)], rng.standard_normal((4000, 50)))
    queries = ["w%d" % i for i in range(0, 4000, 40)] + [rng.standard_normal(50)]
    for topn, restrict in ((1, None), (10, 2500), (50, 1100)):
        found = kv.most_similar_batch(queries, topn=topn, restrict_vocab=restrict)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search, "_BF16_MIN_QUERIES", 10 ** 9)
            assert found == kv.most_similar_batch(queries, topn=topn, restrict_vocab=restrict)
    assert len(passes) == 3


def tied_data():
    """Entries of +-0.25 in 16 dimensions: unit rows whose similarities are exact multiples
    of 1/16, in any summation order, so ties abound (and exact duplicates are added)."""
    rng = np.random.default_rng(4)
    vectors = rng.choice(np.float32([-0.25, 0.25]), size=(3000, 16))
    vectors[2000:2100] = vectors[:100]
    return vectors, unit_queries(vectors, np.arange(0, 3000, 20))


def test_ties_rank_earlier_rows_first():
    vectors, queries = tied_data()
    full = queries @ vectors.T
    for k in (5, 30):  # top_k's two-stage and direct selections
        expected = np.argsort(-full, axis=1, kind="stable")[:, :k]
        indices, sims = nearest(queries, vectors, np.linalg.norm(vectors, axis=1), k, bf16=False)
        np.testing.assert_array_equal(indices, expected)
        np.testing.assert_array_equal(sims, np.take_along_axis(full, expected, axis=1))
        assert (sims[:, :-1] == sims[:, 1:]).any()
        np.testing.assert_array_equal(search.top_k(full, k), expected)


@requires_bf16
def test_ties_with_bf16(passes):
    vectors, queries = tied_data()
    assert_same_as_float32(queries, vectors, 30)
    assert len(passes) == 1 and not passes[0].any()


@requires_bf16
def test_duplicate_vectors(passes):
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((40, 300), dtype=np.float32)[np.arange(3001) % 40]  # 75 copies
    assert_same_as_float32(unit_queries(vectors, np.arange(100)), vectors, 11)
    assert not any(f.any() for f in passes)


@requires_bf16
def test_too_many_near_equal_keys_take_the_float32_path(passes):
    rng = np.random.default_rng(6)
    vectors = rng.standard_normal((4, 100), dtype=np.float32)[np.arange(3001) % 4]  # 750 copies
    vectors += 1e-4 * rng.standard_normal(vectors.shape, dtype=np.float32)
    assert_same_as_float32(unit_queries(vectors, np.arange(100)), vectors, 11)
    assert all(f.all() for f in passes)


@requires_bf16
def test_keys_that_cannot_rank_and_odd_queries(passes):
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((3000, 64), dtype=np.float32)
    vectors[[5, 700, 2999]] = 0.0  # zero norm
    vectors[17, 3] = np.nan
    vectors[1500] = np.inf
    queries = unit_queries(vectors, np.arange(100, 200))
    queries[3] = 0.0  # a zero query: every key ties at 0
    queries[4, 0] = np.nan
    indices, sims = assert_same_as_float32(queries, vectors, 11)
    assert not np.isin(indices[[0, 1, 2] + list(range(5, 100))], [5, 17, 700, 1500, 2999]).any()
    assert (sims[4] == -np.inf).all()
    assert sum(f.sum() for f in passes) == 0  # the odd queries never reach the first pass


@requires_bf16
def test_fewer_keys_that_can_rank_than_k(passes):
    rng = np.random.default_rng(8)
    vectors = np.zeros((3000, 20), dtype=np.float32)
    vectors[[3, 900, 1999, 2600]] = rng.standard_normal((4, 20))
    indices, sims = assert_same_as_float32(unit_queries(vectors, [3, 900] * 40), vectors, 11)
    assert (sims[:, 4:] == -np.inf).all() and np.isfinite(sims[:, :4]).all()
    assert all(f.all() for f in passes)


@requires_bf16
def test_stale_norms_take_the_float32_path():
    rng = np.random.default_rng(9)
    vectors = rng.standard_normal((3000, 30), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1)
    norms[1234] /= 10  # a unit row ten times too long
    queries = unit_queries(vectors, np.arange(100))
    expected = nearest(queries, vectors, norms, 11, bf16=False)
    found = nearest(queries, vectors, norms, 11)
    np.testing.assert_array_equal(found[0], expected[0])
    np.testing.assert_array_equal(found[1], expected[1])


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
def test_exact_cosines_match_the_matrix_product():
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((700, 300), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1)
    queries = unit_queries(vectors, np.arange(64))
    rows = np.arange(0, 700, 3, dtype=np.int32)
    expected = (vectors[rows] / norms[rows, np.newaxis]) @ queries.T
    found = _nearest.exact_cosines(queries[5], vectors, norms, rows)
    np.testing.assert_array_equal(found, expected[:, 5])
    with pytest.raises(ValueError, match="out of bounds"):
        _nearest.exact_cosines(queries[5], vectors, norms, np.int32([700]))
