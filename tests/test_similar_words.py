"""Neighbours in two spaces: substitutes (input x input, the default) and co-occurring words
(input x output, ``most_similar(..., space="in-out")``), on a planted corpus."""
import numpy as np
import pytest

from fastw2v import KeyedVectors, Word2Vec

SCREEN = ["screen%d" % i for i in range(15)]  # said around films and movies alike
CREW = ["crew%d" % i for i in range(15)]  # said around directors


def film_corpus(n=1500, seed=0):
    """"film" and "movie" share their contexts but never meet; "film" always meets
    "director", whose other contexts are its own."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n):
        sentences.append([str(rng.choice(SCREEN)), "film", str(rng.choice(SCREEN))])
        sentences.append([str(rng.choice(SCREEN)), "movie", str(rng.choice(SCREEN))])
        sentences.append(["film", "director"])
        sentences.append([str(rng.choice(CREW)), "director", str(rng.choice(CREW))])
    return sentences


def train(sg=1, **params):
    params = {"vector_size": 16, "window": 2, "min_count": 1, "sample": 0, "negative": 5,
              "epochs": 5, "workers": 1, "seed": 1, "progress": False, **params}
    return Word2Vec(film_corpus(), sg=sg, **params)


@pytest.fixture(scope="module")
def model():
    return train()


def rank(results, word):
    return [key for key, _ in results].index(word)


@pytest.mark.parametrize("sg", [0, 1])
def test_substitutes_rank_first_by_default_and_co_occurring_words_in_out(sg):
    wv = train(sg=sg).wv
    default = wv.most_similar("film", topn=None)
    in_out = wv.most_similar("film", topn=None, space="in-out")
    movie, director = wv.key_to_index["movie"], wv.key_to_index["director"]
    assert default[movie] > default[director]
    assert in_out[director] > in_out[movie]
    # and at the top of their lists
    assert wv.most_similar("film", topn=1)[0][0] == "movie"
    assert wv.most_similar("film", topn=1, space="in-out")[0][0] == "director"


def test_default_space_is_unchanged(model):
    assert model.wv.most_similar("film") == model.wv.most_similar("film", space="in")


def test_output_vectors_are_the_models_syn1neg(model):
    assert model.wv.output_vectors is model.syn1neg


def test_in_out_scores_are_cosines_of_input_query_and_output_rows(model):
    wv = model.wv
    query = wv["film"] / np.linalg.norm(wv["film"])
    expected = model.syn1neg @ query / np.linalg.norm(model.syn1neg, axis=1)
    np.testing.assert_allclose(wv.most_similar("film", topn=None, space="in-out"), expected,
                               rtol=1e-5, atol=1e-6)
    for key, score in wv.most_similar("film", topn=5, space="in-out"):
        assert score == pytest.approx(expected[wv.key_to_index[key]], rel=1e-5, abs=1e-6)


def test_positive_and_negative_terms_are_combined_and_excluded(model):
    wv = model.wv
    results = wv.most_similar(positive=["film", "screen0"], negative=["crew0"], topn=len(wv),
                              space="in-out")
    keys = [key for key, _ in results]
    assert not {"film", "screen0", "crew0"} & set(keys)
    assert len(keys) == len(wv) - 3
    mean = wv.get_mean_vector(["film", "screen0", "crew0"], weights=[1.0, 1.0, -1.0],
                              pre_normalize=True, post_normalize=True)
    scores = model.syn1neg @ mean / np.linalg.norm(model.syn1neg, axis=1)
    assert results[0][1] == pytest.approx(max(scores[wv.key_to_index[k]] for k in keys), rel=1e-5)
    # a (key, weight) pair and a raw vector are terms as in the default space
    assert wv.most_similar(positive=[("film", 2.0)], space="in-out", topn=3) == \
        wv.most_similar(positive=["film"], space="in-out", topn=3)
    by_vector = wv.most_similar(positive=[wv["film"]], space="in-out", topn=len(wv))
    assert "film" in [key for key, _ in by_vector]  # a vector is not a key: nothing excluded


def test_restrict_vocab_and_topn(model):
    wv = model.wv
    results = wv.most_similar("film", topn=len(wv), restrict_vocab=10, space="in-out")
    assert {key for key, _ in results} <= set(wv.index_to_key[:10]) - {"film"}
    assert wv.most_similar("film", topn=0, space="in-out") == []
    assert len(wv.most_similar("film", topn=3, space="in-out")) == 3
    assert len(wv.most_similar("film", topn=None, restrict_vocab=10, space="in-out")) == 10


def test_model_without_negative_sampling_names_what_is_needed():
    model = Word2Vec(vector_size=16, min_count=1, hs=1, negative=0)
    model.build_vocab(film_corpus(n=10))
    wv = model.wv
    assert wv.output_vectors is None
    with pytest.raises(ValueError, match="negative sampling"):
        wv.most_similar("film", space="in-out")
    wv.most_similar("film")  # the default space still answers


def test_plain_keyedvectors_name_what_is_needed():
    kv = KeyedVectors(3)
    kv.add_vectors(["a", "b", "c"], np.eye(3))
    with pytest.raises(ValueError, match="output vectors"):
        kv.most_similar("a", space="in-out")
    kv.output_vectors = np.eye(3)[:2]
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        kv.most_similar("a", space="in-out")
    kv.output_vectors = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert kv.most_similar("a", space="in-out", topn=1) == [("b", 1.0)]


def test_bad_space_and_indexer(model):
    with pytest.raises(ValueError, match="space must be"):
        model.wv.most_similar("film", space="out")

    class Indexer:
        def most_similar(self, vector, topn):
            return []

    with pytest.raises(ValueError, match="indexer"):
        model.wv.most_similar("film", space="in-out", indexer=Indexer())


def test_save_and_load_keep_the_in_out_space(model, tmp_path):
    expected = model.wv.most_similar("film", space="in-out")
    model.save(tmp_path / "model.fw2v")
    for mmap in (None, "r"):
        loaded = Word2Vec.load(tmp_path / "model.fw2v", mmap=mmap)
        assert loaded.wv.output_vectors is loaded.syn1neg
        assert loaded.wv.most_similar("film", space="in-out") == expected
    # the vectors alone hold no output vectors: their files are as before
    model.wv.save(tmp_path / "vectors.fw2v")
    with pytest.raises(ValueError, match="output vectors"):
        KeyedVectors.load(tmp_path / "vectors.fw2v").most_similar("film", space="in-out")


def test_link_follows_new_weights():
    model = train(epochs=1)
    model.build_vocab([["film", "premiere"]] * 5, update=True)
    assert model.wv.output_vectors is model.syn1neg
    assert len(model.syn1neg) == len(model.wv)
    model.wv.most_similar("premiere", space="in-out")
    other = train(epochs=1)
    other.reset_from(model)
    assert other.wv.output_vectors is other.syn1neg and len(other.syn1neg) == len(other.wv)
