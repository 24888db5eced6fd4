"""KeyedVectors with int keys (node ids of graph walks, item ids): lookup, queries, adding,
evaluation files, save/load and word2vec.c files (issue #19).

The keys are chosen so that keys and row numbers collide: key 3 is at row 2 while row 3
holds key 1000, key 0 is at row 6, and 2 is a row number but not a key.
"""
import logging
import re

import numpy as np
import pytest
from scipy import stats

from fastw2v.keyedvectors import KeyedVectors

# Each key has one obvious nearest neighbour: 7 ~ 42, 3 ~ 1000, 12 ~ 0; 5 is alone.
NODES = {
    7: [1.0, 0.0, 0.0, 0.0],
    42: [1.0, 0.1, 0.0, 0.0],
    3: [0.0, 1.0, 0.0, 0.0],
    1000: [0.0, 1.0, 0.1, 0.0],
    5: [0.0, 0.0, 1.0, 0.0],
    12: [0.0, 0.0, 0.0, 1.0],
    0: [0.0, 0.0, 0.1, 1.0],
}
KEYS = list(NODES)
NEAR = 1.0 / np.sqrt(1.01)  # cosine of each pair of neighbours

# king - man + woman == queen, as ints: man=1, woman=2, king=3, queen=4, then fruit.
ANALOGY = {
    1: [1.0, 0.0, 0.0, 0.0],
    2: [1.0, 1.0, 0.0, 0.0],
    3: [1.0, 0.0, 1.0, 0.0],
    4: [1.0, 1.0, 1.0, 0.0],
    5: [0.0, 0.0, 0.0, 1.0],
    6: [0.0, 0.2, 0.0, 1.0],
    8: [0.1, 0.0, 0.1, 1.0],
}


def exactly(message):
    return "^%s$" % re.escape(message)


def vec(key, vectors=NODES):
    """The vector of ``key`` as stored (float32)."""
    return np.float32(vectors[key])


def make(vectors, key=lambda k: k):
    kv = KeyedVectors(4)
    kv.add_vectors([key(k) for k in vectors], np.array(list(vectors.values()), dtype=np.float32))
    return kv


@pytest.fixture
def kv():
    return make(NODES)


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def brute_most_similar(vectors, positive, negative=(), topn=3):
    """most_similar by hand: cosine to the unit mean of unit query vectors, queries excluded."""
    mean = sum(unit(vectors[k]) for k in positive) - sum(unit(vectors[k]) for k in negative)
    mean = unit(mean)
    sims = {k: float(unit(v) @ mean) for k, v in vectors.items()
            if k not in set(positive) | set(negative)}
    return sorted(sims.items(), key=lambda kv_: -kv_[1])[:topn]


def assert_pairs(actual, expected):
    assert [k for k, _ in actual] == [k for k, _ in expected]
    assert all(type(k) is int for k, _ in actual)
    np.testing.assert_allclose([s for _, s in actual], [s for _, s in expected], atol=1e-6)


# ---- lookup ---------------------------------------------------------------------------

def test_lookup_by_int_and_numpy_int(kv):
    assert kv.key_type is int and kv.index_to_key == KEYS
    assert all(type(key) is int for key in kv.index_to_key)
    for key in (42, np.int64(42), np.int32(42), np.uint16(42), np.int8(42)):
        assert key in kv and kv.key_to_index[key] == 1 and kv.get_index(key) == 1
        np.testing.assert_array_equal(kv[key], vec(42))
        np.testing.assert_array_equal(kv.get_vector(key), vec(42))
    np.testing.assert_allclose(kv.get_vector(np.int64(42), norm=True), unit(NODES[42]), rtol=1e-6)
    np.testing.assert_array_equal(kv[[7, 42]], [vec(7), vec(42)])
    np.testing.assert_array_equal(kv[np.array([3, 1000])], [vec(3), vec(1000)])
    np.testing.assert_array_equal(kv[(np.int64(0), 12)], [vec(0), vec(12)])
    # a key wins over the row number it collides with
    assert kv.get_index(3) == 2 and kv.get_index(0) == 6
    np.testing.assert_array_equal(kv[3], NODES[3])
    kv.set_vecattr(np.int64(3), "count", 17)
    assert kv.get_vecattr(3, "count") == 17


