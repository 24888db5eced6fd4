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


# ----------------------------------------------------------------- older gensim layouts
#
# Records crafted here as gensim 0.12 to 3.8 pickled its models (the attributes each version
# kept, Python 2 pickles included), without gensim: gensim's own test data of those versions
# (gensim/test/test_data) is compared by benchmarks/gensim_imports.py.

_FAKE_CLASSES = {}


def gensim_object(name, **fields):
    """An object pickled as an instance of gensim's class ``name`` holding ``fields``."""
    if name not in _FAKE_CLASSES:
        _FAKE_CLASSES[name] = type(name.rsplit(".", 1)[1], (), {"gensim_name": name})
    obj = _FAKE_CLASSES[name].__new__(_FAKE_CLASSES[name])
    obj.__dict__.update(fields)
    return obj


class GensimPickler(pickle._Pickler):
    """Pickles the objects of :func:`gensim_object` under gensim's class names; with ``py2``,
    as Python 2 did: its module names, and bytes as (latin-1 decoded) ``str`` opcodes."""

    PY2_MODULES = {"builtins": "__builtin__", "copyreg": "copy_reg",
                   "numpy._core.multiarray": "numpy.core.multiarray"}

    def __init__(self, file, protocol, py2=False):
        super().__init__(file, protocol)
        self.py2 = py2
        if py2:
            self.dispatch = dict(self.dispatch)
            self.dispatch[bytes] = GensimPickler.save_py2_str

    def save_global(self, obj, name=None):
        target = getattr(obj, "gensim_name", None) if isinstance(obj, type) else None
        module = target.rsplit(".", 1)[0] if target else getattr(obj, "__module__", None)
        name = target.rsplit(".", 1)[1] if target else (name or obj.__qualname__)
        if target is None and not self.py2:
            return super().save_global(obj)
        module = self.PY2_MODULES.get(module, module)
        self.write(pickle.GLOBAL + ("%s\n%s\n" % (module, name)).encode())
        self.memoize(obj)

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, gensim_import._Marker):  # a function gensim stores: its name
            module, _, name = obj.name.rpartition(".")
            self.write(pickle.GLOBAL + ("%s\n%s\n" % (module, name)).encode())
            return
        super().save(obj, save_persistent_id)

    def save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + len(obj).to_bytes(4, "little") + obj)
        self.memoize(obj)


def gensim_save(obj, path, protocol=2, py2=False, separately=()):
    """Write ``obj`` as gensim's ``save()`` does: the ``separately`` attributes of ``obj``
    (``name`` or ``attribute.name``) into ``<path>.<name>.npy`` files, listed in the
    pickle's ``__numpys`` (and ``__recursive_saveloads``)."""
    records = [obj] + [value for value in vars(obj).values() if hasattr(value, "gensim_name")]
    for record in records:
        vars(record).update(__numpys=[], __scipys=[], __ignoreds=[],
                            __recursive_saveloads=[])
    for name in separately:
        owner, prefix = obj, path
        if "." in name:
            child, name = name.split(".")
            owner, prefix = getattr(obj, child), path + "." + child
            if child not in obj.__recursive_saveloads:
                obj.__dict__["__recursive_saveloads"].append(child)
        np.save("%s.%s.npy" % (prefix, name), owner.__dict__.pop(name))
        owner.__dict__["__numpys"].append(name)
    with open(path, "wb") as fout:
        GensimPickler(fout, protocol, py2).dump(obj)
    return path


WORDS = ["the", "new", "york", "bank", "city", "big", "lazy", "fox"]
COUNTS = [40, 22, 21, 9, 8, 5, 3, 3]
SENTENCES = [["the", "new", "york", "city", "bank"], ["big", "lazy", "fox", "the"]] * 10


