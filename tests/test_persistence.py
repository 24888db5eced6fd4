"""Saving and loading: round trips, memory mapping, exact resume, atomicity, bad files."""
import json
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from fastw2v import KeyedVectors, Word2Vec, losses, persistence
from fastw2v.callbacks import CallbackAny2Vec, CheckpointCallback
from planted import cluster_corpus

SENTENCES, _ = cluster_corpus(n_sentences=300)
PARAMS = dict(vector_size=12, min_count=1, workers=1, seed=5, progress=False)


class StopAfter(CallbackAny2Vec):
    """Interrupt training after ``epochs`` completed epochs, as a crash or Ctrl-C would."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, model):
        if model.train_state["completed"] == self.epochs:
            raise KeyboardInterrupt


class Evil:
    """Unpickling this creates a marker directory."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def model_attributes(model):
    names = Word2Vec.SAVED_PARAMS + Word2Vec.SAVED_STATE + ("layer1_size", "raw_vocab", "rng_states")
    return {name: getattr(model, name) for name in names}


def assert_same_model(loaded, model):
    assert model_attributes(loaded) == model_attributes(model)
    for name in ("syn1neg", "syn1"):
        a, b = getattr(loaded, name), getattr(model, name)
        assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
        assert a.tobytes() == b.tobytes()
    assert_same_vectors(loaded.wv, model.wv)


def assert_same_vectors(loaded, kv):
    assert loaded.index_to_key == kv.index_to_key
    assert loaded.key_to_index == kv.key_to_index
    assert loaded.vectors.dtype == kv.vectors.dtype and loaded.vectors.shape == kv.vectors.shape
    assert loaded.vectors.tobytes() == kv.vectors.tobytes()
    assert sorted(loaded.expandos) == sorted(kv.expandos)
    for name, values in kv.expandos.items():
        assert loaded.expandos[name].dtype == values.dtype
        np.testing.assert_array_equal(loaded.expandos[name], values)


def rewrite(path, replace=None, drop=(), compression=zipfile.ZIP_STORED):
    """Rebuild the archive at ``path`` with members replaced ({name: bytes}) or dropped."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist() if name not in drop}
    members.update(replace or {})
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def npy_bytes(array, allow_pickle=False):
    import io
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small trained model and its file."""
    model = Word2Vec(SENTENCES, epochs=1, **PARAMS)
    path = str(tmp_path_factory.mktemp("saved") / "model.fw2v")
    model.save(path)
    return model, path


# ----------------------------------------------------------------- round trips

@pytest.mark.parametrize("kernel", ["batched", "classic"])
@pytest.mark.parametrize("sg", [0, 1])
@pytest.mark.parametrize("hs,negative", [(0, 5), (1, 0), (1, 3)])
def test_round_trip_preserves_every_mode_exactly(tmp_path, kernel, sg, hs, negative):
    model = Word2Vec(**PARAMS, sg=sg, hs=hs, negative=negative, kernel=kernel, epochs=2,
                     compute_loss=True, comment="mode test", max_final_vocab=500)
    model.build_vocab(SENTENCES, keep_raw_vocab=True)
    model.train(SENTENCES, total_examples=model.corpus_count, epochs=2, compute_loss=True)
    path = tmp_path / "model.fw2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert_same_model(loaded, model)
    assert loaded.raw_vocab and loaded.training_loss == model.training_loss
    assert loaded.wv.vectors.flags.c_contiguous and loaded.wv.vectors.flags.writeable
    # both continue identically
    for m in (model, loaded):
        m.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    assert loaded.wv.vectors.tobytes() == model.wv.vectors.tobytes()


def test_untrained_and_empty_models_round_trip(tmp_path):
    empty = Word2Vec(**PARAMS)
    empty.save(tmp_path / "empty")
    assert_same_model(Word2Vec.load(tmp_path / "empty", mmap="r"), empty)
    built = Word2Vec(**dict(PARAMS, null_word=1, sorted_vocab=0))
    built.build_vocab(SENTENCES)
    built.save(tmp_path / "built")
    loaded = Word2Vec.load(tmp_path / "built")
    assert_same_model(loaded, built)
    assert loaded.wv.index_to_key[-1] == "\0"