def test_an_int_that_is_not_a_key_is_missing_not_a_row_number(kv):
    # gensim would take 2 (< len) for row 2; with int keys it is a missing key
    assert 2 not in kv and np.int64(2) not in kv and 99 not in kv and not kv.has_index_for(2)
    assert kv.get_index(2, -1) == -1
    for missing in (2, np.int64(2)):
        with pytest.raises(KeyError, match=exactly("Key 2 not present in vocabulary")):
            kv[missing]
    with pytest.raises(KeyError, match=exactly("Key 2 not present in vocabulary")):
        kv.most_similar(2)
    with pytest.raises(KeyError, match=exactly("Key 99 not present in vocabulary")):
        kv.similarity(7, 99)
    assert "7" not in kv and "a" not in kv
    with pytest.raises(KeyError, match=exactly("Key '7' not present in vocabulary "
                                               "(this KeyedVectors has int keys)")):
        kv["7"]
    # str keys keep gensim's row numbers
    words = make(NODES, key=str)
    assert words.key_type is str and words.get_index(2) == 2 and 2 in words
    with pytest.raises(KeyError, match=exactly("Key 7 not present in vocabulary "
                                               "(this KeyedVectors has str keys)")):
        words[7]


def test_bool_and_float_are_not_keys():
    kv = make({1: [1.0, 0, 0, 0], 0: [0, 1.0, 0, 0]})  # True == 1 and 0.0 == 0 as dict keys
    assert True not in kv and False not in kv and 1.0 not in kv and np.float64(0) not in kv
    assert kv.get_index(True, -1) == -1
    with pytest.raises(TypeError, match=exactly("key must be a str or int, got True (bool)")):
        kv[True]
    with pytest.raises(TypeError, match=exactly("key must be a str or int, got 1.0 (float)")):
        kv.get_vector(1.0)
    with pytest.raises(TypeError, match=exactly("key must be a str or int, got True (bool)")):
        kv.add_vector(True, np.ones(4))
    with pytest.raises(TypeError, match=exactly("keys[1] must be a str or int, got False (bool)")):
        kv.add_vectors([2, False], np.ones((2, 4)))
    with pytest.raises(TypeError, match=exactly("positive[0] must be a key or a numeric vector, "
                                                "got True (bool)")):
        kv.most_similar(True)
    assert kv.index_to_key == [1, 0]


# ---- similarity queries ------------------------------------------------------------------

def test_most_similar_takes_ints_as_keys(kv):
    assert_pairs(kv.most_similar(7, topn=1), [(42, NEAR)])
    assert_pairs(kv.most_similar(np.int64(7), topn=1), [(42, NEAR)])
    assert_pairs(kv.most_similar(positive=[np.int32(3)], topn=1), [(1000, NEAR)])
    assert_pairs(kv.most_similar(0, topn=1), [(12, NEAR)])
    for positive, negative in (([7, 3], [12]), ([42], [5]), ([7, 12, 0], [])):
        assert_pairs(kv.most_similar(positive=positive, negative=negative, topn=3),
                     brute_most_similar(NODES, positive, negative))
    # four ints and vector_size 4: four keys, not a vector
    assert [k for k, _ in kv.most_similar(positive=[7, 42, 3, 1000])] == [5, 0, 12]
    assert_pairs(kv.most_similar(positive=[7, 42, 3, 1000], topn=3),
                 brute_most_similar(NODES, [7, 42, 3, 1000]))
    # (key, weight) pairs
    weighted = kv.most_similar(positive=[(7, 1.0), (np.int64(3), 0.5)], topn=2)
    mean = unit(unit(NODES[7]) + 0.5 * unit(NODES[3]))
    assert_pairs(weighted, [(k, unit(NODES[k]) @ mean) for k in (42, 1000)])
    # a float vector is a vector (nothing excluded), an integer array is refused
    assert kv.most_similar(positive=[np.array([1.0, 0, 0, 0])], topn=2)[0][0] == 7
    with pytest.raises(TypeError, match=exactly(
            "positive[0] is an integer array: with int keys, pass keys as a list "
            "(array.tolist()) and vectors as float arrays")):
        kv.most_similar(np.array([7, 42, 3, 1000]))
    with pytest.raises(TypeError, match=re.escape("negative[0] is an integer array")):
        kv.most_similar(7, negative=[np.array([1, 0, 0, 0])])
    assert kv.most_similar(7, topn=None).shape == (7,)


