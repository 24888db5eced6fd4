"""Integer corpora: graph walks and item ids trained straight from arrays (issue #19)."""
import numpy as np
import pytest

from fastw2v import Word2Vec
from fastw2v.sequences import IdLookup, IntSequences

SMALL = dict(vector_size=16, min_count=1, workers=2, epochs=3, seed=1, progress=False)


def planted_walks(n_nodes=120, communities=3, walks_per_node=20, length=20, p_out=0.05, seed=0):
    """Random walks on a planted-partition graph: each step stays in the node's community
    with probability 1 - p_out. Returns ``(walks, community of each node)``."""
    rng = np.random.default_rng(seed)
    community = np.arange(n_nodes) % communities
    members = [np.flatnonzero(community == c) for c in range(communities)]
    walks = np.empty((n_nodes * walks_per_node, length), dtype=np.int32)
    walks[:, 0] = np.repeat(np.arange(n_nodes), walks_per_node)
    for step in range(1, length):
        here = community[walks[:, step - 1]]
        jump = rng.random(len(walks)) < p_out
        target = np.where(jump, rng.integers(0, communities, len(walks)), here)
        walks[:, step] = [members[c][rng.integers(len(members[c]))] for c in target]
    return walks, community


def neighbourhood_share(model, community, topn=10):
    shares = []
    for node in model.wv.index_to_key:
        neighbours = [key for key, _ in model.wv.most_similar(node, topn=topn)]
        shares.append(np.mean(community[neighbours] == community[node]))
    return float(np.mean(shares))


@pytest.fixture(scope="module")
def planted():
    return planted_walks()


@pytest.mark.parametrize("sg", [0, 1])
def test_walks_on_a_planted_graph_recover_its_communities(planted, sg):
    walks, community = planted
    model = Word2Vec(walks, sg=sg, window=4, **dict(SMALL, sample=0, epochs=5))
    assert all(type(key) is int for key in model.wv.index_to_key)
    assert len(model.wv) == 120 and model.corpus_count == len(walks)
    assert model.corpus_total_words == walks.size
    assert neighbourhood_share(model, community) > 0.9


def test_an_int_corpus_trains_as_its_str_tokens_do():
    # same tokens, same vocabulary order (counts, then first occurrence), same training
    rng = np.random.default_rng(3)
    walks = rng.zipf(1.5, size=(300, 15)).astype(np.int64) % 200
    params = dict(SMALL, workers=1, min_count=2, sample=1e-2)
    ints = Word2Vec(walks, **params)
    strs = Word2Vec([[str(t) for t in walk] for walk in walks.tolist()], **params)
    assert [str(key) for key in ints.wv.index_to_key] == strs.wv.index_to_key
    assert ints.raw_vocab == {} and ints.corpus_count == strs.corpus_count
    np.testing.assert_array_equal(ints.wv.expandos["count"], strs.wv.expandos["count"])
    np.testing.assert_array_equal(ints.wv.vectors, strs.wv.vectors)
    np.testing.assert_array_equal(ints.syn1neg, strs.syn1neg)


def test_vocabulary_matches_gensims_on_the_same_tokens():
    gensim = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(4)
    walks = rng.zipf(1.3, size=(400, 12)).astype(np.int64) % 500
    ours = Word2Vec(min_count=3, sample=1e-3)
    ours.build_vocab(walks)
    theirs = gensim.Word2Vec(min_count=3, sample=1e-3)
    theirs.build_vocab([[str(t) for t in walk] for walk in walks.tolist()])
    assert [str(key) for key in ours.wv.index_to_key] == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.wv.expandos["count"], theirs.wv.expandos["count"])
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count,
                                                            theirs.corpus_total_words)


@pytest.mark.parametrize("dtype", [np.int32, np.uint64])
def test_dense_and_sparse_ids_are_counted_alike(dtype):
    # small ids are counted in tables indexed by id, huge ones with a sort: same counts,
    # same first-occurrence order, padding left out
    rng = np.random.default_rng(5)
    walks = rng.zipf(1.3, size=(500, 12)) % 300
    walks[::7, 9:] = 999
    dense = IntSequences(walks.astype(dtype), padding=999).count()
    sparse = IntSequences(walks.astype(np.int64) + 2 ** 40, padding=999 + 2 ** 40).count()
    assert dense[1:] == sparse[1:] == (500, int((walks != 999).sum()))
    assert list(dense[0].items()) == [(k - 2 ** 40, c) for k, c in sparse[0].items()]
    firsts = list(dict.fromkeys(walks[walks != 999].tolist()))
    assert list(dense[0]) == firsts
    assert sum(dense[0].values()) == dense[2]


def test_padding_lengths_and_lists_of_arrays_give_the_same_sequences():
    rows = np.array([[5, 6, 7, -1], [8, -1, -1, -1], [9, 5, 6, 7]], dtype=np.int32)
    padded = IntSequences(rows, padding=-1)
    by_length = IntSequences(np.where(rows < 0, 0, rows), lengths=[3, 1, 4])
    ragged = IntSequences([np.array([5, 6, 7]), np.array([8], np.int16), np.array([9, 5, 6, 7])])
    listed = IntSequences([[5, 6, 7], [8], [9, 5, 6, np.int64(7)]])
    expected = [[5, 6, 7], [8], [9, 5, 6, 7]]
    # an IntSequences of an IntSequences holds the same sequences (of a list: used to fail)
    for corpus in (padded, by_length, ragged, listed, IntSequences(padded), IntSequences(listed)):
        assert list(corpus) == expected and len(corpus) == 3 and corpus.total_words == 8
        assert corpus.count() == ({5: 2, 6: 2, 7: 2, 8: 1, 9: 1}, 3, 8)
    model = Word2Vec(padded, **SMALL)
    assert sorted(model.wv.index_to_key) == [5, 6, 7, 8, 9] and model.corpus_total_words == 8


