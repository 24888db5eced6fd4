"""Phrases joined as compiled code reads a file: ``model[reader]`` counts and trains exactly as
iterating it in Python does, for ``Phrases`` and ``FrozenPhrases``, plain and compressed,
UTF-8 and tokens that already hold the delimiter."""
import gzip

import numpy as np
import pytest

from fastw2v import LineSentence, PathLineSentences, Text8Corpus, Word2Vec, corpora, training
from fastw2v.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
from compiled_reading import assert_stream_reads, python_scan
from planted import cluster_corpus, nearest_cluster_rate

SPACES = ["\u00a0", "\u3000", "\t", " ", " ", " ", " "]
WORDS = ["nueva", "york", "city", "bank", "of", "the", "américa", "san", "francisco", "café",
         "são", "paulo", "nueva_york", "_", "a_", "x", "of_the", "é"]


def write(path, text, opener=open):
    with opener(path, "wb") as out:
        out.write(text.encode())
    return str(path)


def phrase_text(rng, lines=400):
    """Lines of random words, with planted phrases (some across connector words)."""
    planted = ["nueva york", "bank of the américa", "são paulo", "san francisco", "nueva york city"]
    out = []
    for _ in range(lines):
        words = []
        for _ in range(rng.integers(0, 25)):
            words.append(str(rng.choice(planted)) if rng.random() < 0.3 else str(rng.choice(WORDS)))
        out.append("".join(w + str(rng.choice(SPACES)) for w in " ".join(words).split()))
    return "\n".join(out) + "\n"


def models(corpus):
    learned = Phrases(corpus, min_count=3, threshold=0.2, scoring="npmi",
                      connector_words=ENGLISH_CONNECTOR_WORDS)
    assert len(learned.export_phrases()) >= 3
    return {"phrases": learned, "frozen": learned.freeze()}


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(corpora, "_STREAM_CHUNK_BYTES", 41)  # words and sentences cut often


@pytest.mark.parametrize("kind", ["phrases", "frozen"])
@pytest.mark.parametrize("reader", [LineSentence, Text8Corpus])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_compiled_phrasing_equals_python(tmp_path, small_chunks, kind, reader, suffix):
    rng = np.random.default_rng(len(suffix) + 7 * (reader is Text8Corpus))
    path = write(tmp_path / ("c.txt" + suffix), phrase_text(rng),
                 gzip.open if suffix else open)
    corpus = reader(path, max_sentence_length=9)
    model = models(corpus)[kind]
    phrased = model[corpus]
    python = list(phrased)
    assert any("_" in w for s in python for w in s)
    source = phrased.compiled_source()
    assert source is not None and not source.in_ranges
    assert source.count() == python_scan(python)
    assert_stream_reads(source, python)


def test_path_line_sentences_phrased(tmp_path, small_chunks):
    rng = np.random.default_rng(11)
    write(tmp_path / "a.txt", phrase_text(rng, 100))
    write(tmp_path / "b.txt.gz", phrase_text(rng, 100), gzip.open)
    corpus = PathLineSentences(tmp_path, max_sentence_length=12)
    phrased = models(corpus)["frozen"][corpus]
    assert phrased.compiled_source().count() == python_scan(list(phrased))


def test_a_python_scorer_is_asked_from_compiled_code(tmp_path):
    """A ``Phrases`` model decides a candidate ending in a token that holds the delimiter
    from that token's count: compiled code asks the model, here a Python scorer."""
    path = write(tmp_path / "c.txt", "a_b c\nx y\n" * 20 + "a_b c x y\n")
    calls = []

    def scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
        calls.append(worda_count)
        return bigram_count

    model = Phrases(LineSentence(path), min_count=1, threshold=5, scoring=scorer)
    phrased = model[LineSentence(path)]
    assert phrased.compiled_source().count() == python_scan(list(phrased))
    assert python_scan(list(phrased))[0]["a_b_c"] == 21
    assert calls


def test_an_error_in_the_scorer_reaches_the_caller(tmp_path):
    path = write(tmp_path / "c.txt", "a_b c\n" * 5)

    def scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
        if scorer.failing:
            raise RuntimeError("scorer failed")
        return 0.0

    scorer.failing = False
    model = Phrases(LineSentence(path), min_count=1, threshold=5, scoring=scorer)
    scorer.failing = True
    with pytest.raises(RuntimeError, match="scorer failed"):
        model[LineSentence(path)].compiled_source().count()