def test_other_queries_with_int_keys(kv):
    assert_pairs(kv.most_similar_cosmul(positive=[7], topn=1), [(42, (1 + NEAR) / 2 / 1.000001)])
    assert kv.most_similar_cosmul(positive=[np.int64(7), 3], negative=[12], topn=1)[0][0] in (42, 1000)
    assert_pairs(kv.similar_by_key(np.int16(3), topn=1), [(1000, NEAR)])
    assert_pairs(kv.similar_by_word(12, topn=1), [(0, NEAR)])
    assert kv.similarity(7, 42) == pytest.approx(NEAR)
    assert kv.similarity(np.int64(7), 7) == 1.0 and kv.distance(7, np.int32(7)) == 0.0
    assert kv.distance(7, 3) == pytest.approx(1.0)
    np.testing.assert_allclose(kv.distances(7, [42, np.int64(3)]), [1 - NEAR, 1.0], atol=1e-6)
    assert kv.distances(np.int64(7)).shape == (7,)
    assert kv.n_similarity([7, 42], [np.int64(42)]) == pytest.approx(
        unit(np.add(NODES[7], NODES[42])) @ unit(NODES[42]), abs=1e-6)
    assert kv.doesnt_match([7, 42, np.int64(12)]) == 12
    assert kv.rank(7, 42) == 1 and kv.rank(3, np.int64(1000)) == 1 and kv.rank(7, 3) == 2
    assert kv.closer_than(7, 3) == [42] and kv.closer_than(np.int64(12), 5) == [0]
    assert kv.most_similar_to_given(7, [3, 42, 12]) == 42
    assert type(kv.most_similar_to_given(np.int64(0), [5, np.int64(12)])) is int
    assert type(kv.doesnt_match([7, 42, np.int64(12)])) is int
    ranked = kv.rank_by_centrality([7, 42, np.int64(3)])
    mean = unit(sum(unit(NODES[k]) for k in (7, 42, 3)))
    expected = sorted(((unit(NODES[k]) @ mean, k) for k in (7, 42, 3)), reverse=True)
    assert [k for _, k in ranked] == [k for _, k in expected] == [42, 7, 3]
    np.testing.assert_allclose([s for s, _ in ranked], [s for s, _ in expected], rtol=1e-6)
    assert all(type(k) is int for _, k in ranked)
    np.testing.assert_allclose(kv.get_mean_vector([7, np.int64(3)]),
                               (unit(NODES[7]) + unit(NODES[3])) / 2, rtol=1e-6)
    np.testing.assert_allclose(kv.get_mean_vector([7, 99]), NODES[7])  # 99 missing: ignored
    with pytest.raises(KeyError, match=exactly("Key 99 not present in vocabulary")):
        kv.get_mean_vector([7, 99], ignore_missing=False)
    batch = kv.most_similar_batch([7, np.int64(3), 12], topn=1)
    assert [[k for k, _ in row] for row in batch] == [[42], [1000], [0]]
    assert kv.relative_cosine_similarity(7, 42, topn=1) == pytest.approx(1.0)


def test_queries_agree_with_gensim(kv):
    gensim_kv = pytest.importorskip("gensim.models").KeyedVectors
    theirs = gensim_kv(4)
    theirs.add_vectors(KEYS, np.array(list(NODES.values()), dtype=np.float32))
    for positive, negative in (([7], []), ([7, 3], [12]), ([42, 0], [5])):
        ours, gensims = kv.most_similar(positive, negative, topn=4), \
            theirs.most_similar(positive, negative, topn=4)
        assert [k for k, _ in ours] == [k for k, _ in gensims]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in gensims], atol=1e-6)
    # (gensim's most_similar_cosmul takes only str for keys: it fails on int keys)
    assert kv.doesnt_match([7, 42, 12]) == theirs.doesnt_match([7, 42, 12])
    assert kv.closer_than(7, 3) == theirs.closer_than(7, 3)
    assert kv.rank(7, 3) == theirs.rank(7, 3)
    assert kv.most_similar_to_given(7, [3, 42, 12]) == theirs.most_similar_to_given(7, [3, 42, 12])
    np.testing.assert_allclose(kv.distances(7, [42, 3]), theirs.distances(7, [42, 3]), atol=1e-6)


# ---- adding keys ---------------------------------------------------------------------------

