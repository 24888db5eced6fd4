"""Argument checks of KeyedVectors queries, and tokens that are not valid text.

Each bad argument must raise TypeError, ValueError or KeyError with a message naming the
problem, at the Python boundary: never a numpy broadcasting error, a ZeroDivisionError from
an empty vocabulary, or a silently wrong result.
"""
import re

import numpy as np
import pytest

from fastw2v import Word2Vec
from fastw2v.evaluation import evaluate_word_analogies, evaluate_word_pairs
from fastw2v.keyedvectors import KeyedVectors
from fastw2v.phrases import Phrases

WORDS = {
    "man": [1.0, 0.0, 0.0, 0.0],
    "woman": [1.0, 1.0, 0.0, 0.0],
    "king": [1.0, 0.0, 1.0, 0.0],
    "queen": [1.0, 1.0, 1.0, 0.0],
    "apple": [0.0, 0.0, 0.0, 1.0],
}
SURROGATE = "\ud800"


@pytest.fixture
def kv():
    kv = KeyedVectors(4)
    kv.add_vectors(list(WORDS), np.array(list(WORDS.values())))
    return kv


def exactly(message):
    """A ``match`` pattern for the whole of ``message``."""
    return "^%s$" % re.escape(message)


# ---- topn and restrict_vocab ------------------------------------------------------------------

QUERIES = {
    "most_similar": lambda kv, **kw: kv.most_similar("king", **kw),
    "most_similar_cosmul": lambda kv, **kw: kv.most_similar_cosmul("king", **kw),
    "most_similar_batch": lambda kv, **kw: kv.most_similar_batch(["king"], **kw),
    "similar_by_word": lambda kv, **kw: kv.similar_by_word("king", **kw),
    "similar_by_vector": lambda kv, **kw: kv.similar_by_vector(np.ones(4), **kw),
}


@pytest.mark.parametrize("query", sorted(QUERIES))
@pytest.mark.parametrize("name", ["topn", "restrict_vocab"])
@pytest.mark.parametrize("value, error, shown", [
    (1.5, TypeError, "1.5 (float)"),
    ("3", TypeError, "'3' (str)"),
    (True, TypeError, "True (bool)"),
    (-5, ValueError, "-5"),
])
def test_topn_and_restrict_vocab_must_be_non_negative_ints(kv, query, name, value, error, shown):
    with pytest.raises(error, match=exactly("%s must be a non-negative int or None, got %s"
                                            % (name, shown))):
        QUERIES[query](kv, **{name: value})


@pytest.mark.parametrize("name", ["clip_start", "clip_end"])
def test_clip_range_must_be_non_negative_ints(kv, name):
    with pytest.raises(ValueError, match=exactly("%s must be a non-negative int or None, got -1" % name)):
        kv.most_similar("king", **{name: -1})


def test_topn_zero_none_and_numpy_ints_keep_gensim_behaviour(kv):
    assert kv.most_similar("king", topn=0) == [] and kv.most_similar_cosmul("king", topn=0) == []
    assert kv.most_similar_batch(["king", "man"], topn=0) == [[], []]
    assert kv.most_similar("king", topn=None).shape == (5,)  # the full similarity array
    assert kv.most_similar_cosmul("king", topn=None).shape == (5,)
    assert kv.most_similar_batch(["king"], topn=None).shape == (1, 5)
    assert len(kv.most_similar("king", topn=np.int64(2))) == 2
    assert kv.most_similar("king", topn=10, restrict_vocab=0) == kv.most_similar("king")  # 0: all
    assert [k for k, _ in kv.most_similar("king", restrict_vocab=np.int32(3))] == ["man", "woman"]


