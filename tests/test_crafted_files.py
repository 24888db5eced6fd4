"""Crafted files: each gets a ValueError naming the file and the problem, and nothing else.

Loading never trains, never reads a path the file names, never allocates what the file merely
declares; and a save cleans up the temporary files of writers that were killed.
"""
import gzip
import io
import json
import os
import re
import resource
import signal
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from fastw2v import KeyedVectors, Word2Vec
from fastw2v._fileio import atomic_write
from fastw2v.word2vec_format import TruncatedFileError
from fastw2v.phrases import Phrases

SENTENCES = [["new", "york", "is", "big"], ["the", "big", "apple", "is", "new", "york"]] * 5


@pytest.fixture(scope="module")
def model():
    model = Word2Vec(vector_size=4, min_count=1, workers=1, seed=1, epochs=2, progress=False)
    model.build_vocab(SENTENCES)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=2)
    return model


@pytest.fixture
def path(tmp_path, model):
    path = tmp_path / "model.fw2v"
    model.save(path)
    return path


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def repack(path, contents):
    """Write ``contents`` ({member: bytes}) to ``path`` as a plain stored zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def edit_meta(path, edit):
    contents = members(path)
    meta = json.loads(contents["fastw2v.json"])
    edit(meta)
    contents["fastw2v.json"] = json.dumps(meta).encode()
    repack(path, contents)


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def refused(load, path, *args, **kwargs):
    """The message of the ValueError that ``load(path)`` raises."""
    with pytest.raises(ValueError) as info:
        load(path, *args, **kwargs)
    assert type(info.value) in (ValueError, TruncatedFileError)
    return str(info.value)


def metadata_error(path, message):
    return "%r: invalid fastw2v metadata: %s" % (str(path), message)


# ----------------------------------------------------------------- params and state

@pytest.mark.parametrize("name, value", [("corpus_file", "/etc/hostname"),
                                         ("sentences", [["a", "b"]]), ("callbacks", []),
                                         ("trim_rule", None), ("hashfxn", None)])
def test_params_outside_the_saved_ones_are_refused(path, name, value):
    edit_meta(path, lambda meta: meta["params"].update({name: value, "epochs": 1000000000}))
    assert refused(Word2Vec.load, path) == metadata_error(
        path, "unknown parameter %r in params (a fastw2v file holds only %s)"
        % (name, ", ".join(Word2Vec.SAVED_PARAMS)))


def test_load_constructs_from_exactly_the_saved_params_and_never_trains(path, model):
    seen = []

    class Recording(Word2Vec):
        def __init__(self, *args, **kwargs):
            seen.append((args, kwargs))
            super().__init__(*args, **kwargs)

        def train(self, *args, **kwargs):
            raise AssertionError("load trained the model")

        def build_vocab(self, *args, **kwargs):
            raise AssertionError("load scanned a corpus")

    edit_meta(path, lambda meta: meta["params"].update(epochs=1000000000))
    loaded = Recording.load(path)
    assert seen == [((), {name: getattr(loaded, name) for name in Word2Vec.SAVED_PARAMS})]
    assert loaded.epochs == 1000000000 and loaded.train_count == model.train_count == 1


@pytest.mark.parametrize("params, message", [
    ({"epochs": float("inf")}, "Word2Vec: epochs must be an int in [0, inf), got inf"),
    ({"alpha": float("nan")}, "Word2Vec: alpha must be a finite number in (0, inf), got nan"),
    ({"vector_size": "4"}, "Word2Vec: vector_size must be an int in [1, 2147483647], got '4'"),
])
def test_invalid_param_values_are_refused(path, params, message):
    edit_meta(path, lambda meta: meta["params"].update(params))
    assert refused(Word2Vec.load, path) == metadata_error(path, message)


@pytest.mark.parametrize("state, message", [
    ({"train_state": {"epochs": 2, "completed": 3, "start_alpha": 0.025, "end_alpha": 0.0001}},
     "train_state completed must be an int in [0, 2], got 3"),
    ({"train_state": {"epochs": 2, "completed": -1, "start_alpha": 0.025, "end_alpha": 0.0001}},
     "train_state completed must be an int in [0, 2], got -1"),
    ({"train_state": {"epochs": 2, "completed": 1, "start_alpha": float("inf"), "end_alpha": 0}},
     "train_state start_alpha must be a finite number, got inf"),
    ({"train_state": {"epochs": 2, "completed": 1}},
     "train_state must have the fields epochs, completed, start_alpha, end_alpha, got "
     "{'epochs': 2, 'completed': 1}"),
    ({"train_state": [2, 1]}, "train_state must be a JSON object, got [2, 1]"),
    ({"epochs_trained": True}, "epochs_trained must be an int in [0, inf], got True"),
    ({"corpus_count": -5}, "corpus_count must be an int in [0, inf], got -5"),
    ({"total_train_time": float("inf")}, "total_train_time must be a finite number >= 0, got inf"),
    ({"training_loss": "x"}, "training_loss must be a list, got 'x'"),
    ({"rng": 1}, "unknown field 'rng' in state"),
])
def test_insane_training_state_is_refused(path, state, message):
    edit_meta(path, lambda meta: meta["state"].update(state))
    assert refused(Word2Vec.load, path) == metadata_error(path, message)


def test_arrays_must_match_the_vocabulary(path, model):
    contents = members(path)
    repack(path, dict(contents, **{"syn1neg.npy": npy(model.syn1neg[:-1])}))
    assert refused(Word2Vec.load, path) == "%r: member syn1neg.npy has shape (%d, 4), expected " \
        "(%d, 4)" % (str(path), len(model.wv) - 1, len(model.wv))
    counts = model.wv.expandos["count"].copy()
    counts[0] = -1
    repack(path, dict(contents, **{"wv/expandos/0.npy": npy(counts)}))
    assert refused(Word2Vec.load, path) == metadata_error(
        path, "a trained model's wv needs a non-negative integer count per word (expando 'count')")
    edit_meta(path, lambda meta: meta["wv"].update(key_type="float"))
    assert refused(Word2Vec.load, path) == metadata_error(
        path, "key_type must be 'str' or 'int', got 'float'")
    edit_meta(path, lambda meta: meta["wv"].update(key_type="int"))  # but the keys are text
    assert "member wv/keys.npy has dtype uint8" in refused(Word2Vec.load, path)


# ----------------------------------------------------------------- keys

@pytest.mark.parametrize("mmap", [None, "r", "c"])
def test_duplicate_keys_are_refused_in_every_mmap_mode(path, mmap):
    contents = members(path)
    offsets = np.load(io.BytesIO(contents["wv/key_offsets.npy"]))
    blob = np.frombuffer(contents["wv/keys.npy"][-int(offsets[-1]):], np.uint8)
    words = blob.tobytes().decode().split("\n")[:-1]
    words[1] = words[0]
    text = ("\n".join(words) + "\n").encode()
    ends = np.cumsum([len(word.encode()) + 1 for word in words])
    repack(path, dict(contents, **{"wv/keys.npy": npy(np.frombuffer(text, np.uint8)),
                                   "wv/key_offsets.npy": npy(np.concatenate([[0], ends]))}))
    message = "%r: key %r appears more than once in wv/keys.npy" % (str(path), words[0])
    assert refused(Word2Vec.load, path, mmap=mmap) == message
    assert refused(KeyedVectors.load, path, mmap=mmap) == message


@pytest.mark.parametrize("offsets", [np.array([0, 100, -100, 3], np.int8),
                                     np.array([0, 2**62 + 2**61, -2**63 + 1, 3], np.int64)])
def test_key_offsets_that_overflow_are_refused(tmp_path, offsets):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c"], np.zeros((3, 2), np.float32))
    kv.save(tmp_path / "kv")
    repack(tmp_path / "kv", dict(members(tmp_path / "kv"), **{
        "keys.npy": npy(np.frombuffer(b"ab\n", np.uint8)), "key_offsets.npy": npy(offsets)}))
    assert refused(KeyedVectors.load, tmp_path / "kv") == metadata_error(
        tmp_path / "kv", "the key offsets do not match the key blob")


# ----------------------------------------------------------------- zip and npy structure

def test_an_unterminated_npy_header_is_refused(path):
    header = b"{'descr': '<f4"
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    repack(path, dict(members(path), **{"wv/vectors.npy": data}))
    assert refused(Word2Vec.load, path) == "%r: member wv/vectors.npy is not a valid .npy array " \
        "(('EOF in multi-line statement', (2, 0)))" % str(path)


def test_negative_npy_shapes_are_refused(path, model):
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -4), }"
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(32)
    repack(path, dict(members(path), **{"raw_vocab/counts.npy": data}))
    assert refused(Word2Vec.load, path) == \
        "%r: member raw_vocab/counts.npy has a negative shape (-2, -4)" % str(path)


def end_of_directory(data):
    """The offset and fields of a plain zip's end-of-central-directory record."""
    at = data.rindex(b"PK\x05\x06")
    return at, list(struct.unpack("<4s4H2LH", data[at:at + 22]))