def test_add_and_set_int_keys(kv):
    with pytest.warns(UserWarning, match="Adding single vectors"):
        assert kv.add_vector(np.int64(99), [1.0, 1.0, 0.0, 0.0]) == 7
    kv.add_vectors([np.int32(100), 101, np.int64(100)], np.eye(4, dtype=np.float32)[:3])
    assert kv.index_to_key[7:] == [99, 100, 101] and all(type(k) is int for k in kv.index_to_key)
    assert kv.key_to_index[100] == 8 and len(kv) == 10
    np.testing.assert_array_equal(kv[np.uint32(100)], [1, 0, 0, 0])  # the first of the duplicates
    kv[102] = [0.0, 0.0, 2.0, 0.0]
    kv[np.int64(7)] = [0.0, 0.0, 0.0, 3.0]  # replaces
    kv[[42, 103]] = np.array([[0, 0, 0, 4.0], [0, 0, 5.0, 0]])
    assert kv.index_to_key[-2:] == [102, 103] and type(kv.index_to_key[-2]) is int
    np.testing.assert_array_equal(kv[7], [0, 0, 0, 3])
    np.testing.assert_array_equal(kv[42], [0, 0, 0, 4])
    assert kv.most_similar(102, topn=1)[0][0] in (5, 103)
    # preallocated
    pre = KeyedVectors(2, count=2)
    assert pre.key_type is None
    assert pre.add_vector(np.int64(5), [1.0, 0.0]) == 0 and pre.add_vector(6, [0.0, 1.0]) == 1
    assert pre.index_to_key == [5, 6] and type(pre.index_to_key[0]) is int and pre.key_type is int


def test_mixing_key_types_is_a_type_error(kv):
    message = "this KeyedVectors has int keys; got the str key 'a' (a KeyedVectors has one key " \
              "type, str or int)"
    with pytest.raises(TypeError, match=exactly(message)):
        kv.add_vector("a", np.ones(4))
    with pytest.raises(TypeError, match=exactly(message)):
        kv["a"] = np.ones(4)
    with pytest.raises(TypeError, match=exactly(
            "this KeyedVectors has int keys; got the str key '8' at keys[1] (a KeyedVectors has "
            "one key type, str or int)")):
        kv.add_vectors([8, "8"], np.ones((2, 4)))
    assert kv.index_to_key == KEYS and kv.vectors.shape == (7, 4)  # nothing added
    words = make(NODES, key=str)
    with pytest.raises(TypeError, match=exactly(
            "this KeyedVectors has str keys; got the int key 5 (a KeyedVectors has one key type, "
            "str or int)")):
        words.add_vector(np.int64(5), np.ones(4))
    with pytest.raises(TypeError, match=exactly(
            "keys mix key types: keys[0] is the int key 1, keys[1] is the str key 'a' (a "
            "KeyedVectors has one key type, str or int)")):
        KeyedVectors(4).add_vectors([np.int64(1), "a"], np.ones((2, 4)))
    with pytest.raises(ValueError, match=exactly(
            "int keys must fit in 64 bits (they are saved as int64), got 9223372036854775808 "
            "at keys[0]")):
        kv.add_vectors([2 ** 63], np.ones((1, 4)))
    kv.add_vectors([-2 ** 63, 2 ** 63 - 1], np.ones((2, 4)))
    assert kv.index_to_key[-2:] == [-2 ** 63, 2 ** 63 - 1]


def test_vectors_for_all_and_sorting(kv):
    subset = kv.vectors_for_all([np.int64(42), 42, 3, 99, 2])  # 2 is no key (not row 2)
    assert subset.index_to_key == [42, 3] and all(type(k) is int for k in subset.index_to_key)
    np.testing.assert_array_equal(subset.vectors, [vec(42), vec(3)])
    assert subset.key_to_index == {42: 0, 3: 1} and subset.key_type is int
    exact = kv.vectors_for_all([np.int32(1000), 7], allow_inference=False)
    assert exact.index_to_key == [1000, 7]
    counts = {7: 5, 42: 50, 3: 4, 1000: 1, 5: 70, 12: 2, 0: 9}
    for key, count in counts.items():
        kv.set_vecattr(key, "count", count)
    copied = kv.vectors_for_all([0, 5], copy_vecattrs=True)
    assert [copied.get_vecattr(k, "count") for k in (0, 5)] == [9, 70]
    kv.sort_by_descending_frequency()
    assert kv.index_to_key == [5, 42, 0, 7, 3, 12, 1000]
    assert kv.key_to_index == {key: i for i, key in enumerate(kv.index_to_key)}
    for key in KEYS:
        np.testing.assert_array_equal(kv[key], vec(key))
        assert kv.get_vecattr(key, "count") == counts[key]
    assert_pairs(kv.most_similar(3, topn=1), [(1000, NEAR)])


