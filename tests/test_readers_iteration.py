"""Iterating the readers from Python: exactly the sentences of a plain reference and of gensim.

Generated files only: plain, .gz and .bz2; ASCII and UTF-8 with Unicode whitespace; CRLF, no
trailing newline, empty and blank lines, lines longer than ``max_sentence_length``, ``limit``.
"""
import bz2
import gzip
import io
import random

import pytest

import fastw2v.corpora
from fastw2v import LineSentence, PathLineSentences, Text8Corpus

COMPRESSIONS = ["", ".gz", ".bz2"]
OPENERS = {"": open, ".gz": gzip.open, ".bz2": bz2.open}
WORDS = ["the", "of", "a", "word", "x" * 40, "naïve", "café", "déjà", "straße", "日本語",
         "emoji😀", "ŝ", "e\u0301"]
# whitespace str.split() splits on, ASCII and not, none of them a line end for a binary file
SPACES = [" ", "  ", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\u0085", "\u00a0", "\u2009",
          "\u2028", "\u3000"]


def generated_lines(seed, ascii_only):
    """Lines of 0 to 60 words with varied whitespace; some blank, some ending in CR."""
    rng = random.Random(seed)
    words = [w for w in WORDS if w.isascii()] if ascii_only else WORDS
    spaces = [s for s in SPACES if s.isascii()] if ascii_only else SPACES
    lines = []
    for i in range(400):
        count = rng.choice([0, 1, 3, 9, 10, 11, 20, 25, 60])
        line = rng.choice(["", " ", "\t"]) if rng.random() < 0.2 else ""
        for j in range(count):
            line += rng.choice(words) + (rng.choice(spaces) if j < count - 1 else "")
        if rng.random() < 0.2:
            line += rng.choice(spaces)
        lines.append(line + ("\r" if rng.random() < 0.3 else ""))
    return lines


def write(path, text, compression=""):
    path = str(path) + compression
    with OPENERS[compression](path, "wb") as fout:
        fout.write(text.encode("utf8"))
    return path


def reference_lines(data, max_sentence_length, limit=None):
    """LineSentence, straightforwardly: lines end at b"\\n", words are str.split()'s."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return sentences_of([line.decode("utf8") for line in lines], max_sentence_length, limit)


def sentences_of(lines, max_sentence_length, limit=None):
    sentences = []
    for line in lines[:limit]:
        words = line.split()
        sentences += [words[i:i + max_sentence_length] for i in range(0, len(words), max_sentence_length)]
    return sentences


def reference_text8(data, max_sentence_length):
    """Text8Corpus, straightforwardly: the file's words cut every max_sentence_length."""
    words = data.decode("utf8").split()
    return [words[i:i + max_sentence_length] for i in range(0, len(words), max_sentence_length)]


def variants():
    for ascii_only in (True, False):
        for compression in COMPRESSIONS:
            for trailing_newline in (True, False):
                yield pytest.param((ascii_only, compression, trailing_newline), id="%s%s-%s" % (
                    "ascii" if ascii_only else "utf8", compression or ".txt",
                    "newline" if trailing_newline else "no-newline"))


@pytest.fixture(params=list(variants()))
def corpus(request, tmp_path):
    """``(path, bytes)`` of a generated file of lines."""
    ascii_only, compression, trailing_newline = request.param
    text = "\n".join(generated_lines(1, ascii_only)) + ("\n" if trailing_newline else "")
    return write(tmp_path / "corpus.txt", text, compression), text.encode("utf8")


# -- against a straightforward reference (no gensim needed) ------------------------------------

@pytest.mark.parametrize("max_sentence_length", [10, 10000])
def test_line_sentence_reads_like_the_reference(corpus, max_sentence_length):
    path, data = corpus
    expected = reference_lines(data, max_sentence_length)
    assert any(len(s) == max_sentence_length for s in expected) or max_sentence_length > 60
    assert list(LineSentence(path, max_sentence_length)) == expected
    assert list(LineSentence(path, max_sentence_length)) == expected  # restartable
    for limit in (0, 1, 7, 150, 10**6):
        assert list(LineSentence(path, max_sentence_length, limit)) == reference_lines(
            data, max_sentence_length, limit)


@pytest.mark.parametrize("read_bytes", [5, 100, 1 << 16])
@pytest.mark.parametrize("max_sentence_length", [10, 10000])
def test_text8_corpus_reads_like_the_reference(corpus, monkeypatch, read_bytes, max_sentence_length):
    monkeypatch.setattr(fastw2v.corpora, "_TEXT8_READ_BYTES", read_bytes)  # reads cut words
    path, data = corpus
    assert list(Text8Corpus(path, max_sentence_length)) == reference_text8(data, max_sentence_length)


def test_path_line_sentences_read_like_the_reference(tmp_path):
    expected = []
    for i, compression in enumerate(["", ".bz2", ".gz", ""]):  # named in this order
        text = "\n".join(generated_lines(i, ascii_only=i % 2 == 0))
        write(tmp_path / ("part-%d.txt" % i), text, compression)
        expected.append(text.encode("utf8"))
    for limit in (None, 5):
        assert list(PathLineSentences(tmp_path, 10, limit)) == [
            sentence for data in expected for sentence in reference_lines(data, 10, limit)]


def test_empty_files_yield_nothing(tmp_path):
    for compression in COMPRESSIONS:
        path = write(tmp_path / "empty.txt", "", compression)
        assert list(LineSentence(path)) == list(Text8Corpus(path)) == []
        blank = write(tmp_path / "blank.txt", " \n\n\t\r\n\u00a0", compression)
        assert list(LineSentence(blank)) == list(Text8Corpus(blank)) == []


