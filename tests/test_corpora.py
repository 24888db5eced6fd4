"""Corpus readers and corpus_file mode: every word read once, whatever the layout."""
import bz2
import collections
import gzip
import os

import numpy as np
import pytest

from fastw2v import (LineSentence, PathLineSentences, Text8Corpus, Word2Vec, _reading, _testing,
                     _words, corpora, training, vocab)
from compiled_reading import python_scan, sentences_from_ranges
from planted import cluster_corpus, nearest_cluster_rate

LINES = ["the quick brown fox", "", "jumps over  the lazy dog", "naïve café déjà vu"]


def write(path, text, opener=open):
    with opener(path, "wt", encoding="utf8") as fout:
        fout.write(text)
    return str(path)


@pytest.mark.parametrize("suffix,opener", [("", open), (".gz", gzip.open), (".bz2", bz2.open)])
def test_line_sentence_reads_plain_and_compressed(tmp_path, suffix, opener):
    path = write(tmp_path / ("c.txt" + suffix), "\n".join(LINES) + "\n", opener)
    sentences = list(LineSentence(path))
    assert sentences == [line.split() for line in LINES if line]
    assert list(LineSentence(path)) == sentences  # restartable
    assert list(LineSentence(path, limit=1)) == [LINES[0].split()]


def test_line_sentence_splits_long_lines_like_gensim(tmp_path):
    path = write(tmp_path / "c.txt", " ".join("w%d" % i for i in range(25)))
    assert [len(s) for s in LineSentence(path, max_sentence_length=10)] == [10, 10, 5]


def test_text8_corpus_chunks_the_word_stream(tmp_path, monkeypatch):
    import fastw2v.corpora
    monkeypatch.setattr(fastw2v.corpora, "_TEXT8_READ_BYTES", 16)  # many read boundaries
    words = ["w%d" % (i % 37) for i in range(2345)]
    path = write(tmp_path / "text8", " " + " ".join(words))
    sentences = list(Text8Corpus(path, max_sentence_length=1000))
    assert [len(s) for s in sentences] == [1000, 1000, 345]
    assert sum(sentences, []) == words


def test_text8_corpus_matches_gensim(tmp_path):
    gensim_word2vec = pytest.importorskip("gensim.models.word2vec")
    path = write(tmp_path / "text8", " ".join("w%d" % (i % 101) for i in range(25000)))
    assert list(Text8Corpus(path)) == list(gensim_word2vec.Text8Corpus(path))


def test_path_line_sentences_reads_files_in_name_order(tmp_path):
    write(tmp_path / "b.txt", "second file\n")
    write(tmp_path / "a.txt.gz", "first file\n", gzip.open)
    assert list(PathLineSentences(tmp_path)) == [["first", "file"], ["second", "file"]]
    with pytest.raises(ValueError, match="neither a file nor a directory"):
        PathLineSentences(tmp_path / "missing")


