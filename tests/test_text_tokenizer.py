"""The compiled text layer (_text.h): UTF-8 words exactly as Python's ``str.split()``.

Compiled counting (``count_words()``, ``corpus_file``) and compiled training ranges must
read the same words and sentences as iterating ``LineSentence``/``Text8Corpus`` in Python,
whatever the whitespace, the word lengths, the line ends and the range boundaries.
"""
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fastw2v import LineSentence, Text8Corpus, Word2Vec, _reading, _testing, _words, training
from compiled_reading import python_scan, sentences_from_ranges
from planted import cluster_corpus, nearest_cluster_rate

# the code points str.split() splits on
SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
# not whitespace to Python 3, though they look like it or once were
LOOKALIKES = ["\u200b", "\ufeff", "\u180e", "\u2060", "\u00ad"]
LETTERS = ["a", "Z", "é", "ß", "ж", "中", "\u3001", "\u2030", "\U0001f600", "\u1681", "\u205e",
           "\u0301", "\u0101"]
BUFFER = 1 << 16  # the file tokenizer's chunk size


def python_lines(data):
    """What Python reads: binary lines (split at b'\\n' only), decoded and split."""
    return [line.decode("utf8").split() for line in data.split(b"\n")]


def write(tmp_path, data, name="c.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def unicode_text(rng, n_lines=60):
    """Lines mixing every whitespace character (adjacent ones too, and at line ends),
    look-alikes, multi-byte letters, CRLF line ends and empty lines."""
    lines = []
    for _ in range(n_lines):
        pieces = []
        for _ in range(rng.integers(0, 12)):
            word = "".join(rng.choice(LETTERS + LOOKALIKES) for _ in range(rng.integers(1, 6)))
            gap = "".join(rng.choice(SPACES) for _ in range(rng.integers(1, 4)))
            pieces.append(word + gap)
        ending = rng.choice(["", "\r", " ", "\u3000", "\u00a0\u2029"])
        lines.append("".join(pieces) + ending)
    return "\n".join(lines)


def compiled_words(path, start, end):
    """The words starting in bytes [start, end), read in compiled code (as str)."""
    words = sorted(python_scan(LineSentence(path))[0])
    ids, _, raw, _ = _testing.read_file_range(_words.WordHash(words), path, start, end, 0, False)
    assert raw == len(ids)
    return [words[i] for i in ids]


def test_whitespace_is_exactly_pythons():
    # every code point but the surrogates, between two letters on a line of its own
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and c != 10]
    data = "".join("x%sy\n" % chr(c) for c in points).encode()
    assert _testing.split_chunks([data]) == python_lines(data)


def test_every_whitespace_character_split_between_chunks():
    for space in SPACES:
        data = ("ab" + space + "cd" + space + space + "e\n").encode()
        expected = python_lines(data)
        for cut in range(len(data) + 1):
            for cut2 in range(cut, len(data) + 1):
                chunks = [data[:cut], data[cut:cut2], data[cut2:]]
                assert _testing.split_chunks(chunks) == expected, (space, cut, cut2)
        assert _testing.split_chunks([data[i:i + 1] for i in range(len(data))]) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SPACES + LOOKALIKES + LETTERS + ["\n", "\r\n", "ab", "xyz"]),
                max_size=60),
       st.lists(st.integers(0, 400), max_size=6))
def test_compiled_words_are_str_split(pieces, cuts):
    data = "".join(pieces).encode()
    cuts = sorted(set(min(c, len(data)) for c in cuts))
    chunks = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    assert _testing.split_chunks(chunks) == python_lines(data)


@pytest.mark.parametrize("space", [space for space in SPACES if space != "\n"])
def test_file_chunk_boundary_inside_whitespace(tmp_path, space):
    encoded = space.encode()
    for inside in range(len(encoded) + 1):
        data = b"x" * (BUFFER - inside) + encoded + "é y\n".encode()
        path = write(tmp_path, data)
        assert LineSentence(path).compiled_source().count() == ({"x" * (BUFFER - inside): 1, "é": 1, "y": 1},
                                                    1, 3)


def test_long_words_crlf_and_no_trailing_newline(tmp_path):
    long_word = "é" * 50000 + "a"  # 100 KB: several of the tokenizer's buffers
    text = "\r\n".join(["a b", "", long_word + "\u3000" + long_word, " \r", long_word]) + "\ry"
    path = write(tmp_path, text.encode())
    python = list(LineSentence(path))
    assert python == [["a", "b"], [long_word, long_word], [long_word, "y"]]
    counts, sentences, total = LineSentence(path).compiled_source().count()
    assert counts == {"a": 1, "b": 1, long_word: 3, "y": 1} and (sentences, total) == (3, 6)
    data = text.encode()
    for start in [0, 7, 1000, BUFFER - 1, BUFFER, 100002, 100003, 100004, len(data) - 3]:
        assert (compiled_words(path, 0, start) + compiled_words(path, start, len(data))
                == text.split())