def test_open_files_are_read_from_the_start(tmp_path):
    text = "\n".join(generated_lines(3, ascii_only=False))
    expected = reference_lines(text.encode("utf8"), 10)
    binary = io.BytesIO(text.encode("utf8"))
    assert list(LineSentence(binary, 10)) == list(LineSentence(binary, 10)) == expected
    textual = io.StringIO(text)  # gensim reads open text files too
    assert list(LineSentence(textual, 10)) == list(LineSentence(textual, 10)) == expected
    path = write(tmp_path / "c.txt", text)
    with open(path, encoding="utf8") as fin:  # its lines end at "\r" too
        expected = sentences_of(list(fin), 10, 20)
        assert list(LineSentence(fin, 10, limit=20)) == expected


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_invalid_utf8_names_the_file_and_offset(tmp_path, monkeypatch, compression):
    monkeypatch.setattr(fastw2v.corpora, "_TEXT8_READ_BYTES", 5)
    data = b"good words\nmore good words\nbad \xff word\n"
    path = str(tmp_path / "bad.txt") + compression
    with OPENERS[compression](path, "wb") as fout:
        fout.write(data)
    offset = data.index(b"\xff")
    for reader in (LineSentence(path), Text8Corpus(path), PathLineSentences(path)):
        # a UnicodeDecodeError as in gensim, and a ValueError, naming the file and byte
        with pytest.raises(UnicodeDecodeError) as info:
            list(reader)
        assert isinstance(info.value, ValueError) and info.value.reason == "invalid start byte"
        assert str(info.value) == "%s is not valid UTF-8 near byte %d: invalid start byte" % (
            path, offset)
    assert list(LineSentence(path, limit=2)) == [["good", "words"], ["more", "good", "words"]]


def test_invalid_utf8_in_a_stream_that_cannot_tell():
    class Stream:  # a file-like object without seek or tell
        def read(self, size=-1):
            return b"".join(self)

        def __iter__(self):
            return iter([b"a b\n", b"\xff\n"])

    with pytest.raises(ValueError, match=r"^<.*Stream.*> is not valid UTF-8: invalid start byte$"):
        list(LineSentence(Stream()))


# -- against gensim ----------------------------------------------------------------------------

def avoid_gensim_token_gluing(text, chunk=8192):
    """``text`` without ASCII whitespace other than spaces ending one of gensim's 8 KB reads.

    gensim's Text8Corpus strips the bytes after a read's last space, so a tab or newline at a
    read's end glues its last word to the next read's first. Not reproduced (fastw2v reads
    every word as ``str.split`` gives it); the reference tests cover those files.
    """
    data = bytearray(text.encode("utf8"))
    for end in range(chunk, len(data) + 1, chunk):
        if data[end - 1] in b"\t\n\r\x0b\x0c":
            data[end - 1] = ord(" ")
    return data.decode("utf8")


@pytest.fixture(scope="module")
def gensim_word2vec():
    return pytest.importorskip("gensim.models.word2vec")


@pytest.mark.parametrize("max_sentence_length", [10, 10000])
def test_line_sentence_reads_like_gensim(corpus, gensim_word2vec, max_sentence_length):
    path, _ = corpus
    for limit in (None, 0, 1, 150):
        assert list(LineSentence(path, max_sentence_length, limit)) == list(
            gensim_word2vec.LineSentence(path, max_sentence_length, limit))


def test_line_sentence_reads_open_files_like_gensim(tmp_path, gensim_word2vec):
    text = "\n".join(generated_lines(4, ascii_only=False))
    for source in (io.BytesIO(text.encode("utf8")), io.StringIO(text)):
        assert list(LineSentence(source, 10, 30)) == list(gensim_word2vec.LineSentence(source, 10, 30))
    path = write(tmp_path / "c.txt", text)
    with open(path, encoding="utf8") as fin:
        assert list(LineSentence(fin, 10)) == list(gensim_word2vec.LineSentence(fin, 10))


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("ascii_only", [True, False])
@pytest.mark.parametrize("max_sentence_length", [7, 100, 10000])
def test_text8_corpus_reads_like_gensim(tmp_path, gensim_word2vec, compression, ascii_only,
                                        max_sentence_length):
    # a word stream of 60 KB and more (gensim reads 8 KB at a time) ending in " word", as
    # gensim's last sentence takes every word after the last space, uncut
    text = " " + " ".join(generated_lines(5, ascii_only) * 2) + " word"
    text = avoid_gensim_token_gluing(text)
    path = write(tmp_path / "text8", text, compression)
    ours = list(Text8Corpus(path, max_sentence_length))
    assert ours == list(gensim_word2vec.Text8Corpus(path, max_sentence_length))
    assert ours == reference_text8(text.encode("utf8"), max_sentence_length)


def test_path_line_sentences_read_like_gensim(tmp_path, gensim_word2vec):
    for i, compression in enumerate(["", ".gz", ".bz2"]):
        write(tmp_path / ("part-%d.txt" % i), "\n".join(generated_lines(i, ascii_only=i == 0)),
              compression)
    for limit in (None, 3):
        assert list(PathLineSentences(tmp_path, 10, limit)) == list(
            gensim_word2vec.PathLineSentences(str(tmp_path), 10, limit))


def test_invalid_utf8_raises_what_gensim_raises(tmp_path, gensim_word2vec):
    path = str(tmp_path / "bad.txt")
    with open(path, "wb") as fout:
        fout.write(b"good\nbad \xff\n")
    for ours, theirs in ((LineSentence, gensim_word2vec.LineSentence),
                         (Text8Corpus, gensim_word2vec.Text8Corpus)):
        with pytest.raises(UnicodeDecodeError):
            list(theirs(path))
        with pytest.raises(UnicodeDecodeError):
            list(ours(path))
