"""Training never crashes, hangs or hands back NaN vectors: bad parameters, diverging or
non-finite weights, concurrent calls and interrupts each end in a clear Python exception."""
import gzip
import math
import re
import threading

import numpy as np
import pytest

from fastw2v import Word2Vec, training
from fastw2v.callbacks import CallbackAny2Vec
from fastw2v.parameters import InvalidParameterError
from planted import cluster_corpus

SMALL = dict(vector_size=16, min_count=1, workers=2, epochs=1, progress=False)


@pytest.fixture(scope="module")
def corpus():
    sentences, _ = cluster_corpus(n_sentences=3000, seed=3)
    return sentences


def write_corpus(path, sentences):
    path.write_text("\n".join(" ".join(sentence) for sentence in sentences) + "\n")
    return str(path)


def workers_alive():
    return [t for t in threading.enumerate() if t.name == "fastw2v-worker" and t.is_alive()]


@pytest.mark.parametrize("kwargs, message", [
    (dict(alpha=math.nan), "Word2Vec: alpha must be a finite number in (0, inf), got nan"),
    (dict(alpha=math.inf), "Word2Vec: alpha must be a finite number in (0, inf), got inf"),
    (dict(alpha=0.0), "Word2Vec: alpha must be a finite number in (0, inf), got 0.0"),
    (dict(min_alpha=math.nan), "Word2Vec: min_alpha must be a finite number in [0, inf), got nan"),
    (dict(min_alpha=5), "Word2Vec: min_alpha=5 exceeds alpha=0.025"),
    (dict(min_alpha=-1e-4), "Word2Vec: min_alpha must be a finite number in [0, inf), got -0.0001"),
    (dict(epochs=2.7), "Word2Vec: epochs must be an int in [0, inf), got 2.7"),
    (dict(epochs=2.0), "Word2Vec: epochs must be an int in [0, inf), got 2.0"),
    (dict(negative=1.5), "Word2Vec: negative must be an int in [0, 1000], got 1.5"),
    (dict(window="5"), "Word2Vec: window must be an int in [1, 100000], got '5'"),
    (dict(sg=2), "Word2Vec: sg must be one of 0, 1, got 2"),
    (dict(hs=0.5), "Word2Vec: hs must be one of 0, 1, got 0.5"),
    (dict(sample=-1), "Word2Vec: sample must be a finite number in [0, inf), got -1"),
    (dict(sample=math.nan), "Word2Vec: sample must be a finite number in [0, inf), got nan"),
    (dict(ns_exponent=math.inf), "Word2Vec: ns_exponent must be a finite number, got inf"),
    (dict(max_final_vocab=-1), "Word2Vec: max_final_vocab must be None or an int in [1, inf), got -1"),
    (dict(max_vocab_size=0), "Word2Vec: max_vocab_size must be None or an int in [1, inf), got 0"),
    (dict(trim_rule=5), "Word2Vec: trim_rule must be None or callable, got 5"),
    (dict(callbacks=None), "Word2Vec: callbacks must be an iterable, got None"),
    (dict(comment=3), "Word2Vec: comment must be None or a str, got 3"),
])
def test_bad_parameters_are_named_before_any_work(corpus, kwargs, message):
    before = threading.active_count()
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        Word2Vec(corpus, **dict(SMALL, **kwargs))
    assert threading.active_count() == before


def test_wrong_types_are_type_errors_and_ranges_value_errors():
    with pytest.raises(TypeError):
        Word2Vec(epochs=2.7)
    with pytest.raises(ValueError):
        Word2Vec(epochs=-1)


def test_numpy_scalars_and_bools_are_accepted(corpus):
    model = Word2Vec(corpus, **dict(SMALL, vector_size=np.int64(12), alpha=np.float32(0.03),
                                    sg=True, hs=np.int32(0), epochs=np.int16(1)))
    assert model.wv.vectors.shape[1] == 12 and model.sg == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(start_alpha=math.nan), "train(): start_alpha must be a finite number in (0, inf), got nan"),
    (dict(end_alpha=math.inf), "train(): end_alpha must be a finite number in [0, inf), got inf"),
    (dict(start_alpha=0.01, end_alpha=0.02), "train(): end_alpha=0.02 exceeds start_alpha=0.01"),
    (dict(epochs=1.5), "train(): epochs must be an int in [0, inf), got 1.5"),
    (dict(epochs=None), "train() needs an explicit epochs count"),
    (dict(total_examples=-3), "train(): total_examples must be None or an int in [0, inf), got -3"),
])
def test_bad_train_arguments(corpus, kwargs, message):
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus)
    arguments = dict(total_examples=model.corpus_count, epochs=1)
    arguments.update(kwargs)
    before = model.wv.vectors.copy()
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        model.train(corpus, **arguments)
    np.testing.assert_array_equal(model.wv.vectors, before)