def test_keyedvectors_round_trip_with_awkward_keys(tmp_path):
    keys = ["plain", "two\nlines", "", "é", "\0", "𝔘nicode", "tab\tkey", "\ud800"]
    kv = KeyedVectors(4)
    kv.add_vectors(keys, np.arange(len(keys) * 4, dtype=np.float32).reshape(-1, 4))
    kv.expandos["count"] = np.arange(len(keys), dtype=np.int64)
    kv.save(tmp_path / "kv")
    assert_same_vectors(KeyedVectors.load(tmp_path / "kv"), kv)
    ints = KeyedVectors(3)
    ints.add_vectors([10, 20, 30], np.eye(3, dtype=np.float32))
    ints.save(tmp_path / "ints")
    loaded = KeyedVectors.load(tmp_path / "ints")
    assert loaded.index_to_key == [10, 20, 30] and loaded.get_index(20) == 1


def test_keyedvectors_load_of_a_model_file_gives_its_vectors(saved):
    model, path = saved
    assert_same_vectors(KeyedVectors.load(path), model.wv)


def test_loading_the_wrong_class_names_the_right_one(tmp_path, saved):
    saved[0].wv.save(tmp_path / "kv")
    with pytest.raises(ValueError, match="holds a KeyedVectors, not a Word2Vec model; load it "
                                         "with KeyedVectors.load"):
        Word2Vec.load(tmp_path / "kv")


def test_unsaveable_inputs_are_refused(tmp_path, saved):
    with pytest.raises(ValueError, match="uncompressed archive"):
        saved[0].save(tmp_path / "model.gz")
    mixed = KeyedVectors(2)
    mixed.add_vectors(["a", "b"], np.zeros((2, 2), dtype=np.float32))
    mixed.index_to_key[1] = 1  # only by hand: add_vectors refuses mixed key types
    with pytest.raises(TypeError, match="cannot save key 1 of type int: keys must be all str "
                                        "or all int"):
        mixed.save(tmp_path / "mixed")
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="mmap must be None, 'r' or 'c', got 'w\\+'"):
        Word2Vec.load(saved[1], mmap="w+")


# ----------------------------------------------------------------- memory mapping

def test_mmap_read_only_maps_the_arrays_and_refuses_to_train(saved):
    model, path = saved
    loaded = Word2Vec.load(path, mmap="r")
    for array, original in ((loaded.wv.vectors, model.wv.vectors), (loaded.syn1neg, model.syn1neg),
                            (loaded.wv.expandos["count"], model.wv.expandos["count"])):
        assert isinstance(array, np.memmap) and not array.flags.writeable
        assert array.ctypes.data % persistence.ALIGN == 0
        np.testing.assert_array_equal(array, original)
    assert loaded.wv.most_similar(model.wv.index_to_key[0], topn=3) == \
        model.wv.most_similar(model.wv.index_to_key[0], topn=3)
    with pytest.raises(ValueError, match=r"wv.vectors is read-only \(loaded with mmap='r'\): "
                                         "load the model with mmap=None or mmap='c' to train it"):
        loaded.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    kv = KeyedVectors.load(path, mmap="r")
    assert isinstance(kv.vectors, np.memmap) and not kv.vectors.flags.writeable


def test_mmap_copy_on_write_trains_without_touching_the_file(saved):
    model, path = saved
    with open(path, "rb") as f:
        before = f.read()
    loaded = Word2Vec.load(path, mmap="c")
    assert isinstance(loaded.wv.vectors, np.memmap) and loaded.wv.vectors.flags.writeable
    loaded.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    assert loaded.wv.vectors.tobytes() != model.wv.vectors.tobytes()
    with open(path, "rb") as f:
        assert f.read() == before