# ---- evaluation files ------------------------------------------------------------------------

PAIRS = "# node ids\n7\t42\t9.0\n3\t1000\t8.0\n7\t3\t1.0\n12\t0\t8.5\n5\t12\t0.5\n" \
        "99\t7\t3.0\nnode\t7\t2.0\n42\t5\t1.5\n"


def test_evaluate_word_pairs_reads_node_ids(kv, tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS)
    pearson, spearman, oov = kv.evaluate_word_pairs(path)
    known = [(7, 42, 9.0), (3, 1000, 8.0), (7, 3, 1.0), (12, 0, 8.5), (5, 12, 0.5), (42, 5, 1.5)]
    gold = [score for _, _, score in known]
    model = [kv.similarity(a, b) for a, b, _ in known]
    assert pearson[0] == pytest.approx(stats.pearsonr(gold, model)[0])
    assert spearman[0] == pytest.approx(stats.spearmanr(gold, model)[0])
    assert spearman[0] > 0.8 and oov == pytest.approx(100 * 2 / 8)
    # the same as str keys that spell the ids, on the same file
    words = make(NODES, key=str)
    assert words.evaluate_word_pairs(path)[1][0] == pytest.approx(spearman[0])
    assert kv.evaluate_word_pairs(path, case_insensitive=False)[1][0] == pytest.approx(spearman[0])
    _, _, oov = kv.evaluate_word_pairs(path, dummy4unknown=True)
    assert oov == pytest.approx(100 * 2 / 8)
    # restrict_vocab: only the first 4 keys (7, 42, 3, 1000) are known
    _, _, oov = kv.evaluate_word_pairs(path, restrict_vocab=4)
    assert oov == pytest.approx(100 * 5 / 8)


def test_evaluate_word_analogies_reads_ints(tmp_path):
    kv = make(ANALOGY)
    path = tmp_path / "analogies.txt"
    path.write_text(": royal\n1 2 3 4\n1 3 2 4\n3 4 1 2\n: oov\n1 2 99 4\n1 2 man 4\n: wrong\n"
                    "1 2 3 6\n")
    score, sections = kv.evaluate_word_analogies(path)
    assert score == pytest.approx(3 / 4)
    assert [s["section"] for s in sections] == ["royal", "oov", "wrong", "Total accuracy"]
    assert sections[0]["correct"] == [(1, 2, 3, 4), (1, 3, 2, 4), (3, 4, 1, 2)]
    assert all(type(word) is int for question in sections[0]["correct"] for word in question)
    assert sections[1] == {"section": "oov", "correct": [], "incorrect": []}
    assert sections[2]["incorrect"] == [(1, 2, 3, 6)]
    score, sections = kv.evaluate_word_analogies(path, dummy4unknown=True, case_insensitive=False)
    assert score == pytest.approx(3 / 6)
    assert sections[1]["incorrect"] == [(1, 2, 99, 4), (1, 2, "man", 4)]
    words = make(ANALOGY, key=str)
    assert words.evaluate_word_analogies(path)[0] == pytest.approx(3 / 4)


# ---- persistence ------------------------------------------------------------------------------

@pytest.mark.parametrize("mmap", [None, "r"])
def test_save_load_keeps_int_keys(kv, tmp_path, mmap):
    kv.add_vectors([np.int64(-5), np.uint32(77)], np.ones((2, 4), dtype=np.float32))
    for key in kv.index_to_key:
        kv.set_vecattr(key, "count", 100 + kv.get_index(key))
    kv.save(tmp_path / "kv")
    loaded = KeyedVectors.load(tmp_path / "kv", mmap=mmap)
    assert loaded.index_to_key == KEYS + [-5, 77] and loaded.key_type is int
    assert all(type(key) is int for key in loaded.index_to_key)
    assert loaded.key_to_index == kv.key_to_index
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    assert loaded.get_vecattr(np.int64(1000), "count") == 103
    assert 2 not in loaded  # still int keys: no row numbers
    assert_pairs(loaded.most_similar(7, topn=1), [(42, NEAR)])
    with pytest.raises(TypeError, match="this KeyedVectors has int keys; got the str key 'a'"):
        loaded.add_vector("a", np.ones(4))


