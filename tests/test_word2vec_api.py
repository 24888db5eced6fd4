"""Word2Vec's gensim-compatible API: vocabulary options, train(), callbacks and bad input."""
import re
import threading

import numpy as np
import pytest

from fastw2v import Word2Vec
from fastw2v.callbacks import CallbackAny2Vec, EvaluationCallback, LossLogger
from fastw2v.vocab import RULE_DISCARD, RULE_KEEP, RULE_DEFAULT
from planted import cluster_corpus

SMALL = dict(vector_size=8, min_count=1, workers=2, epochs=1, progress=False)
SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "rug"],
             ["a", "cat", "and", "a", "dog"]] * 20


def test_vocabulary_counts_and_sorting():
    model = Word2Vec(SENTENCES, **SMALL)
    assert model.corpus_count == 60 and model.corpus_total_words == 340
    assert model.wv.index_to_key[0] == "the"
    counts = [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key]
    assert counts == sorted(counts, reverse=True)
    assert model.wv.get_vecattr("cat", "count") == 40
    assert model.wv.vectors.dtype == np.float32 and model.wv.vectors.flags.c_contiguous


def test_min_count_max_final_vocab_and_trim_rule():
    model = Word2Vec(SENTENCES, **dict(SMALL, min_count=30))
    assert set(model.wv.index_to_key) == {"the", "cat", "sat", "on", "dog", "a"}
    capped = Word2Vec(SENTENCES, **dict(SMALL, max_final_vocab=3))
    assert len(capped.wv) <= 3 and "the" in capped.wv.key_to_index

    def rule(word, count, min_count):
        return RULE_DISCARD if word == "the" else RULE_KEEP if word == "mat" else RULE_DEFAULT

    trimmed = Word2Vec(SENTENCES, trim_rule=rule, **dict(SMALL, min_count=25))
    assert "the" not in trimmed.wv.key_to_index and "mat" in trimmed.wv.key_to_index
    assert "rug" not in trimmed.wv.key_to_index


def test_max_vocab_size_prunes_rare_words_during_the_scan():
    sentences = [["common"] * 5 + ["rare%d" % i] for i in range(100)]
    model = Word2Vec(sentences, **dict(SMALL, max_vocab_size=10))
    assert "common" in model.wv.key_to_index
    assert len(model.wv) < 12


def test_unsorted_vocab_keeps_first_seen_order_and_null_word():
    model = Word2Vec(SENTENCES, **dict(SMALL, sorted_vocab=0, null_word=1))
    assert model.wv.index_to_key[:3] == ["the", "cat", "sat"]
    assert model.wv.index_to_key[-1] == "\0"


def test_build_vocab_update_adds_new_words_and_keeps_trained_rows():
    model = Word2Vec(SENTENCES, **SMALL)
    before = model.wv.vectors.copy()
    new = [["zebra", "sat", "on", "the", "mat"]] * 5
    model.build_vocab(new, update=True)
    assert "zebra" in model.wv.key_to_index and len(model.wv) == len(before) + 1
    np.testing.assert_array_equal(model.wv.vectors[: len(before)], before)
    assert model.wv.get_vecattr("sat", "count") == 40 + 5
    assert model.syn1neg.shape == model.wv.vectors.shape
    model.train(new, total_examples=len(new), epochs=2)
    assert not np.array_equal(model.wv.vectors[: len(before)], before)


def test_build_vocab_from_freq():
    model = Word2Vec(**SMALL)
    model.build_vocab_from_freq({"cat": 10, "dog": 5, "rare": 1}, corpus_count=4)
    assert model.wv.index_to_key == ["cat", "dog", "rare"] and model.corpus_count == 4
    model.train([["cat", "dog", "rare"]] * 4, total_examples=4, epochs=1)


def test_train_reports_trained_and_raw_words():
    model = Word2Vec(**dict(SMALL, sample=0))
    model.build_vocab(SENTENCES)
    trained, raw = model.train(SENTENCES, total_examples=model.corpus_count, epochs=3)
    assert raw == 3 * 340 and trained == 3 * 340


