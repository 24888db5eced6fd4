"""What training learns, in every mode: planted neighbours, analogies, loss, threads, seeds."""
import threading

import numpy as np
import pytest

from fastw2v import Word2Vec
from planted import analogy_answer, analogy_corpus, cluster_corpus, nearest_cluster_rate

MODES = {
    "sg-ns": dict(sg=1, hs=0, negative=5),
    "cbow-ns": dict(sg=0, hs=0, negative=5),
    "cbow-sum-ns": dict(sg=0, hs=0, negative=5, cbow_mean=0, alpha=0.01),
    "sg-hs": dict(sg=1, hs=1, negative=0),
    "cbow-hs": dict(sg=0, hs=1, negative=0),
    "sg-ns-classic": dict(sg=1, hs=0, negative=5, kernel="classic"),
    "cbow-hs-classic": dict(sg=0, hs=1, negative=0, kernel="classic"),
}
COMMON = dict(vector_size=24, window=3, min_count=1, sample=0, seed=3, progress=False)


@pytest.fixture(scope="module")
def clusters():
    return cluster_corpus()


@pytest.fixture(scope="module")
def analogies():
    return analogy_corpus()


@pytest.mark.parametrize("mode", sorted(MODES))
def test_words_with_shared_contexts_become_nearest_neighbours(mode, clusters):
    sentences, members = clusters
    model = Word2Vec(sentences, epochs=5, workers=2, **COMMON, **MODES[mode])
    assert nearest_cluster_rate(model.wv, members) >= 0.95


@pytest.mark.parametrize("mode", sorted(MODES))
def test_planted_analogy_resolves(mode, analogies):
    model = Word2Vec(analogies, epochs=10, workers=2, **COMMON, **MODES[mode])
    assert analogy_answer(model.wv, "king_m", "waiter_m", "waiter_f") == "king_f"
    assert analogy_answer(model.wv, "doctor_f", "actor_f", "actor_m") == "doctor_m"


@pytest.mark.parametrize("mode", sorted(MODES))
def test_loss_decreases_over_epochs(mode, clusters):
    sentences, _ = clusters
    model = Word2Vec(sentences, epochs=4, workers=2, compute_loss=True, **COMMON, **MODES[mode])
    losses = model.training_loss
    assert len(losses) == 4 and all(np.isfinite(losses))
    # this corpus is learnt within about one epoch; after that the loss plateaus
    assert losses[-1] < 0.95 * losses[0] and losses[1] < losses[0]
    assert model.get_latest_training_loss() == pytest.approx(sum(losses))


def test_loss_is_independent_of_thread_count(clusters):
    sentences, members = clusters
    losses, rates = [], []
    for workers in (1, 2, 4):
        model = Word2Vec(sentences, epochs=3, workers=workers, compute_loss=True, **COMMON)
        losses.append(model.training_loss[-1])
        rates.append(nearest_cluster_rate(model.wv, members))
    assert max(losses) / min(losses) < 1.05
    assert min(rates) >= 0.95


def test_loss_sums_in_float64_beyond_float32_saturation():
    # gensim's float32 tally stops growing at 2**27; ours keeps exact sums
    sentences = [["w%d" % (i % 50) for i in range(j, j + 200)] for j in range(300)]
    model = Word2Vec(sentences, vector_size=8, min_count=1, sample=0, workers=2, epochs=1,
                     compute_loss=True, alpha=1e-9, min_alpha=1e-9, progress=False)
    # with a negligible learning rate every pair costs about (1 + negative) * log(2)
    pairs_lower_bound = 300 * 200 * 2
    assert model.training_loss[0] > pairs_lower_bound * np.log(2) * 0.9
    assert isinstance(model.training_loss[0], float)


@pytest.mark.parametrize("use_file", [False, True])
def test_one_worker_with_fixed_seed_is_bit_identical(use_file, clusters, tmp_path):
    sentences, _ = clusters
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    source = dict(corpus_file=str(path)) if use_file else dict(sentences=sentences)
    runs = [Word2Vec(**source, epochs=2, workers=1, **COMMON) for _ in range(2)]
    assert np.array_equal(runs[0].wv.vectors, runs[1].wv.vectors)
    assert np.array_equal(runs[0].syn1neg, runs[1].syn1neg)
    other_seed = Word2Vec(**source, epochs=2, workers=1, **dict(COMMON, seed=4))
    assert not np.array_equal(runs[0].wv.vectors, other_seed.wv.vectors)


def test_input_and_output_matrices_are_distinct(clusters):
    sentences, _ = clusters
    model = Word2Vec(sentences, epochs=1, workers=1, **COMMON)
    assert not np.shares_memory(model.wv.vectors, model.syn1neg)
    assert model.syn1neg.shape == model.wv.vectors.shape and np.abs(model.syn1neg).sum() > 0


def test_training_uses_both_threads_without_leaking_them(clusters):
    sentences, _ = clusters
    before = threading.active_count()
    Word2Vec(sentences, epochs=1, workers=3, **COMMON)
    assert threading.active_count() == before


def test_alpha_decays_linearly_to_min_alpha(clusters):
    sentences, _ = clusters
    model = Word2Vec(sentences, epochs=2, workers=1, alpha=0.05, min_alpha=0.001, **{
        k: v for k, v in COMMON.items()})
    assert model.min_alpha_yet_reached == pytest.approx(0.001, abs=1e-6)


@pytest.mark.parametrize("mode", sorted(MODES) + ["cbow-ns-classic"])
def test_locked_rows_keep_their_vectors(mode, clusters):
    # gensim's vectors_lockf: 0 locks a word's input vector, 0.5 halves its updates
    params = dict(MODES.get(mode, dict(sg=0, hs=0, negative=5, kernel="classic")))
    sentences, _ = clusters
    model = Word2Vec(workers=2, epochs=2, **COMMON, **params)
    model.build_vocab(sentences)
    before = model.wv.vectors.copy()
    model.wv.vectors_lockf[0] = 0.0
    model.wv.vectors_lockf[1] = 0.5
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    moved = np.abs(model.wv.vectors - before).sum(axis=1)
    assert moved[0] == 0.0
    assert moved[1] > 0 and np.all(moved[2:] > 0)
    # half the step is a smaller move than the free words of the same frequency make
    assert moved[1] < np.median(moved[2:20])


def test_a_single_lock_factor_applies_to_every_row(clusters):
    sentences, _ = clusters
    model = Word2Vec(workers=1, epochs=1, **COMMON)
    model.build_vocab(sentences)
    before = model.wv.vectors.copy()
    model.wv.vectors_lockf = np.zeros(1, np.float32)  # gensim's default shape, locked
    model.train(sentences, total_examples=model.corpus_count, epochs=1)
    assert np.array_equal(model.wv.vectors, before)