def test_a_negative_member_offset_is_refused(path):
    repack(path, members(path))
    data = bytearray(path.read_bytes())
    at, fields = end_of_directory(data)
    fields[6] += 100  # the directory's offset: members now start 100 bytes before the file
    data[at:at + 22] = struct.pack("<4s4H2LH", *fields)
    path.write_bytes(bytes(data))
    assert refused(Word2Vec.load, path) == "%r: member fastw2v.json has its local header at " \
        "byte -100 of %d (truncated or corrupt file)" % (str(path), len(data))


def test_an_unsupported_zip_version_is_refused(path):
    repack(path, members(path))
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + 6:entry + 8] = struct.pack("<H", 99)  # version needed to extract: 9.9
    path.write_bytes(bytes(data))
    assert refused(Word2Vec.load, path) == \
        "%r is not a fastw2v file: unsupported zip archive (zip file version 9.9)" % str(path)


@pytest.mark.parametrize("text, message", [
    (b'{"format": "fastw2v", "format_version": 1, "x": ' + b"[" * 100000 + b"]" * 100000 + b"}",
     "maximum recursion depth exceeded while decoding a JSON array from a unicode string"),
    (b'{"format": "fastw2v", "format_version": ' + b"9" * 5000 + b"}",
     None),  # the interpreter's own message (its wording differs between Python versions)
])
def test_json_too_deep_or_too_long_is_refused(path, text, message):
    if message is None:
        try:
            int("9" * 5000)
        except ValueError as exc:
            message = str(exc)
    repack(path, dict(members(path), **{"fastw2v.json": text}))
    assert refused(Word2Vec.load, path) == \
        "%r: its fastw2v.json is corrupt (%s)" % (str(path), message)


