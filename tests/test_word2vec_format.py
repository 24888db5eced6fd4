"""word2vec.c text/binary files: byte-exact round trips, foreign files, every bad-file case."""
import bz2
import gzip
import io
import os

import numpy as np
import pytest

from fastw2v.keyedvectors import KeyedVectors

WORDS = ["the", "of", "naïve", "日本", "x"]


@pytest.fixture
def kv():
    rng = np.random.default_rng(0)
    kv = KeyedVectors(6)
    vectors = rng.standard_normal((5, 6)).astype(np.float32)
    vectors[0, :3] = [0.0, -0.0, 1e-30]
    kv.add_vectors(WORDS, vectors)
    kv.expandos["count"] = np.array([50, 40, 40, 60, 1], dtype=np.int64)
    return kv


def c_binary(words, vectors, newline=True):
    """A binary file as word2vec.c writes it (a newline after each vector)."""
    body = b"".join(w.encode() + b" " + v.astype("<f4").tobytes() + (b"\n" if newline else b"")
                    for w, v in zip(words, vectors))
    return b"%d %d\n" % vectors.shape + body


def c_text(words, vectors):
    """A text file as word2vec.c writes it ("%lf " per value)."""
    lines = ["%s %s\n" % (w, "".join("%lf " % x for x in v)) for w, v in zip(words, vectors)]
    return ("%d %d\n" % vectors.shape + "".join(lines)).encode()


def save_load(kv, path, **kwargs):
    kv.save_word2vec_format(path, **kwargs)
    load_kwargs = {k: v for k, v in kwargs.items() if k in ("binary", "fvocab")}
    return KeyedVectors.load_word2vec_format(path, no_header=not kwargs.get("write_header", True),
                                             **load_kwargs)


# ---- round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize("binary, header", [(False, True), (False, False), (True, True)])
def test_round_trip_is_byte_exact(kv, tmp_path, binary, header):
    first, second = tmp_path / "a", tmp_path / "b"
    loaded = save_load(kv, first, binary=binary, write_header=header)
    order = [3, 0, 1, 2, 4]  # descending count, ties in index order
    assert loaded.index_to_key == [WORDS[i] for i in order]
    np.testing.assert_array_equal(loaded.vectors, kv.vectors[order])
    assert loaded.vectors.dtype == np.float32 and loaded.vectors.flags.c_contiguous
    loaded.save_word2vec_format(second, binary=binary, write_header=header)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_with_fvocab_keeps_counts(kv, tmp_path, binary):
    loaded = save_load(kv, tmp_path / "v", binary=binary, fvocab=tmp_path / "vocab")
    assert (tmp_path / "vocab").read_text(encoding="utf8") == "日本 60\nthe 50\nof 40\nnaïve 40\nx 1\n"
    assert [loaded.get_vecattr(w, "count") for w in WORDS] == [50, 40, 40, 60, 1]
    loaded.save_word2vec_format(tmp_path / "w", binary=binary, fvocab=tmp_path / "vocab2")
    assert (tmp_path / "v").read_bytes() == (tmp_path / "w").read_bytes()
    assert (tmp_path / "vocab").read_bytes() == (tmp_path / "vocab2").read_bytes()


def test_exact_bytes_written(kv, tmp_path):
    small = KeyedVectors(2)
    small.add_vectors(["a", "b"], np.array([[0.5, -1.0], [0.1, 2.0]], dtype=np.float32))
    small.save_word2vec_format(tmp_path / "t")
    assert (tmp_path / "t").read_bytes() == b"2 2\na 0.5 -1.0\nb 0.1 2.0\n"
    small.save_word2vec_format(tmp_path / "b", binary=True, prefix="p_", total_vec=7)
    expected = b"7 2\np_a " + np.float32([0.5, -1.0]).tobytes() + b"p_b " + np.float32([0.1, 2]).tobytes()
    assert (tmp_path / "b").read_bytes() == expected
    with pytest.raises(ValueError, match="Cannot store vocabulary with 'count'"):
        small.save_word2vec_format(tmp_path / "t", fvocab=tmp_path / "vocab")


def test_compressed_and_file_objects(kv, tmp_path):
    for name, opener in (("v.gz", gzip.open), ("v.bz2", bz2.open)):
        loaded = save_load(kv, tmp_path / name, binary=True)
        with opener(tmp_path / name, "rb") as f:
            raw = f.read()
        assert raw.startswith(b"5 6\n") and loaded.index_to_key[0] == "日本"
    data = (tmp_path / "v.gz").read_bytes()
    loaded = KeyedVectors.load_word2vec_format(io.BytesIO(gzip.decompress(data)), binary=True)
    np.testing.assert_array_equal(loaded["x"], kv["x"])


