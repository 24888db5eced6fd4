"""Compressed corpora are read by the compiled text layer: decompressed chunks split exactly as
Python splits the text, in iterable and ``corpus_file`` mode, without Python sentences."""
import bz2
import gzip
import lzma

import numpy as np
import pytest

from fastw2v import LineSentence, PathLineSentences, Text8Corpus, Word2Vec, _words, corpora, training
from compiled_reading import assert_stream_reads, python_scan, sentences_from_stream
from planted import cluster_corpus, nearest_cluster_rate

OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
SPACES = ["\u00a0", "\u3000", "\u2009", "\x1c", "\r", "\t", "\u0085"]


def write(path, text, opener=open):
    with opener(path, "wb") as out:
        out.write(text.encode())
    return str(path)


def unicode_text(rng, lines=80):
    words = ["w%d" % i for i in range(30)] + ["café", "naïve", "日本", "ø" * 300]
    return "\n".join(
        "".join(rng.choice(words) + rng.choice(SPACES + [" "] * 6)
                for _ in range(rng.integers(0, 40)))
        for _ in range(lines)) + "\n"


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(corpora, "_STREAM_CHUNK_BYTES", 37)  # words and characters cut often


@pytest.mark.parametrize("suffix", sorted(OPENERS))
@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
def test_streams_give_the_readers_sentences(tmp_path, small_chunks, suffix, reader):
    rng = np.random.default_rng(len(suffix))
    path = write(tmp_path / ("c.txt" + suffix), unicode_text(rng), OPENERS[suffix])
    corpus = reader(path, max_sentence_length=6)
    python = list(corpus)
    source = corpus.compiled_source()
    assert not source.in_ranges
    assert source.count() == python_scan(python)
    assert_stream_reads(source, python)


def test_path_line_sentences_mix_plain_and_compressed_files(tmp_path, small_chunks):
    rng = np.random.default_rng(3)
    write(tmp_path / "a.txt", unicode_text(rng, 20))
    write(tmp_path / "b.txt.gz", unicode_text(rng, 20), gzip.open)
    corpus = PathLineSentences(tmp_path, max_sentence_length=9)
    python = list(corpus)
    source = corpus.compiled_source()
    assert not source.in_ranges and len(source.paths) == 2
    counted, sentences, total = source.count()
    assert (sentences, total) == (len(python), sum(map(len, python)))
    words = sorted(counted)
    index = {w: i for i, w in enumerate(words)}
    assert sentences_from_stream(source, _words.WordHash(words))[0] == [
        [index[w] for w in s] for s in python if s]


def test_invalid_utf8_in_a_compressed_file(tmp_path):
    path = tmp_path / "bad.txt.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"a b\nc \xe9t\xe9 d\n")
    with pytest.raises(ValueError, match="bad.txt.gz is not valid UTF-8 near byte 6: invalid "
                                         "continuation byte"):
        LineSentence(str(path)).compiled_source().count()
    with pytest.raises(ValueError, match="not valid UTF-8"):
        list(LineSentence(str(path)))


@pytest.mark.parametrize("mode", ["iterable", "corpus_file", "text8"])
def test_compressed_utf8_corpus_trains_without_python_sentences(tmp_path, monkeypatch, mode):
    sentences, clusters = cluster_corpus()
    accented = [[w.replace("c", "ç") for w in s] for s in sentences]
    members = [[w.replace("c", "ç") for w in group] for group in clusters]
    path = write(tmp_path / "c.txt.gz",
                 "\n".join("\u00a0".join(s) for s in accented) + "\n", gzip.open)

    def no_python_reading(*args, **kwargs):
        raise AssertionError("read in Python")

    monkeypatch.setattr(training, "train_epoch_iterable", no_python_reading)
    common = dict(vector_size=24, window=3, min_count=1, sample=0, epochs=5, workers=2,
                  progress=False)
    if mode == "corpus_file":
        model = Word2Vec(corpus_file=path, **common)
    elif mode == "text8":
        model = Word2Vec(Text8Corpus(path, max_sentence_length=10), **common)
    else:
        model = Word2Vec(LineSentence(path), **common)
    assert model.corpus_total_words == sum(map(len, sentences))
    if mode != "text8":  # text8 runs sentences together: clusters blur a little
        assert nearest_cluster_rate(model.wv, members) >= 0.95
    trained, raw = model.train(LineSentence(path), total_examples=model.corpus_count, epochs=1)
    assert raw == trained == model.corpus_total_words