# ---- word2vec.c format -----------------------------------------------------------------------

def small_int_kv(counts=None):
    small = KeyedVectors(2)
    small.add_vectors([42, 7, -3], np.array([[0.5, -1.0], [0.1, 2.0], [1.0, 0.25]], dtype=np.float32))
    if counts is not None:
        small.expandos["count"] = np.array(counts, dtype=np.int64)
    return small


def f32(*values):
    return np.float32(values).tobytes()


def test_save_word2vec_format_writes_decimal_keys(tmp_path):
    small = small_int_kv()
    small.save_word2vec_format(tmp_path / "t")
    assert (tmp_path / "t").read_bytes() == b"3 2\n42 0.5 -1.0\n7 0.1 2.0\n-3 1.0 0.25\n"
    small.save_word2vec_format(tmp_path / "b", binary=True)
    assert (tmp_path / "b").read_bytes() == \
        b"3 2\n42 " + f32(0.5, -1.0) + b"7 " + f32(0.1, 2.0) + b"-3 " + f32(1.0, 0.25)
    counted = small_int_kv(counts=[5, 9, 1])
    counted.save_word2vec_format(tmp_path / "c", fvocab=tmp_path / "vocab", prefix="n")
    assert (tmp_path / "c").read_bytes() == b"3 2\nn7 0.1 2.0\nn42 0.5 -1.0\nn-3 1.0 0.25\n"
    assert (tmp_path / "vocab").read_bytes() == b"n7 9\nn42 5\nn-3 1\n"
    # numpy ints added as keys are written as the same decimals
    numpy_keys = KeyedVectors(2)
    numpy_keys.add_vectors(np.array([42, 7, -3]), small.vectors)
    numpy_keys.save_word2vec_format(tmp_path / "n")
    assert (tmp_path / "n").read_bytes() == (tmp_path / "t").read_bytes()


@pytest.mark.parametrize("binary", [False, True])
def test_save_word2vec_format_matches_gensim(tmp_path, binary):
    gensim_kv = pytest.importorskip("gensim.models").KeyedVectors
    ours = small_int_kv(counts=[5, 9, 1])
    theirs = gensim_kv(2)
    theirs.add_vectors([42, 7, -3], ours.vectors.copy())
    theirs.expandos["count"] = ours.expandos["count"].copy()
    ours.save_word2vec_format(tmp_path / "ours", binary=binary, fvocab=tmp_path / "ours.vocab")
    theirs.save_word2vec_format(tmp_path / "theirs", binary=binary, fvocab=tmp_path / "theirs.vocab")
    assert (tmp_path / "ours").read_bytes() == (tmp_path / "theirs").read_bytes()
    assert (tmp_path / "ours.vocab").read_bytes() == (tmp_path / "theirs.vocab").read_bytes()


def test_dense_ids_are_written_once(tmp_path):
    # gensim 4.4 writes the vectors of leading keys 0, 1, ... at rows 0, 1, ... twice
    dense = KeyedVectors(2)
    dense.add_vectors([0, 1, 2], np.array([[0.5, -1.0], [0.1, 2.0], [1.0, 0.25]], dtype=np.float32))
    dense.save_word2vec_format(tmp_path / "t")
    assert (tmp_path / "t").read_bytes() == b"3 2\n0 0.5 -1.0\n1 0.1 2.0\n2 1.0 0.25\n"
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "t", key_type=int)
    assert loaded.index_to_key == [0, 1, 2]


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_round_trip_as_ints(kv, tmp_path, binary):
    for key in KEYS:
        kv.set_vecattr(key, "count", 1000 - kv.get_index(key))
    kv.add_vectors([-2 ** 63, 2 ** 63 - 1], np.ones((2, 4)), extras={"count": np.array([1, 1])})
    kv.save_word2vec_format(tmp_path / "v", binary=binary, fvocab=tmp_path / "vocab")
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, key_type=int,
                                               fvocab=tmp_path / "vocab")
    assert loaded.index_to_key == kv.index_to_key and loaded.key_type is int
    assert all(type(key) is int for key in loaded.index_to_key)
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    assert [loaded.get_vecattr(k, "count") for k in KEYS] == [1000 - i for i in range(7)]
    assert_pairs(loaded.most_similar(7, topn=1), [(42, NEAR)])
    limited = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, key_type=int, limit=2)
    assert limited.index_to_key == [7, 42]
    as_str = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary)
    assert as_str.index_to_key == [str(key) for key in kv.index_to_key]
    # back to the same file
    loaded.save_word2vec_format(tmp_path / "w", binary=binary)
    kv.save_word2vec_format(tmp_path / "v2", binary=binary)
    assert (tmp_path / "w").read_bytes() == (tmp_path / "v2").read_bytes()