# ---- query terms: keys, vectors, pairs ----------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda kv: kv.most_similar([None]), TypeError,
     "positive[0] must be a key or a numeric vector, got None (NoneType)"),
    (lambda kv: kv.most_similar(None, [b"king"]), TypeError,
     "negative[0] must be a key or a numeric vector, got b'king' (bytes)"),
    (lambda kv: kv.most_similar(["king", 1.5]), TypeError,
     "positive[1] must be a key or a numeric vector, got 1.5 (float)"),
    (lambda kv: kv.most_similar([("king", "heavy")]), TypeError,
     "positive[0] must be a key, a vector or a (key, weight) pair, got ('king', 'heavy') (tuple)"),
    (lambda kv: kv.most_similar([np.ones(3)]), ValueError,
     "positive[0] has shape (3,), expected (4,)"),
    (lambda kv: kv.most_similar([np.ones(1)]), ValueError,  # would broadcast silently
     "positive[0] has shape (1,), expected (4,)"),
    (lambda kv: kv.most_similar(np.ones((2, 4)) * np.nan), ValueError,
     "positive[0] contains NaN or infinite values"),
    (lambda kv: kv.most_similar([(np.array([np.inf, 0, 0, 0]), 0.5)]), ValueError,
     "positive[0] contains NaN or infinite values"),
    (lambda kv: kv.most_similar_cosmul(["king"], [None]), TypeError,
     "negative[0] must be a key or a numeric vector, got None (NoneType)"),
    (lambda kv: kv.most_similar_cosmul([np.ones(5)]), ValueError,
     "positive[0] has shape (5,), expected (4,)"),
    (lambda kv: kv.most_similar_batch([None]), TypeError,
     "queries[0] must be a key or a numeric vector, got None (NoneType)"),
    (lambda kv: kv.most_similar_batch(["king", np.ones(3)]), ValueError,
     "queries[1] has shape (3,), expected (4,)"),
    (lambda kv: kv.most_similar_batch(np.full((2, 4), np.nan)), ValueError,
     "queries[0] contains NaN or infinite values"),
    (lambda kv: kv.most_similar_batch("king"), TypeError,
     "queries must be a list of keys, got 'king' (str)"),
    (lambda kv: kv.similar_by_vector([1.0, 2.0]), ValueError, "vector has shape (2,), expected (4,)"),
    (lambda kv: kv.similar_by_vector("king"), TypeError,
     "vector must be a key or a numeric vector, got 'king' (str)"),
    (lambda kv: kv.distances(np.ones(3)), ValueError, "word_or_vector has shape (3,), expected (4,)"),
    (lambda kv: kv.distances("king", "queen"), TypeError,
     "other_words must be a list of keys, got 'queen' (str)"),
    (lambda kv: kv.get_mean_vector([np.ones(2)]), ValueError, "keys[0] has shape (2,), expected (4,)"),
    (lambda kv: kv.get_mean_vector(["king", None]), TypeError,
     "keys[1] must be a str or int, got None (NoneType)"),
    (lambda kv: kv.get_mean_vector(["king"], weights=[np.nan]), ValueError,
     "weights contain NaN or infinite values"),
    (lambda kv: kv.get_mean_vector("king"), TypeError, "keys must be a list of keys, got 'king' (str)"),
    (lambda kv: kv.n_similarity(["king", None], ["man"]), TypeError,
     "keys[1] must be a str or int, got None (NoneType)"),
    (lambda kv: kv.n_similarity("king", ["man"]), TypeError,
     "ws1 must be a list of keys, got 'king' (str)"),
    (lambda kv: kv.doesnt_match("king"), TypeError, "words must be a list of keys, got 'king' (str)"),
    (lambda kv: kv.doesnt_match(["king", "man", None]), TypeError,
     "words[2] must be a str or int, got None (NoneType)"),
    (lambda kv: kv.most_similar_to_given("king", []), ValueError, "keys_list is empty"),
])
def test_bad_query_terms_are_named(kv, call, error, message):
    with pytest.raises(error, match=exactly(message)):
        call(kv)


@pytest.mark.parametrize("call", [
    lambda kv: kv[None], lambda kv: kv.get_vector(None), lambda kv: kv.similarity(None, "king"),
    lambda kv: kv.distance("king", None), lambda kv: kv.closer_than(None, "king"),
    lambda kv: kv.rank("king", None), lambda kv: kv.get_index(None), lambda kv: kv[[None]],
])
def test_a_key_of_the_wrong_type_is_a_type_error(kv, call):
    with pytest.raises(TypeError, match=exactly("key must be a str or int, got None (NoneType)")):
        call(kv)


@pytest.mark.parametrize("key, shown", [
    (1.5, "1.5 (float)"), (b"king", "b'king' (bytes)"), (["king"], "['king'] (list)"),
    (True, "True (bool)"),
])
def test_wrong_key_types_are_named(kv, key, shown):
    with pytest.raises(TypeError, match=exactly("key must be a str or int, got %s" % shown)):
        kv.get_vector(key)
    assert not kv.has_index_for(1.5) and None not in kv  # membership tests do not raise