@pytest.mark.parametrize("source", ["list", "file", "gz"])
def test_constructor_equals_build_vocab_then_train_with_total_examples(tmp_path, source):
    # gensim's guarantee: the constructor's training is train(total_examples=corpus_count,
    # epochs=epochs) after build_vocab, bit for bit with one worker
    import gzip

    from fastw2v import LineSentence

    # several jobs (over MIN_JOB_WORDS words), whose shares of words and of sentences differ
    corpus, _ = cluster_corpus(n_sentences=16000, seed=5)
    corpus = [sentence[:3] if i < 8000 else sentence for i, sentence in enumerate(corpus)]
    if source != "list":
        path = tmp_path / ("c.txt.gz" if source == "gz" else "c.txt")
        with (gzip.open if source == "gz" else open)(path, "wt", encoding="utf8") as f:
            f.write("".join(" ".join(sentence) + "\n" for sentence in corpus))
        corpus = LineSentence(str(path))
    params = dict(SMALL, workers=1, epochs=3, seed=11, window=3)
    built = Word2Vec(corpus, **params)
    stepwise = Word2Vec(**params)
    stepwise.build_vocab(corpus)
    stepwise.train(corpus, total_examples=stepwise.corpus_count, epochs=stepwise.epochs)
    assert np.array_equal(built.wv.vectors, stepwise.wv.vectors)
    assert np.array_equal(built.syn1neg, stepwise.syn1neg)
    assert built.min_alpha_yet_reached == stepwise.min_alpha_yet_reached


def test_sentences_longer_than_10000_words_are_trained_whole():
    # gensim trains only the first 10,000 tokens of a sentence; words past that must learn too
    rng = np.random.default_rng(0)
    head = ["h%d" % i for i in rng.integers(0, 50, 10000)]
    tail = ["t%d" % i for i in rng.integers(0, 20, 2000)]
    model = Word2Vec(**dict(SMALL, sample=0, workers=1))
    model.build_vocab([head + tail])
    initial = model.wv.vectors.copy()
    model.train([head + tail], total_examples=1, epochs=1)
    tail_rows = [model.wv.key_to_index[w] for w in set(tail)]
    assert np.all(np.any(model.wv.vectors[tail_rows] != initial[tail_rows], axis=1))


def test_predict_output_word_and_estimate_memory():
    sentences, clusters = cluster_corpus(n_sentences=1500)
    model = Word2Vec(sentences, vector_size=16, window=3, min_count=1, epochs=5, workers=2,
                     progress=False)
    context = ["c0x1", "c0x2", "c0x3", "c0x4"]
    predicted = model.predict_output_word(context, topn=5)
    assert len(predicted) == 5 and all(w.startswith("c0") for w, _ in predicted)
    assert sum(p for _, p in predicted) <= 1.0
    assert model.predict_output_word(["unknown"]) is None
    report = model.estimate_memory()
    assert report["vectors"] == len(model.wv) * 16 * 4 and report["total"] == sum(
        v for k, v in report.items() if k != "total")


def test_callbacks_are_called_in_gensim_order():
    events = []

    class Recorder:  # duck-typed like gensim's CallbackAny2Vec
        def on_train_begin(self, model):
            events.append("train_begin")

        def on_epoch_begin(self, model):
            events.append("epoch_begin")

        def on_epoch_end(self, model):
            events.append("epoch_end")

        def on_train_end(self, model):
            events.append("train_end")

    class OnlyEpochEnd(CallbackAny2Vec):
        def on_epoch_end(self, model):
            events.append("only")

    Word2Vec(SENTENCES, callbacks=[Recorder(), OnlyEpochEnd()], **dict(SMALL, epochs=2))
    assert events == ["train_begin", "epoch_begin", "epoch_end", "only", "epoch_begin",
                      "epoch_end", "only", "train_end"]


def test_loss_logger_records_each_epoch():
    logger = LossLogger()
    model = Word2Vec(SENTENCES, callbacks=[logger], compute_loss=True, **dict(SMALL, epochs=3))
    assert [h["epoch"] for h in logger.history] == [1, 2, 3]
    assert [h["loss"] for h in logger.history] == model.training_loss


def test_evaluation_callback_records_history(tmp_path):
    pytest.importorskip("scipy")
    sentences, clusters = cluster_corpus(n_sentences=800)
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": clusters\nc0m0 c0m1 c1m0 c1m1\nc2m0 c2m1 c3m0 c3m1\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("c0m0\tc0m1\t9.0\nc0m0\tc1m0\t1.0\nc2m0\tc2m1\t8.5\nc2m0\tc3m1\t0.5\n")
    callback = EvaluationCallback(str(analogies), str(pairs))
    Word2Vec(sentences, callbacks=[callback], **dict(SMALL, epochs=2))
    assert len(callback.history) == 2
    assert {"analogy_accuracy", "spearman", "pearson", "oov_ratio"} <= set(callback.history[0])


# ---------------------------------------------------------------------------- bad input


def test_empty_corpus_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        Word2Vec([], **SMALL)
    with pytest.raises(ValueError, match="empty"):
        Word2Vec([[], []], **SMALL)


def test_one_shot_generator_is_rejected_with_a_fix():
    with pytest.raises(TypeError, match="one-shot generator.*restartable"):
        Word2Vec((s for s in SENTENCES), **SMALL)
    with pytest.raises(TypeError, match="one-shot"):
        Word2Vec(iter(SENTENCES), **SMALL)