@pytest.mark.parametrize("mode", [dict(sg=1), dict(sg=0), dict(sg=1, hs=1),
                                  dict(sg=0, kernel="classic"), dict(sg=1, kernel="classic")])
def test_diverging_training_stops_with_a_clear_error(corpus, mode):
    with pytest.raises(FloatingPointError,
                       match=r"training diverged in epoch 1 of 3: .* lower alpha \(it was 1e\+06\)"):
        Word2Vec(corpus, **dict(SMALL, alpha=1e6, epochs=3, **mode))


def test_diverging_training_from_a_file_stops_too(corpus, tmp_path):
    path = write_corpus(tmp_path / "corpus.txt", corpus)
    with pytest.raises(FloatingPointError, match="training diverged in epoch 1 of 2"):
        Word2Vec(corpus_file=path, **dict(SMALL, alpha=1e6, epochs=2))


def test_a_worker_failing_while_jobs_wait_stops_training_without_a_hang():
    # one worker, jobs of MIN_JOB_WORDS words, more jobs than the queue holds: the worker
    # fails on its first job while the reading thread has more to hand out
    words = 6 * training.MIN_JOB_WORDS
    corpus = [["w%d" % (i % 50) for i in range(1000)]] * (words // 1000)
    outcome = {}

    def run():
        try:
            Word2Vec(corpus, **dict(SMALL, alpha=1e6, workers=1))
        except FloatingPointError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "training hung after its worker failed"
    assert "training diverged in epoch 1 of 1" in str(outcome["error"])


@pytest.mark.parametrize("array, value", [("vectors", np.nan), ("vectors", np.inf),
                                          ("syn1neg", np.nan), ("syn1", -np.inf)])
def test_non_finite_weights_are_named_before_training(corpus, array, value):
    model = Word2Vec(**dict(SMALL, hs=1))
    model.build_vocab(corpus)
    matrix = model.wv.vectors if array == "vectors" else getattr(model, array)
    matrix[7, 3] = value
    name = "wv.vectors" if array == "vectors" else array
    key = " (key %r)" % model.wv.index_to_key[7] if array == "vectors" else ""
    with pytest.raises(ValueError, match=re.escape("%s holds NaN or infinite values (1 rows, the "
                                                   "first row 7%s)" % (name, key))):
        model.train(corpus, total_examples=model.corpus_count, epochs=1)


class Gate(CallbackAny2Vec):
    """Holds the first epoch open until released, so that another thread can act meanwhile."""

    def __init__(self):
        self.inside = threading.Event()
        self.release = threading.Event()

    def on_epoch_begin(self, model):
        self.inside.set()
        assert self.release.wait(30)


def test_a_second_concurrent_train_or_save_is_refused(corpus, tmp_path):
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus)
    model.save(tmp_path / "before.fw2v")
    gate = Gate()
    errors = []

    def first():
        try:
            model.train(corpus, total_examples=model.corpus_count, epochs=2, callbacks=[gate])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert gate.inside.wait(30)
        with pytest.raises(RuntimeError, match=r"train\(\) is already running on this model"):
            model.train(corpus, total_examples=model.corpus_count, epochs=1)
        with pytest.raises(RuntimeError, match=r"cannot save the model while train\(\) runs"):
            model.save(tmp_path / "during.fw2v")
        with pytest.raises(RuntimeError, match="cannot build the vocabulary while train"):
            model.build_vocab(corpus)
    finally:
        gate.release.set()
        thread.join(60)
    assert not errors and model.epochs_trained == 2
    assert not (tmp_path / "during.fw2v").exists()
    model.save(tmp_path / "after.fw2v")
    loaded = Word2Vec.load(tmp_path / "after.fw2v")
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)