def test_invalid_utf8_is_reported(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words\nbad \xff\xfe word\n")
    with pytest.raises(ValueError, match="not valid UTF-8"):
        list(LineSentence(str(path)))


@pytest.mark.parametrize("max_vocab_size", [None, 3, 6])
@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
def test_compiled_count_prunes_as_gensim(tmp_path, max_vocab_size, reader):
    rng = np.random.default_rng(4)
    lines = [" ".join("w%d" % rng.zipf(1.5) for _ in range(rng.integers(0, 15)))
             for _ in range(200)]
    path = write(tmp_path / "c.txt", "\n".join(lines) + "\n\n")
    corpus = reader(path, max_sentence_length=4)
    counter = _words.WordCounter()
    if max_vocab_size:
        vocab._count_pruning(counter, corpus, max_vocab_size, None, 0)
    else:
        vocab._count_pipelined(counter, corpus, 0)
    expected = (counter.as_dict(), counter.sentences, counter.total_words)
    assert corpus.compiled_source().count(max_vocab_size) == expected
    assert vocab.scan_iterable(corpus, max_vocab_size) == expected


@pytest.mark.parametrize("step", [1, 3, 7, 50])
def test_byte_ranges_read_every_word_exactly_once(tmp_path, step):
    text = "alpha beta\ngamma  delta epsilon\n\nzeta eta theta iota\n"
    path = write(tmp_path / "c.txt", text)
    size = len(text.encode())
    words = _words.WordHash(text.split())
    total = 0
    for start in range(0, size, step):
        _, _, raw, _ = _testing.read_file_range(words, path, start, min(start + step, size), 0, True)
        total += raw
    assert total == len(text.split())


def test_corpus_file_trains_single_line_text8_files(tmp_path, monkeypatch):
    # gensim's corpus_file mode barely trains on one-line files; ours must learn from them
    sentences, clusters = cluster_corpus()
    path = write(tmp_path / "text8", " ".join(" ".join(s) for s in sentences))
    monkeypatch.setattr(corpora, "_TRAINING_RANGE_BYTES", 4096)  # many ranges
    model = Word2Vec(corpus_file=path, vector_size=24, window=3, min_count=1, sample=0, epochs=5,
                     workers=2, progress=False)
    assert model.corpus_total_words == sum(len(s) for s in sentences)
    assert nearest_cluster_rate(model.wv, clusters) >= 0.95


def test_corpus_file_reads_every_word_per_epoch(tmp_path, monkeypatch):
    sentences, _ = cluster_corpus(n_sentences=500)
    path = write(tmp_path / "lines.txt", "\n".join(" ".join(s) for s in sentences) + "\n")
    monkeypatch.setattr(corpora, "_TRAINING_RANGE_BYTES", 333)
    model = Word2Vec(vector_size=8, min_count=1, sample=0, workers=2, progress=False)
    model.build_vocab(corpus_file=path)
    assert model.corpus_count == 500
    trained, raw = model.train(corpus_file=path, epochs=2)
    assert raw == trained == 2 * model.corpus_total_words


def test_corpus_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Word2Vec(corpus_file=str(tmp_path / "missing.txt"), progress=False)
    empty = write(tmp_path / "empty.txt", "\n\n")
    with pytest.raises(ValueError, match="empty"):
        Word2Vec(corpus_file=empty, progress=False)
    with pytest.raises(TypeError, match="not both"):
        Word2Vec([["a"]], corpus_file=empty, progress=False)


def test_iterable_and_file_modes_learn_alike(tmp_path):
    sentences, clusters = cluster_corpus()
    path = write(tmp_path / "lines.txt", "\n".join(" ".join(s) for s in sentences) + "\n")
    common = dict(vector_size=24, window=3, min_count=1, sample=1e-3, epochs=3, workers=2,
                  progress=False, compute_loss=True)
    from_file = Word2Vec(corpus_file=path, **common)
    from_list = Word2Vec(sentences, **common)
    assert from_file.wv.index_to_key == from_list.wv.index_to_key
    # two threads share the rows (Hogwild): each epoch's loss varies by 1-3% from run to run,
    # up to 7% (15 runs), with the file's ranges trained by both workers
    np.testing.assert_allclose(from_file.training_loss, from_list.training_loss, rtol=0.1)


@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
def test_readers_count_local_files_in_compiled_code_exactly(tmp_path, reader):
    lines = [" ".join("w%d" % (i * j % 97) for j in range(n)) for i, n in
             enumerate([0, 3, 25, 10, 0, 41, 7])]
    path = write(tmp_path / "c.txt", "\n".join(lines) + "\n\n  naïve  café\n")
    corpus = reader(path, max_sentence_length=10)
    counted = corpus.compiled_source().count()
    assert counted is not None
    assert counted == python_scan(corpus)


def test_compiled_count_for_every_file(tmp_path):
    # Unicode whitespace and long words are counted in compiled code as Python counts them
    unicode_space = write(tmp_path / "nbsp.txt", "a\u00a0b c\x1cd\n")
    assert LineSentence(unicode_space).compiled_source().count() == ({"a": 1, "b": 1, "c": 1, "d": 1}, 1, 4)
    long_word = write(tmp_path / "long.txt", "x" * 5000 + " y\n")
    assert Text8Corpus(long_word).compiled_source().count() == ({"x" * 5000: 1, "y": 1}, 1, 2)
    # so are compressed files, streamed through the same text layer
    compressed = write(tmp_path / "c.txt.gz", "a\u3000b\n", gzip.open)
    assert LineSentence(compressed).compiled_source().count() == ({"a": 1, "b": 1}, 1, 2)


def _compiled_sentences(corpus, words, target_bytes):
    """The sentences (as ids of known words) that training reads from ``corpus``'s ranges."""
    layout = corpus.compiled_source()
    bounds = _reading.sentence_ranges(layout.paths[0], target_bytes, layout.max_sentence_length,
                                    layout.by_line)
    return sentences_from_ranges(layout, words, bounds)


@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
@pytest.mark.parametrize("target_bytes", [1, 5, 64, 1 << 20])
def test_compiled_reading_gives_the_readers_sentences(tmp_path, reader, target_bytes):
    rng = np.random.default_rng(5)
    lines = [" ".join("w%d" % rng.integers(0, 40) for _ in range(n))
             for n in rng.integers(0, 35, 60)]
    text = "\n".join(lines).replace("w7 ", "w7\t ").replace("w3 ", "w3  \r") + "\n\n"
    path = write(tmp_path / "c.txt", text)
    known = ["w%d" % i for i in range(0, 40, 3)]  # a vocabulary that leaves words out
    words = _words.WordHash(known)
    corpus = reader(path, max_sentence_length=7)
    index = {w: i for i, w in enumerate(known)}
    expected = [[index[w] for w in s if w in index] for s in corpus]
    sentences, raw_words, raw_sentences = _compiled_sentences(corpus, words, target_bytes)
    assert sentences == [s for s in expected if s]
    assert raw_words == sum(len(s) for s in corpus) and raw_sentences == len(list(corpus))


def test_compiled_sources(tmp_path):
    for text in ["naïve café\n", "a\x1cb c", "x" * 5000 + " y"]:
        path = write(tmp_path / "t.txt", text)
        assert Text8Corpus(path).compiled_source().ranges() == [(path, 0, len(text.encode()))]
    compressed = LineSentence(write(tmp_path / "c.txt.gz", "a b\n", gzip.open)).compiled_source()
    assert not compressed.in_ranges and compressed.count() == ({"a": 1, "b": 1}, 1, 2)
    plain = write(tmp_path / "p.txt", "a b\nc\n")
    assert LineSentence(plain, limit=1).compiled_source() is None
    with open(plain, "rb") as fin:
        assert LineSentence(fin).compiled_source() is None
    source = LineSentence(plain).compiled_source()
    assert source.in_ranges and source.ranges() == [(plain, 0, 6)] and source.by_line
    with open(plain, "a") as f:  # a changed file is split again
        f.write("d e\n")
    assert LineSentence(plain).compiled_source().ranges()[-1][2] == 10
    assert PathLineSentences(tmp_path).compiled_source().paths == sorted(
        str(p) for p in tmp_path.iterdir())


@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
def test_readers_train_in_compiled_code(tmp_path, monkeypatch, reader):
    sentences, clusters = cluster_corpus()
    path = write(tmp_path / "c.txt", "\n".join(" ".join(s) for s in sentences) + "\n")
    monkeypatch.setattr("fastw2v.corpora._TRAINING_RANGE_BYTES", 2000)

    def no_python_reading(*args, **kwargs):
        raise AssertionError("read in Python")

    monkeypatch.setattr(training, "train_epoch_iterable", no_python_reading)
    corpus = reader(path)
    model = Word2Vec(corpus, vector_size=24, window=3, min_count=1, sample=0, epochs=5,
                     workers=2, progress=False)
    assert nearest_cluster_rate(model.wv, clusters) >= 0.95
    trained, raw = model.train(corpus, total_examples=model.corpus_count, epochs=1)
    assert raw == trained == model.corpus_total_words


@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
def test_counting_finds_the_training_ranges(tmp_path, monkeypatch, reader):
    """Counting a plain file for the vocabulary finds the ranges training reads, the same
    ones reading the file anew finds, so training need not read it first."""
    monkeypatch.setattr(corpora, "_TRAINING_RANGE_BYTES", 97)
    rng = np.random.default_rng(8)
    lines = [" ".join("w%d" % rng.integers(50) for _ in range(rng.integers(0, 30)))
             for _ in range(300)]
    path = write(tmp_path / "c.txt", "\n".join(lines) + "\n")
    source = reader(path, max_sentence_length=7).compiled_source()
    monkeypatch.setattr(corpora, "_BOUNDS", collections.OrderedDict())
    source.count()
    assert len(corpora._BOUNDS) == 1  # found by counting
    counted = source.ranges()
    monkeypatch.setattr(corpora, "_BOUNDS", collections.OrderedDict())
    read = source.ranges()  # found by reading the file
    assert counted == read and len(read) > 10


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_training_ranges_shrink_towards_the_end(tmp_path, monkeypatch, workers):
    # about 1 MB each (here 4,000 bytes), at most a 4 * workers-th of what is left, so that
    # the workers' last ranges end close together; always whole sentences, in file order
    monkeypatch.setattr(corpora, "_TRAINING_RANGE_BYTES", 4000)
    lines = ["w%d %s" % (i, "x" * (i % 7)) for i in range(20000)]
    paths = [write(tmp_path / "a.txt", "\n".join(lines[:5000]) + "\n"),
             write(tmp_path / "b.txt", "\n".join(lines[5000:]) + "\n")]
    ranges = PathLineSentences(str(tmp_path)).compiled_source().ranges(workers)
    for path in paths:
        mine = [(start, end) for p, start, end in ranges if p == path]
        assert mine[0][0] == 0 and mine[-1][1] == os.path.getsize(path)
        assert all(a[1] == b[0] for a, b in zip(mine, mine[1:]))
        text = open(path, "rb").read()
        assert all(text[start - 1:start] == b"\n" for start, _ in mine[1:])
    sizes = [end - start for _, start, end in ranges]
    left = np.cumsum(sizes[::-1])[::-1]  # bytes left when each range is taken
    grain = 4000 // 16
    line = max(len(line) + 1 for line in lines)
    assert all(size <= min(4000, max(rest // (4 * workers), grain)) + grain + line
               for size, rest in zip(sizes, left))
    assert max(sizes) >= 3900 and sizes[-1] <= grain + line
