"""Importing models saved by gensim's save(): equal to what gensim loads, and never running code.

The fixtures in tests/data/gensim were written by gensim 4.4 with make_fixtures.py there, which
also stored what gensim loads from each (expected.json, expected.npz): the tests compare with
those values without gensim, and with gensim itself where it is installed.
"""
import json
import os
import pickle
import shutil
import warnings

import numpy as np
import pytest

from fastw2v import FrozenPhrases, KeyedVectors, Phrases, Word2Vec, gensim_import, losses

DATA = os.path.join(os.path.dirname(__file__), "data", "gensim")
with open(os.path.join(DATA, "expected.json")) as _fin:
    EXPECTED = json.load(_fin)
ARRAYS = dict(np.load(os.path.join(DATA, "expected.npz")))

WORD2VEC = sorted(name for name, entry in EXPECTED.items()
                  if isinstance(entry, dict) and entry["class"] == "Word2Vec")
VECTORS = sorted(name for name, entry in EXPECTED.items()
                 if isinstance(entry, dict) and entry["class"] == "KeyedVectors")
PHRASES = sorted(name for name, entry in EXPECTED.items()
                 if isinstance(entry, dict) and entry["class"] in ("Phrases", "FrozenPhrases"))


def fixture(name):
    return os.path.join(DATA, name)


