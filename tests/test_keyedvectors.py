"""KeyedVectors: storage, lookup and similarity queries on hand-made vectors."""
import numpy as np
import pytest

from fastw2v import nearest
from fastw2v.keyedvectors import KeyedVectors
from fastw2v.nearest import top_k

# man/woman differ by "female", king/queen add "royal": king - man + woman == queen.
WORDS = {
    "man": [1.0, 0.0, 0.0, 0.0],
    "woman": [1.0, 1.0, 0.0, 0.0],
    "king": [1.0, 0.0, 1.0, 0.0],
    "queen": [1.0, 1.0, 1.0, 0.0],
    "apple": [0.0, 0.0, 0.0, 1.0],
    "banana": [0.0, 0.2, 0.0, 1.0],
    "cherry": [0.1, 0.0, 0.1, 1.0],
}


@pytest.fixture
def kv():
    kv = KeyedVectors(4)
    kv.add_vectors(list(WORDS), np.array(list(WORDS.values())))
    for i, key in enumerate(kv.index_to_key):
        kv.set_vecattr(key, "count", 100 - i)
    return kv


def random_kv(n=3000, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    kv = KeyedVectors(dim)
    kv.add_vectors(["w%d" % i for i in range(n)], rng.standard_normal((n, dim)).astype(np.float32))
    return kv


def cos(a, b):
    return float(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b))


# ---- storage and lookup -------------------------------------------------------------------

def test_constructor_contract():
    kv = KeyedVectors(5, count=3)
    assert kv.vectors.shape == (3, 5) and kv.vectors.dtype == np.float32
    assert kv.index_to_key == [None] * 3 and kv.key_to_index == {} and kv.norms is None
    assert kv.expandos == {} and kv.vector_size == 5
    with pytest.raises(ValueError, match="vector_size"):
        KeyedVectors(0)


def test_lookup(kv):
    assert len(kv) == 7 and "queen" in kv and "prince" not in kv
    assert kv.get_index("king") == 2 and kv.get_index("prince", -1) == -1
    assert kv.get_index(3) == 3  # an in-range integer that is not a key is a row number
    np.testing.assert_array_equal(kv["king"], WORDS["king"])
    np.testing.assert_array_equal(kv[["man", "apple"]], [WORDS["man"], WORDS["apple"]])
    np.testing.assert_allclose(kv.get_vector("king", norm=True), np.array(WORDS["king"]) / 2 ** 0.5)
    assert not kv.get_vector("king").flags.writeable
    assert kv.vectors.flags.c_contiguous and kv.vectors.dtype == np.float32
    assert str(kv) == "KeyedVectors<vector_size=4, 7 keys>"


def test_missing_key_names_it_and_suggests_spellings(kv):
    with pytest.raises(KeyError) as info:
        kv["quen"]
    assert "'quen' not present" in str(info.value) and "'queen'" in str(info.value)
    with pytest.raises(KeyError, match="'zzz' not present"):
        kv.most_similar("zzz")
    assert not kv.has_index_for("zzz") and kv.has_index_for("man")


def test_vecattr(kv):
    assert kv.get_vecattr("man", "count") == 100
    kv.set_vecattr("man", "count", 7)
    assert kv.get_vecattr("man", "count") == 7 and kv.expandos["count"].shape == (7,)


def test_add_vector_fills_preallocated_slots_then_grows():
    kv = KeyedVectors(2, count=2)
    assert kv.add_vector("a", [1, 0]) == 0 and kv.add_vector("b", [0, 1]) == 1
    with pytest.warns(UserWarning, match="grows by one"):
        assert kv.add_vector("c", [1, 1]) == 2
    assert kv.index_to_key == ["a", "b", "c"] and kv.key_to_index["c"] == 2
    np.testing.assert_array_equal(kv["c"], [1, 1])