def test_a_class_that_is_not_a_name_is_refused(tmp_path):
    Phrases(SENTENCES, min_count=1, threshold=0.1).save(tmp_path / "p")
    edit_meta(tmp_path / "p", lambda meta: meta.update({"class": {"a": 1}}))
    assert refused(Phrases.load, tmp_path / "p") == \
        "%r holds a {'a': 1}, not a phrase model" % str(tmp_path / "p")


@pytest.mark.parametrize("name, value, message", [
    ("corpus_word_count", 2**63 - 1, "corpus_word_count must be an int in [0, 2**62], got %d"
     % (2**63 - 1)),
    ("min_reduce", 0, "min_reduce must be an int in [1, 2**62], got 0"),
])
def test_phrase_counters_that_would_overflow_are_refused(tmp_path, name, value, message):
    Phrases(SENTENCES, min_count=1, threshold=0.1).save(tmp_path / "p")
    edit_meta(tmp_path / "p", lambda meta: meta["params"].update({name: value}))
    assert refused(Phrases.load, tmp_path / "p") == metadata_error(tmp_path / "p", message)


def test_an_oversized_vector_size_is_refused(tmp_path):
    kv = KeyedVectors(2)
    kv.save(tmp_path / "kv")
    edit_meta(tmp_path / "kv", lambda meta: meta["keyedvectors"].update(vector_size=2**62))
    assert refused(KeyedVectors.load, tmp_path / "kv") == metadata_error(
        tmp_path / "kv", "vector_size must be an int in [1, 2147483647], got %d" % 2**62)


# ----------------------------------------------------------------- word2vec.c files