def test_iterable_that_cannot_restart_is_caught_in_the_second_pass():
    class OncePerProcess:
        def __init__(self):
            self.generator = iter(SENTENCES)

        def __iter__(self):
            return self.generator

    # iter(corpus) is not corpus, so it passes the first check; its second pass is empty
    with pytest.raises(ValueError, match="no sentences in epoch 1.*restartable"):
        Word2Vec(OncePerProcess(), **SMALL)


def test_non_string_tokens_and_string_sentences_are_rejected():
    with pytest.raises(TypeError, match="str tokens.*int"):
        Word2Vec([["a", 1, "b"]], **SMALL)
    with pytest.raises(TypeError, match="list of str tokens, got a str"):
        Word2Vec(["a whole sentence as one string"], **SMALL)


def test_no_word_reaching_min_count():
    with pytest.raises(ValueError, match="min_count=100.*most frequent occurs 80"):
        Word2Vec(SENTENCES, **dict(SMALL, min_count=100))


@pytest.mark.parametrize("kwargs,message", [
    (dict(vector_size=0), "Word2Vec: vector_size must be an int in [1, 2147483647], got 0"),
    (dict(vector_size=-3), "Word2Vec: vector_size must be an int in [1, 2147483647], got -3"),
    (dict(window=0), "Word2Vec: window must be an int in [1, 100000], got 0"),
    (dict(negative=0, hs=0), "Word2Vec: negative=0 and hs=0 leave nothing to train"),
    (dict(workers=0), "Word2Vec: workers must be an int in [1, 1024], got 0"),
    (dict(negative=-1), "Word2Vec: negative must be an int in [0, 1000], got -1"),
    (dict(kernel="fast"), "Word2Vec: kernel must be one of 'batched', 'classic', got 'fast'"),
])
def test_bad_parameters_fail_before_any_thread_starts(kwargs, message):
    before = threading.active_count()
    with pytest.raises(ValueError, match=re.escape(message)):
        Word2Vec(SENTENCES, **dict(SMALL, **kwargs))
    assert threading.active_count() == before


def test_train_before_build_vocab_and_without_sizes():
    model = Word2Vec(**SMALL)
    with pytest.raises(RuntimeError, match="build the vocabulary"):
        model.train(SENTENCES, total_examples=1, epochs=1)
    model.build_vocab(SENTENCES)
    with pytest.raises(ValueError, match="total_examples or total_words"):
        model.train(SENTENCES, epochs=1)
    with pytest.raises(TypeError, match="exactly one"):
        model.train(SENTENCES, corpus_file="x.txt", total_examples=1, epochs=1)


def test_keyboard_interrupt_stops_threads_and_leaves_a_usable_model():
    model = Word2Vec(**dict(SMALL, workers=3))
    model.build_vocab(SENTENCES)

    class Interrupted:
        def __iter__(self):
            for i, sentence in enumerate(SENTENCES * 50):
                if i == 1000:
                    raise KeyboardInterrupt
                yield sentence

    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        model.train(Interrupted(), total_examples=3000, epochs=1)
    assert threading.active_count() == before
    assert np.all(np.isfinite(model.wv.vectors))
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)  # still trainable


def test_keyboard_interrupt_in_file_mode(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in SENTENCES * 20))

    class Stop(CallbackAny2Vec):
        def on_epoch_end(self, model):
            raise KeyboardInterrupt

    model = Word2Vec(**dict(SMALL, epochs=3))
    model.build_vocab(corpus_file=str(path))
    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        model.train(corpus_file=str(path), epochs=3, callbacks=[Stop()])
    assert threading.active_count() == before and model.epochs_trained == 1


def test_interrupted_run_resumes_bit_identically():
    sentences, _ = cluster_corpus(n_sentences=600)
    params = dict(vector_size=12, min_count=1, workers=1, seed=5, progress=False)

    class StopAfter(CallbackAny2Vec):
        def on_epoch_end(self, model):
            if model.train_state["completed"] == 2:
                raise KeyboardInterrupt

    whole = Word2Vec(sentences, epochs=4, **params)
    resumed = Word2Vec(**params)
    resumed.build_vocab(sentences)
    with pytest.raises(KeyboardInterrupt):
        resumed.train(sentences, total_examples=len(sentences), epochs=4, callbacks=[StopAfter()])
    assert resumed.train_state["completed"] == 2
    resumed.train(sentences, total_examples=len(sentences), epochs=4)
    assert resumed.epochs_trained == 4 and resumed.train_state["completed"] == 4
    np.testing.assert_array_equal(resumed.wv.vectors, whole.wv.vectors)
    np.testing.assert_array_equal(resumed.syn1neg, whole.syn1neg)