# ----------------------------------------------------------------- checkpoints and resume

RESUME = """
import sys
from fastw2v import Word2Vec
checkpoint, corpus_file = sys.argv[1:]
model = Word2Vec.load(checkpoint)
assert model.train_state["completed"] == 2
model.train(corpus_file=corpus_file, total_examples=model.corpus_count,
            total_words=model.corpus_total_words, epochs=4)
model.save(checkpoint)
"""


def write_corpus(path):
    with open(path, "w") as f:
        f.writelines(" ".join(sentence) + "\n" for sentence in SENTENCES)
    return str(path)


@pytest.mark.parametrize("mode", ["iterable", "corpus_file"])
def test_checkpointed_run_resumes_bit_identically(tmp_path, mode):
    corpus = dict(corpus_iterable=SENTENCES) if mode == "iterable" else \
        dict(corpus_file=write_corpus(tmp_path / "corpus.txt"))

    def train(model, **kwargs):
        model.train(**corpus, total_examples=model.corpus_count,
                    total_words=model.corpus_total_words, epochs=4, **kwargs)

    whole = Word2Vec(**PARAMS)
    whole.build_vocab(**corpus)
    train(whole)
    interrupted = Word2Vec(**PARAMS)
    interrupted.build_vocab(**corpus)
    checkpoint = CheckpointCallback(tmp_path / "ckpt", every_epochs=2)
    with pytest.raises(KeyboardInterrupt):
        train(interrupted, callbacks=[checkpoint, StopAfter(3)])
    assert checkpoint.history[0]["epoch"] == 2 and len(checkpoint.history) == 1
    if mode == "iterable":
        resumed = Word2Vec.load(tmp_path / "ckpt")
        assert resumed.train_state == {"epochs": 4, "completed": 2, "start_alpha": 0.025,
                                       "end_alpha": 0.0001}
        train(resumed)
    else:  # resume in another process
        subprocess.run([sys.executable, "-c", RESUME, str(tmp_path / "ckpt"),
                        corpus["corpus_file"]], check=True)
        resumed = Word2Vec.load(tmp_path / "ckpt")
    assert resumed.epochs_trained == 4
    assert resumed.wv.vectors.tobytes() == whole.wv.vectors.tobytes()
    assert resumed.syn1neg.tobytes() == whole.syn1neg.tobytes()
    assert sorted(os.listdir(tmp_path)) == (["ckpt"] if mode == "iterable" else
                                            ["ckpt", "corpus.txt"])


def test_checkpoint_schedules(tmp_path):
    model = Word2Vec(**PARAMS)
    model.build_vocab(SENTENCES)
    by_epochs = CheckpointCallback(tmp_path / "a", every_epochs=2)
    by_time = CheckpointCallback(tmp_path / "b", every_epochs=None, every_seconds=0)
    never_by_time = CheckpointCallback(tmp_path / "c", every_epochs=None, every_seconds=3600)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=3,
                callbacks=[by_epochs, by_time, never_by_time])
    assert [h["epoch"] for h in by_epochs.history] == [2]
    assert [h["epoch"] for h in by_time.history] == [1, 2, 3]
    assert never_by_time.history == [] and not os.path.exists(tmp_path / "c")
    assert Word2Vec.load(tmp_path / "b").wv.vectors.tobytes() == model.wv.vectors.tobytes()
    with pytest.raises(ValueError, match="give every_epochs, every_seconds, or both"):
        CheckpointCallback(tmp_path / "d", every_epochs=None)
    with pytest.raises(ValueError, match="every_epochs must be a positive integer or None"):
        CheckpointCallback(tmp_path / "d", every_epochs=0)


# ----------------------------------------------------------------- atomicity

