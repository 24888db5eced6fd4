"""Pretrained vectors: both binary layouts, norms computed while loading, stored and used."""
import io
import json
import zipfile

import numpy as np
import pytest

from fastw2v import nearest, word2vec_format
from fastw2v.keyedvectors import KeyedVectors

WORDS = ["the", "of", "naïve", "日本", "x", "é\u00e8", "end"]


def binary_file(words, vectors, newlines, encoding="utf8"):
    """A binary word2vec file; ``newlines[i]``: whether vector ``i`` ends with a newline."""
    body = b"".join(w.encode(encoding) + b" " + v.astype("<f4").tobytes() + (b"\n" if nl else b"")
                    for w, v, nl in zip(words, vectors, newlines))
    return b"%d %d\n" % vectors.shape + body


@pytest.fixture
def vectors():
    vectors = np.random.default_rng(3).standard_normal((len(WORDS), 5)).astype(np.float32)
    vectors[4] = 0.0  # a zero row: norm 0
    return vectors


@pytest.mark.parametrize("pattern", ["all", "none", "mixed"])
def test_both_binary_layouts_and_mixtures_load_the_same(tmp_path, vectors, pattern):
    newlines = {"all": [True] * 7, "none": [False] * 7, "mixed": [i % 2 == 0 for i in range(7)]}
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(WORDS, vectors, newlines[pattern]))
    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, vectors)
    np.testing.assert_allclose(kv.norms, np.linalg.norm(vectors.astype(np.float64), axis=1),
                               rtol=1e-6)


def test_small_blocks_cut_records_and_words_anywhere(tmp_path, vectors, monkeypatch):
    monkeypatch.setattr(word2vec_format, "CHUNK_BYTES", 7)
    many = [w + str(i) for i in range(40) for w in WORDS]
    rows = np.tile(vectors, (40, 1))
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(many, rows, [i % 3 == 0 for i in range(len(many))]))
    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    assert kv.index_to_key == many
    np.testing.assert_array_equal(kv.vectors, rows)
    np.testing.assert_allclose(kv.norms, np.linalg.norm(rows, axis=1), rtol=1e-6)


def test_limit_reads_only_the_first_vectors(tmp_path, vectors):
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(WORDS, vectors, [False] * 7) + b"junk that is never read")
    kv = KeyedVectors.load_word2vec_format(path, binary=True, limit=3)
    assert kv.index_to_key == WORDS[:3] and kv.vectors.shape == (3, 5) and len(kv.norms) == 3


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16-le"])
def test_other_encodings_decode_each_word(tmp_path, vectors, encoding):
    words = ["é%d" % i for i in range(7)]
    path = tmp_path / "v.bin"
    data = binary_file(words, vectors, [True] * 7, encoding)
    if encoding == "utf-16-le":  # a space byte inside a character would end the word
        words = ["w%d" % i for i in range(7)]
        data = binary_file(words, vectors, [True] * 7)
    path.write_bytes(data)
    kv = KeyedVectors.load_word2vec_format(path, binary=True, encoding=encoding)
    assert kv.index_to_key == (words if encoding != "utf-16-le"
                               else [w.encode().decode("utf-16-le") for w in words])


def test_a_word_holding_a_newline_is_kept_whole(tmp_path, vectors):
    words = ["a\nb"] + WORDS[1:]
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(words, vectors, [False] * 7))
    assert KeyedVectors.load_word2vec_format(path, binary=True).index_to_key == words


def test_bad_utf8_still_names_the_vector(tmp_path, vectors):
    words = list(WORDS)
    path = tmp_path / "v.bin"
    data = binary_file(words, vectors, [True] * 7).replace("日本".encode(), b"\xff\xfe")
    path.write_bytes(data)
    with pytest.raises(ValueError, match="word of vector 4 at byte offset"):
        KeyedVectors.load_word2vec_format(path, binary=True)
    kv = KeyedVectors.load_word2vec_format(path, binary=True, unicode_errors="replace")
    assert kv.index_to_key[3] == "\ufffd\ufffd" and kv.index_to_key[4] == "x"