def test_a_restartable_iterable_of_arrays_trains_as_the_list_does(planted):
    walks, _ = planted

    class Walks:  # restartable, not a list
        def __iter__(self):
            return iter(list(walks[:300]))

    params = dict(SMALL, workers=1)
    np.testing.assert_array_equal(Word2Vec(Walks(), **params).wv.vectors,
                                  Word2Vec(list(walks[:300]), **params).wv.vectors)


def test_jobs_leave_out_ids_outside_the_vocabulary():
    corpus = IntSequences(np.array([[1, 2, 3], [4, 4, 2]]))
    (ids, ends, raw, sentences), = corpus.jobs(IdLookup([2, 4]), 1 << 16)
    assert ids.tolist() == [0, 1, 1, 0] and ends.tolist() == [1, 4]
    assert (raw, sentences) == (6, 2)
    sparse = IdLookup([10 ** 12, 7])  # ids too large for a dense table are searched
    assert sparse.table is None
    assert sparse.indexes([7, 10 ** 12, 8, 3 * 10 ** 12]).tolist() == [1, 0, -1, -1]


def test_a_memory_mapped_npy_file_of_walks_trains(planted, tmp_path):
    walks, community = planted
    path = tmp_path / "walks.npy"
    np.save(path, walks)
    model = Word2Vec(corpus_file=str(path), sg=1, window=4, **dict(SMALL, sample=0, epochs=5))
    assert model.corpus_total_words == walks.size
    assert neighbourhood_share(model, community) > 0.9
    model.train(corpus_file=str(path), total_examples=model.corpus_count, epochs=1)


def test_int_keys_survive_save_and_load_and_keep_training(planted, tmp_path):
    walks, _ = planted
    model = Word2Vec(**SMALL)
    model.build_vocab(walks[:200], keep_raw_vocab=True)
    model.train(walks[:200], total_examples=200, epochs=1)
    model.save(str(tmp_path / "m.fw2v"))
    loaded = Word2Vec.load(str(tmp_path / "m.fw2v"))
    assert loaded.wv.index_to_key == model.wv.index_to_key
    assert all(type(key) is int for key in loaded.wv.index_to_key)
    assert loaded.raw_vocab == model.raw_vocab and all(type(k) is int for k in loaded.raw_vocab)
    np.testing.assert_array_equal(loaded.wv[7], model.wv[7])
    before = loaded.wv.vectors.copy()
    loaded.train(walks, total_examples=len(walks), epochs=1)
    assert not np.array_equal(loaded.wv.vectors, before)


def test_one_key_type_per_model(planted):
    walks, _ = planted
    model = Word2Vec(walks[:50], **SMALL)
    with pytest.raises(TypeError, match="has int keys, and this corpus holds str tokens"):
        model.train([["a", "b"]], total_examples=1, epochs=1)
    text = Word2Vec([["a", "b", "c"]] * 5, **SMALL)
    with pytest.raises(TypeError, match="has str keys, and this corpus holds integer ids"):
        text.train(walks[:5], total_examples=5, epochs=1)
    with pytest.raises(TypeError, match="must hold integer ids, got 'b' of type str"):
        Word2Vec([[1, 2], [3, "b"]], **SMALL)


@pytest.mark.parametrize("corpus, error, message", [
    (np.array([[1.0, 2.0]]), TypeError, "must hold integer ids, not float64"),
    ([np.array([1.5, 2.5])], TypeError, "ids must be integers, got an array of float64"),
    (np.array([[1, -2, 3]]), ValueError, "ids must be non-negative, found -2"),
    ([[1, 2], [-7]], ValueError, "ids must be non-negative, found -7"),
    (np.array([1, 2, 3]), ValueError, "must be 2-D \\(one per row\\), got 1-D"),
    (np.zeros((3, 0), np.int32), ValueError, "the corpus is empty"),
    (np.array([[1, 2 ** 63]], np.uint64), ValueError, "ids must be below 2\\*\\*63"),
    ([np.array([2 ** 64 - 1], np.uint64)], ValueError, "ids must be below 2\\*\\*63"),
])
def test_bad_integer_corpora_are_named(corpus, error, message):
    with pytest.raises(error, match=message):
        Word2Vec(corpus, **SMALL)


def test_bad_padding_and_lengths_are_named():
    rows = np.arange(6).reshape(2, 3)
    with pytest.raises(ValueError, match="lengths must lie in \\[0, 3\\]"):
        IntSequences(rows, lengths=[1, 4])
    with pytest.raises(ValueError, match="one integer per row \\(2\\)"):
        IntSequences(rows, lengths=[1])
    with pytest.raises(TypeError, match="padding or lengths, not both"):
        IntSequences(rows, padding=-1, lengths=[1, 2])
    with pytest.raises(TypeError, match="for a 2-D array"):
        IntSequences([[1, 2]], padding=-1)


def test_one_shot_generators_of_arrays_are_rejected_as_for_sentences(planted):
    walks, _ = planted
    with pytest.raises(TypeError, match="generator"):
        Word2Vec((walk for walk in walks), **SMALL)


def test_settings_that_need_str_keys_are_refused(planted):
    walks, _ = planted
    with pytest.raises(ValueError, match="null_word adds the str key"):
        Word2Vec(walks, null_word=1, **dict(SMALL, sg=0))
    with pytest.raises(ValueError, match="max_vocab_size prunes words"):
        Word2Vec(walks, max_vocab_size=50, **SMALL)