MEMORY_PROBE = """
import resource, sys
from fastw2v import KeyedVectors
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
except ValueError as exc:
    print(exc)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""  # prints the error, then how many MB the peak grew by during the load


def test_a_header_larger_than_the_file_is_refused_before_allocating(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"1 500000000\nab ")
    message = "%s: the header declares 1 vectors of size 500000000, at least 2000000001 bytes, " \
              "but only 3 bytes follow it (truncated file or wrong header?)" % path
    assert refused(KeyedVectors.load_word2vec_format, path, binary=True) == message
    output = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], check=True,
                            capture_output=True, text=True).stdout.splitlines()
    assert output[0] == message and int(output[1]) < 200  # peak growth, MB: not the 2 GB declared


def test_a_stream_longer_in_its_header_than_in_its_data_allocates_only_what_arrives(tmp_path):
    data = b"1 500000000\nab " + bytes(1000)
    (tmp_path / "v.bin.gz").write_bytes(gzip.compress(data))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for source, name in ((tmp_path / "v.bin.gz", str(tmp_path / "v.bin.gz")),
                         (io.BytesIO(data), "<file>")):
        assert refused(KeyedVectors.load_word2vec_format, source, binary=True) == \
            "%s: unexpected end of file at byte offset 1015: the header declares 1 vectors of " \
            "size 500000000, found 0 (truncated file or wrong header?)" % name
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024


@pytest.mark.parametrize("binary", [False, True])
def test_an_oversized_header_vector_size_is_refused(tmp_path, binary):
    (tmp_path / "v").write_bytes(b"0 4611686018427387904\n")
    assert refused(KeyedVectors.load_word2vec_format, tmp_path / "v", binary=binary) == \
        "%s: line 1: invalid header b'0 4611686018427387904\\n' (expected a count >= 0 and a " \
        "vector size in [1, 2147483647])" % (tmp_path / "v")


def test_binary_vectors_grow_with_a_stream(tmp_path):
    kv = KeyedVectors(3)
    kv.add_vectors(["w%d" % i for i in range(5000)],
                   np.random.default_rng(0).standard_normal((5000, 3), np.float32))
    kv.save_word2vec_format(tmp_path / "v.bin.gz", binary=True)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.bin.gz", binary=True)
    assert loaded.index_to_key == kv.index_to_key and loaded.vectors.shape == (5000, 3)
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


# ----------------------------------------------------------------- temporary files

KILLED_SAVE = """
import os, signal, sys
from fastw2v._fileio import atomic_write
from fastw2v.word2vec_format import TruncatedFileError
with atomic_write(sys.argv[1]) as fout:
    fout.write(b"partial" * 1000)
    fout.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_next_save_removes_temporary_files_of_killed_writers(tmp_path, model):
    path = tmp_path / "model.fw2v"
    for _ in range(3):  # each killed save removes the file of the one before
        run = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(path)])
        assert run.returncode == -signal.SIGKILL
    (left,) = os.listdir(tmp_path)
    assert re.fullmatch(r"\.model\.fw2v\.[0-9a-f]{16}\.tmp", left)
    (tmp_path / ".model.fw2v.abcd_123.tmp").write_bytes(b"from fastw2v 0.1.0's mkstemp")
    (tmp_path / ".other.fw2v.0123456789abcdef.tmp").write_bytes(b"another target's")
    model.save(path)
    assert sorted(os.listdir(tmp_path)) == [".other.fw2v.0123456789abcdef.tmp", "model.fw2v"]
    assert Word2Vec.load(path).wv.index_to_key == model.wv.index_to_key


def test_a_live_writers_temporary_file_is_kept(tmp_path):
    path = tmp_path / "out"
    with atomic_write(path) as outer:
        outer.write(b"outer")
        (live,) = os.listdir(tmp_path)
        with atomic_write(path) as inner:
            inner.write(b"inner")
            assert live in os.listdir(tmp_path) and len(os.listdir(tmp_path)) == 2
        assert path.read_bytes() == b"inner" and os.listdir(tmp_path).count(live) == 1
    assert path.read_bytes() == b"outer" and os.listdir(tmp_path) == ["out"]