def test_duplicates_and_datatype_keep_norms_consistent(tmp_path, vectors):
    words = WORDS[:6] + ["the"]
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(words, vectors, [True] * 7))
    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    assert len(kv.norms) == len(kv.vectors) == 6
    wide = KeyedVectors.load_word2vec_format(path, binary=True, datatype=np.float64)
    assert wide.vectors.dtype == np.float64
    wide.fill_norms()
    assert wide.norms.dtype == np.float64
    np.testing.assert_allclose(wide.norms, np.linalg.norm(wide.vectors, axis=1), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("threads", [1, 2])
def test_row_norms_match_numpy(dtype, threads, monkeypatch):
    monkeypatch.setattr(nearest, "_NORM_ROWS", 100)  # many blocks
    vectors = np.random.default_rng(0).standard_normal((1001, 17)).astype(dtype)
    expected = np.linalg.norm(vectors.astype(np.float64), axis=1)
    found = nearest.row_norms(vectors, threads=threads)
    assert found.dtype == dtype and found.shape == (1001,)
    np.testing.assert_allclose(found, expected, rtol=1e-3 if dtype == np.float16 else 1e-6)
    strided = nearest.row_norms(vectors[::2], threads=threads)  # not contiguous
    np.testing.assert_allclose(strided, expected[::2], rtol=1e-3 if dtype == np.float16 else 1e-6)


def test_row_norms_refuse_what_they_cannot_measure():
    with pytest.raises(ValueError, match="2-D float array"):
        nearest.row_norms(np.ones(5))
    with pytest.raises(ValueError, match="2-D float array"):
        nearest.row_norms(np.ones((5, 2), dtype=np.int64))
    assert nearest.row_norms(np.ones((0, 3), np.float32)).shape == (0,)


def test_the_norm_kernel_checks_its_row_range():
    from fastw2v import _norms
    vectors, out = np.ones((4, 3), np.float32), np.empty(3, np.float32)
    with pytest.raises(ValueError, match="out of bounds"):
        _norms.row_norms_into(vectors, out, 0, 4)
    with pytest.raises(ValueError, match="out of bounds"):
        _norms.row_norms_into(vectors, out, -1, 2)


def test_the_binary_kernel_checks_its_buffers():
    from fastw2v._word2vec_format import parse_binary_records
    buf = np.frombuffer(b"a " + bytes(12), np.uint8)
    out, starts, ends, norms = (np.empty((1, 3), np.float32), np.empty(1, np.intp),
                                np.empty(1, np.intp), np.empty(1, np.float32))
    with pytest.raises(ValueError, match="shorter than buf"):
        parse_binary_records(buf, 0, out, 10, starts, ends, norms, bytearray(5))
    with pytest.raises(ValueError, match="outside buf"):
        parse_binary_records(buf, 15, out, 10, starts, ends, norms, bytearray(14))
    parsed = parse_binary_records(buf, 0, out, 10, starts, ends, norms, bytearray(14))
    assert parsed == (1, 14, 0, 2)


@pytest.mark.parametrize("mmap", [None, "r"])
def test_norms_are_stored_and_used(tmp_path, vectors, mmap):
    kv = KeyedVectors(5)
    kv.add_vectors(WORDS, vectors)
    path = str(tmp_path / "v.fw2v")
    kv.save(path)
    with zipfile.ZipFile(path) as archive:
        assert "norms.npy" in archive.namelist()
    loaded = KeyedVectors.load(path, mmap=mmap)
    assert loaded.norms is not None  # before any query
    np.testing.assert_allclose(loaded.norms, np.linalg.norm(vectors, axis=1), rtol=1e-6)
    assert loaded.most_similar("the", topn=3) == kv.most_similar("the", topn=3)


def test_files_without_norms_still_load(tmp_path, vectors):
    kv = KeyedVectors(5)
    kv.add_vectors(WORDS, vectors)
    path = str(tmp_path / "v.fw2v")
    kv.save(path)
    with zipfile.ZipFile(path) as archive:  # as written before norms were stored
        members = {name: archive.read(name) for name in archive.namelist() if name != "norms.npy"}
    meta = json.loads(members["fastw2v.json"])
    del meta["keyedvectors"]["norms"]
    members["fastw2v.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    loaded = KeyedVectors.load(path)
    assert loaded.norms is None
    assert loaded.most_similar("the", topn=3) == kv.most_similar("the", topn=3)
    meta["keyedvectors"]["norms"] = "yes"
    members["fastw2v.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="norms must be true or absent"):
        KeyedVectors.load(path)


def test_stored_norms_must_match_the_vectors(tmp_path, vectors):
    kv = KeyedVectors(5)
    kv.add_vectors(WORDS, vectors)
    path = str(tmp_path / "v.fw2v")
    kv.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for norms, message in [(np.ones(3), "norms.npy has shape"),  # crafted files: refused
                           ([1, 1, np.nan, 1, 0, 1, 1], "must be finite and non-negative"),
                           ([1, 1, -1, 1, 0, 1, 1], "must be finite and non-negative")]:
        buffer = io.BytesIO()
        np.save(buffer, np.array(norms, np.float32))
        members["norms.npy"] = buffer.getvalue()
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        with pytest.raises(ValueError, match=message):
            KeyedVectors.load(path)


def clustered(n_clusters=100, members=8, dim=32, seed=0):
    """Rows scattered around cluster centres: each row's nearest rows are its cluster's."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, dim))
    rows = np.repeat(centres, members, axis=0) + 0.3 * rng.standard_normal((n_clusters * members,
                                                                             dim))
    return ["k%d" % i for i in range(len(rows))], rows.astype(np.float32)


def test_float16_storage_round_trips_and_ranks_as_float32(tmp_path):
    from fastw2v import conversion

    words, rows = clustered()
    kv = KeyedVectors(rows.shape[1])
    kv.add_vectors(words, rows)
    source = tmp_path / "v.bin"
    kv.save_word2vec_format(source, binary=True)
    full, half = tmp_path / "v32.fw2v", tmp_path / "v16.fw2v"
    conversion.convert(source, full, binary=True)
    conversion.convert(source, half, binary=True, dtype=np.float16)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    compact = KeyedVectors.load(half, mmap="r")
    assert compact.vectors.dtype == compact.norms.dtype == np.float16
    np.testing.assert_array_equal(compact.vectors, rows.astype(np.float16))
    reference = KeyedVectors.load(full)
    sample = words[::7]
    agree = [len({k for k, _ in compact.most_similar(w, topn=7)}
                 & {k for k, _ in reference.most_similar(w, topn=7)}) / 7 for w in sample]
    assert np.mean(agree) >= 0.95
    mean = compact.get_mean_vector(sample)  # summed in float32, not in float16
    assert mean.dtype == np.float32
    np.testing.assert_allclose(mean, reference.get_mean_vector(sample), atol=1e-3)
    batched = compact.most_similar_batch(sample, topn=7)  # float16 blocks, float32 products
    agree = [len({k for k, _ in found} & {k for k, _ in reference.most_similar(w, topn=7)}) / 7
             for w, found in zip(sample, batched)]
    assert np.mean(agree) >= 0.95


def test_float16_loading_converts_block_by_block(tmp_path, monkeypatch):
    monkeypatch.setattr(word2vec_format, "CHUNK_BYTES", 64)
    monkeypatch.setattr(nearest, "_SCORE_ROWS", 10)
    words, rows = clustered(n_clusters=10)
    path = tmp_path / "v.bin"
    path.write_bytes(binary_file(words, rows, [i % 2 == 0 for i in range(len(words))]))
    kv = KeyedVectors.load_word2vec_format(path, binary=True, datatype=np.float16)
    assert kv.vectors.dtype == np.float16 and kv.norms is None
    np.testing.assert_array_equal(kv.vectors, rows.astype(np.float16))
    wide = rows.astype(np.float16).astype(np.float32)
    scores = kv.most_similar("k3", topn=None)
    query = wide[3] / np.linalg.norm(wide[3].astype(np.float64))
    np.testing.assert_allclose(scores, wide @ query / np.linalg.norm(wide, axis=1), atol=1e-3)
    assert kv.most_similar("k3", topn=3)[0][0] in words[:8]


@pytest.mark.parametrize("f16c", [True, False])
def test_widening_float16_rows(f16c, monkeypatch):
    from fastw2v import _half

    if f16c and not _half.f16c_available():
        pytest.skip("no F16C on this CPU")
    monkeypatch.setattr(_half, "f16c_available", lambda: f16c)
    rows = np.array([[0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, np.inf, -np.inf, 3.14159]] * 3,
                    dtype=np.float16)
    out = np.full((5, 9), 7.0, dtype=np.float32)
    found = nearest.widen(rows, out)
    np.testing.assert_array_equal(found, rows.astype(np.float32))
    assert np.signbit(found[0, 1]) and np.all(out[3:] == 7.0)
    strided = nearest.widen(rows[:, ::2], np.empty((3, 5), np.float32))  # numpy's path
    np.testing.assert_array_equal(strided, rows[:, ::2].astype(np.float32))


def test_the_widening_kernel_checks_its_buffers():
    from fastw2v import _half

    if not _half.f16c_available():
        pytest.skip("no F16C on this CPU")
    half = np.zeros((4, 3), np.uint16)
    with pytest.raises(ValueError, match="cannot hold"):
        _half.widen_into(half, np.empty((3, 3), np.float32))
    with pytest.raises(ValueError, match="cannot hold"):
        _half.widen_into(half, np.empty((4, 2), np.float32))


TRICKY_NUMBERS = ["0", "-0", "+1", "1.", ".5", "-.5e-3", "1E5", "3.4028235e38", "1e-45",
                  "7.006492321624085e-46", "0.1", "16777217", "1.00000005960464477539",
                  "-2.5e+10", "123456789012345678901234567890"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_text_numbers_parse_as_numpy_parses_them(tmp_path, dtype, monkeypatch):
    rng = np.random.default_rng(5)
    scaled = rng.standard_normal(45) * 10.0 ** rng.integers(-40, 38, 45)
    values = (TRICKY_NUMBERS + ["%.17g" % x for x in scaled]
              + ["%.9g" % x for x in rng.standard_normal(40)])
    lines = [" ".join(values[i:i + 10]) for i in range(0, len(values), 10)]
    path = tmp_path / "v.txt"
    path.write_text("%d 10\n" % len(lines) + "".join("w%d %s\n" % (i, line)
                                                     for i, line in enumerate(lines)))
    with np.errstate(over="ignore"):
        kv = KeyedVectors.load_word2vec_format(path, datatype=dtype)
        expected = np.array([v.encode() for v in values]).astype(dtype).reshape(-1, 10)
    np.testing.assert_array_equal(kv.vectors, expected)
    calls = []
    monkeypatch.setattr(word2vec_format, "_parse_numbers", lambda *a: calls.append(a) or False)
    with np.errstate(over="ignore"):
        by_numpy = KeyedVectors.load_word2vec_format(path, datatype=dtype)
    np.testing.assert_array_equal(by_numpy.vectors, expected)
    assert calls


@pytest.mark.parametrize("token", ["nan", "-inf", "1_0", "0x10", "1e", "--1", "1.2.3", "e5", "."])
def test_other_tokens_are_left_to_numpy(token):
    from fastw2v._word2vec_format import parse_numbers

    out = np.empty(3)
    assert parse_numbers(b"1 %s 2" % token.encode(), out, 3) == -1
    assert parse_numbers(b" 1\t2 3 ", out, 3) == 3 and out.tolist() == [1, 2, 3]
    assert parse_numbers(b"1 2", out, 3) == -1 and parse_numbers(b"1 2 3 4", out, 3) == -1
    assert parse_numbers(b"1" * 64 + b" 2 3", out, 3) == -1  # too long for the kernel


def test_the_number_parser_checks_every_line_holds_the_vector_size():
    from fastw2v._word2vec_format import parse_numbers

    out = np.empty(4)
    assert parse_numbers(b"1 2\n3 4", out, 2) == 4 and out.tolist() == [1, 2, 3, 4]
    assert parse_numbers(b"1 2 3\n4", out, 2) == -1  # the right total, uneven lines
    assert parse_numbers(b"1 2 3 4\n", out, 2) == -1


@pytest.mark.parametrize("bad", ["1 2 3 4", "nan 2 3 4"])  # the kernel's path and numpy's
def test_lines_of_uneven_length_are_reported_even_when_the_total_is_right(tmp_path, bad):
    # 4 + 2 values on two lines of a size-3 file: never silently shifted into place
    path = tmp_path / "v.txt"
    path.write_text("3 3\na 1 2 3\nb %s\nc 5 6\n" % bad)
    with pytest.raises(ValueError, match="line 3: expected 3 values, got 4"):
        KeyedVectors.load_word2vec_format(path)


def test_text_batches_split_among_threads_report_the_right_line(tmp_path, monkeypatch):
    monkeypatch.setattr(word2vec_format, "_cpus", lambda: 4)
    lines = ["w%d %s\n" % (i, " ".join(["%d.5" % i] * 3)) for i in range(2000)]
    path = tmp_path / "v.txt"
    path.write_text("2000 3\n" + "".join(lines))
    kv = KeyedVectors.load_word2vec_format(path)
    np.testing.assert_array_equal(kv.vectors[:, 0], np.arange(2000) + 0.5)
    lines[1500] = "w1500 1 2 x\n"
    path.write_text("2000 3\n" + "".join(lines))
    with pytest.raises(ValueError, match="line 1502: not a number"):
        KeyedVectors.load_word2vec_format(path)