@pytest.mark.parametrize("call", [
    lambda kv: kv["xyz"], lambda kv: kv.get_vector("xyz"), lambda kv: kv.most_similar("xyz"),
    lambda kv: kv.most_similar("king", ["xyz"]), lambda kv: kv.most_similar_cosmul("xyz"),
    lambda kv: kv.most_similar_batch(["king", "xyz"]), lambda kv: kv.similar_by_word("xyz"),
    lambda kv: kv.similarity("king", "xyz"), lambda kv: kv.distance("xyz", "king"),
    lambda kv: kv.distances("xyz"), lambda kv: kv.distances("king", ["xyz"]),
    lambda kv: kv.n_similarity(["king"], ["xyz"]), lambda kv: kv.closer_than("xyz", "king"),
    lambda kv: kv.rank("king", "xyz"), lambda kv: kv.get_mean_vector(["xyz"], ignore_missing=False),
    lambda kv: kv[["king", "xyz"]], lambda kv: kv.most_similar_to_given("king", ["man", "xyz"]),
])
def test_an_unknown_key_is_a_key_error_naming_it(kv, call):
    with pytest.raises(KeyError, match=exactly("Key 'xyz' not present in vocabulary")):
        call(kv)


def test_unknown_keys_are_left_out_where_gensim_leaves_them_out(kv):
    assert kv.doesnt_match(["king", "queen", "apple", "xyz"]) == "apple"
    np.testing.assert_array_equal(kv.get_mean_vector(["king", "xyz"], pre_normalize=False), WORDS["king"])


def test_vectors_given_as_lists_or_ints_are_accepted(kv):
    assert kv.similar_by_vector([1.0, 1.0, 1.0, 0.0], topn=1) == [("queen", pytest.approx(1.0))]
    assert kv.most_similar_batch([[1, 1, 1, 0]], topn=1) == [[("queen", pytest.approx(1.0))]]
    assert kv.most_similar([("king", 2.0), np.array([0, 1, 0, 0])], topn=1)[0][0] == "queen"


# ---- empty vocabularies -------------------------------------------------------------------------

def test_an_empty_vocabulary_gives_empty_results():
    empty = KeyedVectors(4)
    assert empty.most_similar_batch([np.ones(4)]) == [[]]
    assert empty.most_similar_batch(np.ones((3, 4)), topn=2) == [[], [], []]
    assert empty.most_similar_batch([np.ones(4)], topn=None).shape == (1, 0)
    assert empty.most_similar_batch([]) == []
    assert empty.most_similar(np.ones(4)) == [] and empty.similar_by_vector(np.ones(4)) == []
    assert empty.most_similar_cosmul([np.ones(4)]) == []
    assert empty.distances(np.ones(4)).shape == (0,)
    with pytest.raises(KeyError, match=exactly("Key 'king' not present in vocabulary")):
        empty.most_similar_batch(["king"])


def test_empty_inputs_raise_as_in_gensim(kv):
    with pytest.raises(ValueError, match=exactly("cannot compute mean with no input")):
        kv.most_similar([])
    with pytest.raises(ValueError, match=exactly("cannot compute similarity with no input")):
        kv.most_similar_cosmul([], ["king"])
    with pytest.raises(ValueError, match=exactly("cannot select a word from an empty list")):
        kv.doesnt_match([])
    with pytest.raises(ZeroDivisionError, match=exactly("At least one of the passed list is empty.")):
        kv.n_similarity([], ["king"])


# ---- adding vectors -----------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda kv: kv.add_vectors(["x"], np.ones((1, 3))), ValueError,
     "expected 1 vectors of size 4, got an array of shape (1, 3)"),
    (lambda kv: kv.add_vectors(["x", "y"], np.ones((1, 4))), ValueError,
     "expected 2 vectors of size 4, got an array of shape (1, 4)"),
    (lambda kv: kv.add_vectors(["x", "y"], [[0, 0, 0, 0], [0, np.nan, 0, 0]]), ValueError,
     "the vector of key 'y' contains NaN or infinite values"),
    (lambda kv: kv.add_vectors(["x", None], np.ones((2, 4))), TypeError,
     "keys[1] must be a str or int, got None (NoneType)"),
    (lambda kv: kv.add_vectors(None, np.ones((1, 4))), TypeError,
     "keys must be a list of keys, got None (NoneType)"),
    (lambda kv: kv.add_vector("x", np.ones(5)), ValueError, "vector has shape (5,), expected (4,)"),
    (lambda kv: kv.add_vector("x", [1.0]), ValueError, "vector has shape (1,), expected (4,)"),
    (lambda kv: kv.add_vector(None, np.ones(4)), TypeError, "key must be a str or int, got None (NoneType)"),
    (lambda kv: kv.__setitem__("x", np.ones(5)), ValueError,
     "expected 1 vectors of size 4, got an array of shape (1, 5)"),
    (lambda kv: kv.__setitem__("king", [np.inf, 0, 0, 0]), ValueError,
     "the vector of key 'king' contains NaN or infinite values"),
])
def test_adding_bad_vectors_changes_nothing(kv, call, error, message):
    before = kv.vectors.copy(), list(kv.index_to_key)
    with pytest.raises(error, match=exactly(message)):
        call(kv)
    np.testing.assert_array_equal(kv.vectors, before[0])
    assert kv.index_to_key == before[1]