def test_append(kv, tmp_path):
    path = tmp_path / "v"
    kv.save_word2vec_format(path)
    kv.save_word2vec_format(path, append=True, write_header=False, prefix="again_")
    lines = path.read_text(encoding="utf8").splitlines()
    assert len(lines) == 11 and lines[6].startswith("again_日本 ")


def test_write_is_atomic(kv, tmp_path):
    path = tmp_path / "v"
    path.write_bytes(b"previous")

    class Unprintable:
        def __str__(self):
            raise RuntimeError("boom")

    kv.index_to_key[-1] = Unprintable()
    with pytest.raises(RuntimeError, match="boom"):
        kv.save_word2vec_format(path)
    assert path.read_bytes() == b"previous" and os.listdir(tmp_path) == ["v"]


# ---- foreign files ---------------------------------------------------------------------------

def test_loads_word2vec_c_files(tmp_path):
    words = ["</s>", "a", "bb"]
    vectors = np.array([[0.25, -1.5], [3.0, 0.125], [-2.0, 1e-3]], dtype=np.float32)
    (tmp_path / "c.bin").write_bytes(c_binary(words, vectors))
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "c.bin", binary=True)
    assert loaded.index_to_key == words
    np.testing.assert_array_equal(loaded.vectors, vectors)
    assert [loaded.get_vecattr(w, "count") for w in words] == [3, 2, 1]
    (tmp_path / "c.txt").write_bytes(c_text(words, vectors))
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "c.txt")
    assert loaded.index_to_key == words
    np.testing.assert_allclose(loaded.vectors, vectors, atol=1e-6)


def test_limit_datatype_and_no_header(tmp_path):
    words = ["a", "b", "c"]
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    (tmp_path / "c.bin").write_bytes(c_binary(words, vectors))
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "c.bin", binary=True, limit=2, datatype=np.float64)
    assert loaded.index_to_key == ["a", "b"] and loaded.vectors.dtype == np.float64
    assert loaded.get_vecattr("a", "count") == 2
    (tmp_path / "glove.txt").write_text("a 0 1\nb 2 3\nc 4 5\n")
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True)
    np.testing.assert_array_equal(loaded.vectors, vectors)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True, limit=1)
    assert loaded.index_to_key == ["a"]
    with pytest.raises(NotImplementedError):
        KeyedVectors.load_word2vec_format(tmp_path / "c.bin", binary=True, no_header=True)


def test_duplicate_words_keep_the_first(tmp_path, caplog):
    vectors = np.array([[1, 1], [2, 2], [3, 3]], dtype=np.float32)
    (tmp_path / "d.bin").write_bytes(c_binary(["a", "b", "a"], vectors))
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "d.bin", binary=True)
    assert loaded.index_to_key == ["a", "b"] and loaded.vectors.shape == (2, 2)
    np.testing.assert_array_equal(loaded["a"], [1, 1])
    assert "duplicate word 'a'" in caplog.text


def test_word_truncated_inside_a_utf8_character(tmp_path):
    vectors = np.ones((2, 2), dtype=np.float32)
    (tmp_path / "u.bin").write_bytes(c_binary(["ok", "ab\xe6"], vectors).replace("\xe6".encode(), b"\xe6"))
    with pytest.raises(ValueError, match=r"word of vector 2 at byte offset 16 is not valid utf8"):
        KeyedVectors.load_word2vec_format(tmp_path / "u.bin", binary=True)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "u.bin", binary=True, unicode_errors="ignore")
    assert loaded.index_to_key == ["ok", "ab"]
    (tmp_path / "u.txt").write_bytes(b"2 2\nok 1 1\nab\xe6 1 1\n")
    with pytest.raises(ValueError, match="line 3: word is not valid utf8"):
        KeyedVectors.load_word2vec_format(tmp_path / "u.txt")


# ---- bad files --------------------------------------------------------------------------------

GOOD_BINARY = c_binary(["a", "b"], np.ones((2, 3), dtype=np.float32))