def old_vocab(module, huffman=False, sample_ints=None):
    """gensim < 4's ``{word: Vocab}``, with Huffman codes as gensim builds them."""
    offsets, codes, points = losses.huffman_codes(np.array(COUNTS))
    vocab = {}
    for i, (word, count) in enumerate(zip(WORDS, COUNTS)):
        fields = dict(count=count, index=i, sample_int=(sample_ints or [4294967296] * 8)[i])
        if huffman:
            fields.update(code=codes[offsets[i]:offsets[i + 1]].astype(np.uint8),
                          point=points[offsets[i]:offsets[i + 1]].astype(np.uint32))
        vocab[word] = gensim_object(module + ".Vocab", **fields)
    return vocab


def old_model_params(**changes):
    params = dict(sg=1, hs=0, negative=3, window=4, alpha=0.03, min_alpha=0.0005,
                  sample=0.001, iter=3, cbow_mean=1, min_count=1, seed=11, workers=2,
                  layer1_size=6, vector_size=6, train_count=1, corpus_count=20, null_word=0,
                  sorted_vocab=1, batch_words=10000, max_vocab_size=None,
                  total_train_time=0.5, min_alpha_yet_reached=0.0005,
                  random=np.random.RandomState(3), hashfxn=hash,
                  raw_vocab={}, table=None)
    params.update(changes)
    return params


def check_imported(path, vectors, syn1neg=None, params=None, expandos=None, syn1=None):
    model = load_model(path)
    assert model.wv.index_to_key == WORDS
    np.testing.assert_array_equal(model.wv.vectors, vectors)
    np.testing.assert_array_equal(model.wv.expandos["count"], COUNTS)
    if syn1neg is not None:
        np.testing.assert_array_equal(model.syn1neg, syn1neg)
    if syn1 is not None:
        np.testing.assert_array_equal(model.syn1, syn1)
    for name, value in (params or {}).items():
        assert getattr(model, name) == value, name
    kv = KeyedVectors.load(path)
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, vectors)
    for name, value in (expandos or {}).items():
        np.testing.assert_array_equal(kv.expandos[name], value)
        assert kv.expandos[name].dtype == np.asarray(value).dtype, name
    model.progress = False
    before = model.wv.vectors.copy()
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    assert not np.array_equal(before, model.wv.vectors)
    assert np.isfinite(model.wv.vectors).all()
    return model, kv