def test_add_vectors_keeps_or_replaces_and_resets_norms(kv):
    kv.fill_norms()
    kv.add_vectors(["man", "prince"], np.array([[9, 9, 9, 9], [1, 0, 1, 0.5]]))
    np.testing.assert_array_equal(kv["man"], WORDS["man"])
    assert kv.index_to_key[-1] == "prince" and len(kv.expandos["count"]) == len(kv) == 8
    kv["man"] = np.array([0, 0, 0, 2.0])
    np.testing.assert_array_equal(kv["man"], [0, 0, 0, 2])
    assert kv.norms is None
    kv.fill_norms()
    assert kv.norms[0] == 2.0
    with pytest.raises(ValueError, match="shape"):
        kv.add_vectors(["x"], np.ones((1, 3)))


def test_add_vectors_with_extras():
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], np.eye(2), extras={"count": np.array([5, 3])})
    kv.add_vectors(["a", "c"], np.ones((2, 2)), extras={"count": np.array([9, 1])}, replace=True)
    assert kv.expandos["count"].tolist() == [9, 3, 1]


def test_fill_norms_recomputes_when_vectors_are_replaced(kv):
    kv.fill_norms()
    kv.vectors = np.ones((3, 4), dtype=np.float32)  # as the trainer assigns directly
    kv.fill_norms()
    np.testing.assert_allclose(kv.norms, [2.0, 2.0, 2.0])
    np.testing.assert_allclose(np.linalg.norm(kv.get_normed_vectors(), axis=1), 1.0)


def test_sort_by_descending_frequency(kv):
    kv.set_vecattr("cherry", "count", 1000)
    kv.sort_by_descending_frequency()
    assert kv.index_to_key[0] == "cherry" and kv.key_to_index["cherry"] == 0
    np.testing.assert_allclose(kv["cherry"], WORDS["cherry"], rtol=1e-6)
    assert kv.expandos["count"][0] == 1000


def test_unit_normalize_all(kv):
    kv.unit_normalize_all()
    np.testing.assert_allclose(np.linalg.norm(kv.vectors, axis=1), 1.0, rtol=1e-6)


# ---- queries ------------------------------------------------------------------------------

def test_most_similar_known_neighbours(kv):
    result = kv.most_similar("apple", topn=2)
    assert [key for key, _ in result] == ["cherry", "banana"]
    assert all(isinstance(key, str) and isinstance(sim, float) for key, sim in result)
    assert result[0][1] == pytest.approx(cos(WORDS["apple"], WORDS["cherry"]), rel=1e-6)
    assert "apple" not in [key for key, _ in kv.most_similar("apple", topn=10)]
    assert len(kv.most_similar("apple", topn=100)) == 6
    assert kv.most_similar("apple", topn=0) == []


def test_zero_vectors_never_rank(kv):
    kv.add_vectors(["zero"], np.zeros((1, 4)))
    with np.errstate(invalid="ignore"):
        assert "zero" not in [k for k, _ in kv.most_similar("apple", topn=10)]
        assert "zero" not in [k for k, _ in kv.most_similar_batch(["apple"], topn=10)[0]]


def test_analogy(kv):
    assert kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"
    assert kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"
    # weights as (key, weight) pairs: the same query spelled out
    weighted = kv.most_similar(positive=[("king", 1.0), ("woman", 1.0), ("man", -1.0)], topn=1)
    assert weighted[0][0] == "queen"


def test_most_similar_topn_none_returns_all_similarities(kv):
    sims = kv.most_similar("king", topn=None)
    assert sims.shape == (7,)
    np.testing.assert_allclose(sims, [cos(WORDS["king"], v) for v in WORDS.values()], rtol=1e-6)
    cosmul = kv.most_similar_cosmul("king", topn=None)
    np.testing.assert_allclose(cosmul, (1 + sims) / 2 / (1 + 1e-6), rtol=1e-6)


def test_most_similar_vectors_and_restrict_vocab(kv):
    assert kv.similar_by_vector(np.array([0.0, 0.0, 0.0, 1.0]), topn=1)[0][0] == "apple"
    # restrict_vocab: only the first 4 keys (no fruit) are candidates
    assert kv.most_similar("apple", topn=10, restrict_vocab=4)[0][0] in ("man", "woman", "king", "queen")
    assert len(kv.most_similar("man", topn=10, restrict_vocab=4)) == 3
    assert kv.similar_by_key("queen", topn=1) == kv.similar_by_word("queen", topn=1)
    assert kv.similar_by_key("queen", topn=1)[0][0] in ("woman", "king")


