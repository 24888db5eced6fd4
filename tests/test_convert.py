"""``fastw2v convert`` and fastw2v.conversion: streamed conversion into fastw2v's format."""

import numpy as np
import pytest

from fastw2v import conversion, word2vec_format
from fastw2v.cli import main
from fastw2v.keyedvectors import KeyedVectors
from fastw2v.word2vec_format import TruncatedFileError

WORDS = ["the", "of", "naïve", "日本", "x", "end"]


@pytest.fixture
def kv():
    kv = KeyedVectors(4)
    kv.add_vectors(WORDS, np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32))
    kv.expandos["count"] = np.arange(6, 0, -1, dtype=np.int64)
    return kv


def assert_same(converted, expected):
    assert converted.index_to_key == expected.index_to_key
    np.testing.assert_array_equal(converted.vectors, expected.vectors)
    np.testing.assert_array_equal(converted.expandos["count"], expected.expandos["count"])
    np.testing.assert_allclose(converted.norms, np.linalg.norm(expected.vectors, axis=1),
                               rtol=1e-6)


@pytest.mark.parametrize("form, binary, header", [
    ("binary", True, True), ("text", False, True), ("glove", False, False)])
def test_cli_converts_each_form_as_load_word2vec_format_reads_it(kv, tmp_path, form, binary,
                                                                 header, capsys):
    source = tmp_path / ("v.bin" if binary else "v.txt")
    kv.save_word2vec_format(source, binary=binary, write_header=header)
    target = tmp_path / "v.fw2v"
    assert main(["convert", str(source), str(target)]) == 0  # the form is detected
    assert "wrote 6 vectors" in capsys.readouterr().err
    expected = KeyedVectors.load_word2vec_format(source, binary=binary, no_header=not header)
    converted = KeyedVectors.load(target, mmap="r")
    assert converted.norms is not None
    assert_same(converted, expected)
    assert converted.most_similar("the", topn=2) == expected.most_similar("the", topn=2)


def test_small_blocks_duplicates_and_limit(kv, tmp_path, monkeypatch):
    monkeypatch.setattr(word2vec_format, "CHUNK_BYTES", 9)
    monkeypatch.setattr(word2vec_format, "TEXT_BATCH_LINES", 2)
    monkeypatch.setattr(conversion, "_SPOOL_ROWS", 3)
    source = tmp_path / "v.bin"
    data = b"".join(w.encode() + b" " + v.tobytes() + b"\n" * (i % 2)
                    for i, (w, v) in enumerate(zip(WORDS + ["of"], np.vstack([kv.vectors,
                                                                             kv.vectors[:1]]))))
    source.write_bytes(b"7 4\n" + data)
    for binary, path in ((True, source), (False, tmp_path / "v.txt")):
        if not binary:
            KeyedVectors.load_word2vec_format(source, binary=True).save_word2vec_format(path)
        for limit in (None, 4):
            target = tmp_path / "v.fw2v"
            conversion.convert(path, target, binary=binary, limit=limit)
            expected = KeyedVectors.load_word2vec_format(path, binary=binary, limit=limit)
            assert_same(KeyedVectors.load(target), expected)


def test_compressed_input_int_keys_and_fvocab(tmp_path):
    kv = KeyedVectors(3)
    kv.add_vectors([5, 7, 11], np.eye(3, dtype=np.float32))
    source = tmp_path / "v.txt.gz"
    vocab = tmp_path / "vocab.txt"
    kv.expandos["count"] = np.array([9, 8, 1], dtype=np.int64)
    kv.save_word2vec_format(source, fvocab=vocab)
    target = tmp_path / "v.fw2v"
    conversion.convert(source, target, fvocab=vocab, key_type=int)
    converted = KeyedVectors.load(target)
    assert converted.index_to_key == [5, 7, 11]
    assert converted.get_vecattr(7, "count") == 8