def test_invalid_utf8_in_a_phrased_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"nueva york\nc \xe9t\xe9 d\n")
    model = Phrases([["nueva", "york"]] * 3, min_count=1, threshold=0.1).freeze()
    with pytest.raises(ValueError, match="not valid UTF-8 near byte 13"):
        model[LineSentence(str(path))].compiled_source().count()


def test_a_multi_character_delimiter_is_joined_in_python(tmp_path):
    path = write(tmp_path / "c.txt", "a b\n" * 5)
    model = Phrases(LineSentence(path), min_count=1, threshold=0.1, delimiter="--")
    assert model[LineSentence(path)].compiled_source() is None
    assert list(model[LineSentence(path)])[0] == ["a--b"]


def test_stacked_phrase_models_are_joined_in_python(tmp_path):
    path = write(tmp_path / "c.txt", "a b c\n" * 5)
    bigram = Phrases(LineSentence(path), min_count=1, threshold=0.1)
    trigram = Phrases(bigram[LineSentence(path)], min_count=1, threshold=0.1)
    assert trigram[bigram[LineSentence(path)]].compiled_source() is None


@pytest.mark.parametrize("kind", ["phrases", "frozen"])
def test_phrased_utf8_corpus_trains_without_python_sentences(tmp_path, monkeypatch, kind):
    """Cluster members written as two words ("c0m1 ñ") become phrases that train as words."""
    sentences, clusters = cluster_corpus()
    pair = {w: w + "\u00a0ñ" + w[-1] for group in clusters for w in group}
    path = write(tmp_path / "c.txt.gz",
                 "\n".join(" ".join(pair.get(w, w) for w in s) for s in sentences) + "\n",
                 gzip.open)
    members = [[w + "_ñ" + w[-1] for w in group] for group in clusters]
    learned = Phrases(LineSentence(path), min_count=5, threshold=0.5, scoring="npmi")
    model = learned if kind == "phrases" else learned.freeze()

    def no_python_reading(*args, **kwargs):
        raise AssertionError("read in Python")

    monkeypatch.setattr(training, "train_epoch_iterable", no_python_reading)
    w2v = Word2Vec(model[LineSentence(path)], vector_size=24, window=3, min_count=1, sample=0,
                   epochs=5, workers=2, progress=False)
    assert all(w in w2v.wv for group in members for w in group)
    assert w2v.corpus_total_words == sum(map(len, sentences))
    assert nearest_cluster_rate(w2v.wv, members) >= 0.95


def test_corpus_file_with_phrases(tmp_path):
    rng = np.random.default_rng(5)
    path = write(tmp_path / "c.txt", phrase_text(rng))
    frozen = models(LineSentence(path))["frozen"]
    common = dict(vector_size=8, min_count=1, epochs=1, workers=2, progress=False)
    model = Word2Vec(corpus_file=path, phrases=frozen, **common)
    counts, sentences, total = python_scan(list(frozen[LineSentence(path)]))
    assert (model.corpus_count, model.corpus_total_words) == (sentences, total)
    assert set(model.wv.index_to_key) == set(counts)
    trained, raw = model.train(corpus_file=path, phrases=frozen, epochs=1)
    assert raw == total
    fresh = Word2Vec(**common)
    fresh.build_vocab(corpus_file=path, phrases=frozen)
    assert fresh.wv.index_to_key == model.wv.index_to_key


def test_phrases_need_a_corpus_file_and_a_phrase_model(tmp_path):
    path = write(tmp_path / "c.txt", "a b\n")
    frozen = Phrases([["a", "b"]] * 3, min_count=1, threshold=0.1).freeze()
    with pytest.raises(TypeError, match="pass phrases\\[sentences\\]"):
        Word2Vec([["a", "b"]], phrases=frozen, min_count=1)
    with pytest.raises(TypeError, match="phrases must be a fastw2v Phrases or FrozenPhrases"):
        Word2Vec(corpus_file=path, phrases={"a_b": 1.0}, min_count=1)