def test_most_similar_batch_matches_single_queries(monkeypatch):
    kv = random_kv()
    monkeypatch.setattr(nearest, "_QUERY_CHUNK", 2)  # force several chunks and blocks
    monkeypatch.setattr(nearest, "_KEY_BLOCK", 704)
    queries = ["w1", "w2", kv["w3"] * 2, 17, "w2999"]
    batch = kv.most_similar_batch(queries, topn=7)
    assert len(batch) == 5
    for query, result in zip(queries, batch):
        single = kv.most_similar(positive=[query], topn=7)
        assert [k for k, _ in result] == [k for k, _ in single]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in single], rtol=1e-5)
    assert batch[2][0][0] == "w3"  # a vector query is not excluded from its own results
    matrix = np.stack([kv["w5"], kv["w6"]])
    assert [r[0][0] for r in kv.most_similar_batch(matrix, topn=1)] == ["w5", "w6"]
    sims = kv.most_similar_batch(["w1"], topn=None, restrict_vocab=100)
    assert sims.shape == (1, 100)
    np.testing.assert_allclose(sims[0], kv.most_similar("w1", topn=None, restrict_vocab=100), rtol=1e-5)
    assert kv.most_similar_batch(["w1"], topn=0) == [[]]
    with pytest.raises(ValueError, match="shape"):
        kv.most_similar_batch([np.ones(3)])


def test_top_k_matches_full_sort():
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((5, 5000)).astype(np.float32)  # wide: two-stage path
    scores[0, :100] = np.nan
    scores[2, 10], scores[2, 11] = np.nan, 10.0  # a NaN (zero-norm key) beside the best value
    scores[1, -3:] = 10.0  # best values in the short last block
    for matrix in (scores, scores[:, :300]):  # narrow: direct path
        best = top_k(matrix, 8)
        expected = np.argsort(-np.nan_to_num(matrix, nan=-np.inf), axis=1, kind="stable")[:, :8]
        np.testing.assert_array_equal(np.sort(best, axis=1), np.sort(expected, axis=1))
        values = np.take_along_axis(matrix, best, axis=1)
        assert (np.diff(values, axis=1) <= 0).all()
    assert top_k(scores[:, :3], 8).shape == (5, 3)