@pytest.mark.parametrize("data, binary, error, message", [
    (b"3 2\nw " + np.ones(2, "<f4").tobytes(), True, TruncatedFileError, "header declares 3"),
    (b"2 2\na 1 2\nb 1\n", False, ValueError, "line 3: expected 2 values, got 1"),
    (b"1 2\na 1 2\n7 7\n", False, ValueError, "more vectors than the 1 declared"),
])
def test_bad_files_raise_and_leave_the_target_alone(tmp_path, data, binary, error, message):
    source, target = tmp_path / "bad", tmp_path / "v.fw2v"
    source.write_bytes(data)
    target.write_bytes(b"previous")
    with pytest.raises(error, match=message):
        conversion.convert(source, target, binary=binary)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "v.fw2v"]  # no spool left


def test_bad_int_key_names_its_vector(tmp_path, monkeypatch):
    monkeypatch.setattr(word2vec_format, "CHUNK_BYTES", 9)
    source = tmp_path / "v.bin"
    source.write_bytes(b"3 1\n" + b"".join(w + b" " + np.ones(1, "<f4").tobytes()
                                         for w in (b"1", b"2", b"x")))
    with pytest.raises(ValueError, match="vector 3: key 'x' is not a decimal integer"):
        conversion.convert(source, tmp_path / "v.fw2v", binary=True, key_type=int)


def test_cli_errors_are_one_line(tmp_path, capsys):
    source = tmp_path / "v.txt"
    source.write_bytes(b"2 2\na 1 2\n")
    assert main(["convert", str(source), str(tmp_path / "o.fw2v")]) == 1
    assert "header declares 2 vectors" in capsys.readouterr().err
    assert main(["convert", str(source), str(source)]) == 2
    assert main(["convert", str(tmp_path / "missing"), str(tmp_path / "o.fw2v")]) == 1


def test_argument_checks(tmp_path):
    with pytest.raises(ValueError, match="float32 or float16"):
        conversion.convert("x", tmp_path / "o", dtype=np.float64)
    with pytest.raises(NotImplementedError):
        conversion.convert("x", tmp_path / "o", binary=True, no_header=True)
    with pytest.raises(ValueError, match="limit must be >= 0"):
        conversion.convert("x", tmp_path / "o", limit=-1)


def test_files_with_a_header_go_straight_into_the_archive(kv, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("spooled")

    monkeypatch.setattr(conversion.tempfile, "TemporaryFile", refuse)
    for binary in (True, False):
        source = tmp_path / "v.bin"
        kv.save_word2vec_format(source, binary=binary)
        conversion.convert(source, tmp_path / "v.fw2v", binary=binary)
        assert_same(KeyedVectors.load(tmp_path / "v.fw2v"),
                    KeyedVectors.load_word2vec_format(source, binary=binary))


def test_array_streams_must_fill_their_shape(tmp_path):
    from fastw2v import persistence

    for blocks in ([np.ones((1, 2))], [np.ones((3, 2))]):
        stream = persistence.ArrayStream((2, 2), np.float32, blocks)
        with pytest.raises(ValueError, match="array stream of shape"):
            persistence.write_archive(tmp_path / "a.fw2v", {"class": "X"}, {"a.npy": stream})
        assert not (tmp_path / "a.fw2v").exists()


def test_progress_bar_counts_vectors(kv, tmp_path, capsys):
    source = tmp_path / "v.bin"
    kv.save_word2vec_format(source, binary=True)
    conversion.convert(source, tmp_path / "v.fw2v", binary=True, progress=True)
    err = capsys.readouterr().err
    assert "100%" in err and "6.00/6.00" in err and "vectors/s" in err


def test_keys_with_equal_hashes_are_not_duplicates(tmp_path):
    kv = KeyedVectors(2)  # CPython hashes -1 and -2 alike: only the keys tell them apart
    kv.add_vectors([-1, -2, 3], np.arange(6, dtype=np.float32).reshape(3, 2))
    source, target = tmp_path / "v.bin", tmp_path / "v.fw2v"
    kv.save_word2vec_format(source, binary=True)
    assert conversion.convert(source, target, binary=True, key_type=int) == 3
    converted = KeyedVectors.load(target)
    assert converted.index_to_key == [-1, -2, 3]
    np.testing.assert_array_equal(converted.vectors, kv.vectors)
