"""Micro-benchmarks of fastw2v's Word2Vec through its public API (``make bench-micro``).

Each measures one short step on the synthetic corpus of ``conftest.py``: the vocabulary scan,
and one training epoch per mode, from a Python iterable and from ``corpus_file``.
"""
import pytest

from benchmarks.trial import MODES, PARAMETERS, mode_parameters
from fastw2v import Word2Vec

OBJECTIVES = [mode for mode in MODES if not mode.endswith(("-file", "-py"))]
ROUNDS = 3


def new_model(mode="sg-ns"):
    """An untrained model with the harness's parameters and two workers."""
    return Word2Vec(workers=2, epochs=1, progress=False, **PARAMETERS, **mode_parameters(mode))


def test_vocabulary_scan(benchmark, sentences):
    benchmark.pedantic(lambda model: model.build_vocab(corpus_iterable=sentences),
                       setup=lambda: ((new_model(),), {}), rounds=ROUNDS)


@pytest.mark.parametrize("mode", OBJECTIVES)
def test_train_epoch_iterable(benchmark, sentences, mode):
    model = new_model(mode)
    model.build_vocab(corpus_iterable=sentences)
    benchmark.pedantic(model.train, kwargs={
        "corpus_iterable": sentences, "total_examples": model.corpus_count, "epochs": 1},
        rounds=ROUNDS)


@pytest.mark.parametrize("mode", OBJECTIVES)
def test_train_epoch_corpus_file(benchmark, corpus_file, mode):
    model = new_model(mode)
    model.build_vocab(corpus_file=corpus_file)
    benchmark.pedantic(model.train, kwargs={
        "corpus_file": corpus_file, "total_words": model.corpus_total_words, "epochs": 1},
        rounds=ROUNDS)