def test_a_callback_may_save_during_training(corpus, tmp_path):
    class SaveEachEpoch(CallbackAny2Vec):
        def on_epoch_end(self, model):
            model.save(tmp_path / ("epoch%d.fw2v" % model.epochs_trained))

    model = Word2Vec(corpus, **dict(SMALL, epochs=2, callbacks=[SaveEachEpoch()]))
    assert Word2Vec.load(tmp_path / "epoch2.fw2v").epochs_trained == 2
    np.testing.assert_array_equal(Word2Vec.load(tmp_path / "epoch2.fw2v").wv.vectors,
                                  model.wv.vectors)


def interrupt_on_progress(monkeypatch, after_calls=2):
    """KeyboardInterrupt from the training thread's progress tick, while the workers train."""
    calls = []
    real_update = training.Reporter.update

    def update(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == after_calls:
            raise KeyboardInterrupt
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(training.Reporter, "update", update)


@pytest.mark.parametrize("source", ["iterable", "corpus_file", "compressed"])
def test_interrupt_stops_every_worker_before_it_propagates(corpus, tmp_path, monkeypatch, source):
    big = corpus * 20
    path = write_corpus(tmp_path / "corpus.txt", big)
    if source == "compressed":  # streamed: the calling thread decompresses, workers train
        with open(path, "rb") as plain, gzip.open(path + ".gz", "wb") as packed:
            packed.write(plain.read())
        path += ".gz"
    model = Word2Vec(**dict(SMALL, epochs=3))
    if source == "iterable":
        model.build_vocab(big)
        arguments = dict(corpus_iterable=big, total_examples=model.corpus_count)
    else:
        model.build_vocab(corpus_file=path)
        arguments = dict(corpus_file=path, total_words=model.corpus_total_words)
    with monkeypatch.context() as patch:
        interrupt_on_progress(patch)
        with pytest.raises(KeyboardInterrupt):
            model.train(epochs=3, **arguments)
    assert workers_alive() == []
    snapshot = model.wv.vectors.copy()
    assert np.isfinite(snapshot).all()
    model.save(tmp_path / "interrupted.fw2v")
    np.testing.assert_array_equal(model.wv.vectors, snapshot)  # nothing trains behind our back
    resumed = Word2Vec.load(tmp_path / "interrupted.fw2v")
    resumed.train(epochs=3, **arguments)
    assert resumed.train_state["completed"] == 3
    assert np.isfinite(resumed.wv.vectors).all()


@pytest.mark.parametrize("source", ["iterable", "corpus_file"])
def test_max_vocab_size_that_prunes_the_counts_says_so(corpus, tmp_path, source):
    arguments = (dict(sentences=corpus) if source == "iterable"
                 else dict(corpus_file=write_corpus(tmp_path / "corpus.txt", corpus)))
    with pytest.raises(ValueError, match=re.escape("raise max_vocab_size=1 (pruning during the scan "
                                                   "dropped the rarer words and their counts)")):
        Word2Vec(**arguments, **dict(SMALL, min_count=5, max_vocab_size=1))


def test_unencodable_tokens_are_named(corpus):
    model = Word2Vec(**SMALL)
    model.build_vocab(corpus)
    with pytest.raises(ValueError, match=re.escape("token 'odd\\ud800' cannot be encoded as UTF-8")):
        model.train(corpus + [["odd\ud800"]], total_examples=model.corpus_count + 1, epochs=1)
    assert workers_alive() == []
    with pytest.raises(ValueError, match=re.escape("token 'b\\ud800' cannot be encoded as UTF-8")):
        Word2Vec(**SMALL).build_vocab_from_freq({"a": 3, "b\ud800": 2})


@pytest.mark.parametrize("kwargs, message", [
    (dict(window=2 ** 31), "Word2Vec: window must be an int in [1, 100000], got 2147483648"),
    (dict(negative=10 ** 6), "Word2Vec: negative must be an int in [0, 1000], got 1000000"),
    (dict(vector_size=2 ** 31), "Word2Vec: vector_size must be an int in [1, 2147483647]"),
    (dict(workers=10 ** 9), "Word2Vec: workers must be an int in [1, 1024], got 1000000000"),
    (dict(seed=-1), "Word2Vec: seed must be an int in [0, inf), got -1"),
])
def test_values_beyond_what_the_kernels_hold_are_refused(kwargs, message):
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        Word2Vec(**kwargs)


def test_a_huge_sample_keeps_every_word(corpus):
    model = Word2Vec(corpus, **dict(SMALL, sample=1e308))
    trained, raw = model.train(corpus, total_examples=model.corpus_count, epochs=1)
    assert trained == raw
