"""The training progress bar counts raw words in every mode, as gensim's progress does."""
import gzip

import numpy as np
import pytest

from fastw2v import Word2Vec, training

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat", "on", "a", "rug"],
             ["cats", "and", "dogs"]] * 200
WORDS = sum(len(sentence) for sentence in SENTENCES)
SMALL = dict(vector_size=8, min_count=1, workers=2, epochs=2, seed=1)


@pytest.fixture
def bars(monkeypatch):
    """The tqdm bar of every Reporter made while the test runs (read after training: a
    Reporter makes its bar at its first update)."""
    made = []

    class Recording(training.Reporter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(training, "Reporter", Recording)

    class Bars:
        def __iter__(self):
            return iter([reporter.bar for reporter in made])
    return Bars()


def corpus(kind, tmp_path):
    """The same sentences as each feed reads them: ``Word2Vec`` arguments."""
    if kind == "iterable":
        return dict(sentences=SENTENCES)
    if kind == "ints":
        ids = {word: i for i, word in enumerate(sorted({w for s in SENTENCES for w in s}))}
        return dict(sentences=[np.array([ids[w] for w in s]) for s in SENTENCES])
    path = tmp_path / ("corpus.txt.gz" if kind == "stream" else "corpus.txt")
    with (gzip.open if kind == "stream" else open)(path, "wt") as fout:
        fout.writelines(" ".join(sentence) + "\n" for sentence in SENTENCES)
    return dict(corpus_file=str(path))


@pytest.mark.parametrize("kind", ["iterable", "file", "stream", "ints"])
def test_the_bar_counts_raw_words_towards_the_scanned_total(kind, tmp_path, bars, capsys):
    model = Word2Vec(**corpus(kind, tmp_path), **SMALL)
    bar, = bars
    assert model.corpus_total_words == WORDS
    assert bar.unit == " words" and bar.total == 2 * WORDS and bar.n == 2 * WORDS
    assert " words/s" in capsys.readouterr().err  # the rate, as tqdm shows it


def test_train_with_only_a_sentence_count_still_counts_words(bars):
    model = Word2Vec(**dict(SMALL, progress=False))
    model.build_vocab(SENTENCES)
    model.progress = True
    model.train(SENTENCES, total_examples=model.corpus_count, epochs=3)
    # another corpus than the one scanned: its words are counted, their total unknown
    model.train(SENTENCES[:30], total_examples=30, epochs=1)
    assert [(bar.unit, bar.total, bar.n) for bar in bars] == [
        (" words", 3 * WORDS, 3 * WORDS), (" words", None, WORDS // 20)]


@pytest.mark.parametrize("total_words, total_examples, expected", [
    (500, None, 500), (500, 7, 500),  # given
    (None, None, 1000), (None, 10, 1000), (0, 10, 1000),  # the scanned corpus
    (None, 7, None),  # another corpus
])
def test_epoch_words(total_words, total_examples, expected):
    assert training.epoch_words(total_words, total_examples, 10, 1000) == expected
    assert training.epoch_words(None, None, 0, 0) is None  # nothing scanned