def test_word2vec_format_no_header_and_duplicates(tmp_path, caplog):
    path = tmp_path / "glove.txt"
    path.write_text("10 1.0 0.0\n-20 0.0 1.0\n")
    loaded = KeyedVectors.load_word2vec_format(path, no_header=True, key_type=int)
    assert loaded.index_to_key == [10, -20]
    path.write_text("3 2\n7 1.0 0.0\n007 0.0 1.0\n8 1.0 1.0\n")
    with caplog.at_level(logging.WARNING):
        loaded = KeyedVectors.load_word2vec_format(path, key_type=int)
    assert loaded.index_to_key == [7, 8] and "duplicate word 7" in caplog.text
    np.testing.assert_array_equal(loaded[7], [1.0, 0.0])


@pytest.mark.parametrize("content, binary, where, key, problem", [
    (b"2 2\n1 0.5 0.5\nx 1 1\n", False, "line 3", "x", "not a decimal integer"),
    (b"2 2\n1 0.5 0.5\n2.5 1 1\n", False, "line 3", "2.5", "not a decimal integer"),
    (b"2 2\n+1 0.5 0.5\n2 1 1\n", False, "line 2", "+1", "not a decimal integer"),
    (b"2 2\n1 0.5 0.5\n\xd9\xa1 1 1\n", False, "line 3", "\u0661", "not a decimal integer"),
    (b"1 2\n9223372036854775808 0.5 0.5\n", False, "line 2", "9223372036854775808",
     "an integer outside the 64-bit range"),
    (b"1 2\n-9223372036854775809 0.5 0.5\n", False, "line 2", "-9223372036854775809",
     "an integer outside the 64-bit range"),
    (b"2 2\n1 " + f32(0.5, 0.5) + b"n2 " + f32(1, 1), True, "vector 2", "n2",
     "not a decimal integer"),
    (b"1 2\n- " + f32(0.5, 0.5), True, "vector 1", "-", "not a decimal integer"),
])
def test_word2vec_format_keys_that_are_not_ints(tmp_path, content, binary, where, key, problem):
    path = tmp_path / "v"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=exactly("%s: %s: key %r is %s (key_type=int)"
                                                 % (path, where, key, problem))):
        KeyedVectors.load_word2vec_format(path, binary=binary, key_type=int)
    assert len(KeyedVectors.load_word2vec_format(path, binary=binary)) >= 1  # fine as str


def test_word2vec_format_key_type_is_checked(tmp_path):
    small_int_kv().save_word2vec_format(tmp_path / "t")
    for bad in ("int", float, np.int64, bytes):
        with pytest.raises(ValueError, match=exactly("key_type must be str or int, got %r" % (bad,))):
            KeyedVectors.load_word2vec_format(tmp_path / "t", key_type=bad)
    path = tmp_path / "with_prefix"
    small_int_kv().save_word2vec_format(path, prefix="n")
    with pytest.raises(ValueError, match=exactly("%s: line 2: key 'n42' is not a decimal integer "
                                                 "(key_type=int)" % path)):
        KeyedVectors.load_word2vec_format(path, key_type=int)


def test_intersect_word2vec_format_with_int_keys(kv, tmp_path):
    other = KeyedVectors(4)
    other.add_vectors([42, 5, 31337], np.full((3, 4), 7.0, dtype=np.float32))
    other.save_word2vec_format(tmp_path / "other")
    kv.intersect_word2vec_format(tmp_path / "other", lockf=1.0)
    np.testing.assert_array_equal(kv[42], [7.0] * 4)
    np.testing.assert_array_equal(kv[5], [7.0] * 4)
    np.testing.assert_array_equal(kv[7], vec(7))
    assert kv.index_to_key == KEYS