def test_a_preallocated_slot_refuses_a_vector_that_would_broadcast():
    kv = KeyedVectors(4, count=2)
    with pytest.raises(ValueError, match=exactly("vector has shape (1,), expected (4,)")):
        kv.add_vector("x", [1.0])
    assert kv.add_vector("x", [1.0, 2.0, 3.0, 4.0]) == 0 and kv.index_to_key == ["x", None]


# ---- evaluation -------------------------------------------------------------------------------

@pytest.fixture
def files(tmp_path):
    analogies, pairs = tmp_path / "analogies.txt", tmp_path / "pairs.txt"
    analogies.write_text(": family\nman woman king queen\n")
    pairs.write_text("man\twoman\t5.0\nking\tqueen\t6.0\napple\tman\t1.0\n")
    return analogies, pairs


@pytest.mark.parametrize("evaluate", [
    lambda kv, files, **kw: kv.evaluate_word_analogies(files[0], **kw),
    lambda kv, files, **kw: evaluate_word_analogies(kv, files[0], **kw),
    lambda kv, files, **kw: kv.evaluate_word_pairs(files[1], **kw),
    lambda kv, files, **kw: evaluate_word_pairs(kv, files[1], **kw),
])
def test_evaluation_checks_restrict_vocab(kv, files, evaluate):
    with pytest.raises(ValueError, match=exactly("restrict_vocab must be a non-negative int or None, got -5")):
        evaluate(kv, files, restrict_vocab=-5)
    with pytest.raises(TypeError, match=exactly("restrict_vocab must be a non-negative int or None, "
                                                "got 2.5 (float)")):
        evaluate(kv, files, restrict_vocab=2.5)
    evaluate(kv, files, restrict_vocab=None)  # all keys


def test_evaluation_checks_similarity_function(kv, files):
    with pytest.raises(ValueError, match=exactly("similarity_function must be 'most_similar', got 'cosmul'")):
        kv.evaluate_word_analogies(files[0], similarity_function="cosmul")


# ---- lone surrogates ----------------------------------------------------------------------------

SURROGATE_MESSAGE = exactly(
    "token 'new\\ud800' cannot be encoded as UTF-8 (surrogates not allowed at position 3); clean "
    "the corpus, or decode it with errors='replace' rather than 'surrogateescape'")


@pytest.mark.parametrize("max_vocab_size", [None, 100])
def test_vocabulary_building_names_a_token_with_a_lone_surrogate(max_vocab_size):
    corpus = [["king", "queen"]] * 5 + [["new" + SURROGATE, "york"]]
    with pytest.raises(ValueError, match=SURROGATE_MESSAGE):
        Word2Vec(corpus, vector_size=4, min_count=1, max_vocab_size=max_vocab_size)


def test_a_large_corpus_reports_the_surrogate_from_the_counting_thread():
    corpus = [["new" + SURROGATE]] + [["word%d" % (i % 50) for i in range(100)]] * 2000
    with pytest.raises(ValueError, match=SURROGATE_MESSAGE):
        Word2Vec(vector_size=4, min_count=1).build_vocab(corpus)


def test_queries_treat_a_surrogate_like_any_other_unknown_key(kv):
    with pytest.raises(KeyError, match=exactly("Key '\\ud800' not present in vocabulary")):
        kv.most_similar(SURROGATE)
    assert SURROGATE not in kv
    kv.add_vectors([SURROGATE], np.ones((1, 4)))
    assert kv.most_similar(SURROGATE, topn=1)[0][0] in WORDS


def test_phrases_treat_a_surrogate_like_any_other_token(tmp_path):
    token = "york" + SURROGATE
    corpus = [["new", token, "is", "big"]] * 20
    model = Phrases(corpus, min_count=1, threshold=0.1)
    assert model[corpus[0]] == ["new_" + token, "is_big"]
    assert model.freeze()[corpus[0]] == ["new_" + token, "is_big"]
    assert "new_" + token in model.export_phrases()