def load_model(name, mmap=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # see test_huffman_tree_is_gensims
        return Word2Vec.load(fixture(name), mmap=mmap)


def copy_fixture(tmp_path, name):
    """Copy fixture ``name`` and its separately stored arrays into ``tmp_path``."""
    for entry in os.listdir(DATA):
        if entry == name or entry.startswith(name + "."):
            shutil.copy(os.path.join(DATA, entry), tmp_path / entry)
    return str(tmp_path / name)


def corpus():
    """The sentences the fixtures were trained on."""
    return EXPECTED["corpus"]


# ----------------------------------------------------------------- equal to gensim's values

@pytest.mark.parametrize("name", WORD2VEC)
def test_word2vec_equals_stored_values(name):
    expected = EXPECTED[name]
    model = load_model(name)
    assert model.wv.index_to_key == expected["keys"]
    np.testing.assert_array_equal(model.wv.vectors, ARRAYS[name + "/vectors"])
    np.testing.assert_array_equal(model.wv.expandos["count"], ARRAYS[name + "/count"])
    params = expected["params"]
    if params["negative"]:
        np.testing.assert_array_equal(model.syn1neg, ARRAYS[name + "/syn1neg"])
    else:
        assert model.syn1neg.shape == (0, 8)
    if params["hs"]:
        assert model.syn1.shape == ARRAYS[name + "/syn1"].shape
    for param, value in params.items():
        assert getattr(model, param) == value, param
    for field, value in expected["state"].items():
        assert getattr(model, field) == value, field
    assert model.epochs_trained == params["epochs"] * expected["state"]["train_count"]
    assert model.train_state is None and model.raw_vocab == {}


@pytest.mark.parametrize("name", [n for n in WORD2VEC if EXPECTED[n]["params"]["hs"]])
def test_fastw2v_builds_gensims_huffman_tree(name):
    # ties between equal counts broken as gensim's heap breaks them
    offsets, codes, points = losses.huffman_codes(ARRAYS[name + "/count"])
    np.testing.assert_array_equal(np.diff(offsets), ARRAYS[name + "/code_lengths"])
    np.testing.assert_array_equal(codes, ARRAYS[name + "/code"])
    np.testing.assert_array_equal(points, ARRAYS[name + "/point"])


@pytest.mark.parametrize("name", [n for n in WORD2VEC if EXPECTED[n]["params"]["hs"]])
def test_imported_hs_models_keep_gensims_tree_and_syn1(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Huffman codes differ"
        model = Word2Vec.load(fixture(name))
    np.testing.assert_array_equal(model.syn1, ARRAYS[name + "/syn1"])
    word = model.wv.index_to_key[-1]
    start, end = np.cumsum(np.r_[0, ARRAYS[name + "/code_lengths"]])[[-2, -1]]
    np.testing.assert_array_equal(model.wv.get_vecattr(word, "code"), ARRAYS[name + "/code"][start:end])
    np.testing.assert_array_equal(model.wv.get_vecattr(word, "point"), ARRAYS[name + "/point"][start:end])


@pytest.mark.parametrize("name", VECTORS + ["w2v_sep"])
@pytest.mark.parametrize("mmap", [None, "r", "c"])
def test_keyedvectors_equal_stored_values(name, mmap):
    expected = EXPECTED[name]
    kv = KeyedVectors.load(fixture(name), mmap=mmap)
    assert type(kv) is KeyedVectors
    assert kv.index_to_key == expected["keys"]
    np.testing.assert_array_equal(kv.vectors, ARRAYS[name + "/vectors"])
    for attr in expected["expandos"] if expected["class"] == "KeyedVectors" else ["count"]:
        np.testing.assert_array_equal(kv.expandos[attr], ARRAYS[name + "/" + attr])
    if mmap == "r":
        assert not kv.vectors.flags.writeable
    if name == "kv_int_keys.kv":
        assert kv.most_similar(10, topn=1)[0][0] in (20, 30)


@pytest.mark.parametrize("name", PHRASES)
def test_phrases_equal_stored_values(name):
    expected = EXPECTED[name]
    model = gensim_import.load(Phrases, fixture(name))
    assert type(model).__name__ == expected["class"]
    assert model.threshold == expected["threshold"] and model.min_count == expected["min_count"]
    assert model.scoring.__name__ == expected["scoring"]
    assert model.delimiter == expected["delimiter"]
    assert sorted(model.connector_words) == expected["connector_words"]
    for sentence, applied in zip(corpus(), expected["applied"]):
        assert model[sentence] == applied
    if expected["class"] == "Phrases":
        assert model.vocab == expected["vocab"]
        assert model.export_phrases() == pytest.approx(expected["export_phrases"])
        assert model.corpus_word_count == expected["corpus_word_count"]
        assert model.min_reduce == expected["min_reduce"]
        assert model.max_vocab_size == expected["max_vocab_size"]
    else:
        assert model.phrasegrams == pytest.approx(expected["phrasegrams"])
    assert type(gensim_import.load(FrozenPhrases, fixture(name))) is type(model)


def test_phrases_load_imports_gensim_files():
    assert Phrases.load(fixture("phrases_npmi")).vocab == EXPECTED["phrases_npmi"]["vocab"]
    assert FrozenPhrases.load(fixture("frozen_default")).phrasegrams == pytest.approx(
        EXPECTED["frozen_default"]["phrasegrams"])


@pytest.mark.parametrize("name", WORD2VEC)
def test_word2vec_equals_gensim(name):
    gensim_word2vec = pytest.importorskip("gensim.models.word2vec")
    theirs = gensim_word2vec.Word2Vec.load(fixture(name))
    ours = load_model(name)
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.wv.vectors, theirs.wv.vectors)
    np.testing.assert_array_equal(ours.wv.expandos["count"], theirs.wv.expandos["count"])
    if theirs.negative:
        np.testing.assert_array_equal(ours.syn1neg, theirs.syn1neg)
    for param in ("sg", "hs", "negative", "window", "alpha", "min_alpha", "epochs", "sample",
                  "cbow_mean", "ns_exponent", "corpus_count", "corpus_total_words", "seed",
                  "min_count", "sorted_vocab", "train_count", "comment"):
        assert getattr(ours, param) == getattr(theirs, param), param
    if theirs.hs:
        codes = list(theirs.wv.expandos["code"])
        np.testing.assert_array_equal(np.concatenate(codes), ARRAYS[name + "/code"])


@pytest.mark.parametrize("name", PHRASES)
def test_phrases_equal_gensim(name):
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    theirs = gensim_phrases.Phrases.load(fixture(name))
    ours = gensim_import.load(Phrases, fixture(name))
    for sentence in corpus():
        assert ours[sentence] == theirs[sentence]
    if hasattr(theirs, "vocab"):
        assert ours.vocab == dict(theirs.vocab)
        assert ours.export_phrases() == pytest.approx(theirs.export_phrases())
    else:
        assert ours.phrasegrams == pytest.approx(theirs.phrasegrams)


# ----------------------------------------------------------------- training goes on

@pytest.mark.parametrize("name", ["w2v_sg_ns", "w2v_cbow_ns_unsorted", "w2v_sep", "w2v_cbow_hs"])
def test_imported_model_trains_further(name):
    model = load_model(name)
    before, epochs = model.wv.vectors.copy(), model.epochs_trained
    model.train(corpus(), total_examples=model.corpus_count, epochs=1)
    assert model.epochs_trained == epochs + 1
    assert not np.array_equal(before, model.wv.vectors)
    assert np.isfinite(model.wv.vectors).all()


def test_imported_model_saves_in_fastw2v_format(tmp_path):
    model = load_model("w2v_sg_hs_ns_unsorted")
    model.save(tmp_path / "model")
    again = Word2Vec.load(tmp_path / "model")
    np.testing.assert_array_equal(again.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(again.syn1, model.syn1)
    assert again.sorted_vocab == 0 and again.negative == 2


def test_mmap_read_only_is_not_trained():
    model = load_model("w2v_sep", mmap="r")
    assert isinstance(model.wv.vectors, np.memmap)
    with pytest.raises(ValueError, match="read-only"):
        model.train(corpus(), total_examples=model.corpus_count, epochs=1)


def test_compressed_file_cannot_be_mapped():
    with pytest.raises(ValueError, match="cannot be memory-mapped"):
        Word2Vec.load(fixture("w2v_compressed.gz"), mmap="r")


# ----------------------------------------------------------------- the wrong class

def test_word2vec_load_of_vectors_raises_as_gensim():
    with pytest.raises(AttributeError, match="can't be loaded by Word2Vec") as info:
        Word2Vec.load(fixture("kv_from_w2v.kv"))
    assert isinstance(info.value, ValueError)
    gensim_word2vec = pytest.importorskip("gensim.models.word2vec")
    with pytest.raises(AttributeError):
        gensim_word2vec.Word2Vec.load(fixture("kv_from_w2v.kv"))


def test_other_wrong_classes():
    with pytest.raises(AttributeError):
        Word2Vec.load(fixture("phrases_default"))
    with pytest.raises(ValueError, match="holds a gensim Phrases"):
        KeyedVectors.load(fixture("phrases_default"))
    with pytest.raises(ValueError, match="holds a gensim Word2Vec"):
        gensim_import.load(Phrases, fixture("w2v_sg_ns"))


# ----------------------------------------------------------------- crafted files

class Evil:
    """Unpickling this (with pickle) would run ``call(*args)``."""

    def __init__(self, call, *args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


def touch_command(marker):
    return "touch %s" % marker


def crafted_pickles(marker):
    import subprocess
    command = touch_command(marker)
    code = "open(%r, 'w').close()" % str(marker)
    system = "%s.system" % os.system.__module__  # posix.system
    yield system, pickle.dumps(Evil(os.system, command), protocol=2)
    yield system, pickle.dumps(Evil(os.system, command), protocol=4)
    yield "builtins.eval", pickle.dumps(Evil(eval, code), protocol=5)
    yield "builtins.exec", pickle.dumps(Evil(exec, code), protocol=3)
    yield "subprocess.Popen", pickle.dumps(Evil(subprocess.Popen, ["touch", str(marker)]))
    yield "numpy.load", pickle.dumps(Evil(np.load, str(marker)))
    yield "numpy.save", pickle.dumps(Evil(np.save, str(marker), np.zeros(1)))
    yield "os.system", ("cos\nsystem\n(S'%s'\ntR." % command).encode()
    yield "builtins.exec", ("c__builtin__\nexec\n(S\"%s\"\ntR." % code).encode()
    # nested inside an otherwise valid (protocol 0) gensim phrase model
    yield "os.system", (
        "ccopy_reg\n_reconstructor\n(cgensim.models.phrases\nFrozenPhrases\nc__builtin__\n"
        "object\nNtR(dVthreshold\nF1.0\nsVphrasegrams\n(dVa_b\ncos\nsystem\n(V%s\ntRssb."
        % command).encode()
    # inside a gensim model's array: an object array whose item is a call
    yield system, pickle.dumps(np.array([Evil(os.system, command)], dtype=object))


def test_crafted_pickles_run_nothing(tmp_path):
    marker = tmp_path / "pwned"
    for i, (name, data) in enumerate(crafted_pickles(marker)):
        path = tmp_path / ("crafted%d" % i)
        path.write_bytes(data)
        for cls in (Word2Vec, KeyedVectors):
            with pytest.raises(gensim_import.RefusedGlobalError) as info:
                cls.load(path)
            assert isinstance(info.value, ValueError)
            message = str(info.value)
            assert "it references %s, which is not allowed" % name in message, message
            assert repr(str(path)) in message
        with pytest.raises(gensim_import.RefusedGlobalError):
            gensim_import.load(Phrases, path)
        assert not marker.exists()


def test_crafted_pickle_nested_in_a_gensim_model(tmp_path):
    gensim_word2vec = pytest.importorskip("gensim.models.word2vec")
    marker = tmp_path / "pwned"
    model = gensim_word2vec.Word2Vec.load(fixture("w2v_sg_ns"))
    for protocol in (2, 4):
        model.wv.evil = Evil(os.system, touch_command(marker))
        path = tmp_path / ("model%d" % protocol)
        model.save(str(path), pickle_protocol=protocol)
        with pytest.raises(gensim_import.RefusedGlobalError, match="references posix.system"):
            Word2Vec.load(path)
        with pytest.raises(gensim_import.RefusedGlobalError, match="references posix.system"):
            KeyedVectors.load(path)
    assert not marker.exists()


def test_numpy_globals_outside_the_allowlist(tmp_path):
    for data in (pickle.dumps(np.array(["a"], dtype="U1")),  # a dtype not allowed
                 pickle.dumps(np.array([(1, 2.0)], dtype="i4,f8")),  # structured
                 pickle.dumps(np.float64(1.5).astype(object)),  # a plain float: no global
                 b"\x80\x04cnumpy.core.multiarray\nscalar\n(cnumpy\ndtype\n(VO8\nI00\nI01\ntR"
                 b"(K\x03V|\nNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tbI1\ntR."):
        path = tmp_path / "crafted"
        path.write_bytes(data)
        with pytest.raises(ValueError):
            KeyedVectors.load(path)


def test_path_traversal_in_separate_arrays_is_refused(tmp_path):
    outside = tmp_path / "secret.npy"
    np.save(outside, np.zeros((1, 4), np.float32))
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "kv"
    path.write_bytes(
        b"ccopy_reg\n_reconstructor\n(cgensim.models.keyedvectors\nKeyedVectors\nc__builtin__\n"
        b"object\nNtR(dV__numpys\n(lV../../secret\nasb.")
    with pytest.raises(ValueError, match="invalid __numpys list"):
        KeyedVectors.load(path)


def test_object_npy_member_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = copy_fixture(tmp_path, "w2v_sep")
    evil = np.empty(2, dtype=object)
    evil[:] = [Evil(os.system, touch_command(marker)), 1]
    with open(path + ".wv.vectors.npy", "wb") as fout:
        np.lib.format.write_array(fout, evil, allow_pickle=True)
    for mmap in (None, "r"):
        with pytest.raises(ValueError, match="dtype object; only plain numeric arrays"):
            Word2Vec.load(path, mmap=mmap)
    assert not marker.exists()


def test_truncated_pickles_give_clear_errors(tmp_path):
    data = open(fixture("w2v_sg_hs_ns_unsorted"), "rb").read()
    path = tmp_path / "model"
    for cut in sorted(set(np.linspace(0, len(data) - 1, 60).astype(int).tolist())):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError) as info:
            Word2Vec.load(path)
        assert str(path) in str(info.value)


def test_truncated_npy_gives_clear_errors(tmp_path):
    path = copy_fixture(tmp_path, "w2v_sep")
    member = path + ".syn1neg.npy"
    data = open(member, "rb").read()
    for cut in (0, 5, 60, len(data) - 1):
        with open(member, "wb") as fout:
            fout.write(data[:cut])
        for mmap in (None, "r"):
            with pytest.raises(ValueError, match="syn1neg.npy") as info:
                load_model(path, mmap=mmap)
            assert "truncated" in str(info.value) or "not a valid .npy" in str(info.value)
    os.remove(member)
    with pytest.raises(ValueError, match="syn1neg.npy' is missing"):
        load_model(path)


def test_wrong_shapes_are_refused(tmp_path):
    path = copy_fixture(tmp_path, "w2v_sep")
    np.save(path + ".syn1neg.npy", np.zeros((3, 8), np.float32))
    with pytest.raises(ValueError, match="syn1neg"):
        load_model(path)


def test_detection():
    assert gensim_import.is_gensim_file(fixture("w2v_sg_ns"))
    assert gensim_import.is_gensim_file(fixture("w2v_compressed.gz"))
    assert gensim_import.is_gensim_file(fixture("frozen_npmi"))
    assert not gensim_import.is_gensim_file(fixture("w2v_sep.syn1.npy"))
    assert not gensim_import.is_gensim_file(os.path.join(DATA, "expected.npz"))
    assert not gensim_import.is_gensim_file(DATA)