@pytest.mark.parametrize("py2", [False, True])
@pytest.mark.parametrize("sep", [False, True])
def test_pre_keyedvectors_layout(tmp_path, py2, sep):
    # gensim < 1.0 (as its word2vec_pre_kv_* test data): syn0, index2word and a vocab of
    # Vocab records on the model itself, syn0_lockf and neg_labels beside syn1neg; the _sep
    # variants store these arrays in .npy files, and Python 2 wrote bytes as str opcodes
    rng = np.random.default_rng(0)
    syn0, syn1neg = rng.random((8, 6), np.float32), rng.random((8, 6), np.float32)
    model = gensim_object(
        "gensim.models.word2vec.Word2Vec", syn0=syn0.copy(), syn1neg=syn1neg.copy(),
        syn0_lockf=np.ones(8, np.float32), neg_labels=np.array([1, 0, 0, 0], np.float32),
        index2word=list(WORDS), vocab=old_vocab("gensim.models.word2vec"),
        **old_model_params())
    separately = ["syn0", "syn1neg", "syn0_lockf", "neg_labels"] if sep else []
    path = gensim_save(model, str(tmp_path / "w2v"), py2=py2, separately=separately)
    if sep:
        assert os.path.exists(path + ".neg_labels.npy")
    check_imported(path, syn0, syn1neg,
                   dict(sg=1, hs=0, negative=3, window=4, alpha=0.03, min_alpha=0.0005,
                        sample=0.001, epochs=3, cbow_mean=1, vector_size=6, seed=11),
                   # as gensim 4's _upconvert_old_vocab: every Vocab attribute, "index" too,
                   # and sample_int cast to uint32 (gensim 0.12's 2**32 wraps to 0)
                   dict(count=np.array(COUNTS, np.int64), index=np.arange(8),
                        sample_int=np.zeros(8, np.uint32)))


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_gensim1_layout_with_huffman_codes(tmp_path, protocol):
    # gensim 1.x/2.x: the vectors in a KeyedVectors record `wv` (syn0, vocab, index2word),
    # syn1/syn1neg and syn0_lockf on the model; the Vocab records hold code and point
    rng = np.random.default_rng(1)
    syn0, syn1, syn1neg = (rng.random((8, 6), np.float32) for _ in range(3))
    wv = gensim_object("gensim.models.keyedvectors.KeyedVectors", syn0=syn0.copy(),
                       index2word=list(WORDS), vector_size=None,
                       vocab=old_vocab("gensim.models.keyedvectors", huffman=True,
                                       sample_ints=list(range(100, 108))))
    model = gensim_object("gensim.models.word2vec.Word2Vec", wv=wv, syn1=syn1.copy(),
                          syn1neg=syn1neg.copy(), syn0_lockf=np.ones(8, np.float32),
                          **old_model_params(hs=1, negative=2, sg=0, cbow_mean=0))
    path = gensim_save(model, str(tmp_path / "w2v"), protocol=protocol,
                       separately=["wv.syn0", "syn1"] if protocol == 4 else [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the codes are fastw2v's: syn1 kept as it is
        imported, kv = check_imported(
            path, syn0, syn1neg, dict(hs=1, negative=2, sg=0, cbow_mean=0, epochs=3),
            dict(index=np.arange(8), sample_int=np.arange(100, 108, dtype=np.uint32)),
            syn1=syn1)
    assert "code" not in kv.expandos and "point" not in kv.expandos


def test_gensim3_layout(tmp_path):
    # gensim 3.x: Word2VecKeyedVectors (vectors, vocab, index2word) and the vocabulary and
    # trainables records holding min_count, sample, syn1neg, vectors_lockf
    rng = np.random.default_rng(2)
    vectors, syn1neg = rng.random((8, 6), np.float32), rng.random((8, 6), np.float32)
    wv = gensim_object("gensim.models.keyedvectors.Word2VecKeyedVectors",
                       vectors=vectors.copy(), index2word=list(WORDS), vector_size=6,
                       vocab=old_vocab("gensim.models.keyedvectors"))
    vocabulary = gensim_object("gensim.models.word2vec.Word2VecVocab", min_count=2,
                               sample=0.01, sorted_vocab=True, null_word=0, raw_vocab={},
                               max_vocab_size=None, max_final_vocab=None, ns_exponent=0.5)
    trainables = gensim_object("gensim.models.word2vec.Word2VecTrainables", seed=5,
                               layer1_size=6, syn1neg=syn1neg.copy(), hashfxn=hash,
                               vectors_lockf=np.ones(8, np.float32))
    params = {name: value for name, value in old_model_params().items()
              if name not in ("min_count", "sample", "seed", "layer1_size", "iter",
                              "raw_vocab", "null_word", "sorted_vocab", "hashfxn",
                              "max_vocab_size", "table")}
    model = gensim_object("gensim.models.word2vec.Word2Vec", wv=wv, vocabulary=vocabulary,
                          trainables=trainables, epochs=4, callbacks=(),
                          load=gensim_import.ALLOWED_GLOBALS["gensim.utils.call_on_class_only"],
                          **params)
    path = gensim_save(model, str(tmp_path / "w2v"), separately=["wv.vectors"])
    check_imported(path, vectors, syn1neg,
                   dict(min_count=2, sample=0.01, seed=5, epochs=4, ns_exponent=0.5),
                   dict(index=np.arange(8)))


def test_old_keyedvectors_file(tmp_path):
    # gensim 3.2's EuclideanKeyedVectors saved on its own (as old_keyedvectors_320.dat)
    vectors = np.random.default_rng(3).random((8, 4), np.float32)
    kv = gensim_object("gensim.models.keyedvectors.EuclideanKeyedVectors", syn0=vectors.copy(),
                       index2word=list(WORDS), vector_size=None,
                       vocab=old_vocab("gensim.models.keyedvectors",
                                       sample_ints=list(range(8))))
    path = gensim_save(kv, str(tmp_path / "kv"), py2=True)
    loaded = KeyedVectors.load(path)
    assert loaded.index_to_key == WORDS
    np.testing.assert_array_equal(loaded.vectors, vectors)
    assert sorted(loaded.expandos) == ["count", "index", "sample_int"]  # as gensim 4's
    np.testing.assert_array_equal(loaded.expandos["index"], np.arange(8))
    assert loaded.get_vecattr("york", "index") == 2
    assert loaded.get_vecattr("york", "count") == 21
    with pytest.raises(AttributeError, match="can't be loaded by Word2Vec"):
        Word2Vec.load(path)


@pytest.mark.parametrize("py2", [False, True])
def test_gensim3_phrases_with_byte_strings(tmp_path, py2):
    # gensim 3.x kept the phrases' words, delimiter and common terms as UTF-8 bytes, and its
    # scoring as a name or a function (pickled as a global)
    vocab = {b"new": 6, b"york": 6, b"new_york": 5, b"the": 9, b"bank": 3,
             "caf\u00e9".encode(): 4, "caf\u00e9_bank".encode(): 2}
    phrases = gensim_object("gensim.models.phrases.Phrases", vocab=vocab, min_count=1,
                            threshold=0.5, max_vocab_size=1000, delimiter=b"_",
                            progress_per=10000, scoring="default",
                            common_terms=frozenset([b"the"]), corpus_word_count=40,
                            min_reduce=1)
    phraser = gensim_object("gensim.models.phrases.Phraser", min_count=1, threshold=0.5,
                            delimiter=b"_", common_terms=frozenset([b"the"]),
                            scoring=gensim_import._NPMI_SCORER,
                            phrasegrams={(b"new", b"york"): (5, 0.75),
                                         ("caf\u00e9".encode(), b"bank"): 0.625})
    path = gensim_save(phrases, str(tmp_path / "phrases"), py2=py2)
    loaded = Phrases.load(path)
    assert type(loaded) is Phrases
    assert loaded.delimiter == "_" and loaded.scoring.__name__ == "original_scorer"
    assert loaded.vocab == {key.decode(): count for key, count in vocab.items()}
    assert sorted(loaded.connector_words) == ["the"]
    assert loaded.min_count == 1 and loaded.threshold == 0.5
    assert loaded.corpus_word_count == 40
    # a Phraser's global scorer is an inert marker, resolved to fastw2v's function
    path = gensim_save(phraser, str(tmp_path / "phraser"), py2=py2)
    loaded = FrozenPhrases.load(path)
    assert type(loaded) is FrozenPhrases and loaded.scoring.__name__ == "npmi_scorer"
    assert loaded.phrasegrams == {"new_york": 0.75, "caf\u00e9_bank": 0.625}
    assert loaded[["new", "york", "caf\u00e9", "bank"]] == ["new_york", "caf\u00e9_bank"]


def test_other_gensim_models_are_named(tmp_path):
    fasttext = gensim_object("gensim.models.fasttext.FastText", wv=gensim_object(
        "gensim.models.keyedvectors.FastTextKeyedVectors", vectors=np.zeros((1, 2))))
    path = gensim_save(fasttext, str(tmp_path / "ft"))
    for cls in (Word2Vec, KeyedVectors):
        with pytest.raises(gensim_import.RefusedGlobalError,
                           match="it is a gensim FastText .*imports only gensim's Word2Vec"):
            cls.load(path)


def test_python2_str_that_is_not_utf8_reads_as_latin1(tmp_path):
    # as gensim reads Python 2's str; UTF-8 ones (above) are decoded as UTF-8
    phraser = gensim_object("gensim.models.phrases.Phraser", min_count=1, threshold=0.5,
                            delimiter=b"_", common_terms=frozenset(), scoring=b"default",
                            phrasegrams={(b"caf\xe9", b"bank"): 0.75})
    path = gensim_save(phraser, str(tmp_path / "phraser"), py2=True)
    loaded = FrozenPhrases.load(path)
    assert loaded.phrasegrams == {"caf\u00e9_bank": 0.75}
    assert loaded.scoring.__name__ == "original_scorer"