@pytest.mark.parametrize("ascending", [False, True])
def test_nearest_matches_brute_force(monkeypatch, ascending):
    monkeypatch.setattr(nearest, "_KEY_BLOCK", 256)  # many blocks, a ragged last one
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((3000, 8)).astype(np.float32)
    vectors[7] = 0.0  # zero norm: never ranks
    queries = nearest.unit_rows(rng.standard_normal((40, 8)))
    norms = np.linalg.norm(vectors, axis=1)
    if ascending:  # every block improves every top-k: the merge's fallback path
        queries = nearest.unit_rows(queries[0] + 0.01 * rng.standard_normal((40, 8)))
        order = np.argsort(vectors @ queries[0] / np.maximum(norms, 1e-9))
        vectors, norms = vectors[order], norms[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        full = np.nan_to_num((vectors @ queries.T / norms[:, None]).T, nan=-np.inf)
    indices, sims = nearest.nearest(queries, vectors, norms, 6)
    np.testing.assert_array_equal(indices, np.argsort(-full, axis=1, kind="stable")[:, :6])
    np.testing.assert_allclose(sims, -np.sort(-full, axis=1)[:, :6], rtol=1e-5)


def test_similarity_functions(kv):
    assert kv.similarity("king", "queen") == pytest.approx(cos(WORDS["king"], WORDS["queen"]), rel=1e-6)
    assert kv.distance("king", "queen") == pytest.approx(1 - kv.similarity("king", "queen"))
    np.testing.assert_allclose(kv.distances("king", ["queen", "man"]),
                               [1 - cos(WORDS["king"], WORDS["queen"]), 1 - cos(WORDS["king"], WORDS["man"])],
                               rtol=1e-6)
    assert kv.distances("king").shape == (7,) and kv.distances("king")[2] == pytest.approx(0, abs=1e-6)
    np.testing.assert_allclose(KeyedVectors.cosine_similarities(np.array([1.0, 0]), np.eye(2)), [1, 0])
    mean = np.mean([WORDS["man"], WORDS["woman"]], axis=0)
    assert kv.n_similarity(["man", "woman"], ["king"]) == pytest.approx(cos(mean, WORDS["king"]), rel=1e-6)
    with pytest.raises(ZeroDivisionError):
        kv.n_similarity([], ["king"])
    assert kv.most_similar_to_given("apple", ["man", "banana", "king"]) == "banana"
    assert kv.relative_cosine_similarity("apple", "banana", topn=2) == pytest.approx(
        kv.similarity("apple", "banana") / sum(s for _, s in kv.most_similar("apple", topn=2)), rel=1e-6)


def test_doesnt_match_and_centrality(kv):
    assert kv.doesnt_match(["apple", "banana", "cherry", "king"]) == "king"
    ranked = kv.rank_by_centrality(["apple", "banana", "king", "unknown"])
    assert [word for _, word in ranked][-1] == "king" and len(ranked) == 3
    with pytest.raises(ValueError, match="empty"):
        kv.rank_by_centrality(["unknown"])


def test_closer_than_and_rank(kv):
    assert set(kv.closer_than("apple", "man")) == {"banana", "cherry"}
    assert kv.rank("apple", "cherry") == 1 and kv.rank("apple", "banana") == 2


def test_get_mean_vector(kv):
    np.testing.assert_allclose(kv.get_mean_vector(["man", "apple"], pre_normalize=False), [0.5, 0, 0, 0.5])
    weighted = kv.get_mean_vector(["man", "apple"], weights=[3.0, -1.0], pre_normalize=False)
    np.testing.assert_allclose(weighted, [0.75, 0, 0, -0.25])
    unit = kv.get_mean_vector(["king", "unknown"], post_normalize=True)
    np.testing.assert_allclose(unit, np.array(WORDS["king"]) / 2 ** 0.5, rtol=1e-6)
    with pytest.raises(KeyError, match="unknown"):
        kv.get_mean_vector(["king", "unknown"], ignore_missing=False)
    with pytest.raises(ValueError, match="same number"):
        kv.get_mean_vector(["king"], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="no input"):
        kv.get_mean_vector([])


# ---- agreement with gensim ------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_queries_agree_with_gensim():
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    kv = random_kv(n=2000)
    ref = gensim_kv.KeyedVectors(kv.vector_size)
    ref.add_vectors(kv.index_to_key, kv.vectors.copy())

    def same(ours, theirs):
        assert [k for k, _ in ours] == [k for k, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5)

    same(kv.most_similar("w3", topn=20), ref.most_similar("w3", topn=20))
    same(kv.most_similar(["w1", "w2"], ["w3"], topn=5, restrict_vocab=500),
         ref.most_similar(["w1", "w2"], ["w3"], topn=5, restrict_vocab=500))
    same(kv.most_similar([("w1", 0.5), kv["w9"]], topn=5), ref.most_similar([("w1", 0.5), ref["w9"]], topn=5))
    same(kv.most_similar_cosmul(["w1", "w2"], ["w3"], topn=5), ref.most_similar_cosmul(["w1", "w2"], ["w3"], topn=5))
    np.testing.assert_allclose(kv.most_similar("w4", topn=None), ref.most_similar("w4", topn=None), rtol=1e-5)
    assert kv.similarity("w1", "w2") == pytest.approx(ref.similarity("w1", "w2"), rel=1e-6)
    assert kv.n_similarity(["w1", "w5"], ["w2"]) == pytest.approx(ref.n_similarity(["w1", "w5"], ["w2"]), rel=1e-5)
    assert kv.doesnt_match(["w1", "w2", "w3", "w4"]) == ref.doesnt_match(["w1", "w2", "w3", "w4"])
    assert kv.closer_than("w1", "w2") == ref.closer_than("w1", "w2")
    assert kv.rank("w1", "w2") == ref.rank("w1", "w2")
    np.testing.assert_allclose(kv.get_mean_vector(["w1", "w2"], weights=[1.0, 2.0]),
                               ref.get_mean_vector(["w1", "w2"], weights=[1.0, 2.0]), rtol=1e-6)