@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
@pytest.mark.parametrize("seed", [0, 1])
def test_readers_compiled_and_python_agree_on_unicode_text(tmp_path, reader, seed):
    rng = np.random.default_rng(seed)
    data = unicode_text(rng).encode()
    path = write(tmp_path, data)
    corpus = reader(path, max_sentence_length=5)
    python = list(corpus)
    # (b) compiled counting
    assert corpus.compiled_source().count() == python_scan(python)
    # (c) compiled training ranges: the reader's own sentences, from sentence starts
    counts = python_scan(python)[0]
    known = [w for i, w in enumerate(counts) if i % 3]  # leaves words out
    index = {w: i for i, w in enumerate(known)}
    expected = [[index[w] for w in s if w in index] for s in python]
    words = _words.WordHash(known)
    layout = corpus.compiled_source()
    for target in [1, 7, 50, 1 << 20]:
        bounds = _reading.sentence_ranges(path, target, 5, layout.by_line)
        sentences, raw_words, raw_sentences = sentences_from_ranges(layout, words, bounds)
        assert sentences == [s for s in expected if s]
        assert raw_words == sum(map(len, python)) and raw_sentences == len(python)
    # ranges cut anywhere (inside characters and whitespace too) read every word once
    everything = [w for s in python for w in s]
    for _ in range(20):
        cuts = sorted(set(rng.integers(0, len(data) + 1, rng.integers(1, 12)).tolist()))
        bounds = [0, *cuts, len(data)]
        got = []
        for start, end in zip(bounds[:-1], bounds[1:]):
            got += compiled_words(path, start, end)
        assert got == everything


def test_every_split_point_of_a_small_file(tmp_path):
    text = "é\u00a0a\u3000\u3000bç\u2028\n\u1680d\u202f\r\n\u205f\u200bx\u0085"
    data = text.encode()
    path = write(tmp_path, data)
    for cut in range(len(data) + 1):
        assert compiled_words(path, 0, cut) + compiled_words(path, cut, len(data)) == text.split()


INVALID = [b"\xff", b"\x80", b"\xe3\x80", b"\xc2", b"\xed\xa0\x80", b"\xc0\xa0", b"\xf4\x90\x80\x80",
           b"\xe2\x80\xe2\x80\x80"]


@pytest.mark.parametrize("bad", INVALID)
def test_invalid_utf8_is_an_error_in_compiled_reading(tmp_path, bad):
    data = "good wörds\u00a0here\n".encode() + b"bad x" + bad + b" word\n"
    path = write(tmp_path, data)
    with pytest.raises(UnicodeDecodeError) as python_error:
        data.decode("utf8")
    where = "%s is not valid UTF-8 near byte %d: %s" % (path, python_error.value.start,
                                                       python_error.value.reason)
    with pytest.raises(ValueError, match="not valid UTF-8"):
        list(LineSentence(path))
    for corpus in [LineSentence(path), Text8Corpus(path)]:
        with pytest.raises(ValueError) as error:
            corpus.compiled_source().count()
        assert str(error.value) == where
        with pytest.raises(ValueError, match="not valid UTF-8"):
            corpus.compiled_source().ranges()
    with pytest.raises(ValueError) as error:
        _testing.read_file_range(_words.WordHash(["good"]), path, 0, len(data))
    assert str(error.value) == where
    with pytest.raises(ValueError, match="not valid UTF-8"):
        _testing.split_chunks([data])


def test_invalid_utf8_at_the_end_of_a_file(tmp_path):
    path = write(tmp_path, b"a b\n\xe2\x80")
    with pytest.raises(ValueError, match="near byte 4: unexpected end of data"):
        LineSentence(path).compiled_source().count()


def test_corpus_file_training_reports_invalid_utf8(tmp_path):
    good = write(tmp_path, b"a b c\n" * 50, "good.txt")
    bad = write(tmp_path, b"a b c\n" * 50 + b"a \xe9t\xe9 b\n", "bad.txt")
    with pytest.raises(ValueError, match="bad.txt is not valid UTF-8 near byte 302"):
        Word2Vec(corpus_file=bad, min_count=1, vector_size=4, progress=False)
    model = Word2Vec(corpus_file=good, min_count=1, vector_size=4, workers=2, progress=False)
    with pytest.raises(ValueError, match="bad.txt is not valid UTF-8 near byte 302"):
        model.train(corpus_file=bad, total_words=model.corpus_total_words, epochs=1)


def test_utf8_planted_corpus_trains_in_compiled_code(tmp_path, monkeypatch):
    sentences, clusters = cluster_corpus()
    accent = str.maketrans({"c": "ç", "m": "mé", "x": "ξ"})
    sentences = [[w.translate(accent) for w in s] for s in sentences]
    clusters = [[w.translate(accent) for w in c] for c in clusters]
    lines = ["\u00a0".join(s[:5]) + "\u3000" + " ".join(s[5:]) for s in sentences]
    path = write(tmp_path, ("\r\n".join(lines) + "\r\n").encode())
    common = dict(vector_size=24, window=3, min_count=1, sample=0, epochs=5, workers=2,
                  progress=False)
    from_file = Word2Vec(corpus_file=path, **common)
    assert from_file.corpus_total_words == sum(map(len, sentences))
    assert nearest_cluster_rate(from_file.wv, clusters) >= 0.95
    # the same vocabulary as reading in Python
    python = Word2Vec(vector_size=24, min_count=1, progress=False)
    python.build_vocab(list(LineSentence(path)))
    assert from_file.wv.index_to_key == python.wv.index_to_key
    assert from_file.corpus_count == python.corpus_count == len(sentences)
    assert LineSentence(path).compiled_source().count() == python_scan(LineSentence(path))

    # a LineSentence of the file is counted and trained in compiled code too
    def no_python_reading(*args, **kwargs):
        raise AssertionError("read in Python")

    monkeypatch.setattr(training, "train_epoch_iterable", no_python_reading)
    from_reader = Word2Vec(LineSentence(path), **common)
    assert from_reader.wv.index_to_key == python.wv.index_to_key
    assert nearest_cluster_rate(from_reader.wv, clusters) >= 0.95