@pytest.mark.parametrize("data, binary, message", [
    (b"", False, "empty file"),
    (b"", True, "empty file"),
    (b"two three\na 1 2\n", False, r"line 1: expected a header 'count size'"),
    (b"2 3 4\n", True, r"line 1: expected a header"),
    (b"2 0\n", False, r"line 1: invalid header"),
    (b"3 2\na 1 2\nb 3 4\n", False, r"end of file after line 3: the header declares 3 vectors, found 2"),
    (b"1 2\na 1 2\nb 3 4\n", False, r"line 3: more vectors than the 1 declared"),
    (b"2 2\na 1 2\nb 3\n", False, r"line 3: expected 2 values, got 1"),
    (b"2 2\na 1 2\nb 3 4 5\n", False, r"line 3: expected 2 values, got 3"),
    (b"2 2\na 1 2\nb 3 x4\n", False, r"line 3: not a number"),
    (b"2 2\na 1 2\n\nb 3 4\n", False, r"line 3 is empty"),
    (GOOD_BINARY[:-5], True, r"the header declares 2 vectors of size 3, at least 26 bytes, but only 25 bytes "
                             r"follow it \(truncated file or wrong header\?\)"),
    (GOOD_BINARY.replace(b"2 3", b"3 3", 1), True, r"declares 3 vectors of size 3, at least 39 bytes, but only 30"),
    (GOOD_BINARY.replace(b"2 3", b"1 3", 1), True, r"data continues at byte offset 19 after the 1 vectors"),
    (GOOD_BINARY.replace(b"2 3", b"2 2", 1), True, r"not valid utf8|data continues"),
    (b"1 2\n" + b"w" * (1 << 17), True, r"no space after a word within 65536 bytes at byte offset 4"),
    (GOOD_BINARY.replace(b"2 3", b"3 2", 1), True, r"not valid utf8|end of file|no space"),
])
def test_bad_files_raise_value_error(tmp_path, data, binary, message):
    path = tmp_path / "bad"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        KeyedVectors.load_word2vec_format(path, binary=binary)


def test_limit_stops_early_but_a_header_count_is_checked(tmp_path):
    path = tmp_path / "v"
    for binary, data in ((False, b"2 2\na 1 2\nb 3 4\n"), (True, GOOD_BINARY)):
        path.write_bytes(data)
        assert len(KeyedVectors.load_word2vec_format(path, binary=binary, limit=1)) == 1
        path.write_bytes(data.replace(b"2 ", b"1 ", 1))
        with pytest.raises(ValueError, match="more vectors|data continues"):
            KeyedVectors.load_word2vec_format(path, binary=binary, limit=5)


def test_bad_vocab_file(tmp_path, kv):
    kv.save_word2vec_format(tmp_path / "v")
    (tmp_path / "vocab").write_text("the 5\nof five\n")
    with pytest.raises(ValueError, match="vocab: line 2: expected 'word count'"):
        KeyedVectors.load_word2vec_format(tmp_path / "v", fvocab=tmp_path / "vocab")


# ---- agreement with gensim ----------------------------------------------------------------------

@pytest.mark.parametrize("binary", [False, True])
def test_bytes_equal_gensims(kv, tmp_path, binary):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    ref = gensim_kv.KeyedVectors(kv.vector_size)
    ref.add_vectors(kv.index_to_key, kv.vectors.copy())
    for key, count in zip(kv.index_to_key, kv.expandos["count"].tolist()):
        ref.set_vecattr(key, "count", count)
    for kwargs in ({}, {"write_header": False, "prefix": "x_"}, {"total_vec": 9}):
        kv.save_word2vec_format(tmp_path / "ours", binary=binary, fvocab=tmp_path / "ours.vocab", **kwargs)
        ref.save_word2vec_format(str(tmp_path / "ref"), binary=binary, fvocab=str(tmp_path / "ref.vocab"), **kwargs)
        assert (tmp_path / "ours").read_bytes() == (tmp_path / "ref").read_bytes()
        assert (tmp_path / "ours.vocab").read_bytes() == (tmp_path / "ref.vocab").read_bytes()
    # and each loads the other's files identically
    ref.save_word2vec_format(str(tmp_path / "ref"), binary=binary, fvocab=str(tmp_path / "ref.vocab"))
    ours = KeyedVectors.load_word2vec_format(tmp_path / "ref", binary=binary, fvocab=tmp_path / "ref.vocab")
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / "ref"), binary=binary,
                                                         fvocab=str(tmp_path / "ref.vocab"))
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.expandos["count"].tolist() == theirs.expandos["count"].tolist()
    c_file = tmp_path / "c"
    c_file.write_bytes(c_binary(WORDS, kv.vectors) if binary else c_text(WORDS, kv.vectors))
    ours = KeyedVectors.load_word2vec_format(c_file, binary=binary)
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(c_file), binary=binary)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