@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError])
def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, saved, error):
    model, _ = saved
    path = tmp_path / "model.fw2v"
    model.save(path)
    before = path.read_bytes()
    other = Word2Vec(SENTENCES, **dict(PARAMS, epochs=1, seed=9))
    real_write = persistence._write_array

    def failing(out, array):
        if array is other.wv.vectors:
            out.write(npy_bytes(array)[:100])
            raise error("disk full")
        real_write(out, array)

    monkeypatch.setattr(persistence, "_write_array", failing)
    with pytest.raises(error):
        other.save(path)
    with pytest.raises(error):
        other.save(tmp_path / "new.fw2v")
    assert os.listdir(tmp_path) == ["model.fw2v"]
    assert path.read_bytes() == before
    assert_same_model(Word2Vec.load(path), model)


# ----------------------------------------------------------------- bad files

@pytest.fixture
def copy(tmp_path, saved):
    path = tmp_path / "copy.fw2v"
    path.write_bytes(open(saved[1], "rb").read())
    return path


def load_error(path, mmap=None):
    with pytest.raises(ValueError) as info:
        Word2Vec.load(path, mmap=mmap)
    return str(info.value)


def test_truncated_files_are_refused(copy):
    data = copy.read_bytes()
    copy.write_bytes(data[: len(data) // 2])
    assert "is not a fastw2v file, or it is truncated: no zip directory found" in load_error(copy)


def test_truncated_array_member_is_refused(copy):
    with zipfile.ZipFile(copy) as archive:
        vectors = archive.read("wv/vectors.npy")
    rewrite(copy, {"wv/vectors.npy": vectors[:-40]})
    for mmap in (None, "r"):
        message = load_error(copy, mmap)
        assert "member wv/vectors.npy is truncated or inconsistent: %d data bytes expected, " \
               "%d stored" % (len(vectors) - 128, len(vectors) - 168) in message


def test_corrupt_array_bytes_fail_the_checksum(copy):
    data = bytearray(copy.read_bytes())
    with zipfile.ZipFile(copy) as archive:
        member = archive.read("wv/vectors.npy")
    data[data.find(member) + len(member) - 1] ^= 0xFF  # the last vector's last byte
    copy.write_bytes(bytes(data))
    assert "member wv/vectors.npy is corrupt (CRC mismatch)" in load_error(copy)


@pytest.mark.parametrize("text,expected", [
    (b'{"format": "fastw2v", "form', "its fastw2v.json is corrupt"),
    (b"\xff\xfe garbage", "its fastw2v.json is corrupt"),
    (b'{"format": "other", "format_version": 1}', "is not a fastw2v file: fastw2v.json does not "
                                                  "say format 'fastw2v'"),
    (b'["fastw2v"]', "is not a fastw2v file"),
    (b'{"format": "fastw2v", "format_version": "1"}', "invalid format_version '1'"),
])
def test_garbled_metadata_is_refused(copy, text, expected):
    rewrite(copy, {"fastw2v.json": text})
    assert expected in load_error(copy)


def edit_meta(path, edit):
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("fastw2v.json"))
    edit(meta)
    rewrite(path, {"fastw2v.json": json.dumps(meta).encode()})


def test_huffman_trees_of_files_written_before_gensims_tie_order_stay_as_trained(tmp_path):
    # equal counts everywhere: the two tie orders give different trees
    corpus = [["w%d" % i for i in range(j, j + 8)] for j in range(0, 64, 8)] * 5
    model = Word2Vec(corpus, vector_size=8, min_count=1, hs=1, negative=0, workers=1,
                     epochs=1, progress=False)
    path = str(tmp_path / "m.fw2v")
    model.save(path)
    edit_meta(path, lambda meta: meta.pop("huffman_ties"))  # as written before
    old = Word2Vec.load(path)
    offsets, codes, points = losses.huffman_codes(old.wv.expandos["count"], "index")
    w3 = old.wv.key_to_index["w3"]
    start, end = offsets[w3], offsets[w3 + 1]
    assert np.array_equal(old.wv.get_vecattr("w3", "code"), codes[start:end])
    assert np.array_equal(old._training_tables()["hierarchical_softmax"].points, points)
    assert not np.array_equal(points, model._training_tables()["hierarchical_softmax"].points)
    old.save(path)  # and it stays so
    assert np.array_equal(Word2Vec.load(path).wv.get_vecattr("w3", "point"),
                          points[start:end])
    edit_meta(path, lambda meta: meta.update(huffman_ties="count"))
    assert "huffman_ties must be one of" in load_error(path)


def test_newer_format_version_asks_for_an_upgrade(copy):
    edit_meta(copy, lambda meta: meta.update(format_version=2, fastw2v_version="9.0"))
    assert "uses format version 2 (written by fastw2v 9.0); this fastw2v 0.1.0 reads versions " \
           "up to 1: upgrade fastw2v" in load_error(copy)


def test_inconsistent_metadata_is_refused(copy):
    edit_meta(copy, lambda meta: meta.pop("state"))
    assert "invalid fastw2v metadata: missing field 'state'" in load_error(copy)
    edit_meta(copy, lambda meta: meta.update(state={}))
    edit_meta(copy, lambda meta: meta["params"].update(vector_size=0))
    assert "invalid fastw2v metadata: Word2Vec: vector_size must be an int in [1, 2147483647], got 0" \
        in load_error(copy)


def test_other_files_and_directories_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert "is not a fastw2v file: it has no fastw2v.json member" in \
        load_error(tmp_path / "other.zip")
    (tmp_path / "random").write_bytes(os.urandom(1000))
    assert "is not a fastw2v file, or it is truncated" in load_error(tmp_path / "random")
    (tmp_path / "folder").mkdir()
    assert "is a directory, not a fastw2v file" in load_error(tmp_path / "folder")
    with pytest.raises(FileNotFoundError):
        Word2Vec.load(tmp_path / "missing")


def test_compressed_members_are_refused(copy):
    rewrite(copy, compression=zipfile.ZIP_DEFLATED)
    assert "member fastw2v.json is compressed or encrypted" in load_error(copy)


def test_wrong_dtype_or_shape_is_refused(copy, saved):
    rewrite(copy, {"wv/vectors.npy": npy_bytes(saved[0].wv.vectors.astype(np.float64)[:, :3])})
    assert "member wv/vectors.npy has dtype float64; fastw2v files hold only plain numeric " \
        "arrays" in load_error(copy)
    rewrite(copy, {"wv/vectors.npy": npy_bytes(saved[0].wv.vectors[:, :3])})
    assert "member wv/vectors.npy has shape (96, 3), expected (96, 12)" in load_error(copy)
    rewrite(copy, {"wv/vectors.npy": npy_bytes(np.array(["a", "b"]))})
    assert "member wv/vectors.npy has dtype <U1; fastw2v files hold only plain numeric arrays" \
        in load_error(copy)


def test_crafted_files_never_run_code(tmp_path, copy):
    marker = str(tmp_path / "pwned")
    evil = np.empty(2, dtype=object)
    evil[:] = [Evil(marker), 1]
    rewrite(copy, {"wv/vectors.npy": npy_bytes(evil, allow_pickle=True)})
    for mmap in (None, "r"):
        assert "member wv/vectors.npy has dtype object; fastw2v files hold only plain numeric " \
               "arrays (object arrays are never loaded)" in load_error(copy, mmap)
    rewrite(copy, {"wv/vectors.npy": pickle.dumps(Evil(marker))})
    assert "member wv/vectors.npy is not a valid .npy array" in load_error(copy)
    rewrite(copy, {"fastw2v.json": pickle.dumps(Evil(marker))})
    assert "its fastw2v.json is corrupt" in load_error(copy)
    (tmp_path / "gensim.model").write_bytes(pickle.dumps(Evil(marker)))
    assert "it looks like a pickle, e.g. from gensim's save(): fastw2v never unpickles" in \
        load_error(tmp_path / "gensim.model")
    with pytest.raises(ValueError, match="looks like a pickle"):
        KeyedVectors.load(tmp_path / "gensim.model")
    assert not os.path.exists(marker)
